//! NDJSON lines: a byte stream split into numbered payloads, as `cloudstorage-contract check`
//! reads an `.ndjson` file and the Python package's `Validator.scan_ndjson` reads one for Spark.
//!
//! The rules, in one place so that every front end numbers a line alike:
//!
//! - a line ends at `\n`, and a `\r` right before that `\n` is dropped;
//! - a line of ASCII whitespace only (`\r` included) is skipped, but counted;
//! - a last line without `\n` is a line when it is not empty;
//! - a `\r` anywhere else is part of the payload;
//! - a line longer than the limit is not kept: it is reported with its length, and counted;
//! - lines are numbered from 1, as a `u32` (saturating).
//!
//! A compressed input is numbered on its decompressed text: the caller passes the decoder (for
//! gzip, flate2's `MultiGzDecoder`, which reads every member) as the reader. This crate reads
//! bytes and nothing else, and depends on no decompressor.
//!
//! # Examples
//!
//! ```
//! use cloudstorage_contract::ndjson::{Line, Lines, Payload};
//!
//! let input = b"{\"a\":1}\r\n\n  \n0123456789abc\nlast\r".as_slice();
//! let mut lines = Lines::new(input, 10);
//! let mut data = Vec::new();
//! let mut got = Vec::new();
//! while let Some(Line { number, payload, .. }) = lines.next_line(&mut data)? {
//!     got.push(match payload {
//!         Payload::Bytes(range) => (number, Ok(data[range].to_vec())),
//!         Payload::TooLarge(len) => (number, Err(len)),
//!     });
//! }
//! assert_eq!(
//!     got,
//!     [
//!         (1, Ok(b"{\"a\":1}".to_vec())), // `\r\n` ends it
//!         (4, Err(13)),                   // lines 2 and 3 are blank; line 4 is over 10 bytes
//!         (5, Ok(b"last\r".to_vec())),    // no `\n`: the `\r` is the payload's
//!     ]
//! );
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{self, Read};
use std::ops::Range;

/// How many bytes [`Lines`] asks its reader for at a time, unless [`Lines::chunk`] says
/// otherwise.
pub const DEFAULT_CHUNK: usize = 64 * 1024;

/// A non-blank line of an NDJSON input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Line {
    /// Its number in the input, from 1; blank lines are counted.
    pub number: u32,
    /// What it holds.
    pub payload: Payload,
}

/// What a non-blank line holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// Its bytes, without the line end: where they are in the buffer given to
    /// [`Lines::next_line`].
    Bytes(Range<usize>),
    /// Its length in bytes (without the line end), over the limit: its bytes were let go as
    /// they were read, never held whole.
    TooLarge(u64),
}

/// The non-blank lines of an NDJSON input, numbered from 1, each kept when it is at most
/// `max_bytes` long (see the [module's rules](self)).
///
/// The caller owns the buffer: [`next_line`](Lines::next_line) reads onto the end of a
/// `Vec<u8>` and hands out each line where it lies, as a range of it, so that a byte is copied
/// once, by the reader, and a batch of payloads can sit back to back in one buffer. Bytes read
/// past the line handed out last (at most a line and a read) stay at the end of the buffer;
/// before the buffer goes elsewhere, [`set_aside`](Lines::set_aside) takes them out and
/// [`restore`](Lines::restore) puts them onto the next one. A caller that uses each line at
/// once and keeps one buffer calls [`discard`](Lines::discard) now and then to bound it.
///
/// Reading stops at the end of the input or at the first failed read. On a failure, the whole
/// lines read before it are handed out first, then the error, once (a gzip file cut short
/// decompresses up to the cut); the line cut short by it is not handed out. After that, or
/// after the end, `next_line` returns `Ok(None)` without reading.
#[derive(Debug)]
pub struct Lines<R> {
    reader: R,
    max: usize,
    number: u32,
    /// How many bytes to ask the reader for at a time.
    chunk: usize,
    /// How many bytes at the end of the buffer are read and not yet handed out.
    ahead: usize,
    /// How many of those have been searched for a newline and have none.
    scanned: usize,
    /// The line being read is longer than `max`: how many of its bytes have been dropped, and
    /// the last of them (to tell `\r\n` from `\n`).
    skipping: Option<(u64, u8)>,
    /// The read-ahead bytes while the caller's buffer is away.
    carry: Vec<u8>,
    /// A read failed: the error, to return once the whole lines before it are handed out.
    failure: Option<io::Error>,
    /// The input ended, or its error was returned: nothing more is read.
    ended: bool,
}

impl<R: Read> Lines<R> {
    /// The lines of `reader`, each kept when it is at most `max_bytes` long.
    ///
    /// Read it unbuffered (a `File`, a decoder): `Lines` reads [`DEFAULT_CHUNK`] bytes at a
    /// time straight into the caller's buffer.
    pub fn new(reader: R, max_bytes: usize) -> Self {
        Lines {
            reader,
            max: max_bytes,
            number: 0,
            chunk: DEFAULT_CHUNK,
            ahead: 0,
            scanned: 0,
            skipping: None,
            carry: Vec::new(),
            failure: None,
            ended: false,
        }
    }

    /// Reads `bytes` at a time (at least 1) instead of [`DEFAULT_CHUNK`]. The lines are the
    /// same whatever the size; the buffer holds at most a line and a chunk more than what the
    /// caller keeps in it.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::ndjson::{Lines, Payload};
    ///
    /// let mut lines = Lines::new(b"{}\n[1]".as_slice(), 100).chunk(1);
    /// let mut data = Vec::new();
    /// let first = lines.next_line(&mut data)?.expect("a line");
    /// assert_eq!((first.number, first.payload), (1, Payload::Bytes(0..2)));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn chunk(mut self, bytes: usize) -> Self {
        self.chunk = bytes.max(1);
        self
    }

    /// The next non-blank line: its payload is read onto the end of `data`, after what `data`
    /// held before, which stays. The bytes of blank lines and of line ends are left between
    /// payloads, and bytes read ahead after the last one. `Ok(None)` at the end of the input.
    ///
    /// `data` must be the buffer of the call before, or one that
    /// [`restore`](Lines::restore) put the read-ahead bytes onto, each time.
    ///
    /// # Errors
    ///
    /// The reader's error, once the whole lines read before it are handed out.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use cloudstorage_contract::ndjson::{Lines, Payload};
    ///
    /// /// Reads `{}\n{"cut` then fails.
    /// struct Cut(&'static [u8]);
    /// impl io::Read for Cut {
    ///     fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
    ///         if self.0.is_empty() {
    ///             return Err(io::Error::other("cut short"));
    ///         }
    ///         io::Read::read(&mut self.0, buf)
    ///     }
    /// }
    ///
    /// let mut lines = Lines::new(Cut(b"{}\n{\"cut"), 100);
    /// let mut data = b"kept".to_vec();
    /// let line = lines.next_line(&mut data)?.expect("the whole line before the failure");
    /// assert_eq!((line.number, line.payload), (1, Payload::Bytes(4..6)));
    /// assert_eq!(lines.next_line(&mut data).unwrap_err().to_string(), "cut short");
    /// assert!(lines.next_line(&mut data)?.is_none());
    /// assert!(data.starts_with(b"kept{}"));
    /// # Ok::<(), io::Error>(())
    /// ```
    pub fn next_line(&mut self, data: &mut Vec<u8>) -> io::Result<Option<Line>> {
        if self.ended {
            return Ok(None);
        }
        loop {
            let begin = data.len().saturating_sub(self.ahead);
            let from = begin + self.scanned;
            let Some(newline) =
                memchr::memchr(b'\n', data.get(from..).unwrap_or_default()).map(|i| from + i)
            else {
                let partial = data.len() - begin;
                if self.skipping.is_some() || partial > self.max.saturating_add(2) {
                    // A line too long to keep: count its bytes and let them go.
                    let (len, last) = self.skipping.get_or_insert((0, 0));
                    if let Some(&byte) = data.last().filter(|_| partial > 0) {
                        (*len, *last) = (*len + partial as u64, byte);
                    }
                    data.truncate(begin);
                    (self.ahead, self.scanned) = (0, 0);
                } else {
                    self.scanned = partial;
                }
                let read = self.read(data);
                self.ahead += read;
                if read > 0 {
                    continue;
                }
                (self.ahead, self.scanned) = (0, 0);
                self.ended = true;
                if let Some(e) = self.failure.take() {
                    // A line cut short by the failure is not the payload's doing: only the
                    // error is reported.
                    data.truncate(begin);
                    self.skipping = None;
                    return Err(e);
                }
                // The end of the input: the last line has no newline.
                let line = begin..data.len();
                return Ok(match self.skipping.take() {
                    Some((len, _)) => Some(self.line(Payload::TooLarge(len))),
                    None if line.is_empty() => None,
                    None => self.payload(data, line).map(|p| self.line(p)),
                });
            };
            self.ahead = data.len() - newline - 1;
            self.scanned = 0;
            // The byte before the newline, which may have been dropped with a long line.
            let before = match newline.checked_sub(1).filter(|&i| i >= begin) {
                Some(i) => data.get(i).copied(),
                None => self.skipping.map(|(_, last)| last),
            };
            if let Some((len, _)) = self.skipping.take() {
                let cr = u64::from(before == Some(b'\r'));
                let len = len + (newline - begin) as u64 - cr;
                return Ok(Some(self.line(Payload::TooLarge(len))));
            }
            let end = newline - usize::from(before == Some(b'\r') && newline > begin);
            match self.payload(data, begin..end) {
                Some(payload) => return Ok(Some(self.line(payload))),
                // A blank line, counted all the same.
                None => self.count(),
            }
        }
    }

    /// Takes the bytes read ahead off the end of `data`, where [`next_line`](Lines::next_line)
    /// left them, to [`restore`](Lines::restore) them onto the next buffer: call it before
    /// `data` goes elsewhere (a batch handed to another thread).
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::ndjson::{Lines, Payload};
    ///
    /// let mut lines = Lines::new(b"{}\n[1]\n".as_slice(), 100);
    /// let mut batch = Vec::new();
    /// assert_eq!(lines.next_line(&mut batch)?.expect("a line").payload, Payload::Bytes(0..2));
    /// lines.set_aside(&mut batch);
    /// assert_eq!(batch, b"{}\n", "the batch's payloads");
    ///
    /// let mut next = Vec::new();
    /// lines.restore(&mut next);
    /// assert_eq!(lines.next_line(&mut next)?.expect("a line").payload, Payload::Bytes(0..3));
    /// assert_eq!(&next[0..3], b"[1]");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_aside(&mut self, data: &mut Vec<u8>) {
        self.carry.clear();
        let begin = data.len().saturating_sub(self.ahead);
        self.carry
            .extend_from_slice(data.get(begin..).unwrap_or_default());
        data.truncate(begin);
    }

    /// Puts the bytes [set aside](Lines::set_aside) onto the end of `data`, the buffer that the
    /// next [`next_line`](Lines::next_line) reads onto.
    pub fn restore(&mut self, data: &mut Vec<u8>) {
        data.extend_from_slice(&self.carry);
        self.carry.clear();
    }

    /// How many bytes at the end of the caller's buffer were read ahead, past the last line
    /// handed out: what [`set_aside`](Lines::set_aside) takes and
    /// [`discard`](Lines::discard) keeps. At most a line and a chunk.
    pub fn read_ahead(&self) -> usize {
        self.ahead
    }

    /// Removes from `data` everything before the bytes [read ahead](Lines::read_ahead): the
    /// lines handed out, and what `data` held before them; ranges handed out before no longer
    /// hold. It moves the read-ahead bytes to the start of `data`, so a caller that uses each
    /// line as it comes and keeps one buffer calls it once the lines handed out fill a chunk or
    /// so, not after every line.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::ndjson::{Lines, Payload};
    ///
    /// let mut lines = Lines::new(b"{}\n[1]\n".as_slice(), 100);
    /// let mut data = Vec::new();
    /// lines.next_line(&mut data)?;
    /// assert_eq!(lines.read_ahead(), 4);
    /// lines.discard(&mut data);
    /// assert_eq!(data, b"[1]\n", "read ahead");
    /// assert_eq!(lines.next_line(&mut data)?.expect("a line").payload, Payload::Bytes(0..3));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn discard(&mut self, data: &mut Vec<u8>) {
        let begin = data.len().saturating_sub(self.ahead);
        data.drain(..begin);
    }

    /// Reads up to a chunk onto the end of `data` and returns how many bytes it read: 0 at the
    /// end of the input, or once a read has failed (what it read before failing is kept).
    fn read(&mut self, data: &mut Vec<u8>) -> usize {
        if self.failure.is_some() {
            return 0;
        }
        data.reserve(self.chunk);
        let before = data.len();
        if let Err(e) = (&mut self.reader).take(self.chunk as u64).read_to_end(data) {
            self.failure = Some(e);
        }
        data.len() - before
    }

    /// Counts a line.
    fn count(&mut self) {
        self.number = self.number.saturating_add(1);
    }

    /// Counts a non-blank line and returns it, holding `payload`.
    fn line(&mut self, payload: Payload) -> Line {
        self.count();
        Line {
            number: self.number,
            payload,
        }
    }

    /// What the whole line at `line` in `data` holds: `None` for a blank one.
    fn payload(&self, data: &[u8], line: Range<usize>) -> Option<Payload> {
        let text = data.get(line.clone()).unwrap_or_default();
        if text.len() > self.max {
            Some(Payload::TooLarge(text.len() as u64))
        } else if text.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            Some(Payload::Bytes(line))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Got = Vec<(u32, Result<Vec<u8>, u64>)>;

    /// The lines of `text` read `chunk` bytes at a time; the buffer is handed off (set aside,
    /// replaced, restored) after every `batch` lines.
    fn lines_by(text: &[u8], max: usize, chunk: usize, batch: usize) -> Got {
        let mut lines = Lines::new(text, max).chunk(chunk);
        let mut out = Vec::new();
        let mut data = b"kept".to_vec();
        let mut in_batch = 0;
        while let Some(Line { number, payload }) = lines.next_line(&mut data).unwrap() {
            out.push((
                number,
                match payload {
                    Payload::Bytes(range) => Ok(data[range].to_vec()),
                    Payload::TooLarge(len) => Err(len),
                },
            ));
            in_batch += 1;
            if in_batch == batch {
                // As `check` does when a batch is full: the next batch starts empty.
                lines.set_aside(&mut data);
                data.clear();
                data.extend_from_slice(b"kept");
                lines.restore(&mut data);
                in_batch = 0;
            }
        }
        assert!(data.starts_with(b"kept"), "what was read before stays");
        assert_eq!(lines.next_line(&mut data).unwrap(), None, "and stays ended");
        out
    }

    /// The lines of `text`, the same whatever the size of the reads and of the batches, and
    /// with the buffer discarded after every line.
    fn lines(text: &[u8], max: usize) -> Got {
        let whole = lines_by(text, max, DEFAULT_CHUNK, usize::MAX);
        for chunk in 1..=text.len() + 1 {
            for batch in [1, 2, usize::MAX] {
                assert_eq!(
                    lines_by(text, max, chunk, batch),
                    whole,
                    "{chunk}-byte reads, batches of {batch}"
                );
            }
            let mut lines = Lines::new(text, max).chunk(chunk);
            let mut data = Vec::new();
            let mut discarded = Vec::new();
            while let Some(Line { number, payload }) = lines.next_line(&mut data).unwrap() {
                discarded.push((
                    number,
                    match payload {
                        Payload::Bytes(range) => Ok(data[range].to_vec()),
                        Payload::TooLarge(len) => Err(len),
                    },
                ));
                lines.discard(&mut data);
                assert!(data.len() <= max + 2 + chunk, "the buffer stays bounded");
            }
            assert_eq!(discarded, whole, "{chunk}-byte reads, discarded");
        }
        whole
    }

    fn ok(number: u32, bytes: &[u8]) -> (u32, Result<Vec<u8>, u64>) {
        (number, Ok(bytes.to_vec()))
    }

    #[test]
    fn blank_lines_are_skipped_and_counted() {
        assert_eq!(lines(b"", 10), []);
        assert_eq!(lines(b"\n", 10), []);
        assert_eq!(lines(b"\n\n \t\n\r\n \r \n", 10), []);
        assert_eq!(
            lines(b"\n{}\n  \n\x0c\n[1]\n", 10),
            [ok(2, b"{}"), ok(5, b"[1]")]
        );
    }

    #[test]
    fn crlf_ends_a_line_without_its_cr() {
        assert_eq!(
            lines(b"{\"a\":1}\r\n[1]\r\n", 10),
            [ok(1, b"{\"a\":1}"), ok(2, b"[1]")]
        );
        assert_eq!(lines(b"0123456789\r\n", 10), [ok(1, b"0123456789")]);
        // Only the one `\r` right before the `\n`.
        assert_eq!(lines(b"{}\r\r\n", 10), [ok(1, b"{}\r")]);
    }

    #[test]
    fn a_bare_cr_is_part_of_the_payload() {
        assert_eq!(lines(b"\r\na\rb\n\r", 10), [ok(2, b"a\rb")]);
        assert_eq!(lines(b"\ra\n", 10), [ok(1, b"\ra")]);
        // A line of only `\r` is blank, whitespace as any other.
        assert_eq!(lines(b"\r\r\n\r", 10), []);
    }

    #[test]
    fn a_last_line_without_newline_is_a_line_when_not_empty() {
        assert_eq!(lines(b"{}\n[1]", 10), [ok(1, b"{}"), ok(2, b"[1]")]);
        assert_eq!(lines(b"{}\nnext\r", 10), [ok(1, b"{}"), ok(2, b"next\r")]);
        assert_eq!(lines(b"{}\n  ", 10), [ok(1, b"{}")]);
        assert_eq!(lines(b"{}\n", 10), [ok(1, b"{}")]);
    }

    #[test]
    fn an_over_long_line_is_reported_with_its_length_and_counted() {
        assert_eq!(
            lines(b"{\"a\":1}\r\n\n  \n0123456789abc\nlast", 10),
            [ok(1, b"{\"a\":1}"), (4, Err(13)), ok(5, b"last")]
        );
        assert_eq!(lines(b"0123456789\n", 10), [ok(1, b"0123456789")]);
        assert_eq!(lines(b"0123456789a\n", 10), [(1, Err(11))]);
        assert_eq!(lines(b"0123456789ab\r\nx", 10), [(1, Err(12)), ok(2, b"x")]);
        // Far too long, with the `\r` of its `\r\n` read apart from the `\n`.
        let long = [&[b'7'; 40][..], b"\r\n\r\n \nnext\r"].concat();
        assert_eq!(lines(&long, 10), [(1, Err(40)), ok(4, b"next\r")]);
        // Without a newline, and blank but long.
        assert_eq!(lines(&[b'7'; 40], 10), [(1, Err(40))]);
        assert_eq!(lines(&[b' '; 40], 10), [(1, Err(40))]);
        // A bare `\r` inside a long line counts.
        let long = [&[b'7'; 20][..], b"\r", &[b'7'; 20], b"\n{}"].concat();
        assert_eq!(lines(&long, 10), [(1, Err(41)), ok(2, b"{}")]);
        assert_eq!(lines(b"0123456789a", 0), [(1, Err(11))]);
    }

    #[test]
    fn a_line_split_across_reads_is_whole() {
        // `lines` reads every text 1, 2, … bytes at a time; here with a full chunk inside it.
        let text = [b"{\"a\":\"".as_slice(), &[b'x'; 300], b"\"}\r\n{}"].concat();
        let payload = text[..text.len() - 4].to_vec();
        for chunk in [1, 7, 64, 300, 305] {
            assert_eq!(
                lines_by(&text, 1000, chunk, usize::MAX),
                [(1, Ok(payload.clone())), ok(2, b"{}")],
                "{chunk}"
            );
        }
    }

    #[test]
    fn line_numbers_saturate() {
        let mut lines = Lines::new(b"{}\n{}\n".as_slice(), 10);
        lines.number = u32::MAX - 1;
        let mut data = Vec::new();
        let numbers: Vec<u32> = std::iter::from_fn(|| lines.next_line(&mut data).unwrap())
            .map(|line| line.number)
            .collect();
        assert_eq!(numbers, [u32::MAX, u32::MAX]);
    }

    /// Reads `text` at most 3 bytes at a time, then fails.
    struct Cut<'a>(&'a [u8]);

    impl Read for Cut<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::other("cut"));
            }
            let n = self.0.len().min(buf.len()).min(3);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_failed_read_hands_out_the_whole_lines_before_it_then_fails() {
        for text in [
            &b"{}\n\n[1]\r\n{\"cut"[..],
            b"{}\n\n[1]\r\n",
            b"{}\n\n[1]\r\n01234567890123",
        ] {
            for chunk in [1, 2, 5, DEFAULT_CHUNK] {
                // The last line, cut short by the failure, is not handed out.
                let mut lines = Lines::new(Cut(text), 10).chunk(chunk);
                let mut data = Vec::new();
                let mut got = Vec::new();
                let error = loop {
                    match lines.next_line(&mut data) {
                        Ok(Some(Line {
                            number,
                            payload: Payload::Bytes(range),
                        })) => got.push(ok(number, &data[range])),
                        Ok(other) => panic!("{chunk}: {other:?}"),
                        Err(e) => break e,
                    }
                };
                assert_eq!(got, [ok(1, b"{}"), ok(3, b"[1]")], "{chunk}");
                assert_eq!(error.to_string(), "cut");
                assert_eq!(lines.next_line(&mut data).unwrap(), None, "once");
            }
        }
    }
}
