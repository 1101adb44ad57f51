//! The probe's cases, in the order they run. Each builds what it sends from a fresh genuine
//! delivery and grades the answer; a case that does not apply to the scheme is N/A.

use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;

use super::{Answered, CaseInfo, CaseResult, Category, Genuine, Grade, Probe};
use crate::catalogue::path;
use crate::compose::{compose, ComposeOptions};
use crate::delivery::Delivery;
use crate::scheme::{self, forge, DEFAULT_TOLERANCE};

macro_rules! case {
    ($id:literal, $category:ident, $title:literal) => {
        CaseInfo { id: $id, category: Category::$category, title: $title }
    };
}

/// Every case, in the order they run.
pub static CASES: &[CaseInfo] = &[
    case!("genuine", Control, "a genuine, fresh delivery is accepted"),
    case!("missing-signature", Authenticity, "a delivery without its signature is rejected"),
    case!("wrong-secret", Authenticity, "a delivery signed with another secret is rejected"),
    case!("empty-secret", Authenticity, "a delivery signed with the empty key is rejected"),
    case!("tampered-body", Authenticity, "a delivery changed after signing is rejected"),
    case!("truncated-signature", Authenticity, "empty, shortened and prefix-only signatures are rejected"),
    case!("stale-timestamp", Freshness, "a signature older than the tolerance is rejected"),
    case!("future-timestamp", Freshness, "a signature dated beyond the tolerance ahead is rejected"),
    case!("replayed-delivery", Replay, "the same bytes twice are processed once"),
    case!("retried-delivery", Replay, "a provider's retry (same id, fresh signature) is processed once"),
    case!("key-rotation", Parsing, "an invalid signature before the valid one is accepted"),
    case!("scheme-downgrade", Parsing, "only another or a legacy signature version is rejected"),
    case!("header-case", Parsing, "header names in lower and mixed case are accepted"),
    case!("many-signatures", Parsing, "hundreds of candidate signatures are answered calmly"),
    case!("non-canonical-json", RawBytes, "validly signed, differently written JSON is accepted"),
    case!("invalid-utf8", RawBytes, "a validly signed body that is not UTF-8 does not crash the receiver"),
    case!("oversized-body", RawBytes, "a validly signed body of several MiB does not crash the receiver"),
    case!("treezor-php-canonical", Provider, "payloads PHP writes its own way are accepted"),
    case!("treezor-unsigned-envelope", Provider, "the unsigned envelope fields are not trusted"),
    case!("mobilepay-other-url", Provider, "a signature over another host's URL is rejected"),
    case!("bankingcircle-wrong-checksum", Provider, "a valid decryption with a wrong Checksum is rejected"),
    case!("cryptomate-key-prefix", Provider, "a prefix of the key, or the key in another case, is rejected"),
    case!("wrong-method", Hygiene, "GET and PUT with a valid delivery are not processed"),
    case!("signature-leak", Disclosure, "no rejection shows the secret or a valid signature"),
    case!("timing", Timing, "signature comparison takes as long whatever matches (--timing)"),
];

fn info(id: &str) -> CaseInfo {
    *CASES.iter().find(|c| c.id == id).expect("every case is listed")
}

/// How many candidates `many-signatures` sends in one header.
const MANY: usize = 500;
/// The body of `oversized-body`.
const OVERSIZED: usize = 5 << 20;
/// Requests of each kind `--timing` interleaves.
const TIMING_ROUNDS: usize = 200;

impl Probe {
    fn result(&self, id: &str, grade: Grade, sent: String, expected: &'static str, why: String) -> CaseResult {
        CaseResult { info: info(id), grade, sent, expected, answer: None, why, advice: None }
    }

    fn not_applicable(&mut self, id: &'static str, why: &str) {
        let result = self.result(id, Grade::NotApplicable, String::new(), "", why.to_string());
        self.record(result);
    }

    fn graded(&mut self, id: &'static str, mut result: CaseResult, answer: Option<Answered>, advice: &str) {
        result.answer = answer;
        if matches!(result.grade, Grade::Fail | Grade::Warn | Grade::Interop) {
            result.advice = Some(advice.to_string());
        }
        debug_assert_eq!(result.info.id, id);
        self.record(result);
    }

    /// Send forgeries; the worst answer decides: accepted is FAIL, a crash WARN, else PASS.
    async fn forgeries(&mut self, id: &'static str, tries: Vec<(String, Delivery, Vec<String>)>, advice: &str) {
        self.forgeries_graded(id, tries, Grade::Fail, "", advice).await
    }

    /// [`Probe::forgeries`], with `accepted` the grade of an accepted one (WARN where accepting is
    /// weaker than the provider's libraries rather than a forgery) and `why_accepted` said of it.
    async fn forgeries_graded(
        &mut self,
        id: &'static str,
        tries: Vec<(String, Delivery, Vec<String>)>,
        accepted: Grade,
        why_accepted: &str,
        advice: &str,
    ) {
        if tries.is_empty() {
            return self.not_applicable(id, "the scheme has no such signature");
        }
        let sent = tries.iter().map(|(label, _, _)| label.clone()).collect::<Vec<_>>().join("; ");
        let mut worst = (Grade::Pass, String::from("every one was rejected"), None);
        for (label, delivery, valid) in tries {
            let (grade, why, answer) = match self.send(id, &delivery, &valid).await {
                Ok(answer) if self.accepts(answer.status) => {
                    (accepted, format!("accepted {label} with {}{why_accepted}", answer.status), Some(answer))
                }
                Ok(answer) if self.crashed(answer.status) => (
                    Grade::Warn,
                    format!("answered {label} with {}: a crash on hostile input", answer.status),
                    Some(answer),
                ),
                Ok(answer) => {
                    let why = format!("rejected with {}", answer.status);
                    (Grade::Pass, why, Some(answer))
                }
                Err(error) => (Grade::Info, format!("no answer to {label}: {error}"), None),
            };
            let rank = |g: Grade| match g {
                Grade::Fail => 4,
                Grade::Warn if g == accepted => 3,
                Grade::Warn => 2,
                Grade::Info => 1,
                _ => 0,
            };
            if rank(grade) > rank(worst.0) || (worst.2.is_none() && answer.is_some() && rank(grade) == rank(worst.0)) {
                worst = (grade, why, answer);
            }
        }
        let result = self.result(id, worst.0, sent, "rejected", worst.1);
        self.graded(id, result, worst.2, advice);
    }

    /// Send a genuine variant: accepted is PASS, rejected INTEROP.
    async fn genuine_variant(
        &mut self,
        id: &'static str,
        label: String,
        delivery: Delivery,
        title_case: bool,
        advice: &str,
    ) {
        let result = self.genuine_variant_result(id, label, delivery, title_case, advice).await;
        self.record(result);
    }

    async fn genuine_variant_result(
        &mut self,
        id: &'static str,
        label: String,
        delivery: Delivery,
        title_case: bool,
        advice: &str,
    ) -> CaseResult {
        let (grade, why, answer) = match self.send_with(id, &delivery, &[], title_case).await {
            Ok(answer) if self.accepts(answer.status) => {
                (Grade::Pass, format!("accepted with {}", answer.status), Some(answer))
            }
            Ok(answer) => {
                (Grade::Interop, format!("a genuine delivery was rejected with {}", answer.status), Some(answer))
            }
            Err(error) => (Grade::Info, format!("no answer: {error}"), None),
        };
        let mut result = self.result(id, grade, label, "accepted", why);
        result.answer = answer;
        if grade == Grade::Interop {
            result.advice = Some(advice.to_string());
        }
        result
    }
}

/// Run every wanted case against the target, in order.
pub(super) async fn run_all(probe: &mut Probe) {
    let genuine = match probe.genuine(None, None) {
        Ok(genuine) => genuine,
        Err(why) => {
            let result = probe.result(
                "genuine",
                Grade::Interop,
                String::new(),
                "accepted",
                format!("cannot build a delivery: {why}"),
            );
            return probe.record(result);
        }
    };
    if !control(probe, &genuine).await {
        return;
    }
    let steps: &[&str] = &[
        "missing-signature",
        "wrong-secret",
        "empty-secret",
        "tampered-body",
        "truncated-signature",
        "stale-timestamp",
        "future-timestamp",
        "replayed-delivery",
        "retried-delivery",
        "key-rotation",
        "scheme-downgrade",
        "header-case",
        "many-signatures",
        "non-canonical-json",
        "invalid-utf8",
        "oversized-body",
        "treezor-php-canonical",
        "treezor-unsigned-envelope",
        "mobilepay-other-url",
        "bankingcircle-wrong-checksum",
        "cryptomate-key-prefix",
        "wrong-method",
        "signature-leak",
        "timing",
    ];
    for &id in steps {
        if probe.stopped.is_some() {
            break;
        }
        if !probe.wanted(id) {
            continue;
        }
        match probe.genuine(None, None) {
            Ok(fresh) => run_case(probe, id, &fresh).await,
            Err(why) => probe.not_applicable(id, &format!("cannot build a delivery: {why}")),
        }
    }
}

/// The positive control; `false` when the run must stop.
async fn control(probe: &mut Probe, genuine: &Genuine) -> bool {
    let id = "genuine";
    let sent = format!("{} {}, signed with the receiver's secret", probe.config.provider.name, probe.config.event.name);
    match probe.send(id, &genuine.delivery, &[]).await {
        Ok(answer) if probe.accepts(answer.status) => {
            let why = format!("accepted with {}", answer.status);
            let mut result = probe.result(id, Grade::Pass, sent, "accepted", why);
            result.answer = Some(answer);
            probe.record(result);
            true
        }
        outcome => {
            let (why, answer) = match outcome {
                Ok(answer) => (format!("rejected with {}: {}", answer.status, answer.excerpt), Some(answer)),
                Err(error) => (format!("no answer: {error}"), None),
            };
            let mut hint = String::from("every other answer would be meaningless, so the probe stops. Is the secret the receiver's? Is --to the receiver's URL?");
            if forge::signs_url(probe.kind()) {
                hint.push_str(" The signature covers the URL: --to must be the URL the receiver verifies against.");
            }
            hint.push_str(" Does the receiver verify the bytes received, or a re-serialised body?");
            let mut result = probe.result(id, Grade::Interop, sent, "accepted", why);
            result.answer = answer;
            result.advice = Some(hint);
            probe.record(result);
            probe.stopped = Some("the positive control was not accepted".into());
            false
        }
    }
}

async fn run_case(probe: &mut Probe, id: &'static str, fresh: &Genuine) {
    let kind = probe.kind();
    let secret = probe.config.secret.as_ref().map(|s| s.value.clone());
    let url = probe.config.url.to_string();
    let Some(secret) = secret.filter(|_| kind.signs()) else {
        return match id {
            "replayed-delivery" | "retried-delivery" | "wrong-method" | "oversized-body" => {
                unsigned_case(probe, id, fresh).await
            }
            _ => probe.not_applicable(id, "the provider does not sign its deliveries"),
        };
    };
    let valid = probe.valid_signatures(fresh, &fresh.unsigned, fresh.timestamp);
    match id {
        "missing-signature" => {
            let (mut headers, mut body) = (fresh.delivery.headers.clone(), fresh.delivery.body.to_vec());
            let tries = if forge::strip_signature(kind, &mut headers, &mut body) {
                let delivery = Delivery { headers, body: Bytes::from(body), ..fresh.delivery.clone() };
                vec![("no signature".to_string(), delivery, valid)]
            } else {
                Vec::new()
            };
            probe.forgeries(id, tries, "verify every delivery and reject one without a signature (401); never skip the check when the header is absent").await
        }
        "wrong-secret" => {
            let other = forge::random_secret(kind);
            let tries = match probe.signed(fresh, &fresh.unsigned, &other, fresh.timestamp, &url) {
                Ok(delivery) => vec![("signed with a random secret".to_string(), delivery, valid)],
                Err(_) => Vec::new(),
            };
            probe.forgeries(id, tries, "compare the signature with one computed from your own secret, never with anything the request supplies").await
        }
        "empty-secret" => {
            let request = scheme::SignRequest {
                secret: "",
                body: &fresh.unsigned,
                url: &url,
                id: &fresh.id,
                timestamp: fresh.timestamp,
                options: &probe.config.provider.spec.options,
            };
            let tries = match forge::sign_with_empty_key(kind, &request) {
                Some(Ok(signed)) => {
                    vec![("signed with the empty key".to_string(), probe.with_signed(fresh, signed), valid)]
                }
                _ => Vec::new(),
            };
            probe
                .forgeries(
                    id,
                    tries,
                    "refuse to start (or to verify) when the secret is unset or empty; an empty key signs anything",
                )
                .await
        }
        "tampered-body" => {
            let tries = match forge::tamper(kind, &fresh.delivery.body) {
                Some(body) => {
                    let valid = probe.valid_signatures(fresh, &tampered_plain(kind, fresh, &body), fresh.timestamp);
                    let delivery = Delivery { body: Bytes::from(body), ..fresh.delivery.clone() };
                    vec![("one value changed after signing".to_string(), delivery, valid)]
                }
                None => return probe.not_applicable(id, "the scheme's signature does not cover the body"),
            };
            probe
                .forgeries(id, tries, "verify the signature over the exact bytes received before acting on any of them")
                .await
        }
        "truncated-signature" => {
            let tries = forge::truncated(kind, &fresh.delivery.headers, &fresh.delivery.body)
                .into_iter()
                .map(|(label, headers, body)| {
                    (label, Delivery { headers, body: Bytes::from(body), ..fresh.delivery.clone() }, valid.clone())
                })
                .collect();
            probe.forgeries(id, tries, "compare whole signatures of the expected length in constant time (a comparison up to the shorter length accepts `v1,`)").await
        }
        "stale-timestamp" | "future-timestamp" => {
            if !kind.has_tolerance() {
                return probe.not_applicable(id, "the scheme signs no timestamp");
            }
            let offset = DEFAULT_TOLERANCE as i64 + 1;
            let (at, label) = if id == "stale-timestamp" {
                (fresh.timestamp - offset, format!("signed {offset} s ago"))
            } else {
                (fresh.timestamp + offset, format!("signed {offset} s ahead"))
            };
            let Ok(delivery) = probe.signed(fresh, &fresh.unsigned, &secret, at, &url) else {
                return probe.not_applicable(id, "the delivery cannot be signed at that time");
            };
            let valid = probe.valid_signatures(fresh, &fresh.unsigned, at);
            let advice = "check the signed timestamp against a tolerance (300 s) both ways, after the signature";
            let tries = vec![(label, delivery, valid)];
            if id == "future-timestamp" && forge::libraries_accept_future_timestamps(kind) {
                let why = " (the provider's Node, Python and Go libraries accept it too)";
                probe.forgeries_graded(id, tries, Grade::Warn, why, advice).await
            } else {
                probe.forgeries(id, tries, advice).await
            }
        }
        "replayed-delivery" | "retried-delivery" => replay_case(probe, id, &secret, &url).await,
        "key-rotation" => match forge::rotation(kind, &fresh.delivery.headers) {
            Some(headers) => {
                let delivery = Delivery { headers, ..fresh.delivery.clone() };
                probe.genuine_variant(id, "an invalid signature, then the valid one".into(), delivery, false, "accept the delivery when any of the signatures in the header matches (several are sent while a secret rotates)").await
            }
            None => probe.not_applicable(id, "the scheme sends one signature"),
        },
        "scheme-downgrade" => {
            let tries = forge::downgrades(kind, &fresh.delivery.headers, &fresh.unsigned, &secret)
                .into_iter()
                .map(|(label, headers)| (label, Delivery { headers, ..fresh.delivery.clone() }, valid.clone()))
                .collect::<Vec<_>>();
            if tries.is_empty() {
                return probe.not_applicable(id, "the scheme has one signature version");
            }
            // Accepting another version is weaker than the libraries, not a forgery: it was
            // validly signed.
            let advice = "accept only the signature version you expect (v1, sha256); ignore the others";
            probe.forgeries_graded(id, tries, Grade::Warn, " (a downgrade)", advice).await
        }
        "header-case" => {
            let advice = "read header names case-insensitively (HTTP/2 sends them lower-case)";
            let lower = fresh.delivery.clone();
            let first = probe.genuine_variant_result(id, "lower case".into(), lower, false, advice).await;
            let mixed = match probe.genuine(None, None) {
                Ok(another) => another.delivery,
                Err(_) => return probe.record(first),
            };
            let second = probe.genuine_variant_result(id, "Title-Case".into(), mixed, true, advice).await;
            let mut worse =
                if second.grade == Grade::Interop || first.grade != Grade::Interop { second } else { first };
            worse.sent = "header names in lower case; in Title-Case".into();
            probe.record(worse);
        }
        "many-signatures" => match forge::many_signatures(kind, &fresh.delivery.headers, MANY) {
            Some(headers) => {
                let delivery = Delivery { headers, ..fresh.delivery.clone() };
                let label = format!("{MANY} invalid candidates, then the valid signature");
                let (grade, why, answer) = match probe.send(id, &delivery, &valid).await {
                    Ok(answer) if probe.crashed(answer.status) => {
                        (Grade::Warn, format!("answered {}", answer.status), Some(answer))
                    }
                    Ok(answer) if answer.elapsed > Duration::from_secs(1) => {
                        (Grade::Warn, format!("took {}", ms(answer.elapsed)), Some(answer))
                    }
                    Ok(answer) => {
                        (Grade::Pass, format!("answered {} in {}", answer.status, ms(answer.elapsed)), Some(answer))
                    }
                    Err(error) => (Grade::Warn, format!("no answer: {error}"), None),
                };
                let result = probe.result(id, grade, label, "answered, quickly", why);
                probe.graded(id, result, answer, "cap the number of signature candidates you check (32 is plenty)");
            }
            None => probe.not_applicable(id, "the scheme sends one signature"),
        },
        "non-canonical-json" => {
            let Some(rewritten) = rewrite_json(&fresh.unsigned) else {
                return probe.not_applicable(id, "the body is not a JSON object");
            };
            match probe.signed(fresh, &rewritten, &secret, fresh.timestamp, &url) {
                Ok(delivery) => probe
                    .genuine_variant(
                        id,
                        "pretty-printed, keys reordered, validly signed".into(),
                        delivery,
                        false,
                        "the receiver verifies re-serialised JSON: verify the raw bytes as received, before parsing",
                    )
                    .await,
                Err(_) => probe.not_applicable(id, "the scheme cannot sign such a body"),
            }
        }
        "invalid-utf8" | "oversized-body" => raw_case(probe, id, fresh, &secret, &url).await,
        "treezor-php-canonical" => {
            let Some(in_body) = kind.in_body() else {
                return probe.not_applicable(id, "the scheme does not sign a canonical form of the payload");
            };
            let value: Value = serde_json::from_str(r#"{"f":10.0,"g":0.1,"e":1.5e-7,"x":1e25,"big":12345678901234567890,"s":"a/b \u00e9 \ud83d\ude00","z":-0.0}"#).expect("valid JSON");
            let sets = [(path::parse(&format!("{}.hookctl_probe", in_body.covers)).expect("a valid path"), value)];
            let options = ComposeOptions {
                secret: probe.config.secret.as_ref(),
                sets: &sets,
                ..ComposeOptions::new(&probe.config.url)
            };
            match compose(&probe.config.provider, &probe.config.event, &options) {
                Ok(composed) => probe
                    .genuine_variant(
                        id,
                        "zero fractions, exponents, \\/, non-BMP characters, big integers, -0.0".into(),
                        composed.delivery,
                        false,
                        "re-encode the payload exactly as PHP json_encode does (or check the bytes as received first)",
                    )
                    .await,
                Err(why) => probe.not_applicable(id, &why.to_string()),
            }
        }
        "treezor-unsigned-envelope" => envelope_case(probe, id, fresh).await,
        "mobilepay-other-url" => {
            if !forge::signs_url(kind) {
                return probe.not_applicable(id, "the scheme does not sign the URL");
            }
            let mut other = probe.config.url.clone();
            let _ = other.set_host(Some("hookctl-probe.invalid"));
            let Ok(mut delivery) = probe.signed(fresh, &fresh.unsigned, &secret, fresh.timestamp, other.as_str())
            else {
                return probe.not_applicable(id, "the delivery cannot be signed");
            };
            let host = match other.port() {
                Some(port) => format!("hookctl-probe.invalid:{port}"),
                None => "hookctl-probe.invalid".into(),
            };
            delivery.headers.set("Host", host);
            let label = format!("signed over {other}, sent with that Host");
            probe
                .forgeries(
                    id,
                    vec![(label, delivery, valid)],
                    "verify against the URL you registered with the provider, never one built from the request's Host",
                )
                .await
        }
        "bankingcircle-wrong-checksum" => match forge::wrong_checksum(kind, &fresh.delivery.headers) {
            Some(headers) => {
                let delivery = Delivery { headers, ..fresh.delivery.clone() };
                probe
                    .forgeries(
                        id,
                        vec![("valid AES-GCM, wrong Checksum".into(), delivery, valid)],
                        "compare the Checksum header with the SHA-256 of the decrypted plaintext",
                    )
                    .await
            }
            None => probe.not_applicable(id, "the scheme does not encrypt"),
        },
        "cryptomate-key-prefix" => {
            let tries: Vec<_> = forge::key_variants(kind, &fresh.delivery.headers)
                .into_iter()
                .map(|(label, headers)| (label, Delivery { headers, ..fresh.delivery.clone() }, valid.clone()))
                .collect();
            if tries.is_empty() {
                return probe.not_applicable(id, "the scheme does not send its key");
            }
            probe.forgeries(id, tries, "compare the whole key, exactly, in constant time").await
        }
        "wrong-method" => unsigned_case(probe, id, fresh).await,
        "signature-leak" => leak_case(probe, id),
        "timing" => timing_case(probe, id, fresh).await,
        _ => unreachable!("every case id has a step"),
    }
}

/// The signed plaintext behind a tampered body, for looking up the valid signature of it.
fn tampered_plain(kind: scheme::SchemeKind, fresh: &Genuine, body: &[u8]) -> Vec<u8> {
    if kind.encrypts() {
        fresh.unsigned.to_vec()
    } else {
        body.to_vec()
    }
}

/// Cases that need no secret: replays of unsigned deliveries, and hygiene.
async fn unsigned_case(probe: &mut Probe, id: &'static str, fresh: &Genuine) {
    match id {
        "replayed-delivery" | "retried-delivery" => {
            let url = probe.config.url.to_string();
            replay_case(probe, id, "", &url).await
        }
        "oversized-body" => {
            let url = probe.config.url.to_string();
            raw_case(probe, id, fresh, "", &url).await
        }
        _ => {
            let mut worst: Option<(Grade, String, Option<Answered>)> = None;
            let mut answers = Vec::new();
            for method in ["GET", "PUT"] {
                let delivery = Delivery { method: method.into(), ..fresh.delivery.clone() };
                let (grade, why, answer) = match probe.send(id, &delivery, &[]).await {
                    Ok(answer) if (200..300).contains(&answer.status) => {
                        (Grade::Warn, format!("{method} was answered {}", answer.status), Some(answer))
                    }
                    Ok(answer) if matches!(answer.status, 404 | 405) => {
                        (Grade::Pass, format!("{method} was answered {}", answer.status), Some(answer))
                    }
                    Ok(answer) => (Grade::Info, format!("{method} was answered {}", answer.status), Some(answer)),
                    Err(error) => (Grade::Info, format!("no answer to {method}: {error}"), None),
                };
                answers.push(why.clone());
                let rank = |g: Grade| [Grade::Pass, Grade::Info, Grade::Warn].iter().position(|r| *r == g);
                if worst.as_ref().is_none_or(|(g, _, _)| rank(grade) >= rank(*g)) {
                    worst = Some((grade, why, answer));
                }
            }
            let (grade, _, answer) = worst.expect("two methods were tried");
            let why = answers.join("; ");
            let result = probe.result(id, grade, "GET and PUT with a valid delivery".into(), "405", why);
            probe.graded(id, result, answer, "accept deliveries on POST only; answer other methods 405");
        }
    }
}

async fn replay_case(probe: &mut Probe, id: &'static str, secret: &str, url: &str) {
    // A delivery of its own, so that its count is this case's alone.
    let Ok(original) = probe.genuine(None, None) else {
        return probe.not_applicable(id, "cannot build a delivery");
    };
    let (label, again) = if id == "replayed-delivery" {
        ("the same bytes twice".to_string(), original.delivery.clone())
    } else {
        let later = original.timestamp + 1;
        let resent = if secret.is_empty() {
            Ok(original.delivery.clone())
        } else {
            probe.signed(&original, &original.unsigned, secret, later, url)
        };
        match resent {
            Ok(delivery) => ("the same id twice, the second re-signed a second later".to_string(), delivery),
            Err(_) => return probe.not_applicable(id, "the delivery cannot be signed again"),
        }
    };
    let first = probe.send(id, &original.delivery, &[]).await;
    let second = probe.send(id, &again, &[]).await;
    let answer = second.as_ref().ok().cloned();
    let statuses = |r: &Result<Answered, String>| r.as_ref().map_or_else(|e| e.clone(), |a| a.status.to_string());
    let answers = format!("answered {} then {}", statuses(&first), statuses(&second));
    let (grade, why) = match probe.oracle(&original.id).await {
        None => (Grade::Info, format!("{answers}; give --oracle to know how many times it was processed")),
        Some(Ok(1)) => (Grade::Pass, format!("{answers}; processed once")),
        Some(Ok(0)) => (Grade::Info, format!("{answers}; the oracle says it was never processed")),
        Some(Ok(n)) => (Grade::Fail, format!("{answers}; processed {n} times")),
        Some(Err(why)) => (Grade::Info, format!("{answers}; {why}")),
    };
    let result = probe.result(id, grade, label, "processed once", why);
    probe.graded(id, result, answer, "keep the ids of processed deliveries (the provider's idempotency key) and process each once; answer 200 to a duplicate");
}

async fn raw_case(probe: &mut Probe, id: &'static str, fresh: &Genuine, secret: &str, url: &str) {
    let kind = probe.kind();
    let (label, body) = if id == "invalid-utf8" {
        if kind.in_body().is_some() || kind.encrypts() {
            return probe.not_applicable(id, "the scheme signs a decoded form of the body");
        }
        let mut body = fresh.unsigned.to_vec();
        body.splice(1..1, [0xff, 0xfe, 0xc3]);
        ("a body with bytes that are not UTF-8".to_string(), body)
    } else {
        let Some(padded) = pad_json(&fresh.unsigned, OVERSIZED) else {
            return probe.not_applicable(id, "the body is not a JSON object");
        };
        (format!("a {} MiB body", OVERSIZED >> 20), padded)
    };
    let delivery = if secret.is_empty() {
        Ok(Delivery { body: Bytes::from(body), ..fresh.delivery.clone() })
    } else {
        probe.signed(fresh, &body, secret, fresh.timestamp, url)
    };
    let Ok(delivery) = delivery else {
        return probe.not_applicable(id, "the scheme cannot sign such a body");
    };
    let (grade, why, answer) = match probe.send(id, &delivery, &[]).await {
        Ok(answer) if probe.crashed(answer.status) => {
            (Grade::Warn, format!("answered {}", answer.status), Some(answer))
        }
        Ok(answer) => (Grade::Pass, format!("answered {}", answer.status), Some(answer)),
        Err(error) => (Grade::Warn, format!("no answer: {error}"), None),
    };
    let advice = if id == "invalid-utf8" {
        "verify the bytes before decoding them as text, and answer 400 to what is not UTF-8"
    } else {
        "limit the body size and answer 413 beyond it"
    };
    let result = probe.result(id, grade, label, "no 5xx", why);
    probe.graded(id, result, answer, advice);
}

async fn envelope_case(probe: &mut Probe, id: &'static str, fresh: &Genuine) {
    let Some(in_body) = probe.kind().in_body() else {
        return probe.not_applicable(id, "the scheme's signature covers the whole delivery");
    };
    let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(&fresh.delivery.body) else {
        return probe.not_applicable(id, "the body is not a JSON object");
    };
    let spec = &probe.config.provider.spec;
    let other_event =
        probe.config.provider.events.iter().map(|e| e.name.clone()).find(|n| *n != probe.config.event.name);
    let swapped_id = uuid::Builder::from_random_bytes(rand::random()).into_uuid().to_string();
    for (key, value) in fields.iter_mut() {
        if key == in_body.covers || key == in_body.field {
            continue;
        }
        if spec.event_path.as_deref() == Some(key.as_str()) {
            if let Some(event) = &other_event {
                *value = Value::String(event.clone());
            }
        } else if spec.id_path.as_deref() == Some(key.as_str()) {
            *value = Value::String(swapped_id.clone());
        } else if let Value::String(text) = value {
            text.push_str("-swapped");
        }
    }
    let body = crate::catalogue::BodyFormat::Php.encode(&Value::Object(fields));
    let delivery = Delivery { body: Bytes::from(body), ..fresh.delivery.clone() };
    // The genuine delivery first, then its payload and signature in another envelope: a receiver
    // that takes the envelope's id or event processes the second as a new delivery.
    let _ = probe.send(id, &fresh.delivery, &[]).await;
    let answer = probe.send(id, &delivery, &[]).await.ok();
    let status = answer.as_ref().map_or("no answer".to_string(), |a| a.status.to_string());
    let (grade, why) = match probe.oracle(&swapped_id).await {
        Some(Ok(n)) if n > 0 => {
            (Grade::Fail, format!("answered {status}; the receiver acted on the swapped event {n} times"))
        }
        Some(Ok(_)) => (Grade::Pass, format!("answered {status}; the swapped event was not acted on")),
        _ => (
            Grade::Info,
            format!("answered {status}: only {} is signed, so the envelope could be anything", in_body.covers),
        ),
    };
    let sent = format!("a valid {} and signature, the other fields changed", in_body.covers);
    let mut result = probe.result(id, grade, sent, "only the signed payload trusted", why);
    result.answer = answer;
    result.advice = Some(format!(
        "never trust the fields outside {}: take the event, ids and times from the payload",
        in_body.covers
    ));
    probe.record(result);
}

fn leak_case(probe: &mut Probe, id: &'static str) {
    let result = if !probe.leaks.is_empty() {
        let found: Vec<String> =
            probe.leaks.iter().map(|(case, what)| format!("{what} in the answer to {case}")).collect();
        let mut result =
            probe.result(id, Grade::Fail, "every rejection searched".into(), "nothing secret shown", found.join("; "));
        result.advice =
            Some("say only that verification failed (401); never show the expected signature or the secret".into());
        result
    } else if probe.rejections_examined == 0 {
        probe.result(id, Grade::Info, String::new(), "nothing secret shown", "nothing was rejected to look into".into())
    } else {
        let why = format!("{} rejections searched for the secret and the valid signatures", probe.rejections_examined);
        probe.result(id, Grade::Pass, "every rejection searched".into(), "nothing secret shown", why)
    };
    probe.record(result);
}

async fn timing_case(probe: &mut Probe, id: &'static str, fresh: &Genuine) {
    if !probe.config.timing {
        return probe.not_applicable(id, "not asked for (--timing)");
    }
    let Some((far, near)) = forge::near_signatures(probe.kind(), &fresh.delivery.headers) else {
        return probe.not_applicable(id, "the scheme sends no signature to compare");
    };
    let far = Delivery { headers: far, ..fresh.delivery.clone() };
    let near = Delivery { headers: near, ..fresh.delivery.clone() };
    let (mut far_times, mut near_times) = (Vec::new(), Vec::new());
    for _ in 0..TIMING_ROUNDS {
        for (delivery, times) in [(&far, &mut far_times), (&near, &mut near_times)] {
            match probe.send(id, delivery, &[]).await {
                Ok(answer) => times.push(answer.elapsed),
                Err(_) => return probe.not_applicable(id, "the receiver stopped answering"),
            }
        }
    }
    let median = |times: &mut Vec<Duration>| {
        times.sort_unstable();
        times[times.len() / 2]
    };
    let quartiles = |times: &Vec<Duration>| times[times.len() * 3 / 4].saturating_sub(times[times.len() / 4]);
    let (far_median, near_median) = (median(&mut far_times), median(&mut near_times));
    let spread = quartiles(&far_times).max(quartiles(&near_times));
    let difference = near_median.saturating_sub(far_median);
    let (grade, why) = if difference > spread && difference > Duration::from_micros(50) {
        (
            Grade::Warn,
            format!(
                "near misses take {} longer (medians of {TIMING_ROUNDS}): non-constant-time comparison suspected",
                ms(difference)
            ),
        )
    } else {
        (
            Grade::Info,
            format!("not measurable over {TIMING_ROUNDS} pairs (medians {} and {})", ms(far_median), ms(near_median)),
        )
    };
    let mut result =
        probe.result(id, grade, "signatures matching in no bytes and in all but the last".into(), "no difference", why);
    if grade == Grade::Warn {
        result.advice = Some(
            "compare signatures with a constant-time function (hmac.compare_digest, crypto.timingSafeEqual)".into(),
        );
    }
    probe.record(result);
}

/// The same JSON written otherwise: keys of the top level in reverse order, pretty-printed with
/// four spaces, a trailing newline. `None` when the body is not a JSON object.
fn rewrite_json(body: &[u8]) -> Option<Vec<u8>> {
    let Value::Object(fields) = serde_json::from_slice::<Value>(body).ok()? else { return None };
    let reversed: serde_json::Map<String, Value> = fields.into_iter().rev().collect();
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(&Value::Object(reversed), &mut serializer).ok()?;
    out.push(b'\n');
    (out != body).then_some(out)
}

/// A JSON object body with a padding field that makes it about `size` bytes.
fn pad_json(body: &[u8], size: usize) -> Option<Vec<u8>> {
    let Value::Object(mut fields) = serde_json::from_slice::<Value>(body).ok()? else { return None };
    fields.insert("hookctl_padding".into(), Value::String("x".repeat(size)));
    serde_json::to_vec(&Value::Object(fields)).ok()
}

/// Milliseconds for a line of text: `4.50 ms`.
fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}
