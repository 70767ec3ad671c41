//! The HTML profile in a real headless browser: npm's `@sparticuz/chromium` (a Chromium that
//! ships inside the npm package) driven by `puppeteer-core`, both pinned in
//! `tests/browser/package-lock.json` and installed with `npm ci` under `target/` (the registry
//! is needed on the first run only). `tests/browser/check.js` opens each page from a `file://`
//! URL, fails on any request but the document's own, on a console error, on a script or image
//! element, on a hostile string not shown as text, on an empty chart, and saves a screenshot.
//!
//! Skipped, with the reason printed, where `node` or `npm` is missing. The README's screenshot
//! of the bundled examples' profile is regenerated with
//! `UPDATE_SCREENSHOT=1 cargo test --test profile_browser`.

mod traffic_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cloudstorage_contract::traffic;
use traffic_support::{HOSTILE, corpus_profile, examples_profile, hostile_profile};

/// The README's screenshot, relative to the package.
const SCREENSHOT: &str = "docs/profile.png";

/// Its budget: a README image stays small.
const SCREENSHOT_MAX_BYTES: u64 = 300 * 1024;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Whether `program --version` runs.
fn found(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `command` to its end or until `limit`, killing it then; its status and its output
/// (stdout then stderr, both read from files so that a full pipe cannot stall it).
fn run(mut command: Command, limit: Duration, dir: &Path, name: &str) -> (bool, String) {
    let out = dir.join(format!("{name}.out"));
    let err = dir.join(format!("{name}.err"));
    command
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("an output file"))
        .stderr(std::fs::File::create(&err).expect("an output file"));
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("{name} did not start: {e}"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the child's status") {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = format!(
        "{}{}",
        std::fs::read_to_string(&out).unwrap_or_default(),
        std::fs::read_to_string(&err).unwrap_or_default()
    );
    match status {
        Some(status) => (status.success(), output),
        None => (false, format!("{output}\n(killed after {limit:?})")),
    }
}

/// `tests/browser/`'s packages installed with `npm ci` in `target/tmp/browser/`, unless the
/// same lock file was installed there already; the directory.
fn install() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&dir).expect("the browser directory");
    let lock = std::fs::read(root().join("tests/browser/package-lock.json")).expect("the lock");
    let installed = dir.join("node_modules/.installed-lock.json");
    if std::fs::read(&installed).is_ok_and(|l| l == lock) {
        return dir;
    }
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(root().join("tests/browser").join(file), dir.join(file)).expect("copied");
    }
    let mut npm = Command::new("npm");
    npm.args(["ci", "--no-audit", "--no-fund", "--prefer-offline"])
        .current_dir(&dir);
    let (ok, output) = run(npm, Duration::from_secs(300), &dir, "npm-ci");
    assert!(
        ok,
        "`npm ci` of tests/browser/package-lock.json failed in {}: the first run needs the npm \
         registry (later runs reuse the install): {output}",
        dir.display()
    );
    std::fs::write(&installed, &lock).expect("the install recorded");
    dir
}

#[test]
fn the_html_profile_in_a_headless_browser() {
    for program in ["node", "npm"] {
        if !found(program) {
            eprintln!("skipped: {program} not found (the browser test needs node and npm)");
            return;
        }
    }
    let started = Instant::now();
    let dir = install();
    let installed = started.elapsed();

    let pages = dir.join("pages");
    std::fs::create_dir_all(&pages).expect("the pages directory");
    let mut args: Vec<String> = Vec::new();
    for s in HOSTILE {
        args.push("--expect".into());
        args.push(cloudstorage_contract::terminal::escape(s).into_owned());
    }
    for (name, profile) in [
        ("hostile", hostile_profile()),
        ("corpus", corpus_profile()),
        ("examples", examples_profile()),
    ] {
        let html = pages.join(format!("{name}.html"));
        std::fs::write(&html, traffic::html(&profile, None)).expect("a page");
        args.push(html.display().to_string());
        args.push(pages.join(format!("{name}.png")).display().to_string());
    }

    let mut node = Command::new("node");
    node.arg(root().join("tests/browser/check.js"))
        .arg("--full-page")
        .current_dir(&dir);
    node.args(&args);
    let (ok, output) = run(node, Duration::from_secs(120), &dir, "check");
    assert!(ok, "the browser check failed:\n{output}");
    eprintln!("{output}");

    // The README's screenshot: the top of the bundled examples' profile.
    let shot = if std::env::var_os("UPDATE_SCREENSHOT").is_some() {
        let shot = root().join(SCREENSHOT);
        std::fs::create_dir_all(shot.parent().expect("a folder")).expect("the folder");
        shot
    } else {
        pages.join("readme.png")
    };
    let mut node = Command::new("node");
    node.arg(root().join("tests/browser/check.js"))
        .args(["--width", "1000", "--height", "1500"])
        .arg(pages.join("examples.html"))
        .arg(&shot)
        .current_dir(&dir);
    let (ok, output) = run(node, Duration::from_secs(60), &dir, "screenshot");
    assert!(ok, "the screenshot failed:\n{output}");
    let png = std::fs::read(&shot).expect("the screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        png.len() as u64 <= SCREENSHOT_MAX_BYTES,
        "the screenshot is {} bytes, over {SCREENSHOT_MAX_BYTES}",
        png.len()
    );
    eprintln!(
        "browser test: install {installed:?}, all {:?}",
        started.elapsed()
    );
}
