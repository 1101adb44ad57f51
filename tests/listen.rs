//! `hookctl listen` as CI uses it: a child process on a port of its own choosing, fed by `hookctl
//! send` and by raw sockets.

use std::collections::HashMap;
use std::time::Duration;

use hookctl::capture;
use hookctl::catalogue::Catalogue;

use crate::common::listener::{raw_exchange, Listener};
use crate::common::server::TestServer;
use crate::common::{hookctl, records, run};

fn stored_body(value: &serde_json::Value) -> Vec<u8> {
    serde_json::from_value::<capture::StoredBody>(value.clone())
        .unwrap()
        .to_bytes()
        .unwrap()
}

/// Send every event of every provider to a listener and check what it made of each.
fn every_event_round_trips(listener: &Listener, dir: &std::path::Path, send_args: &[&str]) {
    let catalogue = Catalogue::embedded().unwrap();
    let total: usize = catalogue.providers().iter().map(|p| p.events.len()).sum();
    let to = listener.to("/hooks");
    let mut args = vec!["send", "--all", "--to", &to, "--json", "-v"];
    args.extend_from_slice(send_args);
    let (out, stdout, stderr) = run(hookctl().args(&args));
    assert!(out.status.success(), "{stderr}");
    // What was sent, by delivery id.
    let sent: HashMap<String, Vec<u8>> = records(&stdout)
        .into_iter()
        .filter(|r| r["type"] == "delivery")
        .map(|r| {
            (
                r["data"]["id"].as_str().unwrap().to_string(),
                stored_body(&r["data"]["request"]["body"]),
            )
        })
        .collect();
    assert_eq!(sent.len(), total);

    let deliveries = listener.take("delivery", total);
    let mut bodies: Vec<&Vec<u8>> = sent.values().collect();
    for delivery in &deliveries {
        let provider = delivery["provider"]
            .as_str()
            .unwrap_or_else(|| panic!("not recognised: {delivery}"));
        let spec = &catalogue.provider(provider).unwrap().spec;
        let event = delivery["event"].as_str().unwrap();
        assert!(
            catalogue.provider(provider).unwrap().event(event).is_some(),
            "{provider}:{event}"
        );
        let expected_status = if spec.test_secret.is_some() {
            "valid"
        } else {
            "unsigned"
        };
        assert_eq!(
            delivery["verdict"]["status"], expected_status,
            "{provider}:{event}: {}",
            delivery["verdict"]
        );

        let received = stored_body(&delivery["body"]);
        let position = bodies
            .iter()
            .position(|b| **b == received)
            .unwrap_or_else(|| panic!("{provider}:{event}: body differs from every body sent"));
        bodies.swap_remove(position);
        let path = delivery["capture"].as_str().expect("a capture was written");
        assert!(path.starts_with(dir.to_str().unwrap()));
        let stored = capture::read(std::path::Path::new(path)).unwrap();
        assert_eq!(
            &stored.delivery.body[..],
            &received[..],
            "{provider}:{event}: the capture holds the exact bytes"
        );
        assert_eq!(stored.provider.as_deref(), Some(provider));
        assert_eq!(stored.response.unwrap().status, 200);
    }
}

#[test]
fn every_provider_is_recognised_verified_and_saved_with_builtin_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let listener = Listener::start(&["--save", dir.path().to_str().unwrap()]);
    every_event_round_trips(&listener, dir.path(), &[]);
}

#[test]
fn every_provider_is_verified_with_explicit_secrets() {
    let secrets = [
        ("HOOKCTL_MOBILEPAY_SECRET", "mp-key"),
        ("HOOKCTL_TREEZOR_SECRET", "tz-secret"),
        (
            "HOOKCTL_BANKINGCIRCLE_SECRET",
            "ZYXWVUTSRQPONMLKJIHGFEDCBA543210",
        ),
        ("HOOKCTL_CRYPTOMATE_SECRET", "cm-key"),
        ("HOOKCTL_STANDARD_SECRET", "whsec_c2VjcmV0LWtleS1ieXRlcw=="),
        ("HOOKCTL_STRIPE_SECRET", "whsec_mine"),
        ("HOOKCTL_GITHUB_SECRET", "gh-secret"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let listener = Listener::start_with_env(&["--save", dir.path().to_str().unwrap()], &secrets);
    // The sender reads the same variables.
    let catalogue = Catalogue::embedded().unwrap();
    let total: usize = catalogue.providers().iter().map(|p| p.events.len()).sum();
    let mut command = hookctl();
    command.args(["send", "--all", "--to", &listener.to("/"), "--json"]);
    for (name, value) in secrets {
        command.env(name, value);
    }
    let (out, _, stderr) = run(&mut command);
    assert!(out.status.success(), "{stderr}");
    for delivery in listener.take("delivery", total) {
        let status = delivery["verdict"]["status"].as_str().unwrap();
        assert!(
            status == "valid" || (status == "unsigned" && delivery["provider"] == "mipise"),
            "{delivery}"
        );
        assert!(
            !delivery["verdict"]["detail"]
                .as_str()
                .unwrap()
                .contains("built-in"),
            "{delivery}"
        );
    }
}

#[test]
fn wrong_secrets_and_tampered_bodies_are_invalid_and_count_exits_3() {
    let listener = Listener::start(&[
        "--secret",
        "whsec_mine",
        "--provider",
        "stripe",
        "--count",
        "2",
    ]);
    // Signed with the built-in test secret, which the listener knows is not the one in use.
    let (out, _, _) =
        run(hookctl().args(["send", "stripe:charge.succeeded", "--to", &listener.to("/")]));
    assert!(
        out.status.success(),
        "without --reject-invalid the listener answers 200"
    );
    let first = &listener.take("delivery", 1)[0];
    assert_eq!(first["verdict"]["status"], "invalid");
    assert_eq!(first["verdict"]["reason"], "wrong_secret", "{first}");

    // A body changed after signing: the signature of one body on another.
    let signed = hookctl::scheme::stripe::header_value(
        "whsec_mine",
        chrono::Utc::now().timestamp(),
        b"{\"amount\":100}",
    );
    let body = "{\"amount\":999}";
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nStripe-Signature: {signed}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer = raw_exchange(listener.port, request.as_bytes(), Duration::from_secs(30));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let (status, rest) = listener.wait();
    assert_eq!(
        status.code(),
        Some(3),
        "a failed verification ends with exit 3"
    );
    let second = rest
        .iter()
        .find(|r| r["type"] == "delivery")
        .expect("the second delivery");
    assert_eq!(second["data"]["verdict"]["reason"], "mismatch", "{second}");
    let summary = rest.iter().find(|r| r["type"] == "summary").unwrap();
    assert_eq!(summary["data"]["invalid"], 2);
}

#[test]
fn reject_invalid_answers_with_the_providers_failure_status() {
    let listener = Listener::start(&["--reject-invalid", "--secret", "not-the-one"]);
    let (out, stdout, _) = run(hookctl().args(["send", "github:push", "--to", &listener.to("/")]));
    assert_eq!(out.status.code(), Some(4), "{stdout}");
    assert!(stdout.contains("401"), "{stdout}");
    let (out, stdout, _) =
        run(hookctl().args(["send", "treezor:payin.update", "--to", &listener.to("/")]));
    assert_eq!(out.status.code(), Some(4));
    assert!(stdout.contains("500"), "Treezor asks for a 5xx: {stdout}");
    let (out, _, _) = run(hookctl().args([
        "send",
        "github:push",
        "--to",
        &listener.to("/"),
        "--secret",
        "not-the-one",
    ]));
    assert!(
        out.status.success(),
        "a valid delivery is still answered 200"
    );
}

#[test]
fn count_timeout_and_expect_drive_ci_runs() {
    // --expect exits as soon as everything expected has come.
    let listener = Listener::start(&[
        "--expect",
        "payin.update",
        "--expect",
        "stripe:charge.succeeded",
        "--timeout",
        "60s",
    ]);
    for event in ["treezor:payin.update", "stripe:charge.succeeded"] {
        let (out, _, _) = run(hookctl().args(["send", event, "--to", &listener.to("/")]));
        assert!(out.status.success());
    }
    let (status, rest) = listener.wait();
    assert_eq!(status.code(), Some(0));
    assert_eq!(rest.last().unwrap()["type"], "summary");

    // Too few deliveries before the timeout: an error, and the summary says what never came.
    let listener = Listener::start(&[
        "--count",
        "2",
        "--expect",
        "github:release",
        "--timeout",
        "1s",
    ]);
    let (out, _, _) = run(hookctl().args(["send", "github:push", "--to", &listener.to("/")]));
    assert!(out.status.success());
    let (status, rest) = listener.wait();
    assert_eq!(status.code(), Some(1));
    let summary = &rest.last().unwrap()["data"];
    assert_eq!(summary["timed_out"], true);
    assert_eq!(summary["missing"], serde_json::json!(["github:release"]));

    // A typo is refused at once, with a suggestion, rather than waited out.
    let (out, _, stderr) = run(hookctl().args([
        "listen",
        "--port",
        "0",
        "--expect",
        "payin.updat",
        "--timeout",
        "1h",
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("did you mean treezor:payin.update"),
        "{stderr}"
    );
}

#[test]
fn forward_to_passes_bytes_and_answers_through() {
    let app = TestServer::answering(std::sync::Arc::new(|_| {
        let headers = vec![("x-app-note".to_string(), "reçu ✓".to_string())];
        (201, headers, bytes::Bytes::from_static(b"{\"ok\":true}"))
    }));
    let listener = Listener::start(&["--forward-to", &app.url("/app/webhooks")]);
    let (out, stdout, stderr) = run(hookctl().args([
        "send",
        "stripe:charge.succeeded",
        "--to",
        &listener.to("/hooks"),
        "--expect-status",
        "201",
        "--json",
        "-v",
    ]));
    assert!(out.status.success(), "{stdout}{stderr}");
    let sent = &records(&stdout)[0]["data"];
    assert_eq!(sent["status"], 201, "the app's status reaches the sender");
    assert_eq!(
        sent["response_body"]["text"], "{\"ok\":true}",
        "and its body"
    );
    let at_app = &app.requests()[0];
    assert_eq!(at_app.path, "/app/webhooks");
    assert_eq!(
        &at_app.body[..],
        &stored_body(&sent["request"]["body"])[..],
        "bytes unchanged"
    );
    for pair in sent["request"]["headers"].as_array().unwrap() {
        let (name, value) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        assert_eq!(
            at_app.header(name),
            Some(value),
            "header {name} passed on unchanged"
        );
    }
    let delivery = &listener.take("delivery", 1)[0];
    assert_eq!(delivery["forwarded"]["status"], 201);
    assert_eq!(delivery["response"]["status"], 201);
    // The app's own headers go back too, a UTF-8 one included.
    let answer = raw_exchange(
        listener.port,
        b"POST /hooks HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
        Duration::from_secs(60),
    );
    assert!(answer.starts_with("HTTP/1.1 201 "), "{answer}");
    assert!(answer.contains("x-app-note: reçu ✓\r\n"), "{answer}");

    // An app that is not there: the sender gets 502 and the listener says so.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listener = Listener::start(&["--forward-to", &format!("127.0.0.1:{port}/")]);
    let (out, stdout, _) = run(hookctl().args(["send", "github:ping", "--to", &listener.to("/")]));
    assert_eq!(out.status.code(), Some(4));
    assert!(stdout.contains("502"), "{stdout}");
    let delivery = &listener.take("delivery", 1)[0];
    assert!(
        delivery["forwarded"]["error"]
            .as_str()
            .unwrap()
            .contains("refused"),
        "{delivery}"
    );
}

#[test]
fn a_thousand_concurrent_deliveries_are_all_saved() {
    let dir = tempfile::tempdir().unwrap();
    let listener = Listener::start(&[
        "--save",
        dir.path().to_str().unwrap(),
        "--quiet",
        "--count",
        "1000",
    ]);
    let (out, stdout, stderr) = run(hookctl().args([
        "send",
        "payin.update",
        "--to",
        &listener.to("/"),
        "--count",
        "1000",
        "--concurrency",
        "16",
        "--quiet",
    ]));
    assert!(out.status.success(), "{stdout}{stderr}");
    let (status, _) = listener.wait();
    assert_eq!(status.code(), Some(0));
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 1000);
    for file in files {
        let capture = capture::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(capture.verdict.unwrap().status, "valid");
    }
}

#[test]
fn bad_input_gets_an_answer_and_the_listener_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let listener = Listener::start(&[
        "--save",
        dir.path().to_str().unwrap(),
        "--max-body",
        "1KiB",
        "--read-timeout",
        "1s",
    ]);
    let post = |body: &[u8], extra: &str| {
        let mut request = format!(
            "POST /hooks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}Content-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(body);
        raw_exchange(listener.port, &request, Duration::from_secs(30))
    };
    let cases: Vec<(&str, String, &str)> = vec![
        ("invalid JSON", post(b"{not json", ""), "delivery"),
        ("empty body", post(b"", ""), "delivery"),
        (
            "non-UTF-8",
            post(
                &[0xff, 0xfe, 0x00, 0x1b],
                "Content-Type: application/octet-stream\r\n",
            ),
            "delivery",
        ),
        (
            "unknown provider",
            post(b"{\"hello\":\"world\"}", ""),
            "delivery",
        ),
        ("over the limit", post(&[b'x'; 4096], ""), "rejected"),
        (
            "GET",
            raw_exchange(
                listener.port,
                b"GET /hooks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                Duration::from_secs(30),
            ),
            "rejected",
        ),
        (
            "headers without the body",
            raw_exchange(
                listener.port,
                b"POST /hooks HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n",
                Duration::from_secs(30),
            ),
            "rejected",
        ),
    ];
    for (what, answer, kind) in &cases {
        assert!(
            answer.starts_with("HTTP/1.1 "),
            "{what}: no answer: {answer:?}"
        );
        let record = listener.next();
        assert_eq!(record["type"], *kind, "{what}: {record}");
        let status = if *kind == "delivery" {
            &record["data"]["response"]["status"]
        } else {
            &record["data"]["status"]
        };
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{what}: {answer}"
        );
    }
    assert!(cases[4].1.starts_with("HTTP/1.1 413"));
    assert!(cases[5].1.starts_with("HTTP/1.1 405"));
    assert!(cases[6].1.starts_with("HTTP/1.1 408"));
    // The non-UTF-8 body is saved exactly, as base64.
    let saved: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    assert_eq!(saved.len(), 4, "every delivery, valid or not, is saved");
    assert!(saved
        .iter()
        .any(|p| capture::read(p).unwrap().delivery.body[..] == [0xff, 0xfe, 0x00, 0x1b]));

    let (out, _, _) = run(hookctl().args(["send", "github:ping", "--to", &listener.to("/hooks")]));
    assert!(out.status.success(), "still serving");
    assert_eq!(
        listener.take("delivery", 1)[0]["verdict"]["status"],
        "valid"
    );
}

#[test]
fn an_unwritable_capture_folder_is_answered_500_not_200() {
    let dir = tempfile::tempdir().unwrap();
    let listener = Listener::start(&["--save", dir.path().to_str().unwrap()]);
    // Take the folder away after the listener made it.
    std::fs::remove_dir_all(dir.path()).unwrap();
    let (out, stdout, _) = run(hookctl().args(["send", "github:ping", "--to", &listener.to("/")]));
    assert_eq!(out.status.code(), Some(4), "{stdout}");
    assert!(stdout.contains("500"));
    let delivery = &listener.take("delivery", 1)[0];
    assert!(delivery["capture_error"].is_string(), "{delivery}");
    assert_eq!(delivery["response"]["status"], 500);
}

#[test]
fn ctrl_c_stops_with_130_and_http2_is_served() {
    let listener = Listener::start(&[]);
    // HTTP/2 without TLS (prior knowledge): the connection preface gets a SETTINGS frame back.
    let preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";
    let answer = raw_exchange(listener.port, preface, Duration::from_millis(500));
    assert!(
        answer.len() >= 9 && answer.as_bytes()[3] == 0x04,
        "a SETTINGS frame: {answer:?}"
    );
    let (status, rest) = listener.interrupt();
    assert_eq!(status.code(), Some(130));
    assert_eq!(rest.last().unwrap()["type"], "summary");
}

#[test]
fn hostile_input_is_answered_shown_and_survived() {
    let dir = tempfile::tempdir().unwrap();
    let listener = Listener::start(&[
        "--save",
        dir.path().to_str().unwrap(),
        "--read-timeout",
        "2s",
    ]);
    let post = |body: &[u8], extra: &str| {
        let mut request = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}Content-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(body);
        raw_exchange(listener.port, &request, Duration::from_secs(30))
    };
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let many_headers: String = (0..10_000).map(|i| format!("X-H{i}: v\r\n")).collect();
    // Over hookctl's 64 KiB limit and under hyper's 400 KB one, so that the answer never depends
    // on how the bytes were split into reads.
    let big_header = format!("X-Big: {}\r\n", "a".repeat(100_000));
    let long = Duration::from_secs(30);
    type Exchange<'a> = Box<dyn Fn() -> String + 'a>;
    let cases: Vec<(&str, Exchange, &str, &str)> = vec![
        (
            "100,000 nested brackets",
            Box::new(|| post(nested.as_bytes(), "")),
            "200",
            "delivery",
        ),
        (
            "huge numbers",
            Box::new(|| {
                post(br#"{"webhook":"payin.update","object_payload":{"n":1e999999,"m":123456789012345678901234567890},"object_payload_signature":"AAAA"}"#, "")
            }),
            "200",
            "delivery",
        ),
        (
            "NUL bytes",
            Box::new(|| post(b"{\"a\":\"\x00\"}\x00\x00", "")),
            "200",
            "delivery",
        ),
        (
            "gzip-encoded body",
            Box::new(|| {
                post(
                    &[0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad],
                    "Content-Encoding: gzip\r\n",
                )
            }),
            "200",
            "delivery",
        ),
        (
            "10,000 headers",
            Box::new(|| post(b"{}", &many_headers)),
            "431",
            "connection_error",
        ),
        (
            "an oversized header",
            Box::new(|| post(b"{}", &big_header)),
            "431",
            "rejected",
        ),
        (
            "bytes that are not HTTP",
            Box::new(|| raw_exchange(listener.port, b"\x16\x03\x01\x02\x00hello\r\n\r\n", long)),
            "400",
            "connection_error",
        ),
        (
            "HTTP/1.0",
            Box::new(|| {
                raw_exchange(
                    listener.port,
                    b"POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}",
                    long,
                )
            }),
            "200",
            "delivery",
        ),
        (
            "a chunked body",
            Box::new(|| {
                raw_exchange(
                listener.port,
                b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                long,
            )
            }),
            "200",
            "delivery",
        ),
    ];
    // One at a time: a connection error is reported when its connection ends.
    for (what, exchange, status, kind) in &cases {
        let answer = exchange();
        assert!(
            answer.contains(&format!(" {status} ")),
            "{what}: {answer:?}"
        );
        let record = listener.next();
        assert_eq!(record["type"], *kind, "{what}: {record}");
    }
    // A client that hangs up mid-body: a line, and no capture.
    {
        use std::io::Write;
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", listener.port)).unwrap();
        stream
            .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":")
            .unwrap();
    }
    let record = listener.next();
    assert!(
        record["type"] == "rejected" || record["type"] == "connection_error",
        "{record}"
    );
    // The gzip body is saved exactly as it came (as base64), not decompressed.
    let saved: Vec<capture::Capture> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| capture::read(&e.path()).unwrap())
        .collect();
    assert_eq!(saved.len(), 6, "one capture per delivery");
    assert!(saved
        .iter()
        .any(|c| c.delivery.body[..] == [0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad]));
    let (out, _, _) = run(hookctl().args(["send", "github:ping", "--to", &listener.to("/")]));
    assert!(out.status.success(), "still serving");
}

#[test]
fn sigterm_under_load_answers_and_saves_what_is_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let listener = Listener::start(&["--save", dir.path().to_str().unwrap(), "--quiet"]);
    let sender = hookctl()
        .args([
            "send",
            "payin.update",
            "--to",
            &listener.to("/"),
            "--count",
            "5000",
            "--concurrency",
            "16",
            "--json",
            "--quiet",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    listener.take("delivery", 100);
    let (status, _) = listener.signal("-TERM");
    assert_eq!(status.code(), Some(130));
    let out = sender.wait_with_output().unwrap();
    let summary = records(&String::from_utf8_lossy(&out.stdout))
        .pop()
        .unwrap();
    let delivered = summary["data"]["delivered"].as_u64().unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    for file in &files {
        capture::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
    assert_eq!(
        files.len() as u64,
        delivered,
        "every delivery answered 200 was saved, and nothing else"
    );
}

#[test]
fn sigkill_mid_load_leaves_only_complete_captures() {
    let dir = tempfile::tempdir().unwrap();
    let listener = Listener::start(&["--save", dir.path().to_str().unwrap(), "--quiet"]);
    let mut sender = hookctl()
        .args([
            "send",
            "payin.update",
            "--to",
            &listener.to("/"),
            "--count",
            "5000",
            "--concurrency",
            "16",
            "--quiet",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    listener.take("delivery", 200);
    let (status, _) = listener.signal("-KILL");
    assert_eq!(status.code(), None, "killed");
    let _ = sender.wait();
    // Every capture that has its final name is whole; partial writes are hidden temporary files.
    let (good, bad) = capture::collect(&[dir.path().to_path_buf()]);
    assert!(good.len() >= 200, "{}", good.len());
    assert!(
        bad.unreadable.is_empty(),
        "{:?}",
        bad.unreadable.iter().map(|b| &b.why).collect::<Vec<_>>()
    );
    // verify reads the folder without complaint; a new listener clears any leftovers.
    let (out, _, stderr) = run(hookctl().args(["verify", dir.path().to_str().unwrap(), "--quiet"]));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    std::fs::write(
        dir.path()
            .join(".20000101T000000.000000Z-000001-x-y.json.tmp"),
        "{\"partial",
    )
    .unwrap();
    let again = Listener::start(&["--save", dir.path().to_str().unwrap()]);
    drop(again);
    assert!(!dir
        .path()
        .join(".20000101T000000.000000Z-000001-x-y.json.tmp")
        .exists());
}

#[test]
fn redact_masks_cards_ibans_and_emails_in_what_is_shown_and_when_asked_saved() {
    let send = |listener: &Listener| {
        let (out, _, _) = run(hookctl().args([
            "send",
            "standard:contact.created",
            "--to",
            &listener.to("/"),
            "--set",
            "data.card=\"4242424242424242\"",
            "--set",
            "data.iban=DE89370400440532013000",
        ]));
        assert!(out.status.success());
    };
    let shown_only = tempfile::tempdir().unwrap();
    let listener = Listener::start(&["--redact", "--save", shown_only.path().to_str().unwrap()]);
    send(&listener);
    let shown = listener.take("delivery", 1)[0].to_string();
    for secret in [
        "jane@example.com",
        "4242424242424242",
        "DE89370400440532013000",
    ] {
        assert!(!shown.contains(secret), "{secret} shown: {shown}");
    }
    assert!(
        shown.contains("************4242") && shown.contains("j***@example.com"),
        "{shown}"
    );
    let (out, _, _) = run(hookctl().args(["verify", shown_only.path().to_str().unwrap()]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "the capture keeps the exact body and verifies"
    );

    let saved_too = tempfile::tempdir().unwrap();
    let listener = Listener::start(&[
        "--redact-saved",
        "--save",
        saved_too.path().to_str().unwrap(),
    ]);
    send(&listener);
    listener.take("delivery", 1);
    let file = std::fs::read_dir(saved_too.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let stored = std::fs::read_to_string(file).unwrap();
    assert!(
        !stored.contains("jane@example.com") && !stored.contains("4242424242424242"),
        "{stored}"
    );
}

#[test]
fn answers_are_configurable_and_other_paths_are_refused() {
    let listener = Listener::start(&[
        "--path",
        "/hooks",
        "--status",
        "202",
        "--response-body",
        "thanks",
        "--response-header",
        "X-Receiver: hookctl",
        "--delay",
        "50ms",
    ]);
    let (out, stdout, _) = run(hookctl().args([
        "send",
        "github:ping",
        "--to",
        &listener.to("/hooks"),
        "--json",
    ]));
    assert!(out.status.success(), "{stdout}");
    let sent = &records(&stdout)[0]["data"];
    assert_eq!(sent["status"], 202);
    assert_eq!(sent["response_body"]["text"], "thanks");
    assert!(sent["elapsed_ms"].as_f64().unwrap() > 0.0);
    let delivery = &listener.take("delivery", 1)[0];
    assert_eq!(delivery["response"]["status"], 202);

    let answer = raw_exchange(
        listener.port,
        b"POST /other HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
        Duration::from_secs(30),
    );
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    let record = listener.next();
    assert_eq!(record["type"], "rejected");
    let answer = raw_exchange(
        listener.port,
        b"POST /hooks HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
        Duration::from_secs(30),
    );
    assert!(
        answer.contains("x-receiver: hookctl") && answer.ends_with("thanks"),
        "{answer}"
    );
}

#[test]
fn cryptomate_authorisations_are_approved_or_declined_as_told() {
    for (decision, code) in [("approve", "00"), ("decline", "05")] {
        let listener = Listener::start(&["--authorization", decision]);
        let (out, stdout, _) = run(hookctl().args([
            "send",
            "cryptomate:AUTHORIZATION",
            "--to",
            &listener.to("/"),
            "--json",
        ]));
        assert!(out.status.success());
        let sent = &records(&stdout)[0]["data"];
        assert_eq!(
            sent["response_body"]["text"],
            format!("{{\"response_code\":\"{code}\"}}")
        );
        let delivery = &listener.take("delivery", 1)[0];
        let remark = delivery["remark"].as_str().unwrap();
        assert!(
            remark.contains("CryptoMate's 1,200 ms") && remark.contains("answered in"),
            "{remark}"
        );
        // Other CryptoMate events get the plain answer.
        let (_, stdout, _) = run(hookctl().args([
            "send",
            "cryptomate:DEPOSIT",
            "--to",
            &listener.to("/"),
            "--json",
        ]));
        assert_eq!(records(&stdout)[0]["data"]["response_body"]["text"], "");
    }
}

/// A tiny tmpfs, unmounted when dropped; `None` where mounting is not allowed (not root).
struct TinyDisk(std::path::PathBuf);

impl TinyDisk {
    fn mount(dir: &std::path::Path) -> Option<TinyDisk> {
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir.to_str()?])
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?
            .success();
        mounted.then(|| TinyDisk(dir.to_path_buf()))
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
#[ignore = "needs root: mounts a tiny tmpfs"]
fn a_full_disk_is_answered_500_and_reported_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let _disk = TinyDisk::mount(dir.path()).expect("a tmpfs can be mounted (root)");
    let listener = Listener::start(&["--save", dir.path().to_str().unwrap(), "--quiet"]);
    let (_, stdout, _) = run(hookctl().args([
        "send",
        "payin.update",
        "--to",
        &listener.to("/"),
        "--count",
        "60",
        "--json",
    ]));
    let summary = &records(&stdout).pop().unwrap()["data"];
    let delivered = summary["delivered"].as_u64().unwrap();
    let refused = summary["unexpected_status"].as_u64().unwrap();
    assert_eq!(delivered + refused, 60, "{summary}");
    assert!(
        refused > 0 && delivered > 0,
        "the disk filled part-way: {summary}"
    );
    let deliveries = listener.take("delivery", 60);
    let unsaved: Vec<_> = deliveries
        .iter()
        .filter(|d| d["capture_error"].is_string())
        .collect();
    assert_eq!(unsaved.len() as u64, refused, "every refusal is reported");
    assert!(unsaved.iter().all(|d| d["response"]["status"] == 500));
    let files = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .count();
    assert_eq!(files as u64, delivered, "every 2xx answer has its capture");
    // Still serving: what does not fit is refused, not dropped.
    let (out, _, _) = run(hookctl().args(["send", "github:ping", "--to", &listener.to("/")]));
    assert!(matches!(out.status.code(), Some(0 | 4)));
}

#[test]
fn a_client_that_stalls_in_its_headers_is_timed_out_and_reported() {
    let listener = Listener::start(&["--read-timeout", "1s"]);
    // Part of a request line, then nothing: the header read timeout closes the connection.
    let answer = raw_exchange(
        listener.port,
        b"POST / HTTP/1.1\r\nHo",
        Duration::from_secs(30),
    );
    assert!(!answer.contains(" 200 "), "{answer}");
    let record = listener.next();
    assert_eq!(record["type"], "connection_error", "{record}");
    let (out, _, _) = run(hookctl().args(["send", "github:ping", "--to", &listener.to("/")]));
    assert!(out.status.success(), "still serving");
}

#[cfg(unix)]
#[test]
fn captures_are_private_to_the_user_and_secrets_are_never_printed() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("captures");
    let listener = Listener::start(&[
        "--save",
        dir.to_str().unwrap(),
        "--secret",
        "whsec_do-not-print-me",
        "-v",
    ]);
    let (out, stdout, stderr) = run(hookctl().args([
        "send",
        "stripe:charge.succeeded",
        "--to",
        &listener.to("/"),
        "--secret",
        "whsec_do-not-print-me",
        "-v",
    ]));
    assert!(out.status.success());
    assert!(
        !stdout.contains("do-not-print-me") && !stderr.contains("do-not-print-me"),
        "send never prints the secret"
    );
    // Not even CryptoMate's key, which travels as a header: a dry run says it is there, not what it is.
    let (_, stdout, _) = run(hookctl().args([
        "send",
        "cryptomate:DEPOSIT",
        "--dry-run",
        "--secret",
        "do-not-print-me",
    ]));
    assert!(
        stdout.contains("X-Webhook-Key: <the secret") && !stdout.contains("do-not-print-me"),
        "{stdout}"
    );
    let delivery = listener.take("delivery", 1)[0].to_string();
    assert!(
        !delivery.contains("do-not-print-me"),
        "listen never prints it"
    );
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(
            !std::fs::read_to_string(&path)
                .unwrap()
                .contains("do-not-print-me"),
            "nor saves it"
        );
    }
}

/// A guard for speed that times nothing: deliveries from one sender share keep-alive connections
/// on both sides, so neither sender nor listener pays a connection per delivery.
#[test]
fn deliveries_share_keep_alive_connections() {
    let listener = Listener::start(&["--quiet"]);
    let (out, _, _) = run(hookctl().args([
        "send",
        "github:ping",
        "--to",
        &listener.to("/"),
        "--count",
        "100",
        "--concurrency",
        "2",
    ]));
    assert!(out.status.success());
    let peers: std::collections::HashSet<String> = listener
        .take("delivery", 100)
        .iter()
        .map(|d| d["peer"].as_str().unwrap().to_string())
        .collect();
    assert!(
        peers.len() <= 4,
        "100 deliveries came over {} connections",
        peers.len()
    );
}

/// The listener serves one socket per core on the same port; a second listener asking for that
/// port must still be refused, not quietly handed part of the deliveries.
#[test]
fn a_second_listener_on_the_same_port_is_refused() {
    let first = Listener::start(&[]);
    let port = first.port.to_string();
    let (out, _, stderr) = run(hookctl().args(["listen", "--port", &port, "--timeout", "5s"]));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot listen") && stderr.contains("in use?"),
        "{stderr}"
    );
    // The first still answers every delivery.
    let (out, _, stderr) = run(hookctl().args([
        "send",
        "stripe:charge.succeeded",
        "--count",
        "20",
        "--to",
        &first.to("/"),
    ]));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(first.take("delivery", 20).len(), 20);
}

/// Read one HTTP/1.1 answer from a kept-alive connection: its status and body.
fn read_answer(stream: &mut std::net::TcpStream) -> (u16, String) {
    use std::io::Read;
    let mut bytes = Vec::new();
    let mut byte = [0u8; 1];
    while !bytes.ends_with(b"\r\n\r\n") {
        assert_eq!(
            stream.read(&mut byte).unwrap(),
            1,
            "the answer's head: {bytes:?}"
        );
        bytes.push(byte[0]);
    }
    let head = String::from_utf8(bytes).unwrap();
    let status = head[9..12].parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(str::to_string)
        })
        .map_or(0, |n| n.parse().unwrap());
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).unwrap();
    (status, String::from_utf8(body).unwrap())
}

#[test]
fn one_connection_carries_requests_of_every_shape_in_order() {
    use std::io::Write;
    let listener = Listener::start(&[]);
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", listener.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let post = |target: &str, body: &str| {
        format!(
            "POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    // The usual request, then two in one write (pipelined).
    stream
        .write_all(post("/a", r#"{"n":1}"#).as_bytes())
        .unwrap();
    assert_eq!(read_answer(&mut stream).0, 200);
    let two = post("/b", r#"{"n":2}"#) + &post("/c", r#"{"n":3}"#);
    stream.write_all(two.as_bytes()).unwrap();
    assert_eq!(read_answer(&mut stream).0, 200);
    assert_eq!(read_answer(&mut stream).0, 200);
    // The body written after the head, and a head cut in two.
    let later = post("/d", r#"{"n":4}"#);
    let (head, body) = later.split_at(later.find("\r\n\r\n").unwrap() + 4);
    stream.write_all(head.as_bytes()).unwrap();
    stream.flush().unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    assert_eq!(read_answer(&mut stream).0, 200);
    let whole = post("/e", r#"{"n":5}"#);
    let (first, rest) = whole.split_at(10);
    stream.write_all(first.as_bytes()).unwrap();
    stream.flush().unwrap();
    stream.write_all(rest.as_bytes()).unwrap();
    assert_eq!(read_answer(&mut stream).0, 200);
    // Another method, then a chunked body: still answered on the same connection.
    stream
        .write_all(b"GET /f HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let (status, why) = read_answer(&mut stream);
    assert_eq!(status, 405, "{why}");
    stream
        .write_all(b"POST /g HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"n\":7}\r\n0\r\n\r\n")
        .unwrap();
    assert_eq!(read_answer(&mut stream).0, 200);
    stream
        .write_all(post("/h", r#"{"n":8}"#).as_bytes())
        .unwrap();
    assert_eq!(read_answer(&mut stream).0, 200);

    let mut seen = Vec::new();
    for _ in 0..8 {
        let record = listener.next();
        let data = &record["data"];
        let target = data["target"].as_str().unwrap().to_string();
        if record["type"] == "delivery" {
            // /a carries {"n":1}, /b {"n":2}, and so on.
            let n = target.as_bytes()[1] - b'a' + 1;
            assert_eq!(data["body"]["text"], format!("{{\"n\":{n}}}"), "{record}");
            assert_eq!(
                data["headers"][0][0], "host",
                "names in lower case: {record}"
            );
        }
        seen.push((record["type"].as_str().unwrap().to_string(), target));
    }
    let expected: Vec<(String, String)> = [
        ("delivery", "/a"),
        ("delivery", "/b"),
        ("delivery", "/c"),
        ("delivery", "/d"),
        ("delivery", "/e"),
        ("rejected", "/f"),
        ("delivery", "/g"),
        ("delivery", "/h"),
    ]
    .iter()
    .map(|(k, t)| (k.to_string(), t.to_string()))
    .collect();
    assert_eq!(seen, expected);
}

#[test]
fn a_body_cut_short_is_reported_and_the_listener_keeps_serving() {
    use std::io::Write;
    let listener = Listener::start(&[]);
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", listener.port)).unwrap();
    stream
        .write_all(b"POST /cut HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"n\":")
        .unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let record = listener.next();
    assert_eq!(record["type"], "rejected", "{record}");
    assert_eq!(record["data"]["status"], 400, "{record}");
    let (out, _, _) = run(hookctl().args(["send", "github:ping", "--to", &listener.to("/")]));
    assert!(out.status.success(), "still serving");
}

#[test]
fn a_connection_idle_between_requests_is_closed_after_the_read_timeout() {
    use std::io::{Read, Write};
    let listener = Listener::start(&["--read-timeout", "1s"]);
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", listener.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let body = r#"{"n":1}"#;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    assert_eq!(read_answer(&mut stream).0, 200);
    assert_eq!(listener.next()["type"], "delivery");
    // Then nothing: the listener closes the connection (end of file, not the test's limit).
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "{rest:?}");
}
