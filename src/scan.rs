//! A one-pass check of a clean payload, for a validator that keeps no typed payload
//! ([`Options::keep_payload`](crate::Options::keep_payload)): the command line and gateways.
//!
//! Checking a clean payload is the common case, and its cost is the JSON reading. The public
//! types own their strings, and a serde deserializer, even into borrowed structs, pays for
//! generality on every member; this scanner reads the bytes once against a table of the
//! contract's members ([`REQUEST`], [`RESPONSE`]), keeps nothing but the few values the
//! semantic rules read, and allocates nothing.
//!
//! It only answers "clean": at the first thing it does not fully understand it gives up and the
//! validator runs the full path, which decides and explains. It gives up on what the full path
//! reports (a wrong type, a value out of range, an unknown, duplicate or missing member, a
//! malformed time or price, trailing data) and on what it does not handle itself (an escaped
//! key, an escaped time, price or version, a number with a fraction or an exponent, `-0`). Giving up is always safe; a property test checks that it answers "clean"
//! exactly when the full path finds nothing.
//!
//! The tables are checked against the derived schemas by a test: a member added to a type and
//! not here fails the tests rather than passing unchecked.

use crate::order::is_price;
use crate::semantic::OrderFacts;
use crate::time::{LocalTime, UtcTime};

/// What a member holds.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// Any string, not kept.
    Text,
    /// A string kept for a rule (no escapes).
    Kept(Slot),
    /// A decimal amount, kept for a rule.
    Price,
    /// A platform local time or a UTC time, kept for a rule.
    Local(Slot),
    Utc(Slot),
    /// An integer from `min` to `max`, kept.
    Integer {
        min: i128,
        max: i128,
        slot: Option<Slot>,
    },
    /// One of the codes of an integer enum, kept.
    Enum(&'static [u8], Option<Slot>),
    Bool,
    Object(&'static [Member]),
    /// The order object ([`ORDER`]), whose presence is kept.
    Order,
}

/// Where a kept value goes in [`Found`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Version,
    ApiVer,
    Code,
    Status,
    PaymentStatus,
    OrderType,
    PreConsume,
    Start,
    End,
    StartUtc,
    EndUtc,
}

/// One member of an object of the contract.
#[derive(Debug)]
struct Member {
    name: &'static str,
    /// The name's first 16 bytes as a little-endian word, to compare a key with in one go.
    word: u128,
    shape: Shape,
    required: bool,
    /// Whether `null` is allowed (for an optional member: the schema gives them all `null`).
    nullable: bool,
}

const fn member(name: &'static str, shape: Shape) -> Member {
    Member {
        name,
        word: word(name),
        shape,
        required: true,
        nullable: false,
    }
}

const fn optional(name: &'static str, shape: Shape) -> Member {
    Member {
        name,
        word: word(name),
        shape,
        required: false,
        nullable: true,
    }
}

/// The first 16 bytes of `name` as a little-endian word, zero-padded.
const fn word(name: &str) -> u128 {
    let bytes = name.as_bytes();
    let mut word = 0;
    let mut i = 0;
    while i < bytes.len() && i < 16 {
        word |= (bytes[i] as u128) << (8 * i);
        i += 1;
    }
    word
}

const fn integer(min: i128, max: i128, slot: Option<Slot>) -> Shape {
    Shape::Integer { min, max, slot }
}

/// The members of a request ([`crate::Request`]).
const REQUEST: &[Member] = &[
    member("id", Shape::Text),
    member("version", Shape::Kept(Slot::Version)),
    member("request", Shape::Object(SYSTEM_PARAMS)),
    member("params", Shape::Object(PARAMS)),
];

const SYSTEM_PARAMS: &[Member] = &[
    member("apiVer", Shape::Kept(Slot::ApiVer)),
    optional("iotToken", Shape::Text),
    optional("cloudToken", Shape::Text),
    optional("language", Shape::Text),
    optional("locale", Shape::Text),
];

const PARAMS: &[Member] = &[
    member("iotId", Shape::Text),
    member("orderId", Shape::Text),
    optional("deviceNoOwner", Shape::Bool),
];

/// The members of a response ([`crate::Response`]).
const RESPONSE: &[Member] = &[
    optional("id", Shape::Text),
    member(
        "code",
        integer(i32::MIN as i128, i32::MAX as i128, Some(Slot::Code)),
    ),
    optional("message", Shape::Text),
    optional("localizedMsg", Shape::Text),
    optional("data", Shape::Order),
];

const ORDER: &[Member] = &[
    member("iotId", Shape::Text),
    member("identityId", Shape::Text),
    member("commodityCode", Shape::Text),
    member("specification", Shape::Text),
    member("copies", integer(1, u32::MAX as i128, None)),
    member("price", Shape::Price),
    member("userName", Shape::Text),
    member("userId", Shape::Text),
    member("orderId", Shape::Text),
    member("outOrderNo", Shape::Text),
    member("status", Shape::Enum(&[0, 1, 2, 3], Some(Slot::Status))),
    member(
        "paymentStatus",
        Shape::Enum(&[0, 1, 2], Some(Slot::PaymentStatus)),
    ),
    member("recordType", Shape::Enum(&[1, 2], None)),
    member("orderType", Shape::Enum(&[0, 1], Some(Slot::OrderType))),
    member("startTime", Shape::Local(Slot::Start)),
    member("endTime", Shape::Local(Slot::End)),
    member("startTimeUTC", Shape::Utc(Slot::StartUtc)),
    member("endTimeUTC", Shape::Utc(Slot::EndUtc)),
    optional(
        "preConsume",
        integer(0, u64::MAX as i128, Some(Slot::PreConsume)),
    ),
];

/// The values the semantic rules read, as found.
#[derive(Debug, Default)]
pub(crate) struct Found<'a> {
    pub(crate) version: Option<&'a str>,
    pub(crate) api_ver: Option<&'a str>,
    pub(crate) code: Option<i32>,
    /// Whether `data` holds an order.
    pub(crate) order: bool,
    price: Option<&'a str>,
    status: Option<u64>,
    payment_status: Option<u64>,
    order_type: Option<u64>,
    pre_consume: Option<u64>,
    start: Option<LocalTime>,
    end: Option<LocalTime>,
    start_utc: Option<UtcTime>,
    end_utc: Option<UtcTime>,
}

impl<'a> Found<'a> {
    /// The order's facts, when `data` holds an order.
    pub(crate) fn order_facts(&self) -> Option<OrderFacts<'_>> {
        self.order.then_some(OrderFacts {
            start: self.start.as_ref(),
            end: self.end.as_ref(),
            start_utc: self.start_utc.as_ref(),
            end_utc: self.end_utc.as_ref(),
            pre_consume: self.pre_consume,
            status: self.status,
            payment_status: self.payment_status,
            order_type: self.order_type,
            price: self.price,
        })
    }
}

/// Scans a request, or `None` to give up.
pub(crate) fn request(text: &str) -> Option<Found<'_>> {
    scan(text, REQUEST)
}

/// Scans a response, or `None` to give up.
pub(crate) fn response(text: &str) -> Option<Found<'_>> {
    scan(text, RESPONSE)
}

fn scan<'a>(text: &'a str, members: &'static [Member]) -> Option<Found<'a>> {
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        found: Found::default(),
    };
    scanner.whitespace();
    scanner.object(members)?;
    scanner.whitespace();
    (scanner.pos == scanner.bytes.len()).then_some(scanner.found)
}

/// The bytes of `word` (little-endian) that end a plain run of a string: `"`, `\\` or a
/// control character (below 0x20), as the high bit of each byte, by the classic SWAR tests for
/// a zero byte and for a byte below a bound. A borrow can flag a byte above a flagged one, never
/// one below: the lowest flag is exact, and no flag means no such byte.
fn run_ends(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_in = |w: u64| w.wrapping_sub(ONES) & !w;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let below_space = word.wrapping_sub(ONES * 0x20) & !word;
    (zero_in(quote) | zero_in(backslash) | below_space) & HIGH
}

/// The offset of the first byte at or after `pos` that ends a plain run of a string (see
/// [`run_ends`]), or the end of `bytes`: eight bytes at a time, then byte by byte near the end.
fn run_end(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(word) = bytes.get(pos..pos + 8) {
        let mut eight = [0; 8];
        eight.copy_from_slice(word);
        let ends = run_ends(u64::from_le_bytes(eight));
        if ends != 0 {
            return pos + (ends.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    while let Some(&b) = bytes.get(pos) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        pos += 1;
    }
    pos
}

struct Scanner<'a> {
    /// The payload, known to be UTF-8.
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    found: Found<'a>,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Skips JSON whitespace (space, tab, LF, CR).
    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Consumes `byte`, or gives up.
    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.pos += 1)
    }

    /// An object of `members`: each at most once, the required ones all there.
    fn object(&mut self, members: &'static [Member]) -> Option<()> {
        debug_assert!(members.len() <= 64);
        self.expect(b'{')?;
        let mut seen: u64 = 0;
        // Members usually come in the table's order: look for each after the one before.
        let mut next = 0;
        self.whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                self.whitespace();
                let index = match self.key(members.get(next)) {
                    Some(()) => next,
                    None => {
                        let (key, escaped) = self.string()?;
                        if escaped {
                            return None;
                        }
                        (next..members.len())
                            .chain(0..next)
                            .find(|&i| members[i].name == key)?
                    }
                };
                next = index + 1;
                let bit = 1u64 << index;
                if seen & bit != 0 {
                    return None;
                }
                seen |= bit;
                self.whitespace();
                self.expect(b':')?;
                self.whitespace();
                self.value(&members[index])?;
                self.whitespace();
                match self.peek()? {
                    b',' => self.pos += 1,
                    b'}' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        let missing = members
            .iter()
            .enumerate()
            .any(|(i, m)| m.required && seen & (1 << i) == 0);
        (!missing).then_some(())
    }

    /// Consumes the key `member`'s name in quotes, compared as one word rather than scanned
    /// byte by byte; `None`, having consumed nothing, when the bytes hold another key or too
    /// few bytes are left to load a word. A name holds no quote or backslash, so a match is
    /// that very key, unescaped.
    fn key(&mut self, member: Option<&Member>) -> Option<()> {
        let member = member?;
        let len = member.name.len();
        if !(1..=16).contains(&len) {
            return None;
        }
        let window = self.bytes.get(self.pos..self.pos + 17)?;
        let (&quote, rest) = window.split_first()?;
        let mut word = [0; 16];
        word.copy_from_slice(rest);
        let word = u128::from_le_bytes(word) & (u128::MAX >> (8 * (16 - len)));
        let end = self.pos + 1 + len;
        if quote != b'"' || word != member.word || self.bytes.get(end) != Some(&b'"') {
            return None;
        }
        self.pos = end + 1;
        Some(())
    }

    fn value(&mut self, member: &Member) -> Option<()> {
        if self.peek() == Some(b'n') {
            self.literal("null")?;
            return member.nullable.then_some(());
        }
        match member.shape {
            Shape::Text => self.string().map(drop),
            Shape::Kept(slot) => {
                let text = self.plain_string()?;
                match slot {
                    Slot::Version => self.found.version = Some(text),
                    Slot::ApiVer => self.found.api_ver = Some(text),
                    _ => return None,
                }
                Some(())
            }
            Shape::Price => {
                let text = self.plain_string()?;
                is_price(text).then(|| self.found.price = Some(text))
            }
            Shape::Local(slot) => {
                let t: LocalTime = self.plain_string()?.parse().ok()?;
                match slot {
                    Slot::Start => self.found.start = Some(t),
                    _ => self.found.end = Some(t),
                }
                Some(())
            }
            Shape::Utc(slot) => {
                let t: UtcTime = self.plain_string()?.parse().ok()?;
                match slot {
                    Slot::StartUtc => self.found.start_utc = Some(t),
                    _ => self.found.end_utc = Some(t),
                }
                Some(())
            }
            Shape::Integer { min, max, slot } => {
                let n = self.integer()?;
                if !(min..=max).contains(&n) {
                    return None;
                }
                match slot {
                    Some(Slot::Code) => self.found.code = Some(i32::try_from(n).ok()?),
                    Some(Slot::PreConsume) => self.found.pre_consume = Some(u64::try_from(n).ok()?),
                    _ => {}
                }
                Some(())
            }
            Shape::Enum(codes, slot) => {
                let n = self.integer()?;
                let code = u8::try_from(n).ok().filter(|c| codes.contains(c))?;
                let code = Some(u64::from(code));
                match slot {
                    Some(Slot::Status) => self.found.status = code,
                    Some(Slot::PaymentStatus) => self.found.payment_status = code,
                    Some(Slot::OrderType) => self.found.order_type = code,
                    _ => {}
                }
                Some(())
            }
            Shape::Bool => match self.peek()? {
                b't' => self.literal("true"),
                _ => self.literal("false"),
            },
            Shape::Object(members) => self.object(members),
            Shape::Order => {
                self.found.order = true;
                self.object(ORDER)
            }
        }
    }

    /// The literal `word`, not followed by more letters.
    fn literal(&mut self, word: &str) -> Option<()> {
        let end = self.pos + word.len();
        if self.bytes.get(self.pos..end)? != word.as_bytes() {
            return None;
        }
        self.pos = end;
        match self.peek() {
            Some(b) if b.is_ascii_alphanumeric() => None,
            _ => Some(()),
        }
    }

    /// A string without escapes, borrowed.
    fn plain_string(&mut self) -> Option<&'a str> {
        match self.string()? {
            (text, false) => Some(text),
            (_, true) => None,
        }
    }

    /// A string: its raw contents (escapes left in) and whether it has escapes. Gives up on a
    /// control character, a malformed escape and a lone surrogate (`\uD800` not followed by
    /// `\uDC00` to `\uDFFF`).
    fn string(&mut self) -> Option<(&'a str, bool)> {
        self.expect(b'"')?;
        let start = self.pos;
        let mut escaped = false;
        loop {
            self.pos = run_end(self.bytes, self.pos);
            match self.peek()? {
                b'"' => {
                    let text = self.text.get(start..self.pos)?;
                    self.pos += 1;
                    return Some((text, escaped));
                }
                b'\\' => {}
                _ => return None,
            }
            escaped = true;
            self.pos += 1;
            match self.peek()? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 1,
                b'u' => {
                    self.pos += 1;
                    let unit = self.hex4()?;
                    if (0xDC00..=0xDFFF).contains(&unit) {
                        return None;
                    }
                    if (0xD800..=0xDBFF).contains(&unit) {
                        // A high surrogate: a low one must follow, as `\uDC00` to `\uDFFF`.
                        self.expect(b'\\')?;
                        self.expect(b'u')?;
                        if !(0xDC00..=0xDFFF).contains(&self.hex4()?) {
                            return None;
                        }
                    }
                }
                _ => return None,
            }
        }
    }

    /// Four hex digits, as a UTF-16 code unit.
    fn hex4(&mut self) -> Option<u16> {
        let hex = self.text.get(self.pos..self.pos + 4)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += 4;
        u16::from_str_radix(hex, 16).ok()
    }

    /// An integer written without a fraction, an exponent, a leading zero or `-0`, of at most
    /// 20 digits; `None` past `u64::MAX` either way, which no member allows.
    fn integer(&mut self) -> Option<i128> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let start = self.pos;
        let mut magnitude: u64 = 0;
        while let Some(digit @ b'0'..=b'9') = self.peek() {
            magnitude = magnitude
                .checked_mul(10)?
                .checked_add(u64::from(digit - b'0'))?;
            self.pos += 1;
        }
        let digits = self.pos - start;
        if digits == 0
            || (digits > 1 && self.bytes.get(start) == Some(&b'0'))
            || (negative && magnitude == 0)
            || matches!(self.peek(), Some(b'.' | b'e' | b'E'))
        {
            return None;
        }
        let magnitude = i128::from(magnitude);
        Some(if negative { -magnitude } else { magnitude })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::Value;

    use crate::schema::{self, Kind, Variant};

    /// Every object of the tables against the derived (tolerant) schema: the same members,
    /// the same required ones, `null` where the schema allows it, objects where it has them.
    fn compare(members: &[Member], schema: &Value, place: &str) {
        let properties = schema["properties"].as_object().expect("properties");
        let mut names: Vec<&str> = members.iter().map(|m| m.name).collect();
        let mut expected: Vec<&str> = properties.keys().map(String::as_str).collect();
        names.sort_unstable();
        expected.sort_unstable();
        assert_eq!(names, expected, "members of {place}");
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for m in members {
            let property = &properties[m.name];
            assert_eq!(m.required, required.contains(&m.name), "{place}/{}", m.name);
            let types = match &property["type"] {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            assert_eq!(m.nullable, types.contains(&"null"), "{place}/{}", m.name);
            let expected = match m.shape {
                Shape::Text | Shape::Kept(_) | Shape::Price | Shape::Local(_) | Shape::Utc(_) => {
                    "string"
                }
                Shape::Integer { .. } | Shape::Enum(..) => "integer",
                Shape::Bool => "boolean",
                Shape::Object(inner) => {
                    compare(inner, property, &format!("{place}/{}", m.name));
                    "object"
                }
                Shape::Order => {
                    compare(ORDER, property, &format!("{place}/{}", m.name));
                    "object"
                }
            };
            assert!(types.contains(&expected), "{place}/{}: {types:?}", m.name);
            if let Shape::Enum(codes, _) = m.shape {
                let allowed: Vec<u64> = property["enum"]
                    .as_array()
                    .expect("enum")
                    .iter()
                    .filter_map(Value::as_u64)
                    .collect();
                let codes: Vec<u64> = codes.iter().map(|&c| u64::from(c)).collect();
                assert_eq!(codes, allowed, "{place}/{}", m.name);
            }
            if let Shape::Integer { min, max, .. } = m.shape {
                assert_eq!(
                    property["minimum"]
                        .as_i64()
                        .map(i128::from)
                        .or(property["minimum"].as_u64().map(i128::from)),
                    Some(min)
                );
                assert_eq!(
                    property["maximum"]
                        .as_i64()
                        .map(i128::from)
                        .or(property["maximum"].as_u64().map(i128::from)),
                    Some(max)
                );
            }
        }
    }

    #[test]
    fn tables_match_the_schemas() {
        compare(
            REQUEST,
            &schema::generate(Kind::Request, Variant::Tolerant),
            "request",
        );
        compare(
            RESPONSE,
            &schema::generate(Kind::Response, Variant::Tolerant),
            "response",
        );
    }

    #[test]
    fn plain_runs_end_exactly_at_quotes_backslashes_and_control_characters() {
        for byte in 0..=255u8 {
            for at in 0..8 {
                let mut bytes = *b"abcdefgh";
                bytes[at] = byte;
                let ends = byte == b'"' || byte == b'\\' || byte < 0x20;
                let flags = run_ends(u64::from_le_bytes(bytes));
                assert_eq!(flags != 0, ends, "{byte:#x} at {at}");
                if ends {
                    assert_eq!(flags.trailing_zeros() / 8, at as u32, "{byte:#x} at {at}");
                }
                // Beside bytes of every other kind, and before a second ending byte.
                let mut mixed = [0xE4, 0xB8, 0xAD, 0x7F, 0x80, 0xFF, 0x21, 0x5D];
                mixed[at] = byte;
                let flags = run_ends(u64::from_le_bytes(mixed));
                assert_eq!(flags != 0, ends);
                if ends {
                    assert_eq!(flags.trailing_zeros() / 8, at as u32);
                }
                let mut two = [b'a'; 8];
                two[at] = byte;
                two[7] = b'"';
                let first = if ends { at } else { 7 };
                assert_eq!(
                    run_ends(u64::from_le_bytes(two)).trailing_zeros() / 8,
                    first as u32
                );
            }
        }
    }

    #[test]
    fn keys_compared_as_words_are_whole_keys() {
        let padding = " ".repeat(20);
        for (text, clean) in [
            // In the table's order, out of it, and too near the end to load a word.
            (r#"{"id":"x","code":460,"message":null}"#, true),
            (r#"{"message":null,"code":460,"id":"x"}"#, true),
            (r#"{"code":460}"#, true),
            // A longer key that starts with the expected name, a shorter one it starts with,
            // and the name escaped.
            (r#"{"id":"x","codeX":460}"#, false),
            (r#"{"id":"x","cod":460}"#, false),
            (r#"{"id":"x","c\u006fde":460}"#, false),
            (r#"{"id":"x","code":460,"code":460}"#, false),
        ] {
            let text = format!("{text}{padding}");
            assert_eq!(response(&text).is_some(), clean, "{text}");
        }
        assert!(
            REQUEST
                .iter()
                .chain(SYSTEM_PARAMS)
                .chain(PARAMS)
                .chain(RESPONSE)
                .chain(ORDER)
                .all(|m| (1..=16).contains(&m.name.len())),
            "every name fits a word"
        );
    }

    #[test]
    fn integers_are_read_exactly_to_the_limits() {
        let read = |text: &str| {
            let mut scanner = Scanner {
                text,
                bytes: text.as_bytes(),
                pos: 0,
                found: Found::default(),
            };
            scanner.integer().map(|n| (n, scanner.pos))
        };
        assert_eq!(read("0,"), Some((0, 1)));
        assert_eq!(read("-7}"), Some((-7, 2)));
        assert_eq!(read("2147483648"), Some((2_147_483_648, 10)));
        assert_eq!(
            read("-9223372036854775809"),
            Some((-9_223_372_036_854_775_809, 20))
        );
        assert_eq!(read("18446744073709551615"), Some((u64::MAX.into(), 20)));
        for bad in [
            "18446744073709551616",
            "99999999999999999999",
            "-18446744073709551616",
            "",
            "-",
            "-0",
            "00",
            "01",
            "1.0",
            "1e2",
            "1E2",
            "x",
        ] {
            assert_eq!(read(bad), None, "{bad}");
        }
    }

    #[test]
    fn gives_up_on_what_it_does_not_handle() {
        let ok = r#"{"code": 460, "message": "a\"b\u00e9\ud83d\ude00\/", "data": null}"#;
        assert!(response(ok).is_some());
        for bad in [
            r#"{"code": 460, "message": "\ud83d"}"#,
            r#"{"code": 460, "message": "\ude00\ud83d"}"#,
            r#"{"code": 460, "message": "\ud83d\u0041"}"#,
            r#"{"code": 460, "message": "\u+041"}"#,
            r#"{"code": 460, "message": "\x41"}"#,
            r#"{"code": 460, "message": "tab	here"}"#,
            r#"{"code": 460.0}"#,
            r#"{"code": -0}"#,
            r#"{"code": 0460}"#,
            r#"{"code": 1e2}"#,
            r#"{"code": 460, "code": 460}"#,
            r#"{"code": 460, "extra": 1}"#,
            r#"{"c\u006fde": 460}"#,
            r#"{"code": 460,}"#,
            r#"{"code": 460} x"#,
            r#"{"code": null}"#,
            r#"{"code": 460, "data": []}"#,
            r#"{"code": 2147483648}"#,
            r#"{"code": -2147483649}"#,
            r#"{"message": "no code"}"#,
            r#"["code"]"#,
        ] {
            assert!(response(bad).is_none(), "{bad}");
        }
    }
}
