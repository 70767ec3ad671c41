//! HTTP Archive (HAR 1.2) files: the `order/get` calls they hold, and where each body sits in
//! the file.
//!
//! A HAR is JSON: `log.entries[]`, each with `request.url`, `request.method`,
//! `request.postData.text` and `response.content.text` (base64 when `response.content.encoding`
//! is `"base64"`). The bodies are JSON strings inside the HAR, so a position within a body maps
//! back to the file through the string's escapes; a base64 body maps to the start of its string.

use std::fmt;

use serde_json::Value;

use crate::error::Error;
use crate::text::{self, Limits, Spans};

/// Which body of a HAR entry a payload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// `request.postData.text`.
    Request,
    /// `response.content.text`.
    Response,
}

impl Side {
    /// `request` or `response`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Request => "request",
            Side::Response => "response",
        }
    }
}

/// A body inside a HAR file: `entries[index].side`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Entry {
    /// The index in `log.entries`.
    pub index: usize,
    /// Which body.
    pub side: Side,
}

impl Entry {
    /// The `side` body of `log.entries[index]`.
    pub fn new(index: usize, side: Side) -> Entry {
        Entry { index, side }
    }
}

impl fmt::Display for Entry {
    /// `entries[3].response`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "entries[{}].{}", self.index, self.side.as_str())
    }
}

/// The path every checked call ends with.
pub const ENDPOINT: &str = "/vision/customer/cloudstorage/order/get";

/// A request or response body taken out of a HAR.
#[derive(Debug)]
#[non_exhaustive]
pub struct Body {
    /// Which body of which entry.
    pub entry: Entry,
    /// The body's bytes, decoded.
    pub bytes: Vec<u8>,
    /// Offset in the HAR of the body's string (its opening quote), or of the object that lacks
    /// one.
    pub anchor: usize,
    /// Whether `bytes` is exactly the string at `anchor`, so that offsets map through its
    /// escapes (not for base64 or a missing body).
    pub literal: bool,
}

/// One `order/get` call: its request and response bodies.
#[derive(Debug)]
#[non_exhaustive]
pub struct Call {
    /// The request body.
    pub request: Body,
    /// The response body.
    pub response: Body,
    /// The entry's `startedDateTime`, as written, when it is a string.
    pub started: Option<String>,
}

/// The calls of a HAR, and how many entries were not `order/get` calls.
#[derive(Debug)]
#[non_exhaustive]
pub struct Calls {
    /// The calls, in entry order.
    pub calls: Vec<Call>,
    /// Entries that are not `order/get` calls (other URLs, CORS preflights).
    pub skipped: usize,
}

/// Reads the `order/get` calls of a HAR file's bytes.
///
/// # Errors
///
/// When the file is not JSON, has no `log.entries` array, or holds a base64 body that does not
/// decode. `name` names the file in the message.
pub fn calls(name: &str, bytes: &[u8]) -> Result<Calls, Error> {
    let limits = Limits {
        max_bytes: usize::MAX,
        max_depth: 256,
    };
    let parsed = text::parse(bytes, &limits).map_err(|e| {
        let (offset, what) = match e {
            text::TextError::Syntax { offset, message } => (offset, message),
            text::TextError::InvalidUtf8 { offset } => (offset, "invalid UTF-8".to_owned()),
            text::TextError::TrailingData { offset } => {
                (offset, "data after the JSON value".to_owned())
            }
            text::TextError::TooDeep { offset, max } => {
                (offset, format!("nesting deeper than {max} levels"))
            }
            text::TextError::Empty => (0, "the file is empty".to_owned()),
            text::TextError::TooLarge { len, max } => {
                (0, format!("{len} bytes, over the limit of {max}"))
            }
        };
        let at = crate::position::LineIndex::new(bytes).position(offset);
        Error::usage(format!(
            "`{name}` is not a HAR file: {what} at line {}, column {}",
            at.line, at.column
        ))
    })?;
    let Some(entries) = parsed
        .value
        .pointer("/log/entries")
        .and_then(Value::as_array)
    else {
        return Err(Error::usage(format!(
            "`{name}` is not a HAR file: no `log.entries` array"
        )));
    };
    let mut out = Calls {
        calls: Vec::new(),
        skipped: 0,
    };
    for (index, entry) in entries.iter().enumerate() {
        let url = entry
            .pointer("/request/url")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let method = entry
            .pointer("/request/method")
            .and_then(Value::as_str)
            .unwrap_or_default();
        // A browser's CORS preflight goes to the same URL without a body: not a call.
        if !is_endpoint(url) || method.eq_ignore_ascii_case("OPTIONS") {
            out.skipped += 1;
            continue;
        }
        let base = format!("/log/entries/{index}");
        let request = body(
            name,
            entry,
            &parsed.spans,
            Entry {
                index,
                side: Side::Request,
            },
            &format!("{base}/request"),
            "postData",
        )?;
        let response = body(
            name,
            entry,
            &parsed.spans,
            Entry {
                index,
                side: Side::Response,
            },
            &format!("{base}/response"),
            "content",
        )?;
        let started = entry
            .get("startedDateTime")
            .and_then(Value::as_str)
            .map(str::to_owned);
        out.calls.push(Call {
            request,
            response,
            started,
        });
    }
    Ok(out)
}

/// Whether a URL's path is the endpoint's (whatever the host, query or fragment).
pub fn is_endpoint(url: &str) -> bool {
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => url,
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    path.trim_end_matches('/').ends_with(ENDPOINT)
}

/// The body under `side` (`/log/entries/N/request`), in its `holder` (`postData` or `content`).
fn body(
    name: &str,
    entry_value: &Value,
    spans: &Spans,
    entry: Entry,
    side: &str,
    holder: &str,
) -> Result<Body, Error> {
    let local = side.rsplit('/').next().unwrap_or_default();
    let text_pointer = format!("{side}/{holder}/text");
    let text = entry_value
        .pointer(&format!("/{local}/{holder}/text"))
        .and_then(Value::as_str);
    let base64 = entry_value
        .pointer(&format!("/{local}/{holder}/encoding"))
        .and_then(Value::as_str)
        .is_some_and(|e| e.eq_ignore_ascii_case("base64"));
    let Some(text) = text else {
        // No body recorded: an empty payload, reported as such, at the request or response.
        return Ok(Body {
            entry,
            bytes: Vec::new(),
            anchor: spans.value(side).unwrap_or(0),
            literal: false,
        });
    };
    let anchor = spans.value(&text_pointer).unwrap_or(0);
    if base64 {
        let bytes = decode_base64(text).ok_or_else(|| {
            Error::usage(format!(
                "`{name}`: {entry} is marked base64 but does not decode"
            ))
        })?;
        return Ok(Body {
            entry,
            bytes,
            anchor,
            literal: false,
        });
    }
    Ok(Body {
        entry,
        bytes: text.as_bytes().to_vec(),
        anchor,
        literal: true,
    })
}

/// The offset in the HAR of the byte at `offset` in the decoded string whose opening quote is
/// at `literal` in `har`: walks the string's escapes.
pub fn raw_offset(har: &[u8], literal: usize, offset: usize) -> usize {
    let mut raw = literal + 1;
    let mut decoded = 0;
    while decoded < offset {
        match har.get(raw) {
            None | Some(b'"') => break,
            Some(b'\\') => match har.get(raw + 1) {
                Some(b'u') => {
                    let unit = hex4(har, raw + 2);
                    let (len, consumed) = match unit {
                        Some(0xD800..=0xDBFF) if har.get(raw + 6..raw + 8) == Some(b"\\u") => {
                            (4, 12)
                        }
                        Some(u) if u < 0x80 => (1, 6),
                        Some(u) if u < 0x800 => (2, 6),
                        _ => (3, 6),
                    };
                    decoded += len;
                    raw += consumed;
                }
                _ => {
                    decoded += 1;
                    raw += 2;
                }
            },
            Some(_) => {
                decoded += 1;
                raw += 1;
            }
        }
    }
    raw
}

fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = std::str::from_utf8(bytes.get(at..at + 4)?).ok()?;
    u32::from_str_radix(digits, 16).ok()
}

/// Decodes standard base64 (RFC 4648), ignoring whitespace, with or without padding.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut padding = false;
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding = true;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        if padding {
            return None;
        }
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls() {
        assert!(is_endpoint(
            "https://api.link.aliyun.com/vision/customer/cloudstorage/order/get"
        ));
        assert!(is_endpoint(
            "https://h.example/vision/customer/cloudstorage/order/get?x=1#y"
        ));
        assert!(is_endpoint("/vision/customer/cloudstorage/order/get/"));
        assert!(!is_endpoint(
            "https://h.example/vision/customer/cloudstorage/order/list"
        ));
        assert!(!is_endpoint(
            "https://h.example/?next=/vision/customer/cloudstorage/order/get"
        ));
    }

    #[test]
    fn base64() {
        assert_eq!(decode_base64("eyJhIjoxfQ==").unwrap(), br#"{"a":1}"#);
        assert_eq!(decode_base64("eyJhIjoxfQ").unwrap(), br#"{"a":1}"#);
        assert_eq!(decode_base64("eyJh\nIjoxfQ==").unwrap(), br#"{"a":1}"#);
        assert_eq!(decode_base64("5Lit").unwrap(), "中".as_bytes());
        assert!(decode_base64("eyJ*").is_none());
        assert!(decode_base64("eQ==eQ").is_none());
    }

    #[test]
    fn offsets_map_through_escapes() {
        let har = r#"{"text": "{\"a\":\n\"\u00e9\ud83d\ude00中x\"}"}"#;
        let literal = har.find("\"{").unwrap();
        let decoded: String = serde_json::from_str(&har[literal..har.len() - 1]).unwrap();
        for (i, c) in decoded.char_indices() {
            let raw = raw_offset(har.as_bytes(), literal, i);
            let len = escape_len(&har[raw..]);
            let got: String =
                serde_json::from_str(&format!("\"{}\"", &har[raw..raw + len])).unwrap();
            assert_eq!(got, c.to_string(), "offset {i}");
        }
        assert_eq!(
            raw_offset(har.as_bytes(), literal, decoded.len()),
            har.len() - 2
        );
    }

    /// The length of the first (possibly escaped) char of a JSON string's raw text.
    fn escape_len(raw: &str) -> usize {
        if raw.starts_with("\\u") {
            if raw[6..].starts_with("\\u")
                && (0xD800..0xDC00).contains(&hex4(raw.as_bytes(), 2).unwrap())
            {
                12
            } else {
                6
            }
        } else if raw.starts_with('\\') {
            2
        } else {
            raw.chars().next().unwrap().len_utf8()
        }
    }

    #[test]
    fn calls_and_skips() {
        let har = r#"{"log": {"entries": [
  {"request": {"method": "POST", "url": "https://a/vision/customer/cloudstorage/order/get",
     "postData": {"text": "{\"params\": {}}"}},
   "response": {"content": {"text": "eyJjb2RlIjoyMDB9", "encoding": "base64"}}},
  {"request": {"method": "OPTIONS", "url": "https://a/vision/customer/cloudstorage/order/get"}, "response": {}},
  {"request": {"method": "GET", "url": "https://a/other"}, "response": {}}
]}}"#;
        let calls = calls("x.har", har.as_bytes()).unwrap();
        assert_eq!(calls.skipped, 2);
        assert_eq!(calls.calls.len(), 1);
        let call = &calls.calls[0];
        assert_eq!(call.request.bytes, br#"{"params": {}}"#);
        assert!(call.request.literal);
        assert_eq!(&har[call.request.anchor..call.request.anchor + 3], "\"{\\");
        assert_eq!(call.response.bytes, br#"{"code":200}"#);
        assert!(!call.response.literal);
        assert!(super::calls("x.har", b"{}").is_err());
        assert!(super::calls("x.har", b"{").is_err());
    }
}
