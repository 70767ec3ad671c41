//! The command-line tool: parse arguments, call the library, render, exit.
//!
//! Exit codes follow ripgrep's contract: 0 all good, 1 something does not conform (or a schema
//! drifted), 2 the tool could not run.

mod check;
mod color;
mod config;
mod inputs;
mod output;
mod profile;
mod read;
mod render;
mod schedule;
mod serve;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use cloudstorage_contract::schema::{self, Kind, Variant};
use cloudstorage_contract::{Level, RULES, Rule};
use cloudstorage_contract::{Options, Profile, Validator};

use output::{Format, Output};

/// The one-line description, first in `--help` and in the man page's NAME.
const ABOUT: &str = "Check Alibaba Cloud IoT order/get (API 1.0.6) payloads against the contract";

/// Check payloads of Alibaba Cloud IoT Living Link's `/vision/customer/cloudstorage/order/get`
/// (API 1.0.6) against the contract: the types, the JSON Schemas derived from them and the
/// semantic rules. Help wraps to the terminal, or to `COLUMNS` when it is set.
#[derive(Debug, Parser)]
#[command(name = "cloudstorage-contract", version, about = ABOUT, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check payloads: JSON files, NDJSON files, HAR captures, directories or stdin.
    Check(CheckArgs),
    /// Print the settings `check` uses here, and where each comes from.
    Config(ConfigArgs),
    /// Profile traffic: the values, members, forms and rules it carries, and how it covers the
    /// contract; or merge saved profiles.
    Profile(profile::ProfileArgs),
    /// List the rules: id, default severity, summary.
    Rules,
    /// Explain a rule, with a failing and a passing example.
    Explain {
        /// The rule's id, such as `single-digit-seconds` (see `rules`).
        #[arg(value_name = "RULE", value_parser = RuleId, hide_possible_values = true)]
        rule: String,
    },
    /// Serve a mock of order/get: conforming answers for clients to develop against.
    Mock(serve::MockArgs),
    /// Validate live order/get traffic between an app and the platform, and record it.
    Proxy(serve::ProxyArgs),
    /// Print generated payloads as NDJSON, conforming or near misses.
    Sample(SampleArgs),
    /// Print the JSON Schemas derived from the types, write them, or compare them with a folder.
    Schema(SchemaArgs),
    /// Print a shell completion script (rule ids complete after `--allow`, `--warn`, `--deny`
    /// and `explain`).
    #[command(after_help = "\
Install, for example:
  bash:  cloudstorage-contract completions bash > ~/.local/share/bash-completion/completions/cloudstorage-contract
  zsh:   cloudstorage-contract completions zsh > \"${fpath[1]}/_cloudstorage-contract\"
  fish:  cloudstorage-contract completions fish > ~/.config/fish/completions/cloudstorage-contract.fish")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write a page per command into a folder.
    #[command(after_help = "\
Examples:
  cloudstorage-contract man > cloudstorage-contract.1
  cloudstorage-contract man --dir /usr/local/share/man/man1   # also cloudstorage-contract-check.1, ...")]
    Man {
        /// Write `cloudstorage-contract.1` and one page per command (`cloudstorage-contract-check.1`,
        /// ...) into DIR instead of printing the main page.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

const CHECK_AFTER_HELP: &str = "\
Inputs:
  A file is read by its extension: `.ndjson` and `.jsonl` hold one payload per line (blank lines
  skipped), `.har` is an HTTP Archive whose `order/get` calls are checked (request, response,
  and the two together), anything else is one JSON document (or NDJSON with `--ndjson`). A
  `.gz` after the extension (`a.ndjson.gz`) is read as it decompresses; positions are in the
  decompressed text.
  A directory is searched recursively for `*.json`, `*.ndjson`, `*.jsonl` and `*.har`, each also
  gzipped (`*.ndjson.gz`), in sorted order, as ripgrep searches: what .gitignore, .ignore and
  Git's excludes leave out is skipped, and so are hidden entries (see --no-ignore, --hidden).
  `-` reads stdin.

Exit status:
  0  every payload conforms (warnings allowed)
  1  at least one payload violates the contract
  2  a usage error, an unreadable input, or an internal failure (`error: ...` on stderr)

Configuration:
  `cloudstorage-contract.toml`, in the current directory or the nearest parent up to the
  repository root, sets `time-zone`, `strict`, `max-bytes`, `jobs`, `format`, `kind` and
  `[rules]` levels; flags override it. `cloudstorage-contract config` shows what applies.

Examples:
  cloudstorage-contract check examples/valid examples/page
  cloudstorage-contract check --format github --time-zone Asia/Shanghai captures/
  cloudstorage-contract sample --count 100 | cloudstorage-contract check --ndjson -";

/// How `check` and `profile` read and judge their inputs: the options they share, under the same
/// names (and argument ids), so that the configuration file meets them alike.
#[derive(Debug, clap::Args)]
pub(crate) struct ReadingArgs {
    /// What each payload is; `auto` tells by `params` (request) or `code` (response). HAR
    /// bodies are always what they are.
    #[arg(long, value_enum, default_value_t = CheckKind::Auto)]
    kind: CheckKind,
    /// Read stdin and files without a known extension as NDJSON: one payload per line.
    #[arg(long)]
    ndjson: bool,
    /// In directories, also read what `.gitignore`, `.ignore` and Git's excludes leave out.
    #[arg(long)]
    no_ignore: bool,
    /// In directories, also read hidden files and folders.
    #[arg(long)]
    hidden: bool,
    /// The strict profile: every warning is an error.
    #[arg(long)]
    strict: bool,
    /// Check each local time against this IANA time zone, such as `Asia/Shanghai`.
    #[arg(long, value_name = "IANA")]
    time_zone: Option<String>,
    /// Do not report RULE (repeatable; later flags win over earlier ones).
    #[arg(long, value_name = "RULE", value_parser = RuleId, hide_possible_values = true)]
    allow: Vec<String>,
    /// Report RULE as a warning (repeatable).
    #[arg(long, value_name = "RULE", value_parser = RuleId, hide_possible_values = true)]
    warn: Vec<String>,
    /// Report RULE as an error (repeatable).
    #[arg(long, value_name = "RULE", value_parser = RuleId, hide_possible_values = true)]
    deny: Vec<String>,
    /// The largest payload accepted, in bytes; larger ones violate `too-large`.
    #[arg(long, value_name = "N", default_value_t = cloudstorage_contract::DEFAULT_MAX_BYTES)]
    max_bytes: usize,
    /// Threads to validate with [default: all cores].
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    jobs: Option<u32>,
}

impl ReadingArgs {
    /// What a directory walk leaves out.
    pub(crate) fn walk(&self) -> inputs::Walk {
        inputs::Walk {
            ignore_files: !self.no_ignore,
            skip_hidden: !self.hidden,
        }
    }
}

#[derive(Debug, clap::Args)]
#[command(after_help = CHECK_AFTER_HELP)]
struct CheckArgs {
    /// Files, directories, or `-` for stdin.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    reading: ReadingArgs,
    /// Print nothing on stdout: the exit status tells (errors still go to stderr).
    #[arg(long, short = 'q')]
    quiet: bool,
    /// The output format on stdout.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    format: FormatArg,
    /// Also write the report in FORMAT to the file PATH, byte for byte what `--format FORMAT`
    /// prints (repeatable, e.g. `--output sarif=contract.sarif --output junit=contract.xml`).
    /// `profile=PATH` writes the traffic profile of the same pass, as `profile --format json`
    /// prints it.
    #[arg(long, value_name = "FORMAT=PATH", value_parser = output_arg)]
    output: Vec<(OutputArg, PathBuf)>,
    /// Colour the human format and the `error:` lines: `auto` on a terminal, unless
    /// `NO_COLOR` is set or `TERM` is `dumb`; `CLICOLOR_FORCE` forces it.
    #[arg(long, value_enum, default_value_t = color::When::Auto, value_name = "WHEN")]
    color: color::When,
    /// The engine: `one-pass` reads each payload once; `reference` runs the committed JSON
    /// Schema through the `jsonschema` crate. Both report the same findings.
    #[arg(long, value_enum, default_value_t = EngineArg::OnePass)]
    engine: EngineArg,
    #[command(flatten)]
    config: config::Choice,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Prints a TOML file that would set the same values, each line followed by where its value comes \
from: `default`, `file PATH:LINE` or `command line`. Options of `check` given after `--` are \
applied over the file, as `check` would apply them.

Example:
  cloudstorage-contract config -- --strict --deny api-version")]
struct ConfigArgs {
    #[command(flatten)]
    config: config::Choice,
    /// Options of `check`, after `--`.
    #[arg(last = true, value_name = "CHECK-OPTIONS")]
    check: Vec<OsString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EngineArg {
    OnePass,
    Reference,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CheckKind {
    Auto,
    Request,
    Response,
}

/// What a file of `--output` holds: a report in a format, or the traffic profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutputArg {
    Report(FormatArg),
    Profile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormatArg {
    /// `path:line:col: severity[rule]: message`, the source line and a hint.
    Human,
    /// One JSON document: every payload with its diagnostics, then the counts.
    Json,
    /// JUnit XML: one test case per payload.
    Junit,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Each payload is one line on stdout: NDJSON that `check --ndjson -` reads. The i-th (from 0) is \
drawn from seed S+i, so the same arguments print the same bytes on every machine.

With `--invalid`, each payload breaks exactly one rule, named on stderr as `line N: breaks RULE \
at POINTER`. With `--annotate`, each stdout line is instead an object naming the rule next to the \
payload text: {\"line\": N, \"kind\": ..., \"breaks\": RULE or null, \"pointer\": POINTER or null, \
\"text\": \"<the payload>\"}.")]
struct SampleArgs {
    /// Which envelope to generate.
    #[arg(long, value_enum, default_value_t = KindArg::Response)]
    kind: KindArg,
    /// How many payloads.
    #[arg(long, short = 'n', value_name = "N", default_value_t = 10)]
    count: u64,
    /// The first seed.
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,
    /// Near misses: each payload breaks one rule.
    #[arg(long)]
    invalid: bool,
    /// Print each payload inside an object that names the rule it breaks.
    #[arg(long)]
    annotate: bool,
}

#[derive(Debug, clap::Args)]
struct SchemaArgs {
    /// Which envelope to print (both, one after the other, when omitted).
    #[arg(long, value_enum)]
    kind: Option<KindArg>,
    /// Print the strict variant (canonical times, closed objects).
    #[arg(long)]
    strict: bool,
    /// Write every schema file into DIR instead of printing.
    #[arg(long, value_name = "DIR", conflicts_with = "check")]
    write: Option<PathBuf>,
    /// Compare the schema files in DIR with the types; exit 1 with a diff on drift.
    #[arg(long, value_name = "DIR")]
    check: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    Request,
    Response,
}

impl From<KindArg> for Kind {
    fn from(k: KindArg) -> Kind {
        match k {
            KindArg::Request => Kind::Request,
            KindArg::Response => Kind::Response,
        }
    }
}

/// Runs the command line of this process and returns its exit code.
pub fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let (command, plain) = color::for_args(command(), &argv);
    let parsed = command
        .try_get_matches_from(argv)
        .and_then(|matches| Cli::from_arg_matches(&matches).map(|cli| (cli, matches)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        // clap prints help and version to stdout with success; usage errors exit 2.
        Err(e) => return color::clap_error(&e, plain),
    };
    match run(cli, &matches) {
        Ok(code) => code,
        Err(e) => {
            color::error(&cloudstorage_contract::terminal::chain(&e));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli, matches: &ArgMatches) -> Result<ExitCode, cloudstorage_contract::Error> {
    match cli.command {
        Command::Check(args) => {
            let sub = matches.subcommand_matches("check").unwrap_or(matches);
            check_command(args, sub)
        }
        Command::Config(args) => config_command(&args),
        Command::Profile(args) => {
            let sub = matches.subcommand_matches("profile").unwrap_or(matches);
            profile::run(args, sub)
        }
        Command::Rules => rules_command(),
        Command::Explain { rule } => explain_command(&rule),
        Command::Mock(args) => serve::mock(&args).map(|()| ExitCode::SUCCESS),
        Command::Proxy(args) => serve::proxy(&args).map(|()| ExitCode::SUCCESS),
        Command::Sample(args) => sample_command(&args),
        Command::Schema(args) => schema_command(args),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut command(), "cloudstorage-contract", &mut out);
            print(&out)
        }
        Command::Man { dir: Some(dir) } => {
            clap_mangen::generate_to(command(), &dir)
                .map_err(|e| cloudstorage_contract::Error::io(&dir, e))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { dir: None } => {
            let mut out = Vec::new();
            clap_mangen::Man::new(command())
                .render(&mut out)
                .map_err(stdout_err)?;
            print(&out)
        }
    }
}

/// The command line's definition, with help wrapped to `COLUMNS` when it is set (clap reads
/// it only when stdout is not a terminal).
fn command() -> clap::Command {
    let command = Cli::command();
    match std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
    {
        Some(width) if width > 0 => command.term_width(width),
        _ => command,
    }
}

/// Writes `bytes` to stdout; a closed pipe is not an error.
fn print(bytes: &[u8]) -> Result<ExitCode, cloudstorage_contract::Error> {
    match std::io::stdout().lock().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(stdout_err(e)),
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// Takes a rule id as given, so that `check` words an unknown one itself (with the flag it came
/// from and every id), and offers the catalogue's ids to shell completions.
#[derive(Debug, Clone, Copy)]
struct RuleId;

impl clap::builder::TypedValueParser for RuleId {
    type Value = String;

    fn parse_ref(
        &self,
        command: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(command, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(RULES.iter().map(|r| {
            clap::builder::PossibleValue::new(r.id).help(r.summary)
        })))
    }
}

fn stdout_err(e: std::io::Error) -> cloudstorage_contract::Error {
    cloudstorage_contract::Error::io("<stdout>", e)
}

/// The rule with this id, or the usage error that lists the ids; `context` follows the id in
/// the message, such as `` in `--allow` ``, or is empty.
pub(crate) fn rule_by_id(id: &str, context: &str) -> Result<Rule, cloudstorage_contract::Error> {
    id.parse::<Rule>()
        .map_err(|e| cloudstorage_contract::Error::usage(e.message_in(context)))
}

/// `check`'s settings: its flags over the configuration file over the defaults.
fn settings(
    args: &CheckArgs,
    matches: &ArgMatches,
) -> Result<config::Settings<FormatArg, CheckKind>, cloudstorage_contract::Error> {
    let file = config::File::load(&args.config)?;
    config::Settings::resolve(file, matches, level_flags(matches)?)
}

/// The levels of `--allow`, `--warn` and `--deny` in `matches`, in command-line order.
fn level_flags(matches: &ArgMatches) -> Result<Vec<(Rule, Level)>, cloudstorage_contract::Error> {
    // Like rustc's lint flags, the last one for a rule wins: gather them in command-line order.
    let mut levels: Vec<(usize, Rule, Level)> = Vec::new();
    for (flag, level) in [
        ("allow", Level::Allow),
        ("warn", Level::Warn),
        ("deny", Level::Deny),
    ] {
        let (Some(values), Some(indices)) =
            (matches.get_many::<String>(flag), matches.indices_of(flag))
        else {
            continue;
        };
        for (id, index) in values.zip(indices) {
            levels.push((index, rule_by_id(id, &format!(" in `--{flag}`"))?, level));
        }
    }
    levels.sort_by_key(|(index, ..)| *index);
    Ok(levels
        .into_iter()
        .map(|(_, rule, level)| (rule, level))
        .collect())
}

/// The validator of `settings` (`check`'s or `profile`'s), with `engine`.
fn validator<F, K>(
    settings: &config::Settings<F, K>,
    engine: cloudstorage_contract::Engine,
) -> Result<Validator, cloudstorage_contract::Error> {
    let profile = if settings.strict.value {
        Profile::Strict
    } else {
        Profile::Default
    };
    // `check` prints verdicts, never the typed payload: the faster path without it.
    let mut options = Options::default()
        .profile(profile)
        .max_bytes(settings.max_bytes.value)
        .keep_payload(false)
        .engine(engine);
    if let Some(zone) = &settings.time_zone.value {
        options = options.time_zone(zone.clone());
    }
    // The file's levels, then the flags' in command-line order: the last one for a rule wins.
    for (rule, level) in &settings.levels {
        options = options.level(*rule, level.value);
    }
    Validator::new(options)
}

/// The threads to run on: `--jobs` or the file's `jobs`, or every core.
fn jobs<F, K>(settings: &config::Settings<F, K>) -> usize {
    match settings.jobs.value {
        Some(n) => n as usize,
        None => std::thread::available_parallelism().map_or(1, usize::from),
    }
}

/// The kind every payload is read as, or `None` to tell each one's.
fn kind(kind: CheckKind) -> Option<Kind> {
    match kind {
        CheckKind::Auto => None,
        CheckKind::Request => Some(Kind::Request),
        CheckKind::Response => Some(Kind::Response),
    }
}

fn check_command(
    args: CheckArgs,
    matches: &ArgMatches,
) -> Result<ExitCode, cloudstorage_contract::Error> {
    let settings = settings(&args, matches)?;
    let max_bytes = settings.max_bytes.value;
    let validator = validator(
        &settings,
        match args.engine {
            EngineArg::OnePass => cloudstorage_contract::Engine::OnePass,
            EngineArg::Reference => cloudstorage_contract::Engine::Reference,
        },
    )?;
    let jobs = jobs(&settings);
    let format = Format::from(settings.format.value);
    let outputs: Vec<(Output, PathBuf)> = args
        .output
        .iter()
        .map(|(output, path)| (Output::from(*output), path.clone()))
        .collect();
    color::choose(args.color);
    let color = color::stdout();
    let config = check::Config {
        kind: kind(settings.kind.value),
        ndjson: args.reading.ndjson,
        jobs,
        format,
        color,
        quiet: args.quiet,
        max_bytes,
        walk: args.reading.walk(),
        step_summary: step_summary(format, &outputs),
        outputs,
        profile: false,
    };
    let out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let outcome = check::run(&validator, &config, &args.paths, out)?;
    Ok(ExitCode::from(outcome.code))
}

/// The file `GITHUB_STEP_SUMMARY` names, when the report goes out in the github format (on
/// stdout or to a file) and the variable is set.
fn step_summary(format: Format, outputs: &[(Output, PathBuf)]) -> Option<PathBuf> {
    let github = format == Format::Github
        || outputs
            .iter()
            .any(|(o, _)| *o == Output::Report(Format::Github));
    let path = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())?;
    github.then(|| PathBuf::from(path))
}

/// What `--output` takes besides the formats: `profile=PATH`.
const PROFILE_OUTPUT: &str = "profile";

/// Parses `--output FORMAT=PATH`: a `--format` value, or `profile`.
fn output_arg(value: &str) -> Result<(OutputArg, PathBuf), String> {
    let (format, path) = value.split_once('=').ok_or_else(|| {
        format!("expected FORMAT=PATH, such as `sarif=contract.sarif`, not `{value}`")
    })?;
    let format = if format == PROFILE_OUTPUT {
        OutputArg::Profile
    } else {
        let report = FormatArg::from_str(format, false).map_err(|_| {
            format!(
                "unknown format `{format}`, expected one of: human, json, junit, sarif, github, \
                 {PROFILE_OUTPUT}"
            )
        })?;
        OutputArg::Report(report)
    };
    if path.is_empty() {
        return Err(format!("no file after `{value}`"));
    }
    Ok((format, PathBuf::from(path)))
}

impl From<OutputArg> for Output {
    fn from(output: OutputArg) -> Output {
        match output {
            OutputArg::Report(format) => Output::Report(format.into()),
            OutputArg::Profile => Output::Profile,
        }
    }
}

impl From<FormatArg> for Format {
    fn from(format: FormatArg) -> Format {
        match format {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Junit => Format::Junit,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Github => Format::Github,
        }
    }
}

/// `check` over the bytes of one input held in memory, read as an NDJSON file or (`har`) as a
/// HAR file, on one thread, rendered in `format` (a `--format` value) with the human format's
/// source lines and without colour; returns the exit code and the output. `max_bytes` is
/// `--max-bytes`, and should be the validator's. For the fuzz targets in `fuzz/`: not a stable
/// interface.
///
/// # Errors
///
/// An unknown format, or an input `check` reports as unreadable (a HAR that is not one).
#[doc(hidden)]
pub fn check_bytes(
    validator: &Validator,
    har: bool,
    format: &str,
    max_bytes: usize,
    bytes: &[u8],
) -> Result<(u8, Vec<u8>), cloudstorage_contract::Error> {
    let format = FormatArg::from_str(format, false)
        .map_err(|e| cloudstorage_contract::Error::usage(format!("`--format`: {e}")))?;
    let config = check::Config {
        kind: None,
        ndjson: true,
        jobs: 1,
        format: format.into(),
        color: false,
        quiet: false,
        max_bytes,
        walk: inputs::Walk::default(),
        outputs: Vec::new(),
        profile: false,
        step_summary: None,
    };
    let mut out = Vec::new();
    let code = check::run_bytes(validator, &config, har, bytes, &mut out)?;
    Ok((code, out))
}

/// `config`: `check`'s settings from a command line of `check` with the options given, as
/// `check` resolves them.
fn config_command(args: &ConfigArgs) -> Result<ExitCode, cloudstorage_contract::Error> {
    let mut argv: Vec<OsString> = vec!["cloudstorage-contract".into(), "check".into()];
    argv.extend(args.config.flags());
    argv.extend(args.check.iter().cloned());
    // A path, which `check` requires: this one is never read.
    argv.push("-".into());
    let (command, plain) = color::for_args(Cli::command(), &argv);
    let parsed = command.try_get_matches_from(argv).and_then(|matches| {
        let sub = matches.subcommand_matches("check").cloned();
        let sub = sub.unwrap_or_else(|| matches.clone());
        CheckArgs::from_arg_matches(&sub).map(|check| (check, sub))
    });
    let (check, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => return Ok(color::clap_error(&e, plain)),
    };
    let text = settings(&check, &matches)?.render();
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(stdout_err)?;
    Ok(ExitCode::SUCCESS)
}

fn rules_command() -> Result<ExitCode, cloudstorage_contract::Error> {
    let width = RULES.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut text = String::new();
    for r in RULES {
        text.push_str(&format!(
            "{:width$}  {:7}  {}\n",
            r.id,
            r.default_severity.as_str(),
            r.summary
        ));
    }
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(stdout_err)?;
    Ok(ExitCode::SUCCESS)
}

fn explain_command(id: &str) -> Result<ExitCode, cloudstorage_contract::Error> {
    let rule = rule_by_id(id, "")?;
    let text = cloudstorage_contract::explain(rule)?;
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(stdout_err)?;
    Ok(ExitCode::SUCCESS)
}

/// A `sample --annotate` line.
#[derive(serde::Serialize)]
struct Annotated<'a> {
    line: u64,
    kind: &'static str,
    breaks: Option<&'static str>,
    pointer: Option<&'a str>,
    text: &'a str,
}

fn sample_command(args: &SampleArgs) -> Result<ExitCode, cloudstorage_contract::Error> {
    let kind = Kind::from(args.kind);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut notes = std::io::stderr().lock();
    for i in 0..args.count {
        let seed = args.seed.wrapping_add(i);
        let sample = if args.invalid {
            cloudstorage_contract::sample::near_miss(kind, seed)
        } else {
            cloudstorage_contract::sample::conforming(kind, seed)
        };
        let line = i + 1;
        let written = if args.annotate {
            let annotated = Annotated {
                line,
                kind: sample.kind.as_str(),
                breaks: sample.breaks.map(Rule::id),
                pointer: sample.pointer.as_deref(),
                text: &sample.text,
            };
            writeln!(
                out,
                "{}",
                serde_json::to_string(&annotated).unwrap_or_default()
            )
        } else {
            if let (Some(rule), Some(pointer)) = (sample.breaks, &sample.pointer) {
                // Best effort, like any diagnostic: the payloads on stdout are what matters.
                let _ = writeln!(notes, "line {line}: breaks {rule} at {pointer:?}");
            }
            writeln!(out, "{}", sample.text)
        };
        match written {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
            Err(e) => return Err(stdout_err(e)),
        }
    }
    match out.flush() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(stdout_err(e)),
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn schema_command(args: SchemaArgs) -> Result<ExitCode, cloudstorage_contract::Error> {
    let mut out = std::io::stdout().lock();
    if let Some(dir) = args.write {
        for file in cloudstorage_contract::artefacts::write_all(&dir)? {
            writeln!(out, "wrote {}", dir.join(file).display()).map_err(stdout_err)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(dir) = args.check {
        let drifts = cloudstorage_contract::artefacts::check_dir(&dir)?;
        for drift in &drifts {
            write!(out, "{}", drift.diff).map_err(stdout_err)?;
        }
        if drifts.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        color::error(&format!(
            "{} schema file(s) in `{}` differ from the types; run `cloudstorage-contract schema --write {}`",
            drifts.len(),
            dir.display(),
            dir.display()
        ));
        return Ok(ExitCode::from(1));
    }
    let variant = if args.strict {
        Variant::Strict
    } else {
        Variant::Tolerant
    };
    let kinds = match args.kind {
        Some(k) => vec![k.into()],
        None => Kind::ALL.to_vec(),
    };
    for kind in kinds {
        out.write_all(schema::generate_text(kind, variant).as_bytes())
            .map_err(stdout_err)?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudstorage_contract::report::{Checked, Origin, Summary};

    /// A placed report and a summary, serialized (as the Python package's `Report.to_dict()`
    /// and summary do), are what `check --format json` prints.
    #[test]
    fn serialized_payloads_and_summary_are_what_check_prints() {
        let validator = Validator::new(Options::default().keep_payload(false)).unwrap();
        let mut input = String::from("\n");
        for seed in 0..40 {
            let sample = if seed % 3 == 0 {
                cloudstorage_contract::sample::conforming(Kind::Response, seed)
            } else {
                cloudstorage_contract::sample::near_miss(Kind::Response, seed)
            };
            input.push_str(&sample.text);
            input.push_str("\n\n");
        }
        let (_, out) = check_bytes(&validator, false, "json", 1 << 20, input.as_bytes()).unwrap();
        let document: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let printed = document["payloads"].as_array().unwrap();
        let mut counts = [0; 5];
        let mut compared = 0;
        for (i, text) in input.lines().enumerate() {
            if text.is_empty() {
                continue;
            }
            let line = u32::try_from(i + 1).unwrap();
            let report = validator.validate(text.as_bytes());
            let origin = Origin::line("<bytes>", line);
            let checked = Checked::new(report.clone(), origin, text.as_bytes(), false);
            let ours = serde_json::to_value(&checked).unwrap();
            assert_eq!(ours, printed[compared], "line {line}");
            compared += 1;
            counts[0] += 1;
            counts[1] += usize::from(report.conforms());
            counts[2] += usize::from(!report.conforms());
            counts[3] += report.error_count();
            counts[4] += report.warning_count();
        }
        assert_eq!(compared, printed.len());
        assert!(counts[1] > 0 && counts[2] > 0, "mixed verdicts: {counts:?}");
        let [payloads, conforming, violating, errors, warnings] = counts;
        let mut summary = Summary::default();
        (summary.payloads, summary.conforming, summary.violating) =
            (payloads, conforming, violating);
        (summary.errors, summary.warnings) = (errors, warnings);
        assert_eq!(serde_json::to_value(summary).unwrap(), document["summary"]);
    }
}
