//! `--log PATH` (or stderr): one JSON line per event, written whole.
//!
//! Everything from the network reaches a line only as JSON-escaped text, cut to a bounded
//! length; bodies and credentials never do.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;

use serde::Serialize;

use cloudstorage_contract::Error;

/// The longest text from the network a line carries (a path, a query), in bytes.
pub(crate) const MAX_SHOWN: usize = 512;

/// The log's destination.
pub(crate) struct Log {
    out: Mutex<Out>,
}

enum Out {
    Stderr,
    File(BufWriter<File>),
}

impl Log {
    /// Appends to `path`, or writes to stderr.
    pub(crate) fn open(path: Option<&Path>) -> Result<Log, Error> {
        let out = match path {
            None => Out::Stderr,
            Some(path) => Out::File(BufWriter::new(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| Error::io(path, e))?,
            )),
        };
        Ok(Log {
            out: Mutex::new(out),
        })
    }

    /// Writes `value` as one line. A log that cannot be written is not worth failing a call
    /// for: the error is dropped.
    pub(crate) fn line(&self, value: &impl Serialize) {
        let Ok(mut text) = serde_json::to_vec(value) else {
            return;
        };
        text.push(b'\n');
        let Ok(mut out) = self.out.lock() else {
            return;
        };
        let _ = match &mut *out {
            Out::Stderr => std::io::stderr().lock().write_all(&text),
            Out::File(file) => file.write_all(&text).and_then(|()| file.flush()),
        };
    }
}

/// `text` cut to at most [`MAX_SHOWN`] bytes on a character boundary, with `…` when cut.
pub(crate) fn bounded(text: &str) -> String {
    if text.len() <= MAX_SHOWN {
        return text.to_owned();
    }
    let mut end = MAX_SHOWN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The time now, as RFC 3339 in UTC.
pub(crate) fn now() -> String {
    jiff::Timestamp::now().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_cuts_on_a_boundary() {
        assert_eq!(bounded("abc"), "abc");
        let long = "é".repeat(400);
        let cut = bounded(&long);
        assert!(cut.len() <= MAX_SHOWN + '…'.len_utf8());
        assert!(cut.ends_with('…'));
    }
}
