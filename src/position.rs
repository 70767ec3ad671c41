//! Line and column positions in the input, for diagnostics.

use std::borrow::Cow;

/// A 1-based line and column in the input. Columns count Unicode scalar values (chars), not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// The 1-based line number; lines are separated by `\n` (so `\r\n` is one break).
    pub line: u32,
    /// The 1-based column, counted in chars from the start of the line.
    pub column: u32,
}

impl Default for Position {
    /// The start of the input: line 1, column 1.
    fn default() -> Self {
        Position { line: 1, column: 1 }
    }
}

/// How many bytes of one line may lie between two column checkpoints.
///
/// Minified JSON is often one long line, and a report can ask for the position of many
/// diagnostics on it; counting chars from the line start each time would be quadratic. With a
/// checkpoint every 4 KiB a lookup counts at most that many bytes.
const CHECKPOINT_EVERY: usize = 4096;

/// Maps byte offsets to positions.
///
/// Built once per input, and only when a diagnostic needs it: it costs one pass over the bytes.
/// It borrows the input (`LineIndex<&[u8]>`) or owns it (`LineIndex<Arc<[u8]>>`, to share it
/// between threads).
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::LineIndex;
///
/// let lines = LineIndex::new("{\n  \"状态\": 9\n}".as_bytes());
/// let at = lines.position(14);
/// assert_eq!((at.line, at.column), (2, 9));
/// assert_eq!(lines.line_text(2).as_deref(), Some("  \"状态\": 9"));
/// ```
#[derive(Debug, Clone)]
pub struct LineIndex<B> {
    /// The input.
    bytes: B,
    /// Offset of the first byte of every line; `line_starts[0] == 0`.
    line_starts: Vec<usize>,
    /// `(offset, column of the byte at offset)` every [`CHECKPOINT_EVERY`] bytes inside long
    /// lines, sorted by offset.
    checkpoints: Vec<(usize, u32)>,
}

/// Whether `byte` starts a char, i.e. is not a UTF-8 continuation byte (`0b10xxxxxx`).
///
/// Counting these works on invalid UTF-8 too (without panicking or erroring); a stray
/// continuation byte then adds no column of its own.
fn starts_char(byte: u8) -> bool {
    byte & 0xC0 != 0x80
}

/// Number of chars that start in `bytes`: its length less its continuation bytes, counted in
/// blocks of 64 then 16 bytes, each block's in one byte-wide sum that the compiler turns into
/// vector compares and additions, then eight bytes at a time, then byte by byte.
fn count_chars(bytes: &[u8]) -> u32 {
    // `0b10xxxxxx` is below -64 as a signed byte, and only those bytes are.
    let continuation = |&b: &u8| u8::from((b as i8) < -64);
    let (blocks, rest) = bytes.as_chunks::<64>();
    let (sixteens, rest) = rest.as_chunks::<16>();
    let (words, rest) = rest.as_chunks::<8>();
    let mut continuations = 0usize;
    for block in blocks {
        continuations += usize::from(block.iter().map(continuation).sum::<u8>());
    }
    for block in sixteens {
        continuations += usize::from(block.iter().map(continuation).sum::<u8>());
    }
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    for word in words {
        let w = u64::from_le_bytes(*word);
        // Shifting left by one puts each byte's bit 6 where its bit 7 is; the flags, moved to
        // each byte's bit 0, are summed by one multiplication into the top byte.
        let flags = (w & !(w << 1) & HIGH) >> 7;
        continuations += (flags.wrapping_mul(ONES) >> 56) as usize;
    }
    continuations += rest.iter().filter(|&&b| !starts_char(b)).count();
    u32::try_from(bytes.len() - continuations).unwrap_or(u32::MAX)
}

impl<B: AsRef<[u8]>> LineIndex<B> {
    /// Indexes the lines of `bytes` (which need not be valid UTF-8).
    ///
    /// Line breaks are found with `memchr`; only lines longer than 4 KiB are counted char by
    /// char, a block at a time, for their checkpoints.
    pub fn new(input: B) -> Self {
        let bytes = input.as_ref();
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        let mut checkpoints = Vec::new();
        for (k, &start) in line_starts.iter().enumerate() {
            let end = line_starts.get(k + 1).map_or(bytes.len(), |&next| next - 1);
            let mut column: u32 = 1;
            let mut at = start;
            while end - at > CHECKPOINT_EVERY {
                column = column.saturating_add(count_chars(&bytes[at..at + CHECKPOINT_EVERY]));
                at += CHECKPOINT_EVERY;
                checkpoints.push((at, column));
            }
        }
        Self {
            bytes: input,
            line_starts,
            checkpoints,
        }
    }

    /// The input.
    pub fn bytes(&self) -> &[u8] {
        self.bytes.as_ref()
    }

    /// Position of the byte at `offset`.
    ///
    /// `offset == len` is the end of input, and offsets past the end clamp to it. An offset
    /// inside a multi-byte char gives the column after that char (only char starts are counted
    /// before it); it never panics.
    pub fn position(&self, offset: usize) -> Position {
        let bytes = self.bytes();
        let offset = offset.min(bytes.len());
        // `line_starts[0] == 0 <= offset`, so the partition point is at least 1.
        let line_index = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let line_start = self.line_starts.get(line_index).copied().unwrap_or(0);
        let nearest = self
            .checkpoints
            .partition_point(|&(at, _)| at <= offset)
            .checked_sub(1)
            .and_then(|k| self.checkpoints.get(k));
        let (from, column) = match nearest {
            Some(&(at, column)) if at >= line_start => (at, column),
            _ => (line_start, 1),
        };
        let counted = bytes.get(from..offset).map_or(0, count_chars);
        Position {
            line: u32::try_from(line_index + 1).unwrap_or(u32::MAX),
            column: column.saturating_add(counted),
        }
    }

    /// The text of the 1-based line `line`, without its line terminator (`\n` or `\r\n`),
    /// lossily decoded. For caret displays. `None` for line 0 and lines past the last one.
    pub fn line_text(&self, line: u32) -> Option<Cow<'_, str>> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *self.line_starts.get(index)?;
        let end = match self.line_starts.get(index + 1) {
            // The next line starts right after this line's `\n`.
            Some(&next) => next.saturating_sub(1),
            None => self.bytes().len(),
        };
        let mut text = self.bytes().get(start..end)?;
        if let [rest @ .., b'\r'] = text {
            text = rest;
        }
        Some(String::from_utf8_lossy(text))
    }
}

/// Positions of offsets given in increasing order, in one forward pass over the input: for a
/// report's few findings, cheaper than indexing every line.
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    /// The last offset placed, its line (0-based) and its column.
    at: usize,
    line: usize,
    column: u32,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Cursor {
            bytes,
            at: 0,
            line: 0,
            column: 1,
        }
    }

    /// The position of `offset`, as [`LineIndex::position`] gives it. An offset before the last
    /// one placed starts the pass over.
    pub(crate) fn position(&mut self, offset: usize) -> Position {
        let offset = offset.min(self.bytes.len());
        if offset < self.at {
            *self = Cursor::new(self.bytes);
        }
        let span = &self.bytes[self.at..offset];
        match memchr::memrchr(b'\n', span) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', span).count();
                self.column = 1u32.saturating_add(count_chars(&span[last + 1..]));
            }
            None => self.column = self.column.saturating_add(count_chars(span)),
        }
        self.at = offset;
        Position {
            line: u32::try_from(self.line + 1).unwrap_or(u32::MAX),
            column: self.column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, column: u32) -> Position {
        Position { line, column }
    }

    #[test]
    fn chars_are_counted_as_one_byte_at_a_time_would() {
        let mut bytes: Vec<u8> = (0..=255u8).collect();
        bytes.extend("é€😀x".repeat(5).as_bytes());
        bytes.extend([0x80, 0xBF, 0xC0, 0x7F, 0x40]);
        for start in 0..bytes.len() {
            for end in start..bytes.len().min(start + 40) {
                let span = &bytes[start..end];
                let by_byte = span.iter().filter(|&&b| starts_char(b)).count();
                assert_eq!(count_chars(span) as usize, by_byte, "{start}..{end}");
            }
        }
        let whole = bytes.iter().filter(|&&b| starts_char(b)).count();
        assert_eq!(count_chars(&bytes) as usize, whole);
    }

    #[test]
    fn the_cursor_agrees_with_the_index() {
        let input = "{\n  \"é\": \"€😀x\",\r\n\n  \"k\": 1\n}\n\n".repeat(3);
        let bytes = input.as_bytes();
        let index = LineIndex::new(bytes);
        let mut cursor = Cursor::new(bytes);
        for offset in 0..=bytes.len() + 2 {
            assert_eq!(cursor.position(offset), index.position(offset), "{offset}");
        }
        // Backwards, and twice the same.
        for offset in [40, 3, 3, 0, 17] {
            assert_eq!(cursor.position(offset), index.position(offset), "{offset}");
        }
    }

    #[test]
    fn positions_on_several_lines_with_multibyte_chars() {
        // "é" is 2 bytes, "€" 3 bytes, "😀" 4 bytes.
        let input = "{\n  \"é\": \"€😀x\",\r\n\n  \"k\": 1\n}";
        let index = LineIndex::new(input.as_bytes());
        let at = |needle: &str| index.position(input.find(needle).unwrap());
        assert_eq!(index.position(0), pos(1, 1));
        assert_eq!(index.position(1), pos(1, 2)); // the '\n' ending line 1
        assert_eq!(at("\"é"), pos(2, 3));
        assert_eq!(at("é"), pos(2, 4));
        assert_eq!(at("\": \"€"), pos(2, 5));
        assert_eq!(at("€"), pos(2, 9));
        assert_eq!(at("😀"), pos(2, 10));
        assert_eq!(at("x"), pos(2, 11));
        assert_eq!(at("\r"), pos(2, 14));
        assert_eq!(index.position(input.find("\r").unwrap() + 2), pos(3, 1)); // empty line 3
        assert_eq!(at("\"k"), pos(4, 3));
        assert_eq!(at("1"), pos(4, 8));
        assert_eq!(at("}"), pos(5, 1));
        assert_eq!(index.position(input.len()), pos(5, 2));
    }

    #[test]
    fn offsets_past_the_end_clamp() {
        let index = LineIndex::new(b"ab\ncd");
        assert_eq!(index.position(5), pos(2, 3));
        assert_eq!(index.position(6), pos(2, 3));
        assert_eq!(index.position(usize::MAX), pos(2, 3));
        let empty = LineIndex::new(b"");
        assert_eq!(empty.position(0), pos(1, 1));
        assert_eq!(empty.position(10), pos(1, 1));
        assert_eq!(empty.line_text(1).as_deref(), Some(""));
        assert_eq!(empty.line_text(2), None);
    }

    #[test]
    fn a_lone_carriage_return_is_not_a_line_break() {
        let index = LineIndex::new(b"a\rb\nc");
        assert_eq!(index.position(2), pos(1, 3));
        assert_eq!(index.position(4), pos(2, 1));
        assert_eq!(index.line_text(1).as_deref(), Some("a\rb"));
    }

    #[test]
    fn offsets_inside_multibyte_and_invalid_utf8_do_not_panic() {
        // "aé" then a stray continuation byte, an invalid lead byte and a truncated "€".
        let bytes = b"a\xC3\xA9\x80\xFFz\xE2\x82";
        let index = LineIndex::new(bytes);
        assert_eq!(index.position(1), pos(1, 2)); // start of "é"
        assert_eq!(index.position(2), pos(1, 3)); // inside "é": the column after it
        assert_eq!(index.position(3), pos(1, 3)); // a stray continuation byte adds no column
        assert_eq!(index.position(4), pos(1, 3)); // the invalid lead byte
        assert_eq!(index.position(5), pos(1, 4)); // "z"
        assert_eq!(index.position(6), pos(1, 5)); // the truncated "€"
        assert_eq!(index.position(7), pos(1, 6));
        assert_eq!(index.position(8), pos(1, 6)); // end of input
        for offset in 0..=bytes.len() + 2 {
            let _ = index.position(offset);
        }
        assert_eq!(
            index.line_text(1).as_deref(),
            Some("aé\u{FFFD}\u{FFFD}z\u{FFFD}")
        );
    }

    #[test]
    fn line_text_strips_terminators() {
        let index = LineIndex::new(b"one\r\ntwo\n\nfour\r");
        assert_eq!(index.line_text(0), None);
        assert_eq!(index.line_text(1).as_deref(), Some("one"));
        assert_eq!(index.line_text(2).as_deref(), Some("two"));
        assert_eq!(index.line_text(3).as_deref(), Some(""));
        assert_eq!(index.line_text(4).as_deref(), Some("four"));
        assert_eq!(index.line_text(5), None);
        assert_eq!(index.line_text(u32::MAX), None);
        let trailing = LineIndex::new(b"x\n");
        assert_eq!(trailing.line_text(2).as_deref(), Some(""));
        assert_eq!(trailing.position(2), pos(2, 1));
    }

    #[test]
    fn long_lines_use_checkpoints_with_the_same_result() {
        // A long line of mixed-width chars, then a short one: compare with a naive count.
        let mut input = String::new();
        for i in 0..5000 {
            input.push(['a', 'é', '€', '😀'][i % 4]);
        }
        input.push_str("\nxyz");
        let bytes = input.as_bytes();
        let index = LineIndex::new(bytes);
        assert!(!index.checkpoints.is_empty());
        for offset in (0..=bytes.len())
            .step_by(97)
            .chain([bytes.len() - 1, bytes.len()])
        {
            let line_start = bytes[..offset]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let naive = Position {
                line: 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count() as u32,
                column: 1 + count_chars(&bytes[line_start..offset]),
            };
            assert_eq!(index.position(offset), naive, "offset {offset}");
        }
        assert_eq!(index.position(bytes.len()), pos(2, 4));
    }
}
