//! Credentials masked in payload text, for recordings that may be shared.
//!
//! A recording of live traffic holds the requests' `iotToken` and `cloudToken`. Masking
//! replaces each credential's value in the text, byte for byte, by a value of the same JSON
//! type and the same length: a string by a string of `*`, a number by `0` padded with spaces,
//! and the strings and numbers inside a token sent as an array or an object likewise. Every
//! other byte stays where it was, so the masked text gets the same verdict as the original, at
//! the same lines and columns.
//!
//! The text is scanned once, without recursion, and need not be valid JSON: what can be
//! recognised as a credential is masked, the rest is left as it is.

use std::borrow::Cow;

use crate::message::is_credential;

/// The text with every credential's value masked; borrowed when there is none.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::mask_credentials;
///
/// let text = br#"{"request": {"apiVer": "1.0.6", "iotToken": "secret"}, "params": {}}"#;
/// let masked = mask_credentials(text);
/// assert_eq!(
///     &masked[..],
///     br#"{"request": {"apiVer": "1.0.6", "iotToken": "******"}, "params": {}}"#
/// );
/// assert_eq!(masked.len(), text.len());
///
/// // Nothing to mask: the same bytes, not copied.
/// let plain = br#"{"code": 200}"#;
/// assert!(matches!(mask_credentials(plain), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn mask_credentials(text: &[u8]) -> Cow<'_, [u8]> {
    let mut masked: Option<Vec<u8>> = None;
    let mut scanner = Scanner::default();
    let mut at = 0;
    while at < text.len() {
        let byte = text[at];
        match byte {
            b'{' | b'[' => {
                let mask = scanner.value_starts();
                scanner.frames.push(Frame {
                    object: byte == b'{',
                    key: None,
                    expecting_key: byte == b'{',
                });
                if mask && scanner.masking_from.is_none() {
                    scanner.masking_from = Some(scanner.frames.len());
                }
                at += 1;
            }
            b'}' | b']' => {
                if scanner.masking_from == Some(scanner.frames.len()) {
                    scanner.masking_from = None;
                }
                scanner.frames.pop();
                at += 1;
            }
            b',' => {
                if let Some(frame) = scanner.frames.last_mut() {
                    frame.expecting_key = frame.object;
                }
                at += 1;
            }
            b':' => {
                if let Some(frame) = scanner.frames.last_mut() {
                    frame.expecting_key = false;
                }
                at += 1;
            }
            b'"' => {
                let end = string_end(text, at);
                let is_key = scanner.frames.last().is_some_and(|f| f.expecting_key);
                if is_key {
                    let key = key_text(&text[at..end]);
                    if let Some(frame) = scanner.frames.last_mut() {
                        frame.key = Some(key);
                    }
                } else {
                    // The content between the quotes; an unterminated string to the end.
                    let closed = end - at >= 2 && text[end - 1] == b'"';
                    let close = if closed { end - 1 } else { end };
                    if close > at + 1 && scanner.value_starts() {
                        let out = masked.get_or_insert_with(|| text.to_vec());
                        out[at + 1..close].fill(b'*');
                    }
                }
                at = end;
            }
            b' ' | b'\t' | b'\n' | b'\r' => at += 1,
            _ => {
                let end = text[at..]
                    .iter()
                    .position(|b| b" \t\n\r,:[]{}\"".contains(b))
                    .map_or(text.len(), |n| at + n);
                let is_number = byte == b'-' || byte.is_ascii_digit();
                if scanner.value_starts() && is_number {
                    let out = masked.get_or_insert_with(|| text.to_vec());
                    out[at] = b'0';
                    out[at + 1..end].fill(b' ');
                }
                at = end;
            }
        }
    }
    masked.map_or(Cow::Borrowed(text), Cow::Owned)
}

/// One open object or array.
struct Frame {
    object: bool,
    /// An object's latest key, decoded.
    key: Option<String>,
    /// Whether the next string is a key.
    expecting_key: bool,
}

#[derive(Default)]
struct Scanner {
    frames: Vec<Frame>,
    /// The depth of the credential being masked, while inside one.
    masking_from: Option<usize>,
}

impl Scanner {
    /// Whether the value that starts here is (or lies inside) a credential.
    fn value_starts(&self) -> bool {
        if self.masking_from.is_some() {
            return true;
        }
        // Credentials are members of members of the top level: `/request/iotToken`.
        let [outer, inner] = &self.frames[..] else {
            return false;
        };
        let (Some(outer), Some(inner)) = (outer.key.as_deref(), inner.key.as_deref()) else {
            return false;
        };
        is_credential(&format!("/{}/{}", escape(outer), escape(inner)))
    }
}

/// A JSON Pointer segment.
fn escape(key: &str) -> Cow<'_, str> {
    if key.contains(['~', '/']) {
        Cow::Owned(key.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(key)
    }
}

/// The end of the string token that starts at `start` (a quote): just past its closing quote,
/// or the end of the text.
fn string_end(text: &[u8], start: usize) -> usize {
    let mut at = start + 1;
    while at < text.len() {
        match text[at] {
            b'\\' => at += 2,
            b'"' => return at + 1,
            _ => at += 1,
        }
    }
    text.len()
}

/// A key token decoded; undecodable keys (broken escapes) as their raw text, which no
/// credential's name matches.
fn key_text(token: &[u8]) -> String {
    serde_json::from_slice::<String>(token)
        .unwrap_or_else(|_| String::from_utf8_lossy(token).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options, Validator};

    fn mask(text: &str) -> String {
        String::from_utf8(mask_credentials(text.as_bytes()).into_owned()).expect("utf-8")
    }

    #[test]
    fn strings_numbers_and_containers() {
        assert_eq!(
            mask(r#"{"request":{"iotToken":"abc","cloudToken":12.5e3}}"#),
            r#"{"request":{"iotToken":"***","cloudToken":0     }}"#
        );
        assert_eq!(
            mask(r#"{"request":{"iotToken":["ab",{"x":-1}],"apiVer":"1.0.6"}}"#),
            r#"{"request":{"iotToken":["**",{"x":0 }],"apiVer":"1.0.6"}}"#
        );
        // Escaped key names are credentials too; escaped content is masked whole.
        assert_eq!(
            mask(r#"{"request":{"iot\u0054oken":"a\"b"}}"#),
            r#"{"request":{"iot\u0054oken":"****"}}"#
        );
        // Duplicates are masked, every one.
        assert_eq!(
            mask(r#"{"request":{"iotToken":"a","iotToken":"b"}}"#),
            r#"{"request":{"iotToken":"*","iotToken":"*"}}"#
        );
    }

    #[test]
    fn other_places_are_untouched() {
        for text in [
            r#"{"params":{"iotToken":"visible"}}"#,
            r#"{"iotToken":"top"}"#,
            r#"[{"request":{"iotToken":"in an array"}}]"#,
            r#"{"request":{"nested":{"iotToken":"deeper"}}}"#,
            r#"{"request":{"iotToken":true,"cloudToken":null}}"#,
            r#"{"request":{"iotToken":""}}"#,
        ] {
            assert!(
                matches!(mask_credentials(text.as_bytes()), Cow::Borrowed(_)),
                "{text}"
            );
        }
    }

    #[test]
    fn broken_text_never_panics() {
        for text in [
            r#"{"request":{"iotToken":"unterminated"#,
            r#"{"request":{"iotToken":"#,
            r#"{"request":{"iotToken":"\"#,
            r#"}}]]{"request""#,
            r#"{"request":{"iotToken":12"#,
            "\"",
            "",
        ] {
            let masked = mask_credentials(text.as_bytes());
            assert_eq!(masked.len(), text.len(), "{text}");
            assert!(!String::from_utf8_lossy(&masked).contains("unterminated"));
        }
        let deep = "[".repeat(100_000);
        assert_eq!(mask_credentials(deep.as_bytes()).len(), deep.len());
    }

    #[test]
    fn the_verdict_is_kept() -> Result<(), crate::Error> {
        let validator = Validator::new(Options::default())?;
        for seed in 0..200 {
            for sample in [
                crate::sample::conforming(crate::Kind::Request, seed),
                crate::sample::near_miss(crate::Kind::Request, seed),
            ] {
                let masked = mask_credentials(sample.text.as_bytes());
                let before = validator.validate_request(sample.text.as_bytes());
                let after = validator.validate_request(&masked);
                let summary = |r: &crate::Report| {
                    r.diagnostics()
                        .iter()
                        .map(|d| (d.rule(), d.pointer().to_owned(), d.position()))
                        .collect::<Vec<_>>()
                };
                assert_eq!(summary(&before), summary(&after), "{}", sample.text);
            }
        }
        Ok(())
    }
}
