//! The findings header: the rule ids and pointers of a call's findings, never a value.
//!
//! `x-contract-findings: request error missing-field /params, response warning
//! single-digit-seconds /data/startTime`. Pointers are percent-encoded past printable ASCII
//! (and `%`, `,` and space), so the header is ASCII whatever the payload held. The header
//! stops at [`MAX_BYTES`] on a whole entry and ends with `+N more` for the entries left out,
//! so it never grows past what proxies accept.

use std::fmt::Write as _;

use cloudstorage_contract::tower::{Inspection, Outcome, Verdicts};

/// The header's name.
pub(crate) const NAME: &str = "x-contract-findings";

/// The longest value, in bytes.
pub(crate) const MAX_BYTES: usize = 4096;

/// The header's value for `verdicts`, or `None` when there is nothing to say.
pub(crate) fn value(verdicts: &Verdicts) -> Option<String> {
    let entries: Vec<String> = verdicts.inspections().flat_map(entries).collect();
    if entries.is_empty() {
        return None;
    }
    let mut out = String::new();
    for (shown, entry) in entries.iter().enumerate() {
        let left = entries.len() - shown;
        // Room for this entry, and for the count of the rest if it is not the last.
        let more = if left > 1 {
            format!(", +{} more", left - 1).len()
        } else {
            0
        };
        let separator = if out.is_empty() { 0 } else { 2 };
        if out.len() + separator + entry.len() + more > MAX_BYTES {
            let _ = write!(
                out,
                "{}+{left} more",
                if out.is_empty() { "" } else { ", " }
            );
            return Some(out);
        }
        if separator > 0 {
            out.push_str(", ");
        }
        out.push_str(entry);
    }
    Some(out)
}

/// `KIND SEVERITY RULE POINTER` for each finding, or `KIND unread REASON`.
fn entries(inspection: &Inspection) -> Vec<String> {
    let kind = inspection.kind.as_str();
    match &inspection.outcome {
        Outcome::Checked(report) => report
            .diagnostics()
            .iter()
            .map(|d| {
                format!(
                    "{kind} {} {} {}",
                    d.severity().as_str(),
                    d.rule(),
                    encode(d.pointer())
                )
            })
            .collect(),
        Outcome::TooLarge { .. } => vec![format!("{kind} unread too-large")],
        Outcome::Interrupted => vec![format!("{kind} unread interrupted")],
        Outcome::Encoded => vec![format!("{kind} unread compressed")],
        _ => vec![format!("{kind} unread")],
    }
}

/// A pointer percent-encoded past printable ASCII, and `%`, `,` and space; `""` as `/`-less
/// `""` is shown as `(root)`.
fn encode(pointer: &str) -> String {
    if pointer.is_empty() {
        return "(root)".to_owned();
    }
    let mut out = String::with_capacity(pointer.len());
    for byte in pointer.bytes() {
        if byte.is_ascii_graphic() && !matches!(byte, b'%' | b',') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudstorage_contract::{Options, Validator};

    #[test]
    fn pointers_are_ascii() {
        assert_eq!(encode(""), "(root)");
        assert_eq!(encode("/data/price"), "/data/price");
        assert_eq!(encode("/data/a b,c%é"), "/data/a%20b%2Cc%25%C3%A9");
        assert_eq!(encode("/x\r\ny"), "/x%0D%0Ay");
    }

    #[test]
    fn capped_on_a_whole_entry_with_a_count() -> Result<(), cloudstorage_contract::Error> {
        // A request with thousands of unknown members, each a finding.
        let members: Vec<String> = (0..3000).map(|i| format!("\"extra{i}\": 1")).collect();
        let text = format!(
            r#"{{"id": "1", "version": "1.0", "request": {{"apiVer": "1.0.6"}}, "params": {{"iotId": "a", "orderId": "b"}}, {}}}"#,
            members.join(", ")
        );
        let validator = Validator::new(Options::default().max_diagnostics(5000))?;
        let report = validator.validate_request(text.as_bytes());
        let found = report.diagnostics().len();
        assert!(found >= 3000, "{found}");
        let verdicts = verdicts_of(report);
        let value = value(&verdicts).expect("a value");
        assert!(value.len() <= MAX_BYTES, "{}", value.len());
        let (shown, more) = value.rsplit_once(", +").expect("a count");
        let left: usize = more
            .strip_suffix(" more")
            .expect("more")
            .parse()
            .expect("n");
        assert_eq!(shown.split(", ").count() + left, found);
        assert!(value.is_ascii());
        Ok(())
    }

    fn verdicts_of(report: cloudstorage_contract::Report) -> Verdicts {
        let mut verdicts = Verdicts::default();
        verdicts.request = Some(inspection(report));
        verdicts
    }

    fn inspection(report: cloudstorage_contract::Report) -> Inspection {
        use cloudstorage_contract::tower::Action;
        Inspection::new(
            cloudstorage_contract::Kind::Request,
            Outcome::Checked(report),
            Action::Forwarded,
        )
    }
}
