//! The order detail (`data`) returned by `order/get`, and its constrained values.

use std::fmt;
use std::num::NonZeroU32;

use schemars::{JsonSchema, JsonSchema_repr, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use serde_repr::{Deserialize_repr, Serialize_repr};

use crate::time::{LocalTime, UtcTime};

/// The detail of one cloud-storage package order (云存储套餐订单详情).
///
/// Every field of the endpoint's table is required except `preConsume`, which the endpoint's own
/// example omits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrderDetail {
    /// Device ID (设备ID): the unique identifier the platform issued to the device.
    pub iot_id: String,
    /// User identity ID (用户身份ID): the identifier the platform issued to the registered user.
    pub identity_id: String,
    /// Cloud-storage package code (云存储套餐编码), such as `ilopLVCloudResource`.
    pub commodity_code: String,
    /// Cloud-storage package specification (云存储套餐规格), such as `eventResource_7`. No
    /// document states a naming rule, so any string is accepted.
    pub specification: String,
    /// Number of packages bought (购买的数量); at least 1.
    #[schemars(range(min = 1))]
    pub copies: NonZeroU32,
    /// Order price (订单价格): a decimal amount in yuan, such as `1.0` or `58.00`.
    pub price: Price,
    /// Name of the user who bought the package (购买云存储套餐的用户名).
    pub user_name: String,
    /// ID of the user who bought the package (购买云存储套餐的用户ID).
    pub user_id: String,
    /// Order ID (订单ID); payment is made against it after the order is created.
    pub order_id: String,
    /// External payment settlement order number (外部支付结算订单号): the order number under
    /// the Alibaba Cloud account.
    pub out_order_no: String,
    /// Order status (订单状态): 0 in use, 1 expired, 2 frozen, 3 being created and unpaid.
    pub status: OrderStatus,
    /// Payment status (支付状态): 0 unpaid, 1 paid, 2 payment in progress.
    pub payment_status: PaymentStatus,
    /// Recording type (录像类型): 1 continuous, 2 event.
    pub record_type: RecordType,
    /// Order type (订单类型): 0 paid order, 1 free order.
    pub order_type: OrderType,
    /// Package start, platform local time (套餐开始时间), such as `2020-08-25 10:00:00`.
    pub start_time: LocalTime,
    /// Package end, platform local time (套餐结束时间), such as `2020-09-25 10:00:00`.
    pub end_time: LocalTime,
    /// Package start in UTC (套餐开始时间 UTC), such as `2020-08-25T02:00:00Z`; the same
    /// instant as `startTime`.
    #[serde(rename = "startTimeUTC")]
    pub start_time_utc: UtcTime,
    /// Package end in UTC (套餐结束时间 UTC), such as `2020-09-25T02:00:00Z`; the same instant
    /// as `endTime`.
    #[serde(rename = "endTimeUTC")]
    pub end_time_utc: UtcTime,
    /// Time already consumed, in seconds (已消耗的时间,单位秒). Optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_consume: Option<u64>,
}

crate::object::contract_object!(OrderDetail, "an order object");

/// Order status (订单状态): 0 valid, in use (订单有效,使用中); 1 expired (已过期); 2 frozen,
/// suspended (订单冻结停用); 3 being created, not yet paid (创建中,未支付开通).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize_repr, Deserialize_repr, JsonSchema_repr,
)]
#[repr(u8)]
#[non_exhaustive]
pub enum OrderStatus {
    /// 0: the order is valid and in use.
    InUse = 0,
    /// 1: the order is no longer valid; it has expired.
    Expired = 1,
    /// 2: the order is frozen and suspended.
    Frozen = 2,
    /// 3: the order is being created and has not been paid for.
    Creating = 3,
}

/// Payment status (支付状态): 0 unpaid (未支付); 1 paid (已支付); 2 payment in progress
/// (正在支付中).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize_repr, Deserialize_repr, JsonSchema_repr,
)]
#[repr(u8)]
#[non_exhaustive]
pub enum PaymentStatus {
    /// 0: not paid.
    Unpaid = 0,
    /// 1: paid.
    Paid = 1,
    /// 2: payment in progress.
    Paying = 2,
}

/// Recording type (录像类型): 1 continuous (连续型); 2 event (事件型).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize_repr, Deserialize_repr, JsonSchema_repr,
)]
#[repr(u8)]
#[non_exhaustive]
pub enum RecordType {
    /// 1: continuous recording.
    Continuous = 1,
    /// 2: event recording.
    Event = 2,
}

/// Order type (订单类型): 0 paid order (付费订单); 1 free order (免费订单).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize_repr, Deserialize_repr, JsonSchema_repr,
)]
#[repr(u8)]
#[non_exhaustive]
pub enum OrderType {
    /// 0: a paid order.
    Paid = 0,
    /// 1: a free order.
    Free = 1,
}

macro_rules! describe_enum {
    ($ty:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        impl $ty {
            /// The documented meaning of the value, in English.
            pub fn meaning(self) -> &'static str {
                match self {
                    $($ty::$variant => $text,)*
                }
            }

            /// Every value with its meaning, in order, for messages and rule documentation.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),*];

            /// The integer the platform sends.
            pub fn code(self) -> u8 {
                self as u8
            }
        }
    };
}

describe_enum!(OrderStatus {
    InUse => "in use",
    Expired => "expired",
    Frozen => "frozen",
    Creating => "being created",
});
describe_enum!(PaymentStatus { Unpaid => "unpaid", Paid => "paid", Paying => "paying" });
describe_enum!(RecordType { Continuous => "continuous", Event => "event" });
describe_enum!(OrderType { Paid => "paid order", Free => "free order" });

/// The portable pattern for a price.
pub(crate) const PRICE_PATTERN: &str = "^[0-9]+(\\.[0-9]+)?$";

/// An order price (订单价格): a decimal amount in yuan as a string, digits with an optional
/// fraction, such as `1.0` or `58.00`.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::Price;
///
/// let p: Price = "58.00".parse()?;
/// assert!(!p.is_zero());
/// assert!("0.00".parse::<Price>()?.is_zero());
/// assert!("-1".parse::<Price>().is_err());
/// # Ok::<(), cloudstorage_contract::PriceError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Price(String);

impl Price {
    /// Whether the amount is zero (every digit is `0`).
    pub fn is_zero(&self) -> bool {
        is_zero_price(&self.0)
    }

    /// The text exactly as it was read.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a string is not a price: it is not digits with an optional `.` and digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceError;

impl fmt::Display for PriceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected a decimal amount such as `1.0` (digits, optionally `.` and digits)")
    }
}

impl std::error::Error for PriceError {}

impl std::str::FromStr for Price {
    type Err = PriceError;

    fn from_str(s: &str) -> Result<Self, PriceError> {
        if is_price(s) {
            Ok(Price(s.to_owned()))
        } else {
            Err(PriceError)
        }
    }
}

/// Whether `s` is a decimal amount: digits, optionally `.` and digits ([`PRICE_PATTERN`]).
///
/// Byte by byte: a price is a few bytes, shorter than what a `str` search sets up for.
pub(crate) fn is_price(s: &str) -> bool {
    let bytes = s.as_bytes();
    let (whole, fraction) = match bytes.iter().position(|&b| b == b'.') {
        Some(dot) => (&bytes[..dot], Some(&bytes[dot + 1..])),
        None => (bytes, None),
    };
    let digits = |t: &[u8]| !t.is_empty() && t.iter().all(u8::is_ascii_digit);
    digits(whole) && fraction.is_none_or(digits)
}

/// Whether a decimal amount is zero (`0`, `0.00`).
pub(crate) fn is_zero_price(s: &str) -> bool {
    s.bytes().all(|b| b == b'0' || b == b'.')
}

impl TryFrom<String> for Price {
    type Error = PriceError;

    fn try_from(s: String) -> Result<Self, PriceError> {
        s.parse()
    }
}

impl From<Price> for String {
    fn from(p: Price) -> String {
        p.0
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Price({:?})", self.0)
    }
}

impl JsonSchema for Price {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Price".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "pattern": PRICE_PATTERN })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_accepts_decimals_only() {
        for good in ["0", "1", "1.0", "58.00", "0.01", "007"] {
            assert!(good.parse::<Price>().is_ok(), "{good}");
        }
        for bad in [
            "", ".5", "1.", "1.0.0", "-1", "+1", "1e3", " 1", "１", "1,00",
        ] {
            assert!(bad.parse::<Price>().is_err(), "{bad}");
        }
    }

    #[test]
    fn price_zero() {
        assert!("0".parse::<Price>().unwrap().is_zero());
        assert!("0.000".parse::<Price>().unwrap().is_zero());
        assert!(!"0.001".parse::<Price>().unwrap().is_zero());
    }

    #[test]
    fn enums_round_trip_as_integers() {
        for s in OrderStatus::ALL {
            let json = serde_json::to_string(s).unwrap();
            assert_eq!(json, s.code().to_string());
            assert_eq!(serde_json::from_str::<OrderStatus>(&json).unwrap(), *s);
        }
        assert!(serde_json::from_str::<OrderStatus>("4").is_err());
        assert!(serde_json::from_str::<RecordType>("0").is_err());
        assert_eq!(OrderType::Free.meaning(), "free order");
    }
}
