//! JSON Pointers (RFC 6901): every place this crate builds, reads or walks one.
//!
//! A pointer is a string of reference tokens, each `/` and a name with `~` written `~0` and
//! `/` written `~1`. The empty pointer is the whole document.

use std::borrow::Cow;

use serde_json::Value;

/// Appends `/` and `name`, escaped as a reference token, to `pointer`.
pub(crate) fn push_token(pointer: &mut String, name: &str) {
    pointer.push('/');
    if !name.contains(['~', '/']) {
        pointer.push_str(name);
        return;
    }
    for c in name.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// The pointer of the member `name` of the value at `parent`.
pub(crate) fn child(parent: &str, name: &str) -> String {
    let mut pointer = String::with_capacity(parent.len() + 1 + name.len());
    pointer.push_str(parent);
    push_token(&mut pointer, name);
    pointer
}

/// Decodes a reference token (`~1` is `/`, `~0` is `~`); `None` if it is malformed.
pub(crate) fn unescape_token(token: &str) -> Option<Cow<'_, str>> {
    if !token.contains('~') {
        return Some(token.into());
    }
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        match c {
            '~' => match chars.next()? {
                '0' => out.push('~'),
                '1' => out.push('/'),
                _ => return None,
            },
            c => out.push(c),
        }
    }
    Some(out.into())
}

/// The last reference token of a pointer, decoded: the member's name.
pub(crate) fn last_segment(pointer: &str) -> String {
    let raw = pointer.rsplit('/').next().unwrap_or_default();
    unescape_token(raw).map_or_else(|| raw.to_owned(), Cow::into_owned)
}

/// The pointer of the value that holds the one `pointer` names ("" for a top-level member).
pub(crate) fn parent(pointer: &str) -> &str {
    pointer.rsplit_once('/').map_or("", |(p, _)| p)
}

/// Whether `pointer` names `ancestor` or a value inside it.
pub(crate) fn is_within(pointer: &str, ancestor: &str) -> bool {
    pointer
        .strip_prefix(ancestor)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Parses an array index: `0` or digits without a leading zero.
pub(crate) fn array_index(token: &str) -> Option<usize> {
    let digits = token.bytes().all(|b| b.is_ascii_digit());
    if token.is_empty() || !digits || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    token.parse().ok()
}

/// The value at `pointer`, like [`Value::pointer`] but without allocating for a pointer with no
/// escapes.
pub(crate) fn at<'v>(value: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.contains('~') {
        return value.pointer(pointer);
    }
    let Some(tokens) = pointer.strip_prefix('/') else {
        return pointer.is_empty().then_some(value);
    };
    tokens
        .split('/')
        .try_fold(value, |target, token| match target {
            Value::Object(map) => map.get(token),
            Value::Array(items) => items.get(array_index(token)?),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        for name in ["plain", "a/b", "a~b", "~1", "/~0/", "", "中文"] {
            let pointer = child("/data", name);
            assert_eq!(last_segment(&pointer), name, "{pointer}");
            assert_eq!(parent(&pointer), "/data");
        }
        assert_eq!(child("", "a/b~c"), "/a~1b~0c");
        assert_eq!(unescape_token("~2"), None);
        assert_eq!(unescape_token("~"), None);
    }

    #[test]
    fn within_is_by_whole_tokens() {
        assert!(is_within("/data/status", "/data"));
        assert!(is_within("/data", "/data"));
        assert!(is_within("/data", ""));
        assert!(!is_within("/dataX", "/data"));
        assert!(!is_within("/dat", "/data"));
    }

    #[test]
    fn indexes_and_lookups() {
        assert_eq!(array_index("0"), Some(0));
        assert_eq!(array_index("12"), Some(12));
        for bad in ["", "01", "-1", "1a"] {
            assert_eq!(array_index(bad), None, "{bad}");
        }
        let v = serde_json::json!({"a": [1, {"b/c": 2, "d~e": 3}]});
        assert_eq!(at(&v, "/a/1/b~1c"), Some(&serde_json::json!(2)));
        assert_eq!(at(&v, "/a/1/d~0e"), Some(&serde_json::json!(3)));
        assert_eq!(at(&v, "/a/01"), None);
        assert_eq!(at(&v, ""), Some(&v));
        assert_eq!(at(&v, "a"), None);
    }
}
