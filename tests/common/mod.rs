//! Helpers shared by the integration tests: the binary, the shared vectors, a test server.

pub mod listener;
pub mod server;

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

/// The hookctl binary with a clean environment: no user config, no colour, no secrets from the
/// developer's shell.
pub fn hookctl() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hookctl"));
    let home = std::env::temp_dir().join("hookctl-test-home");
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("NO_COLOR", "1")
        .current_dir(std::env::temp_dir());
    command
}

/// Run and return the output, with stdout and stderr as text.
pub fn run(command: &mut Command) -> (Output, String, String) {
    let output = command.output().expect("hookctl runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

/// The JSON Lines records printed by a `--json` run, each checked against the committed schema.
pub fn records(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let record = serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
            check_record(&record);
            record
        })
        .collect()
}

/// `docs/records.schema.json`, compiled once by an implementation independent of the one that
/// generated it.
static RECORDS_SCHEMA: std::sync::LazyLock<jsonschema::Validator> =
    std::sync::LazyLock::new(|| {
        let text = std::fs::read_to_string(repo_path("docs/records.schema.json"))
            .expect("docs/records.schema.json is committed");
        let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
        jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
    });

/// Fail the test when a record does not match the schema, naming every mismatch.
pub fn check_record(record: &Value) {
    let errors: Vec<String> = RECORDS_SCHEMA
        .iter_errors(record)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "a record does not match docs/records.schema.json:\n{record}\n{}",
        errors.join("\n")
    );
}

pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The signature vectors: the copy in tests/data, which must equal ../shared/vectors.json where that exists.
pub fn vectors() -> Vec<Value> {
    let text = std::fs::read_to_string(repo_path("tests/data/vectors.json"))
        .expect("tests/data/vectors.json");
    let value: Value = serde_json::from_str(&text).expect("vectors.json is JSON");
    value["vectors"]
        .as_array()
        .expect("a vectors array")
        .clone()
}
