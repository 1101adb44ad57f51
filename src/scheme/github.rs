//! GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`, and the legacy
//! `X-Hub-Signature: sha1=<hex HMAC-SHA1>` that GitHub still sends beside it (signed, never
//! accepted alone).

use super::{constant_time_eq, mac, Invalid, SignRequest, Signed, Verdict, VerifyRequest};

pub const HEADER_SHA256: &str = "X-Hub-Signature-256";
pub const HEADER_SHA1: &str = "X-Hub-Signature";

pub fn signature_sha256(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac::sha256(secret.as_bytes(), &[body]))
    )
}

pub fn signature_sha1(secret: &str, body: &[u8]) -> String {
    format!(
        "sha1={}",
        hex::encode(mac::sha1(secret.as_bytes(), &[body]))
    )
}

pub fn sign(request: &SignRequest<'_>) -> Signed {
    Signed {
        body: request.body.to_vec(),
        headers: vec![
            (
                HEADER_SHA256.into(),
                signature_sha256(request.secret, request.body),
            ),
            (
                HEADER_SHA1.into(),
                signature_sha1(request.secret, request.body),
            ),
        ],
        note:
            "X-Hub-Signature-256 (HMAC-SHA256 of the body) and legacy X-Hub-Signature (HMAC-SHA1)"
                .into(),
    }
}

pub fn verify(request: &VerifyRequest<'_>, secret: &str) -> Verdict {
    // Only SHA-256 counts: GitHub sends it with every delivery, and a receiver that took the
    // legacy SHA-1 header alone would let the sender choose the weaker algorithm (a downgrade).
    let Some(header) = request.headers.get(HEADER_SHA256) else {
        let detail = if request.headers.contains(HEADER_SHA1) {
            format!("no {HEADER_SHA256}: the legacy {HEADER_SHA1} (SHA-1) alone is not accepted")
        } else {
            format!("no {HEADER_SHA256} header")
        };
        return Verdict::invalid(Invalid::MissingHeader, detail);
    };
    let Some(hex_digest) = header.trim().strip_prefix("sha256=") else {
        return Verdict::invalid(
            Invalid::Malformed,
            "signature header does not start with sha256=",
        );
    };
    let Ok(given) = hex::decode(hex_digest) else {
        return Verdict::invalid(Invalid::Malformed, "signature is not hexadecimal");
    };
    if constant_time_eq(&given, &mac::sha256(secret.as_bytes(), &[request.body])) {
        Verdict::valid(format!("{HEADER_SHA256} matches"))
    } else {
        Verdict::invalid(
            Invalid::Mismatch,
            "signature does not match: the body changed or the secret differs",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::SchemeOptions;

    #[test]
    fn the_legacy_sha1_header_alone_is_refused() {
        let (secret, body) = ("s", b"{}");
        let headers: crate::delivery::Headers = [(HEADER_SHA1, signature_sha1(secret, body))]
            .into_iter()
            .collect();
        let options = SchemeOptions::default();
        let request = VerifyRequest {
            headers: &headers,
            body,
            url: "",
            now: 0,
            tolerance: 300,
            top_level: None,
            options: &options,
        };
        let verdict = verify(&request, secret);
        assert_eq!(verdict.reason(), Some(Invalid::MissingHeader));
        assert!(verdict.detail().contains("SHA-1"), "{verdict:?}");
    }
}
