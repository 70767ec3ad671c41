//! [proptest](mod@proptest) strategies for the contract's payloads, for property tests of your
//! own code (a gateway, a client, a converter). Behind the `proptest` feature:
//!
//! ```toml
//! cloudstorage-contract = { version = "0.1", default-features = false, features = ["proptest"] }
//! ```
//!
//! [`request`] and [`response`] build values of the types, field by field, so that proptest
//! shrinks a failure to a small payload. Every value conforms to the contract with no warning in
//! the default profile: statuses pass the sanity rules, each local time is its UTC twin plus one
//! real offset, and the package ends after it starts. Free-text members (identifiers, names,
//! messages) range from realistic identifiers to arbitrary Unicode, which the contract allows.
//! [`near_miss`] draws [`sample::near_miss`] payloads: one defect each, and the rule it breaks.
//!
//! # Examples
//!
//! ```
//! use cloudstorage_contract::{strategy, Options, Validator};
//! use proptest::prelude::*;
//!
//! let validator = Validator::new(Options::default())?;
//! proptest!(ProptestConfig::with_cases(16), |(response in strategy::response())| {
//!     let text = serde_json::to_string(&response).expect("the types serialize");
//!     let report = validator.validate(text.as_bytes());
//!     prop_assert!(report.conforms());
//!     prop_assert_eq!(report.response(), Some(&response));
//! });
//! # Ok::<(), cloudstorage_contract::Error>(())
//! ```

use std::num::NonZeroU32;

use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

use crate::envelope::{Credential, Params, Presence, Request, Response, SystemParams};
use crate::order::{OrderDetail, OrderStatus, OrderType, PaymentStatus, Price, RecordType};
use crate::sample::{self, Period, Sample};
use crate::schema::Kind;
use crate::semantic::{API_VERSION, PROTOCOL_VERSION};

/// Conforming requests, built from the types.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::strategy;
/// use proptest::prelude::*;
///
/// proptest!(ProptestConfig::with_cases(16), |(request in strategy::request())| {
///     prop_assert_eq!(request.request.api_ver.as_str(), "1.0.6");
/// });
/// ```
pub fn request() -> impl Strategy<Value = Request> {
    let system = (
        option::of(credential()),
        option::of(credential()),
        option::of(text()),
        option::of(text()),
    )
        .prop_map(|(iot_token, cloud_token, language, locale)| SystemParams {
            api_ver: API_VERSION.to_owned(),
            iot_token,
            cloud_token,
            language,
            locale,
        });
    let params = (text(), text(), option::of(any::<bool>())).prop_map(
        |(iot_id, order_id, device_no_owner)| Params {
            iot_id,
            order_id,
            device_no_owner,
        },
    );
    (text(), system, params).prop_map(|(id, request, params)| Request {
        id,
        version: PROTOCOL_VERSION.to_owned(),
        request,
        params,
    })
}

/// Conforming responses, built from the types: mostly successes (`code` 200 with an order),
/// sometimes an error code without one.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::{strategy, Presence};
/// use proptest::prelude::*;
///
/// proptest!(ProptestConfig::with_cases(16), |(response in strategy::response())| {
///     prop_assert_eq!(response.code == 200, matches!(response.data, Presence::Value(_)));
/// });
/// ```
pub fn response() -> impl Strategy<Value = Response> {
    let success = (
        option::of(text()),
        presence(text()),
        presence(text()),
        order(),
    )
        .prop_map(|(id, message, localized_msg, order)| Response {
            id,
            code: 200,
            message,
            localized_msg,
            data: Presence::Value(order),
        });
    let failure = (
        option::of(text()),
        prop_oneof![
            select(
                crate::codes::DOCUMENTED
                    .iter()
                    .map(|c| c.code)
                    .collect::<Vec<_>>()
            ),
            any::<i32>().prop_filter("an error code", |c| *c != 200),
        ],
        presence(text()),
        presence(text()),
        prop_oneof![Just(Presence::Null), Just(Presence::Absent)],
    )
        .prop_map(|(id, code, message, localized_msg, data)| Response {
            id,
            code,
            message,
            localized_msg,
            data,
        });
    prop_oneof![4 => success, 1 => failure]
}

/// Near misses of `kind`: [`sample::near_miss`] over arbitrary seeds. Each breaks exactly one
/// rule, named in [`Sample::breaks`], at [`Sample::pointer`].
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::{strategy, Kind, Options, Validator};
/// use proptest::prelude::*;
///
/// let validator = Validator::new(Options::default())?;
/// proptest!(ProptestConfig::with_cases(16), |(s in strategy::near_miss(Kind::Request))| {
///     let report = validator.validate(s.text.as_bytes());
///     prop_assert!(report.diagnostics().iter().any(|d| Some(d.rule()) == s.breaks));
/// });
/// # Ok::<(), cloudstorage_contract::Error>(())
/// ```
pub fn near_miss(kind: Kind) -> impl Strategy<Value = Sample> {
    any::<u64>().prop_map(move |seed| sample::near_miss(kind, seed))
}

/// Free text: realistic identifiers, or any Unicode at all.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[A-Za-z0-9]{1,26}",
        1 => any::<String>(),
    ]
}

fn credential() -> impl Strategy<Value = Credential> {
    prop_oneof!["[0-9a-f]{32}", any::<String>()].prop_map(Credential::new)
}

fn presence<S>(value: S) -> impl Strategy<Value = Presence<S::Value>>
where
    S: Strategy,
    S::Value: Clone,
{
    prop_oneof![
        Just(Presence::Absent),
        Just(Presence::Null),
        value.prop_map(Presence::Value),
    ]
}

/// (status, payment status, order type) triples that none of the sanity rules flags.
fn consistent_statuses() -> Vec<(OrderStatus, PaymentStatus, OrderType)> {
    let mut triples = Vec::new();
    for &status in OrderStatus::ALL {
        for &payment in PaymentStatus::ALL {
            for &order_type in OrderType::ALL {
                let paid_while_creating =
                    status == OrderStatus::Creating && payment == PaymentStatus::Paid;
                let unpaid_in_use = status == OrderStatus::InUse
                    && order_type == OrderType::Paid
                    && payment == PaymentStatus::Unpaid;
                if !paid_while_creating && !unpaid_in_use {
                    triples.push((status, payment, order_type));
                }
            }
        }
    }
    triples
}

/// A period: start, duration and one real UTC offset (whole quarter hours, −12:00 to +14:00).
/// Mostly this century; sometimes anywhere in years 0001 to 9998.
fn period() -> impl Strategy<Value = Period> {
    const YEAR_2000: i64 = 946_684_800;
    const YEAR_2100: i64 = 4_102_444_800;
    // 0001-01-02 and 9998-01-01: with a year's package and any offset, every time has four
    // digits of year and fits the types.
    const EARLIEST: i64 = -62_135_510_400;
    const LATEST: i64 = 253_370_764_800;
    let start = prop_oneof![4 => YEAR_2000..YEAR_2100, 1 => EARLIEST..LATEST];
    (start, 1i64..=400 * 86_400, -48i64..=56).prop_map(|(start, seconds, quarters)| Period {
        start,
        end: start + seconds,
        start_offset: quarters * 900,
        end_offset: quarters * 900,
    })
}

fn order() -> impl Strategy<Value = OrderDetail> {
    let ids = (
        text(),
        text(),
        text(),
        text(),
        text(),
        text(),
        text(),
        text(),
    );
    let kind = (
        select(consistent_statuses()),
        select(RecordType::ALL),
        prop_oneof![3 => Just(1u32), 1 => 1u32..=u32::MAX],
        "[0-9]{1,5}(\\.[0-9]{1,3})?",
        "0{1,3}(\\.0{1,3})?",
    );
    // UTC times may carry a fraction of a second, which their local twins cannot show.
    let fraction = || prop_oneof![3 => Just(String::new()), 1 => "[0-9]{1,9}"];
    let times = (period(), option::of(any::<u64>()), fraction(), fraction());
    (ids, kind, times).prop_map(
        |(
            (
                iot_id,
                identity_id,
                commodity_code,
                specification,
                user_name,
                user_id,
                order_id,
                out_order_no,
            ),
            ((status, payment_status, order_type), record_type, copies, paid, free),
            (period, pre_consume, start_fraction, end_fraction),
        )| {
            let price = match order_type {
                OrderType::Free => free,
                OrderType::Paid => paid,
            };
            let seconds = period.seconds().unsigned_abs();
            OrderDetail {
                iot_id,
                identity_id,
                commodity_code,
                specification,
                copies: NonZeroU32::new(copies).unwrap_or(NonZeroU32::MIN),
                price: price.parse::<Price>().expect("the pattern makes prices"),
                user_name,
                user_id,
                order_id,
                out_order_no,
                status,
                payment_status,
                record_type,
                order_type,
                start_time: sample::local_at(period.start, period.start_offset),
                end_time: sample::local_at(period.end, period.end_offset),
                start_time_utc: sample::utc_with_fraction(period.start, &start_fraction),
                end_time_utc: sample::utc_with_fraction(period.end, &end_fraction),
                // Less than the package's duration, fractions or not: more draws a warning.
                pre_consume: pre_consume.map(|p| p % seconds),
            }
        },
    )
}
