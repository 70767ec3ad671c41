//! What feeding a profile does with each member of an envelope, worked out once per envelope
//! rather than once per member of every payload: which enumeration the member is and its
//! documented values, whether its values are open, and which forms it is counted in.

use std::collections::BTreeSet;

use serde_json::Number;

use super::token::Token;
use crate::codes;
use crate::contract::{Envelope, Pattern, Types};
use crate::engine::compare;
use crate::schema::{Kind, Variant};
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

/// The plan of one envelope: a [`Step`] per member.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    kind: Kind,
    variant: Variant,
    pub(crate) steps: Vec<Step>,
    /// The steps that do more than count a type, by their index in `steps`.
    pub(crate) special: Vec<usize>,
}

/// What to do with one member.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    /// Its index in the envelope, where the walk's record has its value.
    pub(crate) index: usize,
    /// Its JSON Pointer, the key of its tables.
    pub(crate) pointer: String,
    /// Its documented values, when it is an enumeration.
    pub(crate) enumeration: Option<Documented>,
    /// Whether its values are open ([`OPEN`]).
    pub(crate) open: bool,
    /// Its pattern, for the forms of times and prices.
    pub(crate) pattern: Option<Pattern>,
    /// Whether its numbers are counted in the integer forms: it allows integers, not numbers.
    pub(crate) integer: bool,
    /// Whether only the JSON type of its value is counted: none of the above.
    pub(crate) type_only: bool,
}

/// The documented values of an enumeration.
#[derive(Debug, Clone)]
pub(crate) struct Documented {
    /// Their JSON texts, in byte order: the order of [`super::Enumeration::documented`].
    pub(crate) keys: Vec<String>,
    /// The same, read as numbers where they are.
    numbers: Vec<Option<Number>>,
    /// The same as integers with their index, by value, when every number among them is an
    /// integer written as one: then a number written as an integer is one of these or none.
    integers: Option<Vec<(i64, usize)>>,
    /// The index in `keys` of each of the member's `allowed` values, in their order, when the
    /// documented values are those: what the walk's choice ([`crate::engine::Note::choice`])
    /// points into.
    allowed: Vec<usize>,
}

impl Plan {
    /// The plan of `envelope`.
    pub(crate) fn new(envelope: &Envelope) -> Plan {
        let mut steps = Vec::with_capacity(envelope.member_count);
        for (i, member) in envelope.members().into_iter().enumerate() {
            // A member's index is its place in this order, which the feed's type counts rely on
            // (the contract's tests hold it).
            debug_assert_eq!(member.index, i);
            let pointer = member.pointer.as_str();
            let allowed: Vec<String> = member
                .allowed
                .iter()
                .flatten()
                .map(Number::to_string)
                .collect();
            let values =
                documented(pointer).or_else(|| member.allowed.is_some().then(|| allowed.clone()));
            let enumeration = values.map(|values| {
                let keys: Vec<String> = values
                    .into_iter()
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let numbers: Vec<Option<Number>> =
                    keys.iter().map(|k| k.parse::<Number>().ok()).collect();
                let integers = numbers
                    .iter()
                    .enumerate()
                    .filter_map(|(i, n)| n.as_ref().map(|n| n.as_i64().map(|n| (n, i))))
                    .collect::<Option<Vec<_>>>()
                    .map(|mut v| {
                        v.sort_unstable();
                        v
                    });
                // The walk's choice is trusted only when the keys are the allowed values.
                let same = allowed.iter().collect::<BTreeSet<_>>() == keys.iter().collect();
                let allowed = if same {
                    let at = |a: &String| keys.binary_search(a).unwrap_or(usize::MAX);
                    allowed.iter().map(at).collect()
                } else {
                    Vec::new()
                };
                Documented {
                    keys,
                    numbers,
                    integers,
                    allowed,
                }
            });
            let open = OPEN.contains(&pointer);
            let integer = member.types.has(Types::INTEGER) && !member.types.has(Types::NUMBER);
            steps.push(Step {
                index: member.index,
                pointer: member.pointer.clone(),
                type_only: enumeration.is_none() && !open && member.pattern.is_none() && !integer,
                enumeration,
                open,
                pattern: member.pattern,
                integer,
            });
        }
        let special = (0..steps.len()).filter(|&i| !steps[i].type_only).collect();
        Plan {
            kind: envelope.kind,
            variant: envelope.variant,
            steps,
            special,
        }
    }

    /// Whether this is the plan of `envelope`: the kind and variant decide the rest.
    pub(crate) fn fits(&self, envelope: &Envelope) -> bool {
        self.kind == envelope.kind && self.variant == envelope.variant
    }

    /// The kind of its envelope.
    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }
}

impl Documented {
    /// The index of the documented value the walk chose (`choice`, an index in the member's
    /// `allowed` values), when it chose one.
    #[inline]
    pub(crate) fn chosen(&self, choice: Option<usize>) -> Option<usize> {
        self.allowed.get(choice?).copied()
    }

    /// The index of the documented value `token` is, if any. A number equal to a documented
    /// one (`1.0` and `1`) is that value, as the contract compares them.
    pub(crate) fn find(&self, token: &Token<'_>, scratch: &mut String) -> Option<usize> {
        if let (Some(integers), Token::Number(n)) = (&self.integers, token)
            && let Some(n) = integer(n)
        {
            return integers
                .binary_search_by_key(&n, |(v, _)| *v)
                .ok()
                .and_then(|i| integers.get(i))
                .map(|(_, i)| *i);
        }
        let key = token.key_in(scratch);
        if let Ok(i) = self.keys.binary_search_by(|k| k.as_str().cmp(key)) {
            return Some(i);
        }
        let Token::Number(n) = token else {
            return None;
        };
        let n = n.parse::<Number>().ok()?;
        self.numbers.iter().position(|d| {
            d.as_ref()
                .is_some_and(|d| compare(&n, d) == std::cmp::Ordering::Equal)
        })
    }
}

/// A number written as an integer that fits an `i64` (`-0` is 0), as its value.
fn integer(n: &str) -> Option<i64> {
    let digits = n.strip_prefix('-').unwrap_or(n);
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value = digits
        .bytes()
        .fold(0i64, |v, b| v * 10 + i64::from(b - b'0'));
    Some(if digits.len() < n.len() {
        -value
    } else {
        value
    })
}
