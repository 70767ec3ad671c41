//! Feeding a profile: from the walk's record of one payload (its members, values and forms),
//! and from its report (verdict, findings).

use std::collections::BTreeMap;

use serde_json::Number;

use super::token::Token;
use super::{Enumeration, MemberStats, Origin, Seen, TrafficProfile, UnknownMember, add};
use crate::codes;
use crate::contract::{Envelope, Member, Object, Pattern, Types};
use crate::diagnostic::Report;
use crate::engine::{Record, compare};
use crate::semantic::API_VERSION;

/// The members whose values are open: no documented list, the values worth counting.
/// (`request.language` is described only as a hint such as `zh-CN`.)
const OPEN: [&str; 3] = [
    "/data/commodityCode",
    "/data/specification",
    "/request/language",
];

/// The documented values of an enumeration the schema does not spell as `enum`, by pointer:
/// `code` (200 and the catalogue of [`codes`]) and `request.apiVer` (the contract's version).
/// The others are the schema's `enum`s.
fn documented(pointer: &str) -> Option<Vec<String>> {
    match pointer {
        "/code" => Some(
            std::iter::once(200)
                .chain(codes::DOCUMENTED.iter().map(|c| c.code))
                .map(|c| c.to_string())
                .collect(),
        ),
        "/request/apiVer" => Some(vec![serde_json::Value::from(API_VERSION).to_string()]),
        _ => None,
    }
}

impl TrafficProfile {
    /// Feeds the verdict and findings of one payload.
    pub(crate) fn judged(&mut self, report: &Report, origin: &Origin) {
        let kind = report.kind().map_or("unknown", |k| k.as_str());
        let verdicts = slot(&mut self.totals.payloads, kind);
        if report.conforms() {
            add(&mut verdicts.conforming, 1);
        } else {
            add(&mut verdicts.failing, 1);
        }
        add(&mut self.totals.errors, report.error_count() as u64);
        add(&mut self.totals.warnings, report.warning_count() as u64);
        let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
        for d in report.diagnostics() {
            add(counts.entry(d.rule().id()).or_default(), 1);
        }
        for (id, count) in counts {
            match self.rules.get_mut(id) {
                Some(r) => {
                    add(&mut r.count, count);
                    add(&mut r.payloads, 1);
                    if *origin < r.first {
                        r.first = origin.clone();
                    }
                }
                None => {
                    self.rules.insert(
                        id.to_owned(),
                        super::RuleStats {
                            count,
                            payloads: 1,
                            first: origin.clone(),
                        },
                    );
                }
            }
        }
    }

    /// Feeds what the walk of one payload of `envelope` recorded: its documented members, read
    /// back where the walk found them, and its unknown members.
    pub(crate) fn walked(
        &mut self,
        envelope: &Envelope,
        text: &str,
        record: &Record<'_>,
        origin: &Origin,
    ) {
        let kind = envelope.kind.as_str();
        // The kind's members, looked up once per payload rather than once per member.
        let mut members = std::mem::take(slot(&mut self.members, kind));
        self.object(&mut members, &envelope.root, text, record, origin);
        *slot(&mut self.members, kind) = members;
        if let Some(unknown) = record.unknown.as_ref().filter(|u| !u.is_empty()) {
            let table = slot(&mut self.unknown_members, kind);
            // A repeated key is one member, its last value the one that counts.
            let mut seen = hashbrown::HashSet::with_capacity(unknown.len());
            for (pointer, offset) in unknown.iter().rev() {
                if !seen.insert(pointer.as_str()) {
                    continue;
                }
                let json_type = Token::at(text, *offset).map_or("null", |t| t.json_type());
                let tally = UnknownMember {
                    count: 1,
                    first: origin.clone(),
                    types: BTreeMap::from([(json_type.to_owned(), 1)]),
                };
                table.add(pointer, self.cap, tally);
            }
        }
    }

    fn object(
        &mut self,
        members: &mut BTreeMap<String, MemberStats>,
        object: &Object,
        text: &str,
        record: &Record<'_>,
        origin: &Origin,
    ) {
        for member in &object.members {
            self.member(members, member, text, record, origin);
            if let Some(inner) = &member.object {
                self.object(members, inner, text, record, origin);
            }
        }
    }

    fn member(
        &mut self,
        members: &mut BTreeMap<String, MemberStats>,
        member: &Member,
        text: &str,
        record: &Record<'_>,
        origin: &Origin,
    ) {
        let stats = match members.get_mut(&member.pointer) {
            Some(s) => s,
            None => members.entry(member.pointer.clone()).or_default(),
        };
        let pointer = member.pointer.as_str();
        // Known after the first payload; `documented` allocates only for the enumerations it
        // lists, once each.
        let enumerated = self.enumerations.contains_key(pointer) || {
            let allowed = member.allowed.as_ref();
            let values = documented(pointer)
                .or_else(|| allowed.map(|a| a.iter().map(Number::to_string).collect()));
            if let Some(values) = values {
                let e = Enumeration {
                    documented: values.into_iter().map(|v| (v, 0)).collect(),
                    ..Enumeration::default()
                };
                self.enumerations.insert(pointer.to_owned(), e);
            }
            self.enumerations.contains_key(pointer)
        };
        let offset = record.offsets[member.index];
        let Some(token) = (offset != usize::MAX)
            .then(|| Token::at(text, offset))
            .flatten()
        else {
            add(&mut stats.absent, 1);
            return;
        };
        let json_type = token.json_type();
        if json_type == "null" {
            add(&mut stats.null, 1);
        } else {
            add(&mut stats.present, 1);
        }
        match stats.types.get_mut(json_type) {
            Some(n) => add(n, 1),
            None => {
                stats.types.insert(json_type.to_owned(), 1);
            }
        }
        if enumerated && let Some(e) = self.enumerations.get_mut(pointer) {
            let key = token.key();
            // A number equal to a documented one (`1.0` and `1`) is that value, as the
            // contract compares them.
            let hit = match (e.documented.get_mut(key.as_ref()), &token) {
                (Some(n), _) => Some(n),
                (None, Token::Number(n)) => n.parse::<Number>().ok().and_then(|n| {
                    e.documented.iter_mut().find_map(|(v, count)| {
                        let equal = v
                            .parse::<Number>()
                            .is_ok_and(|d| compare(&n, &d) == std::cmp::Ordering::Equal);
                        equal.then_some(count)
                    })
                }),
                (None, _) => None,
            };
            match hit {
                Some(n) => add(n, 1),
                None => {
                    let seen = Seen {
                        count: 1,
                        first: origin.clone(),
                    };
                    e.undocumented.add(&key, self.cap, seen);
                }
            }
        }
        if OPEN.contains(&pointer) {
            slot(&mut self.open_values, pointer).add(&token.key(), self.cap, 1);
        }
        let forms = &mut self.forms;
        match (member.pattern, &token) {
            (Some(Pattern::LocalTime { .. }), Token::String(s)) => {
                let f = &mut forms.local_time;
                if (Pattern::LocalTime { strict: true }).matches(s) {
                    add(&mut f.canonical, 1);
                } else if (Pattern::LocalTime { strict: false }).matches(s) {
                    add(&mut f.single_digit_seconds, 1);
                } else {
                    add(&mut f.other, 1);
                }
            }
            (Some(Pattern::UtcTime), Token::String(s)) => {
                let f = &mut forms.utc_time;
                if Pattern::UtcTime.matches(s) {
                    add(&mut f.z, 1);
                } else if has_offset(s) {
                    add(&mut f.offset, 1);
                } else {
                    add(&mut f.other, 1);
                }
            }
            (Some(Pattern::Price), Token::String(s)) => {
                add(&mut forms.price.string, 1);
                if crate::order::is_price(s) {
                    add(forms.price.decimal_places.entry(places(s)).or_default(), 1);
                }
            }
            (Some(Pattern::Price), Token::Number(n)) => {
                add(&mut forms.price.number, 1);
                if !n.contains(['e', 'E']) {
                    add(forms.price.decimal_places.entry(places(n)).or_default(), 1);
                }
            }
            (_, Token::Number(n))
                if member.types.has(Types::INTEGER) && !member.types.has(Types::NUMBER) =>
            {
                let f = &mut forms.integers;
                if n.contains(['e', 'E']) {
                    add(&mut f.exponent, 1);
                } else if n.contains('.') {
                    add(&mut f.fraction, 1);
                } else {
                    add(&mut f.plain, 1);
                }
            }
            _ => {}
        }
    }
}

/// The value under `key`, made (with its key) only when missing: most lookups find it.
fn slot<'m, V: Default>(map: &'m mut BTreeMap<String, V>, key: &str) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    map.get_mut(key).expect("inserted above")
}

/// Digits after the decimal point.
fn places(amount: &str) -> u32 {
    amount
        .split_once('.')
        .map_or(0, |(_, f)| u32::try_from(f.len()).unwrap_or(u32::MAX))
}

/// Whether a time ends with a numeric offset, `+08:00` or `-0500`.
fn has_offset(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    let with_colon = b.len() >= 6 && {
        let t = &b[b.len() - 6..];
        matches!(t[0], b'+' | b'-') && digits(&t[1..3]) && t[3] == b':' && digits(&t[4..])
    };
    let without = b.len() >= 5 && {
        let t = &b[b.len() - 5..];
        matches!(t[0], b'+' | b'-') && digits(&t[1..])
    };
    s.contains('T') && (with_colon || without)
}
