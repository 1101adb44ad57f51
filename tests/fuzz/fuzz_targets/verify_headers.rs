//! Every scheme's verification with arbitrary header values and bodies: never a panic.
#![no_main]
use hookctl::delivery::Headers;
use hookctl::scheme::{self, SchemeKind, SchemeOptions, VerifyRequest};
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 10] = [
    "Stripe-Signature",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "X-Hub-Signature-256",
    "x-mobilepay-signature",
    "Nonce",
    "AuthenticationTag",
    "Checksum",
    "X-Webhook-Key",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\n');
    let mut headers = Headers::new();
    for name in NAMES {
        if let Some(value) = parts.next() {
            headers.push(name, value);
        }
    }
    let body: Vec<u8> = parts.collect::<Vec<_>>().join("\n").into_bytes();
    let options = SchemeOptions::default();
    let request = VerifyRequest {
        headers: &headers,
        body: &body,
        url: "http://x/",
        now: 1_700_000_000,
        tolerance: 300,
        top_level: None, options: &options,
    };
    for kind in SchemeKind::ALL {
        let _ = scheme::verify_explained(kind, &request, Some("0123456789abcdef0123456789abcdef"), &[]);
    }
});
