//! The value at an offset the walk recorded, read back as far as a profile needs it: its JSON
//! type, and a scalar's text. Only the few members a profile looks into are read back, each a
//! single token of a text the walk has already accepted; nothing is parsed twice.

use std::borrow::Cow;

use crate::engine::Note;

/// The JSON types, as JSON Schema names them, by [`Token::type_index`].
pub(crate) const TYPES: [&str; 7] = [
    "null", "boolean", "integer", "number", "string", "array", "object",
];

/// The index of `null` in [`TYPES`].
pub(crate) const NULL: usize = 0;

/// The indices of the other types in [`TYPES`], as [`Types::index`](crate::contract::Types)
/// numbers them too.
pub(crate) const BOOLEAN: usize = 1;
pub(crate) const INTEGER: usize = 2;
pub(crate) const NUMBER: usize = 3;
pub(crate) const STRING: usize = 4;
pub(crate) const ARRAY: usize = 5;
pub(crate) const OBJECT: usize = 6;

/// The value starting at an offset.
pub(crate) enum Token<'a> {
    Null,
    Boolean(bool),
    /// A number as written.
    Number(&'a str),
    /// A string, decoded.
    String(Cow<'a, str>),
    Array,
    Object,
}

impl<'a> Token<'a> {
    /// The value starting at `offset` in `text`, a JSON text the walk accepted.
    #[inline]
    pub(crate) fn at(text: &'a str, offset: usize) -> Option<Token<'a>> {
        let bytes = text.as_bytes();
        Some(match *bytes.get(offset)? {
            b'n' => Token::Null,
            b't' => Token::Boolean(true),
            b'f' => Token::Boolean(false),
            b'[' => Token::Array,
            b'{' => Token::Object,
            b'"' => {
                let mut i = offset + 1;
                let mut escaped = false;
                loop {
                    // The walk accepted the string: a run ends at a quote or a backslash.
                    i = crate::json_string::run_end(bytes, i);
                    match *bytes.get(i)? {
                        b'"' => break,
                        b'\\' => {
                            escaped = true;
                            i += 2;
                        }
                        _ => i += 1,
                    }
                }
                let raw = text.get(offset + 1..i)?;
                if escaped {
                    let quoted = text.get(offset..=i)?;
                    Token::String(Cow::Owned(serde_json::from_str(quoted).ok()?))
                } else {
                    Token::String(Cow::Borrowed(raw))
                }
            }
            _ => {
                let end = bytes[offset..]
                    .iter()
                    .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .map_or(bytes.len(), |n| offset + n);
                Token::Number(text.get(offset..end)?)
            }
        })
    }

    /// The value starting at `start` in `text`, as the walk's `note` of it says where it ends,
    /// its JSON type and whether it has escapes: nothing is scanned again.
    #[inline]
    pub(crate) fn noted(text: &'a str, start: usize, note: &Note) -> Option<Token<'a>> {
        let end = note.end();
        Some(match note.json_type()? {
            NULL => Token::Null,
            BOOLEAN => Token::Boolean(text.as_bytes().get(start) == Some(&b't')),
            INTEGER | NUMBER => Token::Number(text.get(start..end)?),
            STRING if note.escaped() => Token::String(Cow::Owned(
                serde_json::from_str(text.get(start..end)?).ok()?,
            )),
            STRING => Token::String(Cow::Borrowed(text.get(start + 1..end.checked_sub(1)?)?)),
            ARRAY => Token::Array,
            _ => Token::Object,
        })
    }

    /// Its JSON type, as JSON Schema names it: a number with no fractional part, however
    /// written, is an `integer`.
    pub(crate) fn json_type(&self) -> &'static str {
        TYPES[self.type_index()]
    }

    /// Its JSON type as an index in [`TYPES`].
    #[inline]
    pub(crate) fn type_index(&self) -> usize {
        match self {
            Token::Null => NULL,
            Token::Boolean(_) => BOOLEAN,
            Token::Number(n) => {
                let whole = !n.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'))
                    || n.parse::<f64>()
                        .is_ok_and(|f| f.is_finite() && f.fract() == 0.0);
                if whole { INTEGER } else { NUMBER }
            }
            Token::String(_) => STRING,
            Token::Array => ARRAY,
            Token::Object => OBJECT,
        }
    }

    /// The value as a key of a profile's value tables: its JSON text, so that the string
    /// `"1"` and the number `1` stay apart. A string is quoted as JSON quotes it, a number is
    /// as written, an array or object is `[…]` or `{…}`.
    ///
    /// It is written in `scratch` when it has to be made: a lookup then allocates nothing once
    /// `scratch` is large enough.
    pub(crate) fn key_in<'s>(&'s self, scratch: &'s mut String) -> &'s str {
        match self {
            Token::Null => "null",
            Token::Boolean(b) => {
                if *b {
                    "true"
                } else {
                    "false"
                }
            }
            Token::Number(n) => n,
            Token::String(s) => {
                scratch.clear();
                if plain(s) {
                    scratch.push('"');
                    scratch.push_str(s);
                    scratch.push('"');
                } else {
                    scratch.push_str(&serde_json::Value::from(s.as_ref()).to_string());
                }
                scratch
            }
            Token::Array => "[…]",
            Token::Object => "{…}",
        }
    }
}

/// Whether a string is its own JSON text between quotes: nothing to escape.
fn plain(s: &str) -> bool {
    !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_one_token() {
        let text = r#"{"a": "x\"y", "b": 1.50, "c": [1], "d": 1e2}"#;
        let at = |k: &str| text.find(k).map(|i| i + k.len()).expect("present");
        assert_eq!(
            Token::at(text, at("\"a\": "))
                .map(|t| t.key_in(&mut String::new()).to_owned())
                .as_deref(),
            Some(r#""x\"y""#)
        );
        assert_eq!(
            Token::at(text, at("\"b\": "))
                .map(|t| t.key_in(&mut String::new()).to_owned())
                .as_deref(),
            Some("1.50")
        );
        assert_eq!(
            Token::at(text, at("\"c\": ")).map(|t| t.json_type()),
            Some("array")
        );
        assert_eq!(
            Token::at(text, at("\"d\": ")).map(|t| t.json_type()),
            Some("integer")
        );
        assert_eq!(
            Token::at(text, at("\"b\": ")).map(|t| t.json_type()),
            Some("number")
        );
    }
}
