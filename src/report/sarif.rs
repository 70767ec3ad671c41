//! The sarif format: SARIF 2.1.0, for GitHub code scanning and other static-analysis viewers.
//!
//! One run; the rule catalogue in `tool.driver.rules`, each rule with its `explain` page as
//! `fullDescription` (the description) and `help` (with the examples), in plain text and
//! Markdown; one result per finding, located by file (a URI reference: a relative path stays
//! relative, an absolute one is a `file` URI), line and column; the JSON Pointer, the hint and
//! the HAR entry in the result's `properties`; the summary in the run's `properties`.
//!
//! Written as it goes: [`begin`], [`payload`] for each, then [`end`].

use std::sync::OnceLock;

use serde::Serialize;

use super::explain;
use super::{Checked, Summary};
use crate::error::Error;
use crate::rules::{RULES, Severity};

mod uri;

/// The SARIF schema this output follows.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A rule's documentation, in the two forms a SARIF `reportingDescriptor` carries, from the
/// rule's `explain` page. No `helpUri` or `informationUri`: the project publishes no pages of
/// its own yet, and an address that leads nowhere is worse than none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct RuleHelp {
    /// `fullDescription`: what the rule checks, its severity and levels.
    description: Multiformat,
    /// `help`: the description, then a failing and a passing example.
    help: Multiformat,
}

/// A SARIF `multiformatMessageString`: plain text and Markdown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
struct Multiformat {
    text: String,
    markdown: String,
}

/// A rule, as SARIF's `reportingDescriptor`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    id: &'static str,
    short_description: Text<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<&'a Multiformat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a Multiformat>,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

/// The document's opening: the tool, and every rule with its `explain` page as help, one rule a
/// line, up to the results. The same in every run, so made once per process.
///
/// # Errors
///
/// When an example of the rule pages cannot be checked: an internal error.
pub fn begin() -> Result<&'static str, Error> {
    static BEGIN: OnceLock<String> = OnceLock::new();
    if let Some(begin) = BEGIN.get() {
        return Ok(begin);
    }
    let help = RULES
        .iter()
        .map(|info| {
            let page = explain::page(info)?;
            Ok(RuleHelp {
                description: Multiformat {
                    text: page.description_text(),
                    markdown: page.description_markdown(),
                },
                help: Multiformat {
                    text: page.text(),
                    markdown: page.markdown(),
                },
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(BEGIN.get_or_init(|| begin_with(&help)))
}

/// The opening with `help`, the rules' documentation in catalogue order; a rule without it is
/// listed without `fullDescription` and `help`.
fn begin_with(help: &[RuleHelp]) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let rules: Vec<String> = RULES
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let descriptor = Descriptor {
                id: r.id,
                short_description: Text { text: r.summary },
                full_description: help.get(i).map(|h| &h.description),
                help: help.get(i).map(|h| &h.help),
                default_configuration: Configuration {
                    level: level(r.default_severity),
                },
            };
            serde_json::to_string(&descriptor).unwrap_or_default()
        })
        .collect();
    let string = |s: &str| serde_json::to_string(s).unwrap_or_default();
    format!(
        "{{\"$schema\": {},\n\"version\": \"2.1.0\",\n\"runs\": [{{\"tool\": {{\"driver\": \
         {{\"name\": {}, \"version\": {}, \"rules\": [\n{}\n]}}}},\n\
         \"columnKind\": \"unicodeCodePoints\",\n\"results\": [\n",
        string(SCHEMA),
        string("cloudstorage-contract"),
        string(version),
        rules.join(",\n"),
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

/// One result per finding of one payload, separated by commas: items of the `results` list;
/// empty without findings.
pub fn payload(checked: &Checked) -> String {
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
pub fn end(summary: &Summary) -> String {
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
    use serde_json::Value;

    use super::*;
    use crate::report::tests::results;

    /// Help for the first rule only.
    fn help() -> Vec<RuleHelp> {
        let message = |text: &str| Multiformat {
            text: text.to_owned(),
            markdown: format!("*{text}*"),
        };
        vec![RuleHelp {
            description: message("what it checks"),
            help: message("what it checks, with examples"),
        }]
    }

    #[test]
    fn a_valid_sarif_log() {
        let (results, summary) = results();
        let mut text = begin_with(&help()).into_bytes();
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
        assert_eq!(
            rules[0]["fullDescription"],
            serde_json::json!({"text": "what it checks", "markdown": "*what it checks*"})
        );
        assert_eq!(
            rules[0]["help"]["markdown"],
            "*what it checks, with examples*"
        );
        // No address that leads nowhere: the help is in the log itself.
        assert!(rules.iter().all(|r| r.get("helpUri").is_none()));
        // A rule without help is listed all the same.
        assert_eq!(rules[1]["id"], "invalid-utf8");
        assert!(rules[1].get("help").is_none() && rules[1].get("fullDescription").is_none());
        let driver = &run["tool"]["driver"];
        assert!(driver.get("informationUri").is_none());
        assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
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
