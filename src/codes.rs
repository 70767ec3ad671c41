//! The documented error codes of `order/get`: one table, [`DOCUMENTED`], that the samplers, the
//! proptest strategies, the OpenAPI document and the JSON Schemas' description of `code` read.
//!
//! Source: the platform's common error-code page (help.aliyun.com document_detail/127995), as
//! recorded in the project's contract notes. The catalogue is incomplete: a code outside it is
//! not an error of the contract, and no rule judges message text (the endpoint's own page pairs
//! 460 with "auth failed", where the common page says "request parameter error"). The English
//! messages are the common page's; the Chinese ones are this crate's.
//!
//! # Examples
//!
//! ```
//! use cloudstorage_contract::codes::{self, Issuer};
//!
//! let code = codes::lookup(2063).expect("a documented code");
//! assert_eq!(code.message, "iotId not exist");
//! assert_eq!(code.issuer, Issuer::Business);
//! assert!(codes::lookup(200).is_none(), "200 is success, not an error code");
//!
//! let envelope = serde_json::to_string(&code.envelope())?;
//! assert_eq!(
//!     envelope,
//!     r#"{"code":2063,"message":"iotId not exist","localizedMsg":"设备不存在","data":null}"#
//! );
//! # Ok::<(), serde_json::Error>(())
//! ```

use crate::envelope::{Presence, Response};

/// Which layer of the platform answers with a code.
///
/// The platform's API gateway rejects a call before it reaches the endpoint, with HTTP-like
/// codes (400–503); the endpoint's business logic answers with its own codes (2000 and up) when
/// the call is well formed but the account or device does not allow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Issuer {
    /// The API gateway, common to every Living Link cloud API: 400, 401, 403, 404, 429, 460,
    /// 500 and 503.
    Gateway,
    /// The endpoint's business logic (identities, devices, bindings): 2000, 2062, 2063, 2065
    /// and 2066.
    Business,
}

impl Issuer {
    /// `gateway` or `business`.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::codes::Issuer;
    ///
    /// assert_eq!(Issuer::Gateway.as_str(), "gateway");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Issuer::Gateway => "gateway",
            Issuer::Business => "business",
        }
    }
}

impl std::fmt::Display for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A documented error code, with its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ErrorCode {
    /// The `code` of the response envelope.
    pub code: i32,
    /// The English message, as the platform's error-code page writes it (`message`).
    pub message: &'static str,
    /// A Chinese message for `localizedMsg` (本地语言的错误消息).
    pub localized_msg: &'static str,
    /// Which layer of the platform answers with it.
    pub issuer: Issuer,
}

/// Every documented error code: the gateway's in ascending order, then the business logic's.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::codes::{DOCUMENTED, Issuer};
///
/// let codes: Vec<i32> = DOCUMENTED.iter().map(|c| c.code).collect();
/// assert_eq!(codes, [400, 401, 403, 404, 429, 460, 500, 503, 2000, 2062, 2063, 2065, 2066]);
/// assert!(DOCUMENTED.iter().all(|c| (c.code < 1000) == (c.issuer == Issuer::Gateway)));
/// ```
pub const DOCUMENTED: &[ErrorCode] = &[
    gateway(400, "request error", "请求错误"),
    gateway(401, "request auth error", "请求认证错误"),
    gateway(403, "request forbidden", "请求被禁止"),
    gateway(404, "service not found", "服务不存在"),
    gateway(429, "too many requests", "请求过于频繁"),
    gateway(460, "request parameter error", "请求参数错误"),
    gateway(500, "service error", "服务端错误"),
    gateway(503, "service not available", "服务不可用"),
    business(2000, "param is invalid", "参数不合法"),
    business(2062, "identityId does not exist", "用户身份不存在"),
    business(2063, "iotId not exist", "设备不存在"),
    business(
        2065,
        "identityId and iotId not bound",
        "用户和设备没有绑定关系",
    ),
    business(2066, "identityId is not manager", "用户不是设备管理员"),
];

const fn gateway(code: i32, message: &'static str, localized_msg: &'static str) -> ErrorCode {
    ErrorCode {
        code,
        message,
        localized_msg,
        issuer: Issuer::Gateway,
    }
}

const fn business(code: i32, message: &'static str, localized_msg: &'static str) -> ErrorCode {
    ErrorCode {
        code,
        message,
        localized_msg,
        issuer: Issuer::Business,
    }
}

/// The documented error code `code`, if it is one. 200 (success) is not an error code.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::codes;
///
/// assert_eq!(codes::lookup(460).map(|c| c.message), Some("request parameter error"));
/// assert!(codes::lookup(20013).is_none(), "an older gateway code, outside the catalogue");
/// ```
pub const fn lookup(code: i32) -> Option<&'static ErrorCode> {
    let mut i = 0;
    while i < DOCUMENTED.len() {
        if DOCUMENTED[i].code == code {
            return Some(&DOCUMENTED[i]);
        }
        i += 1;
    }
    None
}

impl ErrorCode {
    /// The error envelope the platform answers with: this code, its two messages and `data`
    /// null, without an `id`.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::{codes, Options, Validator};
    ///
    /// let validator = Validator::new(Options::default())?;
    /// for code in codes::DOCUMENTED {
    ///     let text = serde_json::to_string(&code.envelope()).expect("the types serialize");
    ///     let report = validator.validate_response(text.as_bytes());
    ///     assert!(report.conforms() && report.diagnostics().is_empty(), "{text}");
    /// }
    /// # Ok::<(), cloudstorage_contract::Error>(())
    /// ```
    pub fn envelope(&self) -> Response {
        Response {
            id: None,
            code: self.code,
            message: Presence::Value(self.message.to_owned()),
            localized_msg: Presence::Value(self.localized_msg.to_owned()),
            data: Presence::Null,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_lookup_finds_each() {
        for (i, code) in DOCUMENTED.iter().enumerate() {
            assert_eq!(lookup(code.code), Some(code));
            assert!(DOCUMENTED[..i].iter().all(|c| c.code != code.code));
            assert_ne!(code.code, 200);
        }
    }
}
