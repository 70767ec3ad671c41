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

/// Whether any of sixteen bytes ends a plain run: one test for the whole block, which the
/// compiler turns into a few vector instructions. Flipping bit 1 maps `"` to a space and the
/// control characters among themselves, so that one comparison finds both. Inlined, so that
/// its constants stay in registers across a string's blocks.
#[inline(always)]
fn any_run_end(block: &[u8; 16]) -> bool {
    block
        .iter()
        .fold(false, |any, &b| any | ((b ^ 2) <= b' ') | (b == b'\\'))
}

/// The eight bytes of `bytes` from `at` as one word; `at + 8 <= bytes.len()`.
fn word_at(bytes: &[u8], at: usize) -> u64 {
    let mut eight = [0; 8];
    eight.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(eight)
}

/// Whether any byte of `bytes` ends a plain run: blocks of sixteen, the last one overlapping
/// the one before it; two words, the second overlapping the first, under sixteen bytes.
fn any_end(bytes: &[u8]) -> bool {
    let len = bytes.len();
    if let Some(last) = bytes.last_chunk::<16>() {
        let blocks = bytes.as_chunks::<16>().0;
        return blocks.iter().any(any_run_end) || any_run_end(last);
    }
    if len >= 8 {
        return (run_ends(word_at(bytes, 0)) | run_ends(word_at(bytes, len - 8))) != 0;
    }
    bytes.iter().any(|&b| b == b'"' || b == b'\\' || b < 0x20)
}

/// The offset of the first byte at or after `pos` that ends a plain run of `bytes`, a whole
/// string, or its length: a word at a time, the last few bytes read as the word that ends the
/// string, overlapping what was read.
fn plain_end(bytes: &[u8], mut pos: usize) -> usize {
    while pos + 8 <= bytes.len() {
        let ends = run_ends(word_at(bytes, pos));
        if ends != 0 {
            return pos + (ends.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    if pos == bytes.len() {
        return pos;
    }
    if bytes.len() >= 8 {
        // The word that ends the string, its bytes before `pos` (read already) made plain
        // (`0xff`), so that none of them flags a byte after it.
        let from = bytes.len() - 8;
        let before = (1u64 << (8 * (pos - from))) - 1;
        let ends = run_ends(word_at(bytes, from) | before);
        return if ends == 0 {
            bytes.len()
        } else {
            from + (ends.trailing_zeros() / 8) as usize
        };
    }
    while let Some(&b) = bytes.get(pos) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        pos += 1;
    }
    pos
}

/// The offset in `block` of its first byte that ends a plain run; `block` has one.
fn first_end(block: &[u8; 16]) -> usize {
    let low = run_ends(word_at(block, 0));
    if low != 0 {
        return (low.trailing_zeros() / 8) as usize;
    }
    8 + (run_ends(word_at(block, 8)).trailing_zeros() / 8) as usize
}

/// Appends `s` as a JSON string, byte for byte as serde_json writes it: `"`, `\\` and the
/// control characters escaped, everything else (DEL and all non-ASCII) as it is.
///
/// In bulk: a string with nothing to escape (told sixteen bytes at a time) is copied whole.
/// Otherwise blocks of sixteen bytes are copied whole, and a block with a byte to escape is
/// cut back to that byte, escaped, and the next block starts after it; the last bytes go a
/// plain run at a time.
pub(crate) fn push(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if !any_end(bytes) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut at = 0;
    while let Some(block) = bytes.get(at..).and_then(<[u8]>::first_chunk::<16>) {
        out.extend_from_slice(block);
        if !any_run_end(block) {
            at += 16;
            continue;
        }
        let end = first_end(block);
        out.truncate(out.len() - (16 - end));
        push_escape(out, block[end]);
        at += end + 1;
    }
    loop {
        let end = plain_end(bytes, at);
        out.extend_from_slice(&bytes[at..end]);
        let Some(&b) = bytes.get(end) else { break };
        push_escape(out, b);
        at = end + 1;
    }
    out.push(b'"');
}

/// Appends the escape of `b`, a byte that ends a plain run. `"` is told first, without the
/// table of the others: messages quote the values they name.
#[inline(always)]
fn push_escape(out: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    if b == b'"' {
        out.extend_from_slice(b"\\\"");
        return;
    }
    match b {
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
    fn plain_ends_are_found_as_byte_by_byte() {
        // A run end followed by the bytes a borrow would flag (`#` after `"`, `]` after `\\`,
        // a space or `!` after a control character), at every place in strings of every
        // length up to past two blocks; and such strings written as serde_json writes them.
        let naive = |bytes: &[u8], pos: usize| {
            (pos..bytes.len())
                .find(|&i| bytes[i] == b'"' || bytes[i] == b'\\' || bytes[i] < 0x20)
                .unwrap_or(bytes.len())
        };
        for len in 0..40 {
            for pair in [
                *b"\"#", *b"\\]", *b"\x1f ", *b"\x00!", *b"\n\x01", *b"\xff\"",
            ] {
                for at in 0..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = pair[0];
                    if at + 1 < len {
                        bytes[at + 1] = pair[1];
                    }
                    for pos in 0..=len {
                        assert_eq!(
                            plain_end(&bytes, pos),
                            naive(&bytes, pos),
                            "{bytes:?} from {pos}"
                        );
                    }
                    assert_eq!(any_end(&bytes), naive(&bytes, 0) < len, "{bytes:?}");
                    if let Ok(s) = std::str::from_utf8(&bytes) {
                        let mut out = Vec::new();
                        push(&mut out, s);
                        assert_eq!(out, serde_json::to_vec(s).expect("a string"), "{s:?}");
                    }
                }
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
            "an escape in the last word: \"#",
            "twenty bytes, then\"#",
            "the last: \t",
            "`startTime` is \"2022-09-16 22:09:5\" with a single-digit seconds field",
            &every_byte,
        ] {
            let mut out = Vec::new();
            push(&mut out, s);
            assert_eq!(out, serde_json::to_vec(s).expect("a string"), "{s:?}");
        }
    }
}
