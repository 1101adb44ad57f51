//! `listen --save FILE.jsonl`: a journal of whole lines, group-committed, synced when asked,
//! repaired after a torn write, and read back by `verify` and `replay` beside capture folders.

use crate::common::listener::Listener;
use crate::common::server::TestServer;
use crate::common::{hookctl, records, run};

fn lines(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Start a listener saving into `into` (with `extra` options), send it `count` deliveries of
/// `event`, and return its records once it has stopped.
fn save(
    into: &std::path::Path,
    extra: &[&str],
    event: &str,
    count: usize,
) -> Vec<serde_json::Value> {
    let count = count.to_string();
    let mut args = vec!["--save", into.to_str().unwrap(), "--count", &count];
    args.extend_from_slice(extra);
    let listener = Listener::start(&args);
    let (out, _, stderr) =
        run(hookctl().args(["send", event, "--count", &count, "--to", &listener.to("/")]));
    assert!(out.status.success(), "{stderr}");
    let (status, records) = listener.wait();
    assert!(status.success());
    records
}

fn verify(paths: &[&std::path::Path]) -> (i32, Vec<serde_json::Value>, String) {
    let mut command = hookctl();
    command.arg("verify").args(paths).arg("--json");
    let (out, stdout, stderr) = run(&mut command);
    (out.status.code().unwrap_or(-1), records(&stdout), stderr)
}

#[test]
fn concurrent_deliveries_become_whole_lines_that_verify() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("nested").join("captures.jsonl");
    let listener = Listener::start(&["--save", journal.to_str().unwrap(), "--count", "30"]);
    let (out, _, stderr) = run(hookctl()
        .args([
            "send",
            "stripe:charge.succeeded",
            "github:push",
            "treezor:payin.update",
        ])
        .args([
            "--count",
            "10",
            "--concurrency",
            "8",
            "--to",
            &listener.to("/"),
        ]));
    assert!(out.status.success(), "{stderr}");
    let (status, records) = listener.wait();
    assert!(status.success());
    let summary = records.iter().find(|r| r["type"] == "summary").unwrap();
    assert_eq!(summary["data"]["journal"]["lines"], 30);
    assert_eq!(
        summary["data"]["journal"]["syncs"], 0,
        "no sync without --sync"
    );
    let saved: Vec<&str> = records
        .iter()
        .filter(|r| r["type"] == "delivery")
        .map(|r| r["data"]["capture"].as_str().unwrap())
        .collect();
    assert!(
        saved
            .iter()
            .all(|s| s.starts_with(journal.to_str().unwrap())),
        "{saved:?}"
    );
    let written = lines(&journal);
    assert_eq!(written.len(), 30, "one whole line a delivery");
    assert!(written
        .iter()
        .all(|line| serde_json::from_str::<serde_json::Value>(line).is_ok()));
    let (code, verified, stderr) = verify(&[&journal]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        verified
            .iter()
            .filter(|r| r["type"] == "verification" && r["data"]["verdict"]["status"] == "valid")
            .count(),
        30
    );
    // A folder for --save without .jsonl: a file a delivery, as before.
    let folder = dir.path().join("folder");
    save(&folder, &[], "github:push", 2);
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 2);
}

#[test]
fn with_sync_every_group_of_lines_is_synced_before_it_is_answered() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("synced.jsonl");
    let listener = Listener::start(&[
        "--save",
        journal.to_str().unwrap(),
        "--sync",
        "--count",
        "12",
    ]);
    run(hookctl().args([
        "send",
        "github:push",
        "--count",
        "12",
        "--concurrency",
        "4",
        "--to",
        &listener.to("/"),
    ]));
    let (_, records) = listener.wait();
    let journal_counts =
        &records.iter().find(|r| r["type"] == "summary").unwrap()["data"]["journal"];
    assert_eq!(journal_counts["lines"], 12);
    let groups = journal_counts["groups"].as_u64().unwrap();
    assert!((1..=12).contains(&groups), "{journal_counts}");
    // Every group waits for an fdatasync that started after it was written; one sync covers
    // every group written before it started, so there are never more syncs than groups.
    let syncs = journal_counts["syncs"].as_u64().unwrap();
    assert!((1..=groups).contains(&syncs), "{journal_counts}");
    // Folders sync too (each file and its folder); what counts here is that it still saves.
    let folder = dir.path().join("synced-folder");
    save(&folder, &["--sync"], "github:push", 1);
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 1);
}

#[test]
fn a_torn_last_line_is_skipped_with_a_warning_and_cut_by_the_next_listener() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("torn.jsonl");
    save(&journal, &[], "stripe:charge.succeeded", 2);
    let mut text = std::fs::read(&journal).unwrap();
    let whole = text.len();
    text.extend_from_slice(b"{\"format\":2,\"id\":\"cut sh");
    std::fs::write(&journal, &text).unwrap();

    let (code, verified, stderr) = verify(&[&journal]);
    assert_eq!(code, 0, "a torn line is not an error: {stderr}");
    let warning = verified
        .iter()
        .find(|r| r["type"] == "warning")
        .expect("a warning record");
    let message = warning["data"]["message"].as_str().unwrap();
    assert!(
        message.contains("torn.jsonl") && message.contains(&format!("byte {whole}")),
        "{message}"
    );
    assert_eq!(
        verified
            .iter()
            .filter(|r| r["type"] == "verification")
            .count(),
        2
    );

    save(&journal, &[], "github:push", 1);
    let written = lines(&journal);
    assert_eq!(
        written.len(),
        3,
        "the torn line is gone, the new one follows the whole ones"
    );
    assert!(!written.iter().any(|l| l.contains("cut sh")));
    let (_, verified, _) = verify(&[&journal]);
    assert!(verified.iter().all(|r| r["type"] != "warning"));
}

#[test]
fn replay_and_verify_read_a_folder_of_files_and_journals() {
    let dir = tempfile::tempdir().unwrap();
    save(dir.path(), &[], "github:push", 2);
    let journal = dir.path().join("zz.jsonl");
    save(&journal, &[], "treezor:payin.update", 3);

    let (code, verified, stderr) = verify(&[dir.path()]);
    assert_eq!(code, 0, "{stderr}");
    let files: Vec<&str> = verified
        .iter()
        .filter(|r| r["type"] == "verification")
        .map(|r| r["data"]["file"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 5, "{files:?}");
    assert!(
        files[..2].iter().all(|f| f.ends_with(".json"))
            && files[2..].iter().all(|f| f.contains("zz.jsonl:")),
        "{files:?}"
    );

    let server = TestServer::start(200);
    let (out, stdout, stderr) = run(hookctl().args([
        "replay",
        dir.path().to_str().unwrap(),
        "--to",
        &server.url("/"),
        "--json",
    ]));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(server.requests().len(), 5);
    let summary = records(&stdout).pop().unwrap();
    assert_eq!(summary["data"]["delivered"], 5);
    // The journal alone, filtered like a folder.
    let server = TestServer::start(200);
    let (out, _, stderr) = run(hookctl().args([
        "replay",
        journal.to_str().unwrap(),
        "--filter",
        "treezor:*",
        "--to",
        &server.url("/"),
    ]));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn a_stored_body_edited_out_of_json_is_replayed_as_written_and_judged_by_verify() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("edited.jsonl");
    save(&journal, &[], "github:push", 1);
    let line = lines(&journal).pop().unwrap();
    assert!(
        line.contains("\"body\":{\"json\":{"),
        "stored as JSON: {line}"
    );
    let edited = line.replacen(
        "\"body\":{\"json\":{",
        "\"body\":{\"json\":{\"edited\":tru,",
        1,
    );
    std::fs::write(&journal, format!("{edited}\n")).unwrap();

    let (code, verified, stderr) = verify(&[&journal]);
    let verdicts: Vec<&serde_json::Value> = verified
        .iter()
        .filter(|r| r["type"] == "verification")
        .collect();
    assert_eq!(verdicts.len(), 1, "read, not unreadable: {stderr}");
    assert_ne!(verdicts[0]["data"]["verdict"]["status"], "valid");
    assert_ne!(code, 0, "an edited delivery does not verify");

    let server = TestServer::start(200);
    let (out, _, stderr) = run(hookctl().args([
        "replay",
        journal.to_str().unwrap(),
        "--to",
        &server.url("/"),
    ]));
    assert!(out.status.success(), "{stderr}");
    let sent = server.requests();
    assert!(
        sent[0].body.starts_with(b"{\"edited\":tru,"),
        "{:?}",
        String::from_utf8_lossy(&sent[0].body)
    );
}

#[test]
fn a_large_journal_is_replayed_whole_while_it_is_still_being_listed() {
    // Over 8 MB, a journal is replayed while a thread lists it: the summary and the requests
    // must be those of the whole journal, and the torn last line is still reported.
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.jsonl");
    save(&one, &[], "treezor:payin.update", 1);
    let line = lines(&one).pop().unwrap();
    let count = (9 << 20) / line.len() + 1;
    let journal = dir.path().join("large.jsonl");
    let mut text = format!("{line}\n").repeat(count);
    text.push_str("{\"format\":2,\"id\":\"torn");
    std::fs::write(&journal, text).unwrap();

    let server = TestServer::start(200);
    let (out, stdout, stderr) = run(hookctl().args([
        "replay",
        journal.to_str().unwrap(),
        "--to",
        &server.url("/"),
        "--json",
    ]));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(server.requests().len(), count);
    let records = records(&stdout);
    assert!(
        records
            .iter()
            .any(|r| r["type"] == "warning"
                && r["data"]["message"].as_str().unwrap().contains("torn")),
        "{records:?}"
    );
    let summary = records.last().unwrap();
    assert_eq!(summary["data"]["planned"], count);
    assert_eq!(summary["data"]["delivered"], count);
}
