//! A profile (and its drift) as sections of tables and charts: what every format shows, decided
//! in one place. The formats ([`super::human`], [`super::markdown`], [`super::html`]) only lay
//! the sections out and escape their text for where it goes.

use std::collections::BTreeMap;

use crate::traffic::{Drift, Origin, TrafficProfile};

/// The most characters a cell shows of a text from the traffic (a member's pointer, a value);
/// the rest is cut and marked with `…`.
pub(crate) const MAX_TEXT: usize = 96;

/// The most open values shown per member.
const TOP: usize = 10;

/// One section: a title, a sentence saying what it shows, a table, and perhaps a chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Section {
    /// A stable id, for links and HTML anchors (`rules`, `drift`).
    pub(crate) id: &'static str,
    pub(crate) title: &'static str,
    pub(crate) intro: String,
    pub(crate) columns: Vec<Column>,
    pub(crate) rows: Vec<Vec<String>>,
    pub(crate) chart: Option<Chart>,
}

/// A column's header, and whether it holds numbers (right-aligned).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Column {
    pub(crate) name: &'static str,
    pub(crate) numeric: bool,
}

fn text(name: &'static str) -> Column {
    Column {
        name,
        numeric: false,
    }
}

fn number(name: &'static str) -> Column {
    Column {
        name,
        numeric: true,
    }
}

/// Horizontal bars, each split into segments of a few named series.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Chart {
    /// The series, in the order of each bar's segments (`documented, seen`, a JSON type, …).
    pub(crate) series: Vec<String>,
    pub(crate) bars: Vec<Bar>,
}

/// One bar: its label and one count per series.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bar {
    pub(crate) label: String,
    pub(crate) counts: Vec<u64>,
}

/// Cuts a text from the traffic to [`MAX_TEXT`] characters.
pub(crate) fn cut(s: &str) -> String {
    match s.char_indices().nth(MAX_TEXT) {
        None => s.to_owned(),
        Some((at, _)) => format!("{}…", &s[..at]),
    }
}

/// `a.ndjson:3`, `capture.har entries[2]`, `page.json`.
pub(crate) fn origin(o: &Origin) -> String {
    let mut s = cut(&o.file);
    if let Some(line) = o.line {
        s.push_str(&format!(":{line}"));
    }
    if let Some(entry) = o.entry {
        s.push_str(&format!(" entries[{entry}]"));
    }
    s
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".into();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// A type mix, the most frequent first: `string 99, number 1`.
fn types(types: &BTreeMap<String, u64>) -> String {
    let mut all: Vec<(&String, &u64)> = types.iter().filter(|(_, n)| **n > 0).collect();
    all.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let parts: Vec<String> = all.into_iter().map(|(t, n)| format!("{t} {n}")).collect();
    parts.join(", ")
}

/// Every section of `profile`, with `drift` first when given; a section with nothing to show
/// is left out.
pub(crate) fn sections(profile: &TrafficProfile, drift: Option<&Drift>) -> Vec<Section> {
    let mut all = Vec::new();
    if let Some(drift) = drift {
        all.push(drift_section(drift));
    }
    all.push(totals(profile));
    all.extend(rules(profile));
    all.push(enumerations(profile));
    all.push(members(profile));
    all.extend(unknown(profile));
    all.extend(open_values(profile));
    all.push(forms(profile));
    all.extend(days(profile));
    all
}

fn drift_section(drift: &Drift) -> Section {
    let rows: Vec<Vec<String>> = drift
        .changes()
        .iter()
        .map(|c| {
            vec![
                c.kind.id().to_owned(),
                cut(&c.subject),
                c.value.as_deref().map(cut).unwrap_or_default(),
                c.before.clone(),
                c.after.clone(),
                c.first.as_ref().map(origin).unwrap_or_default(),
            ]
        })
        .collect();
    let intro = if rows.is_empty() {
        "Nothing changed since the baseline.".to_owned()
    } else {
        format!("{} changes since the baseline.", rows.len())
    };
    Section {
        id: "drift",
        title: "Drift",
        intro,
        columns: vec![
            text("change"),
            text("where"),
            text("value"),
            text("baseline"),
            text("now"),
            text("first"),
        ],
        rows,
        chart: None,
    }
}

fn totals(profile: &TrafficProfile) -> Section {
    let t = profile.totals();
    let mut rows = Vec::new();
    let mut bars = Vec::new();
    for (kind, v) in &t.payloads {
        let all = v.conforming.saturating_add(v.failing);
        rows.push(vec![
            kind.clone(),
            all.to_string(),
            v.conforming.to_string(),
            v.failing.to_string(),
            percent(v.conforming, all),
        ]);
        bars.push(Bar {
            label: kind.clone(),
            counts: vec![v.conforming, v.failing],
        });
    }
    let e = profile.exchanges();
    let mut intro = format!("{} errors and {} warnings in all.", t.errors, t.warnings);
    if e.calls > 0 {
        intro.push_str(&format!(
            " {} calls read as request/response pairs, {} of them answered for another device or order{}.",
            e.calls,
            e.mismatched,
            e.first_mismatch
                .as_ref()
                .map(|o| format!(" (first: {})", origin(o)))
                .unwrap_or_default()
        ));
    }
    if t.skipped > 0 {
        intro.push_str(&format!(
            " {} HAR entries skipped (not order/get calls).",
            t.skipped
        ));
    }
    let folded = profile.folded();
    if folded > 0 {
        intro.push_str(&format!(
            " {folded} occurrences were folded: each open table keeps its {} smallest keys with exact counts, and counts the rest together.",
            profile.cap()
        ));
    }
    Section {
        id: "payloads",
        title: "Payloads",
        intro,
        columns: vec![
            text("kind"),
            number("payloads"),
            number("conforming"),
            number("failing"),
            number("conforming %"),
        ],
        rows,
        chart: Some(Chart {
            series: vec!["conforming".into(), "failing".into()],
            bars,
        }),
    }
}

fn rules(profile: &TrafficProfile) -> Option<Section> {
    if profile.rules().is_empty() {
        return None;
    }
    let mut all: Vec<_> = profile.rules().iter().collect();
    all.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
    let rows = all
        .iter()
        .map(|(id, r)| {
            vec![
                (*id).clone(),
                r.count.to_string(),
                r.payloads.to_string(),
                origin(&r.first),
            ]
        })
        .collect();
    let bars = all
        .iter()
        .map(|(id, r)| Bar {
            label: (*id).clone(),
            counts: vec![r.count],
        })
        .collect();
    Some(Section {
        id: "rules",
        title: "Rules",
        intro:
            "Findings by rule, the most frequent first; `first` is the smallest origin with one."
                .into(),
        columns: vec![
            text("rule"),
            number("findings"),
            number("payloads"),
            text("first"),
        ],
        rows,
        chart: Some(Chart {
            series: vec!["findings".into()],
            bars,
        }),
    })
}

fn enumerations(profile: &TrafficProfile) -> Section {
    let mut rows = Vec::new();
    let mut bars = Vec::new();
    for (pointer, e) in profile.enumerations() {
        let seen = e.documented.values().filter(|n| **n > 0).count() as u64;
        let never = e.documented.len() as u64 - seen;
        let undocumented = e.undocumented.len() as u64;
        bars.push(Bar {
            label: pointer.clone(),
            counts: vec![seen, never, undocumented],
        });
        for (value, n) in &e.documented {
            let status = if *n > 0 { "documented" } else { "never seen" };
            rows.push(vec![
                pointer.clone(),
                cut(value),
                n.to_string(),
                status.into(),
                String::new(),
            ]);
        }
        for (value, s) in e.undocumented.entries() {
            rows.push(vec![
                pointer.clone(),
                cut(value),
                s.count.to_string(),
                "undocumented".into(),
                origin(&s.first),
            ]);
        }
        if e.undocumented.folded() > 0 {
            rows.push(vec![
                pointer.clone(),
                "(others)".into(),
                e.undocumented.folded().to_string(),
                "undocumented, folded".into(),
                String::new(),
            ]);
        }
    }
    Section {
        id: "enumerations",
        title: "Enumerations",
        intro: "Each documented value with its count, the documented values never seen, and the undocumented values seen.".into(),
        columns: vec![
            text("member"),
            text("value"),
            number("count"),
            text("status"),
            text("first"),
        ],
        rows,
        chart: Some(Chart {
            series: vec![
                "documented, seen".into(),
                "documented, never seen".into(),
                "undocumented".into(),
            ],
            bars,
        }),
    }
}

fn members(profile: &TrafficProfile) -> Section {
    let mut rows = Vec::new();
    let mut bars = Vec::new();
    let mut series: Vec<String> = Vec::new();
    for members in profile.members().values() {
        for m in members.values() {
            for t in m.types.keys() {
                if !series.contains(t) {
                    series.push(t.clone());
                }
            }
        }
    }
    series.sort();
    series.push("absent".into());
    for (kind, members) in profile.members() {
        for (pointer, m) in members {
            rows.push(vec![
                kind.clone(),
                pointer.clone(),
                m.present.to_string(),
                m.null.to_string(),
                m.absent.to_string(),
                types(&m.types),
            ]);
            let counts = series
                .iter()
                .map(|s| match s.as_str() {
                    "absent" => m.absent,
                    t => m.types.get(t).copied().unwrap_or(0),
                })
                .collect();
            bars.push(Bar {
                label: format!("{kind} {pointer}"),
                counts,
            });
        }
    }
    Section {
        id: "members",
        title: "Documented members",
        intro: "How often each documented member was present, null or absent, and the JSON types of its values.".into(),
        columns: vec![
            text("kind"),
            text("member"),
            number("present"),
            number("null"),
            number("absent"),
            text("types"),
        ],
        rows,
        chart: Some(Chart { series, bars }),
    }
}

fn unknown(profile: &TrafficProfile) -> Option<Section> {
    let mut rows = Vec::new();
    for (kind, table) in profile.unknown_members() {
        for (pointer, m) in table.entries() {
            rows.push(vec![
                kind.clone(),
                cut(pointer),
                m.count.to_string(),
                types(&m.types),
                origin(&m.first),
            ]);
        }
        if table.folded() > 0 {
            rows.push(vec![
                kind.clone(),
                "(others, folded)".into(),
                table.folded().to_string(),
                String::new(),
                String::new(),
            ]);
        }
    }
    (!rows.is_empty()).then(|| Section {
        id: "unknown-members",
        title: "Unknown members",
        intro: "Members the contract does not document.".into(),
        columns: vec![
            text("kind"),
            text("member"),
            number("count"),
            text("types"),
            text("first"),
        ],
        rows,
        chart: None,
    })
}

fn open_values(profile: &TrafficProfile) -> Option<Section> {
    let mut rows = Vec::new();
    for (pointer, table) in profile.open_values() {
        for (value, n) in table.top(TOP) {
            rows.push(vec![pointer.clone(), cut(value), n.to_string()]);
        }
        let shown = TOP.min(table.len());
        if table.len() > shown || table.folded() > 0 {
            let rest: u64 = table
                .top(usize::MAX)
                .iter()
                .skip(shown)
                .map(|(_, n)| *n)
                .fold(table.folded(), u64::saturating_add);
            rows.push(vec![pointer.clone(), "(others)".into(), rest.to_string()]);
        }
    }
    (!rows.is_empty()).then(|| Section {
        id: "open-values",
        title: "Open values",
        intro: format!("The {TOP} most frequent values of the members with no documented list."),
        columns: vec![text("member"), text("value"), number("count")],
        rows,
        chart: None,
    })
}

fn forms(profile: &TrafficProfile) -> Section {
    let f = profile.forms();
    let mut rows: Vec<(&str, String, u64)> = vec![
        (
            "local time",
            "canonical `10:00:00`".into(),
            f.local_time.canonical,
        ),
        (
            "local time",
            "single-digit seconds `10:00:0` (tolerated)".into(),
            f.local_time.single_digit_seconds,
        ),
        ("local time", "other".into(), f.local_time.other),
        ("UTC time", "`Z`".into(), f.utc_time.z),
        ("UTC time", "numeric offset".into(), f.utc_time.offset),
        ("UTC time", "other".into(), f.utc_time.other),
        ("price", "string".into(), f.price.string),
        ("price", "number".into(), f.price.number),
    ];
    for (places, n) in &f.price.decimal_places {
        rows.push(("price", format!("{places} decimal places"), *n));
    }
    rows.push(("integer", "digits".into(), f.integers.plain));
    rows.push(("integer", "with a fraction".into(), f.integers.fraction));
    rows.push(("integer", "with an exponent".into(), f.integers.exponent));
    Section {
        id: "forms",
        title: "Forms",
        intro: "How times, prices and integers were written.".into(),
        columns: vec![text("values"), text("form"), number("count")],
        rows: rows
            .into_iter()
            .map(|(a, b, n)| vec![a.to_owned(), b, n.to_string()])
            .collect(),
        chart: None,
    }
}

fn days(profile: &TrafficProfile) -> Option<Section> {
    let days = profile.days();
    if days.is_empty() {
        return None;
    }
    let mut rows = Vec::new();
    let mut bars = Vec::new();
    for (day, d) in days.entries() {
        let mut top: Vec<_> = d.rules.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let top: Vec<String> = top
            .iter()
            .take(3)
            .map(|(r, n)| format!("{r} {n}"))
            .collect();
        rows.push(vec![
            day.to_owned(),
            d.payloads.to_string(),
            d.failing.to_string(),
            top.join(", "),
        ]);
        bars.push(Bar {
            label: day.to_owned(),
            counts: vec![d.payloads.saturating_sub(d.failing), d.failing],
        });
    }
    Some(Section {
        id: "days",
        title: "By day (UTC)",
        intro: "Payloads by the day they were captured (a HAR entry's `startedDateTime`).".into(),
        columns: vec![
            text("day"),
            number("payloads"),
            number("failing"),
            text("top rules"),
        ],
        rows,
        chart: Some(Chart {
            series: vec!["conforming".into(), "failing".into()],
            bars,
        }),
    })
}
