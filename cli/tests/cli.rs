//! The command line as a black box: the built binary, run on `examples/`, with its stdout,
//! stderr and exit code snapshotted under `snapshots/`.
//!
//! Every run happens in the crate's root with relative paths and no terminal, so the output
//! holds no absolute path and no colour. Update the snapshots with
//! `INSTA_UPDATE=always cargo test --test cli`, then read the diff.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// What a run printed, and its exit code.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The run as one snapshot: the command, the exit code, stderr when not empty, stdout.
    fn transcript(&self, args: &[&str]) -> String {
        let mut text = format!(
            "$ cloudstorage-contract {}\nexit: {}\n",
            args.join(" "),
            self.code
        );
        if !self.stderr.is_empty() {
            text.push_str(&format!("--- stderr\n{}", self.stderr));
        }
        text.push_str(&format!("--- stdout\n{}", self.stdout));
        text
    }
}

/// The workspace's root, where `examples/` and `tests/` are: runs happen there.
fn root() -> &'static Path {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR"));
    cli.parent().unwrap_or(cli)
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cloudstorage-contract"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS")
        .env("TERM", "dumb");
    cmd
}

fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = command(dir, args);
    if let Some(stdin) = stdin {
        cmd.write_stdin(stdin.to_vec());
    }
    let output = cmd.output().expect("the binary runs");
    Run {
        code: output.status.code().expect("an exit code, not a signal"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

fn run(args: &[&str]) -> Run {
    run_in(root(), args, None)
}

/// Snapshots a run in `snapshots/` (top level) under `name`, and checks its exit code.
fn snapshot(name: &str, args: &[&str], stdin: Option<&[u8]>, code: i32) -> Run {
    let run = run_in(root(), args, stdin);
    assert_eq!(
        run.code, code,
        "exit code of {args:?}\nstderr: {}\nstdout: {}",
        run.stderr, run.stdout
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots");
    settings.set_prepend_module_to_snapshot(true);
    settings.bind(|| insta::assert_snapshot!(name, run.transcript(args)));
    run
}

/// A scratch folder under the target directory, emptied, for inputs the tests make.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

// --- exit 0 -------------------------------------------------------------------------------

#[test]
fn the_main_job_passes() {
    snapshot(
        "check_valid",
        &["check", "examples/valid", "examples/page"],
        None,
        0,
    );
}

#[test]
fn stdin_with_a_dash() {
    let body = std::fs::read(root().join("examples/page/request.json")).unwrap();
    snapshot("check_stdin", &["check", "-"], Some(&body), 0);
}

// --- exit 1: every format on the same inputs -------------------------------------------------

#[test]
fn human_on_a_directory_with_json_ndjson_and_har() {
    snapshot(
        "check_invalid_human",
        &["check", "examples/invalid"],
        None,
        1,
    );
}

#[test]
fn json_format() {
    let run = snapshot(
        "check_invalid_json",
        &["check", "--format", "json", "examples/invalid"],
        None,
        1,
    );
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    let payloads = doc["payloads"].as_array().unwrap();
    assert_eq!(
        doc["summary"]["payloads"].as_u64(),
        Some(payloads.len() as u64)
    );
    assert_eq!(doc["summary"]["skipped"], 3);
}

#[test]
fn junit_format() {
    let run = snapshot(
        "check_invalid_junit",
        &["check", "--format", "junit", "examples/invalid"],
        None,
        1,
    );
    assert_eq!(run.stdout.matches("<testcase ").count(), 29);
}

#[test]
fn sarif_format() {
    let run = snapshot(
        "check_invalid_sarif",
        &["check", "--format", "sarif", "examples/invalid"],
        None,
        1,
    );
    let log: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(log["version"], "2.1.0");
    let run0 = &log["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    // Each rule's help is its `explain` page, in text and in Markdown.
    for (rule, info) in rules.iter().zip(cloudstorage_contract::RULES) {
        assert_eq!(rule["id"], info.id);
        let explain = self::run(&["explain", info.id]);
        assert_eq!(rule["help"]["text"], explain.stdout.as_str(), "{}", info.id);
        let description = rule["fullDescription"]["text"].as_str().unwrap();
        assert!(explain.stdout.starts_with(description), "{}", info.id);
        for markdown in [
            &rule["help"]["markdown"],
            &rule["fullDescription"]["markdown"],
        ] {
            assert!(markdown.as_str().unwrap().contains(info.summary));
        }
        // The help is in the log: no address that leads nowhere.
        assert!(rule.get("helpUri").is_none(), "{}", info.id);
    }
    assert_eq!(rules.len(), cloudstorage_contract::RULES.len());
    assert!(run0["tool"]["driver"].get("informationUri").is_none());
    for result in run0["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert!(
            location["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with("examples/invalid/")
        );
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn github_format() {
    snapshot(
        "check_invalid_github",
        &["check", "--format", "github", "examples/invalid"],
        None,
        1,
    );
}

#[test]
fn ndjson_on_stdin() {
    let lines = b"{\"code\": 460, \"data\": null}\n\n{\"code\": \"200\"}\r\n{\"params\": {}, \"version\": \"1.0\"";
    snapshot(
        "check_stdin_ndjson",
        &["check", "--ndjson", "-"],
        Some(lines),
        1,
    );
}

#[test]
fn har_in_json_names_the_entries() {
    let run = snapshot(
        "check_har_json",
        &["check", "--format", "json", "examples/invalid/capture.har"],
        None,
        1,
    );
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let entries: Vec<&str> = doc["payloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["entry"].as_str().unwrap())
        .collect();
    assert_eq!(
        entries,
        [
            "entries[2].request",
            "entries[2].response",
            "entries[3].request",
            "entries[3].response",
            "entries[4].request",
            "entries[4].response"
        ]
    );
}

#[test]
fn positions_in_a_har_point_into_the_file() {
    let run = run(&["check", "--format", "json", "examples/invalid/capture.har"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let har = std::fs::read_to_string(root().join("examples/invalid/capture.har")).unwrap();
    let d = &doc["payloads"][5]["diagnostics"][0];
    let line = har
        .lines()
        .nth(d["line"].as_u64().unwrap() as usize - 1)
        .unwrap();
    let at: String = line
        .chars()
        .skip(d["column"].as_u64().unwrap() as usize - 1)
        .take(28)
        .collect();
    assert_eq!(at, r#"\"QIuozfUcxRX6frOTO4dK0201\""#);
}

#[test]
fn strict_makes_warnings_errors() {
    snapshot(
        "check_strict",
        &["check", "--strict", "examples/page/response-success.json"],
        None,
        1,
    );
}

#[test]
fn levels_apply_in_command_line_order() {
    let page = "examples/page/response-success.json";
    let allowed = run(&[
        "check",
        "--deny",
        "single-digit-seconds",
        "--allow",
        "single-digit-seconds",
        page,
    ]);
    assert_eq!(allowed.code, 0);
    assert!(
        allowed
            .stdout
            .starts_with("checked 1 payload: 1 conforms, 0 violate, 0 warnings")
    );
    let denied = run(&[
        "check",
        "--allow",
        "single-digit-seconds",
        "--deny",
        "single-digit-seconds",
        page,
    ]);
    assert_eq!(denied.code, 1);
    let warned = run(&["check", "--strict", "--warn", "single-digit-seconds", page]);
    assert_eq!(warned.code, 0);
}

#[test]
fn time_zone_kind_and_max_bytes() {
    snapshot(
        "check_time_zone",
        &[
            "check",
            "--time-zone",
            "Europe/Berlin",
            "examples/valid/response-in-use.json",
        ],
        None,
        1,
    );
    snapshot(
        "check_kind_and_max_bytes",
        &[
            "check",
            "--kind",
            "request",
            "--max-bytes",
            "400",
            "examples/valid/response-in-use.json",
            "examples/valid/response-not-bound.json",
        ],
        None,
        1,
    );
}

#[test]
fn quiet_prints_nothing() {
    let run = run(&["check", "--quiet", "examples/invalid"]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (1, "", "")
    );
    let run = self::run(&["check", "-q", "--format", "json", "examples/valid"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
}

#[test]
fn output_is_the_same_whatever_the_jobs() {
    for format in ["human", "json", "sarif", "junit", "github"] {
        let one = run(&["check", "--jobs", "1", "--format", format, "examples"]);
        let many = run(&["check", "--jobs", "7", "--format", format, "examples"]);
        assert_eq!(one.code, 1);
        assert_eq!(one.stdout, many.stdout, "{format}");
    }
}

#[test]
fn both_engines_print_the_same_reports() {
    let corpus = run(&["sample", "--count", "300", "--invalid"]);
    for format in ["human", "json", "sarif"] {
        let args = ["check", "--ndjson", "--format", format, "-"];
        let one_pass = run_in(root(), &args, Some(corpus.stdout.as_bytes()));
        let mut reference_args = args.to_vec();
        reference_args.insert(1, "--engine=reference");
        let reference = run_in(root(), &reference_args, Some(corpus.stdout.as_bytes()));
        assert_eq!(one_pass.code, 1, "{format}: the corpus has near misses");
        assert_eq!(
            (one_pass.code, &one_pass.stdout),
            (reference.code, &reference.stdout),
            "{format}"
        );
        let one_pass = run(&["check", "--format", format, "examples"]);
        let reference = run(&[
            "check",
            "--engine",
            "reference",
            "--format",
            format,
            "examples",
        ]);
        assert_eq!(one_pass.stdout, reference.stdout, "{format}");
    }
}

#[test]
fn colour_on_request_only() {
    let plain = run(&["check", "examples/page"]);
    assert!(!plain.stdout.contains('\x1b'));
    let always = run(&["check", "--color", "always", "examples/page"]);
    assert!(
        always
            .stdout
            .contains("\x1b[1m\x1b[33mwarning[single-digit-seconds]\x1b[0m")
    );
    let never = run(&[
        "check",
        "--color",
        "never",
        "--format",
        "human",
        "examples/page",
    ]);
    assert_eq!(never.stdout, plain.stdout);
}

#[test]
fn a_large_ndjson_stream_is_checked_in_batches_in_order() {
    // More lines than one batch holds, with a violation near the end.
    let mut input = String::new();
    for _ in 0..10_000 {
        input.push_str("{\"code\": 460, \"data\": null}\n");
    }
    input.push_str("{\"code\": \"460\", \"data\": null}\n");
    let run = run_in(
        root(),
        &["check", "--ndjson", "--format", "github", "-"],
        Some(input.as_bytes()),
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "::error file=<stdin>,line=10001,col=10,title=wrong-type::`code` is \"460\", expected an integer%0Ahint: a number sent as a string: drop the quotes\n\
         checked 10001 payloads: 10000 conform, 1 violates, 0 warnings\n"
    );
}

// --- exit 2 -------------------------------------------------------------------------------

#[test]
fn usage_errors() {
    snapshot("error_no_path", &["check"], None, 2);
    snapshot(
        "error_missing_file",
        &["check", "no/such/file.json"],
        None,
        2,
    );
    snapshot(
        "error_unknown_rule",
        &["check", "--allow", "unkown-field", "examples"],
        None,
        2,
    );
    snapshot(
        "error_fatal_rule",
        &["check", "--allow", "invalid-json", "examples"],
        None,
        2,
    );
    snapshot(
        "error_time_zone",
        &["check", "--time-zone", "Asia/Beijing", "examples"],
        None,
        2,
    );
    snapshot(
        "error_format",
        &["check", "--format", "xml", "examples"],
        None,
        2,
    );
    snapshot("error_jobs", &["check", "--jobs", "0", "examples"], None, 2);
}

#[test]
fn unreadable_inputs_exit_2_after_checking_the_rest() {
    let dir = scratch("unreadable");
    std::fs::create_dir(dir.join("empty")).unwrap();
    std::fs::write(dir.join("broken.har"), "{\"log\": {\"entries\": [}}").unwrap();
    std::fs::write(dir.join("plain.har"), "{\"log\": {}}").unwrap();
    std::fs::write(dir.join("ok.json"), "{\"code\": 460, \"data\": null}").unwrap();
    let run = run_in(&dir, &["check", "broken.har", "plain.har", "ok.json"], None);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: `broken.har` is not a HAR file: expected a value, found `}` at line 1, column 22\n\
         error: `plain.har` is not a HAR file: no `log.entries` array\n"
    );
    assert_eq!(
        run.stdout,
        "checked 1 payload: 1 conforms, 0 violate, 0 warnings\n"
    );
    let empty = run_in(&dir, &["check", "empty"], None);
    assert_eq!(empty.code, 2);
    assert_eq!(
        empty.stderr,
        "error: no `*.json`, `*.ndjson`, `*.jsonl` or `*.har` file, gzipped or not, under `empty`\n"
    );
}

#[test]
fn a_directory_is_searched_recursively_in_sorted_order() {
    let dir = scratch("walk");
    for path in [
        "b/2.json",
        "b/1.jsonl",
        "a.ndjson",
        "c.har.txt",
        ".hidden/x.json",
        "B.JSON",
    ] {
        let path = dir.join("in").join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "{\"code\": 460, \"data\": null}\n").unwrap();
    }
    let run = run_in(&dir, &["check", "--format", "junit", "in"], None);
    assert_eq!(run.code, 0);
    let names: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("<testcase name=\""))
        .map(|l| &l[..l.find('"').unwrap()])
        .collect();
    assert_eq!(
        names,
        [
            "in/B.JSON",
            "in/a.ndjson:1",
            "in/b/1.jsonl:1",
            "in/b/2.json"
        ]
    );
}

// --- the other subcommands ----------------------------------------------------------------

#[test]
fn rules_lists_the_catalogue() {
    let run = snapshot("rules", &["rules"], None, 0);
    assert_eq!(
        run.stdout.lines().count(),
        cloudstorage_contract::RULES.len()
    );
}

#[test]
fn explain_shows_examples() {
    snapshot(
        "explain_single_digit_seconds",
        &["explain", "single-digit-seconds"],
        None,
        0,
    );
    snapshot(
        "explain_exchange_mismatch",
        &["explain", "exchange-mismatch"],
        None,
        0,
    );
    snapshot("explain_unknown", &["explain", "nope"], None, 2);
    for rule in cloudstorage_contract::RULES {
        assert_eq!(run(&["explain", rule.id]).code, 0, "{}", rule.id);
    }
}

#[test]
fn sample_is_deterministic_ndjson_that_check_reads() {
    let run = snapshot(
        "sample_invalid",
        &["sample", "--invalid", "--count", "3", "--seed", "7"],
        None,
        0,
    );
    assert_eq!(run.stdout.lines().count(), 3);
    snapshot(
        "sample_annotate",
        &[
            "sample",
            "--invalid",
            "--annotate",
            "--kind",
            "request",
            "--count",
            "2",
        ],
        None,
        0,
    );
    let conforming = self::run(&["sample", "--count", "50", "--seed", "1000"]);
    assert_eq!(conforming.code, 0);
    let checked = run_in(
        root(),
        &["check", "--ndjson", "-"],
        Some(conforming.stdout.as_bytes()),
    );
    assert_eq!(checked.code, 0, "{}", checked.stdout);
    assert_eq!(
        checked.stdout,
        "checked 50 payloads: 50 conform, 0 violate, 0 warnings\n"
    );
}

#[test]
fn help_documents_the_interface() {
    snapshot("help_check", &["check", "--help"], None, 0);
    snapshot("help", &["--help"], None, 0);
    snapshot("help_mock", &["mock", "--help"], None, 0);
    snapshot("help_proxy", &["proxy", "--help"], None, 0);
    snapshot("help_profile", &["profile", "--help"], None, 0);
}

/// Whether `c` would act on a terminal or reorder what a reader sees: C0 and C1 controls, DEL,
/// the bidi controls and the line separators (a line feed ends a line and is allowed).
fn acts_on_a_terminal(c: char) -> bool {
    c != '\n'
        && (c.is_control()
            || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
}

/// Every string in `value`, keys included.
fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(members) => members.iter().for_each(|(k, v)| {
            out.push(k.clone());
            strings(v, out);
        }),
        _ => {}
    }
}

#[test]
fn payload_and_file_name_text_never_reaches_the_terminal_raw() {
    let dir = scratch("hostile");
    let example = std::fs::read_to_string(root().join("examples/valid/response-in-use.json"))
        .expect("the example");
    // An escape sequence in a key, an OSC retitle in a value, C1 CSI, DEL and bidi controls,
    // and a raw control byte where JSON forbids one (an invalid payload, shown in its excerpt).
    let hostile = example.replacen(
        "\"id\":",
        "\"\\u001b[31mEVIL\\u001b[0m\": \"\\u001b]0;owned\\u0007\u{202e}txt\u{2066}\",\n  \"k\u{9b}\u{7f}\": 1,\n  \"id\":",
        1,
    );
    let name = "in\u{1b}]0;owned\u{7}\u{202e}.json";
    std::fs::write(dir.join(name), &hostile).unwrap();
    std::fs::write(dir.join("raw.json"), "{\"code\": \"\u{1b}[2J\u{9b}\"}").unwrap();
    for format in ["human", "github", "json", "sarif", "junit"] {
        let run = run_in(&dir, &["check", "--format", format, name, "raw.json"], None);
        assert_eq!(run.code, 1, "{format}");
        let raw: Vec<char> = run
            .stdout
            .chars()
            .chain(run.stderr.chars())
            .filter(|&c| acts_on_a_terminal(c))
            .collect();
        match format {
            "human" | "github" => {
                assert!(raw.is_empty(), "{format}: {raw:?} in {}", run.stdout);
                assert!(
                    run.stdout.contains("\\u{1b}[31mEVIL\\u{1b}[0m"),
                    "{}",
                    run.stdout
                );
                assert!(run.stdout.contains("k\\u{9b}\\u{7f}"), "{}", run.stdout);
                assert!(run.stdout.contains("in\\u{1b}]0;owned\\u{7}\\u{202e}.json"));
            }
            // Machine formats carry the text as their own syntax requires, and lose nothing.
            "json" | "sarif" => {
                assert!(!raw.contains(&'\u{1b}'), "{format}");
                let value: serde_json::Value =
                    serde_json::from_str(&run.stdout).expect("a JSON document");
                let mut all = Vec::new();
                strings(&value, &mut all);
                assert!(
                    all.iter().any(|s| s.contains("\u{1b}[31mEVIL\u{1b}[0m")),
                    "{all:?}"
                );
                // SARIF names the file by URI, percent-encoded.
                let named = all.iter().any(|s| s.contains(name));
                assert_eq!(named, format == "json", "{format}: {all:?}");
            }
            _ => {
                assert!(!raw.contains(&'\u{1b}'), "{format}");
                let document = roxmltree::Document::parse(&run.stdout).expect("well-formed XML");
                let names: Vec<&str> = document
                    .descendants()
                    .filter_map(|n| n.attribute("name"))
                    .collect();
                assert!(
                    names
                        .iter()
                        .any(|n| n.contains("in\\u{1b}]0;owned\\u{7}\u{202e}.json")),
                    "{names:?}"
                );
            }
        }
    }
    let missing = run_in(&dir, &["check", "gone\u{1b}[2J.json"], None);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("gone\\u{1b}[2J.json") && !missing.stderr.contains('\u{1b}'),
        "{}",
        missing.stderr
    );
}

#[test]
fn usage_errors_quote_arguments_made_safe_even_in_colour() {
    let dir = root();
    // clap quotes the argument it refuses; coloured, it would keep the escape sequences.
    for args in [
        &[
            "check",
            "--format",
            "\u{1b}]0;owned\u{7}\u{202e}x",
            "a.json",
        ][..],
        &["\u{1b}[2Jcheck"][..],
        &["config", "--", "--allow", "no-such\u{9b}rule"][..],
    ] {
        for colour in [None, Some("1")] {
            let mut cmd = command(dir, args);
            if let Some(force) = colour {
                cmd.env("CLICOLOR_FORCE", force);
            }
            let output = cmd.output().expect("the binary runs");
            assert_eq!(output.status.code(), Some(2), "{args:?}");
            let stderr = String::from_utf8(output.stderr).expect("UTF-8 stderr");
            // No raw character of the arguments' (an `error:` label may be coloured).
            let raw = ["\u{1b}]", "\u{1b}[2J", "\u{7}", "\u{9b}", "\u{202e}"];
            assert!(
                !raw.iter().any(|r| stderr.contains(r)),
                "{args:?} {colour:?}: {stderr}"
            );
            assert!(stderr.contains("\\u{"), "{args:?} {colour:?}: {stderr}");
        }
    }
    // An ordinary usage error keeps clap's colours.
    let mut cmd = command(dir, &["check", "--format", "bad", "a.json"]);
    let output = cmd
        .env("CLICOLOR_FORCE", "1")
        .output()
        .expect("the binary runs");
    assert!(String::from_utf8_lossy(&output.stderr).contains("\u{1b}["));
}

#[test]
fn the_pre_commit_hook_picks_payloads_and_leaves_ordinary_json_alone() {
    let hooks = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let pattern = hooks
        .lines()
        .find_map(|l| l.trim().strip_prefix("files: "))
        .expect("a files pattern");
    // pre-commit matches with Python's `re.search`: the same syntax for this pattern.
    let files = regex::Regex::new(pattern).expect("a regex");
    for path in [
        "captures/2026-12-01.order-get.ndjson",
        "a.order-get.json",
        "fixtures/x/y.order-get.jsonl",
        "session.order-get.har",
    ] {
        assert!(files.is_match(path), "{path}");
    }
    for path in [
        "package.json",
        "web/tsconfig.json",
        ".vscode/settings.json",
        "composer.lock.json",
        "data/events.ndjson",
        "order-get.json.bak",
        "capture.har",
    ] {
        assert!(!files.is_match(path), "{path}");
    }
    // The entry runs `check`, and the files it picks are what `check` reads by extension.
    let entry = hooks
        .lines()
        .find_map(|l| l.trim().strip_prefix("entry: "))
        .expect("an entry");
    let script = std::fs::read_to_string(root().join(entry)).expect("the entry is a script here");
    assert!(script.contains("-p cloudstorage-contract-cli"), "{script}");
    assert!(
        script
            .trim_end()
            .ends_with(r#"/target/release/cloudstorage-contract" check "$@""#),
        "{script}"
    );
}

#[test]
fn help_opens_with_one_line_and_wraps_to_columns() {
    let help = run(&["--help"]);
    let first = help.stdout.lines().next().unwrap_or_default();
    assert!(first.len() <= 80 && first.starts_with("Check "), "{first}");
    for (columns, widest) in [(None, 100), (Some("60"), 60), (Some("200"), 200)] {
        let mut cmd = command(root(), &["check", "--help"]);
        if let Some(columns) = columns {
            cmd.env("COLUMNS", columns);
        }
        let output = cmd.output().unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        let longest = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(
            longest <= widest,
            "{columns:?}: a line of {longest} chars\n{text}"
        );
        assert!(
            longest > widest / 2,
            "{columns:?}: wrapped too narrow\n{text}"
        );
    }
}

#[test]
fn completions_are_valid_scripts_that_offer_the_rule_ids() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = run(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for word in ["check", "time-zone", "explain", "allow"] {
            assert!(run.stdout.contains(word), "{shell}: no `{word}`");
        }
        // clap_complete's PowerShell and Elvish scripts complete commands and flags, not the
        // values of a flag.
        let values = !["powershell", "elvish"].contains(&shell);
        for id in ["single-digit-seconds", "exchange-mismatch"] {
            assert_eq!(run.stdout.contains(id), values, "{shell}: `{id}`");
        }
    }
    let bash = run(&["completions", "bash"]).stdout;
    // The rule ids are offered after `--allow` (and the other level flags).
    let after_allow = bash
        .split("--allow)")
        .nth(1)
        .and_then(|rest| rest.split(";;").next())
        .expect("a case for --allow");
    assert!(after_allow.contains("unknown-field"), "{after_allow}");
    let dir = scratch("completions");
    let script = dir.join("cloudstorage-contract.bash");
    std::fs::write(&script, &bash).unwrap();
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash runs");
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    let unknown = run(&["completions", "tcsh"]);
    assert_eq!(unknown.code, 2);
}

#[test]
fn the_man_page_has_a_roff_header_and_every_command() {
    let page = run(&["man"]);
    assert_eq!(page.code, 0, "{}", page.stderr);
    let mut lines = page.stdout.lines().skip_while(|l| !l.starts_with(".TH"));
    let title = lines.next().expect("a .TH line");
    assert!(
        title.starts_with(".TH cloudstorage-contract 1 ")
            && title.contains(concat!(
                "\"cloudstorage-contract ",
                env!("CARGO_PKG_VERSION"),
                "\""
            )),
        "{title}"
    );
    assert_eq!(lines.next(), Some(".SH NAME"));
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("cloudstorage\\-contract \\- Check ")),
        "{}",
        page.stdout
    );
    for section in [".SH SYNOPSIS", ".SH DESCRIPTION", ".SH SUBCOMMANDS"] {
        assert!(page.stdout.contains(section), "{section}");
    }
    let dir = scratch("man");
    let written = run(&["man", "--dir", dir.to_str().unwrap()]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    for name in [
        "cloudstorage-contract",
        "cloudstorage-contract-check",
        "cloudstorage-contract-explain",
    ] {
        let page = std::fs::read_to_string(dir.join(format!("{name}.1"))).expect(name);
        assert!(page.contains(&format!(".TH {name} 1 ")), "{name}");
    }
    let check = std::fs::read_to_string(dir.join("cloudstorage-contract-check.1")).unwrap();
    assert!(check.contains("\\-\\-time\\-zone"), "{check}");
}

/// A scratch folder outside this repository (whose own `.gitignore` would apply to one inside
/// it), emptied.
fn outside(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "cloudstorage-contract-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

#[test]
fn directories_are_walked_as_ripgrep_walks_them() {
    let valid = std::fs::read(root().join("examples/valid/response-in-use.json")).unwrap();
    let invalid = std::fs::read(root().join("examples/invalid/code-as-string.json")).unwrap();
    let repo = outside("walk");
    std::fs::create_dir(repo.join(".git")).unwrap();
    std::fs::write(
        repo.join(".gitignore"),
        "ignored/\n*.skip.json\n[bad pattern\n",
    )
    .unwrap();
    std::fs::write(repo.join(".ignore"), "also/\n").unwrap();
    for (path, bytes) in [
        ("a.json", &valid),
        ("ignored/b.json", &invalid),
        ("x.skip.json", &invalid),
        ("also/c.json", &invalid),
        (".hidden/d.json", &invalid),
        ("node_modules/e.json", &valid),
    ] {
        let path = repo.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let checked = |args: &[&str]| {
        let mut all = vec!["check", "--format", "json"];
        all.extend(args);
        let run = run_in(&repo, &all, None);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_default();
        let mut files: Vec<String> = report["payloads"]
            .as_array()
            .map(|p| {
                p.iter()
                    .map(|p| p["file"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        (run.code, files, run.stderr)
    };
    let (code, files, _) = checked(&["."]);
    assert_eq!(
        (code, files),
        (0, vec!["./a.json".into(), "./node_modules/e.json".into()])
    );
    let (code, files, _) = checked(&["--no-ignore", "."]);
    assert_eq!(code, 1);
    assert_eq!(
        files,
        [
            "./a.json",
            "./also/c.json",
            "./ignored/b.json",
            "./node_modules/e.json",
            "./x.skip.json"
        ]
    );
    let (_, files, _) = checked(&["--hidden", "."]);
    assert_eq!(
        files,
        ["./.hidden/d.json", "./a.json", "./node_modules/e.json"]
    );
    let (_, files, _) = checked(&["--hidden", "--no-ignore", "."]);
    assert_eq!(files.len(), 6, "{files:?}");
    // A file named on the command line is always checked, ignored or hidden.
    let (code, files, _) = checked(&["ignored/b.json", ".hidden/d.json"]);
    assert_eq!((code, files.len()), (1, 2));
    // So is a folder named on the command line, by the rules below it.
    let (_, files, _) = checked(&["also"]);
    assert_eq!(files, ["also/c.json"]);
    // Outside a Git repository, `.gitignore` does not apply and `.ignore` does, as in ripgrep.
    std::fs::remove_dir(repo.join(".git")).unwrap();
    let (_, files, _) = checked(&["."]);
    assert!(files.contains(&"./ignored/b.json".to_owned()), "{files:?}");
    assert!(!files.contains(&"./also/c.json".to_owned()), "{files:?}");
    std::fs::write(repo.join(".ignore"), "*\n").unwrap();
    let (code, files, stderr) = checked(&["."]);
    assert_eq!((code, files.len()), (2, 0));
    assert!(stderr.contains("`--no-ignore`"), "{stderr}");
    let _ = std::fs::remove_dir_all(&repo);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

#[test]
fn gzipped_inputs_are_read_as_they_decompress() {
    let dir = scratch("gzip");
    let (plain, zipped) = (dir.join("plain"), dir.join("zipped"));
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::create_dir_all(&zipped).unwrap();
    for example in [
        "examples/page/response-success.json",
        "examples/invalid/orders.ndjson",
        "examples/invalid/capture.har",
    ] {
        let bytes = std::fs::read(root().join(example)).unwrap();
        let name = Path::new(example).file_name().unwrap().to_str().unwrap();
        std::fs::write(plain.join(name), &bytes).unwrap();
        // A file of two gzip members, as `cat a.gz b.gz` writes: both are read.
        let (head, tail) = bytes.split_at(bytes.len() / 2);
        let two = [gzip(head), gzip(tail)].concat();
        std::fs::write(zipped.join(format!("{name}.gz")), two).unwrap();
    }
    // Not picked up by a walk: no input extension before `.gz`.
    std::fs::write(zipped.join("notes.gz"), gzip(b"{")).unwrap();
    for jobs in ["1", "2"] {
        let zipped_run = run_in(
            &zipped,
            &["check", "--jobs", jobs, "--format", "json", "."],
            None,
        );
        let plain_run = run_in(
            &plain,
            &["check", "--jobs", jobs, "--format", "json", "."],
            None,
        );
        assert_eq!(plain_run.code, 1, "{}", plain_run.stderr);
        assert_eq!(zipped_run.code, plain_run.code, "{}", zipped_run.stderr);
        assert!(zipped_run.stdout.contains("\"./orders.ndjson.gz\""));
        assert_eq!(zipped_run.stdout.replace(".gz\"", "\""), plain_run.stdout);
    }
    // A file that is not gzip, and one cut short: the lines read before the cut are reported,
    // and the run fails on an `error:` line.
    let ndjson = std::fs::read(root().join("examples/invalid/orders.ndjson")).unwrap();
    let whole = gzip(&ndjson);
    std::fs::write(dir.join("cut.ndjson.gz"), &whole[..whole.len() - 12]).unwrap();
    std::fs::write(dir.join("raw.json.gz"), b"{\"code\": 200}").unwrap();
    let run = run_in(
        &dir,
        &["check", "--format", "json", "cut.ndjson.gz", "raw.json.gz"],
        None,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("error: `cut.ndjson.gz`: "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("error: `raw.json.gz`: invalid gzip header"),
        "{}",
        run.stderr
    );
    let payloads = |stdout: &str| -> u64 {
        let summary = stdout.rsplit_once("\"payloads\":").expect("a summary").1;
        summary.split(',').next().unwrap().parse().unwrap()
    };
    let all = payloads(
        &run_in(
            &plain,
            &["check", "--format", "json", "orders.ndjson"],
            None,
        )
        .stdout,
    );
    let read = payloads(&run.stdout);
    assert!(read > 0 && read < all, "{read} of {all}: {}", run.stdout);
    // A payload past --max-bytes is too large by its decompressed size.
    let run = run_in(
        &zipped,
        &["check", "--max-bytes", "100", "response-success.json.gz"],
        None,
    );
    assert_eq!(run.code, 1);
    let size = std::fs::metadata(plain.join("response-success.json"))
        .unwrap()
        .len();
    assert!(
        run.stdout.contains(&format!("{size} bytes")),
        "{}",
        run.stdout
    );
}

#[test]
fn every_output_file_is_what_its_format_prints() {
    let dir = scratch("outputs");
    let formats = ["human", "json", "junit", "sarif", "github"];
    for jobs in ["1", "3"] {
        let mut args = vec!["check", "--jobs", jobs, "--format", "github"];
        let outputs: Vec<String> = formats
            .iter()
            .map(|f| format!("{f}={}", dir.join(format!("{f}.out")).display()))
            .collect();
        for output in &outputs {
            args.extend(["--output", output.as_str()]);
        }
        args.push("examples");
        let all = run(&args);
        assert_eq!(all.code, 1);
        for format in formats {
            let alone = run(&["check", "--jobs", jobs, "--format", format, "examples"]);
            let written = std::fs::read_to_string(dir.join(format!("{format}.out"))).unwrap();
            assert_eq!(written, alone.stdout, "{format} on {jobs} threads");
            if format == "github" {
                assert_eq!(all.stdout, alone.stdout, "stdout on {jobs} threads");
            }
        }
    }
    // Quiet is for stdout only: the files are written all the same, and the status is kept.
    let sarif = format!("sarif={}", dir.join("quiet.sarif").display());
    let quiet = run(&["check", "-q", "--output", &sarif, "examples/invalid"]);
    assert_eq!((quiet.code, quiet.stdout.as_str()), (1, ""));
    let alone = run(&["check", "--format", "sarif", "examples/invalid"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("quiet.sarif")).unwrap(),
        alone.stdout
    );
    let valid = run(&["check", "--output", &sarif, "examples/valid"]);
    assert_eq!(valid.code, 0);
}

#[test]
fn an_output_file_is_never_read_as_an_input() {
    let dir = scratch("output-inside");
    std::fs::create_dir(dir.join("in")).unwrap();
    std::fs::copy(
        root().join("examples/valid/response-in-use.json"),
        dir.join("in/a.json"),
    )
    .unwrap();
    // A report from an earlier run, where the walk finds it.
    std::fs::write(dir.join("in/report.json"), "{\"stale\": true}").unwrap();
    for _ in 0..2 {
        let run = run_in(
            &dir,
            &["check", "--output", "json=in/report.json", "in"],
            None,
        );
        assert_eq!(run.code, 0, "{}", run.stdout);
        assert!(run.stdout.contains("checked 1 payload"), "{}", run.stdout);
    }
}

#[test]
fn bad_outputs_are_usage_errors() {
    for (value, says) in [
        ("xml=a.xml", "unknown format `xml`"),
        ("sarif", "expected FORMAT=PATH"),
        ("json=", "no file after"),
    ] {
        let run = run(&["check", "--output", value, "examples/valid"]);
        assert_eq!(run.code, 2, "{value}");
        assert!(run.stderr.contains(says), "{value}: {}", run.stderr);
    }
    let dir = scratch("bad-output");
    // Two outputs to one file, and an input that an output would empty before it is read.
    std::fs::copy(
        root().join("examples/valid/response-in-use.json"),
        dir.join("in.json"),
    )
    .unwrap();
    for (args, says) in [
        (
            &[
                "--output",
                "json=a.json",
                "--output",
                "sarif=./a.json",
                "in.json",
            ][..],
            "two `--output`s write `./a.json`",
        ),
        (
            &["--output", "json=./in.json", "in.json"][..],
            "`./in.json` is both an input and an `--output` file",
        ),
    ] {
        let run = run_in(&dir, &[&["check"][..], args].concat(), None);
        assert_eq!(run.code, 2, "{args:?}");
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
    assert!(
        std::fs::read(dir.join("in.json")).unwrap().len() > 100,
        "the input is intact"
    );
    assert!(
        !dir.join("a.json").exists(),
        "nothing is written before the run is refused"
    );
    let missing = format!("json={}", dir.join("no/such/dir/x.json").display());
    let run = run(&["check", "--output", &missing, "examples/valid"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("error: `"), "{}", run.stderr);
}

#[test]
fn the_github_format_appends_a_step_summary() {
    let dir = scratch("step-summary");
    let summary = dir.join("summary.md");
    let with_summary = |args: &[&str]| {
        let output = command(root(), args)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .unwrap();
        output.status.code()
    };
    assert_eq!(
        with_summary(&["check", "--format", "github", "examples"]),
        Some(1)
    );
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("## cloudstorage-contract\n\n❌ checked "),
        "{text}"
    );
    assert!(text.contains("### Most frequent rules"), "{text}");
    assert!(text.contains("| examples/invalid/code-as-string.json:3:11 | error `wrong-type` |"));
    // Appended, as GitHub expects from every step that writes one.
    let github = format!("github={}", dir.join("annotations.txt").display());
    assert_eq!(
        with_summary(&["check", "--output", &github, "examples/valid"]),
        Some(0)
    );
    let text = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(
        text.matches("## cloudstorage-contract").count(),
        2,
        "{text}"
    );
    assert!(text.ends_with("✅ checked 5 payloads: 5 conform, 0 violate, 0 warnings\n\n| payloads | conform | violate | errors | warnings |\n|---:|---:|---:|---:|---:|\n| 5 | 5 | 0 | 0 | 0 |\n\n"), "{text}");
    // Without the github format, no summary.
    std::fs::remove_file(&summary).unwrap();
    assert_eq!(
        with_summary(&["check", "--format", "json", "examples/valid"]),
        Some(0)
    );
    assert!(!summary.exists());
}

#[test]
fn colour_follows_the_flag_then_the_environment() {
    let red_error = "\x1b[1m\x1b[31merror";
    // The human report on stdout, and an `error:` line on stderr (a file that is not there).
    let colours = |flag: Option<&str>, env: &[(&str, &str)]| {
        let mut args = vec!["check"];
        args.extend(flag);
        let mut report = command(root(), &[args.clone(), vec!["examples/invalid"]].concat());
        let mut missing = command(root(), &[args, vec!["no-such-file.json"]].concat());
        for (key, value) in env {
            report.env(key, value);
            missing.env(key, value);
        }
        let report = String::from_utf8(report.output().unwrap().stdout).unwrap();
        let missing = String::from_utf8(missing.output().unwrap().stderr).unwrap();
        (report.contains(red_error), missing.starts_with(red_error))
    };
    assert_eq!(colours(None, &[]), (false, false), "not a terminal");
    assert_eq!(colours(None, &[("CLICOLOR_FORCE", "1")]), (true, true));
    assert_eq!(
        colours(None, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]),
        (false, false),
        "NO_COLOR wins"
    );
    assert_eq!(
        colours(Some("--color=always"), &[("NO_COLOR", "1")]),
        (true, true)
    );
    assert_eq!(
        colours(Some("--color=never"), &[("CLICOLOR_FORCE", "1")]),
        (false, false)
    );
    // Machine formats never carry colour.
    let json = command(
        root(),
        &[
            "check",
            "--color=always",
            "--format",
            "json",
            "examples/invalid",
        ],
    )
    .output()
    .unwrap();
    assert!(!String::from_utf8(json.stdout).unwrap().contains('\x1b'));
}

// --- the configuration file -----------------------------------------------------------------

/// Snapshots `text` in `snapshots/` (top level) under `name`.
fn snapshot_text(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots");
    settings.set_prepend_module_to_snapshot(true);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// A scratch repository (a folder with `.git`) holding `cloudstorage-contract.toml` with `text`.
fn configured(name: &str, text: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir(dir.join(".git")).expect("a `.git` folder");
    std::fs::write(dir.join("cloudstorage-contract.toml"), text).expect("a configuration file");
    dir
}

/// The crate's `examples/` file `path`, by its absolute name (for runs in a scratch folder).
fn example(path: &str) -> String {
    root().join("examples").join(path).display().to_string()
}

#[test]
fn config_prints_the_defaults_without_a_file() {
    snapshot("config_defaults", &["config"], None, 0);
}

#[test]
fn config_names_where_each_value_comes_from() {
    let dir = configured(
        "config-origins",
        "# Shared by every pipeline.\n\
         time-zone = \"Asia/Shanghai\"\n\
         strict = true\n\
         format = \"github\"\n\
         jobs = 2\n\
         \n\
         [rules]\n\
         single-digit-seconds = \"allow\"\n\
         api-version = \"deny\"\n",
    );
    std::fs::create_dir(dir.join("captures")).unwrap();
    let mut text = String::new();
    for args in [
        &["config"][..],
        &[
            "config",
            "--",
            "--format",
            "json",
            "--warn",
            "single-digit-seconds",
            "--allow",
            "unknown-field",
            "-j",
            "1",
        ],
    ] {
        let run = run_in(&dir.join("captures"), args, None);
        assert_eq!(run.code, 0, "{}", run.stderr);
        text.push_str(&run.transcript(args));
    }
    snapshot_text("config_origins", &text);
}

#[test]
fn the_file_sets_what_flags_would_and_flags_win() {
    let page = example("page/response-success.json");
    let page = page.as_str();
    let in_use = example("valid/response-in-use.json");
    let in_use = in_use.as_str();
    // Without a file the page conforms with one warning.
    let dir = configured("config-precedence", "");
    let bare = run_in(&dir, &["check", page], None);
    assert_eq!(bare.code, 0, "{}", bare.stderr);
    assert!(
        bare.stdout.contains("1 conforms, 0 violate, 2 warnings"),
        "{}",
        bare.stdout
    );
    let cases: &[(&str, &[&str], i32, &str)] = &[
        // A level in the file applies; a flag for the same rule comes after it.
        (
            "[rules]\nsingle-digit-seconds = \"allow\"\n",
            &[],
            0,
            "0 warnings",
        ),
        (
            "[rules]\nsingle-digit-seconds = \"allow\"\n",
            &["--warn", "single-digit-seconds"],
            0,
            "2 warnings",
        ),
        (
            "[rules]\nsingle-digit-seconds = \"deny\"\n",
            &[],
            1,
            "1 violates",
        ),
        (
            "[rules]\nsingle-digit-seconds = \"deny\"\n",
            &["--allow", "single-digit-seconds"],
            0,
            "0 warnings",
        ),
        // The file's levels apply after its `strict`, as the flags' do after `--strict`.
        ("strict = true\n", &[], 1, "1 violates"),
        (
            "strict = true\n[rules]\nsingle-digit-seconds = \"warn\"\n",
            &[],
            0,
            "2 warnings",
        ),
        (
            "strict = true\n",
            &["--warn", "single-digit-seconds"],
            0,
            "2 warnings",
        ),
        // Scalars: the flag, when given, wins.
        (
            "format = \"json\"\n",
            &[],
            0,
            "\"summary\": {\"payloads\":1",
        ),
        (
            "format = \"json\"\n",
            &["--format", "human"],
            0,
            "checked 1 payload",
        ),
        ("max-bytes = 100\n", &[], 1, "error[too-large]"),
        (
            "max-bytes = 100\n",
            &["--max-bytes", "100000"],
            0,
            "1 conforms",
        ),
        ("kind = \"request\"\n", &[], 1, "error[missing-field]"),
        ("kind = \"request\"\n", &["--kind", "auto"], 0, "1 conforms"),
    ];
    for (file, flags, code, expected) in cases {
        std::fs::write(dir.join("cloudstorage-contract.toml"), file).unwrap();
        let mut args = vec!["check"];
        args.extend_from_slice(flags);
        args.push(page);
        let run = run_in(&dir, &args, None);
        assert_eq!(
            run.code, *code,
            "{file:?} {flags:?}\n{}{}",
            run.stderr, run.stdout
        );
        assert!(
            run.stdout.contains(expected),
            "{file:?} {flags:?}: {}",
            run.stdout
        );
    }
    // A time zone from the file, and one from a flag over it.
    std::fs::write(
        dir.join("cloudstorage-contract.toml"),
        "time-zone = \"Europe/Berlin\"\n",
    )
    .unwrap();
    let berlin = run_in(&dir, &["check", in_use], None);
    assert_eq!(berlin.code, 1);
    assert!(
        berlin.stdout.contains("error[zone-offset]"),
        "{}",
        berlin.stdout
    );
    let shanghai = run_in(
        &dir,
        &["check", "--time-zone", "Asia/Shanghai", in_use],
        None,
    );
    assert_eq!(shanghai.code, 0, "{}", shanghai.stdout);
    // `--no-config` reads none; `--config` names another.
    let ignored = run_in(&dir, &["check", "--no-config", in_use], None);
    assert_eq!(ignored.code, 0, "{}", ignored.stdout);
    std::fs::write(dir.join("other.toml"), "time-zone = \"Asia/Shanghai\"\n").unwrap();
    let other = run_in(&dir, &["check", "--config", "other.toml", in_use], None);
    assert_eq!(other.code, 0, "{}", other.stdout);
}

#[test]
fn the_file_is_found_up_to_the_repository_root() {
    let dir = scratch("config-discovery");
    std::fs::write(dir.join("cloudstorage-contract.toml"), "strict = true\n").unwrap();
    let deep = dir.join("repo/a/b");
    std::fs::create_dir_all(&deep).unwrap();
    let mut text = String::new();
    let mut config = |args: &[&str]| {
        let run = run_in(&deep, args, None);
        text.push_str(&run.transcript(args));
        run
    };
    // The scratch folder lies inside this crate's repository: the file above is found.
    assert_eq!(config(&["config"]).code, 0);
    // A `.git` folder, or a `.git` file as in a worktree, ends the search.
    std::fs::create_dir(dir.join("repo/.git")).unwrap();
    config(&["config"]);
    std::fs::remove_dir(dir.join("repo/.git")).unwrap();
    std::fs::write(dir.join("repo/.git"), "gitdir: elsewhere\n").unwrap();
    config(&["config"]);
    // The nearest file wins; `--config` names one, `--no-config` ignores them.
    std::fs::write(dir.join("repo/a/cloudstorage-contract.toml"), "jobs = 3\n").unwrap();
    config(&["config"]);
    std::fs::write(deep.join("mine.toml"), "kind = \"response\"\n").unwrap();
    config(&["config", "--config", "mine.toml"]);
    config(&["config", "--no-config"]);
    let conflict = config(&["config", "--config", "mine.toml", "--no-config"]);
    assert_eq!(conflict.code, 2);
    snapshot_text("config_discovery", &text);
    let conflict = run_in(
        &deep,
        &["check", "--no-config", "--config", "mine.toml", "-"],
        None,
    );
    assert_eq!(conflict.code, 2);
    assert!(
        conflict.stderr.contains("cannot be used with"),
        "{}",
        conflict.stderr
    );
}

#[test]
fn a_bad_file_is_a_usage_error_at_its_line_and_column() {
    let dir = configured("config-errors", "");
    let cases: &[(&str, &[&str])] = &[
        // Unknown keys, at any depth.
        ("strict = true\ncolour = \"always\"\n", &[]),
        ("[rules]\nunkown-field = \"allow\"\n", &[]),
        ("[rules.wrong-type]\nlevel = \"deny\"\n", &[]),
        // Values of the wrong type.
        ("strict = \"yes\"\n", &[]),
        ("jobs = 1.5\n", &[]),
        ("max-bytes = \"16MiB\"\n", &[]),
        ("format = 1\n", &[]),
        ("rules = [\"wrong-type\"]\n", &[]),
        ("[rules]\nwrong-type = 2\n", &[]),
        // Values out of range or unknown, even when a flag would override them.
        ("jobs = 0\n", &[]),
        ("jobs = 0\n", &["--jobs", "1"]),
        ("max-bytes = -1\n", &[]),
        ("format = \"xml\"\n", &["--format", "json"]),
        ("kind = \"both\"\n", &[]),
        ("time-zone = \"Asia/Beijing\"\n", &[]),
        ("[rules]\nwrong-type = \"error\"\n", &[]),
        // A fatal rule cannot be allowed or downgraded, from the file as from a flag.
        ("[rules]\n  invalid-json = \"warn\"\n", &[]),
        // TOML syntax: a bad value, a key twice, an unclosed table.
        ("time-zone = Asia/Shanghai\n", &[]),
        ("strict = true\nstrict = false\n", &[]),
        ("[rules\n", &[]),
        // Columns count characters; text from the file is escaped.
        ("# réglages\n[rules]\n\"订单\\u001b[31m\" = \"deny\"\n", &[]),
    ];
    let located = regex::Regex::new(r"^error: cloudstorage-contract\.toml:\d+:\d+: \S").unwrap();
    let mut text = String::new();
    for (file, flags) in cases {
        std::fs::write(dir.join("cloudstorage-contract.toml"), file).unwrap();
        let mut args = vec!["check"];
        args.extend_from_slice(flags);
        args.push("-");
        let run = run_in(&dir, &args, Some(b"{\"code\": 460, \"data\": null}"));
        assert_eq!(run.code, 2, "{file:?}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{file:?}");
        assert!(located.is_match(&run.stderr), "{file:?}: {}", run.stderr);
        assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        // `config` refuses the same file with the same words.
        let config = run_in(&dir, &["config"], None);
        assert_eq!((config.code, &config.stderr), (2, &run.stderr), "{file:?}");
        text.push_str(&format!("--- {}\n{file}", args.join(" ")));
        text.push_str(&run.stderr);
    }
    snapshot_text("config_errors", &text);
    // A file named but missing; flags refused as the validator refuses them.
    let missing = run_in(&dir, &["check", "--config", "nope.toml", "-"], None);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.starts_with("error: `nope.toml`: "),
        "{}",
        missing.stderr
    );
    std::fs::write(dir.join("cloudstorage-contract.toml"), "").unwrap();
    let fatal = run_in(&dir, &["config", "--", "--allow", "invalid-json"], None);
    assert_eq!(fatal.code, 2);
    assert_eq!(
        fatal.stderr,
        "error: rule `invalid-json` cannot be allowed or downgraded: without it there is nothing to check\n"
    );
}

#[test]
fn the_readme_configuration_example_is_what_config_prints() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let file = readme
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a TOML example in the README");
    let dir = configured("config-readme", file);
    std::fs::create_dir(dir.join("captures")).unwrap();
    let command = "$ cd captures && cloudstorage-contract config -- ";
    let (flags, printed) = readme
        .split(command)
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .and_then(|example| example.split_once('\n'))
        .expect("a `config` example in the README");
    let mut args = vec!["config", "--"];
    args.extend(flags.split(' '));
    let run = run_in(&dir.join("captures"), &args, None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, format!("{printed}\n"));
}
