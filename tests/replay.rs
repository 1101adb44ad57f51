//! `hookctl replay`, `hookctl verify` and `hookctl demo`: what was captured is sent again exactly,
//! checked offline, and the whole loop runs with nothing set up.

use std::path::{Path, PathBuf};

use hookctl::capture;
use hookctl::catalogue::Catalogue;

use crate::common::listener::Listener;
use crate::common::{hookctl, records, run};

fn captures_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// Capture every event of every provider into `dir` through a listener.
fn capture_everything(dir: &Path) -> (usize, u16) {
    let total: usize = Catalogue::embedded()
        .unwrap()
        .providers()
        .iter()
        .map(|p| p.events.len())
        .sum();
    let listener = Listener::start(&["--save", dir.to_str().unwrap(), "--quiet"]);
    let (out, _, stderr) = run(hookctl().args([
        "send",
        "--all",
        "--to",
        &listener.to("/hooks?src=test"),
        "--concurrency",
        "4",
    ]));
    assert!(out.status.success(), "{stderr}");
    listener.take("delivery", total);
    (total, listener.port)
}

#[test]
fn replay_sends_every_capture_again_exactly_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (total, first_port) = capture_everything(dir.path());
    let files = captures_in(dir.path());
    assert_eq!(files.len(), total);

    // MobilePay signs the URL: the second listener verifies against the one the sender used.
    let public = format!("http://127.0.0.1:{first_port}/hooks?src=test");
    let second = Listener::start(&["--public-url", &public]);
    let (out, stdout, stderr) = run(hookctl().args([
        "replay",
        dir.path().to_str().unwrap(),
        "--to",
        &second.to(""),
        "--json",
    ]));
    assert!(out.status.success(), "{stdout}{stderr}");
    let summary = records(&stdout).pop().unwrap();
    assert_eq!(summary["data"]["delivered"], total);

    let replayed = second.take("delivery", total);
    for (file, delivery) in files.iter().zip(&replayed) {
        let original = capture::read(file).unwrap();
        let what = file.display();
        assert_eq!(
            delivery["provider"].as_str(),
            original.provider.as_deref(),
            "{what}: order kept"
        );
        assert_eq!(
            delivery["event"].as_str(),
            original.event.as_deref(),
            "{what}"
        );
        assert_eq!(
            delivery["target"], "/hooks?src=test",
            "{what}: path and query kept"
        );
        let body = serde_json::from_value::<capture::StoredBody>(delivery["body"].clone()).unwrap();
        assert_eq!(
            body.to_bytes().unwrap(),
            original.delivery.body,
            "{what}: body byte for byte"
        );
        let received: Vec<(String, String)> =
            serde_json::from_value(delivery["headers"].clone()).unwrap();
        // Host and Content-Length describe the new hop; every other header arrives as captured, in
        // order, and nothing is added.
        let end_to_end = |headers: &[(String, String)]| -> Vec<(String, String)> {
            headers
                .iter()
                .filter(|(name, _)| !["host", "content-length"].contains(&name.as_str()))
                .cloned()
                .collect()
        };
        let captured: Vec<(String, String)> = original
            .delivery
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            end_to_end(&received),
            end_to_end(&captured),
            "{what}: headers"
        );
        let status = delivery["verdict"]["status"].as_str().unwrap();
        assert!(
            status == "valid" || (status == "unsigned" && delivery["provider"] == "mipise"),
            "{what}: {delivery}"
        );
    }
}

#[test]
fn stale_timestamps_warn_and_resign_makes_them_valid() {
    let dir = tempfile::tempdir().unwrap();
    let listener = Listener::start(&["--save", dir.path().to_str().unwrap()]);
    let an_hour_ago = (chrono::Utc::now().timestamp() - 3600).to_string();
    for event in ["stripe:charge.succeeded", "standard:contact.created"] {
        let (out, _, _) = run(hookctl().args([
            "send",
            event,
            "--to",
            &listener.to("/"),
            "--timestamp",
            &an_hour_ago,
        ]));
        assert!(out.status.success());
    }
    for delivery in listener.take("delivery", 2) {
        assert_eq!(
            delivery["verdict"]["reason"], "stale_timestamp",
            "{delivery}"
        );
    }

    let second = Listener::start(&[]);
    let (out, _, stderr) = run(hookctl().args([
        "replay",
        dir.path().to_str().unwrap(),
        "--to",
        &second.to(""),
    ]));
    assert!(out.status.success());
    assert_eq!(
        stderr.matches("--resign").count(),
        2,
        "one warning per stale capture: {stderr}"
    );
    for delivery in second.take("delivery", 2) {
        assert_eq!(
            delivery["verdict"]["reason"], "stale_timestamp",
            "{delivery}"
        );
    }

    let (out, stdout, stderr) = run(hookctl().args([
        "replay",
        dir.path().to_str().unwrap(),
        "--to",
        &second.to(""),
        "--resign",
    ]));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    for delivery in second.take("delivery", 2) {
        assert_eq!(delivery["verdict"]["status"], "valid", "{delivery}");
    }
}

#[test]
fn a_corrupt_capture_is_named_and_skipped_and_the_rest_replay() {
    let dir = tempfile::tempdir().unwrap();
    let listener = Listener::start(&["--save", dir.path().to_str().unwrap()]);
    for event in ["github:ping", "github:push"] {
        let (out, _, _) = run(hookctl().args(["send", event, "--to", &listener.to("/")]));
        assert!(out.status.success());
    }
    listener.take("delivery", 2);
    std::fs::write(
        dir.path()
            .join("20000101T000000.000000Z-000000-broken.json"),
        "{ not a capture",
    )
    .unwrap();
    // A leftover temporary file from an interrupted write is ignored.
    std::fs::write(
        dir.path()
            .join(".20000101T000000.000000Z-000009-x.json.tmp"),
        "partial",
    )
    .unwrap();

    let second = Listener::start(&[]);
    let (out, stdout, stderr) = run(hookctl().args([
        "replay",
        dir.path().to_str().unwrap(),
        "--to",
        &second.to(""),
    ]));
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stderr.contains("broken.json") && stderr.contains("not a capture file"),
        "{stderr}"
    );
    assert!(!stderr.contains("x.json.tmp"), "{stderr}");
    assert!(
        stdout.contains("Replayed 2") && stdout.contains("1 skipped"),
        "{stdout}"
    );
    assert_eq!(second.take("delivery", 2).len(), 2);
}

#[test]
fn filters_select_captures_by_provider_and_event_globs() {
    let dir = tempfile::tempdir().unwrap();
    let listener = Listener::start(&["--save", dir.path().to_str().unwrap()]);
    for event in [
        "treezor:payin.update",
        "treezor:payin.create",
        "treezor:payinrefund.update",
        "github:ping",
    ] {
        let (out, _, _) = run(hookctl().args(["send", event, "--to", &listener.to("/")]));
        assert!(out.status.success());
    }
    listener.take("delivery", 4);
    let replayed = |filters: &[&str]| {
        let mut args = vec![
            "replay",
            dir.path().to_str().unwrap(),
            "--dry-run",
            "--json",
        ];
        for f in filters {
            args.extend(["--filter", f]);
        }
        let (out, stdout, _) = run(hookctl().args(&args));
        assert!(out.status.success());
        let mut events: Vec<String> = records(&stdout)
            .iter()
            .map(|r| {
                format!(
                    "{}:{}",
                    r["data"]["provider"].as_str().unwrap(),
                    r["data"]["event"].as_str().unwrap()
                )
            })
            .collect();
        events.sort();
        events
    };
    assert_eq!(
        replayed(&["payin.*"]),
        ["treezor:payin.create", "treezor:payin.update"]
    );
    assert_eq!(replayed(&["github"]), ["github:ping"]);
    assert_eq!(
        replayed(&["treezor:*refund*", "github:p?ng"]),
        ["github:ping", "treezor:payinrefund.update"]
    );
    assert_eq!(replayed(&[]).len(), 4);
}

#[test]
fn verify_checks_captures_offline() {
    let dir = tempfile::tempdir().unwrap();
    let listener = Listener::start(&["--save", dir.path().to_str().unwrap()]);
    for event in [
        "stripe:charge.succeeded",
        "treezor:payin.update",
        "bankingcircle:Reversed",
        "mobilepay:payment.reserved",
    ] {
        let (out, _, _) = run(hookctl().args(["send", event, "--to", &listener.to("/x")]));
        assert!(out.status.success());
    }
    listener.take("delivery", 4);
    let (out, stdout, stderr) = run(hookctl().args(["verify", dir.path().to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert_eq!(stdout.matches(" valid ").count(), 4, "{stdout}");

    // Tamper with one capture's body: verify names it and exits 3.
    let file = captures_in(dir.path())
        .into_iter()
        .find(|p| p.to_string_lossy().contains("treezor"))
        .unwrap();
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("11.26", "99.99");
    std::fs::write(&file, text).unwrap();
    let (out, stdout, _) = run(hookctl().args(["verify", dir.path().to_str().unwrap(), "--json"]));
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    let results = records(&stdout);
    let tampered = results
        .iter()
        .find(|r| r["data"]["provider"] == "treezor")
        .unwrap();
    assert_eq!(tampered["data"]["verdict"]["status"], "invalid");
    assert_eq!(results.last().unwrap()["data"]["invalid"], 1);
    // --quiet shows people only what did not verify.
    let (out, stdout, stderr) =
        run(hookctl().args(["verify", dir.path().to_str().unwrap(), "--quiet"]));
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stdout.starts_with("FILE") && stdout.contains("treezor"),
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().count(),
        2,
        "the header and the one invalid capture: {stdout}"
    );
    assert!(stderr.is_empty(), "{stderr}");

    // With a different secret configured, every signed capture fails.
    let (out, _, _) = run(hookctl().args(["verify", file.to_str().unwrap(), "--secret", "other"]));
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn demo_runs_the_whole_loop_and_names_every_provider() {
    let (out, stdout, stderr) = run(hookctl().arg("demo"));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    for provider in Catalogue::embedded().unwrap().providers() {
        assert!(
            stdout.contains(&provider.name),
            "{} missing from the demo's output",
            provider.name
        );
    }
    // Every event once, and the first scenario of every provider once.
    let catalogue = Catalogue::embedded().unwrap();
    let events: usize = catalogue.providers().iter().map(|p| p.events.len()).sum();
    let steps: usize = catalogue
        .providers()
        .iter()
        .filter_map(|p| p.scenarios.first())
        .map(|s| s.steps.len())
        .sum();
    let total = events + steps;
    assert!(
        stdout.contains(&format!("all {total} deliveries were verified")),
        "{stdout}"
    );
}

#[test]
fn cryptomates_key_is_never_stored_yet_captures_verify_and_replay() {
    let dir = tempfile::tempdir().unwrap();
    let key = "my-cryptomate-webhook-key";
    let listener = Listener::start_with_env(
        &["--save", dir.path().to_str().unwrap()],
        &[("HOOKCTL_CRYPTOMATE_SECRET", key)],
    );
    let (out, _, _) = run(hookctl().args([
        "send",
        "cryptomate:AUTHORIZATION",
        "--to",
        &listener.to("/"),
        "--secret",
        key,
    ]));
    assert!(out.status.success());
    let delivery = &listener.take("delivery", 1)[0];
    assert_eq!(delivery["verdict"]["status"], "valid");
    assert!(
        !delivery.to_string().contains(key),
        "the key is not printed: {delivery}"
    );
    let file = &captures_in(dir.path())[0];
    let stored = std::fs::read_to_string(file).unwrap();
    assert!(!stored.contains(key), "the key is not saved");
    assert!(stored.contains("sha256:"), "its digest is");

    let (out, stdout, _) =
        run(hookctl().args(["verify", dir.path().to_str().unwrap(), "--secret", key]));
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let (out, _, _) = run(hookctl().args([
        "verify",
        dir.path().to_str().unwrap(),
        "--secret",
        "another-key",
    ]));
    assert_eq!(out.status.code(), Some(3));

    let second = Listener::start_with_env(&[], &[("HOOKCTL_CRYPTOMATE_SECRET", key)]);
    let (out, stdout, _) = run(hookctl()
        .args([
            "replay",
            dir.path().to_str().unwrap(),
            "--to",
            &second.to(""),
        ])
        .env("HOOKCTL_CRYPTOMATE_SECRET", key));
    assert!(out.status.success(), "{stdout}");
    assert_eq!(
        second.take("delivery", 1)[0]["verdict"]["status"],
        "valid",
        "the key was restored for the replay"
    );
}

#[test]
fn demo_ignores_secrets_in_the_environment() {
    let (out, stdout, stderr) = run(hookctl()
        .arg("demo")
        .env("HOOKCTL_SECRET", "something-else")
        .env("HOOKCTL_STRIPE_SECRET", "whsec_x"));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
}
