//! The bundled sample: a fictional province (tỉnh Sơn Hà) with a Department
//! of Natural Resources and Environment, a Department of Construction, the
//! provincial people's committee and one commune; about twenty officials
//! and forty tasks over the fields the article names, 2024–2026.
//!
//! It is what `cargo run --example audit` judges by default, and what the
//! docs, tests and benches share.

use crate::io::{CaseFileError, corpus_from_str};
use crate::model::ValidCase;

/// The sample corpus as JSON Lines (organisation first, then one task per line).
pub const PROVINCE_JSONL: &str = include_str!("../data/sample/province.jsonl");

/// The review date the sample is judged on by default.
pub const AS_OF: &str = "2026-03-31";

/// The sample corpus, validated.
///
/// # Errors
/// Only if the bundled file were broken; a test guarantees it is not.
pub fn corpus() -> Result<Vec<ValidCase>, CaseFileError> {
    corpus_from_str(PROVINCE_JSONL, "data/sample/province.jsonl")
}

/// The default review date as a date.
pub fn as_of() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap_or_default()
}
