//! The two time shapes of the contract: platform local time and UTC.
//!
//! Both newtypes hold the parsed date and time, so that rules compare times without parsing
//! again, and what it takes to write back the exact text they were read from (the width of the
//! seconds, the digits of a fraction), so that a payload serializes back to the bytes it came
//! from. They are `Copy`: reading one allocates nothing. Neither can hold an impossible date or
//! time: February 30 or hour 25 fail to parse.

use std::fmt::{self, Write as _};

use jiff::Timestamp;
use jiff::civil::DateTime;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

/// The portable pattern for a platform local time, tolerant of the single-digit-seconds quirk.
///
/// Written with `[0-9]` rather than `\d`: some regex engines (Python's `re`) let `\d` match any
/// Unicode digit.
pub(crate) const LOCAL_TIME_PATTERN: &str =
    "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5]?[0-9]$";

/// The canonical local time pattern, used by the strict schema variant.
pub(crate) const LOCAL_TIME_PATTERN_STRICT: &str =
    "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$";

/// The portable pattern for a UTC time: RFC 3339 with `Z`, fractional seconds allowed.
pub(crate) const UTC_TIME_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?Z$";

/// Why a string is not a valid time of the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeError {
    /// The text does not have the expected shape (the pattern failed).
    Shape {
        /// The shape that was expected, for messages.
        expected: &'static str,
    },
    /// The shape is right but the date or time does not exist, such as `2020-02-30` or `25:00`.
    Impossible {
        /// What is wrong, from the calendar's point of view.
        reason: String,
    },
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeError::Shape { expected } => write!(f, "expected {expected}"),
            TimeError::Impossible { reason } => write!(f, "not a real date and time: {reason}"),
        }
    }
}

impl std::error::Error for TimeError {}

const LOCAL_SHAPE: &str = "`YYYY-MM-DD HH:MM:SS`";
const UTC_SHAPE: &str = "RFC 3339 UTC time `YYYY-MM-DDTHH:MM:SSZ`";

/// A platform local time, `YYYY-MM-DD HH:MM:SS` (平台本地时间), such as `2020-08-25 10:00:00`.
///
/// The platform does not say which time zone this is; in the documented example it is UTC+8
/// (China). The endpoint's own example sends a single-digit seconds field, `2020-08-25 10:00:0`:
/// this type accepts that form and remembers that it is not canonical
/// ([`LocalTime::is_canonical`]), so that a validator can warn about it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LocalTime {
    value: DateTime,
    /// Two-digit seconds; otherwise one digit (the value is then below 10).
    canonical: bool,
}

impl LocalTime {
    /// The civil date and time.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::LocalTime;
    ///
    /// let t: LocalTime = "2020-08-25 10:00:0".parse()?;
    /// assert_eq!(t.datetime().second(), 0);
    /// assert!(!t.is_canonical());
    /// # Ok::<(), cloudstorage_contract::TimeError>(())
    /// ```
    pub fn datetime(&self) -> DateTime {
        self.value
    }

    /// Whether the text has the documented two-digit seconds field.
    pub fn is_canonical(&self) -> bool {
        self.canonical
    }
}

impl LocalTime {
    /// The text as it was read.
    pub(crate) fn text(&self) -> String {
        let mut out = String::with_capacity(19);
        self.push_text(&mut out);
        out
    }

    /// Appends the same time in the documented form, with two-digit seconds, to `out`.
    pub(crate) fn push_canonical_text(&self, out: &mut String) {
        self.render(true, out);
    }

    /// Appends [`LocalTime::text`] to `out`.
    pub(crate) fn push_text(&self, out: &mut String) {
        self.render(self.canonical, out);
    }

    /// Appends [`LocalTime::text`], `between`, then the canonical text, working the digits out
    /// once: the single-digit-seconds message holds both, and the page's form puts it in every
    /// payload.
    pub(crate) fn push_text_and_canonical(&self, between: &str, out: &mut String) {
        let v = self.value;
        let Some(head) = date_time_digits(v, b' ') else {
            self.push_text(out);
            out.push_str(between);
            self.push_canonical_text(out);
            return;
        };
        let (seconds, from) = seconds_digits(v, self.canonical);
        // The canonical text in one buffer, read as a `str` once; the text as read is its
        // head and the seconds' last `2 - from` digits.
        let mut digits = [0; 19];
        digits[..17].copy_from_slice(&head);
        digits[17..].copy_from_slice(&seconds);
        let canonical = ascii(&digits);
        out.push_str(canonical.get(..17).unwrap_or_default());
        out.push_str(canonical.get(17 + from..).unwrap_or_default());
        out.push_str(between);
        out.push_str(canonical);
    }

    /// Appends the text with two-digit seconds or not, without the formatting machinery:
    /// every message about a local time holds it.
    fn render(&self, canonical: bool, out: &mut String) {
        let v = self.value;
        let Some(head) = date_time_digits(v, b' ') else {
            // Not a four-digit year: the general path.
            let _ = write!(
                out,
                "{}",
                LocalTime {
                    value: v,
                    canonical,
                }
            );
            return;
        };
        out.push_str(ascii(&head));
        let (seconds, from) = seconds_digits(v, canonical);
        out.push_str(ascii(&seconds[from..]));
    }
}

impl UtcTime {
    /// The text as it was read, in one allocation.
    pub(crate) fn text(&self) -> String {
        let mut out = String::with_capacity(32);
        let _ = write!(out, "{self}");
        out
    }
}

impl fmt::Display for LocalTime {
    /// The text exactly as it was read.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_date_time(f, self.value, b' ')?;
        let (seconds, from) = seconds_digits(self.value, self.canonical);
        f.write_str(ascii(&seconds[from..]))
    }
}

/// Writes `YYYY-MM-DD`, `separator`, `HH:MM:` (the seconds are the caller's).
fn write_date_time(f: &mut fmt::Formatter<'_>, v: DateTime, separator: u8) -> fmt::Result {
    match date_time_digits(v, separator) {
        Some(digits) => f.write_str(ascii(&digits)),
        None => write!(
            f,
            "{:04}-{:02}-{:02}{}{:02}:{:02}:",
            v.year(),
            v.month(),
            v.day(),
            char::from(separator),
            v.hour(),
            v.minute()
        ),
    }
}

/// `YYYY-MM-DD`, `separator`, `HH:MM:` digit by digit into a buffer, for a four-digit year
/// (`None` for any other): times are written into every message about them, and the
/// formatting machinery costs several times the parse.
fn date_time_digits(v: DateTime, separator: u8) -> Option<[u8; 17]> {
    let year = u16::try_from(v.year()).ok().filter(|y| *y <= 9999)?;
    let mut buf = *b"0000-00-00T00:00:";
    two_digits(&mut buf[0..2], u32::from(year / 100));
    two_digits(&mut buf[2..4], u32::from(year % 100));
    two_digits(&mut buf[5..7], v.month().unsigned_abs().into());
    two_digits(&mut buf[8..10], v.day().unsigned_abs().into());
    buf[10] = separator;
    two_digits(&mut buf[11..13], v.hour().unsigned_abs().into());
    two_digits(&mut buf[14..16], v.minute().unsigned_abs().into());
    Some(buf)
}

/// The seconds as a local time writes them: two digits, or one when the text had one (not
/// `canonical`, and below 10).
fn seconds_digits(v: DateTime, canonical: bool) -> ([u8; 2], usize) {
    let mut seconds = [0; 2];
    two_digits(&mut seconds, v.second().unsigned_abs().into());
    (seconds, usize::from(!canonical && v.second() < 10))
}

/// Digits and separators as a `str` (they are ASCII).
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// Writes `n % 100` as two ASCII digits.
fn two_digits(out: &mut [u8], n: u32) {
    if let [tens, ones] = out {
        *tens = b'0' + (n / 10 % 10) as u8;
        *ones = b'0' + (n % 10) as u8;
    }
}

impl std::str::FromStr for LocalTime {
    type Err = TimeError;

    fn from_str(text: &str) -> Result<Self, TimeError> {
        let shape = TimeError::Shape {
            expected: LOCAL_SHAPE,
        };
        let b = text.as_bytes();
        // `YYYY-MM-DD HH:MM:S` or `YYYY-MM-DD HH:MM:SS`.
        if !(b.len() == 18 || b.len() == 19) || b.get(10) != Some(&b' ') {
            return Err(shape);
        }
        let date = parse_date(b).ok_or(shape.clone())?;
        let (hour, minute) = parse_hour_minute(&b[11..]).ok_or(shape.clone())?;
        let second = digits(&b[17..]).ok_or(shape)?;
        let value = civil(date, hour, minute, second, 0)?;
        Ok(LocalTime {
            value,
            canonical: b.len() == 19,
        })
    }
}

/// A UTC time in RFC 3339 with `Z` (UTC 时间), such as `2020-08-25T02:00:00Z`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct UtcTime {
    /// The civil date and time in UTC, not a `Timestamp`: jiff's timestamps end at
    /// 9999-12-30T22:00:00Z, while the pattern (and platforms that mean "never expires")
    /// allow any time of year 9999.
    value: DateTime,
    /// How many digits of a fraction of a second the text has (0 to 9).
    fraction_digits: u8,
}

impl UtcTime {
    /// The civil date and time in UTC.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::UtcTime;
    ///
    /// let t: UtcTime = "9999-12-31T23:59:59Z".parse()?;
    /// assert_eq!(t.datetime().year(), 9999);
    /// # Ok::<(), cloudstorage_contract::TimeError>(())
    /// ```
    pub fn datetime(&self) -> DateTime {
        self.value
    }

    /// The instant, or `None` after 9999-12-30T22:00:00Z, the last instant jiff represents.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::UtcTime;
    ///
    /// let t: UtcTime = "2020-08-25T02:00:00Z".parse()?;
    /// assert_eq!(t.timestamp().map(|t| t.as_second()), Some(1_598_320_800));
    /// let never: UtcTime = "9999-12-31T23:59:59Z".parse()?;
    /// assert_eq!(never.timestamp(), None);
    /// # Ok::<(), cloudstorage_contract::TimeError>(())
    /// ```
    pub fn timestamp(&self) -> Option<Timestamp> {
        jiff::tz::Offset::UTC.to_timestamp(self.value).ok()
    }
}

impl fmt::Display for UtcTime {
    /// The text exactly as it was read.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.value;
        write_date_time(f, v, b'T')?;
        f.write_str(ascii(&seconds_digits(v, true).0))?;
        let digits = u32::from(self.fraction_digits);
        if digits > 0 {
            // `digits` is 1 to 9, so the divisor is 10^8 at most.
            let fraction = v.subsec_nanosecond() / 10i32.pow(9 - digits);
            write!(f, ".{fraction:0width$}", width = digits as usize)?;
        }
        f.write_char('Z')
    }
}

impl std::str::FromStr for UtcTime {
    type Err = TimeError;

    fn from_str(text: &str) -> Result<Self, TimeError> {
        let shape = TimeError::Shape {
            expected: UTC_SHAPE,
        };
        let b = text.as_bytes();
        if b.len() < 20 || b.get(10) != Some(&b'T') || b.last() != Some(&b'Z') {
            return Err(shape);
        }
        let date = parse_date(b).ok_or(shape.clone())?;
        let (hour, minute) = parse_hour_minute(&b[11..]).ok_or(shape.clone())?;
        let second = b.get(17..19).and_then(digits).ok_or(shape.clone())?;
        let fraction_digits = b.len().saturating_sub(21) as u8;
        let nanos = match &b[19..b.len() - 1] {
            [] => 0,
            [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
                let n = digits_u32(fraction).ok_or(shape.clone())?;
                // Scale `.5` to 500_000_000 ns: 10^(9 - len) fits in i32 for len >= 1.
                let scale = 10i32.pow(9 - fraction.len() as u32);
                i32::try_from(n).map_err(|_| shape.clone())? * scale
            }
            _ => return Err(shape),
        };
        let value = civil(date, hour, minute, second, nanos)?;
        Ok(UtcTime {
            value,
            fraction_digits,
        })
    }
}

/// Reads `YYYY-MM-DD` at the start of `b`.
fn parse_date(b: &[u8]) -> Option<(i16, i8, i8)> {
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let year = i16::try_from(digits_u32(b.get(0..4)?)?).ok()?;
    Some((year, digits(b.get(5..7)?)?, digits(b.get(8..10)?)?))
}

/// Reads `HH:MM:` at the start of `b`.
fn parse_hour_minute(b: &[u8]) -> Option<(i8, i8)> {
    if b.get(2) != Some(&b':') || b.get(5) != Some(&b':') {
        return None;
    }
    Some((digits(b.get(0..2)?)?, digits(b.get(3..5)?)?))
}

/// One or two ASCII digits as a number.
fn digits(b: &[u8]) -> Option<i8> {
    if b.is_empty() || b.len() > 2 {
        return None;
    }
    i8::try_from(digits_u32(b)?).ok()
}

/// One to nine ASCII digits as a number (no sign, no other characters).
fn digits_u32(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    b.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

fn civil(
    (year, month, day): (i16, i8, i8),
    hour: i8,
    minute: i8,
    second: i8,
    nanos: i32,
) -> Result<DateTime, TimeError> {
    // jiff checks the calendar (month lengths, leap years) and the clock ranges; its message
    // names the field that is out of range.
    DateTime::new(year, month, day, hour, minute, second, nanos).map_err(|e| {
        TimeError::Impossible {
            reason: e.to_string(),
        }
    })
}

macro_rules! string_newtype_impls {
    ($ty:ident, $name:literal, $pattern:expr, $format:expr, $expecting:literal) => {
        impl TryFrom<String> for $ty {
            type Error = TimeError;

            fn try_from(text: String) -> Result<Self, TimeError> {
                text.parse()
            }
        }

        impl From<$ty> for String {
            fn from(t: $ty) -> String {
                t.to_string()
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}(\"{self}\")", stringify!($ty))
            }
        }

        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            /// From a JSON string, borrowed or not: no allocation.
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Text;

                impl serde::de::Visitor<'_> for Text {
                    type Value = $ty;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }

                    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<$ty, E> {
                        text.parse().map_err(E::custom)
                    }
                }

                deserializer.deserialize_str(Text)
            }
        }

        impl JsonSchema for $ty {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                let mut schema = json_schema!({
                    "type": "string",
                    "pattern": $pattern,
                });
                if let Some(format) = $format {
                    schema.insert("format".into(), format.into());
                }
                schema
            }
        }
    };
}

string_newtype_impls!(
    LocalTime,
    "LocalTime",
    LOCAL_TIME_PATTERN,
    None::<&str>,
    "a platform local time string"
);
string_newtype_impls!(
    UtcTime,
    "UtcTime",
    UTC_TIME_PATTERN,
    Some("date-time"),
    "a UTC time string"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_time_accepts_canonical_and_quirk() {
        let t: LocalTime = "2020-08-25 10:00:00".parse().unwrap();
        assert!(t.is_canonical());
        assert_eq!(t.datetime(), jiff::civil::date(2020, 8, 25).at(10, 0, 0, 0));
        let q: LocalTime = "2020-08-25 10:00:7".parse().unwrap();
        assert!(!q.is_canonical());
        assert_eq!(q.datetime().second(), 7);
        assert_eq!(q.to_string(), "2020-08-25 10:00:7");
    }

    #[test]
    fn local_time_rejects_impossible_and_misshapen() {
        for bad in [
            "2020-02-30 10:00:00",
            "2021-02-29 10:00:00",
            "2020-00-01 10:00:00",
            "2020-08-25 25:00:00",
            "2020-08-25 10:60:00",
            "2020-08-25 10:00:60",
        ] {
            let err = bad.parse::<LocalTime>().unwrap_err();
            assert!(
                matches!(err, TimeError::Impossible { .. }),
                "{bad}: {err:?}"
            );
        }
        for bad in [
            "",
            "2020-08-25T10:00:00",
            "2020-08-25 10:00",
            "2020-8-25 10:00:00",
            "2020-08-25 10:0:00",
            "2020-08-25 10:00:000",
            "2020-0-01 12:00:00",
            "２０２０-08-25 10:00:00",
            "2020-08-25 10:00:+1",
        ] {
            let err = bad.parse::<LocalTime>().unwrap_err();
            assert!(matches!(err, TimeError::Shape { .. }), "{bad}: {err:?}");
        }
    }

    #[test]
    fn utc_time_parses_rfc3339_z() {
        let t: UtcTime = "2020-08-25T02:00:00Z".parse().unwrap();
        assert_eq!(t.timestamp().unwrap().as_second(), 1_598_320_800);
        let f: UtcTime = "2020-08-25T02:00:00.5Z".parse().unwrap();
        assert_eq!(f.datetime().subsec_nanosecond(), 500_000_000);
        let last: UtcTime = "9999-12-31T23:59:59.999999999Z".parse().unwrap();
        assert_eq!(
            last.datetime(),
            jiff::civil::date(9999, 12, 31).at(23, 59, 59, 999_999_999)
        );
        for bad in [
            "2020-08-25T02:00:00",
            "2020-08-25T02:00:00+08:00",
            "2020-08-25 02:00:00Z",
            "2020-08-25T02:00:0Z",
            "2020-08-25T02:00:00.Z",
            "2020-08-25T02:00:00.1234567890Z",
            "2020-08-25t02:00:00z",
        ] {
            assert!(
                matches!(bad.parse::<UtcTime>(), Err(TimeError::Shape { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            "2020-02-30T02:00:00Z".parse::<UtcTime>(),
            Err(TimeError::Impossible { .. })
        ));
    }

    #[test]
    fn times_write_back_the_text_they_were_read_from() {
        for text in [
            "2020-08-25 10:00:00",
            "2020-08-25 10:00:0",
            "0999-01-01 00:00:09",
            "0000-01-01 23:59:9",
        ] {
            assert_eq!(text.parse::<LocalTime>().unwrap().to_string(), text);
        }
        for text in [
            "2020-08-25T02:00:00Z",
            "2020-08-25T02:00:00.5Z",
            "2020-08-25T02:00:00.050Z",
            "2020-08-25T02:00:00.000000000Z",
            "2020-08-25T02:00:00.123456789Z",
            "9999-12-31T23:59:59.9Z",
        ] {
            let t: UtcTime = text.parse().unwrap();
            assert_eq!(t.to_string(), text);
            assert_eq!(format!("{t:?}"), format!("UtcTime(\"{text}\")"));
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(serde_json::from_str::<UtcTime>(&json).unwrap(), t);
        }
        let err = serde_json::from_str::<LocalTime>("\"2020-02-30 10:00:00\"").unwrap_err();
        assert!(
            err.to_string().starts_with("not a real date and time"),
            "{err}"
        );
        let err = serde_json::from_str::<LocalTime>("7").unwrap_err();
        assert!(
            err.to_string().contains("a platform local time string"),
            "{err}"
        );
    }

    #[test]
    fn patterns_agree_with_parsers_on_samples() {
        let local = regex_lite(LOCAL_TIME_PATTERN);
        assert!(local("2020-08-25 10:00:0"));
        assert!(local("2020-08-25 10:00:00"));
        assert!(!local("2020-08-25 10:00:000"));
        let strict = regex_lite(LOCAL_TIME_PATTERN_STRICT);
        assert!(!strict("2020-08-25 10:00:0"));
        assert!(strict("2020-08-25 10:00:00"));
        let utc = regex_lite(UTC_TIME_PATTERN);
        assert!(utc("2020-08-25T02:00:00Z"));
        assert!(utc("2020-08-25T02:00:00.123Z"));
        assert!(!utc("2020-08-25T02:00:00+08:00"));
    }

    /// Compiles `pattern` with the jsonschema crate's own regex engine, through a schema.
    fn regex_lite(pattern: &str) -> impl Fn(&str) -> bool {
        let v = jsonschema::validator_for(&serde_json::json!({ "pattern": pattern })).unwrap();
        move |s| v.is_valid(&serde_json::json!(s))
    }

    #[test]
    fn a_text_and_its_canonical_form_in_one_go() {
        for (text, canonical) in [
            ("2020-08-25 10:00:0", "2020-08-25 10:00:00"),
            ("2020-08-25 10:00:09", "2020-08-25 10:00:09"),
            ("0001-01-01 00:00:5", "0001-01-01 00:00:05"),
        ] {
            let t: LocalTime = text.parse().expect("a local time");
            let mut out = String::from(">");
            t.push_text_and_canonical(" | ", &mut out);
            assert_eq!(out, format!(">{text} | {canonical}"));
            assert_eq!(t.text(), text);
        }
    }
}
