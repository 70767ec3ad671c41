//! The one error type: the tool could not run.
//!
//! A payload that breaks the contract is not an error; it is a report with diagnostics. An
//! [`Error`] means there was nothing to judge: an unreadable file, an unknown time zone, a rule
//! id that does not exist.

use std::fmt;
use std::path::PathBuf;

/// The tool could not do what was asked.
#[derive(Debug)]
#[non_exhaustive]
pub struct Error {
    kind: ErrorKind,
}

#[derive(Debug)]
enum ErrorKind {
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Error {
    /// An input or output file could not be read or written.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error {
            kind: ErrorKind::Io {
                path: path.into(),
                source,
            },
        }
    }

    /// Whether a file could not be read or written.
    pub fn is_io(&self) -> bool {
        matches!(self.kind, ErrorKind::Io { .. })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Io { path, source } => write!(f, "`{}`: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io { source, .. } => Some(source),
        }
    }
}
