//! What the schema cannot say: the cross-field rules.
//!
//! Each rule is a small function over [`Facts`], the few values of a payload the rules read,
//! and reports through a [`Sink`]. Both engines gather the same facts ([`FACTS`] says which
//! members they are) and call [`judge`]: the one-pass engine while it reads the bytes, the
//! reference engine from its parsed `Value`. A value that a schema finding is about is never a
//! fact, so that one defect gives one diagnostic.

use std::borrow::Cow;

use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use crate::findings::Sink;
use crate::message::quote;
use crate::order::{is_price, is_zero_price};
use crate::rules::Rule;
use crate::schema::Kind;
use crate::time::{LocalTime, TimeError, UtcTime};

/// The API version this contract describes.
pub(crate) const API_VERSION: &str = "1.0.6";
/// The platform's protocol version.
pub(crate) const PROTOCOL_VERSION: &str = "1.0";

/// A configured time zone with the name the user gave it.
pub(crate) type Zone = (String, TimeZone);

/// A value the rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fact {
    Version,
    ApiVer,
    AskedIotId,
    AskedOrderId,
    Code,
    IotId,
    OrderId,
    Price,
    Status,
    PaymentStatus,
    OrderType,
    PreConsume,
    Start,
    End,
    StartUtc,
    EndUtc,
}

/// How many facts there are.
const FACT_COUNT: usize = 16;

/// Which member of which envelope holds each fact: the only place the rules' members are named.
pub(crate) const FACTS: &[(Kind, &str, Fact)] = &[
    (Kind::Request, "/version", Fact::Version),
    (Kind::Request, "/request/apiVer", Fact::ApiVer),
    (Kind::Request, "/params/iotId", Fact::AskedIotId),
    (Kind::Request, "/params/orderId", Fact::AskedOrderId),
    (Kind::Response, "/code", Fact::Code),
    (Kind::Response, "/data/iotId", Fact::IotId),
    (Kind::Response, "/data/orderId", Fact::OrderId),
    (Kind::Response, "/data/price", Fact::Price),
    (Kind::Response, "/data/status", Fact::Status),
    (Kind::Response, "/data/paymentStatus", Fact::PaymentStatus),
    (Kind::Response, "/data/orderType", Fact::OrderType),
    (Kind::Response, "/data/preConsume", Fact::PreConsume),
    (Kind::Response, "/data/startTime", Fact::Start),
    (Kind::Response, "/data/endTime", Fact::End),
    (Kind::Response, "/data/startTimeUTC", Fact::StartUtc),
    (Kind::Response, "/data/endTimeUTC", Fact::EndUtc),
];

/// The member that holds the order: its presence as an object is a fact of its own.
pub(crate) const ORDER: &str = "/data";

/// The fact a member of `kind` at `pointer` holds, if any.
pub(crate) fn fact_at(kind: Kind, pointer: &str) -> Option<Fact> {
    FACTS
        .iter()
        .find(|(k, p, _)| *k == kind && *p == pointer)
        .map(|&(_, _, fact)| fact)
}

/// One fact's value: a string, or an integer written without a fraction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FactValue<'a> {
    Text(Cow<'a, str>),
    /// A UTC time already read (the engine reads it for the `date-time` format).
    Utc(UtcTime),
    Unsigned(u64),
    Signed(i64),
}

/// The facts of one payload, each `None` when absent, of another type, or faulted.
#[derive(Debug, Default)]
pub(crate) struct Facts<'a> {
    values: [Option<FactValue<'a>>; FACT_COUNT],
    /// Whether `data` holds an object that no schema finding is about.
    pub(crate) order: bool,
}

impl<'a> Facts<'a> {
    pub(crate) fn set(&mut self, fact: Fact, value: FactValue<'a>) {
        self.values[fact as usize] = Some(value);
    }

    /// The same facts, owning their strings.
    pub(crate) fn into_owned(self) -> Facts<'static> {
        Facts {
            values: self.values.map(|v| {
                v.map(|v| match v {
                    FactValue::Text(t) => FactValue::Text(Cow::Owned(t.into_owned())),
                    FactValue::Utc(t) => FactValue::Utc(t),
                    FactValue::Unsigned(n) => FactValue::Unsigned(n),
                    FactValue::Signed(n) => FactValue::Signed(n),
                })
            }),
            order: self.order,
        }
    }

    pub(crate) fn clear(&mut self, fact: Fact) {
        self.values[fact as usize] = None;
    }

    fn text(&self, fact: Fact) -> Option<&str> {
        match &self.values[fact as usize] {
            Some(FactValue::Text(t)) => Some(t),
            _ => None,
        }
    }

    /// As `serde_json::Value::as_u64` would read it.
    fn unsigned(&self, fact: Fact) -> Option<u64> {
        match self.values[fact as usize] {
            Some(FactValue::Unsigned(n)) => Some(n),
            Some(FactValue::Signed(n)) => u64::try_from(n).ok(),
            _ => None,
        }
    }

    /// As `serde_json::Value::as_i64` would read it.
    fn signed(&self, fact: Fact) -> Option<i64> {
        match self.values[fact as usize] {
            Some(FactValue::Unsigned(n)) => i64::try_from(n).ok(),
            Some(FactValue::Signed(n)) => Some(n),
            _ => None,
        }
    }
}

/// The order's values the rules look at, each `None` when absent or already faulted.
#[derive(Default)]
struct OrderFacts<'a> {
    start: Option<&'a LocalTime>,
    end: Option<&'a LocalTime>,
    start_utc: Option<&'a UtcTime>,
    end_utc: Option<&'a UtcTime>,
    pre_consume: Option<u64>,
    status: Option<u64>,
    payment_status: Option<u64>,
    order_type: Option<u64>,
    /// The price text, known to be a decimal amount.
    price: Option<&'a str>,
}

/// Every semantic rule for a payload of `kind`, over its facts. `place` gives the pointer of a
/// member by its fact, for the findings.
pub(crate) fn judge(sink: &mut impl Sink, kind: Kind, facts: &Facts<'_>, zone: Option<&Zone>) {
    match kind {
        Kind::Request => request_rules(sink, facts.text(Fact::ApiVer), facts.text(Fact::Version)),
        Kind::Response => {
            data_on_error(sink, facts.signed(Fact::Code), facts.order);
            if facts.order {
                let start = read_time::<LocalTime>(sink, facts, Fact::Start);
                let end = read_time::<LocalTime>(sink, facts, Fact::End);
                let start_utc = read_utc(sink, facts, Fact::StartUtc);
                let end_utc = read_utc(sink, facts, Fact::EndUtc);
                let order = OrderFacts {
                    start: start.as_ref(),
                    end: end.as_ref(),
                    start_utc: start_utc.as_ref(),
                    end_utc: end_utc.as_ref(),
                    pre_consume: facts.unsigned(Fact::PreConsume),
                    status: facts.unsigned(Fact::Status),
                    payment_status: facts.unsigned(Fact::PaymentStatus),
                    order_type: facts.unsigned(Fact::OrderType),
                    price: facts.text(Fact::Price).filter(|p| is_price(p)),
                };
                order_rules(sink, &order, zone);
            }
        }
    }
}

/// The pointer of the member that holds `fact`.
fn pointer_of(fact: Fact) -> &'static str {
    FACTS
        .iter()
        .find(|(_, _, f)| *f == fact)
        .map_or("", |&(_, p, _)| p)
}

/// A UTC time, read already or read now.
fn read_utc(sink: &mut impl Sink, facts: &Facts<'_>, fact: Fact) -> Option<UtcTime> {
    match facts.values[fact as usize] {
        Some(FactValue::Utc(t)) => Some(t),
        _ => read_time::<UtcTime>(sink, facts, fact),
    }
}

/// Reads a time the schema accepted, reporting one that does not exist (February 30): the
/// pattern cannot know month lengths.
fn read_time<T: std::str::FromStr<Err = TimeError>>(
    sink: &mut impl Sink,
    facts: &Facts<'_>,
    fact: Fact,
) -> Option<T> {
    let text = facts.text(fact)?;
    match text.parse::<T>() {
        Ok(t) => Some(t),
        Err(TimeError::Impossible { reason }) => {
            let pointer = pointer_of(fact);
            let name = &pointer[6..];
            sink.push(
                Rule::ImpossibleTime,
                pointer.into(),
                format!(
                    "`{name}` is {}, which does not exist: {reason}",
                    quote(text)
                ),
                None,
            );
            None
        }
        // The schema's pattern already reported the shape.
        Err(_) => None,
    }
}

pub(crate) fn request_rules(sink: &mut impl Sink, api_ver: Option<&str>, version: Option<&str>) {
    if let Some(v) = api_ver.filter(|v| *v != API_VERSION) {
        let hint = match v {
            "1.0.5" => "API 1.0.5 has no `deviceNoOwner`",
            _ => "another API version may have another contract",
        };
        sink.push(
            Rule::ApiVersion,
            "/request/apiVer".into(),
            format!(
                "`apiVer` is {}, expected \"{API_VERSION}\", the version this contract describes",
                quote(v)
            ),
            Some(hint.into()),
        );
    }
    if let Some(v) = version.filter(|v| *v != PROTOCOL_VERSION) {
        sink.push(
            Rule::ProtocolVersion,
            "/version".into(),
            format!(
                "`version` is {}, expected \"{PROTOCOL_VERSION}\", the platform's protocol version",
                quote(v)
            ),
            None,
        );
    }
}

fn data_on_error(sink: &mut impl Sink, code: Option<i64>, has_order: bool) {
    if let Some(code) = code
        && code != 200
        && has_order
    {
        sink.push(
            Rule::DataOnError,
            "/data".into(),
            format!("`code` is {code}, an error, but `data` holds an order, expected null"),
            None,
        );
    }
}

fn order_rules(sink: &mut impl Sink, order: &OrderFacts<'_>, zone: Option<&Zone>) {
    for (local, pointer) in [
        (order.start, "/data/startTime"),
        (order.end, "/data/endTime"),
    ] {
        if let Some(t) = local {
            single_digit_seconds(sink, t, pointer);
        }
    }
    let start = Pair {
        local_pointer: "/data/startTime",
        utc_pointer: "/data/startTimeUTC",
        local: order.start,
        utc: order.start_utc,
    };
    let end = Pair {
        local_pointer: "/data/endTime",
        utc_pointer: "/data/endTimeUTC",
        local: order.end,
        utc: order.end_utc,
    };
    let offsets = [
        pair_offset(sink, &start, zone),
        pair_offset(sink, &end, zone),
    ];
    if zone.is_none()
        && let [Some(s), Some(e)] = offsets
        && s != e
    {
        sink.push(
            Rule::InconsistentOffsets,
            end.local_pointer.into(),
            format!(
                "`endTime` is {} from `endTimeUTC`, but `startTime` is {} from `startTimeUTC`",
                format_offset(e),
                format_offset(s)
            ),
            Some(
                "a daylight-saving change explains this; name the time zone to check each \
                 offset exactly"
                    .into(),
            ),
        );
    }
    end_after_start(sink, &start, &end);
    pre_consume(sink, order);
    sanity(sink, order);
}

fn single_digit_seconds(sink: &mut impl Sink, t: &LocalTime, pointer: &'static str) {
    if t.is_canonical() {
        return;
    }
    let name = &pointer[6..];
    // Written piece by piece: the page's own form puts this finding in every payload.
    let mut message = String::with_capacity(128);
    message.push('`');
    message.push_str(name);
    message.push_str("` is \"");
    t.push_text_and_canonical(
        "\" with a single-digit seconds field, expected \"",
        &mut message,
    );
    message.push('"');
    sink.push(
        Rule::SingleDigitSeconds,
        pointer.into(),
        message,
        Some(
            "the endpoint's own example sends this form; the documented format has two-digit \
             seconds"
                .into(),
        ),
    );
}

/// One local/UTC pair.
struct Pair<'a> {
    local_pointer: &'static str,
    utc_pointer: &'static str,
    local: Option<&'a LocalTime>,
    utc: Option<&'a UtcTime>,
}

impl Pair<'_> {
    /// Local time minus UTC, when both are known: the offset the payload implies.
    ///
    /// Local times have whole seconds while UTC times may carry a fraction (`.123Z`), which the
    /// local twin cannot show: the fraction is dropped, so that `10:00:00` and `02:00:00.123Z`
    /// are UTC+08:00 apart, not 7:59:59.877.
    fn offset_seconds(&self) -> Option<i64> {
        let (local, utc) = (self.local?, self.utc?);
        let utc_civil = utc.datetime().with().subsec_nanosecond(0).build().ok()?;
        Some(local.datetime().duration_since(utc_civil).as_secs())
    }
}

/// Checks a pair's offset: against the configured zone, or else against the real offsets.
/// Returns the offset when it is acceptable.
fn pair_offset(sink: &mut impl Sink, pair: &Pair<'_>, zone: Option<&Zone>) -> Option<i64> {
    let offset = pair.offset_seconds()?;
    let (local, utc) = (pair.local?, pair.utc?);
    let local_name = &pair.local_pointer[6..];
    let utc_name = &pair.utc_pointer[6..];
    if let Some((zone_name, zone)) = zone {
        // Past jiff's last instant (the last day of year 9999, "never expires"), the zone's
        // offset at that last instant: its final rule, which no later change can follow.
        let instant = utc.timestamp().unwrap_or(jiff::Timestamp::MAX);
        let expected = zone.to_offset(instant);
        if i64::from(expected.seconds()) == offset {
            return Some(offset);
        }
        let expected_local: DateTime = utc
            .datetime()
            .checked_add(jiff::SignedDuration::from_secs(i64::from(
                expected.seconds(),
            )))
            .unwrap_or(DateTime::MAX);
        let message = format!(
            "`{local_name}` is {}, {} from `{utc_name}` {}, but in `{zone_name}` that instant is \
             {} ({})",
            quote(&local.text()),
            format_offset(offset),
            quote(&utc.text()),
            expected_local.strftime("%Y-%m-%d %H:%M:%S"),
            format_offset(i64::from(expected.seconds()))
        );
        sink.push(Rule::ZoneOffset, pair.local_pointer.into(), message, None);
        return None;
    }
    // Real offsets are whole quarter hours from UTC-12:00 to UTC+14:00.
    if offset % 900 == 0 && (-12 * 3600..=14 * 3600).contains(&offset) {
        return Some(offset);
    }
    sink.push(
        Rule::UtcOffset,
        pair.local_pointer.into(),
        format!(
            "`{local_name}` is {} and `{utc_name}` is {}: {} apart, which is not a UTC offset",
            quote(&local.text()),
            quote(&utc.text()),
            format_offset(offset)
        ),
        Some(
            "real offsets are whole quarter hours between UTC-12:00 and UTC+14:00; the two \
             fields should name the same instant"
                .into(),
        ),
    );
    None
}

/// `UTC+08:00`, `UTC-03:30`, or with seconds when it is not a whole number of minutes.
fn format_offset(seconds: i64) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    if abs.is_multiple_of(60) {
        format!("UTC{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60)
    } else {
        format!(
            "UTC{sign}{:02}:{:02}:{:02}",
            abs / 3600,
            abs % 3600 / 60,
            abs % 60
        )
    }
}

/// The package must end after it starts: judged on the UTC pair when both are known, else on
/// the local pair.
fn end_after_start(sink: &mut impl Sink, start: &Pair<'_>, end: &Pair<'_>) {
    if let (Some(s), Some(e)) = (start.utc, end.utc) {
        if e.datetime() <= s.datetime() {
            sink.push(
                Rule::EndBeforeStart,
                end.utc_pointer.into(),
                format!(
                    "`endTimeUTC` is {}, not after `startTimeUTC` {}",
                    quote(&e.text()),
                    quote(&s.text())
                ),
                None,
            );
        }
    } else if let (Some(s), Some(e)) = (start.local, end.local)
        && e.datetime() <= s.datetime()
    {
        sink.push(
            Rule::EndBeforeStart,
            end.local_pointer.into(),
            format!(
                "`endTime` is {}, not after `startTime` {}",
                quote(&e.text()),
                quote(&s.text())
            ),
            None,
        );
    }
}

fn pre_consume(sink: &mut impl Sink, order: &OrderFacts<'_>) {
    let (Some(consumed), Some(s), Some(e)) = (order.pre_consume, order.start_utc, order.end_utc)
    else {
        return;
    };
    let duration = e.datetime().duration_since(s.datetime()).as_secs();
    if duration > 0 && i64::try_from(consumed).is_ok_and(|c| c > duration) {
        sink.push(
            Rule::PreConsumeExceedsDuration,
            "/data/preConsume".into(),
            format!(
                "`preConsume` is {consumed} seconds, longer than the package's {duration} seconds"
            ),
            None,
        );
    }
}

/// The cross-field sanity warnings: inferred from the fields' meanings, not documented.
fn sanity(sink: &mut impl Sink, order: &OrderFacts<'_>) {
    let (status, payment, order_type) = (order.status, order.payment_status, order.order_type);
    if status == Some(3) && payment == Some(1) {
        sink.push(
            Rule::PaidWhileCreating,
            "/data/paymentStatus".into(),
            "`paymentStatus` is 1 (paid), but `status` is 3 (being created, not yet paid)".into(),
            None,
        );
    }
    if status == Some(0) && order_type == Some(0) && payment == Some(0) {
        sink.push(
            Rule::UnpaidInUse,
            "/data/paymentStatus".into(),
            "`paymentStatus` is 0 (unpaid), but the paid order (`orderType` 0) is in use \
             (`status` 0)"
                .into(),
            None,
        );
    }
    if order_type == Some(1)
        && let Some(price) = order.price.filter(|p| !is_zero_price(p))
    {
        sink.push(
            Rule::FreeWithPrice,
            "/data/price".into(),
            format!(
                "`price` is {}, but `orderType` is 1 (free order)",
                quote(price)
            ),
            None,
        );
    }
}

/// The response's order against the request's parameters.
pub(crate) fn exchange(sink: &mut impl Sink, request: &Facts<'_>, response: &Facts<'_>) {
    for (asked_fact, answered_fact) in [
        (Fact::AskedIotId, Fact::IotId),
        (Fact::AskedOrderId, Fact::OrderId),
    ] {
        if let (Some(asked), Some(answered)) =
            (request.text(asked_fact), response.text(answered_fact))
            && asked != answered
        {
            let pointer = pointer_of(answered_fact);
            let name = &pointer[6..];
            sink.push(
                Rule::ExchangeMismatch,
                pointer.to_owned().into(),
                format!(
                    "`{name}` is {}, but the request asked for {}",
                    quote(answered),
                    quote(asked)
                ),
                None,
            );
        }
    }
}
