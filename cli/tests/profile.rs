//! `profile` and `check --output profile=PATH` as a black box: the built binary, run in the
//! crate's root on `examples/` and on generated NDJSON, its JSON profile compared byte for byte
//! across thread counts, input splits and the two commands.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// What a run printed, and its exit code.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The workspace's root, where `examples/` is: runs happen there.
fn root() -> &'static Path {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR"));
    cli.parent().unwrap_or(cli)
}

fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cloudstorage-contract"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS")
        .env("TERM", "dumb");
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

/// A scratch folder under the target directory, emptied, for inputs the tests make.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("profile")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

fn text(path: &Path) -> String {
    path.to_str().expect("a UTF-8 path").to_owned()
}

/// `profile --format json --no-config` with `args`, which must exit 0; its stdout.
fn profile(args: &[&str]) -> String {
    let mut all = vec!["profile", "--format", "json", "--no-config"];
    all.extend_from_slice(args);
    let run = run(&all);
    assert_eq!(run.code, 0, "{all:?}\nstderr: {}", run.stderr);
    assert!(run.stderr.is_empty(), "{all:?}\nstderr: {}", run.stderr);
    assert!(run.stdout.ends_with("}\n"), "{}", run.stdout);
    run.stdout
}

/// NDJSON of `lines` payloads of both kinds, conforming and near misses, from `sample`:
/// enough lines for batches of every size.
fn mixed_ndjson(lines: u32) -> String {
    let quarter = (lines / 4).to_string();
    let mut all = Vec::new();
    for (kind, invalid, seed) in [
        ("response", false, "0"),
        ("response", true, "1000000"),
        ("request", false, "2000000"),
        ("request", true, "3000000"),
    ] {
        let mut args = vec![
            "sample", "--kind", kind, "--count", &quarter, "--seed", seed,
        ];
        if invalid {
            args.push("--invalid");
        }
        let sampled = run(&args);
        assert_eq!(sampled.code, 0, "{}", sampled.stderr);
        all.push(sampled.stdout);
    }
    // Interleaved, so that every batch holds every kind.
    let mut lines: Vec<Vec<&str>> = all.iter().map(|s| s.lines().collect()).collect();
    let mut out = String::new();
    while lines.iter().any(|l| !l.is_empty()) {
        for l in &mut lines {
            if !l.is_empty() {
                out.push_str(l.remove(0));
                out.push('\n');
            }
        }
    }
    out
}

/// A scratch folder holding `mixed.ndjson` of 3000 lines.
fn corpus(name: &str) -> (PathBuf, String) {
    let dir = scratch(name);
    let mixed = mixed_ndjson(3000);
    std::fs::write(dir.join("mixed.ndjson"), &mixed).expect("the corpus");
    (dir, mixed)
}

#[test]
fn the_profile_is_the_same_on_any_number_of_threads() {
    let (dir, _) = corpus("threads");
    let mixed = text(&dir.join("mixed.ndjson"));
    let inputs = ["examples", mixed.as_str()];
    let one = profile(&[&["--jobs", "1"], &inputs[..]].concat());
    let document: serde_json::Value = serde_json::from_str(&one).expect("JSON");
    let payloads: u64 = document["totals"]["payloads"]
        .as_object()
        .expect("payloads by kind")
        .values()
        .map(|v| v["conforming"].as_u64().unwrap_or(0) + v["failing"].as_u64().unwrap_or(0))
        .sum();
    assert!(payloads > 3000, "{payloads} payloads");
    assert!(document["rules"].as_object().is_some_and(|r| r.len() > 5));
    for jobs in ["2", "3"] {
        let many = profile(&[&["--jobs", jobs], &inputs[..]].concat());
        assert_eq!(many, one, "--jobs {jobs}");
    }
}

#[test]
fn files_profiled_apart_and_merged_are_the_files_profiled_together() {
    let (dir, mixed) = corpus("split");
    let lines: Vec<&str> = mixed.lines().collect();
    let (a, b) = (dir.join("a.ndjson"), dir.join("b.ndjson"));
    std::fs::write(&a, lines[..1234].join("\n") + "\n").expect("a");
    std::fs::write(&b, lines[1234..].join("\n") + "\n").expect("b");
    let (a, b) = (text(&a), text(&b));
    let together = profile(&["--jobs", "2", "examples", &a, &b]);
    let mut saved = Vec::new();
    for (name, inputs) in [
        ("examples.json", vec!["--jobs", "3", "examples"]),
        ("a.json", vec!["--jobs", "1", a.as_str()]),
        ("b.json", vec!["--jobs", "2", b.as_str()]),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, profile(&inputs)).expect("a saved profile");
        saved.push(text(&path));
    }
    let merged = profile(&["--merge", &saved[0], &saved[1], &saved[2]]);
    assert_eq!(merged, together);
    // In any order, and from stdin too.
    let b_json = std::fs::read(&saved[2]).expect("b.json");
    let run = run_in(
        root(),
        &[
            "profile", "--format", "json", "--merge", &saved[1], "-", &saved[0],
        ],
        Some(&b_json),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, together);
}

#[test]
fn check_output_profile_is_what_profile_prints() {
    let (dir, _) = corpus("check-output");
    let mixed = text(&dir.join("mixed.ndjson"));
    let options: [&[&str]; 2] = [
        &[],
        &[
            "--strict",
            "--time-zone",
            "Asia/Shanghai",
            "--allow",
            "unknown-field",
            "--kind",
            "response",
            "--max-bytes",
            "400",
        ],
    ];
    for (i, options) in options.into_iter().enumerate() {
        let saved = dir.join(format!("check-{i}.json"));
        let output = format!("profile={}", text(&saved));
        let inputs = ["examples", mixed.as_str()];
        let check = [
            &["check", "--no-config", "--jobs", "2", "--format", "json"][..],
            &["--output", &output],
            options,
            &inputs,
        ]
        .concat();
        let checked = run(&check);
        assert_eq!(checked.code, 1, "{check:?}: {}", checked.stderr);
        let printed = profile(&[&["--jobs", "3"], options, &inputs].concat());
        let written = std::fs::read_to_string(&saved).expect("the profile written");
        assert_eq!(written, printed, "{options:?}");
    }
}

#[test]
fn the_configuration_file_applies_except_its_format() {
    let dir = scratch("configured");
    std::fs::create_dir(dir.join(".git")).expect("a `.git` folder");
    std::fs::write(
        dir.join("cloudstorage-contract.toml"),
        "format = \"sarif\"\nstrict = true\n[rules]\nunknown-field = \"allow\"\n",
    )
    .expect("a configuration file");
    let page = text(&root().join("examples/page"));
    let configured = run_in(&dir, &["profile", "--format", "json", &page], None);
    assert_eq!(configured.code, 0, "{}", configured.stderr);
    let flags = profile(&["--strict", "--allow", "unknown-field", &page]);
    assert_eq!(configured.stdout, flags);
    assert_ne!(profile(&[&page]), flags, "`strict` changes the verdicts");
}

#[test]
fn an_unreadable_input_exits_2_with_the_error_check_prints() {
    let dir = scratch("unreadable");
    std::fs::write(dir.join("broken.har"), "not a HAR").expect("a broken HAR");
    let broken = text(&dir.join("broken.har"));
    for inputs in [
        vec!["examples/page", broken.as_str()],
        vec!["examples/page", "does-not-exist.json"],
    ] {
        let check = run(&[&["check", "--no-config", "--format", "json"][..], &inputs].concat());
        let profiled =
            run(&[&["profile", "--no-config", "--format", "json"][..], &inputs].concat());
        assert_eq!(check.code, 2, "{inputs:?}");
        assert_eq!(profiled.code, 2, "{inputs:?}");
        assert!(check.stderr.starts_with("error: "), "{}", check.stderr);
        assert_eq!(profiled.stderr, check.stderr, "{inputs:?}");
    }
    // What could be read is still profiled.
    let profiled = run(&[
        "profile",
        "--no-config",
        "--format",
        "json",
        "examples/page",
        &broken,
    ]);
    let document: serde_json::Value = serde_json::from_str(&profiled.stdout).expect("JSON");
    assert_eq!(document["totals"]["payloads"]["request"]["conforming"], 1);
}

#[test]
fn merge_refuses_what_is_not_a_saved_profile_of_this_version() {
    let dir = scratch("refused");
    let good = dir.join("good.json");
    std::fs::write(&good, profile(&["examples/page"])).expect("a saved profile");
    let saved = std::fs::read_to_string(&good).expect("good.json");
    let wrong = saved.replacen("\"version\": 1,", "\"version\": 2,", 1);
    assert_ne!(wrong, saved);
    let other_contract = saved.replacen("\"contract\": \"1.0.6\",", "\"contract\": \"9\",", 1);
    assert_ne!(other_contract, saved);
    for (name, body, says) in [
        ("wrong-version.json", wrong.as_str(), "format version 2"),
        (
            "other-contract.json",
            other_contract.as_str(),
            "contract version",
        ),
        ("garbage.json", "{\"version\": 1", "not a traffic profile"),
        (
            "a-report.json",
            "{\"payloads\": [], \"summary\": {}}",
            "not a traffic profile",
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, body).expect("a bad profile");
        let run = run(&["profile", "--merge", &text(&good), &text(&path)]);
        assert_eq!(run.code, 2, "{name}: {}", run.stdout);
        assert!(run.stdout.is_empty(), "{name}: {}", run.stdout);
        assert!(run.stderr.starts_with("error: "), "{name}: {}", run.stderr);
        assert!(run.stderr.contains(name), "{name}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{name}: {}", run.stderr);
    }
    let missing = run(&["profile", "--merge", "no-such-profile.json"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no-such-profile.json"),
        "{}",
        missing.stderr
    );
    // The options of a pass over traffic mean nothing to saved profiles.
    let usage = run(&["profile", "--merge", "--strict", &text(&good)]);
    assert_eq!(usage.code, 2, "{}", usage.stderr);
}

#[test]
fn entries_over_the_cap_are_folded_and_counted() {
    // 3000 distinct unknown members, over the cap of 1024.
    let mut input = String::new();
    for i in 0..3000 {
        input.push_str(&format!(
            "{{\"code\": 460, \"message\": \"auth failed\", \"data\": null, \"u{i:05}\": {i}}}\n"
        ));
    }
    let run = run_in(
        root(),
        &[
            "profile",
            "--no-config",
            "--format",
            "json",
            "--ndjson",
            "--jobs",
            "2",
            "-",
        ],
        Some(input.as_bytes()),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let cap = document["cap"].as_u64().expect("a cap");
    let unknown = &document["unknown_members"]["response"];
    assert_eq!(
        unknown["entries"].as_object().map(|e| e.len() as u64),
        Some(cap)
    );
    assert_eq!(unknown["folded"], 3000 - cap);
}

#[test]
fn the_profile_counts_what_check_reports() {
    // JSON, NDJSON, gzip and a HAR capture with a mismatched exchange and skipped entries; and
    // again with payloads over the size limit, which are never read whole.
    for limit in [None, Some("700")] {
        counts_agree(limit);
    }
}

fn counts_agree(max_bytes: Option<&str>) {
    let mut args = vec!["check", "--no-config", "--format", "json"];
    let mut options = Vec::new();
    if let Some(max) = max_bytes {
        options.extend(["--max-bytes", max]);
    }
    args.extend(&options);
    args.push("examples");
    let check = run(&args);
    assert_eq!(check.code, 1, "{}", check.stderr);
    let report: serde_json::Value = serde_json::from_str(&check.stdout).expect("JSON");
    options.push("examples");
    let profiled: serde_json::Value = serde_json::from_str(&profile(&options)).expect("JSON");
    let summary = &report["summary"];
    let totals = &profiled["totals"];
    for key in ["errors", "warnings", "skipped"] {
        assert_eq!(totals[key], summary[key], "{key}");
    }
    let verdicts = totals["payloads"].as_object().expect("payloads by kind");
    let sum = |verdict: &str| -> u64 {
        verdicts
            .values()
            .map(|v| v[verdict].as_u64().unwrap_or(0))
            .sum()
    };
    assert_eq!(
        sum("conforming"),
        summary["conforming"].as_u64().unwrap_or(0)
    );
    assert_eq!(sum("failing"), summary["violating"].as_u64().unwrap_or(0));
    let mut rules: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    for payload in report["payloads"].as_array().expect("payloads") {
        let mut seen = std::collections::BTreeSet::new();
        for finding in payload["diagnostics"].as_array().expect("diagnostics") {
            let rule = finding["rule"].as_str().expect("a rule").to_owned();
            let counts = rules.entry(rule.clone()).or_default();
            counts.0 += 1;
            if seen.insert(rule) {
                counts.1 += 1;
            }
        }
    }
    assert!(rules.contains_key("exchange-mismatch"), "{rules:?}");
    let profiled_rules: std::collections::BTreeMap<String, (u64, u64)> = profiled["rules"]
        .as_object()
        .expect("rules")
        .iter()
        .map(|(id, r)| {
            let count = r["count"].as_u64().unwrap_or(0);
            (id.clone(), (count, r["payloads"].as_u64().unwrap_or(0)))
        })
        .collect();
    assert_eq!(profiled_rules, rules, "--max-bytes {max_bytes:?}");
    assert_eq!(
        rules.contains_key("too-large"),
        max_bytes.is_some(),
        "{rules:?}"
    );
    assert_eq!(profiled["exchanges"]["mismatched"], 1);
}

/// Writes `lines` as NDJSON in `dir/name`; its path as text.
fn ndjson_file(dir: &Path, name: &str, lines: &[String]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").expect("an NDJSON file");
    text(&path)
}

/// The page's success response on one line, `status` set to `status`, with a member `extra`
/// added to `data` when given.
fn page_response(status: u64, extra: Option<&str>) -> String {
    let page = std::fs::read_to_string(root().join("examples/page/response-success.json"))
        .expect("the page's example");
    let mut v: serde_json::Value = serde_json::from_str(&page).expect("JSON");
    v["data"]["status"] = status.into();
    if let Some(extra) = extra {
        v["data"][extra] = "x".into();
    }
    v.to_string()
}

#[test]
fn drift_from_a_baseline_is_reported_and_fail_on_picks_the_exit_status() {
    let dir = scratch("drift");
    let old = ndjson_file(
        &dir,
        "old.ndjson",
        &[page_response(0, None), page_response(1, None)],
    );
    let baseline = dir.join("old.json");
    std::fs::write(&baseline, profile(&[&old])).expect("the baseline");
    let baseline = text(&baseline);
    // A new member, a new `status` value (9), and status 0 no longer seen.
    let new = ndjson_file(
        &dir,
        "new.ndjson",
        &[page_response(1, Some("traceId")), page_response(9, None)],
    );
    let json = profile(&["--baseline", &baseline, &new]);
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let changes = value["drift"]["changes"].as_array().expect("changes");
    let has = |kind: &str, subject: &str, v: Option<&str>| {
        changes
            .iter()
            .any(|c| c["kind"] == kind && c["subject"] == subject && c["value"].as_str() == v)
    };
    assert!(has("new-member", "response /data/traceId", None), "{json}");
    assert!(has("new-value", "/data/status", Some("9")), "{json}");
    assert!(has("gone-value", "/data/status", Some("0")), "{json}");
    // The profile with its drift is still a profile that reads back.
    let saved = dir.join("with-drift.json");
    std::fs::write(&saved, &json).expect("a file");
    assert_eq!(profile(&["--merge", &text(&saved)]), profile(&[&new]));

    let code = |fail_on: &str, input: &str| {
        let args = [
            "profile",
            "--no-config",
            "--format",
            "markdown",
            "--baseline",
            &baseline,
            "--fail-on",
            fail_on,
            input,
        ];
        let run = run(&args);
        assert!(run.stdout.contains("### Drift"), "{}", run.stdout);
        (run.code, run.stderr)
    };
    assert_eq!(code("new-member", &new).0, 1);
    assert_eq!(
        code("type-mix,rule-rate", &new).0,
        1,
        "status 9 is an error: its rate moved"
    );
    assert_eq!(code("type-mix", &new).0, 0, "no type changed");
    // Against itself, nothing drifts, whatever fails.
    assert_eq!(code("any", &old), (0, String::new()));
    // Without --fail-on, drift is only reported.
    let run = run(&["profile", "--no-config", "--baseline", &baseline, &new]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("new-member"), "{}", run.stdout);
}

#[test]
fn every_format_prints_the_same_profile() {
    let json = profile(&["examples"]);
    let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let payloads = value["totals"]["payloads"]["response"]["conforming"]
        .as_u64()
        .expect("a count");
    for format in ["human", "markdown", "html"] {
        let run = run(&["profile", "--no-config", "--format", format, "examples"]);
        assert_eq!(run.code, 0, "{format}: {}", run.stderr);
        assert!(run.stdout.contains("single-digit-seconds"), "{format}");
        assert!(run.stdout.contains(&payloads.to_string()), "{format}");
    }
    // The human tables fit COLUMNS.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cloudstorage-contract"));
    let out = cmd
        .args(["profile", "--no-config", "examples"])
        .current_dir(root())
        .env("COLUMNS", "72")
        .output()
        .expect("the binary runs");
    let human = String::from_utf8(out.stdout).expect("UTF-8");
    for line in human.lines() {
        assert!(line.chars().count() <= 72, "{line:?}");
    }
}

#[test]
fn the_readme_shows_the_profile_the_command_prints() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("the README");
    let shown = readme
        .split_once("<!-- profile-markdown:start -->\n")
        .and_then(|(_, rest)| rest.split_once("<!-- profile-markdown:end -->"))
        .map(|(markdown, _)| markdown)
        .expect("the README's markdown profile, between its markers");
    let run = run(&["profile", "--no-config", "--format", "markdown", "examples"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(shown, run.stdout, "update the README's markdown profile");
    let human = run_in(root(), &["profile", "--no-config", "examples"], None);
    let excerpt = readme
        .split_once("(`COLUMNS=100`):\n\n```text\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(text, _)| text)
        .expect("the README's human excerpt");
    assert!(
        human.stdout.starts_with(excerpt),
        "update the README's human excerpt:\n{}",
        human.stdout
    );
}
