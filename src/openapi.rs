//! An OpenAPI 3.1 description of the endpoint, derived from the same types as the JSON Schemas.
//!
//! OpenAPI 3.1 Schema Objects are JSON Schema 2020-12, so the components are the tolerant
//! schemas of [`schema::generate`] as they are, less their `$schema`
//! (the document's dialect applies). Committed as `schemas/openapi.json` and drift-checked with
//! the JSON Schemas ([`crate::artefacts::generate_all`]).

use serde_json::{Value, json};

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

/// Derives the OpenAPI 3.1 document.
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
    let json_body = |schema: &str, example: Option<Value>| {
        let mut media = json!({ "schema": { "$ref": format!("#/components/schemas/{schema}") } });
        if let (Some(example), Some(map)) = (example, media.as_object_mut()) {
            map.insert("example".into(), example);
        }
        json!({ "application/json": media })
    };
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
                        "content": json_body("OrderGetRequest", None),
                    },
                    "responses": {
                        "200": {
                            "description": "The platform's answer: the order when `code` is \
                                200, an error envelope otherwise.",
                            "content": json_body("OrderGetResponse", None),
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
                    "content": json_body("ErrorEnvelope", Some(json!({
                        "code": 400,
                        "message": "the request violates the order/get 1.0.6 contract: \
                            [missing-field] at \"/params\": missing required member `orderId` \
                            in `params`",
                        "localizedMsg": "请求不符合 order/get 1.0.6 接口约定：\
                            [missing-field] at \"/params\": missing required member `orderId` \
                            in `params`",
                        "data": null,
                    }))),
                },
            },
        },
    })
}

/// The OpenAPI document as the pretty JSON text committed under `schemas/`, with a final
/// newline.
pub fn generate_text() -> String {
    // Serializing a `Value` into a `String` cannot fail: its keys are strings.
    let mut text = serde_json::to_string_pretty(&generate()).unwrap_or_default();
    text.push('\n');
    text
}
