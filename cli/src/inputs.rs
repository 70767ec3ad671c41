//! What `check` reads: the paths on its command line expanded into inputs, each with how it is
//! read. A directory is walked as ripgrep walks one, with the `ignore` crate.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cloudstorage_contract::Error;

/// The name of standard input in the output.
pub(crate) const STDIN: &str = "<stdin>";

/// The extensions a directory search picks up, each also with `.gz` after it.
const EXTENSIONS: [&str; 4] = ["json", "ndjson", "jsonl", "har"];

/// How to read one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum How {
    /// One JSON document.
    Json,
    /// One payload per line.
    Ndjson,
    /// An HTTP Archive.
    Har,
}

/// One input: a file or stdin.
#[derive(Debug)]
pub(super) struct Input {
    /// `None` for stdin.
    pub(super) path: Option<PathBuf>,
    pub(super) name: Arc<str>,
    pub(super) how: How,
    /// Its bytes are gzip-compressed (the name ends in `.gz`), read as they are decompressed.
    pub(super) gzip: bool,
}

/// What a directory walk leaves out, as ripgrep's flags say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Walk {
    /// Honour `.gitignore` (inside a Git repository), `.git/info/exclude`, the global Git
    /// excludes and `.ignore`, in the folder and its parents; off with `--no-ignore`.
    pub(crate) ignore_files: bool,
    /// Leave out hidden files and folders; off with `--hidden`.
    pub(crate) skip_hidden: bool,
}

impl Default for Walk {
    fn default() -> Self {
        Walk {
            ignore_files: true,
            skip_hidden: true,
        }
    }
}

/// The extension of `path`, lowercase, and whether a `.gz` came after it: `a.ndjson.gz` is
/// `(Some("ndjson"), true)`.
fn extension(path: &Path) -> (Option<String>, bool) {
    let lower = |p: &Path| {
        p.extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
    };
    match lower(path) {
        Some(gz) if gz == "gz" => (path.file_stem().and_then(|s| lower(Path::new(s))), true),
        other => (other, false),
    }
}

/// The input of the file at `path`, read by its extension.
fn file(path: PathBuf, ndjson: bool) -> Input {
    let (ext, gzip) = extension(&path);
    let how = match ext.as_deref() {
        Some("ndjson" | "jsonl") => How::Ndjson,
        Some("har") => How::Har,
        _ if ndjson => How::Ndjson,
        _ => How::Json,
    };
    Input {
        name: path.to_string_lossy().into(),
        how,
        gzip,
        path: Some(path),
    }
}

/// Expands the paths: `-` is stdin, a file is itself (always, ignored or hidden), a directory is
/// every file with one of [`EXTENSIONS`] below it that `walk` keeps, in sorted order, symbolic
/// links followed to files but never to folders.
///
/// # Errors
///
/// A path that cannot be read, or a directory without any input.
pub(super) fn inputs(paths: &[PathBuf], ndjson: bool, walk: Walk) -> Result<Vec<Input>, Error> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(Input {
                path: None,
                name: STDIN.into(),
                how: if ndjson { How::Ndjson } else { How::Json },
                gzip: false,
            });
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            let before = out.len();
            walk_dir(path, ndjson, walk, &mut out)?;
            if out.len() == before {
                return Err(Error::usage(format!(
                    "no `*.json`, `*.ndjson`, `*.jsonl` or `*.har` file, gzipped or not, under `{}`{}",
                    path.display(),
                    left_out(path, walk)
                )));
            }
        } else {
            out.push(file(path.clone(), ndjson));
        }
    }
    Ok(out)
}

fn walk_dir(dir: &Path, ndjson: bool, walk: Walk, out: &mut Vec<Input>) -> Result<(), Error> {
    let mut builder = ignore::WalkBuilder::new(dir);
    builder
        .standard_filters(walk.ignore_files)
        .hidden(walk.skip_hidden)
        .follow_links(false)
        .sort_by_file_name(std::ffi::OsStr::cmp);
    for entry in builder.build() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) if e.is_io() => return Err(walk_error(dir, e)),
            // A bad pattern in an ignore file: the rest of the file still applies, as in ripgrep.
            Err(_) => continue,
        };
        let path = entry.path();
        let wanted = extension(path)
            .0
            .is_some_and(|e| EXTENSIONS.contains(&e.as_str()));
        // A symbolic link is followed to a file, never to a directory (no cycles).
        let is_file = entry.file_type().is_some_and(|t| t.is_file())
            || (entry.path_is_symlink() && std::fs::metadata(path).is_ok_and(|m| m.is_file()));
        if wanted && is_file {
            out.push(file(entry.into_path(), ndjson));
        }
    }
    Ok(())
}

/// Why a folder without inputs may still hold some: how many files the walk left out, and the
/// flags that keep them; empty when it left out none.
fn left_out(dir: &Path, walk: Walk) -> String {
    let mut all = Vec::new();
    let everything = Walk {
        ignore_files: false,
        skip_hidden: false,
    };
    if walk == everything || walk_dir(dir, false, everything, &mut all).is_err() || all.is_empty() {
        return String::new();
    }
    let flags = match (walk.ignore_files, walk.skip_hidden) {
        (true, true) => "`--no-ignore` or `--hidden`",
        (true, false) => "`--no-ignore`",
        _ => "`--hidden`",
    };
    let files = if all.len() == 1 { "file" } else { "files" };
    format!(
        " ({} {files} left out as ignored or hidden: {flags} checks them)",
        all.len()
    )
}

/// An error of the walk, on the path it names (or the folder walked).
fn walk_error(dir: &Path, error: ignore::Error) -> Error {
    let path = walk_error_path(&error).unwrap_or(dir).to_owned();
    match error.into_io_error() {
        Some(io) => Error::io(path, io),
        None => Error::io(path, std::io::Error::other("cannot be walked")),
    }
}

fn walk_error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        _ => None,
    }
}
