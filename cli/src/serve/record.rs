//! `--record`: every `order/get` exchange written as it happens, by one writer that owns the
//! file.
//!
//! The handlers send exchanges over a bounded channel; when it is full they wait (nothing
//! recorded is ever dropped, and a disk that cannot keep up slows the proxy down rather than
//! losing traffic). The writer runs on its own thread and writes what it has after each batch:
//! - `.har`: HAR 1.2. After each batch the closing `]}}` is written again over the old one, so
//!   the file is a complete HAR whenever no write is under way, even after a SIGKILL.
//! - `.ndjson`: the request body on one line, then the upstream response body on the next.
//!   Bodies are made single-line by turning line breaks between tokens into spaces (a raw line
//!   break inside a string, which JSON forbids anyway, becomes another forbidden control byte),
//!   so `check` gives them the same verdict at the same column.
//! - `.ndjson.gz`: the same lines, one gzip member per batch, which `check` reads as one stream.
//!
//! Credentials are masked (`mask_credentials`) unless `--record-credentials` is given.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use cloudstorage_contract::{Error, mask_credentials};

/// How many exchanges may wait for the writer.
const QUEUE: usize = 4096;

/// How long the writer lets exchanges gather after a batch.
const GATHER: std::time::Duration = std::time::Duration::from_millis(10);

/// One exchange to record.
#[derive(Debug)]
pub(crate) struct Exchange {
    /// When the request arrived.
    pub(crate) started: jiff::Timestamp,
    /// How long the call took, in milliseconds.
    pub(crate) millis: f64,
    pub(crate) method: String,
    pub(crate) url: String,
    pub(crate) request_headers: Vec<(String, String)>,
    pub(crate) request_body: Bytes,
    /// What answered the client: upstream's response, or the proxy's own.
    pub(crate) response: Option<Answer>,
}

/// A response as recorded.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
    /// Whether `body` is what upstream sent (`false`: the proxy's own answer, upstream not
    /// called, unreachable or too slow).
    pub(crate) from_upstream: bool,
    /// Whether the client got the proxy's own answer (a refusal, a 502 or a 504) rather than
    /// upstream's.
    pub(crate) answered_by_proxy: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Har,
    Ndjson,
    NdjsonGz,
}

impl Form {
    fn of(path: &Path) -> Result<Form, Error> {
        let name = path.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".har") {
            Ok(Form::Har)
        } else if name.ends_with(".ndjson") || name.ends_with(".jsonl") {
            Ok(Form::Ndjson)
        } else if name.ends_with(".ndjson.gz") || name.ends_with(".jsonl.gz") {
            Ok(Form::NdjsonGz)
        } else {
            Err(Error::usage(format!(
                "`--record {}`: the file name must end with .har, .ndjson or .ndjson.gz",
                cloudstorage_contract::terminal::escape(&path.to_string_lossy())
            )))
        }
    }
}

/// The recording: a channel to the writer thread.
pub(crate) struct Recorder {
    sender: mpsc::Sender<Exchange>,
    writer: JoinHandle<Result<u64, Error>>,
}

impl Recorder {
    /// Creates (or truncates) `path` and starts the writer.
    pub(crate) fn open(path: &Path, keep_credentials: bool) -> Result<Recorder, Error> {
        let form = Form::of(path)?;
        let file = File::create(path).map_err(|e| Error::io(path, e))?;
        let (sender, receiver) = mpsc::channel(QUEUE);
        let path = path.to_owned();
        let writer = std::thread::Builder::new()
            .name("record".into())
            .spawn(move || write_all(form, file, &path, receiver, keep_credentials))
            .map_err(|e| Error::internal(format!("cannot start the recording's writer: {e}")))?;
        Ok(Recorder { sender, writer })
    }

    /// A handle for the handlers.
    pub(crate) fn sender(&self) -> mpsc::Sender<Exchange> {
        self.sender.clone()
    }

    /// Waits until every exchange sent is written, then closes the file; returns how many
    /// exchanges it holds. Call it once every sender is dropped.
    pub(crate) fn close(self) -> Result<u64, Error> {
        drop(self.sender);
        self.writer
            .join()
            .map_err(|_| Error::internal("the recording's writer stopped"))?
    }
}

fn write_all(
    form: Form,
    file: File,
    path: &PathBuf,
    mut receiver: mpsc::Receiver<Exchange>,
    keep_credentials: bool,
) -> Result<u64, Error> {
    let io = |e| Error::io(path, e);
    let mut sink = Sink::new(form, file).map_err(io)?;
    let mut count = 0;
    while let Some(first) = receiver.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < 256 {
            match receiver.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        for mut exchange in batch {
            if !keep_credentials {
                let masked = mask_credentials(&exchange.request_body);
                if let std::borrow::Cow::Owned(masked) = masked {
                    exchange.request_body = Bytes::from(masked);
                }
            }
            sink.add(&exchange).map_err(io)?;
            count += 1;
        }
        sink.commit().map_err(io)?;
        // Let exchanges gather while the writer is not waiting: senders then push without
        // waking it, and the next batch is written in one go.
        std::thread::sleep(GATHER);
    }
    sink.commit().map_err(io)?;
    Ok(count)
}

/// The file and what its form needs between batches.
struct Sink {
    form: Form,
    file: BufWriter<File>,
    /// HAR: where the closing `]}}` starts, and whether an entry was written.
    tail_at: u64,
    entries: u64,
    /// NDJSON: the lines of the batch under way.
    lines: Vec<u8>,
}

const HAR_TAIL: &[u8] = b"\n]}}\n";

impl Sink {
    fn new(form: Form, file: File) -> std::io::Result<Sink> {
        let mut sink = Sink {
            form,
            file: BufWriter::with_capacity(1 << 16, file),
            tail_at: 0,
            entries: 0,
            lines: Vec::new(),
        };
        if form == Form::Har {
            let head = json!({
                "version": "1.2",
                "creator": { "name": "cloudstorage-contract", "version": env!("CARGO_PKG_VERSION") },
            })
            .to_string();
            // `{"log":{...,"entries":[` with the creator before the entries.
            let head = format!(
                "{{\"log\":{},\"entries\":[",
                head.strip_suffix('}').unwrap_or(&head)
            );
            sink.file.write_all(head.as_bytes())?;
            sink.tail_at = head.len() as u64;
            sink.file.write_all(HAR_TAIL)?;
            sink.file.flush()?;
            sink.file.seek(SeekFrom::Start(sink.tail_at))?;
        }
        Ok(sink)
    }

    fn add(&mut self, exchange: &Exchange) -> std::io::Result<()> {
        match self.form {
            Form::Har => {
                let separator: &[u8] = if self.entries == 0 { b"\n" } else { b",\n" };
                self.file.write_all(separator)?;
                let entry = har_entry(exchange).to_string();
                self.file.write_all(entry.as_bytes())?;
                self.tail_at += (separator.len() + entry.len()) as u64;
                self.entries += 1;
            }
            Form::Ndjson | Form::NdjsonGz => {
                one_line(&exchange.request_body, &mut self.lines);
                if let Some(answer) = exchange.response.as_ref().filter(|a| a.from_upstream) {
                    one_line(&answer.body, &mut self.lines);
                }
            }
        }
        Ok(())
    }

    /// Makes what was added durable and the file whole.
    fn commit(&mut self) -> std::io::Result<()> {
        match self.form {
            Form::Har => {
                self.file.write_all(HAR_TAIL)?;
                self.file.flush()?;
                // The next batch overwrites the tail.
                self.file.seek(SeekFrom::Start(self.tail_at))?;
            }
            Form::Ndjson => {
                self.file.write_all(&self.lines)?;
                self.lines.clear();
                self.file.flush()?;
            }
            Form::NdjsonGz => {
                if !self.lines.is_empty() {
                    let mut member = flate2::write::GzEncoder::new(
                        Vec::with_capacity(self.lines.len() / 4),
                        flate2::Compression::fast(),
                    );
                    member.write_all(&self.lines)?;
                    self.file.write_all(&member.finish()?)?;
                    self.lines.clear();
                }
                self.file.flush()?;
            }
        }
        Ok(())
    }
}

/// A body on one line, then a line break.
fn one_line(body: &[u8], out: &mut Vec<u8>) {
    let mut in_string = false;
    let mut escaped = false;
    for &byte in body {
        let byte = match byte {
            b'\n' | b'\r' if in_string => 0x01,
            b'\n' | b'\r' => b' ',
            _ => byte,
        };
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
        } else if byte == b'"' {
            in_string = true;
        }
        out.push(byte);
    }
    out.push(b'\n');
}

/// A HAR 1.2 entry. Bodies that are not UTF-8 are recorded in base64.
fn har_entry(exchange: &Exchange) -> Value {
    let headers = |list: &[(String, String)]| -> Vec<Value> {
        list.iter()
            .map(|(name, value)| json!({ "name": name, "value": value }))
            .collect()
    };
    let content_type = |list: &[(String, String)]| {
        list.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            .map_or("application/json", |(_, v)| v.as_str())
            .to_owned()
    };
    let (query, url) = (query_of(&exchange.url), &exchange.url);
    let mut post = body_text(&exchange.request_body);
    post["mimeType"] = json!(content_type(&exchange.request_headers));
    let response = match &exchange.response {
        Some(answer) => {
            let mut content = body_text(&answer.body);
            content["size"] = json!(answer.body.len());
            content["mimeType"] = json!(content_type(&answer.headers));
            json!({
                "status": answer.status,
                "statusText": http::StatusCode::from_u16(answer.status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or(""),
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": headers(&answer.headers),
                "content": content,
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": answer.body.len(),
                "_answeredBy": if answer.answered_by_proxy { "proxy" } else { "upstream" },
            })
        }
        None => json!({
            "status": 0, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": [],
            "headers": [], "content": { "size": 0, "mimeType": "" }, "redirectURL": "",
            "headersSize": -1, "bodySize": -1, "_error": "no response",
        }),
    };
    json!({
        "startedDateTime": exchange.started.to_string(),
        "time": exchange.millis,
        "request": {
            "method": exchange.method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": headers(&exchange.request_headers),
            "queryString": query,
            "postData": post,
            "headersSize": -1,
            "bodySize": exchange.request_body.len(),
        },
        "response": response,
        "cache": {},
        "timings": { "send": 0, "wait": exchange.millis, "receive": 0 },
    })
}

/// `{"text": ...}`, or `{"text": base64, "encoding": "base64"}` for bytes that are not UTF-8.
fn body_text(body: &[u8]) -> Value {
    match std::str::from_utf8(body) {
        Ok(text) => json!({ "text": text }),
        Err(_) => json!({ "text": base64(body), "encoding": "base64" }),
    }
}

fn query_of(url: &str) -> Vec<Value> {
    let Some((_, query)) = url.split_once('?') else {
        return Vec::new();
    };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            json!({ "name": name, "value": value })
        })
        .collect()
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_lines_keep_verdicts() {
        let mut out = Vec::new();
        one_line(b"{\r\n  \"a\": \"x\\\"\ny\"\n}", &mut out);
        assert_eq!(out, b"{    \"a\": \"x\\\"\x01y\" }\n");
    }

    #[test]
    fn base64_as_har_readers_decode_it() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(&[0xff, 0xfe, 0x00, 0x80]), "//4AgA==");
    }
}
