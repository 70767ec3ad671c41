//! JSON strings byte by byte: where a run of bytes that needs no escape ends, for the engine
//! that reads them and the reports that write them.

/// The bytes of `word` that end a plain run of a string: `"`, `\\` or a control character,
/// as the high bit of each byte (SWAR). The lowest flag is exact; no flag means no such byte.
fn run_ends(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_in = |w: u64| w.wrapping_sub(ONES) & !w;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let below_space = word.wrapping_sub(ONES * 0x20) & !word;
    (zero_in(quote) | zero_in(backslash) | below_space) & HIGH
}

/// The offset of the first byte at or after `pos` that ends a plain run of a string, or the
/// end of `bytes`: eight bytes at a time, then byte by byte near the end.
pub(crate) fn run_end(bytes: &[u8], mut pos: usize) -> usize {
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

/// Appends `s` as a JSON string, byte for byte as serde_json writes it: `"`, `\\` and the
/// control characters escaped, everything else (DEL and all non-ASCII) as it is. Plain runs
/// are copied whole.
pub(crate) fn push(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut at = 0;
    loop {
        let end = run_end(bytes, at);
        out.extend_from_slice(&bytes[at..end]);
        let Some(&b) = bytes.get(end) else { break };
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]),
        }
        at = end + 1;
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn strings_are_written_as_serde_json_writes_them() {
        let mut every_byte: String = (0u8..0x80).map(char::from).collect();
        every_byte.push_str("é€😀\u{202e}\u{85}");
        for s in [
            "",
            "plain",
            "中文 text",
            "a\"b",
            "back\\slash",
            "tab\there\r\n",
            "\u{7f}\u{1b}[31m",
            "ends with a quote\"",
            &"x".repeat(40),
            &every_byte,
        ] {
            let mut out = Vec::new();
            push(&mut out, s);
            assert_eq!(out, serde_json::to_vec(s).expect("a string"), "{s:?}");
        }
    }
}
