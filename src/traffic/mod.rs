//! What real traffic carries: a [`TrafficProfile`] gathered while validating, payload by
//! payload, from the same walk that judges each one, and merged across files, threads or
//! machines.
//!
//! # Examples
//!
//! ```
//! use cloudstorage_contract::traffic::{Origin, TrafficProfile};
//! use cloudstorage_contract::{Options, Validator};
//!
//! let validator = Validator::new(Options::default())?;
//! let mut profile = TrafficProfile::new();
//! let body = std::fs::read("examples/page/response-success.json").unwrap();
//! let report = validator.validate_profiled(&body, None, &Origin::file("page.json"), &mut profile);
//! assert!(report.conforms());
//! // The page's own example writes `10:00:0`, in both its local times.
//! assert_eq!(profile.forms().local_time.single_digit_seconds, 2);
//! assert_eq!(profile.enumerations()["/data/status"].documented["0"], 1);
//!
//! // Saved as JSON, read back, merged.
//! let json = serde_json::to_string(&profile).unwrap();
//! let mut total: TrafficProfile = serde_json::from_str(&json).unwrap();
//! total.merge(profile);
//! assert_eq!(total.totals().payloads["response"].conforming, 2);
//! # Ok::<(), cloudstorage_contract::Error>(())
//! ```
//!
//! # Design
//!
//! - **One pass.** The walk records where each documented member's value starts and, when a
//!   profile asks, where each unknown member's does; the profile reads back only the tokens it
//!   looks into (enumerations, open values, times, prices, integers). Rules and verdicts come
//!   from the walk's report.
//! - **Order-free.** Counts add, and a first occurrence is the smallest [`Origin`], so a
//!   profile does not depend on the order payloads were read in, nor on how they were split.
//!   [`merge`](TrafficProfile::merge) is associative and commutative.
//! - **Bounded.** Documented members and enumerations are as many as the contract has. Every
//!   open table (undocumented values, open values, unknown members) is a [`Table`] of at most
//!   [`cap`](TrafficProfile::cap) keys; see [`Table`] for what is kept above it.

mod capture;
mod drift;
mod feed;
mod origin;
mod pending;
mod plan;
#[cfg(feature = "report")]
mod render;
mod table;
mod token;

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use capture::{Day, Exchanges, utc_day};
pub use drift::{Change, ChangeKind, Drift, Thresholds};
pub use origin::Origin;
#[cfg(feature = "report")]
pub use render::{html, human, markdown};
pub use table::Table;

use pending::Pending;
use table::Tally;

/// The version of the JSON form of a [`TrafficProfile`]; another version is refused.
pub const FORMAT_VERSION: u32 = 1;

/// The version of the contract a profile describes (`request.apiVer`).
pub const CONTRACT_VERSION: &str = crate::semantic::API_VERSION;

/// The default cap of each open table: distinct keys kept before the rest are folded.
pub const DEFAULT_CAP: usize = 1024;

/// What a body of traffic carries and how it covers the contract: see the [module](self).
///
/// Its JSON form (serde) carries `"version"`, the format's version ([`FORMAT_VERSION`]), and
/// `"contract"`, the contract's ([`CONTRACT_VERSION`]); reading another version of either is
/// an error. A `"drift"` member, which the command line adds beside a profile compared with a
/// baseline, is left aside when reading.
#[derive(Clone)]
pub struct TrafficProfile {
    cap: usize,
    totals: Totals,
    rules: BTreeMap<String, RuleStats>,
    members: BTreeMap<String, BTreeMap<String, MemberStats>>,
    enumerations: BTreeMap<String, Enumeration>,
    open_values: BTreeMap<String, Table<u64>>,
    unknown_members: BTreeMap<String, Table<UnknownMember>>,
    forms: Forms,
    exchanges: Exchanges,
    days: Table<Day>,
    /// The counts fed and not yet in the tables above: every reader goes through
    /// [`TrafficProfile::view`], a writer takes back the folded copy a reader made first.
    pending: Pending,
}

/// Payloads, by kind and verdict, and the findings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Totals {
    /// Payloads by kind: `request`, `response`, or `unknown` (not JSON, not an object, or of
    /// no kind).
    pub payloads: BTreeMap<String, Verdicts>,
    /// Errors, over every payload.
    pub errors: u64,
    /// Warnings, over every payload.
    pub warnings: u64,
    /// Inputs the reader skipped: HAR entries that are not `order/get` calls.
    #[serde(default)]
    pub skipped: u64,
}

/// Payloads by verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Verdicts {
    /// Payloads with no error.
    pub conforming: u64,
    /// Payloads with an error.
    pub failing: u64,
}

/// One rule's findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RuleStats {
    /// Its findings, as listed in the reports.
    pub count: u64,
    /// The payloads with at least one.
    pub payloads: u64,
    /// The smallest origin of a payload with one.
    pub first: Origin,
}

/// One documented member: how often it was present, null or absent, and the JSON types seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MemberStats {
    /// Payloads of its kind where it held a value other than `null`.
    pub present: u64,
    /// Payloads of its kind where it was `null`.
    pub null: u64,
    /// Payloads of its kind where it was absent (its object absent or of another type too).
    pub absent: u64,
    /// The JSON types of its values, as JSON Schema names them (`integer` for a number with
    /// no fractional part), with `null`.
    pub types: BTreeMap<String, u64>,
}

/// A value or member seen: how often, and its smallest origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Seen {
    /// Occurrences.
    pub count: u64,
    /// The smallest origin of a payload with it.
    pub first: Origin,
}

impl Tally for Seen {
    fn count(&self) -> u64 {
        self.count
    }
    fn absorb(&mut self, other: Seen) {
        self.count = self.count.saturating_add(other.count);
        if other.first < self.first {
            self.first = other.first;
        }
    }
}

/// A documented enumeration, keyed by values' JSON text (`0`, `"1.0.6"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Enumeration {
    /// Each documented value with its count, 0 for one never seen.
    pub documented: BTreeMap<String, u64>,
    /// The undocumented values seen.
    pub undocumented: Table<Seen>,
}

impl Enumeration {
    /// The documented values never seen.
    pub fn never_seen(&self) -> impl Iterator<Item = &str> {
        self.documented
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(v, _)| v.as_str())
    }
}

/// A member the contract does not document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UnknownMember {
    /// Occurrences.
    pub count: u64,
    /// The smallest origin of a payload with it.
    pub first: Origin,
    /// The JSON types of its values.
    pub types: BTreeMap<String, u64>,
}

impl Tally for UnknownMember {
    fn count(&self) -> u64 {
        self.count
    }
    fn absorb(&mut self, other: UnknownMember) {
        self.count = self.count.saturating_add(other.count);
        if other.first < self.first {
            self.first = other.first;
        }
        add_counts(&mut self.types, other.types);
    }
}

/// How values were written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Forms {
    /// The local times (`startTime`, `endTime`).
    pub local_time: LocalTimeForms,
    /// The UTC times (`startTimeUTC`, `endTimeUTC`).
    pub utc_time: UtcTimeForms,
    /// The prices.
    pub price: PriceForms,
    /// The numbers of integer members.
    pub integers: IntegerForms,
}

/// How local times were written (strings only; other types are in the member's type mix).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LocalTimeForms {
    /// `2020-08-25 10:00:00`.
    pub canonical: u64,
    /// `2020-08-25 10:00:0`, the page's own form, tolerated.
    pub single_digit_seconds: u64,
    /// Anything else: malformed.
    pub other: u64,
}

/// How UTC times were written (strings only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UtcTimeForms {
    /// With `Z`, as documented.
    pub z: u64,
    /// With a numeric offset (`+08:00`), which the contract refuses.
    pub offset: u64,
    /// Anything else.
    pub other: u64,
}

/// How prices were written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PriceForms {
    /// As a string, as documented.
    pub string: u64,
    /// As a JSON number.
    pub number: u64,
    /// Decimal places of the prices written as a decimal amount (string or number).
    pub decimal_places: BTreeMap<u32, u64>,
}

/// How the numbers of integer members were written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IntegerForms {
    /// Digits alone.
    pub plain: u64,
    /// With a fraction (`1.0`, `1.5`), and no exponent.
    pub fraction: u64,
    /// With an exponent (`1e2`).
    pub exponent: u64,
}

impl Default for TrafficProfile {
    fn default() -> Self {
        TrafficProfile::new()
    }
}

impl TrafficProfile {
    /// An empty profile, its open tables capped at [`DEFAULT_CAP`].
    pub fn new() -> TrafficProfile {
        TrafficProfile::with_cap(DEFAULT_CAP)
    }

    /// An empty profile whose open tables keep at most `cap` keys each.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::traffic::TrafficProfile;
    ///
    /// assert_eq!(TrafficProfile::with_cap(8).cap(), 8);
    /// ```
    pub fn with_cap(cap: usize) -> TrafficProfile {
        TrafficProfile {
            cap,
            totals: Totals::default(),
            rules: BTreeMap::new(),
            members: BTreeMap::new(),
            enumerations: BTreeMap::new(),
            open_values: BTreeMap::new(),
            unknown_members: BTreeMap::new(),
            forms: Forms::default(),
            exchanges: Exchanges::default(),
            days: Table::default(),
            pending: Pending::default(),
        }
    }

    /// The most keys each open table keeps.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Payloads by kind and verdict, errors and warnings.
    pub fn totals(&self) -> &Totals {
        &self.view().totals
    }

    /// Each rule that had a finding, by id.
    pub fn rules(&self) -> &BTreeMap<String, RuleStats> {
        &self.view().rules
    }

    /// The documented members, by kind (`request`, `response`) then JSON Pointer.
    pub fn members(&self) -> &BTreeMap<String, BTreeMap<String, MemberStats>> {
        &self.view().members
    }

    /// The documented enumerations, by JSON Pointer: `/code`, `/data/status`,
    /// `/data/paymentStatus`, `/data/orderType`, `/data/recordType`, `/request/apiVer`.
    pub fn enumerations(&self) -> &BTreeMap<String, Enumeration> {
        &self.view().enumerations
    }

    /// The open values, by JSON Pointer (`/data/commodityCode`, `/data/specification`,
    /// `/request/language`), each value by its JSON text with its count.
    pub fn open_values(&self) -> &BTreeMap<String, Table<u64>> {
        &self.view().open_values
    }

    /// The members the contract does not document, by kind then JSON Pointer.
    pub fn unknown_members(&self) -> &BTreeMap<String, Table<UnknownMember>> {
        &self.view().unknown_members
    }

    /// How values were written.
    pub fn forms(&self) -> &Forms {
        &self.view().forms
    }

    /// The calls read as request/response pairs (HAR input).
    pub fn exchanges(&self) -> &Exchanges {
        &self.exchanges
    }

    /// The payloads and findings of each UTC day, where the input carries a capture time (a
    /// HAR entry's `startedDateTime`), by day (`2020-08-25`); the earliest days are kept.
    pub fn days(&self) -> &Table<Day> {
        &self.days
    }

    /// Adds `other`: counts add, first occurrences take the smaller origin, and each open
    /// table keeps the smallest keys up to the smaller of the two caps. Associative and
    /// commutative.
    pub fn merge(&mut self, mut other: TrafficProfile) {
        self.settle();
        other.settle();
        let cap = self.cap.min(other.cap);
        self.cap = cap;
        let t = other.totals;
        for (kind, v) in t.payloads {
            let mine = self.totals.payloads.entry(kind).or_default();
            mine.conforming = mine.conforming.saturating_add(v.conforming);
            mine.failing = mine.failing.saturating_add(v.failing);
        }
        self.totals.errors = self.totals.errors.saturating_add(t.errors);
        self.totals.warnings = self.totals.warnings.saturating_add(t.warnings);
        add(&mut self.totals.skipped, t.skipped);
        self.exchanges.merge(other.exchanges);
        self.days.merge(other.days, cap);
        for (id, r) in other.rules {
            match self.rules.get_mut(&id) {
                None => {
                    self.rules.insert(id, r);
                }
                Some(mine) => {
                    mine.count = mine.count.saturating_add(r.count);
                    mine.payloads = mine.payloads.saturating_add(r.payloads);
                    if r.first < mine.first {
                        mine.first = r.first;
                    }
                }
            }
        }
        for (kind, members) in other.members {
            let mine = self.members.entry(kind).or_default();
            for (pointer, m) in members {
                let s = mine.entry(pointer).or_default();
                s.present = s.present.saturating_add(m.present);
                s.null = s.null.saturating_add(m.null);
                s.absent = s.absent.saturating_add(m.absent);
                add_counts(&mut s.types, m.types);
            }
        }
        for (pointer, e) in other.enumerations {
            let mine = self.enumerations.entry(pointer).or_default();
            add_counts(&mut mine.documented, e.documented);
            mine.undocumented.merge(e.undocumented, cap);
        }
        for (pointer, table) in other.open_values {
            self.open_values
                .entry(pointer)
                .or_default()
                .merge(table, cap);
        }
        for (kind, table) in other.unknown_members {
            self.unknown_members
                .entry(kind)
                .or_default()
                .merge(table, cap);
        }
        let (f, o) = (&mut self.forms, other.forms);
        add(&mut f.local_time.canonical, o.local_time.canonical);
        add(
            &mut f.local_time.single_digit_seconds,
            o.local_time.single_digit_seconds,
        );
        add(&mut f.local_time.other, o.local_time.other);
        add(&mut f.utc_time.z, o.utc_time.z);
        add(&mut f.utc_time.offset, o.utc_time.offset);
        add(&mut f.utc_time.other, o.utc_time.other);
        add(&mut f.price.string, o.price.string);
        add(&mut f.price.number, o.price.number);
        add_counts(&mut f.price.decimal_places, o.price.decimal_places);
        add(&mut f.integers.plain, o.integers.plain);
        add(&mut f.integers.fraction, o.integers.fraction);
        add(&mut f.integers.exponent, o.integers.exponent);
        // A smaller cap from `other` applies to the tables `other` did not have.
        for e in self.enumerations.values_mut() {
            e.undocumented.shrink(cap);
        }
        for t in self.open_values.values_mut() {
            t.shrink(cap);
        }
        for t in self.unknown_members.values_mut() {
            t.shrink(cap);
        }
        self.days.shrink(cap);
    }

    /// The occurrences folded in every open table: 0 while no table reached the cap.
    pub fn folded(&self) -> u64 {
        let v = self.view();
        let enums = v.enumerations.values().map(|e| e.undocumented.folded());
        let open = v.open_values.values().map(Table::folded);
        let unknown = v.unknown_members.values().map(Table::folded);
        enums
            .chain(open)
            .chain(unknown)
            .chain([self.days.folded()])
            .fold(0, u64::saturating_add)
    }
}

impl TrafficProfile {
    /// The profile with its pending counts folded in: itself when none is pending.
    fn view(&self) -> &TrafficProfile {
        self.pending.view(self)
    }
}

// By hand, over the folded tables: two profiles fed the same payloads are equal however their
// counts are split between the tables and the pending counts. Every field is named, so that a
// new one cannot be left out unnoticed.
impl PartialEq for TrafficProfile {
    fn eq(&self, other: &TrafficProfile) -> bool {
        let TrafficProfile {
            cap,
            totals,
            rules,
            members,
            enumerations,
            open_values,
            unknown_members,
            forms,
            exchanges,
            days,
            pending: _,
        } = self.view();
        let o = other.view();
        *cap == o.cap
            && *totals == o.totals
            && *rules == o.rules
            && *members == o.members
            && *enumerations == o.enumerations
            && *open_values == o.open_values
            && *unknown_members == o.unknown_members
            && *forms == o.forms
            && *exchanges == o.exchanges
            && *days == o.days
    }
}

impl Eq for TrafficProfile {}

impl std::fmt::Debug for TrafficProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let TrafficProfile {
            cap,
            totals,
            rules,
            members,
            enumerations,
            open_values,
            unknown_members,
            forms,
            exchanges,
            days,
            pending: _,
        } = self.view();
        f.debug_struct("TrafficProfile")
            .field("cap", cap)
            .field("totals", totals)
            .field("rules", rules)
            .field("members", members)
            .field("enumerations", enumerations)
            .field("open_values", open_values)
            .field("unknown_members", unknown_members)
            .field("forms", forms)
            .field("exchanges", exchanges)
            .field("days", days)
            .finish()
    }
}

fn add(to: &mut u64, n: u64) {
    *to = to.saturating_add(n);
}

fn add_counts<K: Ord>(to: &mut BTreeMap<K, u64>, from: BTreeMap<K, u64>) {
    for (k, n) in from {
        add(to.entry(k).or_default(), n);
    }
}

/// The JSON form: the format's version, the contract's, then the profile.
#[derive(Serialize)]
struct Out<'a> {
    version: u32,
    contract: &'a str,
    cap: usize,
    totals: &'a Totals,
    rules: &'a BTreeMap<String, RuleStats>,
    members: &'a BTreeMap<String, BTreeMap<String, MemberStats>>,
    enumerations: &'a BTreeMap<String, Enumeration>,
    open_values: &'a BTreeMap<String, Table<u64>>,
    unknown_members: &'a BTreeMap<String, Table<UnknownMember>>,
    forms: &'a Forms,
    exchanges: &'a Exchanges,
    days: &'a Table<Day>,
}

/// A saved profile, read as far as its versions.
#[derive(Deserialize)]
struct Saved {
    version: Option<serde_json::Value>,
    contract: Option<serde_json::Value>,
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}

/// The rest of a saved profile, of the right versions.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct In {
    cap: usize,
    totals: Totals,
    rules: BTreeMap<String, RuleStats>,
    members: BTreeMap<String, BTreeMap<String, MemberStats>>,
    enumerations: BTreeMap<String, Enumeration>,
    open_values: BTreeMap<String, Table<u64>>,
    unknown_members: BTreeMap<String, Table<UnknownMember>>,
    forms: Forms,
    #[serde(default)]
    exchanges: Exchanges,
    #[serde(default)]
    days: Table<Day>,
}

impl Serialize for TrafficProfile {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.view();
        Out {
            version: FORMAT_VERSION,
            contract: CONTRACT_VERSION,
            cap: v.cap,
            totals: &v.totals,
            rules: &v.rules,
            members: &v.members,
            enumerations: &v.enumerations,
            open_values: &v.open_values,
            unknown_members: &v.unknown_members,
            forms: &v.forms,
            exchanges: &v.exchanges,
            days: &v.days,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for TrafficProfile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let saved = Saved::deserialize(d)?;
        let shown = |v: &Option<serde_json::Value>| match v {
            None => "none".to_owned(),
            Some(v) => v.to_string(),
        };
        if saved.version != Some(serde_json::Value::from(FORMAT_VERSION)) {
            return Err(D::Error::custom(format!(
                "a traffic profile of format version {}, expected {FORMAT_VERSION}",
                shown(&saved.version)
            )));
        }
        if saved.contract != Some(serde_json::Value::from(CONTRACT_VERSION)) {
            return Err(D::Error::custom(format!(
                "a traffic profile of contract version {}, expected \"{CONTRACT_VERSION}\"",
                shown(&saved.contract)
            )));
        }
        let mut rest = saved.rest;
        // The drift the command line prints beside a profile is no part of it.
        rest.remove("drift");
        let i: In =
            serde_json::from_value(serde_json::Value::Object(rest)).map_err(D::Error::custom)?;
        let mut profile = TrafficProfile {
            cap: i.cap,
            totals: i.totals,
            rules: i.rules,
            members: i.members,
            enumerations: i.enumerations,
            open_values: i.open_values,
            unknown_members: i.unknown_members,
            forms: i.forms,
            exchanges: i.exchanges,
            days: i.days,
            pending: Pending::default(),
        };
        // A hand-edited profile may hold more than its cap.
        profile.merge(TrafficProfile::with_cap(profile.cap));
        Ok(profile)
    }
}
