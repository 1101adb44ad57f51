//! Every command's `--json` lines match `docs/records.schema.json`: `common::records` and the
//! listener check each line they read; this test runs each command once and makes sure every
//! record type was seen, so that none goes unchecked.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;

use crate::common::listener::{raw_exchange, Listener};
use crate::common::server::TestServer;
use crate::common::{hookctl, records, repo_path, run};

/// Run hookctl with `--json` and return its records (each checked against the schema).
fn json(args: &[&str]) -> Vec<Value> {
    let (_, stdout, _) = run(hookctl().args(args).arg("--json"));
    records(&stdout)
}

#[test]
fn every_record_type_is_produced_and_matches_the_committed_schema() {
    let seen = every_command_s_records();
    check_coverage(&seen);
}

/// The same records checked by a second, independent implementation: Python's `jsonschema`
/// (`.ci/run` installs Debian's python3-jsonschema when it is missing).
#[test]
#[ignore = "needs python3 with the jsonschema module"]
fn every_record_also_validates_with_python_jsonschema() {
    let seen = every_command_s_records();
    let dir = tempfile::tempdir().unwrap();
    let lines = dir.path().join("records.jsonl");
    let text: String = seen.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(&lines, text).unwrap();
    let check = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft202012Validator(schema)
bad = 0
for number, line in enumerate(open(sys.argv[2]), 1):
    for error in validator.iter_errors(json.loads(line)):
        bad += 1
        print(f"line {number}: {error.message}", file=sys.stderr)
print(number)
sys.exit(1 if bad else 0)
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", check])
        .arg(repo_path("docs/records.schema.json"))
        .arg(&lines)
        .output()
        .expect("python3 runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let checked: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert_eq!(checked, seen.len());
}

/// Every command's `--json` records, one run each, with every record type among them.
fn every_command_s_records() -> Vec<Value> {
    let mut seen: Vec<Value> = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("captures");

    seen.extend(json(&["fixtures"]));
    seen.extend(json(&["fixtures", "stripe"]));
    seen.extend(json(&["fixtures", "show", "stripe:charge.succeeded"]));
    seen.extend(json(&[
        "fixtures",
        "show",
        "--scenario",
        "stripe:checkout-completed",
    ]));
    seen.extend(json(&[
        "send",
        "stripe:charge.succeeded",
        "cryptomate:CARD_AUTHORIZATION",
        "--dry-run",
    ]));
    seen.extend(json(&[
        "send",
        "--scenario",
        "stripe:payment-failed",
        "--dry-run",
    ]));

    // A listener that saves, a real send with a shuffled, duplicating arrangement, a request it
    // refuses and a connection that breaks.
    let listener = Listener::start(&["--save", folder.to_str().unwrap(), "--count", "4"]);
    seen.push(listener.announced.clone());
    let raw = raw_exchange(
        listener.port,
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(10),
    );
    assert!(raw.starts_with("HTTP/1.1 405"), "{raw}");
    let _ = raw_exchange(
        listener.port,
        b"\x16\x03\x01garbage\r\n\r\n",
        Duration::from_secs(10),
    );
    seen.extend(json(&[
        "send",
        "stripe:charge.succeeded",
        "github:push",
        "--count",
        "2",
        "--shuffle",
        "--duplicate-rate",
        "0",
        "--seed",
        "7",
        "--to",
        &listener.to("/"),
    ]));
    let (status, listened) = listener.wait();
    assert!(status.success());
    seen.extend(listened);

    // Retries against a receiver that always fails.
    let failing = TestServer::start(500);
    seen.extend(json(&[
        "send",
        "standard:invoice.paid",
        "--to",
        &failing.url("/"),
        "--retry",
        "--time-scale",
        "1e9",
    ]));

    // The captures, one of them broken, verified and replayed.
    std::fs::write(folder.join("broken.json"), "{not json").unwrap();
    std::fs::write(folder.join("torn.jsonl"), "{\"half\": ").unwrap();
    let folder = folder.to_str().unwrap();
    seen.extend(json(&["verify", folder]));
    seen.extend(json(&["replay", folder, "--dry-run"]));
    let sink = TestServer::start(200);
    seen.extend(json(&["replay", folder, "--to", &sink.url("/")]));
    seen.extend(json(&["demo"]));
    seen.extend(json(&["probe", "--list"]));
    seen.extend(json(&["send", "stripe:no.such.event"]));

    // A probe of a sound receiver, a few cases of it.
    let receiver = Listener::start(&[
        "--reject-invalid",
        "--provider",
        "stripe",
        "--secret",
        "whsec_records_test",
    ]);
    seen.extend(json(&[
        "probe",
        "stripe:charge.succeeded",
        "--to",
        &receiver.to("/"),
        "--secret",
        "whsec_records_test",
        "--only",
        "genuine",
        "--only",
        "wrong-secret",
    ]));
    drop(receiver);
    seen
}

fn check_coverage(seen: &[Value]) {
    let kinds: BTreeSet<&str> = seen.iter().filter_map(|r| r["type"].as_str()).collect();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_path("docs/records.schema.json")).unwrap(),
    )
    .unwrap();
    let declared: BTreeSet<&str> = schema["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["properties"]["type"]["const"].as_str())
        .collect();
    let missing: Vec<&&str> = declared.difference(&kinds).collect();
    assert!(missing.is_empty(), "never produced: {missing:?}");
    let summaries: BTreeSet<&str> = seen
        .iter()
        .filter(|r| r["type"] == "summary")
        .filter_map(|r| r["data"]["command"].as_str())
        .collect();
    assert_eq!(
        summaries,
        BTreeSet::from(["demo", "listen", "probe", "replay", "send", "verify"]),
        "a summary per command"
    );
}

/// A buffer a test keeps a handle on while `Output` writes into it.
#[derive(Clone, Default)]
struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Run a command in this process, its output into buffers: the exit code, stdout and stderr.
fn in_process(args: &[&str]) -> (u8, String, String) {
    use clap::Parser;
    let cli =
        hookctl::cli::Cli::try_parse_from(std::iter::once("hookctl").chain(args.iter().copied()))
            .expect("the arguments parse");
    let (stdout, stderr) = (Shared::default(), Shared::default());
    let output = hookctl::output::Output::to_writers(
        &cli.global,
        Box::new(stdout.clone()),
        Box::new(stderr.clone()),
    );
    let code =
        hookctl::commands::run_with(cli, &output).unwrap_or_else(|e| hookctl::error::exit_code(&e));
    (code, stdout.text(), stderr.text())
}

#[test]
fn commands_run_in_process_into_the_output_they_are_given() {
    let (code, stdout, _) = in_process(&["fixtures", "--json"]);
    assert_eq!(code, 0);
    let providers = records(&stdout);
    assert!(providers.len() >= 8, "{stdout}");
    assert!(providers.iter().all(|r| r["type"] == "provider"));

    // People get the table on stdout and the hint on stderr, without colour codes.
    let (code, stdout, stderr) = in_process(&["fixtures"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("PROVIDER"), "{stdout}");
    assert!(stdout.contains("stripe"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "{stdout:?}");
    assert!(stderr.contains("hookctl fixtures PROVIDER"), "{stderr}");

    // A failure ends --json output with an error record carrying the exit code.
    let (code, stdout, _) = in_process(&["fixtures", "show", "stripe:no.such", "--json"]);
    assert_eq!(code, 2);
    let last = records(&stdout).pop().expect("an error record");
    assert_eq!(last["type"], "error");
    assert_eq!(last["data"]["exit_code"], 2);
}
