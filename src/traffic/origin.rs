//! Where a payload came from, as a traffic profile orders it.

use serde::{Deserialize, Serialize};

/// Where a payload came from: a file, the line a payload starts on (NDJSON), the HAR entry.
///
/// Origins are ordered by file, then line, then entry (an absent line or entry first), so that
/// a profile's "first occurrence" is the smallest origin that showed it: the same whatever the
/// order the payloads were read in, however the inputs were split between threads or machines.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::traffic::Origin;
///
/// assert!(Origin::line("a.ndjson", 2) < Origin::line("a.ndjson", 10));
/// assert!(Origin::file("a.json") < Origin::line("a.json", 1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Origin {
    /// The file, as the reader named it.
    pub file: String,
    /// The 1-based line a payload starts on, for NDJSON; `None` for a whole file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The index in a HAR file's `log.entries`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<u32>,
}

impl Origin {
    /// A payload that is the whole of `file`.
    pub fn file(file: impl Into<String>) -> Origin {
        Origin {
            file: file.into(),
            line: None,
            entry: None,
        }
    }

    /// A payload on `line` (1-based) of `file`.
    pub fn line(file: impl Into<String>, line: u32) -> Origin {
        Origin {
            line: Some(line),
            ..Origin::file(file)
        }
    }

    /// A body of the HAR entry `entry` of `file`.
    pub fn entry(file: impl Into<String>, entry: u32) -> Origin {
        Origin {
            entry: Some(entry),
            ..Origin::file(file)
        }
    }
}

#[cfg(feature = "report")]
impl From<&crate::report::Origin> for Origin {
    /// The report layer's origin, as a profile orders it; a HAR entry's side is left out (the
    /// request and the response of one entry are the same place).
    fn from(origin: &crate::report::Origin) -> Origin {
        Origin {
            file: String::from(&*origin.file),
            line: origin.line,
            entry: origin
                .entry
                .map(|e| u32::try_from(e.index).unwrap_or(u32::MAX)),
        }
    }
}
