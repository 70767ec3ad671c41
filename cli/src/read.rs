//! Reading `check`'s inputs into batches: whole JSON files, NDJSON lines, gzip, HAR captures
//! and standard input, each payload at most `--max-bytes` kept.
//!
//! [`Reader`] is the [`Source`] that the scheduler ([`crate::schedule`]) reads on every thread
//! in turn: it walks the inputs in order and fills a batch with their payloads, back to back in
//! one buffer, until the batch holds enough; an input that cannot be read ends its batch with
//! the error, so that it is printed after everything read before it.

use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use cloudstorage_contract::Error;
use cloudstorage_contract::har::{self, Call};
use cloudstorage_contract::ndjson::{Lines, Payload};
use cloudstorage_contract::report::HarPlacer;
use cloudstorage_contract::terminal;

use super::inputs::{How, Input, STDIN};
use super::schedule::Source;

/// Payloads in the first batch; each batch after it holds twice as many, up to the most, so
/// that the other threads start early.
const FIRST_ITEMS: usize = 128;
/// Most payloads in a batch with one thread: few enough that the lines read are still in the
/// core's cache when they are validated.
const SOLO_ITEMS: usize = 256;
/// Most payloads in a batch with several threads: its bytes stay in the core's own cache, and
/// so does the output of a batch of near misses.
const SHARED_ITEMS: usize = 512;
/// Most payload bytes read per batch (a single payload larger than this is a batch alone).
const BATCH_BYTES: usize = 32 * 1024 * 1024;
/// The most bytes a gzipped HAR file may decompress to: a HAR file is read whole.
const HAR_GZ_BYTES: u64 = 1024 * 1024 * 1024;

/// A payload read, waiting for a thread.
#[derive(Debug)]
pub(crate) struct Job {
    /// Its file, an index into its batch's [`Batch::files`].
    pub(crate) file: usize,
    /// The line it starts on, for NDJSON.
    pub(crate) line: Option<u32>,
    pub(crate) content: Content,
}

/// What a job holds.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Content {
    /// Where the payload's bytes are in its batch's data.
    Bytes(Range<usize>),
    /// Over `--max-bytes`: never read whole.
    TooLarge(u64),
    /// An `order/get` call of a HAR file: the `call`-th of the batch's `har`-th HAR.
    Call { har: usize, call: usize },
}

/// Payloads read and not yet validated: their bytes back to back in one buffer, so that a line
/// costs no allocation of its own.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub(crate) data: Vec<u8>,
    pub(crate) jobs: Vec<Job>,
    /// The names of the jobs' files, each once. A job holds an index rather than a clone of
    /// the `Arc`: a reference count bumped per line is a locked instruction, and the reading
    /// thread stalls on it while its stores to memory last read on another core drain.
    files: Vec<Arc<str>>,
    /// The HAR files whose calls the batch holds.
    pub(crate) hars: Vec<Arc<Har>>,
    /// HAR entries that are not `order/get` calls, in the HAR files opened for this batch.
    pub(crate) skipped: usize,
    /// An input that could not be read, after the jobs: the error line to print.
    pub(crate) failure: Option<String>,
}

impl Batch {
    /// Queues a payload of the file `name`.
    fn push(&mut self, name: &Arc<str>, line: Option<u32>, content: Content) {
        if !self
            .files
            .last()
            .is_some_and(|last| Arc::ptr_eq(last, name))
        {
            self.files.push(Arc::clone(name));
        }
        self.jobs.push(Job {
            file: self.files.len() - 1,
            line,
            content,
        });
    }

    /// The name of a job's file (`push` gives every job the index of a name it has pushed).
    pub(crate) fn file(&self, job: &Job) -> Option<&Arc<str>> {
        self.files.get(job.file)
    }

    /// Empties the batch, keeping its buffers.
    fn clear(&mut self) {
        self.data.clear();
        self.jobs.clear();
        self.files.clear();
        self.hars.clear();
        self.skipped = 0;
        self.failure = None;
    }

    /// Whether the batch holds `items` payloads or [`BATCH_BYTES`] bytes.
    fn is_full(&self, items: usize) -> bool {
        self.jobs.len() >= items || self.data.len() >= BATCH_BYTES
    }

    pub(crate) fn bytes(&self, range: &Range<usize>) -> &[u8] {
        self.data.get(range.clone()).unwrap_or_default()
    }
}

/// A HAR file's `order/get` calls, and the file to place their findings in.
#[derive(Debug)]
pub(crate) struct Har {
    /// The file's name, for the origins of a traffic profile.
    pub(crate) name: Arc<str>,
    pub(crate) placer: HarPlacer,
    pub(crate) calls: Vec<Call>,
}

/// The input being read, between two batches.
enum Open<'a> {
    /// An NDJSON input, line by line: the read-ahead bytes of `lines` are
    /// [set aside](Lines::set_aside) while a batch is away, and
    /// [restored](Lines::restore) onto the next one.
    Lines {
        input: &'a Input,
        lines: Lines<Box<dyn Read + Send + 'a>>,
    },
    /// A HAR file's calls, from the `next`-th.
    Har { har: Arc<Har>, next: usize },
}

/// The inputs of a run, read in order into batches.
pub(crate) struct Reader<'a> {
    inputs: &'a [Input],
    /// The next input to open.
    next: usize,
    open: Option<Open<'a>>,
    max_bytes: usize,
    /// Most payloads in a batch.
    most: usize,
    /// What an input without a path reads: standard input, or these bytes.
    bytes: Option<&'a [u8]>,
    /// The first input that could not be read.
    failure: Option<Error>,
}

impl<'a> Reader<'a> {
    /// Reads `inputs`, each payload at most `max_bytes` kept, for `threads` threads.
    pub(crate) fn new(inputs: &'a [Input], max_bytes: usize, threads: usize) -> Self {
        Reader {
            inputs,
            next: 0,
            open: None,
            max_bytes,
            most: if threads > 1 {
                SHARED_ITEMS
            } else {
                SOLO_ITEMS
            },
            bytes: None,
            failure: None,
        }
    }

    /// The error of the first input that could not be read, if any.
    pub(crate) fn into_failure(self) -> Option<Error> {
        self.failure
    }

    /// Ends `batch` with the error of an input that could not be read.
    fn fail(&mut self, batch: &mut Batch, e: Error) {
        batch.failure = Some(terminal::chain(&e));
        self.failure.get_or_insert(e);
    }

    /// Reads `bytes` as the input without a path, in place of standard input.
    pub(crate) fn with_bytes(mut self, bytes: &'a [u8]) -> Self {
        self.bytes = Some(bytes);
        self
    }

    /// What an input without a path reads.
    fn stdin(&self) -> Box<dyn Read + Send + 'a> {
        match self.bytes {
            Some(bytes) => Box::new(bytes),
            None => Box::new(io::stdin()),
        }
    }

    /// Opens `input`: reads a JSON file into `batch` whole, or starts an NDJSON or HAR input.
    fn open(&mut self, input: &'a Input, batch: &mut Batch) -> Result<(), Error> {
        let path = input.path.as_deref();
        match input.how {
            How::Json => {
                let max = self.max_bytes;
                let data = &mut batch.data;
                let content = match path {
                    None => {
                        read_capped(self.stdin(), max, data).map_err(|e| Error::io(STDIN, e))?
                    }
                    Some(path) if input.gzip => {
                        read_capped(gunzip(path)?, max, data).map_err(|e| Error::io(path, e))?
                    }
                    Some(path) => {
                        let len = std::fs::metadata(path)
                            .map_err(|e| Error::io(path, e))?
                            .len();
                        if len > max as u64 {
                            Content::TooLarge(len)
                        } else {
                            let file = File::open(path).map_err(|e| Error::io(path, e))?;
                            read_capped(file, max, data).map_err(|e| Error::io(path, e))?
                        }
                    }
                };
                batch.push(&input.name, None, content);
            }
            How::Ndjson => {
                let reader: Box<dyn Read + Send + 'a> = match path {
                    None => self.stdin(),
                    Some(path) if input.gzip => Box::new(gunzip(path)?),
                    Some(path) => Box::new(File::open(path).map_err(|e| Error::io(path, e))?),
                };
                let lines = Lines::new(reader, self.max_bytes);
                self.open = Some(Open::Lines { input, lines });
            }
            How::Har => {
                let bytes = self.har_bytes(input)?;
                let calls = har::calls(&input.name, &bytes)?;
                batch.skipped += calls.skipped;
                let har = Har {
                    name: input.name.clone(),
                    placer: HarPlacer::new(input.name.clone(), bytes),
                    calls: calls.calls,
                };
                self.open = Some(Open::Har {
                    har: Arc::new(har),
                    next: 0,
                });
            }
        }
        Ok(())
    }

    /// The whole of a HAR input.
    fn har_bytes(&self, input: &Input) -> Result<Vec<u8>, Error> {
        let mut bytes = Vec::new();
        match &input.path {
            None => {
                self.stdin()
                    .read_to_end(&mut bytes)
                    .map_err(|e| Error::io(STDIN, e))?;
            }
            Some(path) if input.gzip => {
                let mut limited = gunzip(path)?.take(HAR_GZ_BYTES + 1);
                limited
                    .read_to_end(&mut bytes)
                    .map_err(|e| Error::io(path, e))?;
                if bytes.len() as u64 > HAR_GZ_BYTES {
                    let e = io::Error::new(
                        io::ErrorKind::InvalidData,
                        "decompresses to more than 1 GiB, which a HAR file is read whole into",
                    );
                    return Err(Error::io(path, e));
                }
            }
            Some(path) => bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?,
        }
        Ok(bytes)
    }
}

impl Source for Reader<'_> {
    type Batch = Batch;

    fn fill(&mut self, batch: &mut Batch, number: usize) -> bool {
        batch.clear();
        let items = (FIRST_ITEMS << number.min(8)).min(self.most);
        while batch.failure.is_none() && !batch.is_full(items) {
            match &mut self.open {
                Some(Open::Lines { input, lines }) => {
                    lines.restore(&mut batch.data);
                    match fill(lines, batch, &input.name, items) {
                        // Full: the rest of the input goes on in the next batch.
                        Ok(true) => lines.set_aside(&mut batch.data),
                        Ok(false) => self.open = None,
                        Err(e) => {
                            let name = input.path.clone().unwrap_or_else(|| STDIN.into());
                            self.open = None;
                            self.fail(batch, Error::io(name, e));
                        }
                    }
                }
                Some(Open::Har { har, next }) => {
                    let index = batch.hars.len();
                    batch.hars.push(Arc::clone(har));
                    // A call is two payloads.
                    while *next < har.calls.len() && !batch.is_full(items / 2) {
                        batch.jobs.push(Job {
                            file: 0,
                            line: None,
                            content: Content::Call {
                                har: index,
                                call: *next,
                            },
                        });
                        *next += 1;
                    }
                    if *next == har.calls.len() {
                        self.open = None;
                    } else {
                        break;
                    }
                }
                None => {
                    let Some(input) = self.inputs.get(self.next) else {
                        break;
                    };
                    self.next += 1;
                    if let Err(e) = self.open(input, batch) {
                        self.fail(batch, e);
                    }
                }
            }
        }
        !batch.jobs.is_empty() || batch.failure.is_some() || batch.skipped > 0
    }
}

/// The decompressed bytes of the gzipped file at `path`, every member of it (as `gzip -d`
/// reads a file of several).
fn gunzip(path: &Path) -> Result<impl Read + Send + use<>, Error> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    Ok(flate2::read::MultiGzDecoder::new(io::BufReader::new(file)))
}

/// Reads at most `max` bytes onto the end of `data`; past that, counts the rest without
/// keeping it.
pub(crate) fn read_capped(
    reader: impl Read,
    max: usize,
    data: &mut Vec<u8>,
) -> io::Result<Content> {
    let start = data.len();
    let mut limited = reader.take(max as u64 + 1);
    limited.read_to_end(data)?;
    let len = data.len() - start;
    if len <= max {
        return Ok(Content::Bytes(start..data.len()));
    }
    data.truncate(start);
    let rest = io::copy(&mut limited.into_inner(), &mut io::sink())?;
    Ok(Content::TooLarge(len as u64 + rest))
}

/// Queues the next lines of `lines` in `batch` as payloads of the file `name` until it holds
/// `items` (or [`BATCH_BYTES`]); `false` when the input ended first.
fn fill(
    lines: &mut Lines<impl Read>,
    batch: &mut Batch,
    name: &Arc<str>,
    items: usize,
) -> io::Result<bool> {
    while let Some(line) = lines.next_line(&mut batch.data)? {
        let content = match line.payload {
            Payload::Bytes(range) => Content::Bytes(range),
            Payload::TooLarge(len) => Content::TooLarge(len),
        };
        batch.push(name, Some(line.number), content);
        if batch.is_full(items) {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_capped_counts_what_it_does_not_keep() {
        let mut data = b"x".to_vec();
        assert_eq!(
            read_capped(&b"abc"[..], 3, &mut data).unwrap(),
            Content::Bytes(1..4)
        );
        assert_eq!(data, b"xabc");
        assert_eq!(
            read_capped(&b"abcdef"[..], 3, &mut data).unwrap(),
            Content::TooLarge(6)
        );
        assert_eq!(data, b"xabc", "nothing of a payload too large is kept");
    }
}
