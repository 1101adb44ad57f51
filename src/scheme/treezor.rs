//! Treezor: the body carries `object_payload_signature` = base64 HMAC-SHA256 with the webhook secret
//! over PHP `json_encode($object_payload)` (see [`php_json`](super::php_json)). Only `object_payload`
//! is covered; the envelope fields are not.

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::json::TopLevel;

use super::{
    constant_time_eq, mac, php_json, InBody, Invalid, SchemeKind, SignError, SignRequest, Signed,
    Verdict, VerifyRequest,
};

pub const PAYLOAD_FIELD: &str = "object_payload";
pub const SIGNATURE_FIELD: &str = "object_payload_signature";

/// What a Treezor signature covers, for reports.
pub const NOTE: &str = "object_payload_signature over PHP json_encode(object_payload)";

/// Treezor signs inside the body, over `object_payload` as PHP writes it.
pub static IN_BODY: InBody = InBody {
    covers: PAYLOAD_FIELD,
    field: SIGNATURE_FIELD,
    note: NOTE,
    canonical,
    signature: signature_of_encoded,
    write_signature: php_json::write_string,
};

/// `object_payload` as a PHP receiver recomputes it: `json_encode(json_decode($body)->object_payload)`.
/// Writing a value as PHP does is not always that: PHP writes the float `-0.0` as `-0`, which it
/// reads back as the integer 0, and reads integers beyond 64 bits as floats. So the written bytes
/// are read and written again the PHP way.
pub fn canonical(object_payload: &Value) -> Vec<u8> {
    let written = php_json::encode(object_payload);
    php_json::transcode(&written).unwrap_or(written)
}

/// The signature of a parsed `object_payload`.
pub fn signature(secret: &str, object_payload: &Value) -> String {
    signature_of_encoded(secret, &canonical(object_payload))
}

/// The signature of an `object_payload` already in canonical form (see [`canonical`]).
pub fn signature_of_encoded(secret: &str, canonical: &[u8]) -> String {
    B64.encode(mac::sha256(secret.as_bytes(), &[canonical]))
}

/// Sign a body: compute the signature from its `object_payload` and write it into the
/// `object_payload_signature` field. Every other byte of the body is kept as it was.
pub fn sign(request: &SignRequest<'_>) -> Result<Signed, SignError> {
    let body_error = |why: String| SignError::Body {
        scheme: SchemeKind::Treezor,
        why,
    };
    let text = std::str::from_utf8(request.body)
        .map_err(|_| body_error("the body is not UTF-8".into()))?;
    let value: Value =
        serde_json::from_str(text).map_err(|e| body_error(format!("the body is not JSON: {e}")))?;
    let payload = value
        .get(PAYLOAD_FIELD)
        .ok_or_else(|| body_error(format!("the body has no top-level {PAYLOAD_FIELD}")))?;
    let signature = signature(request.secret, payload);
    let body = splice_signature(text, &signature).map_err(body_error)?;
    Ok(Signed {
        body,
        headers: Vec::new(),
        note: NOTE.into(),
    })
}

/// Put `signature` in the top-level `object_payload_signature` of a JSON object held as text,
/// replacing the old value's bytes or appending the field, without re-serialising anything else.
fn splice_signature(text: &str, signature: &str) -> Result<Vec<u8>, String> {
    let fields: HashMap<String, &RawValue> =
        serde_json::from_str(text).map_err(|e| format!("the body is not a JSON object: {e}"))?;
    let encoded = php_json::encode(&Value::String(signature.to_string()));
    let mut out = Vec::with_capacity(text.len() + encoded.len() + 32);
    if let Some(raw) = fields.get(SIGNATURE_FIELD) {
        // The raw value borrows from `text`, so its address gives its position.
        let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
        let end = start + raw.get().len();
        out.extend_from_slice(&text.as_bytes()[..start]);
        out.extend_from_slice(&encoded);
        out.extend_from_slice(&text.as_bytes()[end..]);
    } else {
        let close = text.rfind('}').ok_or("the body is not a JSON object")?;
        out.extend_from_slice(&text.as_bytes()[..close]);
        if !fields.is_empty() {
            out.push(b',');
        }
        out.extend_from_slice(b"\"object_payload_signature\":");
        out.extend_from_slice(&encoded);
        out.extend_from_slice(&text.as_bytes()[close..]);
    }
    Ok(out)
}

pub fn verify(request: &VerifyRequest<'_>, secret: &str) -> Verdict {
    // Only the two fields that matter are read; the payload is re-encoded straight from its text.
    let parsed;
    let top = match request.top_level {
        Some(top) => top,
        None => match TopLevel::parse(request.body) {
            Some(top) => {
                parsed = top;
                &parsed
            }
            None => return Verdict::invalid(Invalid::Malformed, "the body is not a JSON object"),
        },
    };
    let Some(payload) = top.get(PAYLOAD_FIELD) else {
        return Verdict::invalid(
            Invalid::MissingHeader,
            format!("the body has no {PAYLOAD_FIELD} field"),
        );
    };
    let given = match top.get(SIGNATURE_FIELD).map(crate::json::string) {
        None => {
            return Verdict::invalid(
                Invalid::MissingHeader,
                format!("the body has no {SIGNATURE_FIELD} field"),
            )
        }
        Some(Some(s)) => s,
        Some(None) => {
            return Verdict::invalid(
                Invalid::Malformed,
                format!("{SIGNATURE_FIELD} is not a string"),
            )
        }
    };
    let Ok(given) = B64.decode(given.trim()) else {
        return Verdict::invalid(
            Invalid::Malformed,
            format!("{SIGNATURE_FIELD} is not base64"),
        );
    };
    // Senders that write the payload as PHP does (Treezor, hookctl) sent the signed bytes as they
    // are: try those first. A match means exactly what the secret signed arrived, so it is sound;
    // anything else is re-encoded and checked again.
    let raw = payload.as_bytes();
    if constant_time_eq(&given, &mac::sha256(secret.as_bytes(), &[raw])) {
        return Verdict::valid("object_payload_signature matches");
    }
    let canonical = match php_json::transcode(raw) {
        Some(canonical) => canonical,
        // A repeated key (PHP keeps the last value, in the first one's place): go through a value.
        None => match serde_json::from_str::<Value>(payload) {
            Ok(value) => php_json::encode(&value),
            Err(e) => {
                return Verdict::invalid(
                    Invalid::Malformed,
                    format!("{PAYLOAD_FIELD} is not JSON: {e}"),
                )
            }
        },
    };
    let expected = mac::sha256(secret.as_bytes(), &[&canonical]);
    if constant_time_eq(&given, &expected) {
        Verdict::valid("object_payload_signature matches")
    } else {
        Verdict::invalid(
            Invalid::Mismatch,
            "object_payload_signature does not match: the payload changed or the secret differs",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_in_place_and_keeps_other_bytes() {
        let text = "{ \"a\" : 1,\n \"object_payload_signature\" : \"old\", \"z\":[] }";
        let out = splice_signature(text, "new/sig=").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{ \"a\" : 1,\n \"object_payload_signature\" : \"new\\/sig=\", \"z\":[] }"
        );
    }

    #[test]
    fn splice_appends_when_absent() {
        assert_eq!(
            splice_signature("{\"a\":1}", "s").unwrap(),
            b"{\"a\":1,\"object_payload_signature\":\"s\"}"
        );
        assert_eq!(
            splice_signature("{}", "s").unwrap(),
            b"{\"object_payload_signature\":\"s\"}"
        );
    }
}
