//! The command-line definition and the listing commands.

use clap::CommandFactory;
use hookctl::cli::Cli;

use crate::common::{hookctl, records, run};

#[test]
fn the_clap_definition_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn help_and_version_work_without_a_runtime() {
    let (out, stdout, _) = run(hookctl().arg("--help"));
    assert!(out.status.success());
    assert!(
        stdout.contains("send") && stdout.contains("fixtures") && stdout.contains("Exit codes")
    );
    let (out, stdout, _) = run(hookctl().arg("--version"));
    assert!(out.status.success());
    assert!(stdout.starts_with("hookctl "));
    let (out, _, _) = run(hookctl().arg("--no-such-flag"));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn fixtures_lists_providers_events_and_bodies() {
    let (out, stdout, _) = run(hookctl().args(["fixtures", "--json"]));
    assert!(out.status.success());
    let providers = records(&stdout);
    let names: Vec<&str> = providers
        .iter()
        .map(|r| r["data"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "bankingcircle",
            "cryptomate",
            "github",
            "mipise",
            "mobilepay",
            "standard",
            "stripe",
            "treezor"
        ]
    );
    let treezor = providers
        .iter()
        .find(|r| r["data"]["name"] == "treezor")
        .unwrap();
    assert_eq!(treezor["data"]["test_secret"], "hookctl-test-secret");
    assert!(treezor["data"]["docs"]
        .as_str()
        .unwrap()
        .starts_with("https://"));

    let (out, stdout, _) = run(hookctl().arg("fixtures"));
    assert!(out.status.success());
    assert!(stdout.contains("treezor") && stdout.contains("hookctl-test-secret"));

    let (out, stdout, _) = run(hookctl().args(["fixtures", "mipise", "--json"]));
    assert!(out.status.success());
    let listed = records(&stdout);
    assert_eq!(listed.iter().filter(|r| r["type"] == "event").count(), 16);
    assert_eq!(listed[0]["type"], "delivery_behaviour");
    assert_eq!(listed[0]["data"]["attempts"], 1);

    // A provider's delivery behaviour: MobilePay's 32 attempts over about 48 hours.
    let (out, stdout, _) = run(hookctl().args(["fixtures", "mobilepay", "--json"]));
    assert!(out.status.success());
    let behaviour = records(&stdout)
        .into_iter()
        .find(|r| r["type"] == "delivery_behaviour")
        .unwrap();
    assert_eq!(behaviour["data"]["attempts"], 32);
    assert_eq!(behaviour["data"]["timeout_ms"], 10_000);
    let schedule = behaviour["data"]["schedule"].as_array().unwrap();
    assert_eq!(schedule.len(), 31);
    assert_eq!(
        (schedule[0].as_str(), schedule[30].as_str()),
        (Some("30s"), Some("2h"))
    );
    let (out, stdout, _) = run(hookctl().args(["fixtures", "mobilepay"]));
    assert!(out.status.success());
    assert!(
        stdout.contains("32 attempts over 2d 7m 30s (documented); 10s per attempt"),
        "{stdout}"
    );
    let (_, stdout, _) = run(hookctl().args(["fixtures", "treezor"]));
    assert!(
        stdout.contains("30 attempts") && stdout.contains("third-party figure"),
        "{stdout}"
    );
    let (_, stdout, _) = run(hookctl().args(["fixtures", "stripe"]));
    assert!(stdout.contains("an approximation"), "{stdout}");
    let (_, stdout, _) = run(hookctl().args(["fixtures", "github"]));
    assert!(
        stdout.contains("no automatic retries") && stdout.contains("within 3 days"),
        "{stdout}"
    );

    let (out, stdout, _) = run(hookctl().args(["fixtures", "show", "mobilepay:payment.reserved"]));
    assert!(out.status.success());
    let body: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(body["eventType"], "payment.reserved");
    assert!(!stdout.contains("{{"));

    let (out, stdout, _) = run(hookctl().args([
        "fixtures",
        "show",
        "push",
        "--json",
        "--set",
        "ref=refs/heads/dev",
    ]));
    assert!(out.status.success());
    assert_eq!(records(&stdout)[0]["data"]["body"]["ref"], "refs/heads/dev");

    let (out, _, stderr) = run(hookctl().args(["fixtures", "nobody"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("unknown provider"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::process::Stdio;
    let mut child = hookctl()
        .args(["send", "--all", "--dry-run"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read a little, then hang up, as `| head -1` does.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
