//! The probe's cases, in the order they run. Each builds what it sends from a fresh genuine
//! delivery and grades the answer; a case that does not apply to the scheme is N/A.

use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;

use super::special::{
    envelope_case, leak_case, ms, raw_case, replay_case, rewrite_json, timing_case, unsigned_case,
};
use super::{CaseInfo, Category, Genuine, Grade, Probe};
use crate::catalogue::path;
use crate::compose::{compose, ComposeOptions};
use crate::delivery::Delivery;
use crate::scheme::{self, forge, DEFAULT_TOLERANCE};

macro_rules! case {
    ($id:literal, $category:ident, $title:literal) => {
        CaseInfo {
            id: $id,
            category: Category::$category,
            title: $title,
        }
    };
}

/// Every case, in the order they run.
pub(crate) static CASES: &[CaseInfo] = &[
    case!("genuine", Control, "a genuine, fresh delivery is accepted"),
    case!(
        "missing-signature",
        Authenticity,
        "a delivery without its signature is rejected"
    ),
    case!(
        "wrong-secret",
        Authenticity,
        "a delivery signed with another secret is rejected"
    ),
    case!(
        "empty-secret",
        Authenticity,
        "a delivery signed with the empty key is rejected"
    ),
    case!(
        "tampered-body",
        Authenticity,
        "a delivery changed after signing is rejected"
    ),
    case!(
        "truncated-signature",
        Authenticity,
        "empty, shortened and prefix-only signatures are rejected"
    ),
    case!(
        "stale-timestamp",
        Freshness,
        "a signature older than the tolerance is rejected"
    ),
    case!(
        "future-timestamp",
        Freshness,
        "a signature dated beyond the tolerance ahead is rejected"
    ),
    case!(
        "replayed-delivery",
        Replay,
        "the same bytes twice are processed once"
    ),
    case!(
        "retried-delivery",
        Replay,
        "a provider's retry (same id, fresh signature) is processed once"
    ),
    case!(
        "key-rotation",
        Parsing,
        "an invalid signature before the valid one is accepted"
    ),
    case!(
        "scheme-downgrade",
        Parsing,
        "only another or a legacy signature version is rejected"
    ),
    case!(
        "header-case",
        Parsing,
        "header names in lower and mixed case are accepted"
    ),
    case!(
        "many-signatures",
        Parsing,
        "hundreds of candidate signatures are answered calmly"
    ),
    case!(
        "non-canonical-json",
        RawBytes,
        "validly signed, differently written JSON is accepted"
    ),
    case!(
        "invalid-utf8",
        RawBytes,
        "a validly signed body that is not UTF-8 does not crash the receiver"
    ),
    case!(
        "oversized-body",
        RawBytes,
        "a validly signed body of several MiB does not crash the receiver"
    ),
    case!(
        "treezor-php-canonical",
        Provider,
        "payloads PHP writes its own way are accepted"
    ),
    case!(
        "treezor-unsigned-envelope",
        Provider,
        "the unsigned envelope fields are not trusted"
    ),
    case!(
        "mobilepay-other-url",
        Provider,
        "a signature over another host's URL is rejected"
    ),
    case!(
        "bankingcircle-wrong-checksum",
        Provider,
        "a valid decryption with a wrong Checksum is rejected"
    ),
    case!(
        "cryptomate-key-prefix",
        Provider,
        "a prefix of the key, or the key in another case, is rejected"
    ),
    case!(
        "wrong-method",
        Hygiene,
        "GET and PUT with a valid delivery are not processed"
    ),
    case!(
        "signature-leak",
        Disclosure,
        "no rejection shows the secret or a valid signature"
    ),
    case!(
        "timing",
        Timing,
        "signature comparison takes as long whatever matches (--timing)"
    ),
];

pub(super) fn info(id: &str) -> CaseInfo {
    *CASES
        .iter()
        .find(|c| c.id == id)
        .expect("every case is listed")
}

/// How many candidates `many-signatures` sends in one header.
const MANY: usize = 500;

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
    let sent = format!(
        "{} {}, signed with the receiver's secret",
        probe.config.provider.name, probe.config.event.name
    );
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
                Ok(answer) => (
                    format!("rejected with {}: {}", answer.status, answer.excerpt),
                    Some(answer),
                ),
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
            let (mut headers, mut body) =
                (fresh.delivery.headers.clone(), fresh.delivery.body.to_vec());
            let tries = if forge::strip_signature(kind, &mut headers, &mut body) {
                let delivery = Delivery {
                    headers,
                    body: Bytes::from(body),
                    ..fresh.delivery.clone()
                };
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
                    vec![(
                        "signed with the empty key".to_string(),
                        probe.with_signed(fresh, signed),
                        valid,
                    )]
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
                    let valid = probe.valid_signatures(
                        fresh,
                        &tampered_plain(kind, fresh, &body),
                        fresh.timestamp,
                    );
                    let delivery = Delivery {
                        body: Bytes::from(body),
                        ..fresh.delivery.clone()
                    };
                    vec![(
                        "one value changed after signing".to_string(),
                        delivery,
                        valid,
                    )]
                }
                None => {
                    return probe
                        .not_applicable(id, "the scheme's signature does not cover the body")
                }
            };
            probe
                .forgeries(id, tries, "verify the signature over the exact bytes received before acting on any of them")
                .await
        }
        "truncated-signature" => {
            let tries = forge::truncated(kind, &fresh.delivery.headers, &fresh.delivery.body)
                .into_iter()
                .map(|(label, headers, body)| {
                    (
                        label,
                        Delivery {
                            headers,
                            body: Bytes::from(body),
                            ..fresh.delivery.clone()
                        },
                        valid.clone(),
                    )
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
                probe
                    .forgeries_graded(id, tries, Grade::Warn, why, advice)
                    .await
            } else {
                probe.forgeries(id, tries, advice).await
            }
        }
        "replayed-delivery" | "retried-delivery" => replay_case(probe, id, &secret, &url).await,
        "key-rotation" => match forge::rotation(kind, &fresh.delivery.headers) {
            Some(headers) => {
                let delivery = Delivery {
                    headers,
                    ..fresh.delivery.clone()
                };
                probe.genuine_variant(id, "an invalid signature, then the valid one".into(), delivery, false, "accept the delivery when any of the signatures in the header matches (several are sent while a secret rotates)").await
            }
            None => probe.not_applicable(id, "the scheme sends one signature"),
        },
        "scheme-downgrade" => {
            let tries = forge::downgrades(kind, &fresh.delivery.headers, &fresh.unsigned, &secret)
                .into_iter()
                .map(|(label, headers)| {
                    (
                        label,
                        Delivery {
                            headers,
                            ..fresh.delivery.clone()
                        },
                        valid.clone(),
                    )
                })
                .collect::<Vec<_>>();
            if tries.is_empty() {
                return probe.not_applicable(id, "the scheme has one signature version");
            }
            // Accepting another version is weaker than the libraries, not a forgery: it was
            // validly signed.
            let advice =
                "accept only the signature version you expect (v1, sha256); ignore the others";
            probe
                .forgeries_graded(id, tries, Grade::Warn, " (a downgrade)", advice)
                .await
        }
        "header-case" => {
            let advice = "read header names case-insensitively (HTTP/2 sends them lower-case)";
            let lower = fresh.delivery.clone();
            let first = probe
                .genuine_variant_result(id, "lower case".into(), lower, false, advice)
                .await;
            let mixed = match probe.genuine(None, None) {
                Ok(another) => another.delivery,
                Err(_) => return probe.record(first),
            };
            let second = probe
                .genuine_variant_result(id, "Title-Case".into(), mixed, true, advice)
                .await;
            let mut worse = if second.grade == Grade::Interop || first.grade != Grade::Interop {
                second
            } else {
                first
            };
            worse.sent = "header names in lower case; in Title-Case".into();
            probe.record(worse);
        }
        "many-signatures" => match forge::many_signatures(kind, &fresh.delivery.headers, MANY) {
            Some(headers) => {
                let delivery = Delivery {
                    headers,
                    ..fresh.delivery.clone()
                };
                let label = format!("{MANY} invalid candidates, then the valid signature");
                let (grade, why, answer) = match probe.send(id, &delivery, &valid).await {
                    Ok(answer) if probe.crashed(answer.status) => (
                        Grade::Warn,
                        format!("answered {}", answer.status),
                        Some(answer),
                    ),
                    Ok(answer) if answer.elapsed > Duration::from_secs(1) => (
                        Grade::Warn,
                        format!("took {}", ms(answer.elapsed)),
                        Some(answer),
                    ),
                    Ok(answer) => (
                        Grade::Pass,
                        format!("answered {} in {}", answer.status, ms(answer.elapsed)),
                        Some(answer),
                    ),
                    Err(error) => (Grade::Warn, format!("no answer: {error}"), None),
                };
                let result = probe.result(id, grade, label, "answered, quickly", why);
                probe.graded(
                    id,
                    result,
                    answer,
                    "cap the number of signature candidates you check (32 is plenty)",
                );
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
                return probe.not_applicable(
                    id,
                    "the scheme does not sign a canonical form of the payload",
                );
            };
            let value: Value = serde_json::from_str(r#"{"f":10.0,"g":0.1,"e":1.5e-7,"x":1e25,"big":12345678901234567890,"s":"a/b \u00e9 \ud83d\ude00","z":-0.0}"#).expect("valid JSON");
            let sets = [(
                path::parse(&format!("{}.hookctl_probe", in_body.covers)).expect("a valid path"),
                value,
            )];
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
            let Ok(mut delivery) = probe.signed(
                fresh,
                &fresh.unsigned,
                &secret,
                fresh.timestamp,
                other.as_str(),
            ) else {
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
        "bankingcircle-wrong-checksum" => {
            match forge::wrong_checksum(kind, &fresh.delivery.headers) {
                Some(headers) => {
                    let delivery = Delivery {
                        headers,
                        ..fresh.delivery.clone()
                    };
                    probe
                    .forgeries(
                        id,
                        vec![("valid AES-GCM, wrong Checksum".into(), delivery, valid)],
                        "compare the Checksum header with the SHA-256 of the decrypted plaintext",
                    )
                    .await
                }
                None => probe.not_applicable(id, "the scheme does not encrypt"),
            }
        }
        "cryptomate-key-prefix" => {
            let tries: Vec<_> = forge::key_variants(kind, &fresh.delivery.headers)
                .into_iter()
                .map(|(label, headers)| {
                    (
                        label,
                        Delivery {
                            headers,
                            ..fresh.delivery.clone()
                        },
                        valid.clone(),
                    )
                })
                .collect();
            if tries.is_empty() {
                return probe.not_applicable(id, "the scheme does not send its key");
            }
            probe
                .forgeries(
                    id,
                    tries,
                    "compare the whole key, exactly, in constant time",
                )
                .await
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
