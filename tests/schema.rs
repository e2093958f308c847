//! The tracked JSON Schemas in `schema/` must match the ones generated from
//! the types. To regenerate them after changing the types:
//!
//! ```sh
//! UPDATE_SCHEMA=1 cargo test --test schema
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use accountable::io::case_from_str;
use accountable::schema::{case_schema, organisation_line_schema, task_line_schema};
use serde_json::{Value, json};

fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schema")
}

/// The tracked files and how to generate each.
fn schemas() -> [(&'static str, Value); 3] {
    [
        ("case.schema.json", case_schema()),
        ("task-line.schema.json", task_line_schema()),
        ("organisation-line.schema.json", organisation_line_schema()),
    ]
}

/// Pretty JSON with a trailing newline, as tracked.
fn render(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap();
    s.push('\n');
    s
}

fn updating() -> bool {
    std::env::var("UPDATE_SCHEMA").is_ok_and(|v| v == "1")
}

#[test]
fn tracked_schemas_match_the_types() {
    let dir = schema_dir();
    if updating() {
        std::fs::create_dir_all(&dir).unwrap();
    }
    let mut stale = Vec::new();
    for (name, schema) in schemas() {
        let path = dir.join(name);
        let want = render(&schema);
        if updating() {
            std::fs::write(&path, &want).unwrap();
            continue;
        }
        let Ok(have) = std::fs::read_to_string(&path) else {
            stale.push(format!("schema/{name} is missing"));
            continue;
        };
        let have = have.replace("\r\n", "\n");
        if have != want {
            let line = have
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .map_or_else(
                    || have.lines().count().min(want.lines().count()) + 1,
                    |i| i + 1,
                );
            stale.push(format!(
                "schema/{name} differs from the generated schema (first at line {line})"
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "{}\nThe tracked schemas are out of date with the types. Regenerate them with\n\n    \
         UPDATE_SCHEMA=1 cargo test --test schema\n\nthen review and commit the files in schema/.",
        stale.join("\n")
    );
}

#[test]
fn tracked_schemas_are_valid_json_with_a_trailing_newline() {
    if updating() {
        return;
    }
    for (name, _) in schemas() {
        let Ok(text) = std::fs::read_to_string(schema_dir().join(name)) else {
            continue; // reported by `tracked_schemas_match_the_types`
        };
        assert!(
            text.ends_with('\n'),
            "schema/{name} lacks a trailing newline"
        );
        assert!(
            !text.ends_with("\n\n"),
            "schema/{name} ends with a blank line"
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        assert!(v.is_object(), "schema/{name} is not an object");
        assert!(
            text.lines().count() > 1,
            "schema/{name} is not pretty-printed"
        );
    }
}

#[test]
fn generated_schemas_are_json_schemas() {
    for (name, schema) in schemas() {
        let obj = schema.as_object().unwrap();
        assert!(
            obj.get("$schema")
                .and_then(Value::as_str)
                .is_some_and(|s| s.starts_with("https://json-schema.org/")),
            "{name}: no $schema"
        );
        assert_eq!(obj.get("type"), Some(&json!("object")), "{name}");
        assert!(
            obj.get("properties").is_some_and(Value::is_object),
            "{name}"
        );
    }
}

/// The `required` list of an object schema.
fn required(schema: &Value) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// Follows a `$ref` to `#/$defs/…` in `root`.
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r
                .strip_prefix("#/$defs/")
                .unwrap_or_else(|| panic!("ref {r}"));
            &root["$defs"][name]
        }
        None => schema,
    }
}

/// A tiny valid case.
fn sample_case() -> Value {
    json!({
        "organisation": {
            "units": [
                { "id": "so", "name": "Sở Tài nguyên và Môi trường", "kind": "department" }
            ],
            "officials": [
                { "id": "cv", "name": "Phạm Thu An", "category": "cong_chuc" }
            ],
            "positions": [
                { "official": "cv", "unit": "so", "role": "staff", "from": "2020-01-01" }
            ]
        },
        "task": {
            "id": "hs-1",
            "title": "Cấp giấy chứng nhận",
            "unit": "so",
            "field": "land",
            "competent_unit": "so",
            "origin": "citizen_dossier",
            "received": "2025-03-03T08:00:00+07:00",
            "steps": [ { "id": "s1", "kind": "receive", "assignee": "cv" } ]
        },
        "events": [
            {
                "id": "e1",
                "at": "2025-03-03T09:00:00+07:00",
                "actor": "cv",
                "step": "s1",
                "kind": "accepted"
            }
        ]
    })
}

#[test]
fn sample_case_is_valid() {
    let text = serde_json::to_string_pretty(&sample_case()).unwrap();
    let case = case_from_str(&text, "sample").unwrap();
    assert_eq!(case.task().id.as_str(), "hs-1");
}

#[test]
fn sample_case_has_every_key_the_schema_requires() {
    let schema = case_schema();
    let sample = sample_case();
    let top = required(&schema);
    assert!(top.contains(&"organisation".to_string()), "{top:?}");
    assert!(top.contains(&"task".to_string()), "{top:?}");
    for key in &top {
        assert!(
            sample.get(key).is_some(),
            "the sample lacks required `{key}`"
        );
    }
    // Every top-level key of the sample is one the schema knows.
    let props = schema["properties"].as_object().unwrap();
    for key in sample.as_object().unwrap().keys() {
        assert!(props.contains_key(key), "the schema does not know `{key}`");
    }
    // One level down: the organisation and the task.
    for part in ["organisation", "task"] {
        let sub = resolve(&schema, &schema["properties"][part]);
        let req = required(sub);
        assert!(!req.is_empty(), "{part}: no required keys in the schema");
        for key in req {
            assert!(
                sample[part].get(&key).is_some(),
                "the sample's {part} lacks required `{key}`"
            );
        }
    }
}

#[test]
fn line_schemas_require_their_one_key() {
    assert!(required(&task_line_schema()).contains(&"task".to_string()));
    assert_eq!(required(&organisation_line_schema()), vec!["organisation"]);
    // The sample splits into an organisation line and a task line.
    let sample = sample_case();
    let org_line = json!({ "organisation": sample["organisation"] });
    let task_line = json!({ "task": sample["task"], "events": sample["events"] });
    for (line, schema) in [
        (&org_line, organisation_line_schema()),
        (&task_line, task_line_schema()),
    ] {
        for key in required(&schema) {
            assert!(line.get(&key).is_some(), "line lacks `{key}`");
        }
    }
}
