//! Deterministic payloads: conforming ones, and near misses that break exactly one rule.
//!
//! For the command line's `sample` subcommand, for benchmarks and for tests. The same kind and
//! seed give the same text, byte for byte, on every machine and in every later version of this
//! crate's dependencies: the random stream is a hand-written SplitMix64, dates are computed with
//! integer arithmetic, and member order is fixed here rather than left to a map type. (A change
//! of the contract itself, such as a new member, may still change the text: that is a change of
//! this crate, recorded in its changelog.)
//!
//! Payloads are serialized compactly on one line, so that a stream of them is NDJSON. A typical
//! success response is about 600 bytes.
//!
//! Conforming payloads are built from the types ([`Request`], [`Response`]) and serialized, so
//! they are what the types produce. They draw real-looking identifiers, Chinese and ASCII user
//! names, prices, statuses that pass the cross-field sanity rules, and local/UTC time pairs a
//! real UTC offset apart (China, Singapore, Tokyo, India, Frankfurt and Virginia, summer and
//! winter); optional members are sometimes present, sometimes absent, sometimes `null`. They
//! draw no warning in the default profile.
//!
//! A near miss is a conforming payload with one defect. The types cannot hold most defects (a
//! status of 4, February 30), so those are made on the JSON value, and a duplicate key or a
//! trailing comma on the text itself. Consecutive seeds cycle through the defects of a kind.
//!
//! For a mock of the endpoint, [`answer`] and [`near_miss_answer`] answer a given request: the
//! order carries the request's `iotId` and `orderId`, so that an exchange check finds nothing
//! but the chosen defect. The page's own examples are [`PAGE_REQUEST`], [`PAGE_SUCCESS`] and
//! [`PAGE_ERROR`].

use std::num::NonZeroU32;
use std::sync::LazyLock;

use serde_json::{Map, Value};

use crate::codes::{self, ErrorCode};
use crate::envelope::{Credential, Params, Presence, Request, Response, SystemParams};
use crate::order::{OrderDetail, OrderStatus, OrderType, PaymentStatus, Price, RecordType};
use crate::rules::Rule;
use crate::schema::Kind;
use crate::time::{LocalTime, UtcTime};

/// One generated payload.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::{sample, Kind};
///
/// let s = sample::near_miss(Kind::Response, 2);
/// assert_eq!(s.kind, Kind::Response);
/// assert!(s.breaks.is_some());
/// assert!(!s.text.contains('\n'));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sample {
    /// What the payload is meant to be: a request or a response.
    pub kind: Kind,
    /// The payload: compact JSON text on one line (a near miss may not be JSON at all).
    pub text: String,
    /// For a near miss, the rule it breaks; `None` for a conforming payload. The rule may be a
    /// warning rule (such as [`Rule::SingleDigitSeconds`]): the payload then conforms, with
    /// that warning.
    pub breaks: Option<Rule>,
    /// For a near miss, the JSON Pointer where the validator reports the defect: the broken
    /// value, or the object that lacks a removed member (`""` for the top level and for defects
    /// of the text itself).
    pub pointer: Option<String>,
}

/// The endpoint page's request example, byte for byte (`examples/page/request.json`).
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::{sample, Options, Validator};
///
/// let validator = Validator::new(Options::default())?;
/// let report = validator.validate_request(sample::PAGE_REQUEST.as_bytes());
/// assert!(report.conforms() && report.diagnostics().is_empty());
/// # Ok::<(), cloudstorage_contract::Error>(())
/// ```
pub const PAGE_REQUEST: &str = include_str!("../examples/page/request.json");

/// The endpoint page's success example, byte for byte (`examples/page/response-success.json`).
/// It conforms, with a [`Rule::SingleDigitSeconds`] warning for each of its local times
/// (`"2020-08-25 10:00:0"`), and it answers for device `123`, not the page's request.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::{sample, Options, Rule, Validator};
///
/// let validator = Validator::new(Options::default())?;
/// let report = validator.validate_response(sample::PAGE_SUCCESS.as_bytes());
/// assert!(report.conforms());
/// assert!(report.diagnostics().iter().all(|d| d.rule() == Rule::SingleDigitSeconds));
/// # Ok::<(), cloudstorage_contract::Error>(())
/// ```
pub const PAGE_SUCCESS: &str = include_str!("../examples/page/response-success.json");

/// The endpoint page's error example, byte for byte (`examples/page/response-error.json`):
/// code 460 with "auth failed" and "鉴权失败".
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::{sample, Options, Validator};
///
/// let validator = Validator::new(Options::default())?;
/// let report = validator.validate_response(sample::PAGE_ERROR.as_bytes());
/// assert!(report.conforms() && report.diagnostics().is_empty());
/// # Ok::<(), cloudstorage_contract::Error>(())
/// ```
pub const PAGE_ERROR: &str = include_str!("../examples/page/response-error.json");

/// A conforming payload of `kind`, drawn from `seed`.
///
/// The same `kind` and `seed` give the same text, forever (see the [module](self) docs). The
/// payload conforms to the contract without any warning in the default profile, and is built
/// from the types: `text` is what `serde_json` makes of a [`Request`] or [`Response`]. About one
/// response in six is an error response (`code` other than 200, no order).
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::{sample, Kind, Options, Validator};
///
/// let validator = Validator::new(Options::default())?;
/// for seed in 0..20 {
///     let s = sample::conforming(Kind::Response, seed);
///     assert_eq!(s, sample::conforming(Kind::Response, seed));
///     let report = validator.validate(s.text.as_bytes());
///     assert!(report.conforms() && report.diagnostics().is_empty(), "{}", s.text);
/// }
/// # Ok::<(), cloudstorage_contract::Error>(())
/// ```
pub fn conforming(kind: Kind, seed: u64) -> Sample {
    let mut rng = SplitMix64::new(seed);
    let text = match kind {
        Kind::Request => to_text(&request(&mut rng)),
        Kind::Response => {
            // One in six is an error response.
            let response = if rng.below(6) == 0 {
                failure(&mut rng)
            } else {
                success(&mut rng).0
            };
            to_text(&response)
        }
    };
    Sample {
        kind,
        text,
        breaks: None,
        pointer: None,
    }
}

/// A near miss of `kind`, drawn from `seed`: a conforming payload with exactly one defect, and
/// the rule it breaks.
///
/// Consecutive seeds cycle through the defects: for responses a wrong type, an out-of-range
/// enum, a removed required member, a malformed time or price, an out-of-range number, a success
/// without an order, an impossible date, single-digit seconds, a local/UTC pair that is not a
/// real offset apart, start and end pairs with different offsets, an end before the start,
/// `preConsume` longer than the package, an order on an error code, the three status
/// inconsistencies, an unknown member, a duplicate key, broken JSON text and a top level that is
/// not an object; for requests a wrong type, a removed required member, another API or protocol
/// version, an unknown member, a duplicate key, broken JSON text and a top level that is not an
/// object. Several rules are warnings: [`Sample::breaks`] says which rule, and the payload then
/// conforms with that one warning. The same `kind` and `seed` give the same sample, forever.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::{sample, Kind, Options, Validator};
///
/// let validator = Validator::new(Options::default())?;
/// for seed in 0..40 {
///     let s = sample::near_miss(Kind::Response, seed);
///     let (rule, pointer) = (s.breaks.unwrap(), s.pointer.unwrap());
///     let report = validator.validate(s.text.as_bytes());
///     assert!(
///         report.diagnostics().iter().any(|d| d.rule() == rule && d.pointer() == pointer),
///         "{rule} at {pointer:?}: {}",
///         s.text
///     );
/// }
/// # Ok::<(), cloudstorage_contract::Error>(())
/// ```
pub fn near_miss(kind: Kind, seed: u64) -> Sample {
    let mut rng = SplitMix64::new(seed);
    let defects = match kind {
        Kind::Request => REQUEST_DEFECTS,
        Kind::Response => RESPONSE_DEFECTS,
    };
    // `seed % len` fits in usize: len is a small usize.
    let rule = defects[(seed % defects.len() as u64) as usize];
    let (text, pointer) = match kind {
        Kind::Request => request_near_miss(rule, &mut rng),
        Kind::Response => response_near_miss(rule, &mut rng, None),
    };
    Sample {
        kind,
        text,
        breaks: Some(rule),
        pointer: Some(pointer),
    }
}

/// A conforming success response that answers a request for `iot_id` and `order_id`, drawn
/// from `seed`: what a mock of the endpoint sends.
///
/// The order's `iotId` and `orderId` are the given strings, whatever they hold (they are
/// serialized as JSON strings, so quotes, control characters and any length are safe);
/// everything else is drawn from `seed` as [`conforming`] draws a success, without any warning
/// in the default profile. With a request whose `params` carry the same ids,
/// [`Validator::validate_exchange`](crate::Validator::validate_exchange) finds nothing at all in
/// the response. The same arguments give the same text, forever.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::{sample, Options, Validator};
///
/// let validator = Validator::new(Options::default())?;
/// let answer = sample::answer(7, "QIuozfUcxRX6frOTO4dK****", "20200731124115****");
/// assert_eq!(answer, sample::answer(7, "QIuozfUcxRX6frOTO4dK****", "20200731124115****"));
/// let exchange = validator.validate_exchange(sample::PAGE_REQUEST.as_bytes(), answer.text.as_bytes());
/// assert!(exchange.request.diagnostics().is_empty());
/// assert!(exchange.response.diagnostics().is_empty(), "{}", answer.text);
/// # Ok::<(), cloudstorage_contract::Error>(())
/// ```
pub fn answer(seed: u64, iot_id: &str, order_id: &str) -> Sample {
    let mut rng = SplitMix64::new(seed);
    let (mut response, _) = success(&mut rng);
    if let Presence::Value(order) = &mut response.data {
        Ids { iot_id, order_id }.apply(order);
    }
    Sample {
        kind: Kind::Response,
        text: to_text(&response),
        breaks: None,
        pointer: None,
    }
}

/// A response to a request for `iot_id` and `order_id` that breaks exactly `rule`, drawn from
/// `seed`; `None` when `rule` is not one of [`answer_defects`].
///
/// The response is a near miss as [`near_miss`] makes them, with [`Sample::breaks`] and
/// [`Sample::pointer`] set the same way, and it carries the given ids except where the defect
/// is on those members (a removed `orderId`, an `iotId` of the wrong type). Checked with a
/// request for the same ids through
/// [`Validator::validate_exchange`](crate::Validator::validate_exchange), the exchange check adds
/// nothing, unless `rule` is [`Rule::ExchangeMismatch`] itself: that answer is a conforming
/// order for another `orderId`. For a warning rule (such as [`Rule::SingleDigitSeconds`]) the
/// response conforms, with that warning. The same arguments give the same text, forever.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::{sample, Options, Rule, Validator};
///
/// let validator = Validator::new(Options::default())?;
/// let (iot_id, order_id) = ("QIuozfUcxRX6frOTO4dK****", "20200731124115****");
/// for &rule in sample::answer_defects() {
///     let s = sample::near_miss_answer(rule, 3, iot_id, order_id).expect("a defect of answers");
///     let exchange = validator.validate_exchange(sample::PAGE_REQUEST.as_bytes(), s.text.as_bytes());
///     let pointer = s.pointer.as_deref().unwrap();
///     let found = exchange.response.diagnostics();
///     assert!(found.iter().any(|d| d.rule() == rule && d.pointer() == pointer), "{}", s.text);
///     assert!(found.iter().all(|d| d.rule() == rule), "{}", s.text);
/// }
/// assert_eq!(sample::near_miss_answer(Rule::ApiVersion, 3, iot_id, order_id), None);
/// # Ok::<(), cloudstorage_contract::Error>(())
/// ```
pub fn near_miss_answer(rule: Rule, seed: u64, iot_id: &str, order_id: &str) -> Option<Sample> {
    if !ANSWER_DEFECTS.contains(&rule) {
        return None;
    }
    let mut rng = SplitMix64::new(seed);
    let ids = Ids { iot_id, order_id };
    let (text, pointer) = response_near_miss(rule, &mut rng, Some(ids));
    Some(Sample {
        kind: Kind::Response,
        text,
        breaks: Some(rule),
        pointer: Some(pointer),
    })
}

/// The rules [`near_miss_answer`] can break: every rule a [`near_miss`] response breaks, in the
/// same order, then [`Rule::ExchangeMismatch`]. Rules of requests, rules that need an option
/// (a time zone, a size limit) and defects a `String` cannot hold (bytes that are not UTF-8)
/// are not among them.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::{sample, Rule};
///
/// assert!(sample::answer_defects().contains(&Rule::SingleDigitSeconds));
/// assert_eq!(sample::answer_defects().last(), Some(&Rule::ExchangeMismatch));
/// ```
pub fn answer_defects() -> &'static [Rule] {
    ANSWER_DEFECTS
}

/// The defects [`near_miss_answer`] makes: those [`near_miss`] cycles through for responses, in
/// order, then the one only an answer to a known request can have.
const ANSWER_DEFECTS: &[Rule] = &[
    Rule::WrongType,
    Rule::InvalidEnum,
    Rule::MissingField,
    Rule::MalformedValue,
    Rule::OutOfRange,
    Rule::MissingData,
    Rule::ImpossibleTime,
    Rule::SingleDigitSeconds,
    Rule::UtcOffset,
    Rule::InconsistentOffsets,
    Rule::EndBeforeStart,
    Rule::PreConsumeExceedsDuration,
    Rule::DataOnError,
    Rule::PaidWhileCreating,
    Rule::UnpaidInUse,
    Rule::FreeWithPrice,
    Rule::UnknownField,
    Rule::DuplicateKey,
    Rule::InvalidJson,
    Rule::NotAnObject,
    Rule::ExchangeMismatch,
];

/// The defects [`near_miss`] cycles through for responses, in order: those of an answer, less
/// the exchange mismatch (a response alone answers no request).
const RESPONSE_DEFECTS: &[Rule] = match ANSWER_DEFECTS.split_last() {
    Some((_, defects)) => defects,
    None => &[],
};

/// The defects [`near_miss`] cycles through for requests, in order.
const REQUEST_DEFECTS: &[Rule] = &[
    Rule::WrongType,
    Rule::MissingField,
    Rule::ApiVersion,
    Rule::ProtocolVersion,
    Rule::UnknownField,
    Rule::DuplicateKey,
    Rule::InvalidJson,
    Rule::NotAnObject,
];

// ---------------------------------------------------------------------------------------------
// The random stream.

/// SplitMix64 (Steele, Lea and Flood, 2014), written out so that no dependency's version can
/// change the stream.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`), by multiply-and-shift: the bias, below `n / 2^64`, does
    /// not matter here.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        // `hi - lo + 1` is small and positive for every call here.
        lo + self.below(hi.abs_diff(lo) + 1) as i64
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| char::from(*self.pick(alphabet))).collect()
    }
}

const DIGITS: &[u8] = b"0123456789";
const HEX: &[u8] = b"0123456789abcdef";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic, by hand so that the text never depends on a library's formatting.

/// The civil date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A clock reading: date and time of day.
#[derive(Debug, Clone, Copy)]
struct Clock {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
}

/// The reading of a clock `secs` seconds after 1970-01-01 00:00:00 on that clock.
fn clock(secs: i64) -> Clock {
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    Clock {
        year,
        month,
        day,
        hour: t / 3600,
        minute: t % 3600 / 60,
        second: t % 60,
    }
}

impl Clock {
    fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    fn time_of_day(&self) -> String {
        format!("{:02}:{:02}:{:02}", self.hour, self.minute, self.second)
    }

    /// `YYYY-MM-DD HH:MM:SS`, or with a single-digit seconds field (the platform's quirk).
    fn local(&self, single_digit_seconds: bool) -> String {
        if single_digit_seconds {
            format!(
                "{} {:02}:{:02}:{}",
                self.date(),
                self.hour,
                self.minute,
                self.second
            )
        } else {
            format!("{} {}", self.date(), self.time_of_day())
        }
    }

    fn utc(&self) -> String {
        format!("{}T{}Z", self.date(), self.time_of_day())
    }
}

fn local_time(text: &str) -> LocalTime {
    text.parse().expect("the generator writes real local times")
}

fn utc_time(text: &str) -> UtcTime {
    text.parse().expect("the generator writes real UTC times")
}

/// The local time of the instant `utc` (seconds since the epoch) on a clock `offset` seconds
/// ahead of UTC.
pub(crate) fn local_at(utc: i64, offset: i64) -> LocalTime {
    local_time(&clock(utc + offset).local(false))
}

/// The UTC time of the instant `utc` (seconds since the epoch).
pub(crate) fn utc_at(utc: i64) -> UtcTime {
    utc_time(&clock(utc).utc())
}

/// The UTC time of the instant `utc` (seconds since the epoch) plus a fraction of a second,
/// written as `fraction` (one to nine digits, or none).
#[cfg(feature = "proptest")]
pub(crate) fn utc_with_fraction(utc: i64, fraction: &str) -> UtcTime {
    let mut text = clock(utc).utc();
    if !fraction.is_empty() {
        text.insert_str(text.len() - 1, &format!(".{fraction}"));
    }
    utc_time(&text)
}

/// A package's validity: start and end instants, and the UTC offset of each local reading.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Period {
    pub(crate) start: i64,
    pub(crate) end: i64,
    pub(crate) start_offset: i64,
    pub(crate) end_offset: i64,
}

impl Period {
    pub(crate) fn seconds(&self) -> i64 {
        self.end - self.start
    }

    /// Writes the four time members of `order`.
    pub(crate) fn apply(&self, order: &mut OrderDetail) {
        order.start_time = local_at(self.start, self.start_offset);
        order.end_time = local_at(self.end, self.end_offset);
        order.start_time_utc = utc_at(self.start);
        order.end_time_utc = utc_at(self.end);
    }
}

// ---------------------------------------------------------------------------------------------
// Conforming values, built from the types.

/// UTC offsets of the platform's regions, in seconds, China weighted as it is in practice:
/// China and Singapore (+8), Tokyo (+9), India (+5:30), Frankfurt (+1, +2 in summer),
/// Virginia (−5, −4 in summer), UTC.
const OFFSETS: &[i64] = &[
    8 * 3600,
    8 * 3600,
    8 * 3600,
    8 * 3600,
    8 * 3600,
    9 * 3600,
    5 * 3600 + 1800,
    3600,
    2 * 3600,
    -5 * 3600,
    -4 * 3600,
    0,
];

/// 2019-01-01T00:00:00Z and 2026-01-01T00:00:00Z.
const EARLIEST: i64 = 1_546_300_800;
const LATEST: i64 = 1_767_225_600;

const CHINESE_NAMES: &[&str] = &[
    "张伟",
    "王芳",
    "李娜",
    "刘洋",
    "陈静",
    "杨磊",
    "赵敏",
    "黄晓明",
    "周杰",
    "吴婷",
    "徐丽",
    "孙浩",
    "林小雨",
    "郭靖",
];
const ASCII_NAMES: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "oscar",
    "peggy",
];
const PAID_PRICES: &[&str] = &[
    "1.0", "6.00", "9.90", "12.5", "19.90", "30.00", "58.00", "99.00", "128.00", "198.00",
];
const FREE_PRICES: &[&str] = &["0", "0.0", "0.00"];

/// The error envelopes that conforming responses draw from, in a fixed order (the order is
/// part of the pinned text): codes of the documented table ([`codes::DOCUMENTED`]) with their
/// messages, and the endpoint page's own error example.
const FAILURES: &[Failure] = &[
    documented(460),
    Failure::PageExample,
    documented(401),
    documented(403),
    documented(429),
    documented(500),
    documented(503),
    documented(2063),
    documented(2065),
];

/// Where an error envelope's code and messages come from.
enum Failure {
    /// A documented code, with the messages of the table.
    Documented(&'static ErrorCode),
    /// The endpoint page's error example ([`PAGE_ERROR`]), which pairs 460 with "auth failed"
    /// and "鉴权失败" where the common error-code page says "request parameter error": both
    /// pairings are seen, and no rule judges message text.
    PageExample,
}

/// A documented code of the table, checked when the crate compiles.
const fn documented(code: i32) -> Failure {
    match codes::lookup(code) {
        Some(code) => Failure::Documented(code),
        None => panic!("not a documented error code"),
    }
}

/// The code and messages of the page's error example, read from [`PAGE_ERROR`] once.
static PAGE_FAILURE: LazyLock<(i32, String, String)> = LazyLock::new(|| {
    let page: Response =
        serde_json::from_str(PAGE_ERROR).expect("the page's error example is a response");
    let text = |p: &Presence<String>| p.value().cloned().unwrap_or_default();
    (page.code, text(&page.message), text(&page.localized_msg))
});

impl Failure {
    /// The code, the message and the localized message.
    fn messages(&self) -> (i32, &'static str, &'static str) {
        match self {
            Failure::Documented(code) => (code.code, code.message, code.localized_msg),
            Failure::PageExample => {
                let (code, message, localized) = &*PAGE_FAILURE;
                (*code, message, localized)
            }
        }
    }
}

fn iot_id(rng: &mut SplitMix64) -> String {
    // Like `QIuozfUcxRX6frOTO4dK000101`: 20 letters and digits, then a numeric suffix.
    format!("{}0001{}", rng.string(ALNUM, 20), rng.string(DIGITS, 2))
}

fn identity_id(rng: &mut SplitMix64) -> String {
    format!("{}op{}", rng.string(HEX, 4), rng.string(HEX, 26))
}

fn uuid(rng: &mut SplitMix64) -> String {
    let variant = *rng.pick(b"89ab") as char;
    format!(
        "{}-{}-4{}-{variant}{}-{}",
        rng.string(HEX, 8),
        rng.string(HEX, 4),
        rng.string(HEX, 3),
        rng.string(HEX, 3),
        rng.string(HEX, 12)
    )
}

fn user_name(rng: &mut SplitMix64) -> String {
    match rng.below(5) {
        0 | 1 => (*rng.pick(CHINESE_NAMES)).to_owned(),
        2 => format!("{}{}", rng.pick(ASCII_NAMES), rng.range(1, 999)),
        3 => format!(
            "{}.{}@example.com",
            rng.pick(ASCII_NAMES),
            rng.pick(ASCII_NAMES)
        ),
        // A masked mobile number, as apps show them.
        _ => format!(
            "1{}{}****{}",
            rng.pick(b"3578") - b'0',
            rng.string(DIGITS, 1),
            rng.string(DIGITS, 4)
        ),
    }
}

fn order_id(rng: &mut SplitMix64, created_local: i64) -> String {
    // Like `202007311241150001`: the local creation time, then four digits.
    let c = clock(created_local);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}{}",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        rng.string(DIGITS, 4)
    )
}

/// A consistent (status, payment status, order type): none of the sanity warnings applies.
fn statuses(rng: &mut SplitMix64) -> (OrderStatus, PaymentStatus, OrderType) {
    let order_type = if rng.chance(20) {
        OrderType::Free
    } else {
        OrderType::Paid
    };
    let status = *rng.pick(&[
        OrderStatus::InUse,
        OrderStatus::InUse,
        OrderStatus::InUse,
        OrderStatus::InUse,
        OrderStatus::Expired,
        OrderStatus::Expired,
        OrderStatus::Frozen,
        OrderStatus::Creating,
    ]);
    let payment = match status {
        OrderStatus::Creating => *rng.pick(&[PaymentStatus::Unpaid, PaymentStatus::Paying]),
        _ if order_type == OrderType::Free && rng.chance(30) => PaymentStatus::Unpaid,
        _ => PaymentStatus::Paid,
    };
    (status, payment, order_type)
}

/// A conforming order and its period.
fn order(rng: &mut SplitMix64) -> (OrderDetail, Period) {
    let offset = *rng.pick(OFFSETS);
    let start = rng.range(EARLIEST, LATEST);
    let days = *rng.pick(&[7, 30, 30, 31, 90, 180, 365, 365]);
    let period = Period {
        start,
        end: start + days * 86_400,
        start_offset: offset,
        end_offset: offset,
    };
    let record_type = if rng.chance(80) {
        RecordType::Event
    } else {
        RecordType::Continuous
    };
    let keep_days = rng.pick(&[3, 7, 7, 15, 30]);
    // No document states a naming rule for specifications; these follow the one example.
    let specification = match record_type {
        RecordType::Event => format!("eventResource_{keep_days}"),
        RecordType::Continuous => format!("fullTimeResource_{keep_days}"),
    };
    let (status, payment_status, order_type) = statuses(rng);
    let price = match order_type {
        OrderType::Free => rng.pick(FREE_PRICES),
        OrderType::Paid => rng.pick(PAID_PRICES),
    };
    let copies = if rng.chance(80) { 1 } else { rng.range(2, 12) };
    let identity = identity_id(rng);
    let user_id = if rng.chance(60) {
        identity.clone()
    } else {
        identity_id(rng)
    };
    let pre_consume = match status {
        _ if rng.chance(50) => None,
        OrderStatus::Creating => Some(0),
        OrderStatus::Expired => Some(period.seconds()),
        OrderStatus::InUse | OrderStatus::Frozen => Some(rng.range(0, period.seconds())),
    };
    let created = period.start + offset - rng.range(0, 600);
    let detail = OrderDetail {
        iot_id: iot_id(rng),
        identity_id: identity,
        commodity_code: "ilopLVCloudResource".to_owned(),
        specification,
        copies: u32::try_from(copies)
            .ok()
            .and_then(NonZeroU32::new)
            .unwrap_or(NonZeroU32::MIN),
        price: price
            .parse::<Price>()
            .expect("the generator's prices are prices"),
        user_name: user_name(rng),
        user_id,
        order_id: order_id(rng, created),
        out_order_no: format!("2{}", rng.string(DIGITS, 14)),
        status,
        payment_status,
        record_type,
        order_type,
        start_time: local_at(period.start, offset),
        end_time: local_at(period.end, offset),
        start_time_utc: utc_at(period.start),
        end_time_utc: utc_at(period.end),
        pre_consume: pre_consume.map(i64::unsigned_abs),
    };
    (detail, period)
}

/// A success response and its order's period.
fn success(rng: &mut SplitMix64) -> (Response, Period) {
    let id = rng.chance(80).then(|| uuid(rng));
    let (message, localized_msg) = match rng.below(3) {
        0 => (Presence::Absent, Presence::Absent),
        1 => (Presence::Null, Presence::Null),
        _ => (
            Presence::Value("success".to_owned()),
            Presence::Value("成功".to_owned()),
        ),
    };
    let (order, period) = order(rng);
    let response = Response {
        id,
        code: 200,
        message,
        localized_msg,
        data: Presence::Value(order),
    };
    (response, period)
}

/// An error response: no order.
fn failure(rng: &mut SplitMix64) -> Response {
    let (code, message, localized) = rng.pick(FAILURES).messages();
    Response {
        id: rng.chance(80).then(|| uuid(rng)),
        code,
        message: Presence::Value(message.to_owned()),
        localized_msg: if rng.chance(70) {
            Presence::Value(localized.to_owned())
        } else {
            Presence::Null
        },
        data: if rng.chance(70) {
            Presence::Null
        } else {
            Presence::Absent
        },
    }
}

fn request(rng: &mut SplitMix64) -> Request {
    let id = if rng.chance(50) {
        // A millisecond timestamp, as in the platform's documentation.
        (rng.range(EARLIEST, LATEST) * 1000 + rng.range(0, 999)).to_string()
    } else {
        uuid(rng)
    };
    let (iot_token, cloud_token) = match rng.below(3) {
        0 => (Some(Credential::new(rng.string(HEX, 32))), None),
        1 => (None, Some(Credential::new(rng.string(HEX, 32)))),
        _ => (None, None),
    };
    let language = rng
        .chance(40)
        .then(|| (*rng.pick(&["zh-CN", "en-US"])).to_owned());
    let locale = rng
        .chance(20)
        .then(|| (*rng.pick(&["CN", "SG", "DE", "US"])).to_owned());
    let start = rng.range(EARLIEST, LATEST);
    let offset = *rng.pick(OFFSETS);
    Request {
        id,
        version: crate::semantic::PROTOCOL_VERSION.to_owned(),
        request: SystemParams {
            api_ver: crate::semantic::API_VERSION.to_owned(),
            iot_token,
            cloud_token,
            language,
            locale,
        },
        params: Params {
            iot_id: iot_id(rng),
            order_id: order_id(rng, start + offset),
            device_no_owner: match rng.below(3) {
                0 => None,
                1 => Some(false),
                _ => Some(true),
            },
        },
    }
}

/// Compact JSON of a value of the types.
fn to_text<T: serde::Serialize>(value: &T) -> String {
    // The types serialize infallibly: string keys, no maps of other keys, no floats.
    serde_json::to_string(value).expect("the types serialize")
}

// ---------------------------------------------------------------------------------------------
// Near misses.

/// A payload as a JSON value, with a text-level edit the value cannot hold.
struct Draft {
    value: Value,
    /// (object pointer, key, value): the member is written twice, first with this value.
    duplicate: Option<(String, String, Value)>,
}

impl Draft {
    fn of<T: serde::Serialize>(typed: &T) -> Draft {
        Draft {
            value: serde_json::to_value(typed).expect("the types serialize"),
            duplicate: None,
        }
    }

    fn at(&mut self, pointer: &str) -> &mut Value {
        self.value
            .pointer_mut(pointer)
            .expect("the generator edits members it wrote")
    }

    fn object(&mut self, pointer: &str) -> &mut Map<String, Value> {
        self.at(pointer)
            .as_object_mut()
            .expect("the generator edits objects it wrote")
    }

    fn get(&self, pointer: &str) -> &Value {
        self.value.pointer(pointer).unwrap_or(&Value::Null)
    }

    fn str(&self, pointer: &str) -> String {
        self.get(pointer).as_str().unwrap_or_default().to_owned()
    }

    fn text(&self) -> String {
        let mut out = String::new();
        write_value(&self.value, "", self.duplicate.as_ref(), &mut out);
        out
    }
}

/// Members in the order the types serialize them, so that an edited value reads like the
/// original. Members not listed (added ones) come last.
const MEMBER_ORDER: &[&str] = &[
    "id",
    "version",
    "request",
    "params",
    "code",
    "message",
    "localizedMsg",
    "data",
    "apiVer",
    "iotToken",
    "cloudToken",
    "language",
    "locale",
    "iotId",
    "identityId",
    "commodityCode",
    "specification",
    "copies",
    "price",
    "userName",
    "userId",
    "orderId",
    "outOrderNo",
    "status",
    "paymentStatus",
    "recordType",
    "orderType",
    "startTime",
    "endTime",
    "startTimeUTC",
    "endTimeUTC",
    "preConsume",
    "deviceNoOwner",
];

fn rank(key: &str) -> usize {
    MEMBER_ORDER
        .iter()
        .position(|k| *k == key)
        .unwrap_or(MEMBER_ORDER.len())
}

/// Compact JSON, members in [`MEMBER_ORDER`], with an optional duplicate member.
fn write_value(
    value: &Value,
    pointer: &str,
    duplicate: Option<&(String, String, Value)>,
    out: &mut String,
) {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by_key(|(k, _)| rank(k));
            out.push('{');
            for (i, (key, member)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let key_text = Value::from(key.as_str()).to_string();
                if let Some((at, name, first)) = duplicate
                    && at == pointer
                    && name == key
                {
                    out.push_str(&key_text);
                    out.push(':');
                    out.push_str(&first.to_string());
                    out.push(',');
                }
                out.push_str(&key_text);
                out.push(':');
                let child = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                write_value(member, &child, duplicate, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, &format!("{pointer}/{i}"), duplicate, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Text-level defects, shared by both kinds: the pointer is `""`.
fn broken_text(rule: Rule, text: String, rng: &mut SplitMix64) -> (String, String) {
    let text = match rule {
        Rule::NotAnObject => format!("[{text}]"),
        // A trailing comma, or a body cut short.
        _ if rng.chance(50) => match text.rfind('}') {
            Some(end) => format!("{},{}", &text[..end], &text[end..]),
            None => text,
        },
        _ => {
            let mut cut = rng.range(1, text.len() as i64 - 1) as usize;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text[..cut].to_owned()
        }
    };
    (text, String::new())
}

/// The ids of the request a response answers.
#[derive(Clone, Copy)]
struct Ids<'a> {
    iot_id: &'a str,
    order_id: &'a str,
}

impl Ids<'_> {
    fn apply(self, order: &mut OrderDetail) {
        self.iot_id.clone_into(&mut order.iot_id);
        self.order_id.clone_into(&mut order.order_id);
    }
}

/// A response near miss, for the request of `ids` if there is one: its order then carries those
/// ids except where the defect is on them, and the defect never makes them differ from the
/// request's unless `rule` is [`Rule::ExchangeMismatch`].
fn response_near_miss(rule: Rule, rng: &mut SplitMix64, ids: Option<Ids<'_>>) -> (String, String) {
    let (mut response, mut period) = success(rng);
    let Presence::Value(order) = &mut response.data else {
        unreachable!("a success carries an order")
    };
    if let Some(ids) = ids {
        ids.apply(order);
    }
    // Defects the types can hold: edit the typed value.
    let typed_pointer: Option<&str> = match rule {
        Rule::SingleDigitSeconds => {
            let seconds = rng.range(0, 9);
            let start = rng.chance(50);
            let (at, offset) = if start {
                (&mut period.start, period.start_offset)
            } else {
                (&mut period.end, period.end_offset)
            };
            *at = *at - at.rem_euclid(60) + seconds;
            let local = clock(*at + offset).local(true);
            period.apply(order);
            if start {
                order.start_time = local_time(&local);
            } else {
                order.end_time = local_time(&local);
            }
            fit_pre_consume(order, &period);
            Some(if start {
                "/data/startTime"
            } else {
                "/data/endTime"
            })
        }
        Rule::UtcOffset => {
            // Off by a non-offset (minutes or seconds), or by a whole hour count no zone uses.
            let delta = match rng.below(3) {
                0 => rng.range(1, 14) * 60 * if rng.chance(50) { 1 } else { -1 },
                1 => rng.range(1, 59),
                _ => 15 * 3600 - period.start_offset,
            };
            if rng.chance(50) {
                order.start_time = local_at(period.start, period.start_offset + delta);
                Some("/data/startTime")
            } else {
                order.end_time = local_at(period.end, period.end_offset + delta);
                Some("/data/endTime")
            }
        }
        Rule::InconsistentOffsets => {
            // A daylight-saving change: the end is an hour off the start.
            period.end_offset += if rng.chance(50) { 3600 } else { -3600 };
            period.apply(order);
            Some("/data/endTime")
        }
        Rule::EndBeforeStart => {
            if rng.chance(80) {
                std::mem::swap(&mut period.start, &mut period.end);
            } else {
                period.end = period.start;
            }
            period.apply(order);
            Some("/data/endTimeUTC")
        }
        Rule::PreConsumeExceedsDuration => {
            let over = rng.range(1, 30 * 86_400);
            order.pre_consume = Some((period.seconds() + over).unsigned_abs());
            Some("/data/preConsume")
        }
        Rule::PaidWhileCreating => {
            order.status = OrderStatus::Creating;
            order.payment_status = PaymentStatus::Paid;
            Some("/data/paymentStatus")
        }
        Rule::UnpaidInUse => {
            order.status = OrderStatus::InUse;
            order.order_type = OrderType::Paid;
            order.payment_status = PaymentStatus::Unpaid;
            Some("/data/paymentStatus")
        }
        Rule::FreeWithPrice => {
            order.order_type = OrderType::Free;
            order.price = rng
                .pick(PAID_PRICES)
                .parse()
                .expect("the generator's prices are prices");
            Some("/data/price")
        }
        Rule::DataOnError => {
            let (code, message, localized) = rng.pick(FAILURES).messages();
            response.code = code;
            response.message = Presence::Value(message.to_owned());
            response.localized_msg = Presence::Value(localized.to_owned());
            Some("/data")
        }
        Rule::ExchangeMismatch => {
            // An order for another order of the same device.
            let mut other = order_id(rng, period.start + period.start_offset);
            if other == order.order_id {
                other.push('0');
            }
            order.order_id = other;
            Some("/data/orderId")
        }
        Rule::MissingData => {
            if rng.chance(50) {
                response.data = Presence::Null;
                Some("/data")
            } else {
                response.data = Presence::Absent;
                Some("")
            }
        }
        _ => None,
    };
    if let Some(pointer) = typed_pointer {
        return (to_text(&response), pointer.to_owned());
    }
    let mut draft = Draft::of(&response);
    let pointer = match rule {
        Rule::WrongType => {
            let (pointer, wrong) = match rng.below(7) {
                0 | 1 => {
                    // A number sent as a string.
                    let name = rng.pick(&[
                        "copies",
                        "status",
                        "paymentStatus",
                        "recordType",
                        "orderType",
                    ]);
                    let pointer = format!("/data/{name}");
                    let text = draft.get(&pointer).to_string();
                    (pointer, Value::from(text))
                }
                2 => {
                    // A price sent as a number.
                    let price: f64 = draft.str("/data/price").parse().unwrap_or(1.0);
                    ("/data/price".to_owned(), Value::from(price))
                }
                3 => ("/code".to_owned(), Value::from("200")),
                4 => (
                    "/data/userId".to_owned(),
                    Value::from(rng.range(10_000_000, 99_999_999)),
                ),
                // Epoch milliseconds, as sibling endpoints send.
                5 => (
                    "/data/endTimeUTC".to_owned(),
                    Value::from(period.end * 1000),
                ),
                _ => ("/data/iotId".to_owned(), Value::Null),
            };
            *draft.at(&pointer) = wrong;
            pointer
        }
        Rule::InvalidEnum => {
            let (name, bad) = *rng.pick(&[
                ("status", 4),
                ("status", 5),
                ("status", -1),
                ("paymentStatus", 3),
                ("recordType", 0),
                ("recordType", 3),
                ("orderType", 2),
            ]);
            let pointer = format!("/data/{name}");
            *draft.at(&pointer) = Value::from(bad);
            pointer
        }
        Rule::MissingField => {
            let name = *rng.pick(&MEMBER_ORDER[13..31]);
            draft.object("/data").remove(name);
            "/data".to_owned()
        }
        Rule::MalformedValue => {
            let (pointer, bad) = malformed(&draft, rng);
            *draft.at(&pointer) = Value::from(bad);
            pointer
        }
        Rule::OutOfRange => {
            let (pointer, bad) = match rng.below(4) {
                0 | 1 => ("/data/copies", Value::from(0)),
                2 => ("/data/preConsume", Value::from(-rng.range(1, 3600))),
                _ => ("/code", Value::from(i64::from(i32::MAX) + 1)),
            };
            if pointer == "/data/preConsume" {
                draft.object("/data").insert("preConsume".into(), bad);
            } else {
                *draft.at(pointer) = bad;
            }
            pointer.to_owned()
        }
        Rule::ImpossibleTime => {
            let name = *rng.pick(&["startTime", "endTime", "startTimeUTC", "endTimeUTC"]);
            let pointer = format!("/data/{name}");
            let text = draft.str(&pointer);
            let year: i64 = text[..4].parse().unwrap_or(2021);
            // Days that do not exist in the same year.
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
            let mut dates = vec!["02-30", "02-31", "04-31", "06-31", "09-31", "11-31"];
            if !leap {
                dates.push("02-29");
            }
            let date = rng.pick(&dates);
            let bad = format!("{}{date}{}", &text[..5], &text[10..]);
            *draft.at(&pointer) = Value::from(bad);
            pointer
        }
        Rule::UnknownField => {
            let end = clock(period.end + period.end_offset).local(false);
            let (name, value) = match rng.below(4) {
                0 => ("commodityType", Value::from("CLOUD_STORAGE")),
                1 => ("expired", Value::from(false)),
                2 => ("endTimeStr", Value::from(end)),
                _ => ("orderStatus", draft.get("/data/status").clone()),
            };
            draft.object("/data").insert(name.into(), value);
            format!("/data/{name}")
        }
        Rule::DuplicateKey => {
            let (name, first) = match rng.below(3) {
                0 => {
                    let status = draft.get("/data/status").as_u64().unwrap_or(0);
                    ("status", Value::from((status + 1) % 4))
                }
                1 => {
                    let other = order_id(rng, period.start);
                    // An answer repeats the asked id: the duplicate is the only defect.
                    let first = ids.map_or(other, |ids| ids.order_id.to_owned());
                    ("orderId", Value::from(first))
                }
                _ => ("price", Value::from(*rng.pick(PAID_PRICES))),
            };
            draft.duplicate = Some(("/data".into(), name.into(), first));
            format!("/data/{name}")
        }
        _ => return broken_text(rule, to_text(&response), rng),
    };
    (draft.text(), pointer)
}

/// A malformed time or price, as seen in the wild: (pointer, text).
fn malformed(draft: &Draft, rng: &mut SplitMix64) -> (String, String) {
    let local = *rng.pick(&["/data/startTime", "/data/endTime"]);
    let utc = *rng.pick(&["/data/startTimeUTC", "/data/endTimeUTC"]);
    let price = draft.str("/data/price");
    let local_text = draft.str(local);
    let utc_text = draft.str(utc);
    let (pointer, bad) = match rng.below(9) {
        0 => ("/data/price", format!("¥{price}")),
        // A decimal comma; a whole price gains one, so the text always changes.
        1 => match price.split_once('.') {
            Some((whole, cents)) => ("/data/price", format!("{whole},{cents}")),
            None => ("/data/price", format!("{price},00")),
        },
        2 => ("/data/price", String::new()),
        3 => (local, local_text.replace('-', "/")),
        4 => (local, local_text.replacen(' ', "T", 1)),
        5 => (local, String::new()),
        // A month without its leading zero, as sibling endpoints have sent.
        6 => (
            local,
            format!(
                "{}-{}{}",
                &local_text[..4],
                &local_text[6..7],
                &local_text[7..]
            ),
        ),
        7 => (utc, utc_text.replace('Z', "+08:00")),
        _ => (utc, utc_text.replacen('T', " ", 1)),
    };
    (pointer.to_owned(), bad)
}

/// Keeps `preConsume` within the package's duration after an edit of its times.
fn fit_pre_consume(order: &mut OrderDetail, period: &Period) {
    let seconds = period.seconds().unsigned_abs();
    if let Some(p) = &mut order.pre_consume {
        *p = (*p).min(seconds);
    }
}

fn request_near_miss(rule: Rule, rng: &mut SplitMix64) -> (String, String) {
    let mut request = request(rng);
    match rule {
        Rule::ApiVersion => {
            request.request.api_ver = (*rng.pick(&["1.0.5", "1.0.4", "1.0.0", "1.1.0"])).into();
            return (to_text(&request), "/request/apiVer".into());
        }
        Rule::ProtocolVersion => {
            request.version = (*rng.pick(&["1.1", "2.0", "1"])).into();
            return (to_text(&request), "/version".into());
        }
        _ => {}
    }
    let mut draft = Draft::of(&request);
    let pointer = match rule {
        Rule::WrongType => {
            let id = draft.str("/id");
            let (pointer, wrong) = match rng.below(4) {
                // A numeric request id sent as a number.
                0 if id.bytes().all(|b| b.is_ascii_digit()) => {
                    ("/id", Value::from(id.parse::<u64>().unwrap_or(1)))
                }
                0 | 1 => ("/version", Value::from(1.0)),
                2 => (
                    "/params/deviceNoOwner",
                    Value::from(if rng.chance(50) { "false" } else { "0" }),
                ),
                _ => ("/params/orderId", Value::Null),
            };
            if pointer == "/params/deviceNoOwner" {
                draft
                    .object("/params")
                    .insert("deviceNoOwner".into(), wrong);
            } else {
                *draft.at(pointer) = wrong;
            }
            pointer.to_owned()
        }
        Rule::MissingField => {
            // Not `params`: without it the payload is no longer recognisably a request.
            let (parent, name) = *rng.pick(&[
                ("", "id"),
                ("", "version"),
                ("", "request"),
                ("/request", "apiVer"),
                ("/params", "iotId"),
                ("/params", "orderId"),
            ]);
            draft.object(parent).remove(name);
            parent.to_owned()
        }
        Rule::UnknownField => {
            let (parent, name, value) = match rng.below(3) {
                0 => ("/params", "identityId", Value::from(identity_id(rng))),
                1 => (
                    "/params",
                    "productKey",
                    Value::from(format!("a1{}", rng.string(ALNUM, 9))),
                ),
                _ => ("/request", "appKey", Value::from(rng.string(DIGITS, 8))),
            };
            draft.object(parent).insert(name.into(), value);
            format!("{parent}/{name}")
        }
        Rule::DuplicateKey => {
            let (parent, name, first) = match rng.below(3) {
                0 => ("/params", "iotId", Value::from(iot_id(rng))),
                1 => ("/params", "orderId", Value::from(order_id(rng, EARLIEST))),
                _ => ("", "id", Value::from(uuid(rng))),
            };
            draft.duplicate = Some((parent.into(), name.into(), first));
            format!("{parent}/{name}")
        }
        _ => return broken_text(rule, to_text(&request), rng),
    };
    (draft.text(), pointer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_stream() {
        // The first outputs for seed 0 from the reference implementation (Vigna's
        // splitmix64.c): if these change, every seed's text changes.
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(rng.next(), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn civil_dates_match_jiff() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            let expected = jiff::civil::date(1970, 1, 1)
                .checked_add(jiff::Span::new().days(days))
                .unwrap();
            assert_eq!(
                (y, m, d),
                (
                    i64::from(expected.year()),
                    i64::from(expected.month()),
                    i64::from(expected.day())
                )
            );
        }
    }

    #[test]
    fn the_value_writer_writes_what_the_types_write() {
        for seed in 0..200 {
            let mut rng = SplitMix64::new(seed);
            let response = success(&mut rng).0;
            assert_eq!(Draft::of(&response).text(), to_text(&response));
            let failure = failure(&mut rng);
            assert_eq!(Draft::of(&failure).text(), to_text(&failure));
            let request = request(&mut rng);
            assert_eq!(Draft::of(&request).text(), to_text(&request));
        }
    }

    #[test]
    fn the_text_is_pinned() {
        // The promise: the same seed gives the same text, forever. A change here changes every
        // user's recorded samples: make it only with the contract, and say so in the changelog.
        for (sample, expected) in [
            (
                conforming(Kind::Response, 42),
                r#"{"id":"50d3c593-788a-4317-91bf-19914bcfbcda","code":200,"message":"success","localizedMsg":"成功","data":{"iotId":"ZPzIlR7MXP2e91zWDMGD000130","identityId":"a512op8f53250da8e04f9059f4eeea2d","commodityCode":"ilopLVCloudResource","specification":"eventResource_15","copies":1,"price":"0","userName":"judy446","userId":"d1c5op70b35b3cbdbc728b0a3b3b2ccb","orderId":"202108291812329195","outOrderNo":"296146897404767","status":1,"paymentStatus":0,"recordType":2,"orderType":1,"startTime":"2021-08-29 18:14:36","endTime":"2021-09-05 18:14:36","startTimeUTC":"2021-08-29T17:14:36Z","endTimeUTC":"2021-09-05T17:14:36Z"}}"#,
            ),
            (
                conforming(Kind::Request, 42),
                r#"{"id":"450d3c59-3788-4a31-871b-f19914bcfbcd","version":"1.0","request":{"apiVer":"1.0.6","cloudToken":"ca614c1824ca5128f53250da8e04f905"},"params":{"iotId":"53pKzxyGyTeAtPVuMxt0000177","orderId":"202102271812084156"}}"#,
            ),
            (
                near_miss(Kind::Response, 17),
                r#"{"id":"53010a0b-4168-4c0f-9620-b15e677d2fa6","code":200,"data":{"iotId":"wV72LGn3vMPpEt5FMyYB000138","identityId":"0b4fopc2fc1e4e08287529353df5227f","commodityCode":"ilopLVCloudResource","specification":"eventResource_30","copies":1,"price":"12.5","price":"0.0","userName":"grace.ivan@example.com","userId":"0f93op22087bceda4eb03d19169dce0d","orderId":"202502170104403202","outOrderNo":"278620007513003","status":2,"paymentStatus":1,"recordType":2,"orderType":1,"startTime":"2025-02-17 01:08:31","endTime":"2025-05-18 01:08:31","startTimeUTC":"2025-02-17T00:08:31Z","endTimeUTC":"2025-05-18T00:08:31Z"}}"#,
            ),
        ] {
            assert_eq!(sample.text, expected);
        }
    }
}
