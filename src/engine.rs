//! The one-pass engine: the bytes read once against the contract's description
//! ([`crate::contract`]), every finding reported on the way, the semantic rules run on the facts
//! gathered, positions computed at the end for the findings alone.
//!
//! What it reports, and how it words it, is what the reference engine (the committed schema
//! run by the `jsonschema` crate over a parsed `Value`, `reference.rs`) reports: a differential
//! property test and a fuzz target hold the two to the same findings.
//!
//! - **Syntax.** A payload that is not one JSON text (bad UTF-8, a syntax error, nesting past
//!   the limit, trailing data) has exactly one finding, the text stage's. The engine notices it
//!   and leaves its wording to `text.rs`, which finds the first such fault.
//! - **Members.** A known key is compared as one word with the member the description expects
//!   next; any other key is decoded and looked up. An unknown member's value is skipped in one
//!   go, recording only duplicate keys inside it. A value of the wrong type is a finding at its
//!   pointer, and the walk goes on.
//! - **Repeated keys.** The last one wins, as in serde_json and the reference: what was found
//!   of an earlier value is forgotten, and the later one is judged.
//! - **Allocation.** A clean payload with no escaped string allocates nothing; a finding
//!   allocates its wording.

use std::borrow::Cow;
use std::cmp::Ordering;

use hashbrown::HashSet;
use serde_json::{Number, Value};

use crate::contract::{Envelope, MAX_MEMBERS, Member, Object, Slot, Types};
use crate::findings::{Findings, Sink};
use crate::json_string;
use crate::message;
use crate::pointer;
use crate::rules::Rule;
use crate::semantic::{FactValue, Facts, Zone};
use crate::time::{TimeError, UtcTime};

/// The input is not one acceptable JSON text: the text stage words why.
#[derive(Debug)]
pub(crate) struct Malformed;

type Read<T> = Result<T, Malformed>;

/// What a walk records as it goes, in storage its caller owns: about a kilobyte, which a walk
/// that returned it would copy on the way out, more than once.
pub(crate) struct Record<'a> {
    pub(crate) facts: Facts<'a>,
    /// Where the value of each member of the description starts (`usize::MAX`: absent), by
    /// member index: what a typed payload is rebuilt from (`replay.rs`).
    pub(crate) offsets: [usize; MAX_MEMBERS],
    /// The members the description does not name, each as its pointer and where its value
    /// starts, when a traffic profile asked for them (`traffic/`); `None` otherwise, and then
    /// nothing is allocated for them.
    pub(crate) unknown: Option<Vec<(String, usize)>>,
    /// What the walk learnt of each member's value on the way, by member index, when a traffic
    /// profile asked for it ([`Record::observing`]); empty otherwise, and then nothing is
    /// written or even filled in.
    pub(crate) notes: Vec<Note>,
}

/// What the walk learnt of one member's value while judging it, so that a traffic profile
/// need not read the value again to learn it. All zeros (the default) is a member with no
/// value.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Note {
    /// Where the value ends: the offset after its last byte (within `u32`: `one_pass` takes
    /// no larger payload).
    end: u32,
    /// 0 for no value; otherwise 1 + its JSON type as [`Types::index`] numbers it (a number
    /// with no fractional part, however written, is an integer).
    slot: u8,
    /// 0 when it equals none of the member's `allowed` values, or the member has none;
    /// otherwise 1 + the index of the one it equals.
    choice: u8,
    /// [`Note::ESCAPED`], [`Note::MATCHED`], [`Note::PLAIN`].
    flags: u8,
}

impl Note {
    /// A string with escapes.
    const ESCAPED: u8 = 1;
    /// A string that matched the member's pattern.
    const MATCHED: u8 = 1 << 1;
    /// A number written as a plain integer: digits, perhaps a minus sign, no fraction, no
    /// exponent, within 64 bits.
    const PLAIN: u8 = 1 << 2;

    /// Where the value ends.
    pub(crate) fn end(&self) -> usize {
        self.end as usize
    }

    /// 0 for no value, otherwise 1 + its JSON type's index: one of eight slots.
    pub(crate) fn slot(&self) -> usize {
        usize::from(self.slot & 7)
    }

    /// Its JSON type, as [`Types::index`] numbers it; `None` for no value.
    pub(crate) fn json_type(&self) -> Option<usize> {
        self.slot().checked_sub(1)
    }

    /// The index in the member's `allowed` values of the one it equals.
    pub(crate) fn choice(&self) -> Option<usize> {
        usize::from(self.choice).checked_sub(1)
    }

    pub(crate) fn escaped(&self) -> bool {
        self.flags & Note::ESCAPED != 0
    }

    pub(crate) fn matched(&self) -> bool {
        self.flags & Note::MATCHED != 0
    }

    pub(crate) fn plain(&self) -> bool {
        self.flags & Note::PLAIN != 0
    }
}

impl Record<'_> {
    /// Nothing recorded yet: no fact, no member.
    pub(crate) fn new() -> Self {
        Record {
            facts: Facts::default(),
            offsets: [usize::MAX; MAX_MEMBERS],
            unknown: None,
            notes: Vec::new(),
        }
    }

    /// Nothing recorded yet, and the unknown members and the [notes](Record::notes) to be
    /// recorded, the notes in `notes` (a previous record's, given back to save allocating).
    pub(crate) fn observing(mut notes: Vec<Note>) -> Self {
        notes.clear();
        notes.resize(MAX_MEMBERS, Note::default());
        Record {
            unknown: Some(Vec::new()),
            notes,
            ..Record::new()
        }
    }
}

/// What a walk found besides its findings and its [`Record`].
pub(crate) struct Walked {
    /// Whether the top level has `params` and `code`, which tell the kinds apart.
    pub(crate) has_params: bool,
    pub(crate) has_code: bool,
    /// Whether the top-level value is an object; when not, the only finding besides duplicate
    /// keys is `not-an-object`, already made.
    pub(crate) object: bool,
    /// Whether any key was repeated.
    pub(crate) duplicates: bool,
}

/// Walks `bytes` (known to be UTF-8 and within the size limit) as a payload of `envelope`,
/// recording its facts and where its members are in `record`, a [new](Record::new) one.
pub(crate) fn walk<'a>(
    text: &'a str,
    envelope: &Envelope,
    max_depth: usize,
    zone: Option<&Zone>,
    asked: Option<&Facts<'_>>,
    findings: &mut Findings<'_>,
    record: &mut Record<'a>,
) -> Read<Walked> {
    let mut walker = Walker {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
        max_depth,
        findings,
        envelope,
        observing: !record.notes.is_empty(),
        record,
        flat: &envelope.slots,
        duplicate_budget: text.len().saturating_mul(8).saturating_add(1 << 16),
        duplicates: false,
        when: None,
        then: None,
        has_params: false,
        has_code: false,
    };
    walker.whitespace();
    let start = walker.pos;
    let object = walker.peek() == Some(b'{');
    if object {
        walker.object(&envelope.root, start)?;
    } else {
        let instance = walker.skip_value("")?;
        let message = message::not_an_object(&instance);
        walker
            .findings
            .push_at(Rule::NotAnObject, "".into(), start, message, None);
    }
    walker.whitespace();
    if walker.pos != walker.bytes.len() {
        return Err(Malformed);
    }
    if object {
        walker.semantic(zone, asked);
    }
    Ok(Walked {
        has_params: walker.has_params,
        has_code: walker.has_code,
        object,
        duplicates: walker.duplicates,
    })
}

/// Keys seen in one object that the description does not name: a few in a list, many in a set,
/// so that hostile objects stay linear.
#[derive(Default)]
struct KeySet<'a> {
    few: Vec<Cow<'a, str>>,
    many: Option<HashSet<Cow<'a, str>>>,
}

impl<'a> KeySet<'a> {
    /// Adds `key`; `false` when it was there already.
    fn insert(&mut self, key: Cow<'a, str>) -> bool {
        if let Some(many) = &mut self.many {
            return many.insert(key);
        }
        if self.few.contains(&key) {
            return false;
        }
        self.few.push(key);
        if self.few.len() > 16 {
            self.many = Some(self.few.drain(..).collect());
        }
        true
    }

    fn contains(&self, key: &str) -> bool {
        match &self.many {
            Some(many) => many.contains(key),
            None => self.few.iter().any(|k| k == key),
        }
    }
}

/// An open container of a value the description does not cover.
struct Frame<'a> {
    object: bool,
    /// `path`'s length before this container's own reference token.
    saved: usize,
    keys: KeySet<'a>,
    /// The key of the member being read, or the index of the item.
    key: Cow<'a, str>,
    index: usize,
}

struct Walker<'a, 'f, 'p, 'e> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Open objects and arrays.
    depth: usize,
    max_depth: usize,
    findings: &'f mut Findings<'p>,
    envelope: &'e Envelope,
    /// The facts, and the value offset of each member of the envelope.
    record: &'f mut Record<'a>,
    /// Whether `record` takes [notes](Record::notes).
    observing: bool,
    flat: &'e [Slot],
    /// Bytes of duplicate pointers that may still be recorded (as the text stage counts them).
    duplicate_budget: usize,
    duplicates: bool,
    /// The value of the conditional's `when` member, when it is a number.
    when: Option<Number>,
    /// The conditional's `then` member: its JSON type, its value for messages, its offset, and
    /// the type finding held back until the condition is known.
    then: Option<Then>,
    has_params: bool,
    has_code: bool,
}

struct Then {
    json_type: Types,
    instance: Value,
    offset: usize,
    held: Option<String>,
}

impl<'a> Walker<'a, '_, '_, '_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Skips whitespace. Indented payloads put runs of spaces after each line break; those go
    /// eight at a time.
    fn whitespace(&mut self) {
        const SPACES: u64 = u64::from_le_bytes(*b"        ");
        let bytes = self.bytes;
        let mut p = self.pos;
        loop {
            match bytes.get(p) {
                Some(b' ' | b'\t' | b'\r') => p += 1,
                Some(b'\n') => {
                    p += 1;
                    while let Some(eight) = bytes.get(p..p + 8) {
                        let mut word = [0; 8];
                        word.copy_from_slice(eight);
                        if u64::from_le_bytes(word) != SPACES {
                            break;
                        }
                        p += 8;
                    }
                }
                _ => break,
            }
        }
        self.pos = p;
    }

    fn expect(&mut self, byte: u8) -> Read<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(Malformed)
        }
    }

    /// Opens an object or array: one level deeper, within the limit.
    fn open(&mut self) -> Read<()> {
        if self.depth >= self.max_depth {
            return Err(Malformed);
        }
        self.depth += 1;
        self.pos += 1;
        Ok(())
    }

    /// An object of the contract, at `start`.
    fn object(&mut self, object: &Object, start: usize) -> Read<()> {
        self.open()?;
        let root = object.pointer.is_empty();
        let mut seen: u64 = 0;
        let mut unknown = KeySet::default();
        let mut next = 0;
        self.whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                self.whitespace();
                let key_offset = self.pos;
                // The member expected next, then every member, each compared as one word; only
                // an unknown or escaped key is decoded.
                let matched = self.known_key(object, next);
                let (index, name) = match matched {
                    Some(i) => (Some(i), None),
                    None => {
                        let name = self.key()?;
                        (object.find(&name), Some(name))
                    }
                };
                self.whitespace();
                self.expect(b':')?;
                self.whitespace();
                match index {
                    Some(i) => {
                        let member = &object.members[i];
                        if root {
                            self.has_params |= member.name == "params";
                            self.has_code |= member.name == "code";
                        }
                        next = i + 1;
                        let bit = 1u64 << i;
                        if seen & bit != 0 {
                            self.repeated(&object.pointer, &member.name, key_offset);
                            self.forget(member);
                        }
                        seen |= bit;
                        self.member(member)?;
                        if self.observing
                            && let Some(note) = self.record.notes.get_mut(member.index)
                        {
                            // Within the payload, at most `u32::MAX` bytes (`one_pass`).
                            note.end = u32::try_from(self.pos).unwrap_or(u32::MAX);
                        }
                    }
                    None => {
                        let name = name.unwrap_or_default();
                        if root {
                            self.has_params |= name == "params";
                            self.has_code |= name == "code";
                        }
                        let at = pointer::child(&object.pointer, &name);
                        if !unknown.insert(name.clone()) {
                            self.repeated(&object.pointer, &name, key_offset);
                            self.findings.forget_within(&at, Rule::DuplicateKey);
                        }
                        if self.findings.wants(Rule::UnknownField) {
                            let message =
                                message::unknown_member(&name, &object.pointer, self.envelope.kind);
                            let names: Vec<&str> = object.names().collect();
                            let hint = message::unknown_member_hint(&name, &names);
                            self.findings.push_at(
                                Rule::UnknownField,
                                at.clone().into(),
                                key_offset,
                                message,
                                hint,
                            );
                        }
                        if let Some(seen) = &mut self.record.unknown {
                            seen.push((at.clone(), self.pos));
                        }
                        self.skip_value(&at)?;
                    }
                }
                self.whitespace();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(Malformed),
                }
            }
        }
        self.depth -= 1;
        for &r in &object.required {
            if seen & (1 << r) == 0 {
                let name = &object.members[r].name;
                let present = |p: &str| {
                    pointer::parent(p) == object.pointer
                        && unknown.contains(&pointer::last_segment(p))
                };
                let hint =
                    message::hint_for(Rule::MissingField, &object.pointer, name, None, &present);
                self.findings.push_at(
                    Rule::MissingField,
                    object.pointer.clone().into(),
                    start,
                    message::missing_member(&object.pointer, name),
                    hint,
                );
            }
        }
        if let Some(c) = &object.conditional {
            let holds = self
                .when
                .as_ref()
                .is_some_and(|n| compare(n, &c.equals) == Ordering::Equal);
            let then = self.then.take();
            if holds && seen & (1 << c.then) == 0 {
                self.findings.push_at(
                    Rule::MissingData,
                    "".into(),
                    start,
                    message::missing_data(None),
                    None,
                );
            } else if let Some(then) = then {
                let pointer = object.members[c.then].pointer.clone();
                if holds && !c.then_types.has(then.json_type) {
                    self.record.facts.order = false;
                    self.findings.push_at(
                        Rule::MissingData,
                        pointer.into(),
                        then.offset,
                        message::missing_data(Some(&then.instance)),
                        None,
                    );
                } else if let Some(message) = then.held {
                    let hint = message::hint_for(
                        Rule::WrongType,
                        &pointer,
                        "",
                        Some(&then.instance),
                        &|_| false,
                    );
                    self.findings.push_at(
                        Rule::WrongType,
                        pointer.into(),
                        then.offset,
                        message,
                        hint,
                    );
                }
            }
        }
        Ok(())
    }

    /// Consumes a key that is the name of a member of `object`, compared as one word: first
    /// with the member expected next, then with each. `None`, having consumed nothing, for
    /// another key (or an escaped one, a name over 16 bytes, or too few bytes left to load).
    fn known_key(&mut self, object: &Object, next: usize) -> Option<usize> {
        let start = self.pos;
        let window = self.bytes.get(start..start + 17)?;
        let (&quote, rest) = window.split_first()?;
        if quote != b'"' {
            return None;
        }
        let mut word = [0; 16];
        word.copy_from_slice(rest);
        let word = u128::from_le_bytes(word);
        let bytes = self.bytes;
        let hit = |m: &Member| {
            m.key_len <= 16
                && word & m.mask == m.word
                && bytes.get(start + 1 + m.key_len) == Some(&b'"')
        };
        let index = if object.members.get(next).is_some_and(hit) {
            next
        } else {
            object.members.iter().position(hit)?
        };
        self.pos = start + 2 + object.members[index].key_len;
        Some(index)
    }

    /// A key, decoded.
    fn key(&mut self) -> Read<Cow<'a, str>> {
        if self.peek() != Some(b'"') {
            return Err(Malformed);
        }
        let (raw, escaped) = self.string()?;
        Ok(decode(raw, escaped))
    }

    /// Records the repeated key `name` of the object at `object`.
    fn repeated(&mut self, object: &str, name: &str, key_offset: usize) {
        self.duplicates = true;
        let size = object.len() + 1 + name.len() * 2;
        if size > self.duplicate_budget {
            self.findings.count_unlisted(Rule::DuplicateKey, 1);
            return;
        }
        self.duplicate_budget -= size;
        let at = pointer::child(object, name);
        let (message, hint) = message::duplicate_key(&at);
        self.findings
            .push_at(Rule::DuplicateKey, at.into(), key_offset, message, hint);
    }

    /// Forgets what was found of a repeated member's earlier value.
    fn forget(&mut self, member: &Member) {
        self.findings
            .forget_within(&member.pointer, Rule::DuplicateKey);
        if let Some(unknown) = &mut self.record.unknown {
            unknown.retain(|(at, _)| !pointer::is_within(at, &member.pointer));
        }
        for (i, m) in self
            .flat
            .iter()
            .enumerate()
            .take(member.subtree_end)
            .skip(member.index)
        {
            self.record.offsets[i] = usize::MAX;
            if self.observing
                && let Some(note) = self.record.notes.get_mut(i)
            {
                *note = Note::default();
            }
            if let Some(fact) = m.fact {
                self.record.facts.clear(fact);
            }
            if m.order {
                self.record.facts.order = false;
            }
        }
    }

    /// A schema finding about the value of `member`.
    fn fault(
        &mut self,
        member: &Member,
        rule: Rule,
        offset: usize,
        instance: &Value,
        message: String,
    ) {
        let hint = message::hint_for(rule, &member.pointer, "", Some(instance), &|_| false);
        self.findings
            .push_at(rule, member.pointer.clone().into(), offset, message, hint);
    }

    /// A wrong JSON type at `member`; held back for the conditional's `then` member.
    fn wrong_type(&mut self, member: &Member, offset: usize, instance: Value, json_type: Types) {
        let message = message::wrong_type(&member.pointer, &instance, &member.expected);
        if member.then {
            self.hold_then(member, json_type, instance, offset, Some(message));
            return;
        }
        self.fault(member, Rule::WrongType, offset, &instance, message);
    }

    /// Keeps what the conditional's `then` member holds until the condition is known; for
    /// other members, nothing.
    fn hold_then(
        &mut self,
        member: &Member,
        json_type: Types,
        instance: Value,
        offset: usize,
        held: Option<String>,
    ) {
        if member.then {
            self.then = Some(Then {
                json_type,
                instance,
                offset,
                held,
            });
        }
    }

    /// The value of a member of the contract.
    fn member(&mut self, member: &Member) -> Read<()> {
        let start = self.pos;
        // The member's note is empty: the record starts so, and a repeated member's earlier
        // value is forgotten before this one is read (`forget`).
        self.record.offsets[member.index] = start;
        if member.when {
            self.when = None;
        }
        if member.then {
            self.then = None;
        }
        let (json_type, instance) = match self.peek() {
            Some(b'{') => {
                self.note_type(member, Types::OBJECT);
                if member.types.has(Types::OBJECT) {
                    if let Some(object) = &member.object {
                        if member.order {
                            self.record.facts.order = true;
                        }
                        self.object(object, start)?;
                    } else {
                        self.skip_value(&member.pointer)?;
                    }
                    let empty = Value::Object(serde_json::Map::new());
                    self.hold_then(member, Types::OBJECT, empty, start, None);
                    return Ok(());
                }
                self.skip_value(&member.pointer)?;
                (Types::OBJECT, Value::Object(serde_json::Map::new()))
            }
            Some(b'[') => {
                self.note_type(member, Types::ARRAY);
                self.skip_value(&member.pointer)?;
                (Types::ARRAY, Value::Array(Vec::new()))
            }
            Some(b'"') => {
                let (raw, escaped) = self.string()?;
                self.note_type(member, Types::STRING);
                if escaped
                    && self.observing
                    && let Some(note) = self.record.notes.get_mut(member.index)
                {
                    note.flags |= Note::ESCAPED;
                }
                if member.types.has(Types::STRING) {
                    self.string_member(member, decode(raw, escaped), start);
                    return Ok(());
                }
                (
                    Types::STRING,
                    Value::String(decode(raw, escaped).into_owned()),
                )
            }
            Some(b'-' | b'0'..=b'9') => {
                let number = self.number()?;
                if member.when {
                    self.when = Some(number.clone());
                }
                let integer = is_integer(&number);
                if self.observing
                    && let Some(note) = self.record.notes.get_mut(member.index)
                {
                    let t = if integer {
                        Types::INTEGER
                    } else {
                        Types::NUMBER
                    };
                    note.slot = t.index() + 1;
                    // serde_json reads an integer written plainly as one, within 64 bits.
                    if !number.is_f64() {
                        note.flags |= Note::PLAIN;
                    }
                }
                let fits = member.types.has(Types::NUMBER)
                    || (integer && member.types.has(Types::INTEGER));
                if fits {
                    self.number_member(member, number, start);
                    return Ok(());
                }
                let t = if integer {
                    Types::INTEGER
                } else {
                    Types::NUMBER
                };
                (t, Value::Number(number))
            }
            Some(b't') => {
                self.literal(b"true")?;
                self.note_type(member, Types::BOOLEAN);
                (Types::BOOLEAN, Value::Bool(true))
            }
            Some(b'f') => {
                self.literal(b"false")?;
                self.note_type(member, Types::BOOLEAN);
                (Types::BOOLEAN, Value::Bool(false))
            }
            Some(b'n') => {
                self.literal(b"null")?;
                self.note_type(member, Types::NULL);
                (Types::NULL, Value::Null)
            }
            _ => return Err(Malformed),
        };
        if member.types.has(json_type) {
            self.hold_then(member, json_type, instance, start, None);
            return Ok(());
        }
        self.wrong_type(member, start, instance, json_type);
        Ok(())
    }

    /// Notes the JSON type of `member`'s value, when observing.
    #[inline]
    fn note_type(&mut self, member: &Member, json_type: Types) {
        if self.observing
            && let Some(note) = self.record.notes.get_mut(member.index)
        {
            note.slot = json_type.index() + 1;
        }
    }

    /// A string where the member allows one.
    fn string_member(&mut self, member: &Member, text: Cow<'a, str>, start: usize) {
        if member.allowed.is_some() {
            let instance = Value::String(text.into_owned());
            let message = message::not_in_enum(&member.pointer, &instance, &member.expected_enum);
            self.fault(member, Rule::InvalidEnum, start, &instance, message);
            return;
        }
        if let Some(pattern) = member.pattern
            && !pattern.matches(&text)
        {
            let instance = Value::String(text.into_owned());
            let message = message::pattern_mismatch(&member.pointer, &instance, pattern.text());
            self.fault(member, Rule::MalformedValue, start, &instance, message);
            return;
        }
        if member.pattern.is_some()
            && self.observing
            && let Some(note) = self.record.notes.get_mut(member.index)
        {
            note.flags |= Note::MATCHED;
        }
        let mut value = None;
        if member.date_time {
            // The description gives `date-time` only with the UTC time's pattern.
            match text.parse::<UtcTime>() {
                Ok(t) => value = Some(FactValue::Utc(t)),
                Err(TimeError::Impossible { .. }) => {
                    let instance = Value::String(text.into_owned());
                    let message = message::not_real(&member.pointer, &instance, "date-time");
                    self.fault(member, Rule::ImpossibleTime, start, &instance, message);
                    return;
                }
                Err(_) => {}
            }
        }
        if let Some(fact) = member.fact {
            self.record
                .facts
                .set(fact, value.unwrap_or(FactValue::Text(text)));
        }
    }

    /// A number where the member allows one.
    fn number_member(&mut self, member: &Member, number: Number, start: usize) {
        if let Some(allowed) = &member.allowed {
            let Some(choice) = allowed
                .iter()
                .position(|a| compare(&number, a) == Ordering::Equal)
            else {
                let instance = Value::Number(number);
                let message =
                    message::not_in_enum(&member.pointer, &instance, &member.expected_enum);
                self.fault(member, Rule::InvalidEnum, start, &instance, message);
                return;
            };
            if self.observing
                && let Some(note) = self.record.notes.get_mut(member.index)
            {
                // Past 254 values, the profile reads the value back instead.
                note.choice = u8::try_from(choice + 1).unwrap_or(0);
            }
        }
        for (limit, bound, below) in [
            (&member.minimum, "at least", true),
            (&member.maximum, "at most", false),
        ] {
            if let Some(limit) = limit {
                let order = compare(&number, limit);
                if (below && order == Ordering::Less) || (!below && order == Ordering::Greater) {
                    let instance = Value::Number(number);
                    let message = message::out_of_range(
                        &member.pointer,
                        &instance,
                        bound,
                        &Value::Number(limit.clone()),
                    );
                    self.fault(member, Rule::OutOfRange, start, &instance, message);
                    return;
                }
            }
        }
        if number.is_f64() {
            if member.types.has(Types::INTEGER) && !member.types.has(Types::NUMBER) {
                let written = &self.text[start..self.pos];
                let message = message::written_with_fraction(&member.pointer, written);
                self.findings.push_at(
                    Rule::WrongType,
                    member.pointer.clone().into(),
                    start,
                    message,
                    None,
                );
            }
            return;
        }
        if let Some(fact) = member.fact {
            let value = match number.as_u64() {
                Some(n) => FactValue::Unsigned(n),
                None => FactValue::Signed(number.as_i64().unwrap_or_default()),
            };
            self.record.facts.set(fact, value);
        }
    }

    /// The semantic rules over the facts gathered.
    fn semantic(&mut self, zone: Option<&Zone>, asked: Option<&Facts<'_>>) {
        let mut placed = Placed {
            findings: self.findings,
            flat: self.flat,
            offsets: &self.record.offsets,
        };
        crate::semantic::judge(&mut placed, self.envelope.kind, &self.record.facts, zone);
        if let Some(asked) = asked {
            crate::semantic::exchange(&mut placed, asked, &self.record.facts);
        }
    }

    /// The literal `word`.
    fn literal(&mut self, word: &[u8]) -> Read<()> {
        if self.bytes.get(self.pos..self.pos + word.len()) != Some(word) {
            return Err(Malformed);
        }
        self.pos += word.len();
        Ok(())
    }

    /// A string: its raw contents (escapes left in) and whether it has escapes.
    fn string(&mut self) -> Read<(&'a str, bool)> {
        self.expect(b'"')?;
        let start = self.pos;
        let mut escaped = false;
        loop {
            self.pos = json_string::run_end(self.bytes, self.pos);
            match self.peek().ok_or(Malformed)? {
                b'"' => {
                    let text = self.text.get(start..self.pos).ok_or(Malformed)?;
                    self.pos += 1;
                    return Ok((text, escaped));
                }
                b'\\' => {}
                _ => return Err(Malformed),
            }
            escaped = true;
            self.pos += 1;
            match self.peek().ok_or(Malformed)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 1,
                b'u' => {
                    self.pos += 1;
                    let unit = self.hex4()?;
                    if (0xDC00..=0xDFFF).contains(&unit) {
                        return Err(Malformed);
                    }
                    if (0xD800..=0xDBFF).contains(&unit) {
                        self.expect(b'\\')?;
                        self.expect(b'u')?;
                        if !(0xDC00..=0xDFFF).contains(&self.hex4()?) {
                            return Err(Malformed);
                        }
                    }
                }
                _ => return Err(Malformed),
            }
        }
    }

    fn hex4(&mut self) -> Read<u16> {
        let hex = self.bytes.get(self.pos..self.pos + 4).ok_or(Malformed)?;
        let mut unit = 0u16;
        for &b in hex {
            let digit = char::from(b).to_digit(16).ok_or(Malformed)?;
            unit = unit * 16 + digit as u16;
        }
        self.pos += 4;
        Ok(unit)
    }

    /// A number per the RFC 8259 grammar, converted as serde_json converts it.
    fn number(&mut self) -> Read<Number> {
        let start = self.pos;
        let digit_at = |i: usize| matches!(self.bytes.get(i), Some(b'0'..=b'9'));
        let mut i = start;
        let negative = self.bytes.get(i) == Some(&b'-');
        if negative {
            i += 1;
        }
        let digits_start = i;
        match self.bytes.get(i) {
            Some(b'0') => {
                i += 1;
                if digit_at(i) {
                    return Err(Malformed);
                }
            }
            Some(b'1'..=b'9') => {
                while digit_at(i) {
                    i += 1;
                }
            }
            _ => return Err(Malformed),
        }
        let digits_end = i;
        let mut plain = true;
        if self.bytes.get(i) == Some(&b'.') {
            plain = false;
            i += 1;
            if !digit_at(i) {
                return Err(Malformed);
            }
            while digit_at(i) {
                i += 1;
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(i) {
            plain = false;
            i += 1;
            if let Some(b'+' | b'-') = self.bytes.get(i) {
                i += 1;
            }
            if !digit_at(i) {
                return Err(Malformed);
            }
            while digit_at(i) {
                i += 1;
            }
        }
        self.pos = i;
        let digits = &self.bytes[digits_start..digits_end];
        if plain && digits.len() <= 18 {
            let magnitude = digits
                .iter()
                .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
            if !negative {
                return Ok(Number::from(magnitude));
            }
            if magnitude != 0 {
                // At most 18 digits: well within `i64`.
                return Ok(Number::from(-(magnitude as i64)));
            }
        }
        serde_json::from_str::<Number>(&self.text[start..i]).map_err(|_| Malformed)
    }

    /// Skips a value the description does not cover (or of the wrong type), recording the
    /// duplicate keys inside it, and returns it as far as messages describe it: a scalar whole,
    /// a container empty.
    fn skip_value(&mut self, at: &str) -> Read<Value> {
        match self.peek() {
            Some(b'"') => {
                let (raw, escaped) = self.string()?;
                return Ok(Value::String(decode(raw, escaped).into_owned()));
            }
            Some(b'-' | b'0'..=b'9') => return Ok(Value::Number(self.number()?)),
            Some(b't') => {
                self.literal(b"true")?;
                return Ok(Value::Bool(true));
            }
            Some(b'f') => {
                self.literal(b"false")?;
                return Ok(Value::Bool(false));
            }
            Some(b'n') => {
                self.literal(b"null")?;
                return Ok(Value::Null);
            }
            Some(b'{') => {}
            Some(b'[') => {}
            _ => return Err(Malformed),
        }
        let outer = if self.peek() == Some(b'{') {
            Value::Object(serde_json::Map::new())
        } else {
            Value::Array(Vec::new())
        };
        let mut path = at.to_owned();
        let mut stack: Vec<Frame<'a>> = Vec::new();
        'value: loop {
            self.whitespace();
            match self.peek() {
                Some(bracket @ (b'{' | b'[')) => {
                    let saved = path.len();
                    if let Some(top) = stack.last() {
                        if top.object {
                            pointer::push_token(&mut path, &top.key);
                        } else {
                            path.push('/');
                            path.push_str(&top.index.to_string());
                        }
                    }
                    self.open()?;
                    self.whitespace();
                    let object = bracket == b'{';
                    let close = if object { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        self.depth -= 1;
                        path.truncate(saved);
                    } else {
                        stack.push(Frame {
                            object,
                            saved,
                            keys: KeySet::default(),
                            key: Cow::Borrowed(""),
                            index: 0,
                        });
                        if object {
                            self.generic_key(&mut stack, &path)?;
                        }
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    self.string()?;
                }
                Some(b'-' | b'0'..=b'9') => {
                    self.number()?;
                }
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                _ => return Err(Malformed),
            }
            loop {
                let Some(top) = stack.last_mut() else {
                    return Ok(outer);
                };
                self.whitespace();
                let close = if top.object { b'}' } else { b']' };
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if top.object {
                            self.generic_key(&mut stack, &path)?;
                        } else {
                            top.index += 1;
                        }
                        continue 'value;
                    }
                    Some(b) if b == close => {
                        self.pos += 1;
                        self.depth -= 1;
                        let saved = top.saved;
                        stack.pop();
                        path.truncate(saved);
                    }
                    _ => return Err(Malformed),
                }
            }
        }
    }

    /// Reads a key and its `:` in the innermost open object of a skipped value.
    fn generic_key(&mut self, stack: &mut [Frame<'a>], path: &str) -> Read<()> {
        self.whitespace();
        let key_offset = self.pos;
        let key = self.key()?;
        self.whitespace();
        self.expect(b':')?;
        let Some(top) = stack.last_mut() else {
            return Err(Malformed);
        };
        if !top.keys.insert(key.clone()) {
            self.repeated(path, &key, key_offset);
        }
        if let Some(top) = stack.last_mut() {
            top.key = key;
        }
        Ok(())
    }
}

/// Where the semantic rules report in the engine: at the offsets the walk recorded.
struct Placed<'w, 'p, 'e> {
    findings: &'w mut Findings<'p>,
    flat: &'e [Slot],
    offsets: &'w [usize],
}

impl Sink for Placed<'_, '_, '_> {
    fn push(
        &mut self,
        rule: Rule,
        pointer: Cow<'static, str>,
        message: String,
        hint: Option<Cow<'static, str>>,
    ) {
        // A pointer names one member. The rules' members are the order's, last in the
        // depth-first order: the search starts at the end.
        let offset = self
            .flat
            .iter()
            .rposition(|m| m.pointer == pointer)
            .map(|i| self.offsets[i])
            .filter(|&o| o != usize::MAX)
            .unwrap_or(0);
        self.findings.push_at(rule, pointer, offset, message, hint);
    }
}

/// A string's raw contents decoded: borrowed when it has no escapes.
fn decode(raw: &str, escaped: bool) -> Cow<'_, str> {
    if !escaped {
        return Cow::Borrowed(raw);
    }
    // The escapes were checked while scanning; serde_json decodes them exactly as the text stage.
    let quoted = format!("\"{raw}\"");
    Cow::Owned(serde_json::from_str::<String>(&quoted).unwrap_or_default())
}

/// Whether a number is an integer as JSON Schema counts one: `1.0` is.
fn is_integer(n: &Number) -> bool {
    n.is_u64() || n.is_i64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
}

/// Compares two numbers exactly, as JSON Schema does (`1.0` equals `1`).
pub(crate) fn compare(a: &Number, b: &Number) -> Ordering {
    let int = |n: &Number| {
        n.as_u64()
            .map(i128::from)
            .or_else(|| n.as_i64().map(i128::from))
    };
    match (int(a), int(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (None, Some(y)) => float_vs_int(a.as_f64().unwrap_or_default(), y),
        (Some(x), None) => float_vs_int(b.as_f64().unwrap_or_default(), x).reverse(),
        (None, None) => {
            let (x, y) = (
                a.as_f64().unwrap_or_default(),
                b.as_f64().unwrap_or_default(),
            );
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
    }
}

fn float_vs_int(f: f64, i: i128) -> Ordering {
    // |i| < 2^65 here, so anything past ±2^100 is decided by its sign.
    const FAR: f64 = 1.0e30;
    if f >= FAR {
        return Ordering::Greater;
    }
    if f <= -FAR {
        return Ordering::Less;
    }
    let whole = f.trunc();
    match (whole as i128).cmp(&i) {
        Ordering::Equal => f.partial_cmp(&whole).unwrap_or(Ordering::Equal),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_exactly() {
        let n = |s: &str| serde_json::from_str::<Number>(s).expect("a number");
        assert_eq!(compare(&n("1.0"), &n("1")), Ordering::Equal);
        assert_eq!(compare(&n("1.5"), &n("1")), Ordering::Greater);
        assert_eq!(compare(&n("0.5"), &n("1")), Ordering::Less);
        assert_eq!(compare(&n("-1.5"), &n("-1")), Ordering::Less);
        assert_eq!(
            compare(&n("18446744073709551616"), &n("18446744073709551615")),
            Ordering::Greater
        );
        assert_eq!(
            compare(&n("-2147483648"), &n("-2147483648.0")),
            Ordering::Equal
        );
        assert_eq!(compare(&n("1e300"), &n("2147483647")), Ordering::Greater);
        assert_eq!(compare(&n("-1e300"), &n("0")), Ordering::Less);
    }
}
