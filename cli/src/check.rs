//! `check`: validate the inputs ([`super::inputs`]) in parallel batches, render in input order.
//!
//! Memory stays flat whatever the input size: NDJSON is read in batches of lines (at most
//! [`BATCH_ITEMS`] lines or [`BATCH_BYTES`] bytes), back to back in one buffer; each batch is
//! validated and rendered while the next one is read, then written in input order, so at most
//! two batches are in memory. Only the renderer that needs every result up front (junit) keeps
//! them, and then without payload bytes.
//!
//! Threads are `std::thread::scope`d. A batch is cut into runs of [`CHUNK`] payloads queued for
//! a [`Pool`] of `--jobs` − 1 workers that live as long as the run; each validates and renders
//! a run to one buffer. The reading thread is the last of the `--jobs`: while it waits for a
//! batch it takes runs from the queue too, then writes the buffers in input order. With
//! `--jobs 1` it validates each batch itself. No thread pool crate is needed.
//!
//! An NDJSON input of [`SHARED_BYTES`] or more, stdin or a gzipped file, is read differently
//! with several threads: each thread in turn reads a small batch into a buffer of its own and
//! validates it, and the first thread writes the batches in order (see [`Shared`]). A
//! payload's bytes are then read and validated on the same core, which is what lets two cores
//! check nearly twice as fast as one.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, mpsc};

use cloudstorage_contract::har;
use cloudstorage_contract::report::step_summary::Tally;
use cloudstorage_contract::report::{Checked, HarPlacer, Origin, Summary, Writer};
use cloudstorage_contract::schema::Kind;
use cloudstorage_contract::{Error, Validator};

use super::inputs::{self, How, Input, STDIN, Walk};
use super::output::{self, OutputFile, Rendering, Renderings, Texts};

/// Most payloads validated per batch.
const BATCH_ITEMS: usize = 4096;
/// Most payloads in a batch with `--jobs 1`: few enough that the lines read are still in the
/// core's cache when they are validated.
const SOLO_ITEMS: usize = 4 * CHUNK;
/// Most payload bytes read per batch (a single payload larger than this is a batch alone).
const BATCH_BYTES: usize = 32 * 1024 * 1024;
/// Payloads a worker validates and renders in one go: few enough to share a batch out evenly,
/// enough that one string holds many payloads' output.
const CHUNK: usize = 64;
/// The smallest NDJSON file that all threads read in turn (see [`Shared`]); the lines of
/// smaller ones join the batches the reading thread shares out, with those of other inputs.
const SHARED_BYTES: u64 = 4 * 1024 * 1024;
/// The most bytes a gzipped HAR file may decompress to: a HAR file is read whole.
const HAR_GZ_BYTES: u64 = 1024 * 1024 * 1024;
/// Most payloads in a batch of a [`Shared`] input: its bytes stay in the core's own cache,
/// and so does the output of a batch of near misses.
const SHARED_ITEMS: usize = 512;
/// How many batches of a [`Shared`] input may wait to be written before the threads that
/// validated them wait too.
const WAITING: usize = 4;

pub(crate) use super::output::Format;

/// What `check` was asked to do, options resolved.
#[derive(Debug)]
pub(crate) struct Config {
    /// `None` to detect each payload's kind.
    pub(crate) kind: Option<Kind>,
    /// Read stdin and files of other extensions as NDJSON.
    pub(crate) ndjson: bool,
    pub(crate) jobs: usize,
    pub(crate) format: Format,
    pub(crate) color: bool,
    pub(crate) quiet: bool,
    pub(crate) max_bytes: usize,
    /// What a directory walk leaves out.
    pub(crate) walk: Walk,
    /// The files of `--output`, each with its format.
    pub(crate) outputs: Vec<(Format, PathBuf)>,
    /// Where to append the GitHub step summary (`GITHUB_STEP_SUMMARY`, with the github format).
    pub(crate) step_summary: Option<PathBuf>,
}

/// A payload read, waiting for a thread.
#[derive(Debug)]
struct Job {
    /// Its file, an index into its batch's [`Batch::files`].
    file: usize,
    /// The line it starts on, for NDJSON.
    line: Option<u32>,
    content: Content,
}

#[derive(Debug, PartialEq, Eq)]
enum Content {
    /// Where the payload's bytes are in its batch's data.
    Bytes(Range<usize>),
    /// Over `--max-bytes`: never read whole.
    TooLarge(u64),
}

/// Payloads read and not yet validated: their bytes back to back in one buffer, so that a line
/// costs no allocation of its own.
#[derive(Debug, Default)]
struct Batch {
    data: Vec<u8>,
    jobs: Vec<Job>,
    /// The names of the jobs' files, each once. A job holds an index rather than a clone of
    /// the `Arc`: a reference count bumped per line is a locked instruction, and the reading
    /// thread stalls on it while its stores to memory last read on another core drain.
    files: Vec<Arc<str>>,
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
    fn file(&self, job: &Job) -> Option<&Arc<str>> {
        self.files.get(job.file)
    }

    /// Empties the batch, keeping its buffers.
    fn clear(&mut self) {
        self.data.clear();
        self.jobs.clear();
        self.files.clear();
    }

    /// Whether the batch holds `items` payloads or [`BATCH_BYTES`] bytes.
    fn is_full(&self, items: usize) -> bool {
        self.jobs.len() >= items || self.data.len() >= BATCH_BYTES
    }

    fn bytes(&self, range: &Range<usize>) -> &[u8] {
        self.data.get(range.clone()).unwrap_or_default()
    }
}

/// What a run of payloads renders to, in a worker.
#[derive(Debug, Default)]
struct Rendered {
    summary: Summary,
    /// The output of the streaming formats, by rendering: for json and sarif, items of their
    /// list.
    texts: Texts,
    /// The results themselves, for the format that needs them all (junit).
    kept: Vec<Checked>,
    /// The `error:` lines of payloads that met an internal error instead of a verdict.
    internal: Vec<String>,
    /// What the GitHub step summary needs, when one is written.
    tally: Tally,
}

/// What a worker needs to render: every rendering the destinations ask for.
#[derive(Debug, Clone, Copy)]
struct Render {
    renderings: Renderings,
    /// Whether to gather a [`Tally`] for the GitHub step summary.
    tally: bool,
}

impl Render {
    /// Renders payloads in order.
    fn all(self, results: impl IntoIterator<Item = Checked>) -> Rendered {
        self.all_into(Texts::default(), results)
    }

    /// Renders payloads in order into `texts`, empty buffers to reuse.
    fn all_into(self, texts: Texts, results: impl IntoIterator<Item = Checked>) -> Rendered {
        let mut out = Rendered {
            texts,
            ..Rendered::default()
        };
        let json = output::slot(Rendering::new(Format::Json, false));
        if self.renderings.has(Format::Json) {
            // A line per payload, about 150 bytes for a conforming one.
            out.texts[json].reserve(CHUNK * 160);
        }
        let keep = self.renderings.has(Format::Junit);
        // Whether an item of a list was rendered, by slot, for the json and sarif commas.
        let mut any = [false; output::RENDERINGS];
        for checked in results {
            if let Some(message) = &checked.internal {
                // Not a verdict: neither counted nor rendered, and the run fails.
                out.internal.push(format!(
                    "internal error on {}: {message} (a bug: please report it with the payload)",
                    checked.origin.name()
                ));
                continue;
            }
            out.summary.add(&checked);
            if self.tally {
                out.tally.add(&checked);
            }
            for rendering in self.renderings.iter() {
                let slot = output::slot(rendering);
                rendering.render(&checked, &mut out.texts[slot], &mut any[slot]);
            }
            if keep {
                out.kept.push(checked);
            }
        }
        out
    }
}

/// Where results go, as they come: stdout (unless quiet) and the files of `--output`.
struct Sink<W: Write> {
    stdout: Option<Writer<W>>,
    files: Vec<(PathBuf, Writer<BufWriter<File>>)>,
    summary: Summary,
    /// Results kept for the formats that need them all (junit).
    kept: Vec<Checked>,
    /// Whether a payload met an internal error instead of a verdict.
    internal: bool,
    /// A file of `--output` that could not be written: the run stops.
    file_failed: Option<Error>,
    /// Where the GitHub step summary goes, and what it says so far.
    step_summary: Option<(PathBuf, Tally)>,
}

impl<W: Write> Sink<W> {
    fn begin(&mut self) -> io::Result<()> {
        if let Some(stdout) = &mut self.stdout {
            stdout.begin()?;
        }
        for i in 0..self.files.len() {
            let result = self.files[i].1.begin();
            self.file_result(i, result)?;
        }
        Ok(())
    }

    /// Keeps a file's error, naming the file, and stops the run.
    fn file_result(&mut self, i: usize, result: io::Result<()>) -> io::Result<()> {
        result.map_err(|e| {
            let kind = e.kind();
            self.file_failed = Some(Error::io(&self.files[i].0, e));
            io::Error::new(kind, "an output file failed")
        })
    }

    fn render(&self) -> Render {
        let mut renderings = Renderings::default();
        for target in self.stdout.iter() {
            renderings.insert(target.rendering());
        }
        for (_, target) in &self.files {
            renderings.insert(target.rendering());
        }
        Render {
            renderings,
            tally: self.step_summary.is_some(),
        }
    }

    /// Writes what a worker rendered; gives back its texts' buffers, emptied.
    fn emit(&mut self, rendered: Rendered) -> io::Result<Texts> {
        self.summary.merge(&rendered.summary);
        self.kept.extend(rendered.kept);
        if let Some((_, tally)) = &mut self.step_summary {
            tally.merge(rendered.tally);
        }
        let mut texts = rendered.texts;
        if let Some(stdout) = &mut self.stdout {
            stdout.write_rendered(&texts[output::slot(stdout.rendering())])?;
        }
        for i in 0..self.files.len() {
            let target = &mut self.files[i].1;
            let result = target.write_rendered(&texts[output::slot(target.rendering())]);
            self.file_result(i, result)?;
        }
        if !rendered.internal.is_empty() {
            // Keep stdout and stderr in order for a reader of both.
            self.flush()?;
            for line in rendered.internal {
                super::color::error(&line);
            }
            self.internal = true;
        }
        for text in &mut texts {
            text.clear();
        }
        Ok(texts)
    }

    /// Flushes stdout, for a reader who follows the run.
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.stdout {
            Some(stdout) => stdout.flush(),
            None => Ok(()),
        }
    }

    fn end(&mut self) -> io::Result<()> {
        if let Some((path, tally)) = &self.step_summary {
            let markdown = tally.markdown(&self.summary);
            let appended = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(path)
                .and_then(|mut file| file.write_all(markdown.as_bytes()));
            if let Err(e) = appended {
                let kind = e.kind();
                self.file_failed = Some(Error::io(path, e));
                return Err(io::Error::new(kind, "the step summary failed"));
            }
        }
        for i in 0..self.files.len() {
            let result = self.files[i].1.end(&self.summary, &self.kept);
            self.file_result(i, result)?;
        }
        match &mut self.stdout {
            Some(stdout) => stdout.end(&self.summary, &self.kept),
            None => Ok(()),
        }
    }
}

/// Runs `check` over `paths`, writing to `out`; returns the exit code (0, 1 or 2).
///
/// # Errors
///
/// When a path does not exist or a directory holds no input: nothing is checked then. Errors
/// on one input while checking (unreadable, not a HAR) are printed to stderr and the run goes
/// on, ending with exit code 2.
pub(crate) fn run(
    validator: &Validator,
    config: &Config,
    paths: &[PathBuf],
    out: impl Write,
) -> Result<u8, Error> {
    let mut inputs = inputs::inputs(paths, config.ndjson, config.walk)?;
    let files = output::create(&config.outputs, paths)?;
    // A report is never read as an input, even where a folder walk finds it.
    let written: Vec<PathBuf> = files.iter().map(|f| output::identity(&f.path)).collect();
    if !written.is_empty() {
        inputs.retain(|input| {
            input
                .path
                .as_ref()
                .is_none_or(|p| !written.contains(&output::identity(p)))
        });
    }
    run_with(validator, config, out, files, |checker, sink| {
        for input in &inputs {
            checker.input(input, sink)?;
        }
        Ok(())
    })
}

/// `check` over the bytes of one input held in memory, read as NDJSON or (`har`) as a HAR
/// file: what [`run`] does with a file, for the fuzz targets.
///
/// # Errors
///
/// When the input cannot be read (a HAR that is not one): the error [`run`] prints.
pub(crate) fn run_bytes(
    validator: &Validator,
    config: &Config,
    har: bool,
    bytes: &[u8],
    out: impl Write,
) -> Result<u8, Error> {
    let input = Input {
        path: None,
        name: "<bytes>".into(),
        how: if har { How::Har } else { How::Ndjson },
        gzip: false,
    };
    let mut failure = None;
    let code = run_with(validator, config, out, Vec::new(), |checker, sink| {
        let result = if har {
            checker.har_bytes(&input, bytes, sink)
        } else {
            checker.ndjson_from(&input, bytes, config.jobs > 1, sink)
        };
        match result {
            Ok(()) => Ok(()),
            Err(Failure::Output(e)) => Err(e),
            Err(Failure::Input(e)) => {
                failure = Some(e);
                Ok(())
            }
        }
    })?;
    failure.map_or(Ok(code), Err)
}

/// Feeds the inputs to a checker with `feed`, then renders the rest and the summary, to `out`
/// (unless quiet) and to `files`.
fn run_with<W: Write>(
    validator: &Validator,
    config: &Config,
    out: W,
    files: Vec<OutputFile>,
    feed: impl FnOnce(&mut Checker<'_>, &mut Sink<W>) -> io::Result<()>,
) -> Result<u8, Error> {
    let stdout = match config.quiet {
        true => None,
        false => Some(Writer::with_rendering(
            Rendering::new(config.format, config.color),
            out,
        )?),
    };
    let files = files
        .into_iter()
        .map(|f| {
            let target = Writer::new(f.format, f.file)?;
            Ok((f.path, target))
        })
        .collect::<Result<_, Error>>()?;
    let mut sink = Sink {
        stdout,
        files,
        summary: Summary::default(),
        kept: Vec::new(),
        internal: false,
        file_failed: None,
        step_summary: config
            .step_summary
            .clone()
            .map(|path| (path, Tally::default())),
    };
    let render = sink.render();
    let work = Work {
        validator,
        config,
        render,
        want_source: render.renderings.has(Format::Human),
    };
    let (result, failed) = std::thread::scope(|scope| {
        let mut checker = Checker {
            work,
            // With one thread, the reading thread validates each batch itself.
            pool: (config.jobs > 1).then(|| Pool::start(scope, work)),
            pending: Batch::default(),
            batch_items: 4 * CHUNK,
            in_flight: None,
            failed: false,
            texts: Texts::default(),
        };
        let result = (|| -> io::Result<()> {
            sink.begin()?;
            feed(&mut checker, &mut sink)?;
            checker.drain(&mut sink)?;
            sink.end()
        })();
        (result, checker.failed)
    });
    if let Some(e) = sink.file_failed {
        return Err(e);
    }
    match result {
        Ok(()) => {}
        // A closed pipe (`| head`) ends the run quietly.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(Error::io("<stdout>", e)),
    }
    Ok(if failed || sink.internal {
        2
    } else if sink.summary.violating > 0 {
        1
    } else {
        0
    })
}

/// Reads inputs into batches and validates each batch on all threads while the next one is
/// read: at most two batches are in memory.
struct Checker<'env> {
    /// What validating a payload needs, the same on every thread.
    work: Work<'env>,
    /// Where the runs of payloads go to the workers; dropping it ends them.
    /// `None` with `--jobs 1`: the reading thread validates.
    pool: Option<Pool<'env>>,
    /// Payloads read and not yet validated.
    pending: Batch,
    /// How many payloads make a batch: a few runs at first, so that the other threads start
    /// early, then twice as many each batch up to [`BATCH_ITEMS`].
    batch_items: usize,
    /// The batch being validated, to emit before the next one.
    in_flight: Option<InFlight>,
    /// An input could not be read.
    failed: bool,
    /// With `--jobs 1`, the output buffers every run renders into, written out and reused.
    texts: Texts,
}

/// A run of payloads for a worker: the jobs `jobs` of `batch`, the `index`-th run of it.
struct Task {
    batch: Arc<Batch>,
    jobs: Range<usize>,
    index: usize,
    done: mpsc::Sender<(usize, Rendered)>,
}

/// A batch handed to the workers.
struct InFlight {
    batch: Arc<Batch>,
    runs: usize,
    done: mpsc::Receiver<(usize, Rendered)>,
}

/// What validating a run of payloads needs; the same for every worker of a run.
#[derive(Clone, Copy)]
struct Work<'env> {
    validator: &'env Validator,
    config: &'env Config,
    render: Render,
    want_source: bool,
}

impl Work<'_> {
    /// Validates and renders a run of payloads, and sends it back.
    fn run(self, task: Task) {
        let jobs = task.batch.jobs.get(task.jobs.clone()).unwrap_or_default();
        let rendered = self.jobs(&task.batch, jobs, &mut OwnName::default(), Texts::default());
        // Let go of the batch first, so that the reader gets its buffers back.
        drop(task.batch);
        let _ = task.done.send((task.index, rendered));
    }

    /// Validates and renders `jobs` of `batch` into `texts`, empty buffers to reuse, naming
    /// their files with this thread's `name`.
    fn jobs(self, batch: &Batch, jobs: &[Job], name: &mut OwnName, texts: Texts) -> Rendered {
        self.render.all_into(
            texts,
            jobs.iter().map(|job| {
                let file = name.of(batch.file(job));
                check_job(
                    self.validator,
                    self.config,
                    batch,
                    job,
                    self.want_source,
                    file,
                )
            }),
        )
    }
}

/// A thread's own copy of a file name. Every result names its file, and an `Arc` shared by the
/// threads would have them all bump one reference count per payload, a cache line passed from
/// core to core.
#[derive(Default)]
struct OwnName {
    /// The shared name last seen, and this thread's copy of it.
    last: Option<(Arc<str>, Arc<str>)>,
}

impl OwnName {
    fn of(&mut self, shared: Option<&Arc<str>>) -> Arc<str> {
        let Some(shared) = shared else {
            return Arc::default();
        };
        match &self.last {
            Some((seen, own)) if Arc::ptr_eq(seen, shared) => Arc::clone(own),
            _ => {
                let own: Arc<str> = Arc::from(&**shared);
                self.last = Some((Arc::clone(shared), Arc::clone(&own)));
                own
            }
        }
    }
}

/// The workers of a run and their queue of runs of payloads.
///
/// `--jobs N` starts N - 1 workers: the reading thread is the N-th, taking runs from the queue
/// while it waits for a batch (see [`emit_batch`]), so that N threads share N cores without a
/// thread that only waits. The workers live as long as the run, so that each keeps its
/// allocator's memory warm (a thread per batch had every batch start on fresh pages).
struct Pool<'env> {
    /// Dropping it ends the workers.
    tasks: mpsc::Sender<Task>,
    queue: Arc<std::sync::Mutex<mpsc::Receiver<Task>>>,
    work: Work<'env>,
}

impl<'env> Pool<'env> {
    fn start<'scope>(scope: &'scope std::thread::Scope<'scope, 'env>, work: Work<'env>) -> Self {
        let (tasks, queue) = mpsc::channel::<Task>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for _ in 1..work.config.jobs {
            let queue = Arc::clone(&queue);
            scope.spawn(move || {
                loop {
                    // A poisoned lock means another worker panicked: the scope reports that.
                    let Ok(task) = queue.lock().map(|q| q.recv()) else {
                        return;
                    };
                    let Ok(task) = task else { return };
                    work.run(task);
                }
            });
        }
        Pool { tasks, queue, work }
    }

    /// Runs one queued run of payloads on this thread; `false` when there is none to take.
    fn help(&self) -> bool {
        let task = match self.queue.try_lock() {
            Ok(queue) => queue.try_recv().ok(),
            Err(_) => None,
        };
        match task {
            Some(task) => {
                self.work.run(task);
                true
            }
            None => false,
        }
    }
}

impl Checker<'_> {
    /// Reads one input, validating and emitting whenever a batch is full. An input that cannot
    /// be read is reported on stderr.
    fn input<W: Write>(&mut self, input: &Input, sink: &mut Sink<W>) -> io::Result<()> {
        let result = match input.how {
            How::Json => self.json(input),
            How::Ndjson => self.ndjson(input, sink),
            How::Har => self.har(input, sink),
        };
        match result {
            Ok(()) => {}
            Err(Failure::Output(e)) => return Err(e),
            Err(Failure::Input(e)) => {
                // Keep stdout and stderr in order for a reader of both.
                self.drain(sink)?;
                super::color::error(&cloudstorage_contract::terminal::chain(&e));
                self.failed = true;
            }
        }
        if self.pending.is_full(self.batch_items) {
            self.flush(sink)?;
        }
        Ok(())
    }

    fn json(&mut self, input: &Input) -> Result<(), Failure> {
        let max = self.work.config.max_bytes;
        let data = &mut self.pending.data;
        let content = match &input.path {
            None => read_capped(io::stdin().lock(), max, data).map_err(|e| Error::io(STDIN, e))?,
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
        self.pending.push(&input.name, None, content);
        Ok(())
    }

    fn ndjson<W: Write>(&mut self, input: &Input, sink: &mut Sink<W>) -> Result<(), Failure> {
        let threads = self.work.config.jobs > 1;
        match &input.path {
            None => self.ndjson_from(input, io::stdin(), threads, sink),
            // Its length is known only once read: read as stdin is.
            Some(path) if input.gzip => self.ndjson_from(input, gunzip(path)?, threads, sink),
            Some(path) => {
                let file = File::open(path).map_err(|e| Error::io(path, e))?;
                let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
                self.ndjson_from(input, file, threads && len >= SHARED_BYTES, sink)
            }
        }
    }

    /// Reads the lines of an NDJSON input on every thread (`shared`) or on this one.
    fn ndjson_from<W: Write>(
        &mut self,
        input: &Input,
        reader: impl Read + Send,
        shared: bool,
        sink: &mut Sink<W>,
    ) -> Result<(), Failure> {
        if shared {
            self.ndjson_shared(input, reader, sink)
        } else {
            self.ndjson_lines(input, reader, sink)
        }
    }

    /// Reads the lines of an NDJSON input on every thread: each in turn reads a batch into a
    /// buffer of its own, validates it and hands the output to this thread, which writes the
    /// batches in order. Each thread's payload bytes stay in its core's cache, which they do
    /// not when one thread reads every batch and the others validate it.
    fn ndjson_shared<W: Write>(
        &mut self,
        input: &Input,
        reader: impl Read + Send,
        sink: &mut Sink<W>,
    ) -> Result<(), Failure> {
        // What was read before goes first.
        self.drain(sink)?;
        let shared = Shared {
            reading: Mutex::new(Reading {
                lines: Lines::new(reader, self.work.config.max_bytes),
                next: 0,
                ended: false,
                failure: None,
            }),
            done: Mutex::new(Done {
                ready: BTreeMap::new(),
                next: 0,
                busy: self.work.config.jobs.saturating_sub(1),
                stop: false,
                spare: Vec::new(),
            }),
            changed: Condvar::new(),
        };
        let (work, name) = (self.work, &input.name);
        let written = std::thread::scope(|scope| {
            for _ in 1..self.work.config.jobs {
                scope.spawn(|| shared.validate(work, name));
            }
            let written = shared.write(work, name, sink);
            if written.is_err() {
                shared.lock_done().stop = true;
                shared.changed.notify_all();
            }
            written
        });
        written?;
        let reading = shared.reading.into_inner();
        match reading.unwrap_or_else(PoisonError::into_inner).failure {
            Some(e) => {
                let name = input.path.clone().unwrap_or_else(|| STDIN.into());
                Err(Failure::Input(Error::io(name, e)))
            }
            None => Ok(()),
        }
    }

    /// Reads the lines of an NDJSON input from `reader`.
    fn ndjson_lines<W: Write>(
        &mut self,
        input: &Input,
        reader: impl Read,
        sink: &mut Sink<W>,
    ) -> Result<(), Failure> {
        let name = || input.path.clone().unwrap_or_else(|| STDIN.into());
        let mut lines = Lines::new(reader, self.work.config.max_bytes);
        while lines
            .fill(&mut self.pending, &input.name, self.batch_items)
            .map_err(|e| Error::io(name(), e))?
        {
            lines.set_aside(&mut self.pending.data);
            self.flush(sink)?;
            lines.restore(&mut self.pending.data);
        }
        Ok(())
    }

    fn har<W: Write>(&mut self, input: &Input, sink: &mut Sink<W>) -> Result<(), Failure> {
        let bytes = match &input.path {
            None => {
                let mut bytes = Vec::new();
                io::stdin()
                    .lock()
                    .read_to_end(&mut bytes)
                    .map_err(|e| Error::io(STDIN, e))?;
                bytes
            }
            Some(path) if input.gzip => {
                let mut bytes = Vec::new();
                let mut limited = gunzip(path)?.take(HAR_GZ_BYTES + 1);
                limited
                    .read_to_end(&mut bytes)
                    .map_err(|e| Error::io(path, e))?;
                if bytes.len() as u64 > HAR_GZ_BYTES {
                    let e = io::Error::new(
                        io::ErrorKind::InvalidData,
                        "decompresses to more than 1 GiB, which a HAR file is read whole into",
                    );
                    return Err(Error::io(path, e).into());
                }
                bytes
            }
            Some(path) => std::fs::read(path).map_err(|e| Error::io(path, e))?,
        };
        self.har_bytes(input, &bytes, sink)
    }

    /// Checks the `order/get` calls of a HAR file's bytes.
    fn har_bytes<W: Write>(
        &mut self,
        input: &Input,
        bytes: &[u8],
        sink: &mut Sink<W>,
    ) -> Result<(), Failure> {
        let calls = har::calls(&input.name, bytes)?;
        // Results come out in input order: what was read before goes first.
        self.drain(sink)?;
        sink.summary.skipped += calls.skipped;
        let place = HarPlacer::new(input.name.clone(), bytes);
        let render = sink.render();
        let (validator, want_source) = (self.work.validator, self.work.want_source);
        let chunks: Vec<_> = calls.calls.chunks(CHUNK / 2).collect();
        for batch in chunks.chunks(2 * BATCH_ITEMS / CHUNK) {
            let results = parallel_map(batch, self.work.config.jobs, |chunk| {
                render.all(chunk.iter().flat_map(|call| {
                    let exchange =
                        validator.validate_exchange(&call.request.bytes, &call.response.bytes);
                    [
                        place.checked(&exchange.request, &call.request, want_source),
                        place.checked(&exchange.response, &call.response, want_source),
                    ]
                }))
            });
            for rendered in results {
                sink.emit(rendered)?;
            }
            sink.flush()?;
        }
        Ok(())
    }

    /// Starts validating the pending payloads in the background, and emits the batch before
    /// them, if any.
    fn flush<W: Write>(&mut self, sink: &mut Sink<W>) -> io::Result<()> {
        if self.pending.jobs.is_empty() {
            return Ok(());
        }
        let most = if self.pool.is_some() {
            BATCH_ITEMS
        } else {
            SOLO_ITEMS
        };
        self.batch_items = (2 * self.batch_items).min(most);
        let Some(pool) = &self.pool else {
            let (batch, mut name) = (&self.pending, OwnName::default());
            // One output buffer for every run: written out, emptied, and filled again.
            let mut texts = std::mem::take(&mut self.texts);
            for jobs in batch.jobs.chunks(CHUNK) {
                texts = sink.emit(self.work.jobs(batch, jobs, &mut name, texts))?;
            }
            self.texts = texts;
            self.pending.clear();
            return sink.flush();
        };
        let batch = Arc::new(std::mem::take(&mut self.pending));
        let (done, results) = mpsc::channel();
        let count = batch.jobs.len();
        let runs = count.div_ceil(CHUNK);
        for index in 0..runs {
            let task = Task {
                batch: Arc::clone(&batch),
                jobs: index * CHUNK..((index + 1) * CHUNK).min(count),
                index,
                done: done.clone(),
            };
            if pool.tasks.send(task).is_err() {
                return Err(io::Error::other("a validation thread stopped"));
            }
        }
        let flight = InFlight {
            batch,
            runs,
            done: results,
        };
        if let Some(previous) = self.in_flight.replace(flight) {
            // The batch before is done with: its buffers take the next lines, so that reading
            // touches the same memory again instead of faulting in fresh pages.
            if let Some(mut spare) = emit_batch(previous, sink, self.pool.as_ref())? {
                spare.clear();
                self.pending = spare;
            }
        }
        Ok(())
    }

    /// Validates and emits everything read so far.
    fn drain<W: Write>(&mut self, sink: &mut Sink<W>) -> io::Result<()> {
        self.flush(sink)?;
        if let Some(batch) = self.in_flight.take() {
            emit_batch(batch, sink, self.pool.as_ref())?;
        }
        sink.flush()
    }
}

/// An NDJSON input that every thread reads from in turn (see [`Checker::ndjson_shared`]).
struct Shared<R> {
    reading: Mutex<Reading<R>>,
    done: Mutex<Done>,
    /// Signalled when a batch is done or written, or a thread stops.
    changed: Condvar,
}

/// The input of a [`Shared`], read by one thread at a time.
struct Reading<R> {
    lines: Lines<R>,
    /// The number of the next batch.
    next: usize,
    /// Read to its end, or to a read that failed.
    ended: bool,
    failure: Option<io::Error>,
}

/// What the threads of a [`Shared`] have validated and the writing thread has not written.
struct Done {
    /// Batches by number.
    ready: BTreeMap<usize, Rendered>,
    /// The number of the next batch to write.
    next: usize,
    /// How many threads besides the writing one are still at work.
    busy: usize,
    /// The output failed: stop.
    stop: bool,
    /// Buffers of written batches, for the next ones: memory freed on the thread that writes
    /// would otherwise wait there while the thread that renders maps in fresh pages.
    spare: Vec<Texts>,
}

/// A thread's buffers for the batches of a [`Shared`]: what it reads, its copy of the file
/// name, and the buffer it renders to.
#[derive(Default)]
struct Own {
    batch: Batch,
    name: OwnName,
    texts: Texts,
}

/// Counts a thread of a [`Shared`] out when it ends, however it ends.
struct Busy<'a, R>(&'a Shared<R>);

impl<R> Drop for Busy<'_, R> {
    fn drop(&mut self) {
        self.0.lock_done().busy -= 1;
        self.0.changed.notify_all();
    }
}

impl<R> Shared<R> {
    fn lock_done(&self) -> MutexGuard<'_, Done> {
        // A thread that panicked holding the lock is reported by the scope.
        self.done.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<R: Read> Shared<R> {
    /// Reads the next batch into `batch`; its number, or `None` when there is none.
    fn read(&self, batch: &mut Batch, name: &Arc<str>) -> Option<usize> {
        let mut reading = self.reading.lock().unwrap_or_else(PoisonError::into_inner);
        let reading = &mut *reading;
        batch.clear();
        if reading.ended {
            return None;
        }
        // A few runs at first, so that the other threads start early, then twice as many each
        // batch up to [`SHARED_ITEMS`].
        let items = ((2 * CHUNK) << reading.next.min(8)).min(SHARED_ITEMS);
        let lines = &mut reading.lines;
        lines.restore(&mut batch.data);
        match lines.fill(batch, name, items) {
            Ok(more) => reading.ended = !more,
            Err(e) => (reading.failure, reading.ended) = (Some(e), true),
        }
        lines.set_aside(&mut batch.data);
        if batch.jobs.is_empty() {
            return None;
        }
        reading.next += 1;
        Some(reading.next - 1)
    }

    /// Reads, validates and hands over the next batch, with a thread's own buffers; `false`
    /// when there is none.
    fn step(&self, work: Work<'_>, name: &Arc<str>, own: &mut Own) -> bool {
        let Some(number) = self.read(&mut own.batch, name) else {
            return false;
        };
        let texts = std::mem::take(&mut own.texts);
        let rendered = work.jobs(&own.batch, &own.batch.jobs, &mut own.name, texts);
        let mut done = self.lock_done();
        done.ready.insert(number, rendered);
        own.texts = done.spare.pop().unwrap_or_default();
        drop(done);
        self.changed.notify_all();
        true
    }

    /// A thread besides the writing one: reads and validates batches until the input ends.
    fn validate(&self, work: Work<'_>, name: &Arc<str>) {
        let _busy = Busy(self);
        let mut own = Own::default();
        loop {
            {
                let mut done = self.lock_done();
                while !done.stop && done.ready.len() >= WAITING {
                    done = self
                        .changed
                        .wait(done)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                if done.stop {
                    return;
                }
            }
            if !self.step(work, name, &mut own) {
                return;
            }
        }
    }

    /// The writing thread: reads and validates batches too, and writes every thread's in
    /// order until the input ends and the other threads are done.
    fn write<W: Write>(
        &self,
        work: Work<'_>,
        name: &Arc<str>,
        sink: &mut Sink<W>,
    ) -> io::Result<()> {
        let mut own = Own::default();
        let mut reading = true;
        loop {
            if reading {
                reading = self.step(work, name, &mut own);
            }
            // Take what is ready in order, and write it without holding the lock.
            let mut ready = Vec::new();
            {
                let mut done = self.lock_done();
                loop {
                    let first = done.next;
                    let mut next = first;
                    while let Some(rendered) = done.ready.remove(&next) {
                        ready.push(rendered);
                        next += 1;
                    }
                    done.next = next;
                    if reading || next > first {
                        break;
                    }
                    // Nothing more will come (or a thread panicked, which the scope reports).
                    if done.busy == 0 {
                        return Ok(());
                    }
                    done = self
                        .changed
                        .wait(done)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
            self.changed.notify_all();
            let mut spare = Vec::with_capacity(ready.len());
            for rendered in ready {
                spare.push(sink.emit(rendered)?);
            }
            self.lock_done().spare.append(&mut spare);
        }
    }
}

/// Waits for a batch and emits its results in order; returns the batch's buffers when no
/// worker holds them any more.
fn emit_batch<W: Write>(
    flight: InFlight,
    sink: &mut Sink<W>,
    pool: Option<&Pool<'_>>,
) -> io::Result<Option<Batch>> {
    let stopped = || io::Error::other("a validation thread stopped");
    let mut slots: Vec<Option<Rendered>> = (0..flight.runs).map(|_| None).collect();
    let mut next = 0;
    while next < flight.runs {
        // Every run's sender is in a task; a worker that died dropped its task unanswered.
        let (index, rendered) = match flight.done.try_recv() {
            Ok(result) => result,
            Err(mpsc::TryRecvError::Disconnected) => return Err(stopped()),
            Err(mpsc::TryRecvError::Empty) => {
                // Nothing back yet: take a run from the queue, or else wait.
                if pool.is_some_and(Pool::help) {
                    continue;
                }
                flight.done.recv().map_err(|_| stopped())?
            }
        };
        if let Some(slot) = slots.get_mut(index) {
            *slot = Some(rendered);
        }
        // Write what is ready, in order, while the rest is being validated.
        while let Some(rendered) = slots.get_mut(next).and_then(Option::take) {
            sink.emit(rendered)?;
            next += 1;
        }
    }
    sink.flush()?;
    Ok(Arc::try_unwrap(flight.batch).ok())
}

/// Why reading an input stopped.
enum Failure {
    /// The input: report it and go on.
    Input(Error),
    /// The output: stop.
    Output(io::Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Input(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Output(e)
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
fn read_capped(reader: impl Read, max: usize, data: &mut Vec<u8>) -> io::Result<Content> {
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

/// How many bytes [`Lines`] asks its reader for at a time.
const READ: usize = 64 * 1024;

/// The non-blank lines of an NDJSON input, numbered from 1, each at most `max` bytes kept.
///
/// The input is read straight into the batch's buffer and each line is handed out where it
/// lies, so that a byte is copied once, by the kernel, instead of into a buffered reader and
/// then again into the batch. Bytes read past the line handed out last stay at the end of the
/// buffer; [`Lines::set_aside`] takes them out before the batch goes to the workers and
/// [`Lines::restore`] puts them at the start of the next one.
struct Lines<R> {
    reader: R,
    max: usize,
    number: u32,
    /// How many bytes to ask the reader for at a time: [`READ`], smaller in tests.
    chunk: usize,
    /// How many bytes at the end of the buffer are read and not yet handed out.
    ahead: usize,
    /// How many of those have been searched for a newline and have none.
    scanned: usize,
    /// The line being read is longer than `max`: how many of its bytes have been dropped, and
    /// the last of them (to tell `\r\n` from `\n`).
    skipping: Option<(u64, u8)>,
    /// The read-ahead bytes while a batch is away.
    carry: Vec<u8>,
    /// A read failed: the whole lines read before it are handed out first, then this error
    /// (a gzipped file cut short decompresses up to the cut).
    failure: Option<io::Error>,
}

impl<R: Read> Lines<R> {
    fn new(reader: R, max: usize) -> Self {
        Lines {
            reader,
            max,
            number: 0,
            chunk: READ,
            ahead: 0,
            scanned: 0,
            skipping: None,
            carry: Vec::new(),
            failure: None,
        }
    }

    /// The next non-blank line, its content in `data` (at most `max` bytes of it): it is at
    /// the end of `data`, or the read-ahead bytes left there by the call before. What `data`
    /// held before stays; the bytes of blank lines and line ends are left between lines.
    fn next(&mut self, data: &mut Vec<u8>) -> io::Result<Option<(u32, Content)>> {
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
                    Some((len, _)) => Some((self.count(), Content::TooLarge(len))),
                    None if line.is_empty() => None,
                    None => self.line(data, line).map(|content| (self.count(), content)),
                });
            };
            self.ahead = data.len() - newline - 1;
            self.scanned = 0;
            // The byte before the newline, which may have been dropped with a long line.
            let before = match newline.checked_sub(1).filter(|&i| i >= begin) {
                Some(i) => data.get(i).copied(),
                None => self.skipping.map(|(_, last)| last),
            };
            let end = newline - usize::from(before == Some(b'\r') && newline > begin);
            if let Some((len, _)) = self.skipping.take() {
                let cr = u64::from(before == Some(b'\r'));
                let len = len + (newline - begin) as u64 - cr;
                return Ok(Some((self.count(), Content::TooLarge(len))));
            }
            let number = self.count();
            if let Some(content) = self.line(data, begin..end) {
                return Ok(Some((number, content)));
            }
        }
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

    /// Queues the next lines in `batch` as payloads of the file `name` until it holds `items`
    /// (or [`BATCH_BYTES`]); `false` when the input ended first.
    fn fill(&mut self, batch: &mut Batch, name: &Arc<str>, items: usize) -> io::Result<bool> {
        while let Some((number, content)) = self.next(&mut batch.data)? {
            batch.push(name, Some(number), content);
            if batch.is_full(items) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Counts a line and returns its number.
    fn count(&mut self) -> u32 {
        self.number = self.number.saturating_add(1);
        self.number
    }

    /// What a whole line holds: `None` for a blank one.
    fn line(&self, data: &[u8], line: Range<usize>) -> Option<Content> {
        let text = data.get(line.clone()).unwrap_or_default();
        if text.len() > self.max {
            Some(Content::TooLarge(text.len() as u64))
        } else if text.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            Some(Content::Bytes(line))
        }
    }

    /// Takes the read-ahead bytes off the end of `data`, to [`restore`](Self::restore) them
    /// onto the next batch's buffer.
    fn set_aside(&mut self, data: &mut Vec<u8>) {
        self.carry.clear();
        let begin = data.len().saturating_sub(self.ahead);
        self.carry
            .extend_from_slice(data.get(begin..).unwrap_or_default());
        data.truncate(begin);
    }

    /// Puts the bytes [set aside](Self::set_aside) at the end of `data`.
    fn restore(&mut self, data: &mut Vec<u8>) {
        data.extend_from_slice(&self.carry);
        self.carry.clear();
    }
}

/// Maps `f` over `items` on up to `threads` threads; the results keep the items' order.
///
/// Threads take the next item from a shared counter, so that a slow payload does not hold up a
/// whole share of the batch.
fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut parts: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(item)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut all: Vec<(usize, R)> = parts.iter_mut().flat_map(std::mem::take).collect();
    all.sort_unstable_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

/// Validates one payload and places its findings in its file.
fn check_job(
    validator: &Validator,
    config: &Config,
    batch: &Batch,
    job: &Job,
    want_source: bool,
    file: Arc<str>,
) -> Checked {
    let origin = match job.line {
        Some(line) => Origin::line(file, line),
        None => Origin::file(file),
    };
    let bytes = match &job.content {
        Content::Bytes(range) => batch.bytes(range),
        Content::TooLarge(len) => return Checked::too_large(origin, *len, config.max_bytes),
    };
    let report = match config.kind {
        None => validator.validate(bytes),
        Some(Kind::Request) => validator.validate_request(bytes),
        Some(Kind::Response) => validator.validate_response(bytes),
    };
    Checked::new(report, origin, bytes, want_source)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Got = Vec<(u32, Result<Vec<u8>, u64>)>;

    /// The lines of `text` read `chunk` bytes at a time; the batch is handed off after every
    /// `batch` lines.
    fn lines_by(text: &[u8], max: usize, chunk: usize, batch: usize) -> Got {
        let mut lines = Lines::new(text, max);
        lines.chunk = chunk;
        let mut out = Vec::new();
        let mut data = b"kept".to_vec();
        let mut in_batch = 0;
        while let Some((n, c)) = lines.next(&mut data).unwrap() {
            out.push((
                n,
                match c {
                    Content::Bytes(range) => Ok(data[range].to_vec()),
                    Content::TooLarge(len) => Err(len),
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
        out
    }

    /// The lines of `text`, the same whatever the size of the reads and of the batches.
    fn lines(text: &[u8], max: usize) -> Got {
        let whole = lines_by(text, max, READ, usize::MAX);
        for chunk in 1..=text.len() + 1 {
            for batch in [1, 2, usize::MAX] {
                assert_eq!(
                    lines_by(text, max, chunk, batch),
                    whole,
                    "{chunk}-byte reads, batches of {batch}"
                );
            }
        }
        whole
    }

    /// Reads `text`, then fails.
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
        for chunk in [1, 2, 5, READ] {
            // The last line, cut short by the failure, is not handed out.
            let mut lines = Lines::new(Cut(b"{}\n\n[1]\r\n{\"cut"), 100);
            lines.chunk = chunk;
            let mut data = Vec::new();
            let mut got = Vec::new();
            let error = loop {
                match lines.next(&mut data) {
                    Ok(Some((n, Content::Bytes(range)))) => got.push((n, data[range].to_vec())),
                    Ok(other) => panic!("{chunk}: {other:?}"),
                    Err(e) => break e,
                }
            };
            assert_eq!(got, [(1, b"{}".to_vec()), (3, b"[1]".to_vec())], "{chunk}");
            assert_eq!(error.to_string(), "cut");
        }
    }

    #[test]
    fn ndjson_lines_skip_blanks_and_cap_long_lines() {
        let got = lines(b"{\"a\":1}\r\n\n  \n0123456789abc\nlast", 10);
        assert_eq!(
            got,
            vec![
                (1, Ok(b"{\"a\":1}".to_vec())),
                (4, Err(13)),
                (5, Ok(b"last".to_vec())),
            ]
        );
        assert_eq!(lines(b"", 10), vec![]);
        assert_eq!(lines(b"\n", 10), vec![]);
        assert_eq!(
            lines(b"0123456789\n", 10),
            vec![(1, Ok(b"0123456789".to_vec()))]
        );
        assert_eq!(
            lines(b"0123456789\r\n", 10),
            vec![(1, Ok(b"0123456789".to_vec()))]
        );
        assert_eq!(
            lines(b"0123456789ab\r\nx", 10),
            vec![(1, Err(12)), (2, Ok(b"x".to_vec()))]
        );
        // Far too long, with the `\r` of its `\r\n` read apart from the `\n`.
        let long = [&[b'7'; 40][..], b"\r\n\r\n \nnext\r"].concat();
        assert_eq!(
            lines(&long, 10),
            vec![(1, Err(40)), (4, Ok(b"next\r".to_vec()))]
        );
        assert_eq!(lines(&[b'7'; 40], 10), vec![(1, Err(40))]);
        // A `\r` inside a line is part of it; a line of only `\r` is blank.
        assert_eq!(lines(b"\r\na\rb\n\r", 10), vec![(2, Ok(b"a\rb".to_vec()))]);
    }

    /// NDJSON of every shape a line can take: conforming payloads and near misses of both
    /// kinds, blank lines, `\r\n` ends, lines over `--max-bytes`, no newline at the end.
    fn mixed_ndjson(lines: u64) -> Vec<u8> {
        let mut text = Vec::new();
        for seed in 0..lines {
            let kind = Kind::ALL[(seed % 2) as usize];
            let sample = match seed % 3 {
                0 => cloudstorage_contract::sample::near_miss(kind, seed),
                _ => cloudstorage_contract::sample::conforming(kind, seed),
            };
            text.extend_from_slice(sample.text.as_bytes());
            text.extend_from_slice(match seed % 7 {
                0 => b"\r\n".as_slice(),
                1 => b"\n\n   \n",
                2 => b"\n{\"a\": \"far too long for the limit of this test, which is low\"}\n",
                _ => b"\n",
            });
        }
        text.extend_from_slice(b"{\"last\": \"without a newline\"}");
        text
    }

    /// `check --ndjson --max-bytes 1000` in `format` on `jobs` threads, no colour.
    fn ndjson_config(format: Format, jobs: usize) -> Config {
        Config {
            kind: None,
            ndjson: true,
            jobs,
            format,
            color: false,
            quiet: false,
            max_bytes: 1000,
            walk: Walk::default(),
            outputs: Vec::new(),
            step_summary: None,
        }
    }

    #[test]
    fn every_thread_count_writes_the_same_output() {
        let validator = Validator::new(cloudstorage_contract::Options::default()).unwrap();
        // Enough lines for batches of every size, a few of them too long.
        let input = mixed_ndjson(2500);
        for format in [Format::Json, Format::Human, Format::Junit, Format::Github] {
            let run = |jobs| {
                let config = ndjson_config(format, jobs);
                let mut out = Vec::new();
                let code = run_bytes(&validator, &config, false, &input, &mut out).unwrap();
                (code, String::from_utf8(out).unwrap())
            };
            let one = run(1);
            assert_eq!(one.0, 1, "{format:?}");
            if matches!(format, Format::Human | Format::Github) {
                // Every sample, every long line, and the last line.
                let payloads = 2500 + (0..2500).filter(|seed| seed % 7 == 2).count() + 1;
                let summary = format!("checked {payloads} payloads");
                assert!(one.1.contains(&summary), "{format:?}: {summary}");
            }
            for jobs in [2, 3] {
                // Compare line by line, for a readable failure.
                let many = run(jobs);
                assert_eq!(many.0, one.0, "{format:?} on {jobs} threads");
                for (a, b) in one.1.lines().zip(many.1.lines()) {
                    assert_eq!(a, b, "{format:?} on {jobs} threads");
                }
                assert_eq!(many.1.len(), one.1.len(), "{format:?} on {jobs} threads");
            }
        }
    }

    #[test]
    fn parallel_map_keeps_order() {
        let items: Vec<usize> = (0..1000).collect();
        for threads in [1, 2, 7] {
            let got = parallel_map(&items, threads, |i| i * 2);
            assert_eq!(got, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        }
    }

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

    /// A violating NDJSON payload (`in/a&b.ndjson:3`), then two conforming ones, the first with
    /// warnings (`page.json`).
    fn mixed_results(validator: &Validator) -> Vec<Checked> {
        let violating = br#"{"code": "200"}"#;
        let mut results = vec![Checked::new(
            validator.validate(violating),
            Origin::line("in/a&b.ndjson", 3),
            violating,
            false,
        )];
        // The page's own success response: it conforms, with warnings (`10:00:0`).
        let page = include_bytes!("../../examples/page/response-success.json");
        results.push(Checked::new(
            validator.validate(page),
            Origin::file("page.json"),
            page,
            false,
        ));
        let sample = cloudstorage_contract::sample::conforming(Kind::Response, 1);
        let report = validator.validate(sample.text.as_bytes());
        let origin = Origin::line("ok.ndjson", 1);
        results.push(Checked::new(report, origin, sample.text.as_bytes(), false));
        results
    }

    #[test]
    fn an_internal_error_is_no_verdict_and_fails_the_run() {
        let validator = Validator::new(cloudstorage_contract::Options::default()).unwrap();
        for format in [Format::Json, Format::Human, Format::Junit] {
            let mut results = mixed_results(&validator);
            results[0].internal = Some("the types refuse it".into());
            let mut renderings = Renderings::default();
            renderings.insert(Rendering::new(format, false));
            let render = Render {
                renderings,
                tally: false,
            };
            let rendered = render.all(results);
            assert_eq!(rendered.internal.len(), 1, "{format:?}");
            assert!(
                rendered.internal[0].starts_with("internal error on in/a&b.ndjson:3: the types"),
                "{}",
                rendered.internal[0]
            );
            assert_eq!(
                rendered.summary.payloads, 2,
                "the internal one is not counted: {format:?}"
            );
            assert_eq!(rendered.summary.violating, 0, "{format:?}");
            let config = ndjson_config(format, 1);
            let mut out = Vec::new();
            let code = run_with(&validator, &config, &mut out, Vec::new(), |_, sink| {
                sink.emit(rendered).map(drop)
            })
            .unwrap();
            assert_eq!(code, 2, "{format:?}");
            let out = String::from_utf8(out).unwrap();
            assert!(!out.contains("a&b") && !out.contains("a&amp;b"), "{out}");
            assert!(out.contains("page.json"), "{out}");
        }
    }
}
