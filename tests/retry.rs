//! `send --retry`, `--duplicate-rate` and `--shuffle`: deliveries sent the way providers send them.
//! Receivers written for the purpose count attempts per delivery id; nothing is timed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use hookctl::scheme::{self, SchemeKind, SchemeOptions, VerifyRequest};
use serde_json::Value;

use crate::common::server::{Recorded, TestServer};
use crate::common::{hookctl, records, run};

/// A receiver that answers `status` (and `headers`) to the first `failures` attempts of each
/// delivery id, 200 after; `failures: usize::MAX` fails them all.
fn failing(failures: usize, status: u16, id_of: fn(&Recorded) -> String) -> TestServer {
    let seen: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    TestServer::with_handler(Arc::new(move |request| {
        let mut seen = seen.lock().unwrap();
        let count = seen.entry(id_of(request)).or_insert(0);
        *count += 1;
        if *count <= failures {
            (status, Bytes::from_static(b"not now"))
        } else {
            (200, Bytes::from_static(b"ok"))
        }
    }))
}

fn webhook_id(request: &Recorded) -> String {
    request.header("webhook-id").unwrap_or_default().to_string()
}

fn body_id(request: &Recorded) -> String {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    ["id", "notificationId", "webhook_id"]
        .iter()
        .find_map(|k| body[k].as_str())
        .unwrap_or_default()
        .to_string()
}

fn any_id(_: &Recorded) -> String {
    String::new()
}

fn send(args: &[&str]) -> (i32, Vec<Value>, String) {
    let (out, stdout, stderr) = run(hookctl().arg("send").args(args).arg("--json"));
    (
        out.status.code().unwrap_or(-1),
        records(&stdout),
        format!("{stdout}{stderr}"),
    )
}

fn verifies(kind: SchemeKind, secret: &str, request: &Recorded) -> bool {
    let headers = request.headers();
    let options = SchemeOptions::default();
    let check = VerifyRequest {
        headers: &headers,
        body: &request.body,
        url: "",
        now: chrono::Utc::now().timestamp(),
        tolerance: 300,
        top_level: None,
        options: &options,
    };
    scheme::verify(kind, &check, secret).verdict.is_valid()
}

#[test]
fn a_delivery_failed_k_times_is_attempted_k_plus_one_times_with_one_id_each_attempt_signed_anew() {
    let secret = "whsec_cmV0cnktc2VjcmV0LW9mLXRoZS10ZXN0";
    let server = failing(2, 503, webhook_id);
    let to = server.url("/");
    let (code, records, output) = send(&[
        "standard:invoice.paid",
        "--to",
        &to,
        "--secret",
        secret,
        "--retry",
        "--time-scale",
        "1e9",
    ]);
    assert_eq!(code, 0, "{output}");
    let requests = server.requests();
    assert_eq!(requests.len(), 3, "{output}");
    let ids: Vec<String> = requests.iter().map(webhook_id).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "one id: {ids:?}");
    let timestamps: Vec<i64> = requests
        .iter()
        .map(|r| r.header("webhook-timestamp").unwrap().parse().unwrap())
        .collect();
    assert!(
        timestamps.windows(2).all(|pair| pair[0] <= pair[1]),
        "{timestamps:?}"
    );
    for request in &requests {
        assert!(
            verifies(SchemeKind::Standard, secret, request),
            "every attempt verifies"
        );
    }
    let attempts: Vec<&Value> = records.iter().filter(|r| r["type"] == "attempt").collect();
    assert_eq!(attempts.len(), 3);
    assert_eq!(attempts[0]["data"]["status"], 503);
    assert_eq!(
        attempts[0]["data"]["next_wait_ms"], 5000.0,
        "the spec's first wait: 5 s"
    );
    assert_eq!(attempts[2]["data"]["status"], 200);
    assert!(attempts[2]["data"]["next_wait_ms"].is_null());
    let delivery = records.iter().find(|r| r["type"] == "delivery").unwrap();
    assert_eq!(delivery["data"]["delivered"], true);
    assert_eq!(delivery["data"]["attempts"], 3);
    assert_eq!(
        delivery["data"]["provider_time_ms"], 305_000.0,
        "5 s, then 5 min, of the provider's time"
    );

    // Stripe renews its t= too; GitHub, which never retries, is attempted once.
    let server = failing(1, 500, body_id);
    let to = server.url("/");
    let (code, _, output) = send(&[
        "stripe:charge.succeeded",
        "--to",
        &to,
        "--secret",
        "whsec_s",
        "--retry",
        "--time-scale",
        "1e9",
    ]);
    assert_eq!(code, 0, "{output}");
    assert_eq!(server.requests().len(), 2);
    assert!(server
        .requests()
        .iter()
        .all(|r| verifies(SchemeKind::Stripe, "whsec_s", r)));
    let server = failing(1, 500, any_id);
    let (code, _, output) = send(&["github:push", "--to", &server.url("/"), "--retry"]);
    assert_eq!(code, 4, "{output}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_receiver_that_always_fails_sees_the_whole_schedule() {
    for (event, attempts) in [
        ("mobilepay:payment.reserved", 32),
        ("bankingcircle:IncomingPaymentProcessed", 12),
        ("standard:invoice.paid", 10),
        ("treezor:payin.update", 30),
        ("github:push", 1),
        ("mipise:pay_in_successful", 1),
    ] {
        let server = failing(usize::MAX, 500, any_id);
        let (code, records, output) = send(&[
            event,
            "--to",
            &server.url("/"),
            "--retry",
            "--time-scale",
            "1e12",
        ]);
        assert_eq!(code, 4, "{event}: {output}");
        assert_eq!(server.requests().len(), attempts, "{event}");
        let delivery = records.iter().find(|r| r["type"] == "delivery").unwrap();
        assert_eq!(delivery["data"]["attempts"], attempts, "{event}");
        // The same delivery each time, where the scheme signs no timestamp.
        if !event.starts_with("standard") && !event.starts_with("bankingcircle") {
            let requests = server.requests();
            assert!(
                requests.windows(2).all(|pair| pair[0].body == pair[1].body),
                "{event}: the same bytes again"
            );
        }
    }
    // --max-attempts caps it, --schedule replaces it.
    let server = failing(usize::MAX, 500, any_id);
    send(&[
        "mobilepay:payment.reserved",
        "--to",
        &server.url("/"),
        "--retry",
        "--max-attempts",
        "3",
        "--time-scale",
        "1e9",
    ]);
    assert_eq!(server.requests().len(), 3);
    let server = failing(usize::MAX, 500, any_id);
    let (_, records, _) = send(&[
        "github:push",
        "--to",
        &server.url("/"),
        "--retry",
        "--schedule",
        "0,1h,2h",
        "--time-scale",
        "1e9",
    ]);
    assert_eq!(server.requests().len(), 3);
    let delivery = records.iter().find(|r| r["type"] == "delivery").unwrap();
    assert_eq!(delivery["data"]["provider_time_ms"], 3.0 * 3_600_000.0);
}

#[test]
fn a_410_or_an_abort_header_stops_a_standard_webhooks_run() {
    let server = failing(usize::MAX, 410, any_id);
    let (code, records, output) = send(&[
        "standard:invoice.paid",
        "--to",
        &server.url("/"),
        "--retry",
        "--time-scale",
        "1e9",
    ]);
    assert_eq!(code, 4, "{output}");
    assert_eq!(server.requests().len(), 1);
    let delivery = records.iter().find(|r| r["type"] == "delivery").unwrap();
    assert_eq!(delivery["data"]["stopped"], "410 stops retries");

    let abort = vec![("webhook-delivery".to_string(), "abort-message".to_string())];
    let aborting = TestServer::answering(Arc::new(move |_| {
        (500, abort.clone(), Bytes::from_static(b"no"))
    }));
    let (_, records, _) = send(&[
        "standard:invoice.paid",
        "--to",
        &aborting.url("/"),
        "--retry",
        "--time-scale",
        "1e9",
    ]);
    assert_eq!(
        aborting.requests().len(),
        1,
        "Svix's abort-message answer stops it"
    );
    let delivery = records.iter().find(|r| r["type"] == "delivery").unwrap();
    assert!(delivery["data"]["stopped"]
        .as_str()
        .unwrap()
        .contains("abort-message"));
    let plain = TestServer::with_handler(Arc::new(|_| (500, Bytes::from_static(b"no"))));
    send(&[
        "standard:invoice.paid",
        "--to",
        &plain.url("/"),
        "--retry",
        "--max-attempts",
        "2",
        "--time-scale",
        "1e9",
    ]);
    assert_eq!(plain.requests().len(), 2, "without it, retried");
}

#[test]
fn retries_of_one_delivery_do_not_hold_up_the_others() {
    // Only the first delivery fails, once; its retry waits 1 s (10 s scaled by 10) while the other
    // two go on the one connection there is.
    let failed = Arc::new(Mutex::new(false));
    let first_fails = failed.clone();
    let server = TestServer::with_handler(Arc::new(move |_| {
        let mut failed = first_fails.lock().unwrap();
        if !*failed {
            *failed = true;
            (500, Bytes::from_static(b"once"))
        } else {
            (200, Bytes::from_static(b"ok"))
        }
    }));
    let to = server.url("/");
    let args = [
        "github:push",
        "--to",
        &to,
        "--count",
        "3",
        "--retry",
        "--schedule",
        "0,10s",
        "--time-scale",
        "10",
    ];
    let (code, _, output) = send(&args);
    assert_eq!(code, 0, "{output}");
    let ids: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.header("x-github-delivery").unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 4, "{output}");
    assert_eq!(ids[3], ids[0], "the retry goes last: {ids:?}");
    assert!(ids[1] != ids[0] && ids[2] != ids[0]);
}

/// Twelve Stripe deliveries to `to`, half of them sent twice, shuffled with `seed`.
fn send_arranged(to: &str, seed: &str, more: &[&str]) -> (i32, Vec<Value>, String) {
    let mut args = vec![
        "stripe:charge.succeeded",
        "--to",
        to,
        "--count",
        "12",
        "--duplicate-rate",
        "0.5",
        "--shuffle",
        "--seed",
        seed,
    ];
    args.extend_from_slice(more);
    send(&args)
}

#[test]
fn duplicates_and_shuffling_are_reproducible_with_a_seed() {
    let arrangement = |seed: &str| {
        let server = TestServer::start(200);
        let (code, records, output) = send_arranged(&server.url("/"), seed, &[]);
        assert_eq!(code, 0, "{output}");
        let arrangement =
            records.iter().find(|r| r["type"] == "arrangement").unwrap()["data"].clone();
        (arrangement, server.requests())
    };
    let (first, requests) = arrangement("42");
    let (again, _) = arrangement("42");
    let (other, _) = arrangement("43");
    assert_eq!(first, again, "the same seed, the same order and duplicates");
    assert_ne!(first["order"], other["order"]);
    let duplicates = first["duplicates"].as_u64().unwrap() as usize;
    assert!(duplicates > 0);
    assert_eq!(requests.len(), 12 + duplicates);
    // Each duplicate is its original byte for byte, signature and all.
    let mut by_id: HashMap<String, Vec<&Recorded>> = HashMap::new();
    for request in &requests {
        by_id.entry(body_id(request)).or_default().push(request);
    }
    let twice: Vec<&Vec<&Recorded>> = by_id.values().filter(|copies| copies.len() == 2).collect();
    assert_eq!(twice.len(), duplicates);
    for pair in twice {
        assert_eq!(pair[0].body, pair[1].body);
        assert_eq!(
            pair[0].header("stripe-signature"),
            pair[1].header("stripe-signature")
        );
    }
    // Not sent in the order they were made: the Stripe ids' order differs from the plain order.
    let order: Vec<u64> = first["order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["delivery"].as_u64().unwrap())
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_ne!(order, sorted, "shuffled");
}

#[test]
fn a_dry_run_shows_the_arranged_order_and_each_duplicate() {
    let (code, records, output) = send_arranged("http://127.0.0.1:9/", "42", &["--dry-run"]);
    assert_eq!(code, 0, "{output}");
    let arrangement = records.iter().find(|r| r["type"] == "arrangement").unwrap()["data"].clone();
    let order = arrangement["order"].as_array().unwrap();
    let requests: Vec<&Value> = records
        .iter()
        .filter(|r| r["type"] == "request")
        .map(|r| &r["data"])
        .collect();
    let duplicates = arrangement["duplicates"].as_u64().unwrap() as usize;
    assert!(duplicates > 0);
    assert_eq!(requests.len(), 12 + duplicates, "{output}");
    // Shown in the order sent: each slot's delivery, a duplicate the bytes of its first copy.
    let mut firsts: HashMap<u64, &Value> = HashMap::new();
    for (slot, request) in order.iter().zip(&requests) {
        let delivery = slot["delivery"].as_u64().unwrap();
        if slot["duplicate"].as_bool().unwrap() {
            assert_eq!(request["body"], firsts[&delivery]["body"]);
            assert_eq!(request["headers"], firsts[&delivery]["headers"]);
            assert_eq!(request["duplicate_of"], delivery, "{request}");
        } else {
            firsts.insert(delivery, request);
            assert!(request.get("duplicate_of").is_none(), "{request}");
        }
    }
    let ids: Vec<String> = requests
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect();
    let distinct: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 12, "{ids:?}");
}
