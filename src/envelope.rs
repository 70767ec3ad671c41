//! The request and response envelopes of `order/get`, common to the platform's cloud APIs.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::order::OrderDetail;

/// A request to `POST /vision/customer/cloudstorage/order/get`, API version 1.0.6
/// (获取云存储套餐订单详情).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[schemars(title = "order/get 1.0.6 request")]
#[non_exhaustive]
pub struct Request {
    /// Request ID (请求ID): opaque, chosen by the caller, such as a timestamp or a UUID.
    pub id: String,
    /// Protocol version (协议版本), currently fixed to `1.0`.
    pub version: String,
    /// System parameters (系统参数).
    pub request: SystemParams,
    /// Business parameters (业务参数).
    pub params: Params,
}

/// System parameters of a request (系统参数).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SystemParams {
    /// The endpoint's API version (API版本): `1.0.6` for this contract.
    pub api_ver: String,
    /// The app user's session token, for client (app) APIs. A credential: never printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iot_token: Option<Credential>,
    /// The cloud token, for cloud APIs. A credential: never printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_token: Option<Credential>,
    /// Language hint (语言), such as `zh-CN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Locale hint (地区).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// Business parameters of `order/get` (业务参数).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Params {
    /// Device ID (设备ID): the unique identifier the platform issued to the device.
    pub iot_id: String,
    /// ID of the order that bought the cloud-storage package (订单ID).
    pub order_id: String,
    /// Whether the device has no bound administrator (设备是否未绑定管理员).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_no_owner: Option<bool>,
}

/// A response from `order/get` (返回数据).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(rename_all = "camelCase")]
#[schemars(title = "order/get 1.0.6 response")]
// Code 200 carries the order: expressed in the schema too, so that teams using the schema file
// alone catch a success without data.
#[schemars(extend(
    "if" = { "properties": { "code": { "const": 200 } }, "required": ["code"] },
    "then" = { "properties": { "data": { "type": "object" } }, "required": ["data"] }
))]
#[non_exhaustive]
pub struct Response {
    /// Response ID (响应ID). Not in the endpoint's field table, and not an echo of the
    /// request's `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Return code (接口返回码): 200 means success; any other code is a failure. The
    /// documented codes and their messages are in [`crate::codes`] (the JSON Schemas describe
    /// `code` from that table).
    pub code: i32,
    /// Error message when the call failed (调用失败时的出错信息); a string, `null` or absent.
    #[serde(default, with = "present", skip_serializing_if = "Presence::is_absent")]
    #[schemars(with = "Option<String>")]
    pub message: Presence<String>,
    /// Error message in the local language (本地语言的错误消息); a string, `null` or absent.
    #[serde(
        default,
        with = "present",
        rename = "localizedMsg",
        skip_serializing_if = "Presence::is_absent"
    )]
    #[schemars(with = "Option<String>")]
    pub localized_msg: Presence<String>,
    /// The result (响应的结果): the order detail when `code` is 200, `null` otherwise.
    #[serde(default, with = "present", skip_serializing_if = "Presence::is_absent")]
    #[schemars(with = "Option<OrderDetail>")]
    pub data: Presence<OrderDetail>,
}

impl Response {
    /// A failure: `{"code": code, "message": …, "localizedMsg": …, "data": null}`, the
    /// platform's error envelope.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::Response;
    ///
    /// let envelope = Response::failure(460, "request parameter error", "请求参数错误");
    /// assert_eq!(
    ///     serde_json::to_string(&envelope)?,
    ///     r#"{"code":460,"message":"request parameter error","localizedMsg":"请求参数错误","data":null}"#
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn failure(
        code: i32,
        message: impl Into<String>,
        localized_msg: impl Into<String>,
    ) -> Response {
        Response {
            id: None,
            code,
            message: Presence::Value(message.into()),
            localized_msg: Presence::Value(localized_msg.into()),
            data: Presence::Null,
        }
    }
}

/// A member that may be absent, `null`, or hold a value.
///
/// The platform's examples send `"message": null` where sibling endpoints omit the member. Both
/// conform, and keeping them apart lets a payload serialize back to the bytes it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum Presence<T> {
    /// The member is not in the object.
    #[default]
    Absent,
    /// The member is `null`.
    Null,
    /// The member holds a value.
    Value(T),
}

impl<T> Presence<T> {
    /// The value, if there is one.
    pub fn value(&self) -> Option<&T> {
        match self {
            Presence::Value(v) => Some(v),
            Presence::Absent | Presence::Null => None,
        }
    }

    /// Whether the member is absent.
    pub fn is_absent(&self) -> bool {
        matches!(self, Presence::Absent)
    }
}

/// serde glue for [`Presence`]: `null` is `Null`, a missing member (with `#[serde(default)]`)
/// is `Absent`, and an absent member is skipped when serializing.
mod present {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Presence;

    pub(super) fn serialize<T: Serialize, S: Serializer>(
        p: &Presence<T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match p {
            Presence::Value(v) => v.serialize(s),
            Presence::Absent | Presence::Null => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Presence<T>, D::Error> {
        Ok(match Option::<T>::deserialize(d)? {
            Some(v) => Presence::Value(v),
            None => Presence::Null,
        })
    }
}

/// A credential (`iotToken`, `cloudToken`). Its `Debug` and `Display` never show the value;
/// only [`Credential::expose`] does.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
#[schemars(transparent)]
pub struct Credential(String);

impl Credential {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Credential(secret.into())
    }

    /// The secret itself. Call it only to send the request, never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credential(<redacted>)")
    }
}

impl fmt::Display for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

crate::object::contract_object!(Request, "a request object");
crate::object::contract_object!(SystemParams, "an object of system parameters");
crate::object::contract_object!(Params, "an object of business parameters");
crate::object::contract_object!(Response, "a response object");
