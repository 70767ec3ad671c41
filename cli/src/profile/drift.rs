//! `profile --baseline OLD.json`: the drift from a saved profile, and which kinds of drift fail
//! the run (`--fail-on`).

use std::path::Path;

use clap::ValueEnum;

use cloudstorage_contract::Error;
use cloudstorage_contract::traffic::{ChangeKind, Drift, Thresholds, TrafficProfile};

/// A kind of drift `--fail-on` can pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOn {
    /// A member the contract does not document, not in the baseline.
    NewMember,
    /// An undocumented value of an enumeration, not in the baseline.
    NewValue,
    /// A documented value the baseline saw and the traffic no longer does.
    GoneValue,
    /// A documented member's JSON types changed.
    TypeMix,
    /// A rule's rate moved by more than `--rate-threshold`.
    RuleRate,
    /// Any of them.
    Any,
}

impl FailOn {
    fn covers(self, kind: ChangeKind) -> bool {
        match self {
            FailOn::Any => true,
            FailOn::NewMember => kind == ChangeKind::NewMember,
            FailOn::NewValue => kind == ChangeKind::NewValue,
            FailOn::GoneValue => kind == ChangeKind::GoneValue,
            FailOn::TypeMix => kind == ChangeKind::TypeMix,
            FailOn::RuleRate => kind == ChangeKind::RuleRate,
        }
    }
}

/// The drift of `profile` from the profile saved in `baseline`, a rule's rate moving by more
/// than `threshold` percentage points counted.
///
/// # Errors
///
/// The baseline cannot be read or is not a traffic profile of this version.
pub(super) fn from_baseline(
    baseline: &Path,
    profile: &TrafficProfile,
    threshold: f64,
) -> Result<Drift, Error> {
    let before = super::saved::read(baseline)?;
    Ok(Drift::between(
        &before,
        profile,
        Thresholds::rule_rate(threshold / 100.0),
    ))
}

/// Whether `drift` has a change of a kind `fail_on` picks.
pub(super) fn fails(drift: &Drift, fail_on: &[FailOn]) -> bool {
    drift
        .changes()
        .iter()
        .any(|c| fail_on.iter().any(|f| f.covers(c.kind)))
}

/// A percentage from 0 to 100, for `--rate-threshold`.
pub(super) fn percentage(s: &str) -> Result<f64, String> {
    match s.trim_end_matches('%').parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("`{s}` is not a percentage from 0 to 100")),
    }
}
