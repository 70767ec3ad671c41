//! How the contract's objects deserialize: from JSON objects only, counting their members.
//!
//! serde's derived `Deserialize` reads a struct from a JSON object *or* from an array of its
//! field values in declaration order, so `"params": ["dev", "order"]` would pass. The contract's
//! objects derive with `#[serde(remote = "Self")]`, which turns the derived code into inherent
//! functions, and [`contract_object!`] implements the traits on top: `deserialize_map` only, so
//! an array is refused with "invalid type: sequence, expected an object".
//!
//! On the way, every member read is counted (per thread). The validator's fast path compares
//! that count with the members the typed value holds: any difference means a member the types
//! ignored (unknown to the contract) or a `null` where an optional member was absent, and the
//! payload goes down the full path, which reports it. Counting costs an increment per member,
//! where tracking each ignored key by name would wrap every value.

use std::cell::Cell;

use serde::de::{DeserializeSeed, MapAccess};

thread_local! {
    static MEMBERS: Cell<usize> = const { Cell::new(0) };
}

/// Resets this thread's member count.
pub(crate) fn reset_members() {
    MEMBERS.with(|m| m.set(0));
}

/// The members read on this thread since the last reset.
pub(crate) fn members() -> usize {
    MEMBERS.with(Cell::get)
}

/// A `MapAccess` that counts the keys it hands out.
pub(crate) struct Counting<A>(pub(crate) A);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Counting<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let key = self.0.next_key_seed(seed)?;
        if key.is_some() {
            MEMBERS.with(|m| m.set(m.get().wrapping_add(1)));
        }
        Ok(key)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.0.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// Implements `Serialize` and `Deserialize` for a struct whose serde derives carry
/// `#[serde(remote = "Self")]`.
macro_rules! contract_object {
    ($ty:ty, $expecting:literal) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                // The derived, inherent function.
                <$ty>::serialize(self, serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct ObjectOnly;

                impl<'de> serde::de::Visitor<'de> for ObjectOnly {
                    type Value = $ty;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }

                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        map: A,
                    ) -> Result<$ty, A::Error> {
                        let counting = $crate::object::Counting(map);
                        <$ty>::deserialize(serde::de::value::MapAccessDeserializer::new(counting))
                    }
                }

                deserializer.deserialize_map(ObjectOnly)
            }
        }
    };
}

pub(crate) use contract_object;
