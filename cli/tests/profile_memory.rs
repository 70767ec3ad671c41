//! `profile`'s memory against hostile cardinality: a million NDJSON lines, each with an unknown
//! member of its own name. Alone in its test binary, so that nothing else runs beside it.
//!
//! It takes about a minute in a debug build: run it with
//! `cargo test --release -p cloudstorage-contract-cli --test profile_memory -- --ignored`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The most the `profile` process may hold resident.
const PEAK: u64 = 64 * 1024 * 1024;

const LINES: u64 = 1_000_000;

/// A process's peak resident set in bytes, from `/proc/PID/status` (`VmHWM`), while it runs.
fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

#[test]
#[ignore = "a million lines: about a minute in a debug build; run with --release -- --ignored"]
fn a_million_distinct_unknown_members_stay_under_64_mib() {
    if !Path::new("/proc/self/status").exists() {
        eprintln!("skipped: no /proc/PID/status to read a peak resident set from (not Linux)");
        return;
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_cloudstorage-contract"))
        .args([
            "profile",
            "--no-config",
            "--format",
            "json",
            "--ndjson",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let pid = child.id();
    let mut stdin = child.stdin.take().expect("stdin");
    // Fed from a thread, about 60 MB, never held whole.
    let feeder = std::thread::spawn(move || {
        let mut out = std::io::BufWriter::new(&mut stdin);
        for i in 0..LINES {
            writeln!(
                out,
                "{{\"code\": 460, \"message\": \"auth failed\", \"data\": null, \"u{i:07}\": {i}}}"
            )?;
        }
        out.flush()
    });
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout));
    let mut peak = 0;
    while child.try_wait().expect("the child's status").is_none() {
        // VmHWM only grows: the last reading before the exit is the peak.
        if let Some(now) = peak_rss(pid) {
            peak = peak.max(now);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    feeder.join().expect("the feeder").expect("stdin written");
    let printed = reader.join().expect("the reader").expect("stdout read");
    let status = child.wait().expect("the child's status");
    assert!(status.success(), "{status}");
    eprintln!(
        "profile of {LINES} lines: peak resident set {} KiB",
        peak / 1024
    );
    assert!(peak > 0, "no reading of the peak resident set");
    assert!(peak < PEAK, "peak resident set {peak} bytes");
    let document: serde_json::Value = serde_json::from_str(&printed).expect("JSON");
    let cap = document["cap"].as_u64().expect("a cap");
    assert_eq!(
        document["unknown_members"]["response"]["folded"],
        LINES - cap
    );
}
