//! The configuration file, `cloudstorage-contract.toml`: where it is, what it may hold, and how
//! its values meet `check`'s flags.
//!
//! **Where.** `--config PATH` names the file and `--no-config` reads none. Otherwise it is the
//! one in the current directory, or in the nearest parent that has one, up to the repository
//! root: the first directory with a `.git` (a folder, or the file of a worktree or submodule)
//! is the last one looked in, as git itself stops there. Outside a repository the search goes
//! up to the filesystem root, as rustfmt's and ripgrep's do. A file found is named relative to
//! the current directory (`../cloudstorage-contract.toml`), in messages and in `config`.
//!
//! **What.** The keys are the long names of `check`'s flags that a project wants the same on
//! every run: `time-zone`, `strict`, `max-bytes`, `jobs`, `format`, `kind`, and a `[rules]`
//! table of rule id to `"allow"`, `"warn"` or `"deny"`. `color`, `engine`, `ndjson` and `quiet`
//! are left out on purpose: they depend on who runs the command and how (a terminal, a pipe, a
//! differential test), not on the project. A file is checked whole before anything runs: an
//! unknown key or rule id, a value of the wrong type or out of range, an unknown time zone,
//! format or kind, and a fatal rule allowed or downgraded are usage errors that name the file,
//! line and column (in characters), even for a key that a flag overrides.
//!
//! **Precedence.** A flag given on the command line wins over the file, and the file over the
//! default. Rule levels apply after the profile (`strict`): the file's first, then the flags'
//! in command-line order, so the last one for a rule wins, as for the flags alone.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use clap::parser::{ArgMatches, ValueSource};
use serde::de::{self, Deserialize, Deserializer, Unexpected, Visitor};
use toml::Spanned;

use cloudstorage_contract::Error;
use cloudstorage_contract::LineIndex;
use cloudstorage_contract::terminal;
use cloudstorage_contract::{Level, Rule};

/// The file's name.
pub(super) const FILE_NAME: &str = "cloudstorage-contract.toml";

/// Which configuration file: the one named, none, or (neither flag) the one found.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct Choice {
    /// Read this configuration file instead of looking for `cloudstorage-contract.toml`.
    #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Read no configuration file.
    #[arg(long)]
    no_config: bool,
}

impl Choice {
    /// The flags that make this choice again, for another command line.
    pub(super) fn flags(&self) -> Vec<std::ffi::OsString> {
        match (&self.config, self.no_config) {
            (Some(path), _) => vec!["--config".into(), path.into()],
            (None, true) => vec!["--no-config".into()],
            (None, false) => Vec::new(),
        }
    }
}

/// The file's validation settings; see [`File::validation`].
#[derive(Debug, Default)]
pub(crate) struct Validation {
    pub(crate) time_zone: Option<String>,
    pub(crate) strict: Option<bool>,
    pub(crate) levels: Vec<(Rule, Level)>,
}

/// A configuration file, read and checked.
#[derive(Debug)]
pub(crate) struct File<F, K> {
    /// Its name as given, or (found) relative to the current directory.
    path: PathBuf,
    /// Its text, for positions.
    text: String,
    values: Values<F, K>,
}

/// What a file holds: each key optional, each value with its place in the file.
#[derive(Debug, serde::Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "kebab-case",
    bound(deserialize = "F: ValueEnum, K: ValueEnum")
)]
struct Values<F, K> {
    time_zone: Option<Spanned<TimeZone>>,
    strict: Option<Spanned<bool>>,
    max_bytes: Option<Spanned<MaxBytes>>,
    jobs: Option<Spanned<Jobs>>,
    format: Option<Spanned<Name<F>>>,
    kind: Option<Spanned<Name<K>>>,
    #[serde(default)]
    rules: std::collections::BTreeMap<Spanned<RuleId>, Spanned<FileLevel>>,
}

/// An IANA time zone name that the bundled database knows.
#[derive(Debug)]
struct TimeZone(String);

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        cloudstorage_contract::check_time_zone(&name).map_err(de::Error::custom)?;
        Ok(TimeZone(name))
    }
}

/// A whole number in a range, as a visitor: its expectation is the message's.
struct Whole {
    min: u64,
    max: u64,
}

impl Whole {
    fn read<'de, D: Deserializer<'de>>(self, deserializer: D) -> Result<u64, D::Error> {
        deserializer.deserialize_u64(self)
    }
}

impl Visitor<'_> for Whole {
    type Value = u64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a whole number from {} to {}", self.min, self.max)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        if (self.min..=self.max).contains(&v) {
            Ok(v)
        } else {
            Err(E::invalid_value(Unexpected::Unsigned(v), &self))
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::invalid_value(Unexpected::Signed(v), &self)),
        }
    }
}

/// `jobs`: 1 or more, as `--jobs` takes.
#[derive(Debug)]
struct Jobs(u32);

impl<'de> Deserialize<'de> for Jobs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let n = Whole {
            min: 1,
            max: u64::from(u32::MAX),
        }
        .read(deserializer)?;
        u32::try_from(n).map(Jobs).map_err(de::Error::custom)
    }
}

/// `max-bytes`: any size `--max-bytes` takes that a TOML integer (an `i64`) can hold.
#[derive(Debug)]
struct MaxBytes(usize);

impl<'de> Deserialize<'de> for MaxBytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let n = Whole {
            min: 0,
            max: u64::try_from(usize::MAX)
                .unwrap_or(u64::MAX)
                .min(i64::MAX.unsigned_abs()),
        }
        .read(deserializer)?;
        usize::try_from(n).map(MaxBytes).map_err(de::Error::custom)
    }
}

/// One of the values of a flag's [`ValueEnum`], by name: `format` and `kind` take what
/// `--format` and `--kind` take.
#[derive(Debug)]
struct Name<T>(T);

/// The names of a [`ValueEnum`]'s values, as its flag's help lists them.
fn names<T: ValueEnum>() -> Vec<String> {
    T::value_variants()
        .iter()
        .filter_map(ValueEnum::to_possible_value)
        .filter(|value| !value.is_hide_set())
        .map(|value| value.get_name().to_owned())
        .collect()
}

/// An expectation: one of these names.
struct OneOf(Vec<String>);

impl de::Expected for OneOf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "one of: {}", self.0.join(", "))
    }
}

impl<'de, T: ValueEnum> Deserialize<'de> for Name<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        T::from_str(&name, false)
            .map(Name)
            .map_err(|_| de::Error::invalid_value(Unexpected::Str(&name), &OneOf(names::<T>())))
    }
}

/// A key of `[rules]`: a rule's id.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct RuleId(Rule);

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = String::deserialize(deserializer)?;
        super::rule_by_id(&id, "")
            .map(RuleId)
            .map_err(de::Error::custom)
    }
}

/// A value of `[rules]`: `"allow"`, `"warn"` or `"deny"`.
#[derive(Debug)]
struct FileLevel(Level);

impl<'de> Deserialize<'de> for FileLevel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Level::ALL
            .into_iter()
            .find(|level| level.as_str() == name)
            .map(FileLevel)
            .ok_or_else(|| {
                let names = Level::ALL.map(|level| level.as_str().to_owned());
                de::Error::invalid_value(Unexpected::Str(&name), &OneOf(names.to_vec()))
            })
    }
}

/// The file in `dir` or in the nearest parent that has one, up to the repository root or the
/// filesystem root (see the module's documentation), named relative to `dir`.
fn find(dir: &Path) -> Option<PathBuf> {
    let mut up = PathBuf::new();
    for ancestor in dir.ancestors() {
        if ancestor.join(FILE_NAME).is_file() {
            return Some(up.join(FILE_NAME));
        }
        if ancestor.join(".git").exists() {
            return None;
        }
        up.push("..");
    }
    None
}

impl<F: ValueEnum, K: ValueEnum> File<F, K> {
    /// What the file says of validation (`time-zone`, `strict`, `[rules]` in file order),
    /// for the commands that validate live traffic (`mock`, `proxy`); their flags apply over
    /// it.
    pub(crate) fn validation(&self) -> Validation {
        let mut rules: Vec<_> = self.values.rules.iter().collect();
        rules.sort_by_key(|(rule, _)| rule.span().start);
        Validation {
            time_zone: self
                .values
                .time_zone
                .as_ref()
                .map(|z| z.get_ref().0.clone()),
            strict: self.values.strict.as_ref().map(|s| *s.get_ref()),
            levels: rules
                .into_iter()
                .map(|(rule, level)| (rule.get_ref().0, level.get_ref().0))
                .collect(),
        }
    }

    /// The file for a command whose `--format` takes other values than `check`'s (`profile`):
    /// its `format` is `check`'s report format, checked as `check` checks it and then left
    /// out, so that the command's own flag or default applies.
    pub(crate) fn without_format<G>(self) -> File<G, K> {
        let Values {
            time_zone,
            strict,
            max_bytes,
            jobs,
            format: _,
            kind,
            rules,
        } = self.values;
        File {
            path: self.path,
            text: self.text,
            values: Values {
                time_zone,
                strict,
                max_bytes,
                jobs,
                format: None,
                kind,
                rules,
            },
        }
    }

    /// The file `choice` names, or the one found from the current directory; `None` with
    /// `--no-config` or when there is none.
    ///
    /// # Errors
    ///
    /// A file that cannot be read, or that does not hold a valid configuration.
    pub(crate) fn load(choice: &Choice) -> Result<Option<Self>, Error> {
        if choice.no_config {
            return Ok(None);
        }
        let path = match &choice.config {
            Some(path) => path.clone(),
            None => {
                let here = std::env::current_dir().map_err(|e| Error::io(".", e))?;
                match find(&here) {
                    Some(path) => path,
                    None => return Ok(None),
                }
            }
        };
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        Self::parse(path, text).map(Some)
    }

    /// Parses and checks the text of the file `path`.
    fn parse(path: PathBuf, text: String) -> Result<Self, Error> {
        let values: Values<F, K> = match toml::from_str(&text) {
            Ok(values) => values,
            Err(e) => {
                // serde says "field"; a TOML file has keys.
                let message = match e.message().strip_prefix("unknown field ") {
                    Some(rest) => format!("unknown key {rest}"),
                    None => e.message().to_owned(),
                };
                return Err(at(&path, &text, e.span(), &message));
            }
        };
        for (rule, level) in &values.rules {
            rule.get_ref()
                .0
                .check_level(level.get_ref().0)
                .map_err(|e| at(&path, &text, Some(level.span()), &e.to_string()))?;
        }
        Ok(File { path, text, values })
    }

    /// Where `span` starts: the file's line and column.
    fn origin(&self, span: Range<usize>) -> Origin {
        Origin::File(
            LineIndex::new(self.text.as_bytes())
                .position(span.start)
                .line,
        )
    }
}

/// A usage error at `span` of the file `path`: `path:line:column: message`.
fn at(path: &Path, text: &str, span: Option<Range<usize>>, message: &str) -> Error {
    match span {
        Some(span) => {
            let position = LineIndex::new(text.as_bytes()).position(span.start);
            Error::usage(format!(
                "{}:{}:{}: {message}",
                path.display(),
                position.line,
                position.column
            ))
        }
        None => Error::usage(format!("{}: {message}", path.display())),
    }
}

/// Where a setting's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// The flag's default.
    Default,
    /// This line of the configuration file.
    File(u32),
    /// A flag on the command line.
    CommandLine,
}

/// A value and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Setting<T> {
    pub(super) value: T,
    pub(super) origin: Origin,
}

/// The settings of `check` that a configuration file can hold, resolved: flags over the file
/// over the defaults.
#[derive(Debug)]
pub(super) struct Settings<F, K> {
    /// The configuration file read, if any.
    file: Option<PathBuf>,
    pub(super) time_zone: Setting<Option<String>>,
    pub(super) strict: Setting<bool>,
    pub(super) max_bytes: Setting<usize>,
    pub(super) jobs: Setting<Option<u32>>,
    pub(super) format: Setting<F>,
    pub(super) kind: Setting<K>,
    /// Per-rule levels in the order they apply: the file's, in the file's order, then the
    /// flags', in command-line order.
    pub(super) levels: Vec<(Rule, Setting<Level>)>,
}

/// The value of `id` in `matches` and where it comes from: the command line, or else the file
/// (`from_file`, at the place `origin` tells), or else the default.
fn pick<T: Clone + Send + Sync + 'static, U>(
    matches: &ArgMatches,
    id: &str,
    from_file: Option<&Spanned<U>>,
    origin: &dyn Fn(Range<usize>) -> Origin,
    convert: impl FnOnce(&U) -> T,
) -> Result<Setting<Option<T>>, Error> {
    let flag = || {
        matches
            .try_get_one::<T>(id)
            .map(Option::<&T>::cloned)
            .map_err(|e| Error::internal(format!("`--{id}`: {e}")))
    };
    match (matches.value_source(id), from_file) {
        (Some(ValueSource::CommandLine), _) => Ok(Setting {
            value: flag()?,
            origin: Origin::CommandLine,
        }),
        (_, Some(value)) => Ok(Setting {
            value: Some(convert(value.get_ref())),
            origin: origin(value.span()),
        }),
        _ => Ok(Setting {
            value: flag()?,
            origin: Origin::Default,
        }),
    }
}

/// A setting that always has a value (its flag has a default).
fn required<T>(setting: Setting<Option<T>>, id: &str) -> Result<Setting<T>, Error> {
    match setting.value {
        Some(value) => Ok(Setting {
            value,
            origin: setting.origin,
        }),
        None => Err(Error::internal(format!("`--{id}` has no default"))),
    }
}

impl<F, K> Settings<F, K>
where
    F: ValueEnum + Send + Sync + 'static,
    K: ValueEnum + Send + Sync + 'static,
{
    /// `check`'s settings from its `matches` over `file` over the defaults; `flags` are the
    /// levels of `--allow`, `--warn` and `--deny`, in command-line order.
    ///
    /// # Errors
    ///
    /// An unknown time zone, or a fatal rule allowed or downgraded by a flag (the file's are
    /// refused when it is read), as the validator would refuse them.
    pub(super) fn resolve(
        file: Option<File<F, K>>,
        matches: &ArgMatches,
        flags: Vec<(Rule, Level)>,
    ) -> Result<Self, Error> {
        let file = file.as_ref();
        let values = file.map(|file| &file.values);
        let origin = |span: Range<usize>| file.map_or(Origin::Default, |f| f.origin(span));
        let time_zone = pick(
            matches,
            "time_zone",
            values.and_then(|v| v.time_zone.as_ref()),
            &origin,
            |zone: &TimeZone| zone.0.clone(),
        )?;
        if let Some(zone) = &time_zone.value {
            cloudstorage_contract::check_time_zone(zone)?;
        }
        let mut levels = Vec::new();
        if let (Some(file), Some(values)) = (file, values) {
            let mut rules: Vec<_> = values.rules.iter().collect();
            rules.sort_by_key(|(rule, _)| rule.span().start);
            for (rule, level) in rules {
                let setting = Setting {
                    value: level.get_ref().0,
                    origin: file.origin(rule.span()),
                };
                levels.push((rule.get_ref().0, setting));
            }
        }
        for (rule, level) in flags {
            rule.check_level(level)?;
            let setting = Setting {
                value: level,
                origin: Origin::CommandLine,
            };
            levels.push((rule, setting));
        }
        Ok(Settings {
            file: file.map(|file| file.path.clone()),
            time_zone,
            strict: required(
                pick(
                    matches,
                    "strict",
                    values.and_then(|v| v.strict.as_ref()),
                    &origin,
                    |strict: &bool| *strict,
                )?,
                "strict",
            )?,
            max_bytes: required(
                pick(
                    matches,
                    "max_bytes",
                    values.and_then(|v| v.max_bytes.as_ref()),
                    &origin,
                    |bytes: &MaxBytes| bytes.0,
                )?,
                "max-bytes",
            )?,
            jobs: pick(
                matches,
                "jobs",
                values.and_then(|v| v.jobs.as_ref()),
                &origin,
                |jobs: &Jobs| jobs.0,
            )?,
            format: required(
                pick(
                    matches,
                    "format",
                    values.and_then(|v| v.format.as_ref()),
                    &origin,
                    |format: &Name<F>| format.0.clone(),
                )?,
                "format",
            )?,
            kind: required(
                pick(
                    matches,
                    "kind",
                    values.and_then(|v| v.kind.as_ref()),
                    &origin,
                    |kind: &Name<K>| kind.0.clone(),
                )?,
                "kind",
            )?,
            levels,
        })
    }

    /// The settings as `config` prints them: a TOML file that would set the same values, each
    /// line with where its value comes from.
    pub(super) fn render(&self) -> String {
        let time_zone = match &self.time_zone.value {
            Some(zone) => format!("time-zone = {}", quoted(zone)),
            None => "# time-zone: none, any real UTC offset passes".into(),
        };
        let jobs = match self.jobs.value {
            Some(jobs) => format!("jobs = {jobs}"),
            None => "# jobs: all cores".into(),
        };
        let keys = [
            (time_zone, self.time_zone.origin),
            (
                format!("strict = {}", self.strict.value),
                self.strict.origin,
            ),
            (
                format!("max-bytes = {}", self.max_bytes.value),
                self.max_bytes.origin,
            ),
            (jobs, self.jobs.origin),
            (
                format!("format = {}", quoted(&name(&self.format.value))),
                self.format.origin,
            ),
            (
                format!("kind = {}", quoted(&name(&self.kind.value))),
                self.kind.origin,
            ),
        ];
        // The last level for a rule is the one that holds: each rule once, where it last applies.
        let mut last: Vec<(Rule, &Setting<Level>)> = Vec::new();
        for (rule, setting) in &self.levels {
            last.retain(|(r, _)| r != rule);
            last.push((*rule, setting));
        }
        let rules: Vec<(String, Origin)> = last
            .into_iter()
            .map(|(rule, setting)| {
                let line = format!("{rule} = {}", quoted(setting.value.as_str()));
                (line, setting.origin)
            })
            .collect();
        let width = keys
            .iter()
            .chain(&rules)
            .map(|(text, _)| text.chars().count())
            .max()
            .unwrap_or(0);
        let file = self.file.as_ref().map(|path| path.display().to_string());
        let file = file.as_deref().map(terminal::escape);
        let from = |origin: Origin| match (origin, &file) {
            (Origin::Default, _) => "default".to_owned(),
            (Origin::CommandLine, _) => "command line".to_owned(),
            (Origin::File(line), Some(file)) => format!("file {file}:{line}"),
            (Origin::File(line), None) => format!("file, line {line}"),
        };
        let mut out = String::from("# The settings `cloudstorage-contract check` uses here.\n");
        let _ = writeln!(
            out,
            "# configuration file: {}",
            file.as_deref().unwrap_or("none")
        );
        for (text, origin) in &keys {
            let _ = writeln!(out, "{text:width$}  # {}", from(*origin));
        }
        if !rules.is_empty() {
            out.push_str("\n[rules]\n");
            for (text, origin) in &rules {
                let _ = writeln!(out, "{text:width$}  # {}", from(*origin));
            }
        }
        out
    }
}

/// The name of a [`ValueEnum`]'s value.
fn name<T: ValueEnum>(value: &T) -> String {
    value
        .to_possible_value()
        .map(|value| value.get_name().to_owned())
        .unwrap_or_default()
}

/// `text` as a TOML basic string, safe for a terminal: every character that TOML or a terminal
/// would act on escaped (`\"`, `\\`, `\u001b`), as JSON escapes them, which TOML reads alike.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if terminal::is_unsafe(c) => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
    enum Format {
        Human,
        Json,
    }

    fn parse(text: &str) -> Result<File<Format, Format>, String> {
        File::parse(PathBuf::from("dir/c.toml"), text.to_owned()).map_err(|e| e.to_string())
    }

    #[test]
    fn every_key_is_read_with_its_place() {
        let file = parse(
            "time-zone = \"Asia/Shanghai\"\nstrict = true\nmax-bytes = 0\njobs = 3\n\
             format = \"json\"\nkind = \"human\"\n\n[rules]\nunknown-field = \"deny\"\n\
             api-version = \"allow\"\n",
        )
        .unwrap();
        let values = &file.values;
        assert_eq!(
            values.time_zone.as_ref().unwrap().get_ref().0,
            "Asia/Shanghai"
        );
        assert_eq!(values.max_bytes.as_ref().unwrap().get_ref().0, 0);
        assert_eq!(values.jobs.as_ref().unwrap().get_ref().0, 3);
        assert_eq!(values.format.as_ref().unwrap().get_ref().0, Format::Json);
        let jobs = values.jobs.as_ref().unwrap().span();
        assert_eq!(file.origin(jobs), Origin::File(4));
        assert_eq!(values.rules.len(), 2);
    }

    #[test]
    fn a_bad_file_names_the_place_and_the_problem() {
        for (text, expected) in [
            (
                "strict = true\ncolour = \"always\"\n",
                "dir/c.toml:2:1: unknown key `colour`, expected one of `time-zone`, `strict`, \
                 `max-bytes`, `jobs`, `format`, `kind`, `rules`",
            ),
            (
                "jobs = 0",
                "dir/c.toml:1:8: invalid value: integer `0`, expected a whole number from 1 to \
                 4294967295",
            ),
            (
                "jobs = -2",
                "dir/c.toml:1:8: invalid value: integer `-2`, expected a whole number from 1 to \
                 4294967295",
            ),
            (
                "  max-bytes = \"1k\"",
                "dir/c.toml:1:15: invalid type: string \"1k\", expected a whole number from 0 \
                 to 9223372036854775807",
            ),
            (
                "strict = \"yes\"",
                "dir/c.toml:1:10: invalid type: string \"yes\", expected a boolean",
            ),
            (
                "# é\nformat = \"xml\"",
                "dir/c.toml:2:10: invalid value: string \"xml\", expected one of: human, json",
            ),
            (
                "time-zone = \"Asia/Beijing\"",
                "dir/c.toml:1:13: unknown time zone `Asia/Beijing`, expected an IANA name such \
                 as `Asia/Shanghai`",
            ),
            (
                "[rules]\nwrong-type = \"error\"",
                "dir/c.toml:2:14: invalid value: string \"error\", expected one of: allow, \
                 warn, deny",
            ),
            (
                "[rules]\n\"é\" = 'deny'",
                "dir/c.toml:2:1: unknown rule `é`, expected one of: invalid-json,",
            ),
            (
                "[rules]\nempty-input = \"warn\"",
                "dir/c.toml:2:15: rule `empty-input` cannot be allowed or downgraded: without \
                 it there is nothing to check",
            ),
            (
                "rules = 1",
                "dir/c.toml:1:9: invalid type: integer `1`, expected a map",
            ),
            ("strict = ", "dir/c.toml:1:10: string values must be quoted"),
        ] {
            let got = parse(text).unwrap_err();
            assert!(got.starts_with(expected), "{text:?}: {got}");
        }
    }

    #[test]
    fn discovery_stops_at_the_repository_root() {
        let root = std::env::temp_dir().join(format!("config-find-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let deep = root.join("repo/a/b");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(root.join(FILE_NAME), "").unwrap();
        // Outside a repository, up to the filesystem root: the outer file is found.
        assert_eq!(find(&deep), Some(PathBuf::from("../../..").join(FILE_NAME)));
        // `.git` (here a file, as in a worktree) ends the search.
        std::fs::write(root.join("repo/.git"), "gitdir: elsewhere").unwrap();
        assert_eq!(find(&deep), None);
        std::fs::write(root.join("repo").join(FILE_NAME), "").unwrap();
        assert_eq!(find(&deep), Some(PathBuf::from("../..").join(FILE_NAME)));
        std::fs::write(deep.join(FILE_NAME), "").unwrap();
        assert_eq!(find(&deep), Some(PathBuf::from(FILE_NAME)));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn quoted_text_is_toml_and_safe() {
        assert_eq!(quoted("Asia/Shanghai"), "\"Asia/Shanghai\"");
        assert_eq!(
            quoted("a\"b\\c\u{1b}d\u{202e}"),
            "\"a\\\"b\\\\c\\u001bd\\u202e\""
        );
    }
}
