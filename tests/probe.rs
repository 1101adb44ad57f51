//! `hookctl probe` against receivers written for the purpose: sound ones for every provider, which
//! must come out with no FAIL and no INTEROP, and flawed ones, one planted flaw each, which must be
//! found with the right grade on the right case. And against `hookctl listen --reject-invalid`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use hookctl::scheme::{self, stripe, Invalid, SchemeKind, SchemeOptions, VerifyRequest};
use serde_json::Value;

use crate::common::listener::Listener;
use crate::common::server::{Recorded, TestServer};
use crate::common::{hookctl, records, run};

const STANDARD_SECRET: &str = "whsec_cHJvYmUtc2VjcmV0LW9mLXRoZS1yZWNlaXZlcg==";
const BANKING_CIRCLE_KEY: &str = "0123456789abcdef0123456789abcdef";

/// What a receiver does wrong, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flaw {
    None,
    AcceptsAnything,
    IgnoresTimestamp,
    ComparesPrefix,
    AcceptsEmptyKey,
    ChecksFirstSignatureOnly,
    LeaksExpectedSignature,
    VerifiesReserialisedJson,
    BuildsUrlFromHost,
    IgnoresChecksum,
    AcceptsKeyPrefix,
    ProcessesDuplicates,
    /// Treezor: deduplicates on `webhook_id`, which the signature does not cover.
    TrustsEnvelope,
}

/// A webhook receiver for one provider, verifying with hookctl's schemes (or failing to, as its
/// flaw says), processing each delivery id once (or not), and writing how many times it processed
/// each id into a folder, for the probe's oracle.
struct Receiver {
    kind: SchemeKind,
    secret: String,
    /// The URL it was registered under (MobilePay signs it).
    url: Mutex<String>,
    reject: u16,
    flaw: Flaw,
    processed: Mutex<HashMap<String, u64>>,
    counts: PathBuf,
}

impl Receiver {
    fn answer(&self, request: &Recorded) -> (u16, Bytes) {
        if request.method != "POST" {
            return (405, Bytes::from_static(b"POST only"));
        }
        if request.body.len() > 1 << 20 {
            return (413, Bytes::from_static(b"too large"));
        }
        let headers = request.headers();
        let url = match self.flaw {
            Flaw::BuildsUrlFromHost => format!(
                "http://{}{}",
                request.header("host").unwrap_or(""),
                request.path
            ),
            _ => self.url.lock().unwrap().clone(),
        };
        let reserialised;
        let body: &[u8] = if self.flaw == Flaw::VerifiesReserialisedJson {
            let value: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            reserialised = serde_json::to_vec(&value).unwrap();
            &reserialised
        } else {
            &request.body
        };
        let tolerance = if self.flaw == Flaw::IgnoresTimestamp {
            u64::MAX / 2
        } else {
            300
        };
        let options = SchemeOptions::default();
        let check = |secret: &str| {
            let request = VerifyRequest {
                headers: &headers,
                body,
                url: &url,
                now: chrono::Utc::now().timestamp(),
                tolerance,
                top_level: None,
                options: &options,
            };
            scheme::verify(self.kind, &request, secret)
        };
        let verification = check(&self.secret);
        let verdict = verification.verdict;
        let genuine = match self.flaw {
            Flaw::AcceptsAnything => true,
            Flaw::AcceptsEmptyKey => verdict.is_valid() || check("").verdict.is_valid(),
            Flaw::IgnoresChecksum => {
                verdict.is_valid() || verdict.reason() == Some(Invalid::BodyChanged)
            }
            Flaw::ComparesPrefix => self.compares_prefix(&headers, body),
            Flaw::ChecksFirstSignatureOnly => self.first_signature_only(&headers, body),
            Flaw::AcceptsKeyPrefix => {
                let given = headers.get("X-Webhook-Key").unwrap_or_default();
                !given.is_empty()
                    && (self.secret.starts_with(given) || self.secret.eq_ignore_ascii_case(given))
            }
            _ => verdict.is_valid() || self.kind == SchemeKind::None,
        };
        if !genuine {
            let mut why = String::from("invalid signature");
            if self.flaw == Flaw::LeaksExpectedSignature {
                if let Some(Ok(parsed)) = headers.get(stripe::HEADER).map(stripe::parse_header) {
                    let t = parsed.timestamp.unwrap_or_default();
                    why = format!(
                        "signature mismatch: expected {}",
                        stripe::signature(&self.secret, t, body)
                    );
                }
            }
            return (self.reject, Bytes::from(why));
        }
        let plaintext = verification
            .plaintext
            .unwrap_or_else(|| request.body.to_vec());
        self.process(request, &plaintext);
        (200, Bytes::from_static(b"ok"))
    }

    /// Standard Webhooks, compared only up to the shorter length (what the svix crate did).
    fn compares_prefix(&self, headers: &hookctl::delivery::Headers, body: &[u8]) -> bool {
        let key = scheme::standard::key_bytes(&self.secret).unwrap();
        let (Some(id), Some(t)) = (headers.get("webhook-id"), headers.get("webhook-timestamp"))
        else {
            return false;
        };
        let expected = scheme::standard::signature(&key, id, t.parse().unwrap_or_default(), body);
        let given = headers.get("webhook-signature").unwrap_or_default();
        given
            .split(' ')
            .any(|candidate| expected.starts_with(candidate))
    }

    /// Stripe, with only the first `v1` candidate checked.
    fn first_signature_only(&self, headers: &hookctl::delivery::Headers, body: &[u8]) -> bool {
        let Some(Ok(parsed)) = headers.get(stripe::HEADER).map(stripe::parse_header) else {
            return false;
        };
        let t = parsed.timestamp.unwrap_or_default();
        parsed.v1.first() == Some(&stripe::signature(&self.secret, t, body))
    }

    /// Process a delivery once per idempotency key (unless the flaw says otherwise), and write how
    /// many times each delivery id was processed, for the oracle.
    fn process(&self, request: &Recorded, plaintext: &[u8]) {
        let value: Value = serde_json::from_slice(plaintext).unwrap_or(Value::Null);
        let id = match self.kind {
            SchemeKind::Standard => request.header("webhook-id").map(str::to_string),
            SchemeKind::Github => request.header("x-github-delivery").map(str::to_string),
            _ => {
                let id = [
                    "id",
                    "webhook_id",
                    "operation_id",
                    "eventId",
                    "notificationId",
                ]
                .iter()
                .find_map(|k| value[k].as_str());
                id.or_else(|| value[0]["notificationId"].as_str())
                    .or_else(|| value["notifications"][0]["eventId"].as_str())
                    .map(str::to_string)
            }
        };
        let Some(id) = id else { return };
        // Treezor signs only object_payload: a sound receiver keys on what is signed.
        let key = match (self.kind, self.flaw) {
            (SchemeKind::Treezor, flaw) if flaw != Flaw::TrustsEnvelope => {
                value["object_payload"].to_string()
            }
            _ => id.clone(),
        };
        let mut processed = self.processed.lock().unwrap();
        let count = processed.entry(key).or_insert(0);
        if *count > 0 && self.flaw != Flaw::ProcessesDuplicates {
            return;
        }
        *count += 1;
        let path = self.counts.join(&id);
        let before: u64 = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        std::fs::write(path, (before + 1).to_string()).unwrap();
    }
}

struct Target {
    server: TestServer,
    receiver: Arc<Receiver>,
    _counts: tempfile::TempDir,
}

fn receiver(kind: SchemeKind, secret: &str, reject: u16, flaw: Flaw) -> Target {
    let counts = tempfile::tempdir().unwrap();
    let receiver = Arc::new(Receiver {
        kind,
        secret: secret.to_string(),
        url: Mutex::new(String::new()),
        reject,
        flaw,
        processed: Mutex::new(HashMap::new()),
        counts: counts.path().to_path_buf(),
    });
    let answering = receiver.clone();
    let server = TestServer::with_handler(Arc::new(move |request| answering.answer(request)));
    *receiver.url.lock().unwrap() = server.url("/webhooks");
    Target {
        server,
        receiver,
        _counts: counts,
    }
}

/// The oracle: how many times the receiver processed $HOOKCTL_DELIVERY_ID.
fn oracle(counts: &Path) -> String {
    format!(
        "cat '{}'/\"$HOOKCTL_DELIVERY_ID\" 2>/dev/null || echo 0",
        counts.display()
    )
}

/// Run the probe and return its exit code and its cases by id.
fn probe(
    event: &str,
    secret: &str,
    url: &str,
    extra: &[&str],
) -> (i32, HashMap<String, Value>, String) {
    let mut command = hookctl();
    command
        .args([
            "probe",
            event,
            "--to",
            url,
            "--secret",
            secret,
            "--json",
            "--timeout",
            "5s",
        ])
        .args(extra);
    let (out, stdout, stderr) = run(&mut command);
    let cases = records(&stdout)
        .into_iter()
        .filter(|r| r["type"] == "probe_case")
        .map(|r| {
            (
                r["data"]["case"].as_str().unwrap().to_string(),
                r["data"].clone(),
            )
        })
        .collect();
    (
        out.status.code().unwrap_or(-1),
        cases,
        format!("{stdout}{stderr}"),
    )
}

fn grade(cases: &HashMap<String, Value>, id: &str) -> String {
    cases
        .get(id)
        .map(|c| c["grade"].as_str().unwrap().to_string())
        .unwrap_or_else(|| "missing".into())
}

fn assert_clean(code: i32, cases: &HashMap<String, Value>, output: &str) {
    assert!(cases.len() >= 24, "every case reported: {output}");
    for (id, case) in cases {
        assert!(
            !["FAIL", "INTEROP"].contains(&case["grade"].as_str().unwrap()),
            "{id}: {case}\n{output}"
        );
    }
    assert_eq!(code, 0, "{output}");
}

#[test]
fn sound_receivers_of_every_scheme_come_out_clean() {
    let providers = [
        (
            "stripe:charge.succeeded",
            SchemeKind::Stripe,
            "whsec_probe_secret_of_the_receiver",
            400,
        ),
        (
            "standard:invoice.paid",
            SchemeKind::Standard,
            STANDARD_SECRET,
            401,
        ),
        (
            "github:push",
            SchemeKind::Github,
            "probe-secret-of-the-receiver",
            401,
        ),
        (
            "treezor:payin.update",
            SchemeKind::Treezor,
            "probe-secret-of-the-receiver",
            500,
        ),
        (
            "mobilepay:payment.reserved",
            SchemeKind::Mobilepay,
            "probe-secret-of-the-receiver",
            401,
        ),
        (
            "bankingcircle:IncomingPaymentProcessed",
            SchemeKind::Bankingcircle,
            BANKING_CIRCLE_KEY,
            401,
        ),
        (
            "cryptomate:DEPOSIT",
            SchemeKind::Cryptomate,
            "probe-secret-of-the-receiver",
            401,
        ),
    ];
    for (event, kind, secret, reject) in providers {
        let target = receiver(kind, secret, reject, Flaw::None);
        let oracle = oracle(&target.receiver.counts);
        let (code, cases, output) = probe(
            event,
            secret,
            &target.server.url("/webhooks"),
            &["--oracle", &oracle],
        );
        assert_clean(code, &cases, &output);
        assert_eq!(grade(&cases, "genuine"), "PASS", "{event}");
        assert_eq!(
            grade(&cases, "replayed-delivery"),
            "PASS",
            "{event}: {output}"
        );
        assert_eq!(grade(&cases, "signature-leak"), "PASS", "{event}");
        if kind.has_tolerance() {
            assert_eq!(grade(&cases, "stale-timestamp"), "PASS", "{event}");
        } else {
            assert_eq!(grade(&cases, "stale-timestamp"), "N/A", "{event}");
        }
    }
}

#[test]
fn an_unsigned_provider_is_probed_for_what_applies() {
    let target = receiver(SchemeKind::None, "", 401, Flaw::None);
    let mut command = hookctl();
    command.args([
        "probe",
        "--provider",
        "mipise",
        "--to",
        &target.server.url("/"),
        "--json",
    ]);
    let (out, stdout, stderr) = run(&mut command);
    assert!(out.status.success(), "{stdout}{stderr}");
    let cases: Vec<Value> = records(&stdout)
        .into_iter()
        .filter(|r| r["type"] == "probe_case")
        .collect();
    let grade_of = |id: &str| {
        cases
            .iter()
            .find(|c| c["data"]["case"] == id)
            .map(|c| c["data"]["grade"].clone())
    };
    assert_eq!(grade_of("genuine"), Some("PASS".into()));
    assert_eq!(grade_of("missing-signature"), Some("N/A".into()));
    assert_eq!(grade_of("wrong-method"), Some("PASS".into()));
}

#[test]
fn each_planted_flaw_is_found_on_its_case() {
    let stripe_secret = "whsec_probe_secret_of_the_receiver";
    let plain = "probe-secret-of-the-receiver";
    let flaws: [(&str, SchemeKind, &str, Flaw, &str, &str); 13] = [
        (
            "stripe:charge.succeeded",
            SchemeKind::Stripe,
            stripe_secret,
            Flaw::AcceptsAnything,
            "missing-signature",
            "FAIL",
        ),
        (
            "stripe:charge.succeeded",
            SchemeKind::Stripe,
            stripe_secret,
            Flaw::AcceptsAnything,
            "wrong-secret",
            "FAIL",
        ),
        (
            "stripe:charge.succeeded",
            SchemeKind::Stripe,
            stripe_secret,
            Flaw::IgnoresTimestamp,
            "stale-timestamp",
            "FAIL",
        ),
        (
            "standard:invoice.paid",
            SchemeKind::Standard,
            STANDARD_SECRET,
            Flaw::ComparesPrefix,
            "truncated-signature",
            "FAIL",
        ),
        (
            "stripe:charge.succeeded",
            SchemeKind::Stripe,
            stripe_secret,
            Flaw::AcceptsEmptyKey,
            "empty-secret",
            "FAIL",
        ),
        (
            "stripe:charge.succeeded",
            SchemeKind::Stripe,
            stripe_secret,
            Flaw::ChecksFirstSignatureOnly,
            "key-rotation",
            "INTEROP",
        ),
        (
            "stripe:charge.succeeded",
            SchemeKind::Stripe,
            stripe_secret,
            Flaw::LeaksExpectedSignature,
            "signature-leak",
            "FAIL",
        ),
        (
            "standard:invoice.paid",
            SchemeKind::Standard,
            STANDARD_SECRET,
            Flaw::VerifiesReserialisedJson,
            "non-canonical-json",
            "INTEROP",
        ),
        (
            "mobilepay:payment.reserved",
            SchemeKind::Mobilepay,
            plain,
            Flaw::BuildsUrlFromHost,
            "mobilepay-other-url",
            "FAIL",
        ),
        (
            "bankingcircle:IncomingPaymentProcessed",
            SchemeKind::Bankingcircle,
            BANKING_CIRCLE_KEY,
            Flaw::IgnoresChecksum,
            "bankingcircle-wrong-checksum",
            "FAIL",
        ),
        (
            "cryptomate:DEPOSIT",
            SchemeKind::Cryptomate,
            plain,
            Flaw::AcceptsKeyPrefix,
            "cryptomate-key-prefix",
            "FAIL",
        ),
        (
            "standard:invoice.paid",
            SchemeKind::Standard,
            STANDARD_SECRET,
            Flaw::ProcessesDuplicates,
            "replayed-delivery",
            "FAIL",
        ),
        (
            "treezor:payin.update",
            SchemeKind::Treezor,
            plain,
            Flaw::TrustsEnvelope,
            "treezor-unsigned-envelope",
            "FAIL",
        ),
    ];
    for (event, kind, secret, flaw, case, expected) in flaws {
        let target = receiver(kind, secret, 401, flaw);
        let oracle = oracle(&target.receiver.counts);
        let (code, cases, output) = probe(
            event,
            secret,
            &target.server.url("/webhooks"),
            &["--oracle", &oracle],
        );
        assert_eq!(
            grade(&cases, case),
            expected,
            "{flaw:?} on {case}: {}\n{output}",
            cases.get(case).unwrap_or(&Value::Null)
        );
        assert!(
            cases[case]["advice"].is_string(),
            "{flaw:?}: a finding comes with advice"
        );
        let expected_code = if cases.values().any(|c| c["grade"] == "FAIL") {
            5
        } else {
            4
        };
        assert_eq!(code, expected_code, "{flaw:?}: {output}");
    }
}

#[test]
fn a_receiver_that_rejects_the_genuine_delivery_stops_the_probe_with_a_hint() {
    let target = receiver(
        SchemeKind::Github,
        "the-receivers-own-secret",
        401,
        Flaw::None,
    );
    let (code, cases, output) = probe(
        "github:push",
        "some-other-secret",
        &target.server.url("/"),
        &[],
    );
    assert_eq!(code, 4, "{output}");
    assert_eq!(cases.len(), 1, "nothing after the control: {output}");
    let genuine = &cases["genuine"];
    assert_eq!(genuine["grade"], "INTEROP");
    assert_eq!(genuine["status"], 401);
    assert!(
        genuine["advice"].as_str().unwrap().contains("secret"),
        "{genuine}"
    );
}

#[test]
fn probes_refuse_the_built_in_secret_and_other_machines() {
    let refusals: [(&[&str], &[&str]); 3] = [
        (
            &["stripe:charge.succeeded", "--to", "http://127.0.0.1:9/"],
            &["built-in test secret proves nothing"],
        ),
        (
            &[
                "stripe:charge.succeeded",
                "--to",
                "http://192.0.2.1/",
                "--secret",
                "whsec_x",
            ],
            &["not a loopback address", "--allow-remote"],
        ),
        (
            &[
                "github:push",
                "--to",
                "http://127.0.0.1:9/",
                "--secret",
                "s",
                "--only",
                "tampered-bdy",
            ],
            &["did you mean tampered-body"],
        ),
    ];
    for (args, expected) in refusals {
        let (out, _, stderr) = run(hookctl().arg("probe").args(args));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        for text in expected {
            assert!(stderr.contains(text), "{args:?}: {stderr}");
        }
    }
}

#[test]
fn only_skip_strict_and_junit_shape_the_run() {
    let target = receiver(
        SchemeKind::Stripe,
        "whsec_probe_secret_of_the_receiver",
        400,
        Flaw::AcceptsAnything,
    );
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("probe.xml");
    let url = target.server.url("/");
    let extra = [
        "--only",
        "wrong-secret",
        "--only",
        "header-case",
        "--junit",
        junit.to_str().unwrap(),
    ];
    let (code, cases, output) = probe(
        "stripe:charge.succeeded",
        "whsec_probe_secret_of_the_receiver",
        &url,
        &extra,
    );
    let mut ids: Vec<&String> = cases.keys().collect();
    ids.sort();
    assert_eq!(ids, ["genuine", "header-case", "wrong-secret"], "{output}");
    assert_eq!(code, 5);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testcase classname=\"probe.authenticity\" name=\"wrong-secret\""),
        "{xml}"
    );
    assert_eq!(xml.matches("<failure").count(), 1, "{xml}");

    // A WARN fails only with --strict: Stripe's libraries accept future timestamps too.
    let lenient = receiver(
        SchemeKind::Stripe,
        "whsec_probe_secret_of_the_receiver",
        400,
        Flaw::IgnoresTimestamp,
    );
    let url = lenient.server.url("/");
    let only = ["--only", "future-timestamp"];
    let (code, cases, output) = probe(
        "stripe:charge.succeeded",
        "whsec_probe_secret_of_the_receiver",
        &url,
        &only,
    );
    assert_eq!(grade(&cases, "future-timestamp"), "WARN", "{output}");
    assert_eq!(code, 0);
    let strict = ["--only", "future-timestamp", "--strict"];
    let (code, _, _) = probe(
        "stripe:charge.succeeded",
        "whsec_probe_secret_of_the_receiver",
        &url,
        &strict,
    );
    assert_eq!(code, 5);
}

#[test]
fn hookctl_listen_with_reject_invalid_comes_out_clean() {
    for (event, secret) in [
        (
            "stripe:charge.succeeded",
            "whsec_probe_secret_of_the_listener",
        ),
        ("standard:invoice.paid", STANDARD_SECRET),
        ("github:push", "probe-secret-of-the-listener"),
        ("treezor:payin.update", "probe-secret-of-the-listener"),
        ("cryptomate:DEPOSIT", "probe-secret-of-the-listener"),
        ("bankingcircle:IncomingPaymentProcessed", BANKING_CIRCLE_KEY),
    ] {
        // A receiver for one provider: a delivery it cannot recognise as that provider's is not
        // let through as an unknown provider's.
        let provider = event.split(':').next().unwrap();
        let listener = Listener::start(&[
            "--reject-invalid",
            "--provider",
            provider,
            "--secret",
            secret,
            "--quiet",
        ]);
        let (code, cases, output) = probe(event, secret, &listener.to("/webhooks"), &[]);
        assert_clean(code, &cases, &output);
    }
}
