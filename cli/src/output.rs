//! Where `check`'s reports go: stdout in one format (`--format`), and any number of files
//! (`--output FORMAT=PATH`), each byte for byte what `--format FORMAT` prints to a file.
//!
//! The payloads are validated once. Each is rendered once per distinct [`Rendering`] the
//! destinations ask for, and each destination writes its rendering's text as it comes.
//!
//! `--output profile=PATH` is not a report: it is the [`TrafficProfile`] of the same pass, each
//! thread's profile merged here at the end, written as `profile --format json` prints it
//! ([`profile_json`]).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use cloudstorage_contract::Error;
use cloudstorage_contract::report::step_summary::Tally;
use cloudstorage_contract::report::{Checked, Summary, Writer};
pub(crate) use cloudstorage_contract::report::{Format, Rendering};
use cloudstorage_contract::traffic::TrafficProfile;

use super::render::{Render, Rendered, Renderings, Texts, slot};

/// What a file of `--output` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Output {
    /// The report in this format, byte for byte what `--format` prints.
    Report(Format),
    /// The traffic profile of the run, in its JSON form ([`profile_json`]).
    Profile,
}

/// The JSON text of a traffic profile, as `profile --format json` prints it and
/// `check --output profile=PATH` writes it: pretty, with a newline at the end.
pub(crate) fn profile_json(profile: &TrafficProfile) -> Result<Vec<u8>, Error> {
    let mut text = serde_json::to_vec_pretty(profile)
        .map_err(|e| Error::internal(format!("a traffic profile as JSON: {e}")))?;
    text.push(b'\n');
    Ok(text)
}

/// A file of `--output`, open for writing.
pub(crate) struct OutputFile {
    pub(crate) output: Output,
    pub(crate) path: PathBuf,
    pub(crate) file: BufWriter<File>,
}

/// Creates (or truncates) the files of `--output`, before anything is checked.
///
/// # Errors
///
/// A file that cannot be created; two outputs to one file; an output that is a path `named` on
/// the command line as an input (it would be emptied before it is read).
pub(crate) fn create(
    outputs: &[(Output, PathBuf)],
    named: &[PathBuf],
) -> Result<Vec<OutputFile>, Error> {
    let named: Vec<PathBuf> = named.iter().map(|p| identity(p)).collect();
    let mut seen: Vec<PathBuf> = Vec::new();
    for (_, path) in outputs {
        let id = identity(path);
        if seen.contains(&id) {
            return Err(Error::usage(format!(
                "two `--output`s write `{}`",
                path.display()
            )));
        }
        if named.contains(&id) {
            return Err(Error::usage(format!(
                "`{}` is both an input and an `--output` file",
                path.display()
            )));
        }
        seen.push(id);
    }
    outputs
        .iter()
        .map(|(output, path)| {
            let file = File::create(path).map_err(|e| Error::io(path, e))?;
            Ok(OutputFile {
                output: *output,
                path: path.clone(),
                file: BufWriter::with_capacity(1 << 16, file),
            })
        })
        .collect()
}

/// Which file `path` is: its canonical form when it exists, or its folder's with its name, so
/// that `a.json` and `./a.json` are one file, existing or not.
pub(crate) fn identity(path: &Path) -> PathBuf {
    if let Ok(canonical) = std::fs::canonicalize(path) {
        return canonical;
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (std::fs::canonicalize(parent), path.file_name()) {
        (Ok(parent), Some(name)) => parent.join(name),
        _ => path.to_owned(),
    }
}

/// Where results go, as they come: stdout (unless quiet) and the files of `--output`, each
/// written in input order as the scheduler hands batches on.
pub(crate) struct Sink<W: Write> {
    pub(crate) stdout: Option<Writer<W>>,
    pub(crate) files: Vec<(PathBuf, Writer<BufWriter<File>>)>,
    /// The files of `--output profile=PATH`.
    pub(crate) profile_files: Vec<(PathBuf, BufWriter<File>)>,
    /// The profile of the run, when one is gathered: for `profile_files`, or for the caller
    /// (`profile`); the threads' profiles are added at the end ([`Sink::add_profile`]).
    pub(crate) profile: Option<TrafficProfile>,
    pub(crate) summary: Summary,
    /// Results kept for the formats that need them all (junit).
    pub(crate) kept: Vec<Checked>,
    /// Whether a payload met an internal error instead of a verdict.
    pub(crate) internal: bool,
    /// Whether an input could not be read.
    pub(crate) failed: bool,
    /// Whether to print the error of an input that could not be read.
    pub(crate) print_failures: bool,
    /// A file of `--output` that could not be written: the run stops.
    pub(crate) file_failed: Option<Error>,
    /// Where the GitHub step summary goes, and what it says so far.
    pub(crate) step_summary: Option<(PathBuf, Tally)>,
}

impl<W: Write> Sink<W> {
    /// The destinations of `check`'s reports: `stdout` in its rendering (none when quiet),
    /// the `--output` files, and the GitHub step summary's file; the error of an input that
    /// cannot be read is printed when `print_failures`. A traffic profile is gathered when
    /// `profile` or when a file of `--output` is one.
    ///
    /// # Errors
    ///
    /// When the sarif format's rule help cannot be built: an internal error.
    pub(crate) fn new(
        stdout: Option<(Rendering, W)>,
        files: Vec<OutputFile>,
        step_summary: Option<PathBuf>,
        print_failures: bool,
        profile: bool,
    ) -> Result<Self, Error> {
        let stdout = match stdout {
            None => None,
            Some((rendering, out)) => Some(Writer::with_rendering(rendering, out)?),
        };
        let mut reports = Vec::new();
        let mut profile_files = Vec::new();
        for f in files {
            match f.output {
                Output::Report(format) => reports.push((f.path, Writer::new(format, f.file)?)),
                Output::Profile => profile_files.push((f.path, f.file)),
            }
        }
        let profile = (profile || !profile_files.is_empty()).then(TrafficProfile::new);
        Ok(Sink {
            stdout,
            files: reports,
            profile_files,
            profile,
            summary: Summary::default(),
            kept: Vec::new(),
            internal: false,
            failed: false,
            print_failures,
            file_failed: None,
            step_summary: step_summary.map(|path| (path, Tally::default())),
        })
    }

    /// The run's exit code: 2 when an input could not be read or a payload met an internal
    /// error, 1 when a payload violates the contract, 0 otherwise.
    pub(crate) fn code(&self) -> u8 {
        if self.failed || self.internal {
            2
        } else if self.summary.violating > 0 {
            1
        } else {
            0
        }
    }

    pub(crate) fn begin(&mut self) -> io::Result<()> {
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

    pub(crate) fn render(&self) -> Render {
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
            profile: self.profile.is_some(),
        }
    }

    /// Adds the profile a thread gathered, before [`end`](Self::end) writes it. Order-free:
    /// the same profile whatever the batches and threads were.
    pub(crate) fn add_profile(&mut self, thread: TrafficProfile) {
        if let Some(profile) = &mut self.profile {
            profile.merge(thread);
        }
    }

    /// Writes what a thread rendered; gives back its texts' buffers, emptied.
    pub(crate) fn emit(&mut self, rendered: Rendered) -> io::Result<Texts> {
        self.summary.merge(&rendered.summary);
        self.kept.extend(rendered.kept);
        if let Some((_, tally)) = &mut self.step_summary {
            tally.merge(rendered.tally);
        }
        let mut texts = rendered.texts;
        if let Some(stdout) = &mut self.stdout {
            stdout.write_rendered(&texts[slot(stdout.rendering())])?;
        }
        for i in 0..self.files.len() {
            let target = &mut self.files[i].1;
            let result = target.write_rendered(&texts[slot(target.rendering())]);
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
        if let Some(line) = rendered.failure {
            self.flush()?;
            if self.print_failures {
                super::color::error(&line);
            }
            self.failed = true;
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

    pub(crate) fn end(&mut self) -> io::Result<()> {
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
        if let Some(profile) = &self.profile
            && !self.profile_files.is_empty()
        {
            let text = match profile_json(profile) {
                Ok(text) => text,
                Err(e) => {
                    self.file_failed = Some(e);
                    return Err(io::Error::other("the profile failed"));
                }
            };
            for (path, mut file) in std::mem::take(&mut self.profile_files) {
                if let Err(e) = file.write_all(&text).and_then(|()| file.flush()) {
                    let kind = e.kind();
                    self.file_failed = Some(Error::io(&path, e));
                    return Err(io::Error::new(kind, "an output file failed"));
                }
            }
        }
        for (path, file) in std::mem::take(&mut self.files) {
            if let Err(e) = file.end(&self.summary, &self.kept) {
                let kind = e.kind();
                self.file_failed = Some(Error::io(&path, e));
                return Err(io::Error::new(kind, "an output file failed"));
            }
        }
        match self.stdout.take() {
            Some(stdout) => stdout.end(&self.summary, &self.kept).map(drop),
            None => Ok(()),
        }
    }
}
