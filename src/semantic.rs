//! Stage 3: what the schema cannot say.
//!
//! Each rule is a small function over [`OrderFacts`] or a few plain values, and reports through
//! a [`Sink`]. Two paths feed them the same facts:
//! - the full path reads them out of the parsed `Value`, skipping any value an earlier stage
//!   faulted, so that one defect gives one diagnostic;
//! - the fast path reads them straight from the typed payload, with a [`Tripwire`] for a sink:
//!   any finding sends the payload down the full path for positions and messages.
//!
//! Sharing the rules is what keeps the two paths' verdicts equal.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde_json::Value;

use crate::diagnostic::Payload;
use crate::message::quote;
use crate::order::{OrderDetail, is_price, is_zero_price};
use crate::rules::{Rule, Stage};
use crate::schema::Kind;
use crate::time::{LocalTime, TimeError, UtcTime};
use crate::validate::{Findings, at};

/// The API version this contract describes.
pub(crate) const API_VERSION: &str = "1.0.6";
/// The platform's protocol version.
pub(crate) const PROTOCOL_VERSION: &str = "1.0";

/// A configured time zone with the name the user gave it.
pub(crate) type Zone = (String, TimeZone);

/// Where rules report.
pub(crate) trait Sink {
    /// Reports a finding at the value `pointer` names.
    fn push(&mut self, rule: Rule, pointer: String, message: String, hint: Option<String>);
}

impl Sink for Findings<'_> {
    fn push(&mut self, rule: Rule, pointer: String, message: String, hint: Option<String>) {
        Findings::push(self, rule, pointer, message, hint);
    }
}

/// A sink that only remembers whether anything fired: the fast path's.
#[derive(Default)]
pub(crate) struct Tripwire {
    pub(crate) fired: bool,
    /// Whether a rule of another stage than the semantic one fired (`missing-data`, which the
    /// schema checks, is also read off the fast path's facts).
    pub(crate) structural: bool,
}

impl Sink for Tripwire {
    fn push(&mut self, rule: Rule, _: String, _: String, _: Option<String>) {
        self.fired = true;
        self.structural |= rule.info().stage != Stage::Semantic;
    }
}

/// The order's values the rules look at, each `None` when absent or already faulted.
#[derive(Default)]
pub(crate) struct OrderFacts<'a> {
    pub(crate) start: Option<&'a LocalTime>,
    pub(crate) end: Option<&'a LocalTime>,
    pub(crate) start_utc: Option<&'a UtcTime>,
    pub(crate) end_utc: Option<&'a UtcTime>,
    pub(crate) pre_consume: Option<u64>,
    pub(crate) status: Option<u64>,
    pub(crate) payment_status: Option<u64>,
    pub(crate) order_type: Option<u64>,
    /// The price text, known to be a decimal amount.
    pub(crate) price: Option<&'a str>,
}

impl<'a> From<&'a OrderDetail> for OrderFacts<'a> {
    fn from(d: &'a OrderDetail) -> Self {
        OrderFacts {
            start: Some(&d.start_time),
            end: Some(&d.end_time),
            start_utc: Some(&d.start_time_utc),
            end_utc: Some(&d.end_time_utc),
            pre_consume: d.pre_consume,
            status: Some(d.status.code().into()),
            payment_status: Some(d.payment_status.code().into()),
            order_type: Some(d.order_type.code().into()),
            price: Some(d.price.as_str()),
        }
    }
}

/// The full path: every semantic rule for a parsed payload of `kind`.
pub(crate) fn check(findings: &mut Findings<'_>, value: &Value, kind: Kind, zone: Option<&Zone>) {
    match kind {
        Kind::Request => request_rules(
            findings,
            str_at(findings, value, "/request/apiVer"),
            str_at(findings, value, "/version"),
        ),
        Kind::Response => {
            let code = (!findings.is_tainted("/code"))
                .then(|| value.get("code").and_then(Value::as_i64))
                .flatten();
            let data = value.get("data").filter(|_| !findings.is_tainted("/data"));
            data_on_error(findings, code, data.is_some_and(Value::is_object));
            if data.is_some_and(Value::is_object) {
                let local = |f: &mut Findings<'_>, p| read_time::<LocalTime>(f, value, p);
                let utc = |f: &mut Findings<'_>, p| read_time::<UtcTime>(f, value, p);
                let start = local(findings, "/data/startTime");
                let end = local(findings, "/data/endTime");
                let start_utc = utc(findings, "/data/startTimeUTC");
                let end_utc = utc(findings, "/data/endTimeUTC");
                let price = str_at(findings, value, "/data/price").filter(|p| is_price(p));
                let facts = OrderFacts {
                    start: start.as_ref(),
                    end: end.as_ref(),
                    start_utc: start_utc.as_ref(),
                    end_utc: end_utc.as_ref(),
                    pre_consume: u64_at(findings, value, "/data/preConsume"),
                    status: u64_at(findings, value, "/data/status"),
                    payment_status: u64_at(findings, value, "/data/paymentStatus"),
                    order_type: u64_at(findings, value, "/data/orderType"),
                    price,
                };
                order_rules(findings, &facts, zone);
            }
        }
    }
}

/// The fast paths: every semantic rule for a typed payload, including the schema's "code 200
/// carries the order", which the types alone cannot hold.
pub(crate) fn check_typed(sink: &mut impl Sink, payload: &Payload, zone: Option<&Zone>) {
    match payload {
        Payload::Request(r) => request_rules(sink, Some(&r.request.api_ver), Some(&r.version)),
        Payload::Response(r) => {
            response_rules(sink, r.code, r.data.value().map(OrderFacts::from), zone);
        }
    }
}

/// The rules of a response whose shape is known to be right: its `code`, and its order when
/// `data` holds one.
pub(crate) fn response_rules(
    sink: &mut impl Sink,
    code: i32,
    order: Option<OrderFacts<'_>>,
    zone: Option<&Zone>,
) {
    if code == 200 && order.is_none() {
        sink.push(Rule::MissingData, "/data".into(), String::new(), None);
    }
    data_on_error(sink, Some(code.into()), order.is_some());
    if let Some(order) = order {
        order_rules(sink, &order, zone);
    }
}

/// A string at `pointer` that no earlier stage faulted.
fn str_at<'v>(findings: &Findings<'_>, value: &'v Value, pointer: &str) -> Option<&'v str> {
    (!findings.is_tainted(pointer))
        .then(|| at(value, pointer).and_then(Value::as_str))
        .flatten()
}

/// An unsigned integer at `pointer` that no earlier stage faulted.
fn u64_at(findings: &Findings<'_>, value: &Value, pointer: &str) -> Option<u64> {
    (!findings.is_tainted(pointer))
        .then(|| at(value, pointer).and_then(Value::as_u64))
        .flatten()
}

/// Reads a time the schema accepted, reporting one that does not exist (February 30): the
/// pattern cannot know month lengths. Only the full path meets such values; the types refuse
/// them.
fn read_time<T: std::str::FromStr<Err = TimeError>>(
    findings: &mut Findings<'_>,
    value: &Value,
    pointer: &str,
) -> Option<T> {
    let text = str_at(findings, value, pointer)?;
    match text.parse::<T>() {
        Ok(t) => Some(t),
        Err(TimeError::Impossible { reason }) => {
            let name = &pointer[6..];
            findings.push(
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

fn single_digit_seconds(sink: &mut impl Sink, t: &LocalTime, pointer: &str) {
    if t.is_canonical() {
        return;
    }
    let name = &pointer[6..];
    sink.push(
        Rule::SingleDigitSeconds,
        pointer.into(),
        format!(
            "`{name}` is {} with a single-digit seconds field, expected \"{}\"",
            quote(&t.to_string()),
            t.datetime().strftime("%Y-%m-%d %H:%M:%S")
        ),
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
            quote(&local.to_string()),
            format_offset(offset),
            quote(&utc.to_string()),
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
            quote(&local.to_string()),
            quote(&utc.to_string()),
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
                    quote(&e.to_string()),
                    quote(&s.to_string())
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
                quote(&e.to_string()),
                quote(&s.to_string())
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
pub(crate) fn exchange(findings: &mut Findings<'_>, request: &Value, response: &Value) {
    for name in ["iotId", "orderId"] {
        let asked = request
            .pointer(&format!("/params/{name}"))
            .and_then(Value::as_str);
        let answered_pointer = format!("/data/{name}");
        let answered = str_at(findings, response, &answered_pointer);
        if let (Some(asked), Some(answered)) = (asked, answered)
            && asked != answered
        {
            findings.push(
                Rule::ExchangeMismatch,
                answered_pointer,
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
