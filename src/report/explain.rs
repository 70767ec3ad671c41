//! Per-rule documentation for `cloudstorage-contract explain RULE`: a failing and a passing
//! example of every rule, checked by a test so that the docs cannot rot.
//!
//! Most examples are edits of one realistic payload ([`RESPONSE`], [`REQUEST`] or
//! [`ERROR_RESPONSE`]), so that each shows one defect and nothing else.

use std::borrow::Cow;

use super::{Checked, Finding, Origin, Source, human};
use crate::error::Error;
use crate::rules::{Rule, RuleInfo, Severity, Stage};
use crate::{Options, Report, Validator};

/// A conforming response carrying an order.
pub(crate) const RESPONSE: &str = r#"{
  "id": "4de2c367-c1db-417c-aa15-8c585e595d92",
  "code": 200,
  "message": null,
  "localizedMsg": null,
  "data": {
    "iotId": "QIuozfUcxRX6frOTO4dK0001", "identityId": "50dbop2f6e0c8b5b",
    "commodityCode": "ilopLVCloudResource", "specification": "eventResource_7",
    "copies": 1, "price": "1.0", "userName": "alice", "userId": "50dbop2f6e0c8b5b",
    "orderId": "202007311241150001", "outOrderNo": "206700019700001",
    "status": 0, "paymentStatus": 1, "orderType": 0, "recordType": 2,
    "startTime": "2020-08-25 10:00:00", "endTime": "2020-09-25 10:00:00",
    "startTimeUTC": "2020-08-25T02:00:00Z", "endTimeUTC": "2020-09-25T02:00:00Z"
  }
}"#;

/// A conforming request for the order in [`RESPONSE`].
pub(crate) const REQUEST: &str = r#"{
  "id": "1509086454180",
  "version": "1.0",
  "request": {"apiVer": "1.0.6"},
  "params": {"iotId": "QIuozfUcxRX6frOTO4dK0001", "orderId": "202007311241150001"}
}"#;

/// A conforming error response.
pub(crate) const ERROR_RESPONSE: &str = r#"{"id": "37f7e5fa", "code": 460, "message": "auth failed", "localizedMsg": "鉴权失败", "data": null}"#;

/// An option the examples of a rule are checked with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Setting {
    /// `--max-bytes N`.
    MaxBytes(usize),
    /// `--time-zone NAME`.
    TimeZone(&'static str),
}

/// A failing and a passing example of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Example {
    /// A payload that triggers the rule.
    pub(crate) failing: Vec<u8>,
    /// A near payload that does not.
    pub(crate) passing: Vec<u8>,
    /// An option both are checked with.
    pub(crate) setting: Option<Setting>,
    /// For a rule about a request and its response together: the request, and the examples
    /// are responses to it.
    pub(crate) request: Option<&'static str>,
}

impl Example {
    /// The validator the examples are checked with.
    pub(crate) fn validator(&self) -> Result<Validator, Error> {
        let options = match self.setting {
            None => Options::default(),
            Some(Setting::MaxBytes(n)) => Options::default().max_bytes(n),
            Some(Setting::TimeZone(zone)) => Options::default().time_zone(zone),
        };
        Validator::new(options)
    }

    /// Checks one payload the way the example means it.
    pub(crate) fn check(&self, validator: &Validator, payload: &[u8]) -> Report {
        match self.request {
            Some(request) => {
                validator
                    .validate_exchange(request.as_bytes(), payload)
                    .response
            }
            None => validator.validate(payload),
        }
    }
}

/// `base` with each `(from, to)` edit made once. An edit whose `from` is missing leaves a
/// mark that the example test catches.
fn edit(base: &str, edits: &[(&str, &str)]) -> Vec<u8> {
    let mut text = base.to_owned();
    for (from, to) in edits {
        if text.contains(from) {
            text = text.replacen(from, to, 1);
        } else {
            text.push_str(" <edit not applied>");
        }
    }
    text.into_bytes()
}

fn plain(failing: impl Into<Vec<u8>>, passing: &str) -> Example {
    Example {
        failing: failing.into(),
        passing: passing.as_bytes().to_vec(),
        setting: None,
        request: None,
    }
}

fn response(edits: &[(&str, &str)]) -> Example {
    plain(edit(RESPONSE, edits), RESPONSE)
}

fn request(edits: &[(&str, &str)]) -> Example {
    plain(edit(REQUEST, edits), REQUEST)
}

/// The examples of a rule.
pub(crate) fn example(rule: Rule) -> Example {
    match rule {
        Rule::InvalidJson => plain(r#"{"code": 460, "data": null,}"#, ERROR_RESPONSE),
        Rule::InvalidUtf8 => plain(
            &b"{\"code\": 460, \"message\": \"auth \xC3 failed\", \"data\": null}"[..],
            ERROR_RESPONSE,
        ),
        Rule::EmptyInput => plain("", ERROR_RESPONSE),
        Rule::TrailingData => plain(
            r#"{"code": 460, "data": null} {"code": 460, "data": null}"#,
            r#"{"code": 460, "data": null}"#,
        ),
        Rule::TooLarge => Example {
            setting: Some(Setting::MaxBytes(64)),
            ..plain(ERROR_RESPONSE, r#"{"code": 460, "data": null}"#)
        },
        Rule::TooDeep => plain(
            format!(
                r#"{{"code": 460, "data": null, "trace": {}{}}}"#,
                "[".repeat(70),
                "]".repeat(70)
            ),
            r#"{"code": 460, "data": null}"#,
        ),
        Rule::DuplicateKey => plain(
            r#"{"code": 460, "message": "auth failed", "message": "鉴权失败", "data": null}"#,
            ERROR_RESPONSE,
        ),
        Rule::NotAnObject => plain(r#"[{"code": 460, "data": null}]"#, ERROR_RESPONSE),
        Rule::UnknownKind => plain(r#"{"id": "37f7e5fa", "data": null}"#, ERROR_RESPONSE),
        Rule::WrongType => response(&[(r#""code": 200"#, r#""code": "200""#)]),
        Rule::MissingField => response(&[(r#""orderId": "202007311241150001", "#, "")]),
        Rule::InvalidEnum => response(&[(r#""status": 0"#, r#""status": 4"#)]),
        Rule::MalformedValue => response(&[(r#""price": "1.0""#, r#""price": "1,0""#)]),
        Rule::OutOfRange => response(&[(r#""copies": 1"#, r#""copies": 0"#)]),
        Rule::MissingData => plain(r#"{"code": 200, "data": null}"#, ERROR_RESPONSE),
        Rule::UnknownField => response(&[(
            r#""copies": 1,"#,
            r#""copies": 1, "commodityType": "cloudStorage","#,
        )]),
        Rule::ImpossibleTime => response(&[(
            r#""startTime": "2020-08-25 10:00:00""#,
            r#""startTime": "2020-02-30 10:00:00""#,
        )]),
        Rule::SingleDigitSeconds => response(&[(
            r#""startTime": "2020-08-25 10:00:00""#,
            r#""startTime": "2020-08-25 10:00:0""#,
        )]),
        Rule::UtcOffset => response(&[(
            r#""startTimeUTC": "2020-08-25T02:00:00Z""#,
            r#""startTimeUTC": "2020-08-25T02:07:00Z""#,
        )]),
        Rule::InconsistentOffsets => response(&[(
            r#""endTimeUTC": "2020-09-25T02:00:00Z""#,
            r#""endTimeUTC": "2020-09-25T03:00:00Z""#,
        )]),
        Rule::ZoneOffset => Example {
            setting: Some(Setting::TimeZone("Asia/Shanghai")),
            ..response(&[
                (
                    r#""startTime": "2020-08-25 10:00:00""#,
                    r#""startTime": "2020-08-25 11:00:00""#,
                ),
                (
                    r#""endTime": "2020-09-25 10:00:00""#,
                    r#""endTime": "2020-09-25 11:00:00""#,
                ),
            ])
        },
        Rule::EndBeforeStart => response(&[
            (
                r#""endTime": "2020-09-25 10:00:00""#,
                r#""endTime": "2020-07-25 10:00:00""#,
            ),
            (
                r#""endTimeUTC": "2020-09-25T02:00:00Z""#,
                r#""endTimeUTC": "2020-07-25T02:00:00Z""#,
            ),
        ]),
        Rule::PreConsumeExceedsDuration => Example {
            passing: edit(
                RESPONSE,
                &[(r#""copies": 1,"#, r#""copies": 1, "preConsume": 86400,"#)],
            ),
            ..response(&[(r#""copies": 1,"#, r#""copies": 1, "preConsume": 3000000,"#)])
        },
        Rule::DataOnError => response(&[(r#""code": 200"#, r#""code": 460"#)]),
        Rule::ApiVersion => request(&[(r#""apiVer": "1.0.6""#, r#""apiVer": "1.0.5""#)]),
        Rule::ProtocolVersion => request(&[(r#""version": "1.0""#, r#""version": "1.1""#)]),
        Rule::PaidWhileCreating => Example {
            passing: edit(
                RESPONSE,
                &[(
                    r#""status": 0, "paymentStatus": 1"#,
                    r#""status": 3, "paymentStatus": 0"#,
                )],
            ),
            ..response(&[(r#""status": 0"#, r#""status": 3"#)])
        },
        Rule::UnpaidInUse => response(&[(r#""paymentStatus": 1"#, r#""paymentStatus": 0"#)]),
        Rule::FreeWithPrice => Example {
            passing: edit(
                RESPONSE,
                &[
                    (r#""orderType": 0"#, r#""orderType": 1"#),
                    (r#""price": "1.0""#, r#""price": "0""#),
                ],
            ),
            ..response(&[(r#""orderType": 0"#, r#""orderType": 1"#)])
        },
        Rule::ExchangeMismatch => Example {
            request: Some(REQUEST),
            ..response(&[(
                r#""iotId": "QIuozfUcxRX6frOTO4dK0001""#,
                r#""iotId": "QIuozfUcxRX6frOTO4dK0002""#,
            )])
        },
    }
}

/// A rule's documentation: what `explain RULE` prints, and the help the sarif format gives each
/// rule. Built once from the catalogue row and the examples, and rendered as plain text or as
/// Markdown, so that both say the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    /// The description: the summary, then the severity, the stage and the levels.
    description: Vec<Block>,
    /// The examples, or why there are none.
    examples: Vec<Block>,
}

/// A paragraph of a [`Page`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Block {
    /// A sentence; code in backticks, as Markdown writes it.
    Prose(String),
    /// Short facts, one per line (a list in Markdown).
    Facts(Vec<String>),
    /// Text shown as it is: a payload (`json`) or what `check` prints (`text`).
    Code {
        text: String,
        language: &'static str,
    },
}

impl Page {
    /// The whole page as plain text: `explain RULE`'s output.
    pub(crate) fn text(&self) -> String {
        render(self.blocks(), Block::text)
    }

    /// The whole page as Markdown.
    pub(crate) fn markdown(&self) -> String {
        render(self.blocks(), Block::markdown)
    }

    /// The description alone, as plain text.
    pub(crate) fn description_text(&self) -> String {
        render(self.description.iter(), Block::text)
    }

    /// The description alone, as Markdown.
    pub(crate) fn description_markdown(&self) -> String {
        render(self.description.iter(), Block::markdown)
    }

    fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.description.iter().chain(&self.examples)
    }
}

/// The blocks, each rendered by `each`, a blank line between two, a line feed at the end.
fn render<'a>(blocks: impl Iterator<Item = &'a Block>, each: fn(&Block) -> String) -> String {
    let mut out = blocks.map(each).collect::<Vec<_>>().join("\n\n");
    out.push('\n');
    out
}

impl Block {
    fn text(&self) -> String {
        match self {
            Block::Prose(line) => line.clone(),
            Block::Facts(lines) => lines.join("\n"),
            Block::Code { text, .. } => indent(text),
        }
    }

    fn markdown(&self) -> String {
        match self {
            Block::Prose(line) => line.clone(),
            Block::Facts(lines) => lines
                .iter()
                .map(|l| format!("- {l}"))
                .collect::<Vec<_>>()
                .join("\n"),
            Block::Code { text, language } => {
                // A fence longer than any run of backticks in the text, as CommonMark allows.
                let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
                let fence = "`".repeat(longest.max(2) + 1);
                format!("{fence}{language}\n{text}\n{fence}")
            }
        }
    }
}

/// The page for a rule.
///
/// # Errors
///
/// When an example's validator cannot be built (an option it names is refused).
pub(crate) fn page(info: &RuleInfo) -> Result<Page, Error> {
    let severity = match info.default_severity {
        Severity::Error => "error".to_owned(),
        Severity::Warning => "warning (an error with `--strict`)".to_owned(),
    };
    let stage = match info.stage {
        Stage::Text => "the JSON text",
        Stage::Schema => "the JSON Schema (`cloudstorage-contract schema`)",
        Stage::Semantic => "cross-field meaning, beyond what a schema can say",
    };
    let levels = if info.fatal {
        "always an error; without it there is nothing to check".to_owned()
    } else {
        format!("`--allow {0}`, `--warn {0}` or `--deny {0}`", info.id)
    };
    let description = vec![
        Block::Prose(format!("{}: {}", info.id, info.summary)),
        Block::Facts(vec![
            format!("default severity: {severity}"),
            format!("checks: {stage}"),
            format!("levels: {levels}"),
        ]),
    ];
    Ok(Page {
        description,
        examples: examples(info.rule)?,
    })
}

/// A rule's documentation as plain text, what `cloudstorage-contract explain RULE` prints: what
/// it checks, its severity and levels, then a failing and a passing example, each checked when
/// the page is made.
///
/// # Errors
///
/// When an example's validator cannot be built: an internal error.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::{Rule, explain};
///
/// let page = explain(Rule::SingleDigitSeconds)?;
/// assert!(page.starts_with("single-digit-seconds: "));
/// # Ok::<(), cloudstorage_contract::Error>(())
/// ```
pub fn explain(rule: Rule) -> Result<String, Error> {
    Ok(page(rule.info())?.text())
}

/// The examples part of a rule's page.
fn examples(rule: Rule) -> Result<Vec<Block>, Error> {
    let example = example(rule);
    let validator = example.validator()?;
    let option = match example.setting {
        None => String::new(),
        Some(Setting::MaxBytes(n)) => format!(" with `--max-bytes {n}`"),
        Some(Setting::TimeZone(zone)) => format!(" with `--time-zone {zone}`"),
    };
    let payload = |bytes: &[u8]| Block::Code {
        text: show(bytes).into_owned(),
        language: "json",
    };
    let mut blocks = Vec::new();
    if let Some(request) = example.request {
        blocks.push(Block::Prose(
            "checked in a HAR capture, as the response to this request:".to_owned(),
        ));
        blocks.push(payload(request.as_bytes()));
    }
    blocks.push(Block::Prose(format!("fails{option}:")));
    blocks.push(payload(&example.failing));
    let report = example.check(&validator, &example.failing);
    let checked = as_checked(&report, &example.failing);
    blocks.push(Block::Code {
        text: human::payload(&checked, human::Style::new(false))
            .trim_end()
            .to_owned(),
        language: "text",
    });
    blocks.push(Block::Prose(format!("passes{option}:")));
    blocks.push(payload(&example.passing));
    Ok(blocks)
}

/// An example's text; an empty one and invalid UTF-8 made visible.
fn show(bytes: &[u8]) -> Cow<'_, str> {
    if bytes.is_empty() {
        return "(an empty input)".into();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.into(),
        Err(_) => bytes
            .iter()
            .map(|&b| {
                if b.is_ascii() {
                    (b as char).to_string()
                } else {
                    format!("\\x{b:02X}")
                }
            })
            .collect::<String>()
            .into(),
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("    {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A report on an example, for the human renderer, as if it were `example.json`.
fn as_checked(report: &Report, bytes: &[u8]) -> Checked {
    let lines = crate::position::LineIndex::new(bytes);
    Checked {
        origin: Origin {
            file: "example.json".into(),
            line: None,
            entry: None,
        },
        kind: report.kind(),
        errors: report.error_count(),
        warnings: report.warning_count(),
        dropped: report.dropped(),
        internal: report.internal_error().map(str::to_owned),
        findings: report
            .diagnostics()
            .iter()
            .map(|d| Finding {
                rule: d.rule(),
                severity: d.severity(),
                pointer: d.pointer().to_owned().into(),
                position: d.position(),
                body: None,
                message: d.message().to_owned(),
                hint: d.hint.clone(),
                source: lines.line_text(d.position().line).map(|text| Source {
                    line: d.position().line,
                    text: text.into_owned(),
                    column: d.position().column,
                }),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RULES;

    #[test]
    fn every_failing_example_triggers_its_rule_and_every_passing_one_does_not() {
        for info in RULES {
            let example = example(info.rule);
            let validator = example.validator().unwrap();
            let failing = example.check(&validator, &example.failing);
            assert!(
                failing.diagnostics().iter().any(|d| d.rule() == info.rule),
                "{}: the failing example does not trigger it: {:#?}",
                info.id,
                failing.diagnostics()
            );
            // One defect: every finding of the failing example is this rule's.
            assert!(
                failing.diagnostics().iter().all(|d| d.rule() == info.rule),
                "{}: the failing example triggers other rules too: {:#?}",
                info.id,
                failing.diagnostics()
            );
            let passing = example.check(&validator, &example.passing);
            assert!(
                passing.diagnostics().is_empty(),
                "{}: the passing example has findings: {:#?}",
                info.id,
                passing.diagnostics()
            );
            assert!(explain(info.rule).unwrap().contains(info.id));
        }
    }

    #[test]
    fn markdown_says_what_the_text_says() {
        let info = Rule::SingleDigitSeconds.info();
        let page = page(info).unwrap();
        let text = page.text();
        let markdown = page.markdown();
        assert!(text.starts_with(&page.description_text()));
        assert!(markdown.starts_with(&page.description_markdown()));
        assert_eq!(
            page.description_markdown(),
            "single-digit-seconds: a local time with a single-digit seconds field, as in the \
             endpoint's own example\n\n\
             - default severity: warning (an error with `--strict`)\n\
             - checks: cross-field meaning, beyond what a schema can say\n\
             - levels: `--allow single-digit-seconds`, `--warn single-digit-seconds` or \
             `--deny single-digit-seconds`\n"
        );
        assert!(markdown.contains("fails:\n\n```json\n{\n  \"id\""));
        assert!(markdown.contains(
            "```text\nexample.json:12:18: warning[single-digit-seconds]: `startTime` is"
        ));
        // Every line of the text but the indentation is in the Markdown.
        for line in text.lines() {
            assert!(markdown.contains(line.trim_start()), "{line:?}");
        }
    }

    #[test]
    fn a_fence_is_longer_than_the_backticks_it_holds() {
        let block = Block::Code {
            text: "a ``` b ```` c".to_owned(),
            language: "text",
        };
        assert_eq!(block.markdown(), "`````text\na ``` b ```` c\n`````");
    }

    #[test]
    fn pages_hold_no_terminal_controls() {
        // C0 and C1 controls, DEL, and the bidi controls.
        let control = |c: char| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        };
        for info in RULES {
            let page = page(info).unwrap();
            for text in [page.text(), page.markdown()] {
                assert!(!text.contains(control), "{}: {text:?}", info.id);
            }
        }
    }

    #[test]
    fn the_bases_conform() {
        let validator = Validator::new(Options::default()).unwrap();
        for base in [RESPONSE, REQUEST, ERROR_RESPONSE] {
            assert!(validator.validate(base.as_bytes()).diagnostics().is_empty());
        }
    }
}
