//! Property tests: nothing a network peer or a file can contain makes a parser panic, and what is
//! signed verifies.

use hookctl::catalogue::path;
use hookctl::delivery::Headers;
use hookctl::scheme::{self, SchemeKind, SchemeOptions, VerifyRequest};
use proptest::prelude::*;

/// Header names every scheme reads, with arbitrary values.
fn hostile_headers() -> impl Strategy<Value = Headers> {
    let names = prop::sample::select(vec![
        "Stripe-Signature",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
        "svix-signature",
        "X-Hub-Signature-256",
        "X-Hub-Signature",
        "x-mobilepay-signature",
        "Nonce",
        "AuthenticationTag",
        "Checksum",
        "X-Webhook-Key",
        "X-Request-Timestamp",
    ]);
    prop::collection::vec((names, ".{0,80}"), 0..8)
        .prop_map(|pairs| pairs.into_iter().map(|(n, v)| (n.to_string(), v)).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn no_scheme_panics_on_hostile_headers_and_bodies(headers in hostile_headers(), body in prop::collection::vec(any::<u8>(), 0..200), secret in ".{0,40}") {
        let options = SchemeOptions::default();
        let request = VerifyRequest { headers: &headers, body: &body, url: "http://x/", now: 1_700_000_000, tolerance: 300, top_level: None, options: &options };
        for kind in SchemeKind::ALL {
            let _ = scheme::verify_explained(kind, &request, Some(&secret), &[]);
        }
    }

    #[test]
    fn stripe_header_parsing_never_panics(value in ".{0,200}") {
        let _ = scheme::stripe::parse_header(&value);
    }

    #[test]
    fn treezor_verification_never_panics_on_json_like_bodies(body in "[{}\\[\\]\":,a-z0-9 .\\\\/-]{0,120}") {
        let options = SchemeOptions::default();
        let headers = Headers::new();
        let wrapped = format!("{{\"object_payload\":{body},\"object_payload_signature\":\"AAAA\"}}");
        let request = VerifyRequest { headers: &headers, body: wrapped.as_bytes(), url: "", now: 0, tolerance: 300, top_level: None, options: &options };
        let _ = scheme::verify(SchemeKind::Treezor, &request, "s");
    }

    #[test]
    fn set_paths_and_assignments_never_panic(text in ".{0,60}") {
        if let Ok(segments) = path::parse(&text) {
            let mut value = serde_json::json!({"a": [1, {"b": 2}]});
            let _ = path::set(&mut value, &segments, serde_json::json!(0));
            let _ = path::get(&value, &segments);
        }
        let _ = path::parse_assignment(&text);
    }

    #[test]
    fn targets_never_panic(text in ".{0,60}") {
        let _ = hookctl::target::parse(&text);
    }

    #[test]
    fn capture_reading_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.json");
        std::fs::write(&file, &bytes).unwrap();
        let _ = hookctl::capture::read(&file);
    }

    #[test]
    fn capture_like_json_never_panics(body in ".{0,40}", b64 in "[A-Za-z0-9+/=]{0,40}", version in 0u32..4) {
        let text = serde_json::json!({
            "format": version, "id": "x", "received_at": "2026-11-23T19:15:00Z", "method": "POST", "target": "/",
            "headers": [["a", body]], "body": {"base64": b64}
        });
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.json");
        std::fs::write(&file, text.to_string()).unwrap();
        if let Ok(capture) = hookctl::capture::read(&file) {
            // What reads back is what was stored: the header, and the body's bytes.
            prop_assert_eq!(capture.delivery.headers.get("a"), Some(body.as_str()));
        }
    }

    #[test]
    fn every_signing_scheme_round_trips(body in prop::collection::vec(any::<u8>(), 0..300), key in "[!-~]{32}", ts in 1_000_000_000i64..2_000_000_000) {
        let options = SchemeOptions::default();
        let standard_secret = format!("whsec_{}", base64::Engine::encode(&base64::engine::general_purpose::STANDARD, key.as_bytes()));
        let body_text = String::from_utf8_lossy(&body).into_owned();
        for (kind, secret, body) in [
            (SchemeKind::Github, key.clone(), body.clone()),
            (SchemeKind::Stripe, key.clone(), body.clone()),
            (SchemeKind::Standard, standard_secret, body.clone()),
            (SchemeKind::Mobilepay, key.clone(), body.clone()),
            (SchemeKind::Cryptomate, key.clone(), body.clone()),
            (SchemeKind::Bankingcircle, key.clone(), body_text.into_bytes()),
        ] {
            let sign = scheme::SignRequest { secret: &secret, body: &body, url: "https://example.com/h", id: "msg_1", timestamp: ts, options: &options };
            let signed = scheme::sign(kind, &sign).unwrap();
            let headers: Headers = signed.headers.into_iter().collect();
            let request = VerifyRequest { headers: &headers, body: &signed.body, url: "https://example.com/h", now: ts, tolerance: 300, top_level: None, options: &options };
            prop_assert!(scheme::verify(kind, &request, &secret).verdict.is_valid(), "{:?}", kind);
        }
    }
}
