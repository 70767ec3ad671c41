//! `--log PATH` (or stderr): one JSON line per event, written whole by a writer thread.
//!
//! Handlers serialize their line and append it to a shared buffer; the writer thread takes the
//! whole buffer every [`INTERVAL`] (or as soon as it holds [`BATCH`] bytes) and writes it in one
//! go. A busy server thus makes one write, and no thread switch, for many lines rather than one
//! per line, and a line is out within the interval. When the buffer is over [`MAX_PENDING`]
//! bytes, handlers wait for the writer: no line is dropped. Everything from the network reaches
//! a line only as JSON-escaped text, cut to a bounded length; bodies and credentials never do.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Serialize;

use cloudstorage_contract::Error;

/// The longest text from the network a line carries (a path, a query), in bytes.
pub(crate) const MAX_SHOWN: usize = 512;

/// How long a line may wait for the writer.
const INTERVAL: Duration = Duration::from_millis(20);
/// A buffer this full is written at once.
const BATCH: usize = 64 * 1024;
/// A buffer this full makes handlers wait.
const MAX_PENDING: usize = 8 * 1024 * 1024;

#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    closed: bool,
}

#[derive(Default)]
struct Shared {
    pending: Mutex<Pending>,
    /// The writer waits on it for lines; handlers wait on it for room.
    changed: Condvar,
}

/// The log: a buffer and its writer thread.
pub(crate) struct Log {
    shared: Arc<Shared>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

impl Log {
    /// Appends to `path`, or writes to stderr.
    pub(crate) fn open(path: Option<&Path>) -> Result<Log, Error> {
        let out: Box<dyn Write + Send> = match path {
            None => Box::new(std::io::stderr()),
            Some(path) => Box::new(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| Error::io(path, e))?,
            ),
        };
        let shared = Arc::new(Shared::default());
        let writer = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("log".into())
                .spawn(move || write_all(out, &shared))
                .map_err(|e| Error::internal(format!("cannot start the log's writer: {e}")))?
        };
        Ok(Log {
            shared,
            writer: Mutex::new(Some(writer)),
        })
    }

    /// Writes `value` as one line. A log that cannot be written is not worth failing a call
    /// for: the error is dropped.
    pub(crate) fn line(&self, value: &impl Serialize) {
        if let Ok(text) = serde_json::to_vec(value) {
            self.raw_line(text);
        }
    }

    /// Writes `text`, one JSON value without a line break, as one line.
    pub(crate) fn raw_line(&self, mut text: Vec<u8>) {
        text.push(b'\n');
        let Ok(mut pending) = self.shared.pending.lock() else {
            return;
        };
        while pending.bytes.len() > MAX_PENDING && !pending.closed {
            pending = match self.shared.changed.wait(pending) {
                Ok(pending) => pending,
                Err(_) => return,
            };
        }
        if pending.closed {
            return;
        }
        pending.bytes.extend_from_slice(&text);
        if pending.bytes.len() >= BATCH {
            self.shared.changed.notify_all();
        }
    }

    /// Writes every line so far, then stops the writer. Later lines are dropped.
    pub(crate) fn close(&self) {
        if let Ok(mut pending) = self.shared.pending.lock() {
            pending.closed = true;
            self.shared.changed.notify_all();
        }
        let writer = self.writer.lock().ok().and_then(|mut w| w.take());
        if let Some(writer) = writer {
            let _ = writer.join();
        }
    }
}

impl Drop for Log {
    fn drop(&mut self) {
        self.close();
    }
}

fn write_all(mut out: Box<dyn Write + Send>, shared: &Shared) {
    let mut taken = Vec::with_capacity(BATCH);
    loop {
        let closed = {
            let Ok(mut pending) = shared.pending.lock() else {
                return;
            };
            if pending.bytes.len() < BATCH && !pending.closed {
                pending = match shared.changed.wait_timeout(pending, INTERVAL) {
                    Ok((pending, _)) => pending,
                    Err(_) => return,
                };
            }
            std::mem::swap(&mut taken, &mut pending.bytes);
            shared.changed.notify_all();
            pending.closed
        };
        if !taken.is_empty() {
            let _ = out.write_all(&taken).and_then(|()| out.flush());
            taken.clear();
        }
        if closed {
            // Lines appended between the swap and the close were taken with it: done.
            return;
        }
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

    #[test]
    fn every_line_is_written_whole_before_close_returns() -> Result<(), Error> {
        let dir = std::env::temp_dir().join(format!("serve-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let path = dir.join("log.ndjson");
        let _ = std::fs::remove_file(&path);
        let log = std::sync::Arc::new(Log::open(Some(&path))?);
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let log = std::sync::Arc::clone(&log);
                std::thread::spawn(move || {
                    for i in 0..2000 {
                        log.line(
                            &serde_json::json!({ "thread": t, "i": i, "pad": "x".repeat(i % 300) }),
                        );
                    }
                })
            })
            .collect();
        for thread in threads {
            let _ = thread.join();
        }
        log.close();
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 8000);
        assert!(
            lines
                .iter()
                .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
        );
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
