//! The GitHub step summary: Markdown that a run with the github format appends to the file
//! `GITHUB_STEP_SUMMARY` names, shown on the workflow run's page. Annotations stop at ten of each
//! kind per step; the summary gives the whole run: the counts, the most frequent rules and the
//! first findings.
//!
//! Text from a payload or a file name is untrusted: it is made safe for a terminal and for
//! Markdown (no HTML, no links, no table breaks) before it is written.

use std::fmt::Write as _;

use super::{Checked, Summary};
use crate::rules::{RULES, Severity};

/// How many findings the summary lists.
pub const FIRST: usize = 20;
/// How many rules the table of frequent rules shows.
const TOP_RULES: usize = 10;

/// A finding as the summary lists it.
#[derive(Debug, Clone)]
struct Listed {
    place: String,
    rule: &'static str,
    severity: Severity,
    message: String,
}

/// What the summary needs of a run, gathered as payloads are rendered and merged in order.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Errors and warnings by rule, by the rule's place in [`RULES`]; empty until a finding.
    by_rule: Vec<[usize; 2]>,
    /// The first findings, at most [`FIRST`].
    first: Vec<Listed>,
    /// Findings not listed.
    more: usize,
}

impl Tally {
    /// Counts one payload's findings.
    pub fn add(&mut self, checked: &Checked) {
        for f in &checked.findings {
            if self.by_rule.is_empty() {
                self.by_rule = vec![[0; 2]; RULES.len()];
            }
            if let Some(counts) = self.by_rule.get_mut(f.rule as usize) {
                counts[usize::from(f.severity == Severity::Warning)] += 1;
            }
            if self.first.len() < FIRST {
                self.first.push(Listed {
                    place: format!(
                        "{}:{}:{}",
                        checked.origin.file, f.position.line, f.position.column
                    ),
                    rule: f.rule.id(),
                    severity: f.severity,
                    message: f.message.clone(),
                });
            } else {
                self.more += 1;
            }
        }
        self.more += checked.dropped;
    }

    /// Adds the tally of the payloads that come after this one's.
    pub fn merge(&mut self, later: Tally) {
        if self.by_rule.is_empty() {
            self.by_rule = later.by_rule;
        } else {
            for (mine, theirs) in self.by_rule.iter_mut().zip(later.by_rule) {
                mine[0] += theirs[0];
                mine[1] += theirs[1];
            }
        }
        let room = FIRST - self.first.len().min(FIRST);
        let taken = later.first.len().min(room);
        self.more += later.first.len() - taken + later.more;
        self.first.extend(later.first.into_iter().take(taken));
    }

    /// The Markdown summary of the run.
    pub fn markdown(&self, summary: &Summary) -> String {
        let mut out = String::from("## cloudstorage-contract\n\n");
        let verdict = if summary.violating > 0 { "❌" } else { "✅" };
        let _ = writeln!(out, "{verdict} {}\n", summary.line());
        out.push_str("| payloads | conform | violate | errors | warnings |\n");
        out.push_str("|---:|---:|---:|---:|---:|\n");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            summary.payloads,
            summary.conforming,
            summary.violating,
            summary.errors,
            summary.warnings
        );
        let mut rules: Vec<(usize, [usize; 2])> = self
            .by_rule
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, c)| c[0] + c[1] > 0)
            .collect();
        // Most findings first; the catalogue's order among equals.
        rules.sort_by_key(|&(i, c)| (std::cmp::Reverse(c[0] + c[1]), i));
        if !rules.is_empty() {
            out.push_str("\n### Most frequent rules\n\n");
            out.push_str("| rule | errors | warnings | summary |\n|---|---:|---:|---|\n");
            for (i, [errors, warnings]) in rules.iter().take(TOP_RULES) {
                let Some(info) = RULES.get(*i) else { continue };
                let _ = writeln!(
                    out,
                    "| `{}` | {errors} | {warnings} | {} |",
                    info.id,
                    cell(info.summary)
                );
            }
            if rules.len() > TOP_RULES {
                let _ = writeln!(out, "\n{} more rules.", rules.len() - TOP_RULES);
            }
        }
        if !self.first.is_empty() {
            out.push_str("\n### First findings\n\n");
            out.push_str("| where | rule | message |\n|---|---|---|\n");
            for f in &self.first {
                let _ = writeln!(
                    out,
                    "| {} | {} `{}` | {} |",
                    cell(&f.place),
                    f.severity,
                    f.rule,
                    cell(&f.message)
                );
            }
            if self.more > 0 {
                let _ = writeln!(
                    out,
                    "\n{} more {} not listed.",
                    self.more,
                    if self.more == 1 {
                        "finding"
                    } else {
                        "findings"
                    }
                );
            }
        }
        out.push('\n');
        out
    }
}

/// `text` as the content of a Markdown table cell: safe for a terminal, with no HTML, no link or
/// image and no cell break (backticks are kept, for the code in messages).
fn cell(text: &str) -> String {
    crate::markup::markdown(text, crate::markup::SUMMARY_PUNCTUATION)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::results;

    #[test]
    fn counts_rules_and_lists_the_first_findings_in_order() {
        let (results, summary) = results();
        let mut whole = Tally::default();
        for checked in &results {
            whole.add(checked);
        }
        // Gathered in two parts and merged in order, it is the same.
        let mut first = Tally::default();
        first.add(&results[0]);
        let mut rest = Tally::default();
        for checked in &results[1..] {
            rest.add(checked);
        }
        first.merge(rest);
        let text = whole.markdown(&summary);
        assert_eq!(first.markdown(&summary), text);
        assert!(
            text.starts_with("## cloudstorage-contract\n\n❌ checked 3 payloads"),
            "{text}"
        );
        assert!(text.contains("| 3 | 2 | 1 | 1 | 1 |"), "{text}");
        assert!(text.contains("| `wrong-type` | 1 | 0 |"), "{text}");
        assert!(
            text.contains("| `single-digit-seconds` | 0 | 1 |"),
            "{text}"
        );
        let wrong_type = text.find("| in/a&amp;b.ndjson:3:10 | error `wrong-type` |");
        let seconds = text.find("| cap.har:12:40 | warning `single-digit-seconds` |");
        assert!(wrong_type.is_some() && wrong_type < seconds, "{text}");
    }

    #[test]
    fn only_the_first_findings_are_listed() {
        let (results, summary) = results();
        let mut tally = Tally::default();
        for _ in 0..FIRST + 5 {
            let mut part = Tally::default();
            part.add(&results[0]);
            tally.merge(part);
        }
        let text = tally.markdown(&summary);
        assert_eq!(text.matches("error `wrong-type`").count(), FIRST, "{text}");
        assert!(text.contains("| `wrong-type` | 25 | 0 |"), "{text}");
        assert!(text.contains("\n5 more findings not listed.\n"), "{text}");
    }

    #[test]
    fn payload_text_cannot_break_the_markdown() {
        assert_eq!(
            cell("a|b <img src=x> ![i](y) [link](http://x) \u{1b}[2J"),
            "a\\|b &lt;img src=x&gt; !\\[i\\](y) \\[link\\](http://x) \\\\u{1b}\\[2J"
        );
    }
}
