//! Where `check`'s reports go: stdout in one format (`--format`), and any number of files
//! (`--output FORMAT=PATH`), each byte for byte what `--format FORMAT` prints to a file.
//!
//! The payloads are validated once. Each is rendered once per distinct [`Rendering`] the
//! destinations ask for, and each destination writes its rendering's text as it comes.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::report::{self, Checked, Summary, human, sarif};

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Human,
    Json,
    Junit,
    Sarif,
    Github,
}

/// One way of rendering the report: a format, with colour or without (only the human format
/// has colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rendering {
    pub(crate) format: Format,
    pub(crate) color: bool,
}

/// How many distinct [`Rendering`]s there are: the five formats, and the human one coloured.
pub(crate) const RENDERINGS: usize = 6;

/// Each rendering's text of a run of payloads, by [`Rendering::slot`].
pub(crate) type Texts = [Vec<u8>; RENDERINGS];

impl Rendering {
    pub(crate) fn new(format: Format, color: bool) -> Rendering {
        Rendering {
            format,
            color: color && format == Format::Human,
        }
    }

    /// Where this rendering's text goes in [`Texts`].
    pub(crate) fn slot(self) -> usize {
        match (self.format, self.color) {
            (Format::Human, false) => 0,
            (Format::Json, _) => 1,
            (Format::Junit, _) => 2,
            (Format::Sarif, _) => 3,
            (Format::Github, _) => 4,
            (Format::Human, true) => 5,
        }
    }
}

/// The renderings a run needs, each once, in a fixed order.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Renderings {
    list: [Option<Rendering>; RENDERINGS],
}

impl Renderings {
    pub(crate) fn insert(&mut self, rendering: Rendering) {
        self.list[rendering.slot()] = Some(rendering);
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = Rendering> + '_ {
        self.list.iter().flatten().copied()
    }

    pub(crate) fn has(&self, format: Format) -> bool {
        self.iter().any(|r| r.format == format)
    }
}

/// One destination of the report: stdout, or a file of `--output`.
pub(crate) struct Target<W: Write> {
    pub(crate) rendering: Rendering,
    out: W,
    /// Whether an item of the json or sarif list was written, for the commas.
    any: bool,
    /// The document's opening, for the formats that have one (json, sarif).
    head: Cow<'static, str>,
}

impl<W: Write> Target<W> {
    pub(crate) fn new(rendering: Rendering, out: W, head: Cow<'static, str>) -> Self {
        Target {
            rendering,
            out,
            any: false,
            head,
        }
    }

    pub(crate) fn begin(&mut self) -> io::Result<()> {
        self.out.write_all(self.head.as_bytes())
    }

    /// Writes a run's text in this target's rendering (for json and sarif, items of a list).
    pub(crate) fn write(&mut self, text: &[u8]) -> io::Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        if matches!(self.rendering.format, Format::Json | Format::Sarif) && self.any {
            self.out.write_all(b",\n")?;
        }
        self.any = true;
        self.out.write_all(text)
    }

    /// Writes the summary (and for junit, the whole document), then flushes.
    pub(crate) fn end(&mut self, summary: &Summary, kept: &[Checked]) -> io::Result<()> {
        let color = self.rendering.color;
        let text = match self.rendering.format {
            Format::Human => human::summary(summary, human::Style::new(color)),
            Format::Github => report::github::summary(summary),
            Format::Json => report::json::end(summary),
            Format::Sarif => sarif::end(summary),
            Format::Junit => report::junit::render(kept, summary),
        };
        self.out.write_all(text.as_bytes())?;
        self.out.flush()
    }

    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A file of `--output`, open for writing.
pub(crate) struct OutputFile {
    pub(crate) format: Format,
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
    outputs: &[(Format, PathBuf)],
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
        .map(|(format, path)| {
            let file = File::create(path).map_err(|e| Error::io(path, e))?;
            Ok(OutputFile {
                format: *format,
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
