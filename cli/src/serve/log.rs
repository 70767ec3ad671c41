//! `--log PATH` (or stderr): one JSON line per event, written whole by a writer thread.
//!
//! Handlers serialize their line and hand it over a bounded channel; the writer writes what it
//! has in one go and flushes, so a busy server makes one write for many lines rather than one
//! per line, and a line is out as soon as the writer is idle. When the channel is full the
//! handler waits: no line is dropped. Everything from the network reaches a line only as
//! JSON-escaped text, cut to a bounded length; bodies and credentials never do.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use serde::Serialize;

use cloudstorage_contract::Error;

/// The longest text from the network a line carries (a path, a query), in bytes.
pub(crate) const MAX_SHOWN: usize = 512;

/// Lines that may wait for the writer.
const QUEUE: usize = 8192;

/// The log: a channel to its writer thread.
pub(crate) struct Log {
    sender: Mutex<Option<SyncSender<Vec<u8>>>>,
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
        let (sender, receiver) = sync_channel(QUEUE);
        let writer = std::thread::Builder::new()
            .name("log".into())
            .spawn(move || write_all(out, &receiver))
            .map_err(|e| Error::internal(format!("cannot start the log's writer: {e}")))?;
        Ok(Log {
            sender: Mutex::new(Some(sender)),
            writer: Mutex::new(Some(writer)),
        })
    }

    /// Writes `value` as one line. A log that cannot be written is not worth failing a call
    /// for: the error is dropped.
    pub(crate) fn line(&self, value: &impl Serialize) {
        let Ok(mut text) = serde_json::to_vec(value) else {
            return;
        };
        text.push(b'\n');
        let sender = self.sender.lock().ok().and_then(|s| s.clone());
        if let Some(sender) = sender {
            let _ = sender.send(text);
        }
    }

    /// Writes every line sent so far, then stops the writer. Later lines are dropped.
    pub(crate) fn close(&self) {
        if let Ok(mut sender) = self.sender.lock() {
            sender.take();
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

fn write_all(mut out: Box<dyn Write + Send>, receiver: &Receiver<Vec<u8>>) {
    let mut batch = Vec::with_capacity(1 << 16);
    while let Ok(first) = receiver.recv() {
        batch.extend_from_slice(&first);
        while batch.len() < 1 << 20 {
            match receiver.try_recv() {
                Ok(next) => batch.extend_from_slice(&next),
                Err(_) => break,
            }
        }
        let _ = out.write_all(&batch).and_then(|()| out.flush());
        batch.clear();
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
