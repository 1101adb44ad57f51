//! Each way a delivery can fail gets its own verdict, for every scheme that can tell.

use hookctl::catalogue::Catalogue;
use hookctl::compose::{compose, ComposeOptions, Composed};
use hookctl::config::{Secret, SecretSource};
use hookctl::delivery::Headers;
use hookctl::scheme::{self, Invalid, OtherSecret, SchemeKind, Verdict, VerifyRequest};
use url::Url;

const URL: &str = "http://127.0.0.1:9/hooks";

fn composed(
    provider: &str,
    event: &str,
    secret: &str,
    now: Option<chrono::DateTime<chrono::Utc>>,
) -> Composed {
    let catalogue = Catalogue::embedded().unwrap();
    let (provider, event) = catalogue.resolve(event, Some(provider)).unwrap();
    let url = Url::parse(URL).unwrap();
    let secret = Secret {
        value: secret.to_string(),
        source: SecretSource::Flag,
    };
    compose(
        provider,
        event,
        &ComposeOptions {
            secret: Some(&secret),
            now,
            ..ComposeOptions::new(&url)
        },
    )
    .unwrap()
}

fn verdict_of(
    kind: SchemeKind,
    headers: &Headers,
    body: &[u8],
    secret: &str,
    others: &[OtherSecret<'_>],
) -> Verdict {
    let catalogue = Catalogue::embedded().unwrap();
    let options = catalogue
        .providers()
        .iter()
        .find(|p| p.spec.scheme == kind)
        .unwrap()
        .spec
        .options
        .clone();
    let request = VerifyRequest {
        headers,
        body,
        url: URL,
        now: chrono::Utc::now().timestamp(),
        tolerance: 300,
        top_level: None,
        options: &options,
    };
    scheme::verify_explained(kind, &request, Some(secret), others).verdict
}

fn without(headers: &Headers, name: &str) -> Headers {
    // A prefix, so that GitHub's SHA-256 and legacy SHA-1 headers go together.
    headers
        .iter()
        .filter(|(n, _)| {
            !n.to_ascii_lowercase()
                .starts_with(&name.to_ascii_lowercase())
        })
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// (provider, event, scheme, a secret of the right form, another one, the header to drop)
const CASES: &[(&str, &str, SchemeKind, &str, &str, &str)] = &[
    (
        "github",
        "push",
        SchemeKind::Github,
        "secret-one",
        "secret-two",
        "X-Hub-Signature",
    ),
    (
        "stripe",
        "charge.succeeded",
        SchemeKind::Stripe,
        "whsec_one",
        "whsec_two",
        "Stripe-Signature",
    ),
    (
        "standard",
        "contact.created",
        SchemeKind::Standard,
        "whsec_b25lLW9uZS1vbmU=",
        "whsec_dHdvLXR3by10d28=",
        "webhook-signature",
    ),
    (
        "mobilepay",
        "payment.reserved",
        SchemeKind::Mobilepay,
        "key-one",
        "key-two",
        "x-mobilepay-signature",
    ),
    (
        "treezor",
        "payin.update",
        SchemeKind::Treezor,
        "secret-one",
        "secret-two",
        "",
    ),
    (
        "bankingcircle",
        "IncomingPaymentProcessed",
        SchemeKind::Bankingcircle,
        "0123456789abcdef0123456789abcdef",
        "abcdefghijklmnopqrstuvwxyz012345",
        "Nonce",
    ),
    (
        "cryptomate",
        "AUTHORIZATION",
        SchemeKind::Cryptomate,
        "key-one",
        "key-two",
        "X-Webhook-Key",
    ),
];

#[test]
fn genuine_deliveries_verify() {
    for &(provider, event, kind, secret, _, _) in CASES {
        let c = composed(provider, event, secret, None);
        let verdict = verdict_of(kind, &c.delivery.headers, &c.delivery.body, secret, &[]);
        assert!(verdict.is_valid(), "{provider}: {verdict:?}");
    }
}

#[test]
fn a_tampered_body_is_invalid() {
    for &(provider, event, kind, secret, _, _) in CASES {
        if kind == SchemeKind::Cryptomate {
            continue; // CryptoMate does not bind the body: tampering cannot be seen.
        }
        let c = composed(provider, event, secret, None);
        let mut body = c.delivery.body.to_vec();
        // Change a byte inside the signed part: for Treezor, a character of the payload.
        let at = match kind {
            SchemeKind::Treezor => String::from_utf8_lossy(&body).find("\"payinTag\"").unwrap() + 3,
            _ => body.len() / 2,
        };
        body[at] ^= 0x01;
        let verdict = verdict_of(kind, &c.delivery.headers, &body, secret, &[]);
        assert!(
            matches!(
                verdict.reason(),
                Some(Invalid::Mismatch | Invalid::BodyChanged | Invalid::Malformed)
            ),
            "{provider}: {verdict:?}"
        );
    }
}

#[test]
fn a_rewritten_json_body_is_reported_as_changed() {
    for &(provider, event, kind, secret, _, _) in &CASES[..4] {
        let c = composed(provider, event, secret, None);
        let value: serde_json::Value = serde_json::from_slice(&c.delivery.body).unwrap();
        // Stripe sends pretty JSON, so a compacting middleware is the rewrite; the others the reverse.
        let rewritten = if kind == SchemeKind::Stripe {
            serde_json::to_vec(&value)
        } else {
            serde_json::to_vec_pretty(&value)
        }
        .unwrap();
        let verdict = verdict_of(kind, &c.delivery.headers, &rewritten, secret, &[]);
        if kind == SchemeKind::Mobilepay {
            // MobilePay ignores whitespace by design: a pretty-printed body still verifies.
            assert!(verdict.is_valid(), "{verdict:?}");
        } else {
            assert_eq!(
                verdict.reason(),
                Some(Invalid::BodyChanged),
                "{provider}: {verdict:?}"
            );
        }
    }
}

#[test]
fn a_wrong_secret_is_named_when_the_right_one_is_known() {
    for &(provider, event, kind, secret, other, _) in CASES {
        let c = composed(provider, event, other, None);
        let others = [OtherSecret {
            label: "the built-in test secret",
            value: other,
        }];
        let verdict = verdict_of(kind, &c.delivery.headers, &c.delivery.body, secret, &others);
        assert_eq!(
            verdict.reason(),
            Some(Invalid::WrongSecret),
            "{provider}: {verdict:?}"
        );
        assert!(
            verdict.detail().contains("built-in test secret"),
            "{provider}: {verdict:?}"
        );
        // Without the other secret to try, it is a plain mismatch (CryptoMate: still a wrong secret).
        let plain = verdict_of(kind, &c.delivery.headers, &c.delivery.body, secret, &[]);
        let expected = if kind == SchemeKind::Cryptomate {
            Invalid::WrongSecret
        } else {
            Invalid::Mismatch
        };
        assert_eq!(plain.reason(), Some(expected), "{provider}: {plain:?}");
    }
}

#[test]
fn stale_timestamps_are_refused_both_ways() {
    for &(provider, event, kind, secret, _, _) in CASES.iter().filter(|c| c.2.has_tolerance()) {
        // 302, not 301: the second may turn between signing and verifying.
        for offset in [-302i64, 302] {
            let then = chrono::Utc::now() + chrono::Duration::seconds(offset);
            let c = composed(provider, event, secret, Some(then));
            let verdict = verdict_of(kind, &c.delivery.headers, &c.delivery.body, secret, &[]);
            assert_eq!(
                verdict.reason(),
                Some(Invalid::StaleTimestamp),
                "{provider} {offset}: {verdict:?}"
            );
        }
        let recent = chrono::Utc::now() - chrono::Duration::seconds(250);
        let c = composed(provider, event, secret, Some(recent));
        assert!(verdict_of(kind, &c.delivery.headers, &c.delivery.body, secret, &[]).is_valid());
    }
}

#[test]
fn a_missing_signature_is_its_own_verdict() {
    for &(provider, event, kind, secret, _, header) in CASES {
        let c = composed(provider, event, secret, None);
        let (headers, body) = if kind == SchemeKind::Treezor {
            let mut value: serde_json::Value = serde_json::from_slice(&c.delivery.body).unwrap();
            value
                .as_object_mut()
                .unwrap()
                .remove("object_payload_signature");
            (
                c.delivery.headers.clone(),
                serde_json::to_vec(&value).unwrap(),
            )
        } else {
            (
                without(&c.delivery.headers, header),
                c.delivery.body.to_vec(),
            )
        };
        let verdict = verdict_of(kind, &headers, &body, secret, &[]);
        assert_eq!(
            verdict.reason(),
            Some(Invalid::MissingHeader),
            "{provider}: {verdict:?}"
        );
    }
}

#[test]
fn malformed_signature_headers_are_reported() {
    let mut headers = Headers::new();
    headers.push("Stripe-Signature", "garbage");
    assert_eq!(
        verdict_of(SchemeKind::Stripe, &headers, b"{}", "whsec_x", &[]).reason(),
        Some(Invalid::Malformed)
    );
    let mut headers = Headers::new();
    headers.push("X-Hub-Signature-256", "md5=abc");
    assert_eq!(
        verdict_of(SchemeKind::Github, &headers, b"{}", "s", &[]).reason(),
        Some(Invalid::Malformed)
    );
    let mut headers = Headers::new();
    headers.push("Nonce", "short");
    headers.push("AuthenticationTag", "AAAAAAAAAAAAAAAAAAAAAA==");
    assert_eq!(
        verdict_of(
            SchemeKind::Bankingcircle,
            &headers,
            b"xx",
            "0123456789abcdef0123456789abcdef",
            &[]
        )
        .reason(),
        Some(Invalid::Malformed)
    );
}

#[test]
fn unsigned_and_secretless_verdicts() {
    let options = Default::default();
    let headers = Headers::new();
    let request = VerifyRequest {
        headers: &headers,
        body: b"{}",
        url: URL,
        now: 0,
        tolerance: 300,
        top_level: None,
        options: &options,
    };
    assert_eq!(
        scheme::verify_explained(SchemeKind::None, &request, Some("x"), &[]).verdict,
        Verdict::Unsigned
    );
    assert_eq!(
        scheme::verify_explained(SchemeKind::Stripe, &request, None, &[]).verdict,
        Verdict::NoSecret
    );
}
