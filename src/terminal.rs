//! Text made safe for a terminal or a CI log: the characters that a terminal would act on, or
//! that would reorder what a reader sees, are shown escaped instead.
//!
//! Text from a payload or a file name is untrusted. Written raw, an escape sequence in a key
//! could recolour, retitle or rewrite the terminal of whoever reads `check`'s output, and a bidi
//! control could make a reviewer read something else than what is there. So the human and github
//! formats and the `error:` lines pass such text through [`escape`]: every C0 and C1 control
//! character, DEL, and every Unicode bidi control (and the line and paragraph separators) is
//! written as `\u{1b}`, as Rust's `char::escape_unicode` does. Everything else, including a
//! backslash, is kept as it is.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is shown escaped: C0 and C1 controls, DEL, the bidi controls (ALM, LRM, RLM,
/// LRE…RLO, LRI…PDI) and the line and paragraph separators.
pub fn is_unsafe(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// `text` with every [unsafe](is_unsafe) character escaped; borrowed when there is none.
pub fn escape(text: &str) -> Cow<'_, str> {
    match text.find(is_unsafe) {
        None => Cow::Borrowed(text),
        Some(first) => {
            let mut out = String::with_capacity(text.len() + 8);
            out.push_str(&text[..first]);
            for c in text[first..].chars() {
                push(&mut out, c);
            }
            Cow::Owned(out)
        }
    }
}

/// Appends `c` to `out`, escaped if it is [unsafe](is_unsafe); returns the chars written.
pub(crate) fn push(out: &mut String, c: char) -> usize {
    if is_unsafe(c) {
        let before = out.len();
        let _ = write!(out, "{}", c.escape_unicode());
        // The escape is ASCII: its bytes are its chars.
        out.len() - before
    } else {
        out.push(c);
        1
    }
}

/// `error` and its causes, each once: `message: cause: cause`, [made safe](escape) for
/// a terminal, since an error names a file and a file's name is untrusted.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    escape(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_escaped() {
        assert_eq!(
            escape("\u{1b}[31mEVIL\u{1b}[0m"),
            "\\u{1b}[31mEVIL\\u{1b}[0m"
        );
        assert_eq!(escape("\u{1b}]0;title\u{7}"), "\\u{1b}]0;title\\u{7}");
        assert_eq!(escape("a\tb\r\nc\0"), "a\\u{9}b\\u{d}\\u{a}c\\u{0}");
        assert_eq!(escape("del\u{7f} csi\u{9b}"), "del\\u{7f} csi\\u{9b}");
        assert_eq!(
            escape("x\u{202e}y\u{2066}\u{2069}\u{200f}\u{61c}\u{2028}"),
            "x\\u{202e}y\\u{2066}\\u{2069}\\u{200f}\\u{61c}\\u{2028}"
        );
    }

    #[test]
    fn safe_text_is_borrowed_and_kept() {
        for text in [
            "",
            "plain",
            "订单 \\u{1b} é \u{a0} 😀",
            "\u{2030}\u{2065}\u{206a}",
        ] {
            assert!(
                matches!(escape(text), Cow::Borrowed(t) if t == text),
                "{text}"
            );
        }
    }

    #[test]
    fn exactly_the_listed_characters_are_unsafe() {
        let unsafe_chars: Vec<u32> = (0..=0x3000)
            .filter_map(char::from_u32)
            .filter(|&c| is_unsafe(c))
            .map(u32::from)
            .collect();
        let mut expected: Vec<u32> = (0..=0x1f).chain(0x7f..=0x9f).collect();
        expected.extend([0x61c, 0x200e, 0x200f]);
        expected.extend(0x2028..=0x202e);
        expected.extend(0x2066..=0x2069);
        assert_eq!(unsafe_chars, expected);
        let mut out = String::new();
        assert_eq!(push(&mut out, '\u{1b}'), 6);
        assert_eq!(push(&mut out, 'é'), 1);
        assert_eq!(out, "\\u{1b}é");
    }

    #[test]
    fn a_chain_prints_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = crate::Error::io("in/a.json", io);
        assert_eq!(e.to_string(), "`in/a.json`");
        let source = std::error::Error::source(&e).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("no such file"));
        assert_eq!(chain(&e), "`in/a.json`: no such file");
        assert_eq!(chain(&crate::Error::usage("bad")), "bad");
    }

    #[test]
    fn a_chain_is_safe_for_a_terminal() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone\u{7}");
        let e = crate::Error::io("in/\u{1b}]0;owned\u{7}\u{202e}.json", io);
        assert_eq!(
            chain(&e),
            "`in/\\u{1b}]0;owned\\u{7}\\u{202e}.json`: gone\\u{7}"
        );
    }
}
