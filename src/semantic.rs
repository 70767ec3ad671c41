//! Stage 3: what the schema cannot say. Each rule is a small function over the parsed value;
//! it reads only values no earlier stage faulted, so that one defect gives one diagnostic.

use jiff::civil::DateTime;
use jiff::tz::Offset;
use serde_json::Value;

use crate::message::quote;
use crate::rules::Rule;
use crate::schema::Kind;
use crate::time::{LocalTime, TimeError, UtcTime};
use crate::validate::Findings;

/// The API version this contract describes.
pub(crate) const API_VERSION: &str = "1.0.6";
/// The platform's protocol version.
pub(crate) const PROTOCOL_VERSION: &str = "1.0";

/// Runs every semantic rule for a payload of `kind`.
pub(crate) fn check(findings: &mut Findings<'_>, value: &Value, kind: Kind) {
    match kind {
        Kind::Request => {
            api_version(findings, value);
            protocol_version(findings, value);
        }
        Kind::Response => {
            data_on_error(findings, value);
            if value.get("data").is_some_and(Value::is_object) {
                times(findings, value);
                order_sanity(findings, value);
            }
        }
    }
}

/// A string at `pointer` that no earlier stage faulted.
fn str_at<'v>(findings: &Findings<'_>, value: &'v Value, pointer: &str) -> Option<&'v str> {
    (!findings.is_tainted(pointer))
        .then(|| value.pointer(pointer).and_then(Value::as_str))
        .flatten()
}

/// An unsigned integer at `pointer` that no earlier stage faulted.
fn u64_at(findings: &Findings<'_>, value: &Value, pointer: &str) -> Option<u64> {
    (!findings.is_tainted(pointer))
        .then(|| value.pointer(pointer).and_then(Value::as_u64))
        .flatten()
}

fn api_version(findings: &mut Findings<'_>, value: &Value) {
    let pointer = "/request/apiVer";
    let Some(v) = str_at(findings, value, pointer) else {
        return;
    };
    if v != API_VERSION {
        let hint = match v {
            "1.0.5" => Some("API 1.0.5 has no `deviceNoOwner`".to_owned()),
            _ => Some("another API version may have another contract".to_owned()),
        };
        findings.push(
            Rule::ApiVersion,
            pointer.into(),
            format!(
                "`apiVer` is {}, expected \"{API_VERSION}\", the version this contract describes",
                quote(v)
            ),
            hint,
        );
    }
}

fn protocol_version(findings: &mut Findings<'_>, value: &Value) {
    let pointer = "/version";
    let Some(v) = str_at(findings, value, pointer) else {
        return;
    };
    if v != PROTOCOL_VERSION {
        findings.push(
            Rule::ProtocolVersion,
            pointer.into(),
            format!(
                "`version` is {}, expected \"{PROTOCOL_VERSION}\", the platform's protocol version",
                quote(v)
            ),
            None,
        );
    }
}

fn data_on_error(findings: &mut Findings<'_>, value: &Value) {
    let code = value.get("code").and_then(Value::as_i64);
    if findings.is_tainted("/code") || findings.is_tainted("/data") {
        return;
    }
    if let (Some(code), Some(Value::Object(_))) = (code, value.get("data"))
        && code != 200
    {
        findings.push(
            Rule::DataOnError,
            "/data".into(),
            format!("`code` is {code}, an error, but `data` holds an order, expected null"),
            None,
        );
    }
}

/// One local/UTC pair, as far as it parses.
struct Pair {
    local_pointer: &'static str,
    utc_pointer: &'static str,
    local: Option<LocalTime>,
    utc: Option<UtcTime>,
}

impl Pair {
    /// Local time minus UTC, when both parse: the offset the payload implies.
    fn offset_seconds(&self) -> Option<i64> {
        let (local, utc) = (self.local.as_ref()?, self.utc.as_ref()?);
        let utc_civil = Offset::UTC.to_datetime(utc.timestamp());
        local.datetime().duration_since(utc_civil).as_secs().into()
    }
}

fn times(findings: &mut Findings<'_>, value: &Value) {
    let mut pairs = [
        read_pair(findings, value, "/data/startTime", "/data/startTimeUTC"),
        read_pair(findings, value, "/data/endTime", "/data/endTimeUTC"),
    ];
    let mut offsets = [None, None];
    for (pair, offset) in pairs.iter_mut().zip(offsets.iter_mut()) {
        *offset = pair_offset(findings, pair);
    }
    if findings.time_zone().is_none()
        && let [Some(start), Some(end)] = offsets
        && start != end
    {
        findings.push(
            Rule::InconsistentOffsets,
            pairs[1].local_pointer.into(),
            format!(
                "`endTime` is {} from `endTimeUTC`, but `startTime` is {} from `startTimeUTC`",
                format_offset(end),
                format_offset(start)
            ),
            Some(
                "a daylight-saving change explains this; name the zone (`--time-zone`) to check \
                 each offset exactly"
                    .into(),
            ),
        );
    }
    end_after_start(findings, &pairs);
    pre_consume(findings, value, &pairs);
}

/// Parses a pair, reporting impossible dates and the single-digit seconds quirk.
fn read_pair(
    findings: &mut Findings<'_>,
    value: &Value,
    local_pointer: &'static str,
    utc_pointer: &'static str,
) -> Pair {
    let local = str_at(findings, value, local_pointer).and_then(|text| {
        let name = &local_pointer[6..];
        match text.parse::<LocalTime>() {
            Ok(t) => {
                if !t.is_canonical() {
                    let dt = t.datetime();
                    findings.push(
                        Rule::SingleDigitSeconds,
                        local_pointer.into(),
                        format!(
                            "`{name}` is {} with a single-digit seconds field, expected \"{}\"",
                            quote(text),
                            dt.strftime("%Y-%m-%d %H:%M:%S")
                        ),
                        Some(
                            "the endpoint's own example sends this form; the documented format \
                             has two-digit seconds"
                                .into(),
                        ),
                    );
                }
                Some(t)
            }
            Err(TimeError::Impossible { reason }) => {
                findings.push(
                    Rule::ImpossibleTime,
                    local_pointer.into(),
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
    });
    let utc = str_at(findings, value, utc_pointer).and_then(|text| {
        let name = &utc_pointer[6..];
        match text.parse::<UtcTime>() {
            Ok(t) => Some(t),
            Err(TimeError::Impossible { reason }) => {
                findings.push(
                    Rule::ImpossibleTime,
                    utc_pointer.into(),
                    format!(
                        "`{name}` is {}, which does not exist: {reason}",
                        quote(text)
                    ),
                    None,
                );
                None
            }
            Err(_) => None,
        }
    });
    Pair {
        local_pointer,
        utc_pointer,
        local,
        utc,
    }
}

/// Checks a pair's offset: against the configured zone, or else against the real offsets.
/// Returns the offset when it is acceptable.
fn pair_offset(findings: &mut Findings<'_>, pair: &Pair) -> Option<i64> {
    let offset = pair.offset_seconds()?;
    let (local, utc) = (pair.local.as_ref()?, pair.utc.as_ref()?);
    let local_name = &pair.local_pointer[6..];
    let utc_name = &pair.utc_pointer[6..];
    if let Some((zone_name, zone)) = findings.time_zone() {
        let expected = zone.to_offset(utc.timestamp());
        if i64::from(expected.seconds()) == offset {
            return Some(offset);
        }
        let expected_local: DateTime = expected.to_datetime(utc.timestamp());
        let message = format!(
            "`{local_name}` is {}, {} from `{utc_name}` {}, but in `{zone_name}` that instant is \
             {} ({})",
            quote(local.as_str()),
            format_offset(offset),
            quote(utc.as_str()),
            expected_local.strftime("%Y-%m-%d %H:%M:%S"),
            format_offset(i64::from(expected.seconds()))
        );
        findings.push(Rule::ZoneOffset, pair.local_pointer.into(), message, None);
        return None;
    }
    // Real offsets are whole quarter hours from UTC-12:00 to UTC+14:00.
    if offset % 900 == 0 && (-12 * 3600..=14 * 3600).contains(&offset) {
        return Some(offset);
    }
    findings.push(
        Rule::UtcOffset,
        pair.local_pointer.into(),
        format!(
            "`{local_name}` is {} and `{utc_name}` is {}: {} apart, which is not a UTC offset",
            quote(local.as_str()),
            quote(utc.as_str()),
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

/// `UTC+08:00`, `UTC-03:30`, or a plain duration when it is not a whole number of minutes.
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

fn end_after_start(findings: &mut Findings<'_>, pairs: &[Pair; 2]) {
    let [start, end] = pairs;
    if let (Some(s), Some(e)) = (&start.utc, &end.utc) {
        if e.timestamp() <= s.timestamp() {
            findings.push(
                Rule::EndBeforeStart,
                end.utc_pointer.into(),
                format!(
                    "`endTimeUTC` is {}, not after `startTimeUTC` {}",
                    quote(e.as_str()),
                    quote(s.as_str())
                ),
                None,
            );
        }
    } else if let (Some(s), Some(e)) = (&start.local, &end.local)
        && e.datetime() <= s.datetime()
    {
        findings.push(
            Rule::EndBeforeStart,
            end.local_pointer.into(),
            format!(
                "`endTime` is {}, not after `startTime` {}",
                quote(e.as_str()),
                quote(s.as_str())
            ),
            None,
        );
    }
}

fn pre_consume(findings: &mut Findings<'_>, value: &Value, pairs: &[Pair; 2]) {
    let pointer = "/data/preConsume";
    let Some(consumed) = u64_at(findings, value, pointer) else {
        return;
    };
    let (Some(s), Some(e)) = (&pairs[0].utc, &pairs[1].utc) else {
        return;
    };
    let duration = e.timestamp().duration_since(s.timestamp()).as_secs();
    if duration > 0 && i64::try_from(consumed).is_ok_and(|c| c > duration) {
        findings.push(
            Rule::PreConsumeExceedsDuration,
            pointer.into(),
            format!(
                "`preConsume` is {consumed} seconds, longer than the package's {duration} seconds"
            ),
            None,
        );
    }
}

fn order_sanity(findings: &mut Findings<'_>, value: &Value) {
    let status = u64_at(findings, value, "/data/status");
    let payment = u64_at(findings, value, "/data/paymentStatus");
    let order_type = u64_at(findings, value, "/data/orderType");
    if status == Some(3) && payment == Some(1) {
        findings.push(
            Rule::PaidWhileCreating,
            "/data/paymentStatus".into(),
            "`paymentStatus` is 1 (paid), but `status` is 3 (being created, not yet paid)".into(),
            None,
        );
    }
    if status == Some(0) && order_type == Some(0) && payment == Some(0) {
        findings.push(
            Rule::UnpaidInUse,
            "/data/paymentStatus".into(),
            "`paymentStatus` is 0 (unpaid), but the paid order (`orderType` 0) is in use \
             (`status` 0)"
                .into(),
            None,
        );
    }
    if order_type == Some(1)
        && let Some(price) = str_at(findings, value, "/data/price")
        && price
            .parse::<crate::order::Price>()
            .is_ok_and(|p| !p.is_zero())
    {
        findings.push(
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
