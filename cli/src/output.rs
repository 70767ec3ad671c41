//! Where `check`'s reports go: stdout in one format (`--format`), and any number of files
//! (`--output FORMAT=PATH`), each byte for byte what `--format FORMAT` prints to a file.
//!
//! The payloads are validated once. Each is rendered once per distinct [`Rendering`] the
//! destinations ask for, and each destination writes its rendering's text as it comes.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use cloudstorage_contract::Error;
pub(crate) use cloudstorage_contract::report::{Format, Rendering};

/// How many distinct [`Rendering`]s there are: the five formats, and the human one coloured.
pub(crate) const RENDERINGS: usize = 6;

/// Each rendering's text of a run of payloads, by [`slot`].
pub(crate) type Texts = [Vec<u8>; RENDERINGS];

/// Where a rendering's text goes in [`Texts`].
pub(crate) fn slot(rendering: Rendering) -> usize {
    match (rendering.format(), rendering.color()) {
        (Format::Human, false) => 0,
        (Format::Json, _) => 1,
        (Format::Junit, _) => 2,
        (Format::Sarif, _) => 3,
        (Format::Github, _) => 4,
        (Format::Human, true) => 5,
        // A format this command line does not know yet has no slot: it is never asked for.
        _ => 0,
    }
}

/// The renderings a run needs, each once, in a fixed order.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Renderings {
    list: [Option<Rendering>; RENDERINGS],
}

impl Renderings {
    pub(crate) fn insert(&mut self, rendering: Rendering) {
        self.list[slot(rendering)] = Some(rendering);
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = Rendering> + '_ {
        self.list.iter().flatten().copied()
    }

    pub(crate) fn has(&self, format: Format) -> bool {
        self.iter().any(|r| r.format() == format)
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
