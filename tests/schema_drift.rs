//! The committed schemas are what the types derive, and the validator runs the committed files.

use std::path::Path;

use cloudstorage_contract::schema::{self, Kind, Variant};

#[test]
fn committed_schemas_match_the_types() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let drifts =
        cloudstorage_contract::artefacts::check_dir(&dir).expect("the schema folder is readable");
    let diffs: String = drifts.iter().map(|d| d.diff.as_str()).collect();
    assert!(
        drifts.is_empty(),
        "schemas/ drifted from the types; review the diff, then run\n  \
         cargo run -- schema --write schemas/\n\n{diffs}"
    );
}

#[test]
fn embedded_schemas_are_the_committed_files() {
    for kind in Kind::ALL {
        for variant in Variant::ALL {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("schemas")
                .join(schema::file_name(kind, variant));
            let on_disk = std::fs::read_to_string(&path).expect("committed schema");
            assert_eq!(
                schema::committed(kind, variant),
                on_disk,
                "{}",
                path.display()
            );
        }
    }
}

#[test]
fn drift_is_detected_with_a_diff() {
    let dir = std::env::temp_dir().join(format!("cc-drift-{}", std::process::id()));
    cloudstorage_contract::artefacts::write_all(&dir).expect("writes");
    let file = schema::file_name(Kind::Response, Variant::Tolerant);
    let path = dir.join(&file);
    let text = std::fs::read_to_string(&path).expect("written");
    std::fs::write(&path, text.replace("\"minimum\": 1", "\"minimum\": 0")).expect("edit");
    std::fs::remove_file(dir.join(schema::file_name(Kind::Request, Variant::Strict)))
        .expect("remove");
    let drifts = cloudstorage_contract::artefacts::check_dir(&dir).expect("readable");
    std::fs::remove_dir_all(&dir).ok();
    let files: Vec<&str> = drifts.iter().map(|d| d.file.as_str()).collect();
    assert_eq!(
        files,
        ["order-get.request.strict.schema.json", file.as_str()]
    );
    assert!(
        drifts[1].diff.contains("-          \"minimum\": 0,"),
        "{}",
        drifts[1].diff
    );
    assert!(
        drifts[1].diff.contains("+          \"minimum\": 1,"),
        "{}",
        drifts[1].diff
    );
}

#[test]
fn schemas_are_draft_2020_12_without_refs_or_any_of() {
    // The JSON Schemas only: the OpenAPI document refers to its components with `$ref`.
    let schemas = cloudstorage_contract::artefacts::generate_all()
        .into_iter()
        .filter(|(file, _)| file.ends_with(".schema.json"));
    for (file, text) in schemas {
        let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(
            value["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{file}"
        );
        for hidden in [
            "\"$ref\"",
            "\"anyOf\"",
            "\"oneOf\"",
            "\"format\": \"int",
            "\"format\": \"uint",
        ] {
            assert!(!text.contains(hidden), "{file} contains {hidden}");
        }
        jsonschema::draft202012::meta::validate(&value)
            .unwrap_or_else(|e| panic!("{file} is not a valid 2020-12 schema: {e}"));
    }
}
