//! Loading and running the fixtures of `tests/fixtures/`; the conventions are in
//! `tests/fixtures/README.md`. Shared by `tests/rules.rs` and `tests/corpus.rs`, and by the
//! command line's `cli/tests/sarif_schema.rs`.

#![allow(dead_code)] // each test binary uses a part

use std::path::{Path, PathBuf};

use cloudstorage_contract::{Exchange, Options, Profile, Report, Rule, Validator};
use serde_json::Value;

/// `tests/fixtures/` of the workspace's root, the library's package.
pub(crate) fn fixtures_dir() -> PathBuf {
    let package = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The command line's tests (`cli/`) share the library's fixtures.
    let root = match env!("CARGO_PKG_NAME") {
        "cloudstorage-contract-cli" => package.parent().unwrap_or(package),
        _ => package,
    };
    root.join("tests/fixtures")
}

/// One fixture: a payload file (or an exchange file) with its options.
#[derive(Debug)]
pub(crate) struct Fixture {
    /// The payload file.
    pub(crate) path: PathBuf,
    /// The file name without `.json` and without `.exchange`, such as `wrong-type--code-as-string`.
    pub(crate) name: String,
    /// Whether the file holds `{"request": …, "response": …}`.
    pub(crate) exchange: bool,
    /// The sidecar `<name>.options.json`, as written, if any.
    pub(crate) options_json: Option<Value>,
}

/// The verdict on a fixture.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// A payload on its own.
    Single(Report),
    /// A request and its response.
    Exchange(Exchange),
}

impl Outcome {
    /// The reports, each with its label: one for a payload, the request's and the response's
    /// for an exchange.
    pub(crate) fn reports(&self) -> Vec<(&'static str, &Report)> {
        match self {
            Outcome::Single(report) => vec![("payload", report)],
            Outcome::Exchange(e) => vec![("request", &e.request), ("response", &e.response)],
        }
    }

    /// The report that carries the fixture's finding: the response's for an exchange.
    pub(crate) fn main_report(&self) -> &Report {
        match self {
            Outcome::Single(report) => report,
            Outcome::Exchange(e) => &e.response,
        }
    }

    /// Whether everything conforms.
    pub(crate) fn conforms(&self) -> bool {
        self.reports().iter().all(|(_, r)| r.conforms())
    }
}

/// Whether a path is an options sidecar rather than a payload.
pub(crate) fn is_sidecar(path: &Path) -> bool {
    path.to_string_lossy().ends_with(".options.json")
}

impl Fixture {
    /// Loads the fixture at `path` (a payload file, not a sidecar).
    pub(crate) fn load(path: &Path) -> Fixture {
        assert!(!is_sidecar(path), "{} is a sidecar", path.display());
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_else(|| panic!("{}: not a UTF-8 file name", path.display()));
        let stem = file_name
            .strip_suffix(".json")
            .unwrap_or_else(|| panic!("{file_name}: fixtures end in .json"));
        let (name, exchange) = match stem.strip_suffix(".exchange") {
            Some(name) => (name, true),
            None => (stem, false),
        };
        let sidecar = path.with_file_name(format!("{stem}.options.json"));
        let options_json = sidecar.exists().then(|| {
            let text = std::fs::read_to_string(&sidecar)
                .unwrap_or_else(|e| panic!("{}: {e}", sidecar.display()));
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", sidecar.display()))
        });
        Fixture {
            path: path.to_owned(),
            name: name.to_owned(),
            exchange,
            options_json,
        }
    }

    /// The rule the file name names: the part before `--`.
    pub(crate) fn rule(&self) -> Option<Rule> {
        let id = self.name.split("--").next().unwrap_or_default();
        Rule::from_id(id)
    }

    /// Whether the file name makes it a near miss (`<rule>--near-miss` or
    /// `<rule>--near-miss-<variant>`).
    pub(crate) fn is_near_miss(&self) -> bool {
        self.name
            .split_once("--")
            .is_some_and(|(_, variant)| variant.starts_with("near-miss"))
    }

    /// The options the sidecar describes (the defaults without one).
    pub(crate) fn options(&self) -> Options {
        let mut options = Options::default();
        let Some(Value::Object(map)) = &self.options_json else {
            assert!(
                self.options_json.is_none(),
                "{}: the options sidecar holds an object",
                self.name
            );
            return options;
        };
        for (key, value) in map {
            let bad = || -> ! { panic!("{}: bad option `{key}`: {value}", self.name) };
            options = match key.as_str() {
                "time_zone" => options.time_zone(value.as_str().unwrap_or_else(|| bad())),
                "max_bytes" => options.max_bytes(as_usize(value).unwrap_or_else(|| bad())),
                "max_depth" => options.max_depth(as_usize(value).unwrap_or_else(|| bad())),
                "profile" => match value.as_str() {
                    Some("default") => options.profile(Profile::Default),
                    Some("strict") => options.profile(Profile::Strict),
                    _ => bad(),
                },
                _ => panic!("{}: unknown option `{key}`", self.name),
            };
        }
        options
    }

    /// Validates the fixture with its options.
    pub(crate) fn run(&self) -> Outcome {
        let validator = Validator::new(self.options())
            .unwrap_or_else(|e| panic!("{}: the options are refused: {e}", self.name));
        let bytes =
            std::fs::read(&self.path).unwrap_or_else(|e| panic!("{}: {e}", self.path.display()));
        if self.exchange {
            let request = &bytes[member_span(&bytes, "request", &self.name)];
            let response = &bytes[member_span(&bytes, "response", &self.name)];
            Outcome::Exchange(validator.validate_exchange(request, response))
        } else {
            Outcome::Single(validator.validate(&bytes))
        }
    }

    /// For an exchange, where the payload `member` starts in the file as (line, column), to map
    /// positions inside the payload back to the file. (1, 1) for a single payload.
    pub(crate) fn origin(&self, member: &str) -> (u32, u32) {
        if !self.exchange {
            return (1, 1);
        }
        let bytes =
            std::fs::read(&self.path).unwrap_or_else(|e| panic!("{}: {e}", self.path.display()));
        let start = member_span(&bytes, member, &self.name).start;
        let before = &bytes[..start];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = 1 + before[line_start..]
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count();
        (line as u32, column as u32)
    }
}

fn as_usize(value: &Value) -> Option<usize> {
    value.as_u64().and_then(|n| usize::try_from(n).ok())
}

/// Every fixture in `tests/fixtures/<folder>/`, sorted by file name.
pub(crate) fn all(folder: &str) -> Vec<Fixture> {
    let dir = fixtures_dir().join(folder);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable directory entry").path())
        .collect();
    paths.sort();
    for path in &paths {
        assert!(
            path.extension().is_some_and(|e| e == "json"),
            "{}: fixtures end in .json",
            path.display()
        );
        if is_sidecar(path) {
            let stem = path.to_string_lossy().replace(".options.json", "");
            let payload = Path::new(&format!("{stem}.json")).exists()
                || Path::new(&format!("{stem}.exchange.json")).exists();
            assert!(payload, "{}: a sidecar without a fixture", path.display());
        }
    }
    paths
        .iter()
        .filter(|p| !is_sidecar(p))
        .map(|p| Fixture::load(p))
        .collect()
}

/// The byte range of the value of the top-level member `name` of an exchange file: a small
/// scanner, enough for the well-formed exchange files of the corpus, so that each payload is
/// validated exactly as written (serde_json would reorder and reformat it).
pub(crate) fn member_span(bytes: &[u8], name: &str, fixture: &str) -> std::ops::Range<usize> {
    let key = format!("\"{name}\"");
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let end = string_end(bytes, i);
                if depth == 1 && bytes[i..end] == *key.as_bytes() {
                    let mut start = end;
                    while matches!(bytes[start], b' ' | b'\t' | b'\r' | b'\n' | b':') {
                        start += 1;
                    }
                    return start..value_end(bytes, start);
                }
                i = end;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    panic!("{fixture}: an exchange file needs a top-level `{name}` member");
}

/// The offset just past the string that opens at `open`.
fn string_end(bytes: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while bytes[i] != b'"' {
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    i + 1
}

/// The offset just past the object or array that opens at `start`.
fn value_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    loop {
        match bytes[i] {
            b'"' => {
                i = string_end(bytes, i);
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
}
