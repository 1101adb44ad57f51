//! Standard Webhooks v1: `webhook-signature: v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>` with
//! `webhook-id` and `webhook-timestamp` (Unix seconds). The secret is `whsec_` + base64 of the key
//! bytes. The header may hold several space-separated signatures (key rotation); versions other than
//! v1 are ignored. Svix sends the same thing under `svix-*` names.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

use crate::delivery::Headers;

use super::{
    check_timestamp, constant_time_eq, mac, Invalid, SchemeKind, SignError, SignRequest, Signed,
    Verdict, VerifyRequest,
};

pub const PREFIX: &str = "whsec_";

/// The HMAC key inside a `whsec_` secret. The prefix is optional, and so is base64 padding.
pub fn key_bytes(secret: &str) -> Result<Vec<u8>, String> {
    let encoded = secret.strip_prefix(PREFIX).unwrap_or(secret);
    let padded = format!("{encoded}{}", "=".repeat((4 - encoded.len() % 4) % 4));
    match B64.decode(padded.as_bytes()) {
        Ok(key) if !key.is_empty() => Ok(key),
        _ => Err(format!(
            "a Standard Webhooks secret is `{PREFIX}` followed by base64 key bytes"
        )),
    }
}

/// The names of the three headers: `webhook-*`, or `svix-*` when asked.
pub fn header_names(svix: bool) -> [&'static str; 3] {
    if svix {
        ["svix-id", "svix-timestamp", "svix-signature"]
    } else {
        ["webhook-id", "webhook-timestamp", "webhook-signature"]
    }
}

/// Whether a delivery carries Svix's header names rather than the standard ones.
pub fn uses_svix_names(headers: &Headers) -> bool {
    !headers.contains("webhook-signature") && headers.contains("svix-signature")
}

/// The delivery id, under either naming.
pub fn delivery_id(headers: &Headers) -> Option<&str> {
    let [id, _, _] = header_names(uses_svix_names(headers));
    headers.get(id)
}

/// The signed timestamp, under either naming.
pub fn signed_at(headers: &Headers) -> Option<i64> {
    let [_, timestamp, _] = header_names(uses_svix_names(headers));
    headers.get(timestamp)?.trim().parse().ok()
}

pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let t = timestamp.to_string();
    let digest = mac::sha256(key, &[id.as_bytes(), b".", t.as_bytes(), b".", body]);
    format!("v1,{}", B64.encode(digest))
}

pub fn sign(request: &SignRequest<'_>) -> Result<Signed, SignError> {
    let key = key_bytes(request.secret).map_err(|why| SignError::Secret {
        scheme: SchemeKind::Standard,
        why,
    })?;
    if request.id.contains('.') {
        return Err(SignError::Body {
            scheme: SchemeKind::Standard,
            why: "the webhook id must not contain '.'".into(),
        });
    }
    let [id_name, ts_name, sig_name] = header_names(request.options.svix_headers);
    Ok(Signed {
        body: request.body.to_vec(),
        headers: vec![
            (id_name.into(), request.id.into()),
            (ts_name.into(), request.timestamp.to_string()),
            (
                sig_name.into(),
                signature(&key, request.id, request.timestamp, request.body),
            ),
        ],
        note: format!(
            "{sig_name} v1 over \"{}.{}.<body>\"",
            request.id, request.timestamp
        ),
    })
}

pub fn verify(request: &VerifyRequest<'_>, secret: &str) -> Verdict {
    let key = match key_bytes(secret) {
        Ok(key) => key,
        Err(why) => {
            return Verdict::invalid(
                Invalid::Malformed,
                format!("the configured secret is unusable: {why}"),
            )
        }
    };
    // Accept either naming, whichever the delivery carries.
    let names = [header_names(false), header_names(true)]
        .into_iter()
        .find(|[_, _, sig]| request.headers.contains(sig));
    let Some([id_name, ts_name, sig_name]) = names else {
        return Verdict::invalid(
            Invalid::MissingHeader,
            "no webhook-signature (or svix-signature) header",
        );
    };
    let Some(id) = request.headers.get(id_name) else {
        return Verdict::invalid(Invalid::MissingHeader, format!("no {id_name} header"));
    };
    let Some(ts) = request.headers.get(ts_name) else {
        return Verdict::invalid(Invalid::MissingHeader, format!("no {ts_name} header"));
    };
    let Ok(timestamp) = ts.trim().parse::<i64>() else {
        return Verdict::invalid(
            Invalid::Malformed,
            format!("{ts_name} {ts:?} is not a Unix timestamp"),
        );
    };
    let t = timestamp.to_string();
    let expected = mac::sha256(
        &key,
        &[id.as_bytes(), b".", t.as_bytes(), b".", request.body],
    );
    let header = request.headers.get(sig_name).unwrap_or_default();
    let mut v1_count = 0;
    let mut matched = false;
    for entry in header.split(' ').filter(|e| !e.is_empty()) {
        let Some((version, sig)) = entry.split_once(',') else {
            return Verdict::invalid(
                Invalid::Malformed,
                format!("{sig_name} entry {entry:?} is not version,signature"),
            );
        };
        if version != "v1" {
            continue;
        }
        v1_count += 1;
        if let Ok(given) = B64.decode(sig) {
            matched |= constant_time_eq(&given, &expected);
        }
    }
    if v1_count == 0 {
        return Verdict::invalid(
            Invalid::Malformed,
            format!("{sig_name} has no v1 signature"),
        );
    }
    if !matched {
        return Verdict::invalid(
            Invalid::Mismatch,
            "no v1 signature matches: the body changed or the secret differs",
        );
    }
    if let Err(stale) = check_timestamp(timestamp, request.now, request.tolerance) {
        return stale;
    }
    Verdict::valid(if v1_count > 1 {
        format!("one of {v1_count} v1 signatures matches")
    } else {
        "v1 signature matches".into()
    })
}
