//! What only a capture tells: whether each call's response answered its request, when the calls
//! were made (a HAR entry's `startedDateTime`), and what the reader skipped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::table::Tally;
use super::{Origin, TrafficProfile, add, add_counts};
use crate::diagnostic::Report;
use crate::rules::Rule;

/// The calls read as request/response pairs (HAR entries).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Exchanges {
    /// The calls.
    pub calls: u64,
    /// The calls whose response names another device or order than its request asked for
    /// (`exchange-mismatch`).
    pub mismatched: u64,
    /// The smallest origin of a mismatched call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_mismatch: Option<Origin>,
}

impl Exchanges {
    pub(super) fn merge(&mut self, other: Exchanges) {
        add(&mut self.calls, other.calls);
        add(&mut self.mismatched, other.mismatched);
        self.first_mismatch = smaller(self.first_mismatch.take(), other.first_mismatch);
    }
}

/// One day of a capture (UTC): its payloads and their findings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Day {
    /// Payloads captured that day.
    pub payloads: u64,
    /// Those with an error.
    pub failing: u64,
    /// Findings by rule.
    pub rules: BTreeMap<String, u64>,
}

impl Tally for Day {
    fn count(&self) -> u64 {
        self.payloads
    }
    fn absorb(&mut self, other: Day) {
        add(&mut self.payloads, other.payloads);
        add(&mut self.failing, other.failing);
        add_counts(&mut self.rules, other.rules);
    }
}

/// The UTC day (`2020-08-25`) of a HAR entry's `startedDateTime` (RFC 3339, with an offset or
/// `Z`); `None` when it is not such a time.
pub fn utc_day(started: &str) -> Option<String> {
    let at: jiff::Timestamp = started.trim().parse().ok()?;
    Some(
        at.to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date()
            .to_string(),
    )
}

fn smaller(a: Option<Origin>, b: Option<Origin>) -> Option<Origin> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl TrafficProfile {
    /// Counts `n` inputs the reader skipped: HAR entries that are not `order/get` calls.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::traffic::TrafficProfile;
    ///
    /// let mut profile = TrafficProfile::new();
    /// profile.add_skipped(2);
    /// assert_eq!(profile.totals().skipped, 2);
    /// ```
    pub fn add_skipped(&mut self, n: u64) {
        // A copy a reader folded is taken back first, or this count would be lost with it.
        self.unview();
        add(&mut self.totals.skipped, n);
    }

    /// Counts a payload the reader did not read whole for being over the size limit: a payload
    /// of no kind, failing with one `too-large` error, as the command line reports it.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::traffic::{Origin, TrafficProfile};
    ///
    /// let mut profile = TrafficProfile::new();
    /// profile.add_too_large(&Origin::line("big.ndjson", 3));
    /// assert_eq!(profile.totals().payloads["unknown"].failing, 1);
    /// assert_eq!(profile.rules()["too-large"].first, Origin::line("big.ndjson", 3));
    /// ```
    pub fn add_too_large(&mut self, origin: &Origin) {
        // A copy a reader folded is taken back first, or this count would be lost with it.
        self.unview();
        let verdicts = self
            .totals
            .payloads
            .entry("unknown".to_owned())
            .or_default();
        add(&mut verdicts.failing, 1);
        add(&mut self.totals.errors, 1);
        let id = Rule::TooLarge.id();
        match self.rules.get_mut(id) {
            Some(r) => {
                add(&mut r.count, 1);
                add(&mut r.payloads, 1);
                if *origin < r.first {
                    r.first = origin.clone();
                }
            }
            None => {
                let first = origin.clone();
                let stats = super::RuleStats {
                    count: 1,
                    payloads: 1,
                    first,
                };
                self.rules.insert(id.to_owned(), stats);
            }
        }
    }

    /// Feeds one call's pair of reports: whether the response answered the request.
    pub(crate) fn exchanged(&mut self, response: &Report, origin: &Origin) {
        // A copy a reader folded is taken back first, or this count would be lost with it.
        self.unview();
        let e = &mut self.exchanges;
        add(&mut e.calls, 1);
        let mismatched = response
            .diagnostics()
            .iter()
            .any(|d| d.rule() == Rule::ExchangeMismatch);
        if mismatched {
            add(&mut e.mismatched, 1);
            e.first_mismatch = smaller(e.first_mismatch.take(), Some(origin.clone()));
        }
    }

    /// Feeds one payload's report to the series of `day` (see [`utc_day`]).
    pub(crate) fn dated(&mut self, day: &str, report: &Report) {
        // A copy a reader folded is taken back first, or this count would be lost with it.
        self.unview();
        let mut tally = Day {
            payloads: 1,
            failing: u64::from(!report.conforms()),
            rules: BTreeMap::new(),
        };
        for d in report.diagnostics() {
            add(tally.rules.entry(d.rule().id().to_owned()).or_default(), 1);
        }
        self.days.add(day, self.cap, tally);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_written_after_a_read_outlives_the_next_payload() {
        let validator = crate::Validator::new(crate::Options::default()).expect("defaults");
        let page = include_bytes!("../../examples/page/response-success.json");
        let request = include_bytes!("../../examples/page/request.json");
        let at = Origin::entry("c.har", 0);
        let mut p = TrafficProfile::new();
        validator.validate_profiled(page, None, &Origin::file("a.json"), &mut p);
        // Each writer after a read (which folds a copy), then a payload fed.
        let _ = p.totals();
        p.add_skipped(2);
        let _ = p.totals();
        p.add_too_large(&Origin::line("big.ndjson", 1));
        let _ = p.totals();
        let started = Some("2020-08-25T10:00:00Z");
        validator.validate_exchange_profiled(request, page, &at, started, &mut p);
        let _ = p.rules();
        validator.validate_profiled(page, None, &Origin::file("b.json"), &mut p);
        assert_eq!(p.totals().skipped, 2);
        assert_eq!(p.rules()["too-large"].count, 1);
        assert_eq!(p.exchanges().calls, 1);
        assert_eq!(p.days().get("2020-08-25").map(|d| d.payloads), Some(2));
        // The page's response answers another device than the page's request asks for.
        let responses = &p.totals().payloads["response"];
        assert_eq!((responses.conforming, responses.failing), (2, 1));
    }

    #[test]
    fn a_capture_time_is_counted_on_its_utc_day() {
        assert_eq!(
            utc_day("2020-08-25T23:30:00.123+08:00").as_deref(),
            Some("2020-08-25")
        );
        assert_eq!(
            utc_day("2020-08-25T20:30:00-05:00").as_deref(),
            Some("2020-08-26")
        );
        assert_eq!(
            utc_day("2020-08-25T10:00:00Z").as_deref(),
            Some("2020-08-25")
        );
        assert_eq!(utc_day("2020-08-25 10:00:00"), None);
        assert_eq!(utc_day(""), None);
    }
}
