//! The sarif format: SARIF 2.1.0, for GitHub code scanning and other static-analysis viewers.
//!
//! One run; the rule catalogue in `tool.driver.rules`; one result per finding, located by file
//! (a URI reference, see [`uri`]), line and column; the JSON Pointer, the hint and the HAR
//! entry in the result's `properties`; the summary in the run's `properties`.
//!
//! Written as it goes: [`begin`], [`payload`] for each, then [`end`].

use serde::Serialize;
use serde_json::{Value, json};

use super::{Checked, Summary};
use crate::rules::{RULES, Severity};

mod uri;

/// The SARIF schema this output follows.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The document's opening: the tool and its rules, up to the results.
pub(crate) fn begin() -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "shortDescription": {"text": r.summary},
                "defaultConfiguration": {"level": level(r.default_severity)},
                "help": {"text": format!("run `cloudstorage-contract explain {}` for examples", r.id)},
            })
        })
        .collect();
    let driver = json!({
        "name": "cloudstorage-contract",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    format!(
        "{{\"$schema\": {},\n\"version\": \"2.1.0\",\n\"runs\": [{{\"tool\": {{\"driver\": {}}},\n\"columnKind\": \"unicodeCodePoints\",\n\"results\": [\n",
        serde_json::to_string(SCHEMA).unwrap_or_default(),
        serde_json::to_string(&driver).unwrap_or_default()
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultOut<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text<'a>,
    locations: [Location; 1],
    properties: Properties<'a>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
}

#[derive(Serialize)]
struct Properties<'a> {
    pointer: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entry: Option<String>,
}

/// One result per finding of one payload, separated by commas: items of the `results` list
/// (see [`super::push_item`]); empty without findings.
pub(crate) fn payload(checked: &Checked) -> String {
    let mut out = String::new();
    let uri = uri::from_path(&checked.origin.file);
    for (i, f) in checked.findings.iter().enumerate() {
        let result = ResultOut {
            rule_id: f.rule.id(),
            rule_index: f.rule as usize,
            level: level(f.severity),
            message: Text { text: &f.message },
            locations: [Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation { uri: uri.clone() },
                    region: Region {
                        start_line: f.position.line,
                        start_column: f.position.column,
                    },
                },
            }],
            properties: Properties {
                pointer: &f.pointer,
                hint: f.hint.as_deref(),
                entry: checked.origin.entry.map(|e| e.to_string()),
            },
        };
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(&serde_json::to_string(&result).unwrap_or_default());
    }
    out
}

/// The summary and the document's end.
pub(crate) fn end(summary: &Summary) -> String {
    #[derive(Serialize)]
    struct Counts {
        payloads: usize,
        conforming: usize,
        violating: usize,
        errors: usize,
        warnings: usize,
        skipped: usize,
    }
    let properties = Counts {
        payloads: summary.payloads,
        conforming: summary.conforming,
        violating: summary.violating,
        errors: summary.errors,
        warnings: summary.warnings,
        skipped: summary.skipped,
    };
    format!(
        "\n],\n\"properties\": {}}}]}}\n",
        serde_json::to_string(&properties).unwrap_or_default()
    )
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::results;

    #[test]
    fn a_valid_sarif_log() {
        let (results, summary) = results();
        let mut text = begin().into_bytes();
        let mut any = false;
        for r in &results {
            crate::report::push_item(&mut text, &mut any, payload(r).as_bytes());
        }
        text.extend_from_slice(end(&summary).as_bytes());
        let text = String::from_utf8(text).unwrap();
        let log: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), RULES.len());
        assert_eq!(rules[0]["id"], "invalid-json");
        assert_eq!(rules[0]["defaultConfiguration"]["level"], "error");
        let result = &run["results"][0];
        assert_eq!(result["ruleId"], "wrong-type");
        assert_eq!(
            rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
            "wrong-type"
        );
        assert_eq!(result["level"], "error");
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "in/a&b.ndjson");
        assert_eq!(location["region"]["startLine"], 3);
        assert_eq!(location["region"]["startColumn"], 10);
        // Columns count characters, as the run declares (SARIF's default is UTF-16 units).
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        assert_eq!(
            run["results"][1]["properties"]["entry"],
            "entries[2].response"
        );
        assert_eq!(run["results"].as_array().unwrap().len(), 2);
        assert_eq!(run["properties"]["payloads"], 3);
    }
}
