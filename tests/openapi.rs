//! `schemas/openapi.json` is a valid OpenAPI 3.1 document whose schemas judge payloads as the
//! validator does. (That it matches the types is `schema_drift.rs`'s job.)

use std::path::Path;

use serde_json::{Value, json};

/// The published OpenAPI 3.1 meta-schema; see `tests/vendor/README.md`.
const META_SCHEMA: &str = include_str!("vendor/oas-3.1-schema-2022-10-07.json");

fn committed() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/openapi.json");
    let text = std::fs::read_to_string(&path).expect("schemas/openapi.json");
    serde_json::from_str(&text).expect("JSON")
}

fn meta_validator() -> jsonschema::Validator {
    let meta: Value = serde_json::from_str(META_SCHEMA).expect("JSON");
    assert_eq!(
        meta["$id"],
        "https://spec.openapis.org/oas/3.1/schema/2022-10-07"
    );
    jsonschema::draft202012::options()
        .build(&meta)
        .expect("the meta-schema compiles")
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn the_document_is_valid_openapi_3_1() {
    let document = committed();
    let errors = errors(&meta_validator(), &document);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(document["openapi"], "3.1.0");
}

#[test]
fn the_meta_schema_rejects_broken_documents() {
    let meta = meta_validator();
    let document = committed();
    let post = "/paths/~1vision~1customer~1cloudstorage~1order~1get/post";

    let mut no_info = document.clone();
    no_info.as_object_mut().expect("object").remove("info");
    assert!(!meta.is_valid(&no_info));

    let mut misspelt = document.clone();
    misspelt.pointer_mut(post).expect("the operation")["operationID"] = json!("x");
    assert!(!meta.is_valid(&misspelt));

    // A Schema Object must be an object or a boolean: reached through `$dynamicRef`.
    let mut bad_schema = document;
    bad_schema["components"]["schemas"]["OrderGetRequest"] = json!(42);
    assert!(!meta.is_valid(&bad_schema));
}

#[test]
fn component_schemas_are_json_schema_2020_12_without_a_dialect_of_their_own() {
    let document = committed();
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("components/schemas");
    assert_eq!(
        schemas.keys().collect::<Vec<_>>(),
        ["ErrorEnvelope", "OrderGetRequest", "OrderGetResponse"]
    );
    for (name, schema) in schemas {
        assert!(schema.get("$schema").is_none(), "{name} keeps its $schema");
        jsonschema::draft202012::meta::validate(schema)
            .unwrap_or_else(|e| panic!("{name} is not a valid 2020-12 schema: {e}"));
    }
}

/// A validator for one component, resolving its `$ref`s inside the document.
fn component_validator(document: &Value, name: &str) -> jsonschema::Validator {
    let mut root = document.clone();
    root["$ref"] = json!(format!("#/components/schemas/{name}"));
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("{name} compiles: {e}"))
}

fn example(path: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("example")).expect("JSON")
}

#[test]
fn the_components_judge_payloads() {
    let document = committed();
    let request = component_validator(&document, "OrderGetRequest");
    let response = component_validator(&document, "OrderGetResponse");
    let envelope = component_validator(&document, "ErrorEnvelope");

    assert!(request.is_valid(&example("examples/page/request.json")));
    let success = example("examples/page/response-success.json");
    assert!(response.is_valid(&success));
    assert!(
        !envelope.is_valid(&success),
        "a success is not an error envelope"
    );

    let documented = document
        .pointer("/components/responses/ContractError/content/application~1json/example")
        .expect("the error example");
    assert!(envelope.is_valid(documented));
    assert!(response.is_valid(documented));
    for broken in [
        json!({"code": 200, "message": "ok", "data": null}),
        json!({"code": 502, "message": "bad gateway"}),
        json!({"code": "502", "data": null}),
    ] {
        assert!(!envelope.is_valid(&broken), "{broken}");
    }
}
