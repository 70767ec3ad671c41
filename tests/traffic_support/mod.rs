//! Profiles for the tests of the profile's formats: the corpus (the examples and the fixtures,
//! as `tests/traffic.rs` reads them), the bundled examples alone (the README's screenshot), and
//! payloads that carry hostile strings. Shared by `tests/profile_html.rs` and
//! `tests/profile_browser.rs`.

#![allow(dead_code)] // each test binary uses a part

use std::path::{Path, PathBuf};

use cloudstorage_contract::traffic::{Origin, TrafficProfile};
use cloudstorage_contract::{Options, Validator, har};

/// The strings that must reach a page as text: markup, an attribute break-out, a closing SVG
/// tag with an image, an entity, and a control character.
pub(crate) const HOSTILE: [&str; 5] = [
    "<script>alert(1)</script>",
    "\"onmouseover=alert(1) x=\"",
    "</svg><img src=x onerror=alert(1)>",
    "&amp;",
    "\u{1b}[31mred",
];

pub(crate) fn validator() -> &'static Validator {
    static V: std::sync::OnceLock<Validator> = std::sync::OnceLock::new();
    V.get_or_init(|| Validator::new(Options::default()).expect("the default options"))
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The profile of every payload under `dirs` (relative to the package): a `.json` file, each
/// line of an `.ndjson` file, each call of a `.har` file; options and exchange files are left
/// out. Origins are the paths relative to the package.
pub(crate) fn profile_of_dirs(dirs: &[&str]) -> TrafficProfile {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in dirs {
        for entry in std::fs::read_dir(root().join(dir)).expect("a directory") {
            files.push(entry.expect("an entry").path());
        }
    }
    files.sort();
    let mut profile = TrafficProfile::new();
    for path in files {
        let shown = path
            .strip_prefix(root())
            .unwrap_or(&path)
            .display()
            .to_string();
        if shown.ends_with(".options.json") || shown.ends_with(".exchange.json") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("a file");
        if shown.ends_with(".ndjson") {
            for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
                if !line.is_empty() {
                    let origin = Origin::line(shown.clone(), i as u32 + 1);
                    validator().validate_profiled(line, None, &origin, &mut profile);
                }
            }
        } else if shown.ends_with(".json") {
            validator().validate_profiled(&bytes, None, &Origin::file(shown), &mut profile);
        } else if shown.ends_with(".har") {
            // A fixture HAR that does not read is the command line's concern, not a profile's.
            let Ok(calls) = har::calls(&shown, &bytes) else {
                continue;
            };
            for call in calls.calls {
                let origin = Origin::entry(shown.clone(), call.request.entry.index as u32);
                validator().validate_exchange_profiled(
                    &call.request.bytes,
                    &call.response.bytes,
                    &origin,
                    call.started.as_deref(),
                    &mut profile,
                );
            }
        }
    }
    profile
}

/// The examples and the fixtures, as `tests/traffic.rs` profiles them.
pub(crate) fn corpus_profile() -> TrafficProfile {
    profile_of_dirs(&[
        "examples/page",
        "examples/valid",
        "examples/invalid",
        "tests/fixtures/valid",
        "tests/fixtures/invalid",
    ])
}

/// The bundled examples, HAR capture included (the README's screenshot).
pub(crate) fn examples_profile() -> TrafficProfile {
    profile_of_dirs(&["examples/page", "examples/valid", "examples/invalid"])
}

/// The page's three examples.
pub(crate) fn page_profile() -> TrafficProfile {
    profile_of_dirs(&["examples/page"])
}

/// Payloads whose unknown members, enumeration values, open values and file names are the
/// [`HOSTILE`] strings.
pub(crate) fn hostile_profile() -> TrafficProfile {
    let mut profile = TrafficProfile::new();
    for (i, s) in HOSTILE.iter().enumerate() {
        let s = serde_json::to_string(s).expect("a string");
        let response = format!(
            r#"{{"code": 200, "message": null, "data": {{"status": {s}, "orderType": {s}, "commodityCode": {s}, {s}: 1}}, {s}: [1]}}"#
        );
        let request = format!(
            r#"{{"id": "1", "version": "1.0", "request": {{"apiVer": {s}, "language": {s}}}, "params": {{"iotId": "a", {s}: true}}}}"#
        );
        let file = format!("{}.ndjson", HOSTILE[i]);
        for (line, body) in [request, response].iter().enumerate() {
            let origin = Origin::line(file.clone(), line as u32 + 1);
            validator().validate_profiled(body.as_bytes(), None, &origin, &mut profile);
        }
    }
    profile
}
