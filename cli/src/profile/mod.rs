//! `profile`: what the traffic carries and how it covers the contract, as a
//! [`TrafficProfile`](cloudstorage_contract::traffic::TrafficProfile).
//!
//! It reads what `check` reads, through `check`'s own pass ([`crate::check`]: the same reader,
//! scheduler and batches), each thread profiling the batches it validates into one profile of
//! its own, and the threads' profiles merged at the end. Merging is order-free, so the profile is the
//! same whatever `--jobs` is and however the inputs were split. `--merge` reads saved profiles
//! instead ([`saved`]). [`print`] writes the result in the format asked for.

mod drift;
mod print;
mod saved;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::ArgMatches;

use cloudstorage_contract::traffic::TrafficProfile;
use cloudstorage_contract::{Engine, Error};

use super::check;
use super::output::Format;
use super::{CheckKind, ReadingArgs, config};

pub(crate) use print::ProfileFormat;

const AFTER_HELP: &str = "\
Inputs:
  What `check` reads, read the same way (see `cloudstorage-contract check --help`): files by
  their extension, NDJSON, HAR captures, `.gz`, directories as ripgrep searches them, and `-`
  for stdin. With `--merge`, each PATH is a profile saved by `--format json` or by
  `check --output profile=PATH`.

Exit status:
  0  the profile was printed, whatever the payloads' verdicts
  2  a usage error, an unreadable input or saved profile, or an internal failure (`error: ...`
     on stderr); the profile of what could be read is still printed

Configuration:
  `cloudstorage-contract.toml` applies as for `check` (`time-zone`, `strict`, `max-bytes`,
  `jobs`, `kind`, `[rules]`), except `format`, which is `check`'s report format. `--merge`
  reads no configuration.

Examples:
  cloudstorage-contract profile --format html captures/ > profile.html
  cloudstorage-contract profile --format json captures/monday.har > monday.json
  cloudstorage-contract profile --merge --format markdown monday.json tuesday.json";

/// The arguments of `profile`. The flags it shares with `check` have `check`'s names (and
/// argument ids), so that the configuration file meets them as it meets `check`'s.
#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub(crate) struct ProfileArgs {
    /// Files, directories, or `-` for stdin; with `--merge`, saved profiles.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
    /// Read each PATH as a saved profile (JSON) and print them merged into one.
    #[arg(
        long,
        conflicts_with_all = [
            "kind", "ndjson", "no_ignore", "hidden", "strict", "time_zone", "allow", "warn",
            "deny", "max_bytes", "jobs",
        ]
    )]
    merge: bool,
    /// Also report the drift from this saved profile (last week's, say): new unknown members
    /// and undocumented values, documented values no longer seen, changed type mixes, and
    /// rules whose rate moved.
    #[arg(long, value_name = "OLD.json")]
    baseline: Option<PathBuf>,
    /// Exit 1 when the drift has a change of KIND (repeatable, or comma-separated); the other
    /// kinds are only reported.
    #[arg(
        long,
        value_enum,
        value_name = "KIND",
        value_delimiter = ',',
        requires = "baseline"
    )]
    fail_on: Vec<drift::FailOn>,
    /// A rule's rate (payloads with its findings among all payloads) is drift when it moves by
    /// more than this many percentage points.
    #[arg(long, value_name = "PERCENT", default_value = "1", value_parser = drift::percentage, requires = "baseline")]
    rate_threshold: f64,
    /// The output format on stdout.
    #[arg(long, value_enum, default_value_t = ProfileFormat::Human)]
    format: ProfileFormat,
    #[command(flatten)]
    reading: ReadingArgs,
    #[command(flatten)]
    config: config::Choice,
}

/// Runs `profile`: prints the profile of the inputs, or of the saved profiles with `--merge`.
///
/// # Errors
///
/// A usage error, or (before anything is read) a path that does not exist; an unreadable or
/// invalid saved profile.
pub(crate) fn run(args: ProfileArgs, matches: &ArgMatches) -> Result<ExitCode, Error> {
    super::color::choose(super::color::When::Auto);
    if args.merge {
        let profile = saved::merged(&args.paths)?;
        return finish(&args, &profile, args.format, 0);
    }
    // The file as `check` reads it, its `format` left out: `check`'s report format.
    let file = config::File::<super::FormatArg, CheckKind>::load(&args.config)?;
    let file = file.map(config::File::without_format::<ProfileFormat>);
    let settings = config::Settings::resolve(file, matches, super::level_flags(matches)?)?;
    let validator = super::validator(&settings, Engine::OnePass)?;
    let config = check::Config {
        kind: super::kind(settings.kind.value),
        ndjson: args.reading.ndjson,
        jobs: super::jobs(&settings),
        // Nothing is rendered: no report goes anywhere.
        format: Format::Json,
        color: false,
        quiet: true,
        max_bytes: settings.max_bytes.value,
        walk: args.reading.walk(),
        outputs: Vec::new(),
        profile: true,
        step_summary: None,
    };
    let outcome = check::run(&validator, &config, &args.paths, std::io::sink())?;
    let profile = outcome.profile.unwrap_or_default();
    // `check`'s 1 (a payload violates the contract) is a finding of the profile, not a
    // failure: only an input that could not be read (or an internal error) fails the run.
    finish(&args, &profile, settings.format.value, outcome.code)
}

/// Prints `profile` in `format`, with its drift from the baseline when one is given; the exit
/// code: 2 when `check_code` says an input could not be read, 1 when the drift has a change
/// `--fail-on` picks, 0 otherwise.
fn finish(
    args: &ProfileArgs,
    profile: &TrafficProfile,
    format: ProfileFormat,
    check_code: u8,
) -> Result<ExitCode, Error> {
    let drift = match &args.baseline {
        Some(baseline) => Some(drift::from_baseline(
            baseline,
            profile,
            args.rate_threshold,
        )?),
        None => None,
    };
    print::print(profile, drift.as_ref(), format)?;
    let code = match (check_code, &drift) {
        (2, _) => 2,
        (_, Some(drift)) if drift::fails(drift, &args.fail_on) => 1,
        _ => 0,
    };
    Ok(ExitCode::from(code))
}
