//! GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`, and the legacy
//! `X-Hub-Signature: sha1=<hex HMAC-SHA1>` that GitHub still sends beside it.

use super::{constant_time_eq, mac, Invalid, SignRequest, Signed, Verdict, VerifyRequest};

pub const HEADER_SHA256: &str = "X-Hub-Signature-256";
pub const HEADER_SHA1: &str = "X-Hub-Signature";

pub fn signature_sha256(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex::encode(mac::sha256(secret.as_bytes(), &[body])))
}

pub fn signature_sha1(secret: &str, body: &[u8]) -> String {
    format!("sha1={}", hex::encode(mac::sha1(secret.as_bytes(), &[body])))
}

pub fn sign(request: &SignRequest<'_>) -> Signed {
    Signed {
        body: request.body.to_vec(),
        headers: vec![
            (HEADER_SHA256.into(), signature_sha256(request.secret, request.body)),
            (HEADER_SHA1.into(), signature_sha1(request.secret, request.body)),
        ],
        note: "X-Hub-Signature-256 (HMAC-SHA256 of the body) and legacy X-Hub-Signature (HMAC-SHA1)".into(),
    }
}

pub fn verify(request: &VerifyRequest<'_>, secret: &str) -> Verdict {
    // Prefer SHA-256; fall back to the legacy SHA-1 header only when it is all there is.
    let (header, prefix, expected) = if let Some(value) = request.headers.get(HEADER_SHA256) {
        (value, "sha256=", mac::sha256(secret.as_bytes(), &[request.body]).to_vec())
    } else if let Some(value) = request.headers.get(HEADER_SHA1) {
        (value, "sha1=", mac::sha1(secret.as_bytes(), &[request.body]).to_vec())
    } else {
        return Verdict::invalid(
            Invalid::MissingHeader,
            format!("no {HEADER_SHA256} (or legacy {HEADER_SHA1}) header"),
        );
    };
    let Some(hex_digest) = header.trim().strip_prefix(prefix) else {
        return Verdict::invalid(Invalid::Malformed, format!("signature header does not start with {prefix}"));
    };
    let Ok(given) = hex::decode(hex_digest) else {
        return Verdict::invalid(Invalid::Malformed, "signature is not hexadecimal");
    };
    if constant_time_eq(&given, &expected) {
        let which = if prefix == "sha256=" { HEADER_SHA256 } else { "legacy X-Hub-Signature (SHA-1)" };
        Verdict::valid(format!("{which} matches"))
    } else {
        Verdict::invalid(Invalid::Mismatch, "signature does not match: the body changed or the secret differs")
    }
}
