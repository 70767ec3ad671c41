//! One snapshot per fixture of `tests/fixtures/`: the whole report (every diagnostic's rule,
//! severity, pointer, line, column, message and hint; the verdict and the counts), so that any
//! change to a verdict or a wording shows up in review. Snapshots live in the top-level
//! `snapshots/` folder; accept changes with `INSTA_UPDATE=always cargo test --test corpus` and
//! read the diff.

mod fixture_support;

use cloudstorage_contract::Report;
use fixture_support::{Fixture, Outcome, is_sidecar};
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
struct Snapshot {
    #[serde(skip_serializing_if = "Option::is_none")]
    options: Option<Value>,
    #[serde(flatten)]
    verdict: Verdict,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Verdict {
    Single(ReportView),
    Exchange {
        request: ReportView,
        response: ReportView,
    },
}

#[derive(Serialize)]
struct ReportView {
    kind: Option<String>,
    conforms: bool,
    errors: usize,
    warnings: usize,
    dropped: usize,
    diagnostics: Vec<DiagnosticView>,
}

#[derive(Serialize)]
struct DiagnosticView {
    rule: &'static str,
    severity: &'static str,
    pointer: String,
    line: u32,
    column: u32,
    message: String,
    hint: Option<String>,
}

/// A report as the snapshot shows it; `origin` is where the payload starts in the fixture file
/// (not (1, 1) for the payloads of an exchange file), so positions are the file's.
fn view(report: &Report, origin: (u32, u32)) -> ReportView {
    ReportView {
        kind: report.kind().map(|k| k.to_string()),
        conforms: report.conforms(),
        errors: report.error_count(),
        warnings: report.warning_count(),
        dropped: report.dropped(),
        diagnostics: report
            .diagnostics()
            .iter()
            .map(|d| {
                let p = d.position();
                DiagnosticView {
                    rule: d.rule().id(),
                    severity: d.severity().as_str(),
                    pointer: d.pointer().to_owned(),
                    line: origin.0 + p.line - 1,
                    column: if p.line == 1 {
                        origin.1 + p.column - 1
                    } else {
                        p.column
                    },
                    message: d.message().to_owned(),
                    hint: d.hint().map(str::to_owned),
                }
            })
            .collect(),
    }
}

#[test]
fn every_fixture_report_matches_its_snapshot() {
    let mut settings = insta::Settings::clone_current();
    // Relative to this file: the repository's top-level `snapshots/`.
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::glob!("fixtures", "{valid,invalid}/*.json", |path| {
            if is_sidecar(path) {
                return;
            }
            let fixture = Fixture::load(path);
            let verdict = match fixture.run() {
                Outcome::Single(report) => Verdict::Single(view(&report, (1, 1))),
                Outcome::Exchange(e) => Verdict::Exchange {
                    request: view(&e.request, fixture.origin("request")),
                    response: view(&e.response, fixture.origin("response")),
                },
            };
            let snapshot = Snapshot {
                options: fixture.options_json.clone(),
                verdict,
            };
            insta::assert_json_snapshot!("corpus", snapshot);
        });
    });
}
