//! `schemas/openapi.json` is a valid OpenAPI 3.1 document whose schemas judge payloads as the
//! validator does. (That it matches the types is `schema_drift.rs`'s job.)

use std::path::Path;

use cloudstorage_contract::{Options, Rule, Severity, Validator, codes, sample};
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
        .pointer(
            "/components/responses/ContractError/content/application~1json/examples/missing-order-id/value",
        )
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

const POST: &str = "/paths/~1vision~1customer~1cloudstorage~1order~1get/post";

/// The named examples of a media type (`application/json`) at `pointer`, in the document's
/// order of names (sorted: `Value` keeps members by name).
fn named_examples<'d>(document: &'d Value, pointer: &str) -> Vec<(&'d String, &'d Value)> {
    let media = document
        .pointer(&format!("{pointer}/content/application~1json"))
        .unwrap_or_else(|| panic!("{pointer}"));
    assert!(
        media.get("example").is_none(),
        "{pointer}: named examples only"
    );
    let examples = media["examples"].as_object().expect("an examples map");
    for (name, example) in examples {
        let object = example.as_object().expect("an Example Object");
        assert!(object["summary"].is_string(), "{name}");
        assert_eq!(object.len(), 2, "{name}: summary and value");
    }
    examples
        .iter()
        .map(|(name, e)| (name, &e["value"]))
        .collect()
}

fn diagnostics(report: &cloudstorage_contract::Report) -> Vec<(Rule, Severity, &str)> {
    report
        .diagnostics()
        .iter()
        .map(|d| (d.rule(), d.severity(), d.pointer()))
        .collect()
}

#[test]
fn every_named_example_validates_as_documented() {
    let document = committed();
    let validator = Validator::new(Options::default()).expect("valid options");
    let text = |value: &Value| serde_json::to_string(value).expect("JSON");

    let requests = named_examples(&document, &format!("{POST}/requestBody"));
    let names: Vec<&str> = requests.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["generated", "page"]);
    for (name, value) in &requests {
        let report = validator.validate_request(text(value).as_bytes());
        assert!(
            report.diagnostics().is_empty(),
            "{name}: {:?}",
            diagnostics(&report)
        );
    }

    let responses = named_examples(&document, &format!("{POST}/responses/200"));
    let mut expected: Vec<String> = codes::DOCUMENTED
        .iter()
        .map(|c| format!("code-{}", c.code))
        .chain(["generated".into(), "page".into()])
        .collect();
    expected.sort();
    let names: Vec<&String> = responses.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, expected.iter().collect::<Vec<_>>());
    for (name, value) in &responses {
        let report = validator.validate_response(text(value).as_bytes());
        let found = diagnostics(&report);
        if name.as_str() == "page" {
            // The page's `10:00:0`, in both local times: conforming, with that warning. (The
            // document writes members by name, so `endTime` comes first.)
            assert!(report.conforms(), "{found:?}");
            assert_eq!(
                found,
                [
                    (Rule::SingleDigitSeconds, Severity::Warning, "/data/endTime"),
                    (
                        Rule::SingleDigitSeconds,
                        Severity::Warning,
                        "/data/startTime"
                    ),
                ]
            );
            assert_eq!(
                **value,
                serde_json::from_str::<Value>(sample::PAGE_SUCCESS).unwrap()
            );
        } else {
            assert!(found.is_empty(), "{name}: {found:?}");
        }
        if let Some(code) = name.strip_prefix("code-") {
            let code: i32 = code.parse().expect("a code");
            let envelope = codes::lookup(code).expect("a documented code").envelope();
            assert_eq!(
                **value,
                serde_json::to_value(envelope).expect("JSON"),
                "{name}"
            );
        }
    }

    // The generated success answers the generated request.
    let request = text(
        requests
            .iter()
            .find(|(n, _)| n.as_str() == "generated")
            .unwrap()
            .1,
    );
    let answer = text(
        responses
            .iter()
            .find(|(n, _)| n.as_str() == "generated")
            .unwrap()
            .1,
    );
    let exchange = validator.validate_exchange(request.as_bytes(), answer.as_bytes());
    assert!(exchange.request.diagnostics().is_empty());
    assert!(
        exchange.response.diagnostics().is_empty(),
        "{:?}",
        diagnostics(&exchange.response)
    );

    let errors = named_examples(&document, "/components/responses/ContractError");
    assert_eq!(errors.len(), 1);
    for (name, value) in errors {
        let report = validator.validate_response(text(value).as_bytes());
        assert!(
            report.diagnostics().is_empty(),
            "{name}: {:?}",
            diagnostics(&report)
        );
    }
}

#[test]
fn the_page_examples_come_first_in_the_committed_text() {
    // Stoplight Prism's static mock serves an operation's first example: the committed text,
    // not a `Value`, decides which. An Example Object's members are `summary`, then `value`.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/openapi.json");
    let text = std::fs::read_to_string(&path).expect("schemas/openapi.json");
    let lines: Vec<&str> = text.lines().collect();
    let names: Vec<&str> = lines
        .windows(2)
        .filter(|w| w[1].trim_start().starts_with("\"summary\": "))
        .filter_map(|w| w[0].trim().strip_suffix(": {"))
        .map(|name| name.trim_matches('"'))
        .collect();
    let codes = codes::DOCUMENTED.iter().map(|c| format!("code-{}", c.code));
    let expected: Vec<String> = ["missing-order-id", "page", "generated", "page", "generated"]
        .into_iter()
        .map(String::from)
        .chain(codes)
        .collect();
    assert_eq!(names, expected);
}
