//! Every report of the sarif format is a valid SARIF 2.1.0 log by the OASIS schema (vendored,
//! see `tests/vendor/README.md`): `check --format sarif` over every example and every fixture,
//! over standard input, and over a file named by a relative and by an absolute path. The same
//! compiled schema refuses logs broken on purpose, so that a schema that accepts anything
//! cannot pass for a check.

#[path = "../../tests/fixture_support/mod.rs"]
mod fixture_support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::Command;
use serde_json::{Value, json};

/// SARIF 2.1.0 Errata 01, the OASIS Standard's schema.
const SCHEMA: &str = include_str!("../../tests/vendor/sarif-schema-2.1.0.json");

/// The schema, compiled once, read as JSON Schema draft-07 with formats asserted.
///
/// The file declares draft-04 but uses `uri-reference`, a format of draft-06 and later
/// (oasis-tcs/sarif-spec#421 and #700), which a draft-04 validator ignores. Draft-07 is the
/// draft the SARIF editors moved the schema to in 2019; of the keywords the file uses, only
/// `id` reads differently between the two drafts, and no `$ref` relies on it (they are all
/// `#/definitions/…`). Read this way, every `uri` and `uri-reference` is checked against
/// RFC 3986, and nothing is fetched: the `jsonschema` crate is built without remote
/// resolution.
fn schema() -> &'static jsonschema::Validator {
    static SCHEMA_VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    SCHEMA_VALIDATOR.get_or_init(|| {
        let schema: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
        assert_eq!(
            schema["id"],
            "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
        );
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
        jsonschema::draft7::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the schema compiles")
    })
}

/// What the schema says about `log`, one line per error.
fn errors(log: &Value) -> Vec<String> {
    schema()
        .iter_errors(log)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// The workspace's root, where `examples/` and `tests/` are: runs happen there.
fn root() -> &'static Path {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR"));
    cli.parent().unwrap_or(cli)
}

/// Runs `check --format sarif` with `args` in `dir`; asserts that it checked (exit 0 or 1) and
/// that its output is a valid SARIF log, and returns the log.
fn sarif(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cloudstorage-contract"));
    cmd.args(["check", "--format", "sarif"])
        .args(args)
        .current_dir(dir);
    if let Some(stdin) = stdin {
        cmd.write_stdin(stdin.to_vec());
    }
    let output = cmd.output().expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{args:?}: {:?}\n{stderr}",
        output.status
    );
    let log: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: not one JSON document: {e}"));
    let errors = errors(&log);
    assert!(errors.is_empty(), "{args:?}: {errors:#?}");
    log
}

/// The artifact URIs of a log's results.
fn uris(log: &Value) -> Vec<&str> {
    log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .expect("a URI")
        })
        .collect()
}

/// The inputs under `examples/`: every file `check` reads from a folder.
fn examples() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for folder in ["valid", "page", "invalid"] {
        let dir = root().join("examples").join(folder);
        for entry in std::fs::read_dir(&dir).expect("an examples folder") {
            let path = entry.expect("an entry").path();
            let extension = path.extension().and_then(|e| e.to_str());
            if matches!(extension, Some("json" | "ndjson" | "jsonl" | "har")) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_example_and_fixture_makes_a_valid_log() {
    let examples = examples();
    let fixtures: Vec<PathBuf> = ["valid", "invalid"]
        .into_iter()
        .flat_map(fixture_support::all)
        .map(|f| f.path)
        .collect();
    // Every kind of input: JSON files, an NDJSON stream, a HAR capture, exchanges, and the
    // fixtures of every rule. (A fixture's options sidecar is not applied: options change which
    // results there are, not their shape.)
    for extension in ["json", "ndjson", "har"] {
        assert!(
            examples
                .iter()
                .any(|p| p.extension().is_some_and(|e| e == extension))
        );
    }
    assert!(fixtures.len() > 100, "{} fixtures", fixtures.len());
    let files: Vec<PathBuf> = examples.into_iter().chain(fixtures).collect();
    let mut results = 0;
    for file in &files {
        let relative = file.strip_prefix(root()).expect("under the crate");
        let relative = relative.to_str().expect("a UTF-8 path");
        let log = sarif(root(), &[relative], None);
        for uri in uris(&log) {
            assert_eq!(uri, relative);
        }
        results += uris(&log).len();
    }
    assert!(results > 100, "{results} results");
}

#[test]
fn one_run_over_everything_makes_a_valid_log() {
    let log = sarif(root(), &["examples", "tests/fixtures"], None);
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert_eq!(rules.len(), cloudstorage_contract::RULES.len());
    assert!(uris(&log).len() > 100);
}

#[test]
fn stdin_makes_a_valid_log() {
    let log = sarif(root(), &["-"], Some(br#"{"code": "200", "data": null}"#));
    assert_eq!(uris(&log), ["%3Cstdin%3E"]);
}

#[test]
fn relative_and_absolute_paths_make_valid_logs() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sarif_schema");
    let _ = std::fs::remove_dir_all(&dir);
    let file = dir.join("dir with space").join("é#1.json");
    std::fs::create_dir_all(file.parent().expect("a folder")).expect("a scratch folder");
    std::fs::write(&file, r#"{"code": "200", "data": null}"#).expect("a scratch file");

    let relative = sarif(&dir, &["dir with space/é#1.json"], None);
    assert_eq!(uris(&relative), ["dir%20with%20space/%C3%A9%231.json"]);

    let absolute = file.to_str().expect("a UTF-8 path");
    let absolute = sarif(&dir, &[absolute], None);
    let uri = uris(&absolute)[0];
    assert!(uri.starts_with("file:///"), "{uri}");
    assert!(
        uri.ends_with("/dir%20with%20space/%C3%A9%231.json"),
        "{uri}"
    );
}

/// What a change breaks, and the change.
type Breakage = (&'static str, fn(&mut Value));

#[test]
fn the_schema_refuses_broken_logs() {
    let log = sarif(root(), &["examples/invalid/code-as-string.json"], None);
    let broken: [Breakage; 5] = [
        ("a result without a message", |log| {
            let result = &mut log["runs"][0]["results"][0];
            result.as_object_mut().expect("a result").remove("message");
        }),
        ("an unknown level", |log| {
            log["runs"][0]["results"][0]["level"] = json!("fatal");
        }),
        ("a URI with a space", |log| {
            log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
                ["uri"] = json!("examples/invalid/code as string.json");
        }),
        ("a relative helpUri", |log| {
            log["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = json!("explain/invalid-json");
        }),
        ("a help without text", |log| {
            let help = &mut log["runs"][0]["tool"]["driver"]["rules"][0]["help"];
            help.as_object_mut().expect("a help").remove("text");
        }),
    ];
    for (what, breaks) in broken {
        let mut copy = log.clone();
        breaks(&mut copy);
        assert_ne!(copy, log, "{what}: nothing changed");
        assert!(!schema().is_valid(&copy), "{what} passes");
    }
}
