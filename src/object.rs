//! How the contract's objects deserialize: from JSON objects only.
//!
//! serde's derived `Deserialize` reads a struct from a JSON object *or* from an array of its
//! field values in declaration order, so `"params": ["dev", "order"]` would pass. The contract's
//! objects derive with `#[serde(remote = "Self")]`, which turns the derived code into inherent
//! functions, and [`contract_object!`] implements the traits on top: `deserialize_map` only, so
//! an array is refused with "invalid type: sequence, expected an object".

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
                        <$ty>::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    }
                }

                deserializer.deserialize_map(ObjectOnly)
            }
        }
    };
}

pub(crate) use contract_object;
