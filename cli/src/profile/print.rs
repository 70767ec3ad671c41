//! How `profile` prints a traffic profile: `--format`.

use std::io::Write;

use clap::ValueEnum;

use cloudstorage_contract::Error;
use cloudstorage_contract::traffic::TrafficProfile;

use crate::output::profile_json;

/// `profile --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProfileFormat {
    /// Tables for a terminal, fitted to its width (`COLUMNS`).
    Human,
    /// The profile's versioned JSON form: what `--merge` reads back and what
    /// `check --output profile=PATH` writes.
    Json,
    /// Markdown tables, for a pull request comment or the GitHub step summary.
    Markdown,
    /// One self-contained HTML page with inline SVG charts and no network fetches.
    Html,
}

/// Writes `profile` in `format` to stdout; a closed pipe is not an error.
///
/// # Errors
///
/// Stdout cannot be written.
pub(super) fn print(profile: &TrafficProfile, format: ProfileFormat) -> Result<(), Error> {
    let text = match format {
        ProfileFormat::Json => profile_json(profile)?,
        // PLACEHOLDER(lead): the human, markdown and html renderers are the library's; until
        // they are wired here, every format prints the JSON form.
        ProfileFormat::Human | ProfileFormat::Markdown | ProfileFormat::Html => {
            profile_json(profile)?
        }
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(&text).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(crate::stdout_err(e)),
        _ => Ok(()),
    }
}
