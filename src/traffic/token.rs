//! The value at an offset the walk recorded, read back as far as a profile needs it: its JSON
//! type, and a scalar's text. Only the few members a profile looks into are read back, each a
//! single token of a text the walk has already accepted; nothing is parsed twice.

use std::borrow::Cow;

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

    /// Its JSON type, as JSON Schema names it: a number with no fractional part, however
    /// written, is an `integer`.
    pub(crate) fn json_type(&self) -> &'static str {
        match self {
            Token::Null => "null",
            Token::Boolean(_) => "boolean",
            Token::Number(n) => {
                let whole = !n.contains(['.', 'e', 'E'])
                    || n.parse::<f64>()
                        .is_ok_and(|f| f.is_finite() && f.fract() == 0.0);
                if whole { "integer" } else { "number" }
            }
            Token::String(_) => "string",
            Token::Array => "array",
            Token::Object => "object",
        }
    }

    /// The value as a key of a profile's value tables: its JSON text, so that the string
    /// `"1"` and the number `1` stay apart. A string is quoted as JSON quotes it, a number is
    /// as written, an array or object is `[…]` or `{…}`.
    pub(crate) fn key(&self) -> Cow<'a, str> {
        match self {
            Token::Null => Cow::Borrowed("null"),
            Token::Boolean(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Token::Number(n) => Cow::Borrowed(n),
            Token::String(s) if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) => {
                let mut quoted = String::with_capacity(s.len() + 2);
                quoted.push('"');
                quoted.push_str(s);
                quoted.push('"');
                Cow::Owned(quoted)
            }
            Token::String(s) => Cow::Owned(serde_json::Value::from(s.as_ref()).to_string()),
            Token::Array => Cow::Borrowed("[…]"),
            Token::Object => Cow::Borrowed("{…}"),
        }
    }
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
                .map(|t| t.key().into_owned())
                .as_deref(),
            Some(r#""x\"y""#)
        );
        assert_eq!(
            Token::at(text, at("\"b\": "))
                .map(|t| t.key().into_owned())
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
