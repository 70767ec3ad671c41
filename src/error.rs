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
    /// An input or output file could not be read or written.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error {
            kind: ErrorKind::Io {
                path: path.into(),
                source,
            },
        }
    }

    /// An option or argument is not acceptable; `message` says which and why.
    pub(crate) fn usage(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Usage(message.into()),
        }
    }

    /// A fault of this crate, such as a committed schema that does not compile.
    pub(crate) fn internal(message: impl Into<String>) -> Error {
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

/// `error` and its causes, each once: `message: cause: cause`, [made safe](crate::terminal) for
/// a terminal, since an error names a file and a file's name is untrusted.
#[cfg(any(feature = "cli", test))]
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    crate::terminal::escape(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_prints_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = Error::io("in/a.json", io);
        assert_eq!(e.to_string(), "`in/a.json`");
        let source = std::error::Error::source(&e).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("no such file"));
        assert_eq!(chain(&e), "`in/a.json`: no such file");
        assert_eq!(chain(&Error::usage("bad")), "bad");
    }

    #[test]
    fn a_chain_is_safe_for_a_terminal() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone\u{7}");
        let e = Error::io("in/\u{1b}]0;owned\u{7}\u{202e}.json", io);
        assert_eq!(
            chain(&e),
            "`in/\\u{1b}]0;owned\\u{7}\\u{202e}.json`: gone\\u{7}"
        );
    }
}
