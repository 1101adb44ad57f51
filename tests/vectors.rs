//! Every vector in vectors.json, signed and verified.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hookctl::delivery::Headers;
use hookctl::scheme::{
    self, bankingcircle, php_json, SchemeKind, SchemeOptions, SignRequest, VerifyRequest,
};
use serde_json::Value;

use crate::common::{repo_path, vectors};

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {key}: {v}"))
}

fn verify(
    kind: SchemeKind,
    headers: &Headers,
    body: &[u8],
    url: &str,
    now: i64,
    secret: &str,
) -> scheme::Verification {
    let options = SchemeOptions::default();
    let request = VerifyRequest {
        headers,
        body,
        url,
        now,
        tolerance: 300,
        top_level: None,
        options: &options,
    };
    scheme::verify(kind, &request, secret)
}

fn sign(
    kind: SchemeKind,
    secret: &str,
    body: &[u8],
    url: &str,
    id: &str,
    timestamp: i64,
) -> scheme::Signed {
    let options = SchemeOptions::default();
    scheme::sign(
        kind,
        &SignRequest {
            secret,
            body,
            url,
            id,
            timestamp,
            options: &options,
        },
    )
    .expect("signs")
}

fn header<'a>(signed: &'a scheme::Signed, name: &str) -> &'a str {
    signed
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .expect("header signed")
}

#[test]
fn the_committed_copy_matches_shared() {
    let shared = repo_path("../shared/vectors.json");
    if let Ok(text) = std::fs::read_to_string(&shared) {
        let committed = std::fs::read_to_string(repo_path("tests/data/vectors.json")).unwrap();
        assert_eq!(
            committed, text,
            "tests/data/vectors.json differs from ../shared/vectors.json: copy it again"
        );
    }
}

#[test]
fn every_scheme_in_the_vectors_is_covered() {
    let mut seen: Vec<String> = vectors()
        .iter()
        .map(|v| str_field(v, "scheme").to_string())
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen,
        [
            "banking-circle",
            "github",
            "mobilepay",
            "standard-webhooks",
            "stripe",
            "treezor"
        ]
    );
}

#[test]
fn github_vectors_sign_and_verify() {
    let all = vectors();
    let github: Vec<&Value> = all.iter().filter(|v| v["scheme"] == "github").collect();
    // Octokit's four, among them one body in two escapings that sign differently.
    assert!(github.len() >= 5, "{} GitHub vectors", github.len());
    for v in github {
        let (secret, body, expected) = (
            str_field(v, "secret"),
            str_field(v, "body"),
            str_field(v, "expected"),
        );
        let signed = sign(SchemeKind::Github, secret, body.as_bytes(), "", "", 0);
        assert_eq!(header(&signed, str_field(v, "header")), expected);
        let mut headers = Headers::new();
        headers.push(str_field(v, "header"), expected);
        assert!(
            verify(SchemeKind::Github, &headers, body.as_bytes(), "", 0, secret)
                .verdict
                .is_valid()
        );
    }
    // The legacy SHA-1 header of the same inputs (providers.md).
    assert_eq!(
        hookctl::scheme::github::signature_sha1("It's a Secret to Everybody", b"Hello, World!"),
        "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59"
    );
}

#[test]
fn standard_webhooks_vectors_sign_and_verify() {
    let mut checked = 0;
    for v in vectors()
        .iter()
        .filter(|v| v["scheme"] == "standard-webhooks")
    {
        let (secret, body, id) = (
            str_field(v, "secret"),
            str_field(v, "body"),
            str_field(v, "webhook-id"),
        );
        let ts = v["webhook-timestamp"].as_i64().unwrap();
        let signed = sign(SchemeKind::Standard, secret, body.as_bytes(), "", id, ts);
        let mut headers = Headers::new();
        headers.push("webhook-id", id);
        headers.push("webhook-timestamp", ts.to_string());
        if let Some(expected) = v["expected"].as_str() {
            assert_eq!(header(&signed, "webhook-signature"), expected);
            headers.push("webhook-signature", expected);
            let verdict = verify(
                SchemeKind::Standard,
                &headers,
                body.as_bytes(),
                "",
                ts,
                secret,
            )
            .verdict;
            assert!(verdict.is_valid(), "{verdict:?}");
            // Key rotation: another version and another v1 beside it still verify.
            let mut rotated = Headers::new();
            rotated.push("webhook-id", id);
            rotated.push("webhook-timestamp", ts.to_string());
            rotated.push(
                "webhook-signature",
                format!("v2,AAAA v1,bm90IGl0 {expected}"),
            );
            assert!(verify(
                SchemeKind::Standard,
                &rotated,
                body.as_bytes(),
                "",
                ts,
                secret
            )
            .verdict
            .is_valid());
        } else {
            let invalid = str_field(v, "expected_invalid");
            assert_ne!(header(&signed, "webhook-signature"), invalid);
            headers.push("webhook-signature", invalid);
            let verdict = verify(
                SchemeKind::Standard,
                &headers,
                body.as_bytes(),
                "",
                ts,
                secret,
            )
            .verdict;
            assert!(verdict.is_invalid(), "{verdict:?}");
        }
        checked += 1;
    }
    assert_eq!(checked, 3);
}

#[test]
fn stripe_vectors_sign_and_verify() {
    for v in vectors().iter().filter(|v| v["scheme"] == "stripe") {
        let (secret, body, expected) = (
            str_field(v, "secret"),
            str_field(v, "body"),
            str_field(v, "expected"),
        );
        let ts = v["timestamp"].as_i64().unwrap();
        let signed = sign(SchemeKind::Stripe, secret, body.as_bytes(), "", "", ts);
        assert_eq!(header(&signed, "Stripe-Signature"), expected);
        let mut headers = Headers::new();
        headers.push("Stripe-Signature", expected);
        assert!(verify(
            SchemeKind::Stripe,
            &headers,
            body.as_bytes(),
            "",
            ts + 10,
            secret
        )
        .verdict
        .is_valid());
    }
}

#[test]
fn mobilepay_vectors_sign_and_verify() {
    for v in vectors().iter().filter(|v| v["scheme"] == "mobilepay") {
        let (secret, body, url, expected) = (
            str_field(v, "secret"),
            str_field(v, "body"),
            str_field(v, "url"),
            str_field(v, "expected"),
        );
        let signed = sign(SchemeKind::Mobilepay, secret, body.as_bytes(), url, "", 0);
        assert_eq!(header(&signed, "x-mobilepay-signature"), expected);
        let mut headers = Headers::new();
        headers.push("x-mobilepay-signature", expected);
        assert!(verify(
            SchemeKind::Mobilepay,
            &headers,
            body.as_bytes(),
            url,
            0,
            secret
        )
        .verdict
        .is_valid());
        // Whitespace in the body does not count; another URL does.
        let spaced = body.replace(',', ", ");
        assert!(verify(
            SchemeKind::Mobilepay,
            &headers,
            spaced.as_bytes(),
            url,
            0,
            secret
        )
        .verdict
        .is_valid());
        assert!(verify(
            SchemeKind::Mobilepay,
            &headers,
            body.as_bytes(),
            "https://example.com/",
            0,
            secret
        )
        .verdict
        .is_invalid());
    }
}

#[test]
fn treezor_vectors_reproduce_php_bytes_and_signatures() {
    let mut checked = 0;
    for v in vectors().iter().filter(|v| v["scheme"] == "treezor") {
        let (secret, expected) = (str_field(v, "secret"), str_field(v, "expected"));
        let payload: Value = serde_json::from_str(str_field(v, "object_payload_json")).unwrap();
        let canonical = php_json::encode(&payload);
        assert_eq!(
            String::from_utf8(canonical).unwrap(),
            str_field(v, "canonical"),
            "canonical bytes of {}",
            v["event"]
        );
        assert_eq!(
            hookctl::scheme::treezor::signature(secret, &payload),
            expected,
            "signature of {}",
            v["event"]
        );

        // Sign a whole body around the payload, then verify it as received.
        let body = format!(
            "{{\"webhook\":{},\"object_payload\":{}}}",
            v["event"],
            str_field(v, "object_payload_json")
        );
        let signed = sign(SchemeKind::Treezor, secret, body.as_bytes(), "", "", 0);
        let received: Value = serde_json::from_slice(&signed.body).unwrap();
        assert_eq!(received["object_payload_signature"], expected);
        let verdict = verify(
            SchemeKind::Treezor,
            &Headers::new(),
            &signed.body,
            "",
            0,
            secret,
        )
        .verdict;
        assert!(verdict.is_valid(), "{verdict:?}");
        checked += 1;
    }
    assert_eq!(checked, 13);
}

#[test]
fn banking_circle_vectors_encrypt_and_decrypt() {
    let mut checked = 0;
    for v in vectors().iter().filter(|v| v["scheme"] == "banking-circle") {
        let key_text = str_field(v, "key");
        let key = bankingcircle::key_bytes(key_text).unwrap();
        let plaintext = str_field(v, "plaintext");
        let encoding = match str_field(v, "plaintext_encoding") {
            "utf-8" => bankingcircle::TextEncoding::Utf8,
            "utf-16-le" => bankingcircle::TextEncoding::Utf16Le,
            other => panic!("unknown encoding {other}"),
        };
        let hdrs = &v["headers"];
        let nonce: [u8; 12] = B64
            .decode(str_field(hdrs, "Nonce"))
            .unwrap()
            .try_into()
            .unwrap();
        let (ciphertext, tag) = bankingcircle::encrypt(&key, &nonce, plaintext, encoding);
        assert_eq!(B64.encode(&ciphertext), str_field(v, "body_base64"));
        assert_eq!(B64.encode(tag), str_field(hdrs, "AuthenticationTag"));
        assert_eq!(
            bankingcircle::checksum(plaintext.as_bytes()),
            str_field(hdrs, "Checksum")
        );

        let mut headers = Headers::new();
        for name in ["Nonce", "AuthenticationTag", "Checksum"] {
            headers.push(name, str_field(hdrs, name));
        }
        let body = B64.decode(str_field(v, "body_base64")).unwrap();
        let verification = verify(SchemeKind::Bankingcircle, &headers, &body, "", 0, key_text);
        assert!(
            verification.verdict.is_valid(),
            "{:?}",
            verification.verdict
        );
        assert_eq!(verification.plaintext.unwrap(), plaintext.as_bytes());
        checked += 1;
    }
    assert_eq!(checked, 2);
}
