//! Drift: what changed between a baseline profile (last week's capture) and a later one.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{MemberStats, Origin, Table, TrafficProfile};

/// The kinds of change drift reports, each with its id (`new-member`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ChangeKind {
    /// A member the contract does not document, not in the baseline.
    NewMember,
    /// An undocumented value of an enumeration, not in the baseline.
    NewValue,
    /// A documented value the baseline saw, and the later traffic no longer does.
    GoneValue,
    /// The JSON types a documented member holds: one appeared or disappeared.
    TypeMix,
    /// The share of payloads with a rule's findings moved by more than the threshold.
    RuleRate,
}

impl ChangeKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [ChangeKind; 5] = [
        ChangeKind::NewMember,
        ChangeKind::NewValue,
        ChangeKind::GoneValue,
        ChangeKind::TypeMix,
        ChangeKind::RuleRate,
    ];

    /// Its id: `new-member`, `new-value`, `gone-value`, `type-mix`, `rule-rate`.
    pub fn id(self) -> &'static str {
        match self {
            ChangeKind::NewMember => "new-member",
            ChangeKind::NewValue => "new-value",
            ChangeKind::GoneValue => "gone-value",
            ChangeKind::TypeMix => "type-mix",
            ChangeKind::RuleRate => "rule-rate",
        }
    }

    /// The kind with this id.
    pub fn from_id(id: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.id() == id)
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Change {
    /// What changed.
    pub kind: ChangeKind,
    /// Where: `response /data/traceId` for a member, `/data/status` for an enumeration, the
    /// rule's id for a rate.
    pub subject: String,
    /// The value, as JSON text, for `new-value` and `gone-value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// In the baseline: a count, a type mix or a rate.
    pub before: String,
    /// In the later traffic.
    pub after: String,
    /// The smallest origin of what is new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<Origin>,
}

/// What counts as drift.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Thresholds {
    /// A rule's rate (payloads with its findings over all payloads) must move by more than this
    /// fraction, in absolute terms: `0.01` is one percentage point.
    pub rule_rate: f64,
}

impl Default for Thresholds {
    /// One percentage point.
    fn default() -> Self {
        Thresholds { rule_rate: 0.01 }
    }
}

impl Thresholds {
    /// Thresholds with a rule's rate moving by more than `rate` (a fraction).
    pub fn rule_rate(rate: f64) -> Thresholds {
        Thresholds { rule_rate: rate }
    }
}

/// What changed between a baseline profile and a later one, in [`ChangeKind`] order.
///
/// Folded tables are read with care: a key absent from a baseline table that folded keys is
/// reported as new only when it sorts before the largest key the baseline kept (a table keeps
/// its smallest keys, so such a key would have been kept had it been seen).
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::traffic::{ChangeKind, Drift, Origin, Thresholds, TrafficProfile};
/// use cloudstorage_contract::{Options, Validator};
///
/// let validator = Validator::new(Options::default())?;
/// let page = std::fs::read("examples/page/response-success.json").unwrap();
/// let mut before = TrafficProfile::new();
/// validator.validate_profiled(&page, None, &Origin::file("old.json"), &mut before);
/// let mut after = TrafficProfile::new();
/// let added = br#"{"code": 460, "message": "x", "data": null, "traceId": "t1"}"#;
/// validator.validate_profiled(added, None, &Origin::file("new.json"), &mut after);
/// let drift = Drift::between(&before, &after, Thresholds::default());
/// assert!(drift.changes().iter().any(|c| c.kind == ChangeKind::NewMember
///     && c.subject == "response /traceId"));
/// # Ok::<(), cloudstorage_contract::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    changes: Vec<Change>,
}

impl Drift {
    /// The changes from `baseline` to `current`.
    pub fn between(
        baseline: &TrafficProfile,
        current: &TrafficProfile,
        thresholds: Thresholds,
    ) -> Drift {
        let mut changes = Vec::new();
        new_members(baseline, current, &mut changes);
        new_values(baseline, current, &mut changes);
        gone_values(baseline, current, &mut changes);
        type_mixes(baseline, current, &mut changes);
        rule_rates(baseline, current, thresholds, &mut changes);
        Drift { changes }
    }

    /// The changes, in [`ChangeKind`] order.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// The changes of `kind`.
    pub fn of(&self, kind: ChangeKind) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.kind == kind)
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Whether `key`, absent from `table`, would have been kept had the table seen it.
fn surely_new<T>(table: Option<&Table<T>>, key: &str) -> bool {
    let Some(table) = table else { return true };
    if table.get(key).is_some() {
        return false;
    }
    table.folded() == 0 || table.entries().last().is_some_and(|(last, _)| key < last)
}

fn new_members(baseline: &TrafficProfile, current: &TrafficProfile, out: &mut Vec<Change>) {
    for (kind, table) in current.unknown_members() {
        let before = baseline.unknown_members().get(kind);
        for (pointer, member) in table.entries() {
            if surely_new(before, pointer) {
                out.push(Change {
                    kind: ChangeKind::NewMember,
                    subject: format!("{kind} {pointer}"),
                    value: None,
                    before: "absent".into(),
                    after: format!("{} × {}", member.count, types(&member.types)),
                    first: Some(member.first.clone()),
                });
            }
        }
    }
}

fn new_values(baseline: &TrafficProfile, current: &TrafficProfile, out: &mut Vec<Change>) {
    for (pointer, e) in current.enumerations() {
        let before = baseline
            .enumerations()
            .get(pointer)
            .map(|e| &e.undocumented);
        for (value, seen) in e.undocumented.entries() {
            if surely_new(before, value) {
                out.push(Change {
                    kind: ChangeKind::NewValue,
                    subject: pointer.clone(),
                    value: Some(value.to_owned()),
                    before: "absent".into(),
                    after: seen.count.to_string(),
                    first: Some(seen.first.clone()),
                });
            }
        }
    }
}

/// The payloads of the kind a pointer belongs to (`/request/...` and `/params/...` are the
/// request's; the rest the response's).
fn payloads_of(profile: &TrafficProfile, pointer: &str) -> u64 {
    let kind = if pointer.starts_with("/request") || pointer.starts_with("/params") {
        "request"
    } else {
        "response"
    };
    profile
        .totals()
        .payloads
        .get(kind)
        .map_or(0, |v| v.conforming.saturating_add(v.failing))
}

fn gone_values(baseline: &TrafficProfile, current: &TrafficProfile, out: &mut Vec<Change>) {
    for (pointer, old) in baseline.enumerations() {
        // Nothing of the kind in the later traffic is no evidence of a value gone.
        if payloads_of(current, pointer) == 0 {
            continue;
        }
        let now = current.enumerations().get(pointer);
        for (value, &count) in &old.documented {
            let seen = now.and_then(|e| e.documented.get(value)).copied();
            if count > 0 && seen.unwrap_or(0) == 0 {
                out.push(Change {
                    kind: ChangeKind::GoneValue,
                    subject: pointer.clone(),
                    value: Some(value.clone()),
                    before: count.to_string(),
                    after: "0".into(),
                    first: None,
                });
            }
        }
    }
}

fn type_mixes(baseline: &TrafficProfile, current: &TrafficProfile, out: &mut Vec<Change>) {
    let empty = BTreeMap::new();
    for (kind, members) in current.members() {
        let old_members = baseline.members().get(kind).unwrap_or(&empty);
        for (pointer, now) in members {
            let Some(old) = old_members.get(pointer) else {
                continue;
            };
            let seen = |m: &MemberStats| -> BTreeSet<String> {
                m.types
                    .iter()
                    .filter(|(_, n)| **n > 0)
                    .map(|(t, _)| t.clone())
                    .collect()
            };
            let (a, b) = (seen(old), seen(now));
            // A member absent from one side says nothing about its types.
            if a != b && !a.is_empty() && !b.is_empty() {
                out.push(Change {
                    kind: ChangeKind::TypeMix,
                    subject: format!("{kind} {pointer}"),
                    value: None,
                    before: types(&old.types),
                    after: types(&now.types),
                    first: None,
                });
            }
        }
    }
}

fn all_payloads(profile: &TrafficProfile) -> u64 {
    profile
        .totals()
        .payloads
        .values()
        .map(|v| v.conforming.saturating_add(v.failing))
        .fold(0, u64::saturating_add)
}

fn rule_rates(
    baseline: &TrafficProfile,
    current: &TrafficProfile,
    thresholds: Thresholds,
    out: &mut Vec<Change>,
) {
    let (n0, n1) = (all_payloads(baseline), all_payloads(current));
    if n0 == 0 || n1 == 0 {
        return;
    }
    let ids: BTreeSet<&String> = baseline
        .rules()
        .keys()
        .chain(current.rules().keys())
        .collect();
    for id in ids {
        let rate = |p: &TrafficProfile, n: u64| {
            p.rules().get(id).map_or(0, |r| r.payloads) as f64 / n as f64
        };
        let (r0, r1) = (rate(baseline, n0), rate(current, n1));
        if (r1 - r0).abs() > thresholds.rule_rate {
            out.push(Change {
                kind: ChangeKind::RuleRate,
                subject: id.clone(),
                value: None,
                before: percent(r0),
                after: percent(r1),
                first: current.rules().get(id).map(|r| r.first.clone()),
            });
        }
    }
}

/// `12.5%`: one decimal.
fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// A type mix: `string 97.0%, number 3.0%`, the most frequent first.
fn types(types: &BTreeMap<String, u64>) -> String {
    let total: u64 = types.values().fold(0, |a, b| a.saturating_add(*b));
    let mut all: Vec<(&String, &u64)> = types.iter().filter(|(_, n)| **n > 0).collect();
    all.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let parts: Vec<String> = all
        .into_iter()
        .map(|(t, n)| format!("{t} {}", percent(*n as f64 / total.max(1) as f64)))
        .collect();
    parts.join(", ")
}
