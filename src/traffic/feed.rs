//! Feeding a profile: from the walk's record of one payload (its members, values and forms),
//! and from its report (verdict, findings).

use std::collections::BTreeMap;

use super::pending::{KindCounts, OPEN_PENDING, kind_index, open_into};
use super::plan::{Plan, Step};
use super::table::Table;
use super::token::Token;
use super::{Forms, Origin, Seen, TrafficProfile, UnknownMember, add};
use crate::contract::{Envelope, Pattern};
use crate::diagnostic::Report;
use crate::engine::Record;
use crate::schema::Kind;

impl TrafficProfile {
    /// Feeds the verdict and findings of one payload.
    pub(crate) fn judged(&mut self, report: &Report, origin: &Origin) {
        self.unview();
        let pending = &mut self.pending;
        pending.touch();
        let kind = match report.kind() {
            Some(Kind::Request) => 0,
            Some(Kind::Response) => 1,
            None => 2,
        };
        let verdict = usize::from(!report.conforms());
        if let Some(n) = pending
            .verdicts
            .get_mut(kind)
            .and_then(|v| v.get_mut(verdict))
        {
            add(n, 1);
        }
        add(&mut self.totals.errors, report.error_count() as u64);
        add(&mut self.totals.warnings, report.warning_count() as u64);
        let rules = report.diagnostics().iter().map(|d| d.rule() as usize);
        pending.findings(rules, origin);
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
        self.unview();
        let k = kind_index(envelope.kind);
        let planned = self.pending.kinds[k]
            .as_ref()
            .is_some_and(|c| c.plan.fits(envelope));
        if !planned {
            // Counts by the plan of another envelope go to the tables first.
            self.fold();
            self.pending.kinds[k] = Some(KindCounts::new(Plan::new(envelope)));
        }
        let TrafficProfile {
            cap,
            enumerations,
            open_values,
            unknown_members,
            forms,
            pending,
            ..
        } = self;
        let cap = *cap;
        pending.touch();
        let scratch = &mut pending.scratch;
        let Some(counts) = pending.kinds[k].as_mut() else {
            return;
        };
        add(&mut counts.walked, 1);
        for (i, step) in counts.plan.steps.iter().enumerate() {
            let offset = record
                .offsets
                .get(step.index)
                .copied()
                .unwrap_or(usize::MAX);
            if offset == usize::MAX {
                continue;
            }
            let Some(types) = counts.types.get_mut(i) else {
                continue;
            };
            if step.type_only {
                if let Some(n) = Token::type_at(text, offset).and_then(|t| types.get_mut(t)) {
                    add(n, 1);
                }
                continue;
            }
            let Some(token) = Token::at(text, offset) else {
                continue;
            };
            if let Some(n) = types.get_mut(token.type_index()) {
                add(n, 1);
            }
            if let Some(e) = &step.enumeration {
                let documented = counts.documented.get_mut(i);
                let found = e.find(&token, scratch);
                match found.and_then(|j| documented.and_then(|d| d.get_mut(j))) {
                    Some(n) => add(n, 1),
                    None => {
                        let key = token.key_in(scratch);
                        let table = &mut slot(enumerations, &step.pointer).undocumented;
                        seen(table, key, cap, origin);
                    }
                }
            }
            if step.open
                && let Some(open) = counts.open.get_mut(i)
            {
                let key = token.key_in(scratch);
                match open.get_mut(key) {
                    Some(n) => add(n, 1),
                    None => {
                        if open.len() >= OPEN_PENDING {
                            open_into(open, slot(open_values, &step.pointer), cap);
                        }
                        open.insert(key.to_owned(), 1);
                    }
                }
            }
            form(forms, step, &token);
        }
        if let Some(unknown) = record.unknown.as_ref().filter(|u| !u.is_empty()) {
            let table = slot(unknown_members, envelope.kind.as_str());
            // A repeated key is one member, its last value the one that counts.
            let mut once = hashbrown::HashSet::with_capacity(unknown.len());
            for (pointer, offset) in unknown.iter().rev() {
                if !once.insert(pointer.as_str()) {
                    continue;
                }
                let json_type = Token::at(text, *offset).map_or("null", |t| t.json_type());
                match table.get_mut(pointer) {
                    Some(m) => {
                        add(&mut m.count, 1);
                        if *origin < m.first {
                            m.first = origin.clone();
                        }
                        add(slot(&mut m.types, json_type), 1);
                    }
                    None => {
                        let tally = UnknownMember {
                            count: 1,
                            first: origin.clone(),
                            types: BTreeMap::from([(json_type.to_owned(), 1)]),
                        };
                        table.add(pointer, cap, tally);
                    }
                }
            }
        }
    }
}

/// Counts one occurrence of `key` from `origin`, made only when the key is new.
fn seen(table: &mut Table<Seen>, key: &str, cap: usize, origin: &Origin) {
    match table.get_mut(key) {
        Some(s) => {
            add(&mut s.count, 1);
            if *origin < s.first {
                s.first = origin.clone();
            }
        }
        None => {
            let first = origin.clone();
            table.add(key, cap, Seen { count: 1, first });
        }
    }
}

/// Counts how the value of a member was written, as its pattern and type say.
fn form(forms: &mut Forms, step: &Step, token: &Token<'_>) {
    match (step.pattern, token) {
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
            if !has_exponent(n) {
                add(forms.price.decimal_places.entry(places(n)).or_default(), 1);
            }
        }
        (_, Token::Number(n)) if step.integer => {
            let f = &mut forms.integers;
            if has_exponent(n) {
                add(&mut f.exponent, 1);
            } else if n.as_bytes().contains(&b'.') {
                add(&mut f.fraction, 1);
            } else {
                add(&mut f.plain, 1);
            }
        }
        _ => {}
    }
}

/// The value under `key`, made (with its key) only when missing: most lookups find it.
pub(super) fn slot<'m, V: Default>(map: &'m mut BTreeMap<String, V>, key: &str) -> &'m mut V {
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

/// Whether a number is written with an exponent.
fn has_exponent(n: &str) -> bool {
    n.bytes().any(|b| matches!(b, b'e' | b'E'))
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
