//! Feeding a profile: from the walk's record of one payload (its members, values and forms),
//! and from its report (verdict, findings).

use std::collections::BTreeMap;

use super::pending::{KindCounts, OPEN_PENDING, kind_index, open_into};
use super::plan::{Plan, Step};
use super::table::Table;
use std::borrow::Cow;

use super::token::{ARRAY, INTEGER, NUMBER, OBJECT, STRING, Token};
use super::{Forms, Origin, Seen, TrafficProfile, UnknownMember, add};
use crate::contract::{Envelope, Pattern};
use crate::diagnostic::Report;
use crate::engine::{Note, Record};
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
        // Every member's type, absent included, as the walk noted it: one addition each. A
        // count of payloads cannot reach `u64::MAX`.
        for (types, note) in counts.types.iter_mut().zip(&record.notes) {
            let n = &mut types[note.slot()];
            *n = n.wrapping_add(1);
        }
        for &i in &counts.plan.special {
            let Some(step) = counts.plan.steps.get(i) else {
                continue;
            };
            let offset = record
                .offsets
                .get(step.index)
                .copied()
                .unwrap_or(usize::MAX);
            let Some(note) = record.notes.get(step.index) else {
                continue;
            };
            if offset == usize::MAX {
                continue;
            }
            let value = Noted { text, offset, note };
            if let Some(e) = &step.enumeration {
                let documented = counts.documented.get_mut(i);
                let found = e.chosen(note.choice()).or_else(|| {
                    let token = Token::noted(text, offset, note)?;
                    e.find(&token, scratch)
                });
                match found.and_then(|j| documented.and_then(|d| d.get_mut(j))) {
                    Some(n) => add(n, 1),
                    None => {
                        if let Some(key) = value.key(scratch) {
                            let table = &mut slot(enumerations, &step.pointer).undocumented;
                            seen(table, key, cap, origin);
                        }
                    }
                }
            }
            if step.open
                && let Some(open) = counts.open.get_mut(i)
                && let Some(key) = value.key(scratch)
            {
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
            form(forms, step, &value);
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

/// A member's value as the walk noted it: where it is, and what the walk learnt. Its text is
/// read only where the notes do not say enough.
struct Noted<'a> {
    text: &'a str,
    offset: usize,
    note: &'a Note,
}

impl<'a> Noted<'a> {
    /// The value's JSON text.
    fn raw(&self) -> Option<&'a str> {
        self.text.get(self.offset..self.note.end())
    }

    /// The value as a key of a profile's value tables ([`Token::key_in`]): its own JSON text
    /// when that is the key, as for every scalar but a string with escapes.
    fn key<'s>(&'s self, scratch: &'s mut String) -> Option<&'s str>
    where
        'a: 's,
    {
        match self.note.json_type() {
            Some(ARRAY) => Some("[…]"),
            Some(OBJECT) => Some("{…}"),
            Some(STRING) if self.note.escaped() => {
                let token = Token::noted(self.text, self.offset, self.note)?;
                token.key_in(scratch);
                Some(scratch)
            }
            _ => self.raw(),
        }
    }

    /// A number's text.
    fn number(&self) -> Option<&'a str> {
        let number = matches!(self.note.json_type(), Some(INTEGER | NUMBER));
        number.then(|| self.raw()).flatten()
    }

    /// A string's length in bytes, decoded.
    fn string_len(&self) -> Option<usize> {
        if self.note.json_type() != Some(STRING) {
            return None;
        }
        if self.note.escaped() {
            return self.string().map(|s| s.len());
        }
        self.note.end().checked_sub(self.offset)?.checked_sub(2)
    }

    /// A string's text, decoded.
    fn string(&self) -> Option<Cow<'a, str>> {
        if self.note.json_type() != Some(STRING) {
            return None;
        }
        if self.note.escaped() {
            return match Token::noted(self.text, self.offset, self.note)? {
                Token::String(s) => Some(s),
                _ => None,
            };
        }
        let raw = self.raw()?;
        raw.get(1..raw.len().checked_sub(1)?).map(Cow::Borrowed)
    }
}

/// Counts how the value of a member was written, as its pattern and type, and what the walk
/// noted (whether a string matched the member's pattern), say.
fn form(forms: &mut Forms, step: &Step, value: &Noted<'_>) {
    let matched = value.note.matched();
    match step.pattern {
        Some(Pattern::LocalTime { strict }) => {
            let Some(len) = value.string_len() else {
                return;
            };
            let f = &mut forms.local_time;
            // The tolerant pattern takes two digits of seconds or one; the strict one, two.
            let single = if matched {
                !strict && len != 19
            } else {
                strict
                    && value
                        .string()
                        .is_some_and(|s| (Pattern::LocalTime { strict: false }).matches(&s))
            };
            if matched && !single {
                add(&mut f.canonical, 1);
            } else if single {
                add(&mut f.single_digit_seconds, 1);
            } else {
                add(&mut f.other, 1);
            }
        }
        Some(Pattern::UtcTime) => {
            if value.note.json_type() != Some(STRING) {
                return;
            }
            let f = &mut forms.utc_time;
            if matched {
                add(&mut f.z, 1);
            } else if value.string().is_some_and(|s| has_offset(&s)) {
                add(&mut f.offset, 1);
            } else {
                add(&mut f.other, 1);
            }
        }
        Some(Pattern::Price) => {
            if let Some(n) = value.number() {
                add(&mut forms.price.number, 1);
                if !has_exponent(n) {
                    add(forms.price.decimal_places.entry(places(n)).or_default(), 1);
                }
            } else if let Some(s) = value.string() {
                add(&mut forms.price.string, 1);
                if matched {
                    add(forms.price.decimal_places.entry(places(&s)).or_default(), 1);
                }
            }
        }
        None if step.integer && value.note.plain() => add(&mut forms.integers.plain, 1),
        None => {
            if let Some(n) = value.number().filter(|_| step.integer) {
                let f = &mut forms.integers;
                if has_exponent(n) {
                    add(&mut f.exponent, 1);
                } else if n.as_bytes().contains(&b'.') {
                    add(&mut f.fraction, 1);
                } else {
                    add(&mut f.plain, 1);
                }
            }
        }
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
    let dot = amount.bytes().position(|b| b == b'.');
    dot.map_or(0, |d| {
        u32::try_from(amount.len() - d - 1).unwrap_or(u32::MAX)
    })
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
