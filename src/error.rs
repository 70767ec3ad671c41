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
    Usage(String),
    Internal(String),
}

impl Error {
    /// An input or output file could not be read or written: `path`, for `source`. Public for
    /// the front ends (the command line, servers), which report their own failures through
    /// this one type.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error {
            kind: ErrorKind::Io {
                path: path.into(),
                source,
            },
        }
    }

    /// An option or argument is not acceptable; `message` says which and why. Public for the
    /// front ends, as [`Error::io`].
    pub fn usage(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Usage(message.into()),
        }
    }

    /// A fault of this crate or of a front end over it, such as a committed schema that does
    /// not compile: a bug to report.
    pub fn internal(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Internal(message.into()),
        }
    }

    /// Whether an option or argument was not acceptable.
    pub fn is_usage(&self) -> bool {
        matches!(self.kind, ErrorKind::Usage(_))
    }

    /// Whether a file could not be read or written.
    pub fn is_io(&self) -> bool {
        matches!(self.kind, ErrorKind::Io { .. })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            // The cause is the source, not part of the message: a chain prints it once.
            ErrorKind::Io { path, .. } => write!(f, "`{}`", path.display()),
            ErrorKind::Usage(message) => f.write_str(message),
            ErrorKind::Internal(message) => write!(f, "internal error: {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io { source, .. } => Some(source),
            ErrorKind::Usage(_) | ErrorKind::Internal(_) => None,
        }
    }
}
