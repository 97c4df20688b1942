//! Validation against `schema/report.schema.json`, the JSON Schema of the report document.
//! Any integration test can use it: `mod common;` then `common::schema::assert_valid(&doc)`.

#![allow(dead_code)]

use jsonschema::{Draft, Validator};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Where the schema lives in the repository.
pub fn schema_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/report.schema.json")
}

/// The schema document as JSON.
pub fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = schema_path();
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
    })
}

/// The compiled schema: draft 2020-12, with `format` asserted (date-time, ipv4, ipv6).
pub fn validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .build(schema())
            .unwrap_or_else(|e| panic!("{} is not a valid schema: {e}", schema_path().display()))
    })
}

/// Every validation error of `doc`, one line each: `instance path: message (schema path)`.
/// Empty when the document is valid.
pub fn errors(doc: &Value) -> Vec<String> {
    validator()
        .iter_errors(doc)
        .map(|e| {
            let at = e.instance_path.as_str();
            let at = if at.is_empty() { "(root)" } else { at };
            format!("{at}: {e} (schema {})", e.schema_path.as_str())
        })
        .collect()
}

/// Panics, listing every validation error, unless `doc` is a valid mxray report.
pub fn assert_valid(doc: &Value) {
    let errors = errors(doc);
    assert!(
        errors.is_empty(),
        "the document does not match {} ({} error(s)):\n  {}",
        schema_path().display(),
        errors.len(),
        errors.join("\n  ")
    );
}
