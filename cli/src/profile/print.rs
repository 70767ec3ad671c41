//! How `profile` prints a traffic profile: `--format`.

use std::io::Write;

use clap::ValueEnum;

use cloudstorage_contract::Error;
use cloudstorage_contract::traffic::{self, Drift, TrafficProfile};

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
pub(super) fn print(
    profile: &TrafficProfile,
    drift: Option<&Drift>,
    format: ProfileFormat,
) -> Result<(), Error> {
    let text = match format {
        ProfileFormat::Json => match drift {
            None => profile_json(profile)?,
            Some(drift) => with_drift(profile, drift)?,
        },
        ProfileFormat::Human => traffic::human(profile, drift, width()).into_bytes(),
        ProfileFormat::Markdown => traffic::markdown(profile, drift).into_bytes(),
        ProfileFormat::Html => traffic::html(profile, drift).into_bytes(),
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(&text).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(crate::stdout_err(e)),
        _ => Ok(()),
    }
}

/// The width the human tables fit: `COLUMNS` when set, else 100.
fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|w| *w >= 40)
        .unwrap_or(100)
}

/// The JSON form with the drift as one more member, `drift`, which reading a profile back
/// (`--merge`, `--baseline`) leaves aside.
fn with_drift(profile: &TrafficProfile, drift: &Drift) -> Result<Vec<u8>, Error> {
    let internal =
        |e: serde_json::Error| Error::internal(format!("a traffic profile as JSON: {e}"));
    let mut value = serde_json::to_value(profile).map_err(internal)?;
    if let serde_json::Value::Object(map) = &mut value {
        map.insert(
            "drift".into(),
            serde_json::to_value(drift).map_err(internal)?,
        );
    }
    let mut text = serde_json::to_vec_pretty(&value).map_err(internal)?;
    text.push(b'\n');
    Ok(text)
}
