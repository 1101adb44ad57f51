//! MobilePay (legacy App Payments webhooks): `x-mobilepay-signature` is base64 HMAC-SHA1 with the
//! signature key over the notification URL followed by the body with all whitespace removed.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

use super::{constant_time_eq, mac, Invalid, SignRequest, Signed, Verdict, VerifyRequest};

pub const HEADER: &str = "x-mobilepay-signature";

/// The body as MobilePay signs it: ASCII whitespace removed (real bodies are compact JSON whose
/// strings hold no spaces, so this is the documented pseudocode taken literally).
fn without_whitespace(body: &[u8]) -> Vec<u8> {
    body.iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect()
}

pub fn signature(secret: &str, url: &str, body: &[u8]) -> String {
    B64.encode(mac::sha1(
        secret.as_bytes(),
        &[url.as_bytes(), &without_whitespace(body)],
    ))
}

pub fn sign(request: &SignRequest<'_>) -> Signed {
    Signed {
        body: request.body.to_vec(),
        headers: vec![(
            HEADER.into(),
            signature(request.secret, request.url, request.body),
        )],
        note: format!(
            "x-mobilepay-signature over {} + body without whitespace",
            request.url
        ),
    }
}

pub fn verify(request: &VerifyRequest<'_>, secret: &str) -> Verdict {
    let Some(value) = request.headers.get(HEADER) else {
        return Verdict::invalid(Invalid::MissingHeader, format!("no {HEADER} header"));
    };
    let Ok(given) = B64.decode(value.trim()) else {
        return Verdict::invalid(Invalid::Malformed, format!("{HEADER} is not base64"));
    };
    let expected = mac::sha1(
        secret.as_bytes(),
        &[request.url.as_bytes(), &without_whitespace(request.body)],
    );
    if constant_time_eq(&given, &expected) {
        Verdict::valid(format!("signature over {} matches", request.url))
    } else {
        Verdict::invalid(
            Invalid::Mismatch,
            format!(
                "signature does not match for URL {}: the URL, the body or the secret differs",
                request.url
            ),
        )
    }
}
