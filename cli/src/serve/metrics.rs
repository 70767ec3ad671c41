//! `--metrics ADDR`: counters of calls, verdicts and findings, in Prometheus' text format.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

#[cfg(test)]
use cloudstorage_contract::Rule;
use cloudstorage_contract::{Kind, RULES, Report, Severity};

/// A verdict, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Conforms, without warnings.
    Conforms,
    /// Conforms, with warnings.
    Warned,
    /// Breaks the contract.
    Violates,
    /// Not validated: too large, interrupted or compressed.
    Unread,
}

impl Verdict {
    const ALL: [Verdict; 4] = [
        Verdict::Conforms,
        Verdict::Warned,
        Verdict::Violates,
        Verdict::Unread,
    ];

    pub(crate) fn of(report: &Report) -> Verdict {
        if !report.conforms() {
            Verdict::Violates
        } else if report.warning_count() > 0 {
            Verdict::Warned
        } else {
            Verdict::Conforms
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Verdict::Conforms => "conforms",
            Verdict::Warned => "warned",
            Verdict::Violates => "violates",
            Verdict::Unread => "unread",
        }
    }
}

/// The counters; shared by every connection, lock-free.
#[derive(Debug)]
pub(crate) struct Metrics {
    /// `order/get` calls, and calls to any other route.
    calls: [AtomicU64; 2],
    /// By kind (request, response), then verdict.
    verdicts: [[AtomicU64; 4]; 2],
    /// By rule (index in `RULES`), then severity (error, warning).
    findings: Vec<[AtomicU64; 2]>,
    /// Answers by status class (1xx to 5xx).
    answers: [AtomicU64; 5],
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            calls: Default::default(),
            verdicts: Default::default(),
            findings: RULES.iter().map(|_| Default::default()).collect(),
            answers: Default::default(),
        }
    }
}

fn kind_index(kind: Kind) -> usize {
    match kind {
        Kind::Request => 0,
        Kind::Response => 1,
    }
}

impl Metrics {
    pub(crate) fn call(&self, order_get: bool) {
        self.calls[usize::from(!order_get)].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn answer(&self, status: u16) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.answers[class].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn verdict(&self, kind: Kind, verdict: Verdict, report: Option<&Report>) {
        let v = Verdict::ALL.iter().position(|x| *x == verdict).unwrap_or(3);
        self.verdicts[kind_index(kind)][v].fetch_add(1, Ordering::Relaxed);
        for d in report.into_iter().flat_map(Report::diagnostics) {
            if let Some(slots) = RULES
                .iter()
                .position(|r| r.rule == d.rule())
                .and_then(|i| self.findings.get(i))
            {
                let s = usize::from(d.severity() != Severity::Error);
                slots[s].fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The counters in Prometheus' text exposition format (0.0.4).
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        out.push_str("# HELP cloudstorage_contract_calls_total HTTP calls received, by route.\n");
        out.push_str("# TYPE cloudstorage_contract_calls_total counter\n");
        for (route, counter) in ["order/get", "other"].iter().zip(&self.calls) {
            let _ = writeln!(
                out,
                "cloudstorage_contract_calls_total{{route=\"{route}\"}} {}",
                load(counter)
            );
        }
        out.push_str(
            "# HELP cloudstorage_contract_answers_total Answers sent, by HTTP status class.\n",
        );
        out.push_str("# TYPE cloudstorage_contract_answers_total counter\n");
        for (i, counter) in self.answers.iter().enumerate() {
            let _ = writeln!(
                out,
                "cloudstorage_contract_answers_total{{class=\"{}xx\"}} {}",
                i + 1,
                load(counter)
            );
        }
        out.push_str(
            "# HELP cloudstorage_contract_verdicts_total order/get bodies judged, by kind and verdict.\n",
        );
        out.push_str("# TYPE cloudstorage_contract_verdicts_total counter\n");
        for kind in [Kind::Request, Kind::Response] {
            for (verdict, counter) in Verdict::ALL.iter().zip(&self.verdicts[kind_index(kind)]) {
                let _ = writeln!(
                    out,
                    "cloudstorage_contract_verdicts_total{{kind=\"{}\",verdict=\"{}\"}} {}",
                    kind.as_str(),
                    verdict.as_str(),
                    load(counter)
                );
            }
        }
        out.push_str(
            "# HELP cloudstorage_contract_findings_total Findings, by rule and severity.\n",
        );
        out.push_str("# TYPE cloudstorage_contract_findings_total counter\n");
        for (info, slots) in RULES.iter().zip(&self.findings) {
            for (severity, counter) in ["error", "warning"].iter().zip(slots) {
                let _ = writeln!(
                    out,
                    "cloudstorage_contract_findings_total{{rule=\"{}\",severity=\"{severity}\"}} {}",
                    info.id,
                    load(counter)
                );
            }
        }
        out
    }

    /// How many findings of `rule` were counted (any severity), for tests.
    #[cfg(test)]
    fn findings_of(&self, rule: Rule) -> u64 {
        RULES
            .iter()
            .position(|r| r.rule == rule)
            .and_then(|i| self.findings.get(i))
            .map_or(0, |s| s.iter().map(|c| c.load(Ordering::Relaxed)).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudstorage_contract::{Options, Validator};

    #[test]
    fn counts_render_as_prometheus_text() -> Result<(), cloudstorage_contract::Error> {
        let validator = Validator::new(Options::default())?;
        let metrics = Metrics::default();
        let report = validator.validate_request(br#"{"params": {}}"#);
        metrics.call(true);
        metrics.verdict(Kind::Request, Verdict::of(&report), Some(&report));
        metrics.answer(400);
        assert!(metrics.findings_of(Rule::MissingField) > 0);
        let text = metrics.render();
        assert!(text.contains("cloudstorage_contract_calls_total{route=\"order/get\"} 1\n"));
        assert!(text.contains(
            "cloudstorage_contract_verdicts_total{kind=\"request\",verdict=\"violates\"} 1\n"
        ));
        assert!(text.contains("cloudstorage_contract_answers_total{class=\"4xx\"} 1\n"));
        // Every sample line is `name{labels} value`.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (_, value) = line.rsplit_once(' ').expect("a value");
            assert!(value.parse::<u64>().is_ok(), "{line}");
        }
        Ok(())
    }
}
