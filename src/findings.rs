//! The findings of one payload under way: levels applied as they come in, positions computed
//! once at the end, and only for what is kept.
//!
//! Both engines report here, so that one payload gives one report whichever judged it.

use std::borrow::Cow;

use crate::diagnostic::{Diagnostic, Payload, Report};
use crate::pointer;
use crate::position::{Cursor, Position};
use crate::rules::{RULES, Rule, Severity};
use crate::schema::Kind;

/// What the user made of the rules: each rule's severity (or `None`, allowed) and how many
/// diagnostics a report keeps.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub(crate) severities: [Option<Severity>; RULES.len()],
    pub(crate) max_diagnostics: usize,
}

impl Policy {
    /// The severity of `rule`, or `None` when it is allowed.
    pub(crate) fn severity(&self, rule: Rule) -> Option<Severity> {
        self.severities[rule as usize]
    }
}

/// Where the rules report: a finding at the value a pointer names.
pub(crate) trait Sink {
    /// Reports a finding at the value `pointer` names.
    fn push(
        &mut self,
        rule: Rule,
        pointer: Cow<'static, str>,
        message: String,
        hint: Option<Cow<'static, str>>,
    );
}

/// The findings of one payload.
pub(crate) struct Findings<'a> {
    policy: &'a Policy,
    /// The findings so far, each at the byte offset of the value (or key) it is about: their
    /// positions are placed in [`finish`](Findings::finish), in this list, which becomes the
    /// report's.
    items: Vec<Diagnostic>,
    /// Values (and missing members) that a schema finding is about: the semantic rules leave
    /// them alone, so that one defect gives one diagnostic.
    tainted: Vec<String>,
    /// Findings counted but not kept (hostile input), and how many of them are errors.
    unlisted: usize,
    unlisted_errors: usize,
    /// An inconsistency inside this crate met on the way: no verdict can be given.
    internal: Option<String>,
}

impl<'a> Findings<'a> {
    pub(crate) fn new(policy: &'a Policy) -> Self {
        Findings {
            policy,
            items: Vec::new(),
            tainted: Vec::new(),
            unlisted: 0,
            unlisted_errors: 0,
            internal: None,
        }
    }

    /// Records an inconsistency inside this crate (the committed schema, the engine and the
    /// types disagree): a bug, never a finding about the payload. The first one is kept.
    pub(crate) fn internal(&mut self, message: String) {
        self.internal.get_or_insert(message);
    }

    /// Reports a finding at `offset`, at the level the policy gives its rule.
    pub(crate) fn push_at(
        &mut self,
        rule: Rule,
        pointer: Cow<'static, str>,
        offset: usize,
        message: String,
        hint: Option<Cow<'static, str>>,
    ) {
        let Some(severity) = self.policy.severity(rule) else {
            return;
        };
        if self.items.len() >= self.policy.max_diagnostics.saturating_mul(2).max(64) {
            // Far past the cap: count, do not keep (linear work on hostile input).
            self.unlisted += 1;
            self.unlisted_errors += usize::from(severity == Severity::Error);
            return;
        }
        self.items.push(Diagnostic {
            rule,
            severity,
            pointer,
            offset,
            position: Position::default(),
            message,
            hint,
        });
    }

    /// Whether a finding of `rule` would be kept: not allowed by the policy. Callers skip the
    /// wording of a finding nobody will read.
    pub(crate) fn wants(&self, rule: Rule) -> bool {
        self.policy.severity(rule).is_some()
    }

    /// Counts findings that could not be listed (hostile input).
    pub(crate) fn count_unlisted(&mut self, rule: Rule, count: usize) {
        if let Some(severity) = self.policy.severity(rule) {
            self.unlisted += count;
            if severity == Severity::Error {
                self.unlisted_errors += count;
            }
        }
    }

    /// Marks a value, or a missing member of the object at `pointer`, as faulted.
    pub(crate) fn taint(&mut self, pointer: &str, member: &str) {
        if member.is_empty() {
            self.tainted.push(pointer.to_owned());
        } else {
            self.tainted.push(pointer::child(pointer, member));
        }
    }

    /// Whether a schema finding is about this value or one that contains it.
    pub(crate) fn is_tainted(&self, pointer: &str) -> bool {
        self.tainted.iter().any(|t| pointer::is_within(pointer, t))
    }

    /// Forgets every finding about the value at `pointer` or inside it, but for `keep`: a
    /// repeated member replaces what was found of its earlier value.
    pub(crate) fn forget_within(&mut self, pointer: &str, keep: Rule) {
        self.items
            .retain(|f| f.rule == keep || !pointer::is_within(&f.pointer, pointer));
        self.tainted.retain(|t| !pointer::is_within(t, pointer));
    }

    /// Keeps only the findings of `rule`.
    pub(crate) fn keep_only(&mut self, rule: Rule) {
        self.items.retain(|f| f.rule == rule);
        self.tainted.clear();
    }

    /// Whether any error was found.
    pub(crate) fn has_errors(&self) -> bool {
        self.unlisted_errors > 0 || self.items.iter().any(|i| i.severity == Severity::Error)
    }

    /// The report: findings in input order, positions placed, the cap applied.
    pub(crate) fn finish(
        mut self,
        bytes: &[u8],
        kind: Option<Kind>,
        payload: Option<Payload>,
    ) -> Report {
        self.items.sort_by_key(|f| (f.offset, f.rule));
        let error_count = self.unlisted_errors
            + self
                .items
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
        let warning_count = self.items.len() + self.unlisted - error_count;
        let keep = self.items.len().min(self.policy.max_diagnostics);
        let dropped = self.items.len() - keep + self.unlisted;
        self.items.truncate(keep);
        // One pass up to the last finding, in offset order: a clean payload costs nothing here.
        let mut cursor = Cursor::new(bytes);
        for d in &mut self.items {
            d.position = cursor.position(d.offset);
        }
        Report {
            kind,
            diagnostics: self.items,
            dropped,
            error_count,
            warning_count,
            payload,
            internal: self.internal,
        }
    }
}
