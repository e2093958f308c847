//! JSON Schemas of the case formats, generated from the types, so software
//! in other languages can produce valid cases. The tracked copies live in
//! `schema/`; a test keeps them in sync with the types.

use crate::model::{Case, Organisation, TaskRecord};

/// The schema of a case file (one organisation, one task, its events).
pub fn case_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Case)).unwrap_or_default()
}

/// The schema of a corpus's task line (`{"task": …, "events": […]}`).
pub fn task_line_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(TaskRecord)).unwrap_or_default()
}

/// The schema of a corpus's first line (`{"organisation": …}`).
pub fn organisation_line_schema() -> serde_json::Value {
    #[derive(schemars::JsonSchema)]
    #[expect(dead_code, reason = "only its schema is used")]
    struct OrganisationLine {
        organisation: Organisation,
    }
    serde_json::to_value(schemars::schema_for!(OrganisationLine)).unwrap_or_default()
}
