//! Typed payloads rebuilt from a walk: the members the engine found, fed to the types' derived
//! `Deserialize` by name, each value parsed by serde_json where the walk saw it start.
//!
//! A conforming payload with `keep_payload(true)` comes back with its typed value. Parsing the
//! text again with `serde_json::from_str` would scan every key and match it against the fields
//! a second time; the walk already knows where each member of the contract's objects starts.
//! The objects of the description are replayed as maps of those members (unknown members, which
//! the types ignore, are left out), and every other value is read by serde_json from its first
//! byte: the values, and so the typed payload, are the same as a second parse would give.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::forward_to_deserialize_any;

use crate::contract::{MAX_MEMBERS, Member, Object};

/// An object of the description, as the walk found it.
pub(crate) struct Replay<'a> {
    text: &'a str,
    object: &'a Object,
    /// Where each member's value starts, by member index (`usize::MAX`: absent).
    offsets: &'a [usize; MAX_MEMBERS],
}

impl<'a> Replay<'a> {
    /// The object `object` of a walk of `text` that recorded `offsets`. The walk must have
    /// found the text well formed, with no repeated key.
    pub(crate) fn new(
        text: &'a str,
        object: &'a Object,
        offsets: &'a [usize; MAX_MEMBERS],
    ) -> Self {
        Replay {
            text,
            object,
            offsets,
        }
    }

    fn members(&self) -> Members<'a> {
        Members {
            text: self.text,
            offsets: self.offsets,
            members: self.object.members.iter(),
            value: None,
        }
    }
}

impl<'de> Deserializer<'de> for Replay<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_map(self.members())
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// The members of a replayed object that the walk found, in the description's order.
struct Members<'a> {
    text: &'a str,
    offsets: &'a [usize; MAX_MEMBERS],
    members: std::slice::Iter<'a, Member>,
    /// The member whose key was given last, and where its value starts.
    value: Option<(&'a Member, usize)>,
}

impl<'de> MapAccess<'de> for Members<'de> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        for member in self.members.by_ref() {
            let Some(&start) = self.offsets.get(member.index) else {
                continue;
            };
            if start == usize::MAX {
                continue;
            }
            self.value = Some((member, start));
            let key = de::value::BorrowedStrDeserializer::new(member.name.as_str());
            return seed.deserialize(key).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        let Some((member, start)) = self.value.take() else {
            return Err(de::Error::custom("a value asked for before its key"));
        };
        let text = self.text.get(start..).unwrap_or_default();
        match &member.object {
            Some(object) => seed.deserialize(Nested {
                replay: Replay::new(self.text, object, self.offsets),
                text,
            }),
            None => seed.deserialize(&mut serde_json::Deserializer::from_str(text)),
        }
    }
}

/// The value of a member that the description holds as an object: `null`, or the object
/// replayed.
struct Nested<'a> {
    replay: Replay<'a>,
    /// The text from the value's first byte.
    text: &'a str,
}

impl<'de> Deserializer<'de> for Nested<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if self.text.starts_with('{') {
            visitor.visit_map(self.replay.members())
        } else {
            serde_json::Deserializer::from_str(self.text).deserialize_any(visitor)
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if self.text.starts_with("null") {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Contract;
    use crate::engine;
    use crate::envelope::{Request, Response};
    use crate::findings::{Findings, Policy};
    use crate::rules::RULES;
    use crate::sample;
    use crate::schema::{Kind, Variant};

    /// Walks `text` and replays it as `T`; also parses it as `T` the usual way.
    fn both<T: serde::de::DeserializeOwned>(
        contract: &Contract,
        kind: Kind,
        text: &str,
    ) -> (Result<T, serde_json::Error>, Result<T, serde_json::Error>) {
        let policy = Policy {
            severities: [None; RULES.len()],
            max_diagnostics: 64,
        };
        let mut findings = Findings::new(&policy);
        let envelope = contract.envelope(kind);
        let mut record = engine::Record::new();
        engine::walk(text, envelope, 64, None, None, &mut findings, &mut record)
            .expect("well formed");
        let replayed = T::deserialize(Replay::new(text, &envelope.root, &record.offsets));
        (replayed, serde_json::from_str(text))
    }

    #[test]
    fn replayed_payloads_are_what_a_second_parse_gives() {
        let contract = Contract::new(Variant::Tolerant).expect("the committed schemas");
        for seed in 0..300 {
            let text = sample::conforming(Kind::Response, seed).text;
            let (replayed, parsed) = both::<Response>(&contract, Kind::Response, &text);
            assert_eq!(
                replayed.expect("replayed"),
                parsed.expect("parsed"),
                "{text}"
            );
            let text = sample::conforming(Kind::Request, seed).text;
            let (replayed, parsed) = both::<Request>(&contract, Kind::Request, &text);
            assert_eq!(
                replayed.expect("replayed"),
                parsed.expect("parsed"),
                "{text}"
            );
        }
        // An error response (`data` null), unknown members, escapes and another member order.
        let text = r#"{"extra": {"a": [1, {"b": null}]}, "data": null, "message": "a \"quoted\" \u00e9", "code": 460, "localizedMsg": null}"#;
        let (replayed, parsed) = both::<Response>(&contract, Kind::Response, text);
        assert_eq!(replayed.expect("replayed"), parsed.expect("parsed"));
    }
}
