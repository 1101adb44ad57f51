//! CryptoMate: no HMAC. The shared webhook key travels verbatim in `X-Webhook-Key`, with the send
//! time in `X-Request-Timestamp` (Unix milliseconds, not signed).

use crate::delivery::Headers;

use super::{constant_time_eq, Invalid, Restored, SignRequest, Signed, Verdict, VerifyRequest};

pub const KEY_HEADER: &str = "X-Webhook-Key";
pub const TIMESTAMP_HEADER: &str = "X-Request-Timestamp";

/// What captures and printed headers hold instead of the key: its SHA-256, so that the key is
/// never stored, yet a capture can still be verified offline and the key restored for a replay.
pub const DIGEST_PREFIX: &str = "sha256:";

pub fn digest(key: &str) -> String {
    use sha2::{Digest, Sha256};
    format!(
        "{DIGEST_PREFIX}{}",
        hex::encode(Sha256::digest(key.as_bytes()))
    )
}

/// Keep the key header only as its digest.
pub fn keep_only_digest(headers: &mut Headers) {
    if let Some(key) = headers
        .get(KEY_HEADER)
        .filter(|v| !v.starts_with(DIGEST_PREFIX))
    {
        let stored = digest(key);
        headers.set(KEY_HEADER, stored);
    }
}

/// Put the key back where only its digest was kept, when `secret` is that key.
pub fn restore_key(headers: &mut Headers, secret: Option<&str>) -> Restored {
    let Some(stored) = headers
        .get(KEY_HEADER)
        .filter(|v| v.starts_with(DIGEST_PREFIX))
    else {
        return Restored::Nothing;
    };
    match secret.filter(|s| constant_time_eq(digest(s).as_bytes(), stored.as_bytes())) {
        Some(secret) => {
            headers.set(KEY_HEADER, secret);
            Restored::Restored { header: KEY_HEADER }
        }
        None => Restored::NoMatch { header: KEY_HEADER },
    }
}

pub fn sign(request: &SignRequest<'_>) -> Signed {
    Signed {
        body: request.body.to_vec(),
        headers: vec![
            (KEY_HEADER.into(), request.secret.into()),
            (
                TIMESTAMP_HEADER.into(),
                (request.timestamp * 1000).to_string(),
            ),
        ],
        note: "X-Webhook-Key shared secret (the body is not signed)".into(),
    }
}

pub fn verify(request: &VerifyRequest<'_>, secret: &str) -> Verdict {
    let Some(given) = request.headers.get(KEY_HEADER) else {
        return Verdict::invalid(Invalid::MissingHeader, format!("no {KEY_HEADER} header"));
    };
    // A stored capture holds the key's digest; compare digests then.
    let (given, secret) = match given.strip_prefix(DIGEST_PREFIX) {
        Some(_) => (given.to_string(), digest(secret)),
        None => (given.to_string(), secret.to_string()),
    };
    if !constant_time_eq(given.as_bytes(), secret.as_bytes()) {
        // With no body binding, a different key can only mean a different secret.
        return Verdict::invalid(
            Invalid::WrongSecret,
            format!("{KEY_HEADER} differs from the secret in use"),
        );
    }
    match request.headers.get(TIMESTAMP_HEADER) {
        None => Verdict::valid(format!(
            "{KEY_HEADER} matches (no {TIMESTAMP_HEADER}; the body is not signed)"
        )),
        Some(ts) if ts.trim().parse::<i64>().is_err() => Verdict::invalid(
            Invalid::Malformed,
            format!("{TIMESTAMP_HEADER} {ts:?} is not Unix milliseconds"),
        ),
        Some(_) => Verdict::valid(format!("{KEY_HEADER} matches (the body is not signed)")),
    }
}
