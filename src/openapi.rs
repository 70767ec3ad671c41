//! An OpenAPI 3.1 description of the endpoint, derived from the same types as the JSON Schemas.
//!
//! OpenAPI 3.1 Schema Objects are JSON Schema 2020-12, so the components are the tolerant
//! schemas of [`schema::generate`] as they are, less their `$schema`
//! (the document's dialect applies). Committed as `schemas/openapi.json` and drift-checked with
//! the JSON Schemas ([`crate::artefacts::generate_all`]).

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value, json};

use crate::codes;
use crate::sample;
use crate::schema::{self, Kind, Variant};

/// The file name of the OpenAPI document under `schemas/`.
pub const FILE_NAME: &str = "openapi.json";

/// The endpoint's path.
const PATH: &str = "/vision/customer/cloudstorage/order/get";

/// A component schema: a derived schema without its `$schema`.
fn component(kind: Kind) -> Value {
    let mut value = schema::generate(kind, Variant::Tolerant);
    if let Some(map) = value.as_object_mut() {
        map.remove("$schema");
    }
    value
}

/// The seed of the generated examples: a request, and the success that answers it. Its request
/// carries no token, so that the document shows no credential, not even a made-up one (a test
/// holds it to that).
const EXAMPLE_SEED: u64 = 10;

/// A JSON payload of the library (a page example or a sample) as an example's value.
fn payload(text: &str) -> Value {
    // The page's examples and the samples are JSON objects: the library's tests say so.
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// A named Example Object.
fn example(summary: &str, value: Value) -> Value {
    json!({ "summary": summary, "value": value })
}

/// The request body's examples: the page's request, and a generated one.
fn request_examples(generated: &str) -> Map<String, Value> {
    let mut examples = Map::new();
    examples.insert(
        "page".into(),
        example(
            "The endpoint page's request example",
            payload(sample::PAGE_REQUEST),
        ),
    );
    examples.insert(
        "generated".into(),
        example("A conforming request, generated", payload(generated)),
    );
    examples
}

/// The 200 response's examples: the page's success (served first by a static mock), a
/// generated success that answers the generated request, and an error envelope for each
/// documented code.
fn response_examples(iot_id: &str, order_id: &str) -> Map<String, Value> {
    let mut examples = Map::new();
    examples.insert(
        "page".into(),
        example(
            "The endpoint page's success example: it conforms, with a single-digit-seconds \
             warning for each local time (`10:00:0`)",
            payload(sample::PAGE_SUCCESS),
        ),
    );
    let answer = sample::answer(EXAMPLE_SEED, iot_id, order_id);
    examples.insert(
        "generated".into(),
        example(
            "A conforming success that answers the generated request",
            payload(&answer.text),
        ),
    );
    for code in codes::DOCUMENTED {
        // The types serialize infallibly.
        let envelope = serde_json::to_value(code.envelope()).unwrap_or(Value::Null);
        examples.insert(
            format!("code-{}", code.code),
            example(
                &format!("{} {} ({} error)", code.code, code.message, code.issuer),
                envelope,
            ),
        );
    }
    examples
}

/// Where an example sits among the others of its map: the page's first (Stoplight Prism's
/// static mock serves the first example), then the generated one, then error envelopes by
/// code, then any other by name.
fn example_rank(name: &str) -> (u8, i64, &str) {
    match name {
        "page" => (0, 0, name),
        "generated" => (1, 0, name),
        _ => match name.strip_prefix("code-").and_then(|n| n.parse().ok()) {
            Some(code) => (2, code, name),
            None => (3, 0, name),
        },
    }
}

/// A value written with every object's members by name, as `serde_json` keeps them, except in
/// an `examples` map, whose members follow [`example_rank`].
struct Ordered<'a> {
    value: &'a Value,
    examples: bool,
}

impl Serialize for Ordered<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.value {
            Value::Object(map) => {
                let mut members: Vec<(&String, &Value)> = map.iter().collect();
                if self.examples {
                    members.sort_by_key(|(name, _)| example_rank(name));
                }
                let mut out = serializer.serialize_map(Some(members.len()))?;
                for (name, value) in members {
                    let examples = name == "examples";
                    out.serialize_entry(name, &Ordered { value, examples })?;
                }
                out.end()
            }
            Value::Array(items) => {
                let mut out = serializer.serialize_seq(Some(items.len()))?;
                for value in items {
                    out.serialize_element(&Ordered {
                        value,
                        examples: false,
                    })?;
                }
                out.end()
            }
            scalar => scalar.serialize(serializer),
        }
    }
}

/// Derives the OpenAPI 3.1 document.
///
/// The request body and the 200 response carry named examples (an `examples` map of Example
/// Objects): the endpoint page's own, then a generated one ([`sample::conforming`] and
/// [`sample::answer`] for that request), then for the 200 response an error envelope for each
/// documented code ([`codes::DOCUMENTED`], named `code-460` and so on). A [`Value`] keeps its
/// members by name; [`generate_text`] writes each `examples` map in that order instead, the
/// page's first, so that a static mock such as Stoplight Prism serves the page's example.
///
/// # Examples
///
/// ```
/// let document = cloudstorage_contract::openapi::generate();
/// assert_eq!(document["openapi"], "3.1.0");
/// let post = &document["paths"]["/vision/customer/cloudstorage/order/get"]["post"];
/// assert_eq!(
///     post["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
///     "#/components/schemas/OrderGetResponse"
/// );
/// ```
pub fn generate() -> Value {
    let json_body = |schema: &str, examples: Map<String, Value>| {
        json!({ "application/json": {
            "schema": { "$ref": format!("#/components/schemas/{schema}") },
            "examples": examples,
        } })
    };
    let request = sample::conforming(Kind::Request, EXAMPLE_SEED).text;
    let asked = payload(&request);
    let asked_id = |name: &str| {
        asked["params"][name]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let (iot_id, order_id) = (asked_id("iotId"), asked_id("orderId"));
    let mut contract_error = Map::new();
    contract_error.insert(
        "missing-order-id".into(),
        example(
            "A contract gateway's answer to a request without `params.orderId`",
            json!({
                "code": 400,
                "message": "the request violates the order/get 1.0.6 contract: \
                    [missing-field] at \"/params\": missing required member `orderId` \
                    in `params`",
                "localizedMsg": "请求不符合 order/get 1.0.6 接口约定：\
                    [missing-field] at \"/params\": missing required member `orderId` \
                    in `params`",
                "data": null,
            }),
        ),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Alibaba Cloud IoT Living Link: cloud-storage package order detail",
            "version": "1.0.6",
            "description": "The contract of `POST /vision/customer/cloudstorage/order/get` \
                (API version 1.0.6, 获取云存储套餐订单详情) as the `cloudstorage-contract` crate \
                enforces it. Generated from the crate's types; never edited by hand.",
        },
        "paths": {
            PATH: {
                "post": {
                    "operationId": "getCloudStorageOrder",
                    "summary": "The detail of a cloud-storage package order (获取云存储套餐订单详情)",
                    "description": "The platform answers HTTP 200 with an envelope whose `code` \
                        tells success (200, with the order in `data`) or failure (another code, \
                        `data` null). A contract gateway (the crate's `tower` layer in enforce \
                        mode) answers a request that breaks the contract with 400, one over its \
                        size limit with 413, a compressed one with 415, and an upstream response \
                        that breaks the contract (or is over the limit, or compressed) with 502, \
                        in the same envelope.",
                    "requestBody": {
                        "required": true,
                        "content": json_body("OrderGetRequest", request_examples(&request)),
                    },
                    "responses": {
                        "200": {
                            "description": "The platform's answer: the order when `code` is \
                                200, an error envelope otherwise.",
                            "content": json_body(
                                "OrderGetResponse",
                                response_examples(&iot_id, &order_id),
                            ),
                        },
                        "400": { "$ref": "#/components/responses/ContractError" },
                        "413": { "$ref": "#/components/responses/ContractError" },
                        "415": { "$ref": "#/components/responses/ContractError" },
                        "502": { "$ref": "#/components/responses/ContractError" },
                    },
                },
            },
        },
        "components": {
            "schemas": {
                "OrderGetRequest": component(Kind::Request),
                "OrderGetResponse": component(Kind::Response),
                "ErrorEnvelope": {
                    "title": "order/get 1.0.6 error envelope",
                    "description": "A response that reports a failure: a `code` other than \
                        200 and `data` null.",
                    "allOf": [{ "$ref": "#/components/schemas/OrderGetResponse" }],
                    "properties": {
                        "code": { "not": { "const": 200 } },
                        "data": { "type": "null" },
                    },
                    "required": ["code", "data"],
                },
            },
            "responses": {
                "ContractError": {
                    "description": "A contract gateway's answer: the status again as `code`, \
                        and a message that names the rule and the JSON Pointer of the first \
                        errors (never a credential).",
                    "content": json_body("ErrorEnvelope", contract_error),
                },
            },
        },
    })
}

/// The OpenAPI document as the pretty JSON text committed under `schemas/`, with a final
/// newline. Members are written by name, except in `examples` maps: the page's example first
/// (a static mock such as Stoplight Prism serves the first), then the generated one, then the
/// error envelopes by code.
pub fn generate_text() -> String {
    let document = generate();
    let ordered = Ordered {
        value: &document,
        examples: false,
    };
    // Serializing a `Value` into a `String` cannot fail: its keys are strings.
    let mut text = serde_json::to_string_pretty(&ordered).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_request_example_carries_no_token() {
        let request = payload(&sample::conforming(Kind::Request, EXAMPLE_SEED).text);
        let system = request["request"].as_object().expect("system parameters");
        assert!(!system.contains_key("iotToken") && !system.contains_key("cloudToken"));
    }

    #[test]
    fn examples_are_ranked_page_generated_then_codes() {
        let mut names = [
            "code-2000",
            "generated",
            "code-460",
            "other",
            "page",
            "code-400",
        ];
        names.sort_by_key(|n| example_rank(n));
        assert_eq!(
            names,
            [
                "page",
                "generated",
                "code-400",
                "code-460",
                "code-2000",
                "other"
            ]
        );
    }
}
