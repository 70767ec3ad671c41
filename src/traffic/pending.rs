//! The counts fed since the last fold: dense arrays by member and by rule, which feeding a
//! payload adds to without looking up a key, folded into a profile's tables only when the
//! profile is read, merged, compared or saved.
//!
//! # Design
//!
//! Feeding a profile walks every member of every payload; looking each one up in a map keyed
//! by its pointer cost twice the validation itself. The hot counts (a member's JSON types, an
//! enumeration's documented values, a kind's verdicts, a rule's findings) are kept here by
//! index instead, along the [`Plan`] of the envelope they come from. The rest (open values,
//! undocumented values, unknown members, forms) is rarer or already cheap, and goes to the
//! tables directly.
//!
//! A reader through `&self` gets a folded copy, made once and kept until the next payload
//! ([`Pending::view`]); a writer through `&mut self` folds in place first
//! ([`TrafficProfile::settle`]); feeding adds to both, once it has taken back a folded copy
//! ([`TrafficProfile::unview`]).

use std::sync::OnceLock;

use super::feed::slot;
use super::plan::Plan;
use super::table::Table;
use super::token::{NULL, TYPES};
use super::{Origin, RuleStats, TrafficProfile, add};
use crate::engine::Note;
use crate::rules::RULES;
use crate::schema::Kind;

/// What a profile holds besides its tables: see the [module](self).
#[derive(Debug, Clone, Default)]
pub(crate) struct Pending {
    /// Whether anything below is not yet in the tables.
    dirty: bool,
    /// Verdicts (conforming, failing) by kind: request, response, unknown.
    pub(super) verdicts: [[u64; 2]; 3],
    /// Findings by rule, by [`crate::Rule`] as an index.
    rules: Vec<RuleCounts>,
    /// A number for each payload judged, to count a rule's payloads once each.
    payload: u64,
    /// Members by kind: request, response.
    pub(super) kinds: [Option<KindCounts>; 2],
    /// Room to write a value's key in, reused from payload to payload.
    pub(super) scratch: String,
    /// Room for a walk's notes ([`Record::notes`](crate::engine::Record::notes)), lent to each
    /// walk and given back.
    notes: Vec<Note>,
    /// The tables with everything above folded in, made for a reader through `&self`; taken
    /// back by the next writer.
    view: OnceLock<Box<TrafficProfile>>,
}

/// One rule's findings since the last fold.
#[derive(Debug, Clone, Default)]
struct RuleCounts {
    count: u64,
    payloads: u64,
    /// The smallest origin; `None` while nothing is counted.
    first: Option<Origin>,
    /// The last payload counted.
    payload: u64,
}

/// The members of one kind since the last fold, by their place in the plan.
#[derive(Debug, Clone)]
pub(super) struct KindCounts {
    pub(super) plan: Plan,
    /// The payloads walked.
    pub(super) walked: u64,
    /// Each member's absences, then its values by JSON type in the order of [`TYPES`]: a slot
    /// for each [`Note::slot`](crate::engine::Note::slot) the walk can note, so that counting one is a single addition.
    pub(super) types: Vec<[u64; 8]>,
    /// Each enumeration's documented values, in the order of its keys; empty for the others.
    pub(super) documented: Vec<Vec<u64>>,
    /// Each open member's values by key, at most [`OPEN_PENDING`] before they go to its table;
    /// empty for the others.
    pub(super) open: Vec<hashbrown::HashMap<String, u64>>,
}

/// The most keys of an open member counted here before they go to its table: enough for the
/// few values real traffic repeats, few enough that a hostile capture stays bounded.
pub(super) const OPEN_PENDING: usize = 64;

/// Adds the counts of `open` to `table`, and empties it.
pub(super) fn open_into(
    open: &mut hashbrown::HashMap<String, u64>,
    table: &mut Table<u64>,
    cap: usize,
) {
    for (key, n) in open.drain() {
        table.add(&key, cap, n);
    }
}

impl KindCounts {
    pub(super) fn new(plan: Plan) -> KindCounts {
        let documented = plan
            .steps
            .iter()
            .map(|s| {
                s.enumeration
                    .as_ref()
                    .map_or(Vec::new(), |e| vec![0; e.keys.len()])
            })
            .collect();
        KindCounts {
            open: vec![hashbrown::HashMap::new(); plan.steps.len()],
            walked: 0,
            types: vec![[0; 8]; plan.steps.len()],
            documented,
            plan,
        }
    }
}

/// The index of a kind in [`Pending::kinds`].
pub(super) fn kind_index(kind: Kind) -> usize {
    match kind {
        Kind::Request => 0,
        Kind::Response => 1,
    }
}

/// The names of the kinds of [`Pending::verdicts`].
const VERDICT_KINDS: [&str; 3] = ["request", "response", "unknown"];

impl Pending {
    /// Marks something as not yet in the tables.
    pub(super) fn touch(&mut self) {
        self.dirty = true;
    }

    /// Counts the findings of one payload from `origin`, by rule index.
    pub(super) fn findings(&mut self, rules: impl Iterator<Item = usize>, origin: &Origin) {
        self.payload = self.payload.wrapping_add(1);
        for i in rules {
            if self.rules.len() <= i {
                self.rules
                    .resize_with(RULES.len().max(i + 1), RuleCounts::default);
            }
            let Some(r) = self.rules.get_mut(i) else {
                continue;
            };
            add(&mut r.count, 1);
            if r.payload != self.payload || r.first.is_none() {
                r.payload = self.payload;
                add(&mut r.payloads, 1);
                if r.first.as_ref().is_none_or(|f| origin < f) {
                    r.first = Some(origin.clone());
                }
            }
        }
    }

    /// The folded copy of `profile`, whose pending counts these are.
    pub(super) fn view<'p>(&'p self, profile: &'p TrafficProfile) -> &'p TrafficProfile {
        if !self.dirty {
            return profile;
        }
        self.view.get_or_init(|| {
            let mut copy = profile.clone();
            copy.pending.view = OnceLock::new();
            copy.fold();
            Box::new(copy)
        })
    }
}

impl TrafficProfile {
    /// The room for a walk's notes, to lend to the next walk.
    pub(crate) fn take_notes(&mut self) -> Vec<Note> {
        std::mem::take(&mut self.pending.notes)
    }

    /// Gives back the room [`take_notes`](Self::take_notes) lent.
    pub(crate) fn give_notes(&mut self, notes: Vec<Note>) {
        self.pending.notes = notes;
    }

    /// Takes back the folded copy a reader made, if any, before a payload is fed: the copy has
    /// the tables and the pending counts together, and nothing pending.
    pub(super) fn unview(&mut self) {
        if let Some(folded) = self.pending.view.take() {
            *self = *folded;
        }
    }

    /// Puts every pending count in the tables, before they change otherwise than by feeding.
    pub(super) fn settle(&mut self) {
        self.unview();
        self.fold();
    }

    /// Adds the pending counts to the tables, and zeroes them.
    pub(super) fn fold(&mut self) {
        let p = &mut self.pending;
        if !p.dirty {
            return;
        }
        p.dirty = false;
        for (kind, v) in VERDICT_KINDS.iter().zip(p.verdicts.iter_mut()) {
            if *v != [0, 0] {
                let mine = slot(&mut self.totals.payloads, kind);
                add(&mut mine.conforming, v[0]);
                add(&mut mine.failing, v[1]);
                *v = [0, 0];
            }
        }
        for (info, r) in RULES.iter().zip(p.rules.iter_mut()) {
            let Some(first) = r.first.take() else {
                continue;
            };
            let (count, payloads) = (
                std::mem::take(&mut r.count),
                std::mem::take(&mut r.payloads),
            );
            match self.rules.get_mut(info.id) {
                Some(mine) => {
                    add(&mut mine.count, count);
                    add(&mut mine.payloads, payloads);
                    if first < mine.first {
                        mine.first = first;
                    }
                }
                None => {
                    let stats = RuleStats {
                        count,
                        payloads,
                        first,
                    };
                    self.rules.insert(info.id.to_owned(), stats);
                }
            }
        }
        for c in p.kinds.iter_mut().flatten() {
            let walked = std::mem::take(&mut c.walked);
            if walked == 0 {
                continue;
            }
            for (step, open) in c.plan.steps.iter().zip(&mut c.open) {
                if !open.is_empty() {
                    open_into(open, slot(&mut self.open_values, &step.pointer), self.cap);
                }
            }
            let members = slot(&mut self.members, c.plan.kind().as_str());
            let steps = c.plan.steps.iter();
            for ((step, types), documented) in steps.zip(&mut c.types).zip(&mut c.documented) {
                let stats = slot(members, &step.pointer);
                let held = types[1..].iter().fold(0, |a: u64, n| a.saturating_add(*n));
                let null = types[1 + NULL];
                add(&mut stats.present, held.saturating_sub(null));
                add(&mut stats.null, null);
                add(&mut stats.absent, std::mem::take(&mut types[0]));
                for (name, n) in TYPES.iter().zip(types[1..].iter_mut()) {
                    if *n > 0 {
                        add(slot(&mut stats.types, name), *n);
                        *n = 0;
                    }
                }
                if let Some(e) = &step.enumeration {
                    let mine = slot(&mut self.enumerations, &step.pointer);
                    for (key, n) in e.keys.iter().zip(documented.iter_mut()) {
                        add(slot(&mut mine.documented, key), *n);
                        *n = 0;
                    }
                }
            }
        }
    }
}
