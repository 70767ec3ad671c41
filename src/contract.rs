//! The contract's members as data: one description, read out of the committed JSON Schema that
//! the types derive, which the one-pass engine walks.
//!
//! Nothing here lists a member by hand. Every object, member, JSON type, enum, pattern, format,
//! bound and required list comes from the schema; the only knowledge added is which patterns
//! mean what ([`Pattern`]), named by the constants the types themselves publish, and which
//! members the semantic rules read ([`crate::semantic::FACTS`]). A schema keyword the engine
//! does not implement makes [`Contract::new`] fail, so a new constraint in the types cannot
//! pass unchecked: the tests build the description from every committed schema.

use serde_json::{Map, Number, Value};

use crate::order::PRICE_PATTERN;
use crate::pointer;
use crate::schema::{self, Kind, Variant};
use crate::semantic::{self, Fact};
use crate::time::{LOCAL_TIME_PATTERN, LOCAL_TIME_PATTERN_STRICT, UTC_TIME_PATTERN};

/// The JSON types a member allows, as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Types(u8);

impl Types {
    pub(crate) const NULL: Types = Types(1);
    pub(crate) const BOOLEAN: Types = Types(1 << 1);
    pub(crate) const INTEGER: Types = Types(1 << 2);
    pub(crate) const NUMBER: Types = Types(1 << 3);
    pub(crate) const STRING: Types = Types(1 << 4);
    pub(crate) const ARRAY: Types = Types(1 << 5);
    pub(crate) const OBJECT: Types = Types(1 << 6);

    /// Every type, in the order messages name them.
    const NAMES: [(Types, &'static str); 7] = [
        (Types::NULL, "null"),
        (Types::BOOLEAN, "boolean"),
        (Types::INTEGER, "integer"),
        (Types::NUMBER, "number"),
        (Types::STRING, "string"),
        (Types::ARRAY, "array"),
        (Types::OBJECT, "object"),
    ];

    pub(crate) fn has(self, t: Types) -> bool {
        self.0 & t.0 != 0
    }

    /// The place of a single type in the order of [`Types::NAMES`]: null 0, boolean 1,
    /// integer 2, number 3, string 4, array 5, object 6.
    pub(crate) fn index(self) -> u8 {
        // At most 7: a `u8` has 8 bits.
        self.0.trailing_zeros() as u8
    }

    fn from_schema(value: Option<&Value>) -> Result<Types, String> {
        let names: Vec<&str> = match value {
            None => return Ok(Types(0x7F)),
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            Some(other) => return Err(format!("a `type` of {other}")),
        };
        let mut bits = 0;
        for name in names {
            let (t, _) = Types::NAMES
                .iter()
                .find(|(_, n)| *n == name)
                .ok_or_else(|| format!("the type `{name}`"))?;
            bits |= t.0;
        }
        Ok(Types(bits))
    }

    /// "a string", "null or an object".
    pub(crate) fn expected(self) -> String {
        crate::message::expected_types(
            Types::NAMES
                .iter()
                .filter(|(t, _)| self.has(*t))
                .map(|(_, n)| *n),
        )
    }
}

/// What a string pattern of the schema means, recognised by the constant the types publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// A platform local time; `strict` without the single-digit seconds.
    LocalTime { strict: bool },
    /// A UTC time with `Z`.
    UtcTime,
    /// A decimal amount.
    Price,
}

impl Pattern {
    fn from_schema(text: &str) -> Result<Pattern, String> {
        match text {
            LOCAL_TIME_PATTERN => Ok(Pattern::LocalTime { strict: false }),
            LOCAL_TIME_PATTERN_STRICT => Ok(Pattern::LocalTime { strict: true }),
            UTC_TIME_PATTERN => Ok(Pattern::UtcTime),
            PRICE_PATTERN => Ok(Pattern::Price),
            other => Err(format!("the pattern `{other}`")),
        }
    }

    /// The pattern's text, for messages.
    pub(crate) fn text(self) -> &'static str {
        match self {
            Pattern::LocalTime { strict: false } => LOCAL_TIME_PATTERN,
            Pattern::LocalTime { strict: true } => LOCAL_TIME_PATTERN_STRICT,
            Pattern::UtcTime => UTC_TIME_PATTERN,
            Pattern::Price => PRICE_PATTERN,
        }
    }

    /// Whether `s` matches, as the regular expression would.
    pub(crate) fn matches(self, s: &str) -> bool {
        let b = s.as_bytes();
        match self {
            Pattern::LocalTime { strict } => {
                let seconds = match b.len() {
                    19 => b
                        .get(17..19)
                        .is_some_and(|s| in_range(s[0], b'0', b'5') && s[1].is_ascii_digit()),
                    18 if !strict => b.get(17).is_some_and(u8::is_ascii_digit),
                    _ => false,
                };
                seconds && b.get(10) == Some(&b' ') && date_hour_minute(b)
            }
            Pattern::UtcTime => {
                if b.len() < 20 || b.get(10) != Some(&b'T') || b.last() != Some(&b'Z') {
                    return false;
                }
                let seconds = in_range(b[17], b'0', b'5') && b[18].is_ascii_digit();
                let fraction = match &b[19..b.len() - 1] {
                    [] => true,
                    [b'.', digits @ ..] => {
                        (1..=9).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit)
                    }
                    _ => false,
                };
                seconds && fraction && date_hour_minute(b)
            }
            Pattern::Price => crate::order::is_price(s),
        }
    }
}

fn in_range(b: u8, low: u8, high: u8) -> bool {
    (low..=high).contains(&b)
}

/// `[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]).([01][0-9]|2[0-3]):[0-5][0-9]:` at the
/// start of `b` (at least 17 bytes; the separator at 10 is checked by the caller).
fn date_hour_minute(b: &[u8]) -> bool {
    let Some(b) = b.get(..17) else {
        return false;
    };
    let d = |i: usize| b[i].is_ascii_digit();
    let year = d(0) && d(1) && d(2) && d(3) && b[4] == b'-';
    let month = match b[5] {
        b'0' => in_range(b[6], b'1', b'9'),
        b'1' => in_range(b[6], b'0', b'2'),
        _ => false,
    } && b[7] == b'-';
    let day = match b[8] {
        b'0' => in_range(b[9], b'1', b'9'),
        b'1' | b'2' => d(9),
        b'3' => in_range(b[9], b'0', b'1'),
        _ => false,
    };
    let hour = match b[11] {
        b'0' | b'1' => d(12),
        b'2' => in_range(b[12], b'0', b'3'),
        _ => false,
    } && b[13] == b':';
    let minute = in_range(b[14], b'0', b'5') && d(15) && b[16] == b':';
    year && month && day && hour && minute
}

/// One member of an object of the contract.
#[derive(Debug)]
pub(crate) struct Member {
    pub(crate) name: String,
    /// The name's first 16 bytes as a little-endian word, to compare a key with in one go;
    /// the mask of the name's bytes in a word, and the name's length.
    pub(crate) word: u128,
    pub(crate) mask: u128,
    pub(crate) key_len: usize,
    pub(crate) pointer: String,
    pub(crate) types: Types,
    /// "a string", "null or an object": the types for messages.
    pub(crate) expected: String,
    pub(crate) allowed: Option<Vec<Number>>,
    pub(crate) pattern: Option<Pattern>,
    /// The `date-time` format.
    pub(crate) date_time: bool,
    pub(crate) minimum: Option<Number>,
    pub(crate) maximum: Option<Number>,
    /// The members of the object this member holds.
    pub(crate) object: Option<Object>,
    /// The fact it holds for the semantic rules.
    pub(crate) fact: Option<Fact>,
    /// Whether it holds the order, a fact of its own.
    pub(crate) order: bool,
    /// Whether it is its object's conditional `when` or `then` member.
    pub(crate) when: bool,
    pub(crate) then: bool,
    /// The enum's codes with their meanings, for messages.
    pub(crate) expected_enum: String,
    /// Its index in the envelope's members, depth first, and the end of its subtree's.
    pub(crate) index: usize,
    pub(crate) subtree_end: usize,
}

/// "When `when` equals `equals`, `then` is required and of `then_types`": the schema's
/// `if`/`then`, which says that `code` 200 carries the order.
#[derive(Debug)]
pub(crate) struct Conditional {
    pub(crate) when: usize,
    pub(crate) equals: Number,
    pub(crate) then: usize,
    pub(crate) then_types: Types,
}

/// An object of the contract.
#[derive(Debug)]
pub(crate) struct Object {
    pub(crate) pointer: String,
    /// Required members first, in the `required` order (the order payloads send them in),
    /// then the optional ones in the schema's order.
    pub(crate) members: Vec<Member>,
    /// Indexes into `members`, in the schema's `required` order.
    pub(crate) required: Vec<usize>,
    pub(crate) conditional: Option<Conditional>,
}

impl Object {
    /// The member called `name`.
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        self.members.iter().position(|m| m.name == name)
    }

    /// The names of its members, for hints.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|m| m.name.as_str())
    }
}

/// The most members an envelope may have, counting every object's: the engine keeps one
/// offset per member on the stack.
pub(crate) const MAX_MEMBERS: usize = 64;

/// What the engine needs of a member by its index, without walking the tree.
#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) pointer: String,
    pub(crate) fact: Option<Fact>,
    pub(crate) order: bool,
    /// Whether the member allows integers.
    pub(crate) integer: bool,
}

/// The description of one envelope.
#[derive(Debug)]
pub(crate) struct Envelope {
    pub(crate) kind: Kind,
    /// The schemas it was read from: with `kind`, what decides every other field, so that
    /// whatever is worked out from an envelope can be kept and reused for the same pair.
    pub(crate) variant: Variant,
    pub(crate) root: Object,
    /// How many members it has, counting every object's.
    pub(crate) member_count: usize,
    /// Every member by its index.
    pub(crate) slots: Vec<Slot>,
}

impl Envelope {
    /// Every member, depth first, with its index.
    pub(crate) fn members(&self) -> Vec<&Member> {
        let mut out = Vec::with_capacity(self.member_count);
        let mut stack: Vec<std::slice::Iter<'_, Member>> = vec![self.root.members.iter()];
        while let Some(top) = stack.last_mut() {
            match top.next() {
                Some(m) => {
                    out.push(m);
                    if let Some(o) = &m.object {
                        stack.push(o.members.iter());
                    }
                }
                None => {
                    stack.pop();
                }
            }
        }
        out
    }
}

/// Both envelopes.
#[derive(Debug)]
pub(crate) struct Contract {
    pub(crate) request: Envelope,
    pub(crate) response: Envelope,
}

impl Contract {
    /// Reads the description out of the committed schemas of `variant`.
    pub(crate) fn new(variant: Variant) -> Result<Contract, String> {
        let read = |kind| -> Result<Envelope, String> {
            let value: Value = serde_json::from_str(schema::committed(kind, variant))
                .map_err(|e| format!("the committed {kind} schema: {e}"))?;
            let mut next = 0;
            let root = object(&value, String::new(), kind, &mut next).map_err(|e| {
                format!("the committed {kind} schema has {e}, which the engine does not implement")
            })?;
            if next > MAX_MEMBERS {
                return Err(format!(
                    "the committed {kind} schema has {next} members, over {MAX_MEMBERS}"
                ));
            }
            let mut envelope = Envelope {
                kind,
                variant,
                root,
                member_count: next,
                slots: Vec::new(),
            };
            envelope.slots = envelope
                .members()
                .into_iter()
                .map(|m| Slot {
                    pointer: m.pointer.clone(),
                    fact: m.fact,
                    order: m.order,
                    integer: m.types.has(Types::INTEGER),
                })
                .collect();
            Ok(envelope)
        };
        Ok(Contract {
            request: read(Kind::Request)?,
            response: read(Kind::Response)?,
        })
    }

    pub(crate) fn envelope(&self, kind: Kind) -> &Envelope {
        match kind {
            Kind::Request => &self.request,
            Kind::Response => &self.response,
        }
    }
}

/// The keywords the engine implements on an object schema and on a member schema.
const OBJECT_KEYWORDS: [&str; 8] = [
    "$schema",
    "title",
    "description",
    "type",
    "properties",
    "required",
    "if",
    "then",
];
const MEMBER_KEYWORDS: [&str; 9] = [
    "description",
    "type",
    "enum",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "properties",
    "required",
];

fn unknown_keyword(schema: &Map<String, Value>, known: &[&str]) -> Result<(), String> {
    match schema.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(format!("the keyword `{k}`")),
        None => Ok(()),
    }
}

fn object(schema: &Value, at: String, kind: Kind, next: &mut usize) -> Result<Object, String> {
    let map = schema.as_object().ok_or("a schema that is not an object")?;
    unknown_keyword(map, &OBJECT_KEYWORDS)?;
    let required_names: Vec<&str> = map
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut members = Vec::new();
    let empty = Map::new();
    let properties = map
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    // Required members first, in the schema's `required` order, which is the types' declaration
    // order and so the order payloads send them in: the engine finds each key where it looks
    // first. Then the optional ones, in the schema's order.
    let mut ordered: Vec<(&String, &Value)> = properties.iter().collect();
    ordered.sort_by_key(|(name, _)| {
        required_names
            .iter()
            .position(|r| r == name)
            .unwrap_or(usize::MAX)
    });
    for (name, sub) in ordered {
        members.push(member(name, sub, &at, kind, next)?);
    }
    let position = |name: &str| {
        members
            .iter()
            .position(|m: &Member| m.name == name)
            .ok_or_else(|| format!("`{name}` required but not defined"))
    };
    let required = required_names
        .iter()
        .map(|n| position(n))
        .collect::<Result<Vec<_>, _>>()?;
    let conditional = match (map.get("if"), map.get("then")) {
        (None, None) => None,
        (Some(when), Some(then)) => Some(conditional(when, then, &position)?),
        _ => return Err("an `if` without a `then`".into()),
    };
    if let Some(c) = &conditional {
        members[c.when].when = true;
        members[c.then].then = true;
    }
    Ok(Object {
        pointer: at,
        members,
        required,
        conditional,
    })
}

/// Reads `if: {properties: {W: {const: C}}, required: [W]}` and
/// `then: {properties: {T: {type: …}}, required: [T]}`.
fn conditional(
    when: &Value,
    then: &Value,
    position: &dyn Fn(&str) -> Result<usize, String>,
) -> Result<Conditional, String> {
    let single = |v: &Value| -> Option<(String, Value)> {
        let properties = v.get("properties")?.as_object()?;
        let required = v.get("required")?.as_array()?;
        let (name, sub) = properties.iter().next()?;
        (properties.len() == 1
            && v.as_object()?.len() == 2
            && required == &[Value::String(name.clone())])
            .then(|| (name.clone(), sub.clone()))
    };
    let shape = || "an `if`/`then` of another shape".to_owned();
    let (when_name, when_schema) = single(when).ok_or_else(shape)?;
    let (then_name, then_schema) = single(then).ok_or_else(shape)?;
    let equals = match when_schema.as_object() {
        Some(m) if m.len() == 1 => m.get("const").and_then(Value::as_number).cloned(),
        _ => None,
    }
    .ok_or_else(shape)?;
    let then_types = match then_schema.as_object() {
        Some(m) if m.len() == 1 && m.contains_key("type") => Types::from_schema(m.get("type"))?,
        _ => return Err(shape()),
    };
    Ok(Conditional {
        when: position(&when_name)?,
        equals,
        then: position(&then_name)?,
        then_types,
    })
}

fn member(
    name: &str,
    schema: &Value,
    parent: &str,
    kind: Kind,
    next: &mut usize,
) -> Result<Member, String> {
    let map = schema
        .as_object()
        .ok_or("a member schema that is not an object")?;
    unknown_keyword(map, &MEMBER_KEYWORDS)?;
    let at = pointer::child(parent, name);
    let index = *next;
    *next += 1;
    let types = Types::from_schema(map.get("type"))?;
    let allowed = match map.get("enum") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|i| {
                    i.as_number()
                        .cloned()
                        .ok_or("an `enum` of other than numbers")
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err("an `enum` that is not an array".into()),
    };
    let pattern = map
        .get("pattern")
        .map(|p| Pattern::from_schema(p.as_str().unwrap_or_default()))
        .transpose()?;
    let date_time = match map.get("format").map(Value::as_str) {
        None => false,
        Some(Some("date-time")) => true,
        Some(other) => return Err(format!("the format {other:?}")),
    };
    if date_time && pattern != Some(Pattern::UtcTime) {
        // The engine reads `date-time` with the UTC time's parser, which needs its pattern.
        return Err("a `date-time` format without the UTC time pattern".into());
    }
    let bound = |k: &str| -> Result<Option<Number>, String> {
        map.get(k)
            .map(|v| {
                v.as_number()
                    .cloned()
                    .ok_or_else(|| format!("a `{k}` that is not a number"))
            })
            .transpose()
    };
    let minimum = bound("minimum")?;
    let maximum = bound("maximum")?;
    let object = if map.contains_key("properties") {
        Some(object(schema, at.clone(), kind, next)?)
    } else {
        None
    };
    let mut word = [0u8; 16];
    for (w, b) in word.iter_mut().zip(name.bytes()) {
        *w = b;
    }
    Ok(Member {
        name: name.to_owned(),
        word: u128::from_le_bytes(word),
        mask: u128::MAX
            .checked_shr(8 * (16 - name.len().min(16)) as u32)
            .unwrap_or(0),
        key_len: name.len(),
        fact: semantic::fact_at(kind, &at),
        order: at == semantic::ORDER && kind == Kind::Response,
        when: false,
        then: false,
        expected_enum: if allowed.is_some() {
            crate::message::expected_enum(name)
        } else {
            String::new()
        },
        pointer: at,
        expected: types.expected(),
        types,
        allowed,
        pattern,
        date_time,
        minimum,
        maximum,
        object,
        index,
        subtree_end: *next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_schemas_are_described() {
        let contract = Contract::new(Variant::Tolerant).expect("a description");
        for envelope in [&contract.request, &contract.response] {
            assert_eq!(envelope.members().len(), envelope.member_count);
            for (i, m) in envelope.members().into_iter().enumerate() {
                assert_eq!(m.index, i);
                assert_eq!(envelope.slots[i].pointer, m.pointer);
            }
            // The semantic rules' findings find their member by its pointer, from either end.
            let mut pointers: Vec<&str> = envelope.slots.iter().map(|s| &*s.pointer).collect();
            pointers.sort_unstable();
            pointers.dedup();
            assert_eq!(
                pointers.len(),
                envelope.slots.len(),
                "one member per pointer"
            );
            assert!(envelope.member_count >= 10);
        }
        // The strict variant closes its objects, which the validator does with rule levels
        // over the tolerant one: the engine does not read it, and says so.
        let e = Contract::new(Variant::Strict).expect_err("not described");
        assert!(e.contains("additionalProperties"), "{e}");
    }

    /// Every fact the rules read is a member of the contract: a renamed member cannot leave a
    /// rule reading nothing.
    #[test]
    fn every_fact_is_a_member() {
        let contract = Contract::new(Variant::Tolerant).expect("a description");
        for &(kind, pointer, fact) in semantic::FACTS {
            let found = contract
                .envelope(kind)
                .members()
                .into_iter()
                .find(|m| m.pointer == pointer)
                .unwrap_or_else(|| panic!("{pointer} is not a member"));
            assert_eq!(found.fact, Some(fact));
        }
        let order = contract
            .response
            .members()
            .into_iter()
            .filter(|m| m.order)
            .count();
        assert_eq!(order, 1);
    }

    #[test]
    fn keywords_the_engine_does_not_implement_are_refused() {
        let mut next = 0;
        let schema = serde_json::json!({"properties": {"a": {"type": "string", "maxLength": 3}}});
        let e = object(&schema, String::new(), Kind::Request, &mut next).expect_err("refused");
        assert!(e.contains("maxLength"), "{e}");
        let schema = serde_json::json!({"properties": {"a": {"type": "string", "pattern": "^x$"}}});
        assert!(object(&schema, String::new(), Kind::Request, &mut next).is_err());
    }

    /// The recognisers against the schemas' regular expressions, run by the schema library on
    /// strings near each pattern's edges.
    #[test]
    fn patterns_match_as_their_regular_expressions_do() {
        let bases = [
            "2020-08-25 10:00:00",
            "2020-08-25 10:00:0",
            "2020-08-25T02:00:00Z",
            "2020-08-25T02:00:00.123456789Z",
            "1.0",
            "58.00",
            "0",
        ];
        let bytes = b"0123456789 -:.TZz\n\xC3\xA9a";
        let patterns = [
            Pattern::LocalTime { strict: false },
            Pattern::LocalTime { strict: true },
            Pattern::UtcTime,
            Pattern::Price,
        ];
        for pattern in patterns {
            let regex = jsonschema::validator_for(&serde_json::json!({"pattern": pattern.text()}))
                .expect("a pattern");
            let mut tried = 0;
            for base in bases {
                let base = base.as_bytes();
                for at in 0..=base.len() {
                    for &b in bytes {
                        for candidate in [
                            [&base[..at], &[b], base.get(at + 1..).unwrap_or_default()].concat(),
                            [&base[..at], &[b], &base[at..]].concat(),
                            [&base[..at], base.get(at + 1..).unwrap_or_default()].concat(),
                        ] {
                            let Ok(s) = String::from_utf8(candidate) else {
                                continue;
                            };
                            tried += 1;
                            assert_eq!(
                                pattern.matches(&s),
                                regex.is_valid(&Value::String(s.clone())),
                                "{pattern:?} on {s:?}"
                            );
                        }
                    }
                }
            }
            assert!(tried > 1000);
        }
    }
}
