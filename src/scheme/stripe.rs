//! Stripe: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>`. The key is the whole
//! `whsec_…` string as bytes (not base64-decoded). Several `v1` entries appear while a secret rotates;
//! any one matching is enough. `v0` and unknown schemes are ignored.

use super::{
    check_timestamp, constant_time_eq, mac, Invalid, SignRequest, Signed, Verdict, VerifyRequest,
};

pub const HEADER: &str = "Stripe-Signature";

pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let t = timestamp.to_string();
    hex::encode(mac::sha256(secret.as_bytes(), &[t.as_bytes(), b".", body]))
}

pub fn header_value(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", signature(secret, timestamp, body))
}

pub fn sign(request: &SignRequest<'_>) -> Signed {
    Signed {
        body: request.body.to_vec(),
        headers: vec![(
            HEADER.into(),
            header_value(request.secret, request.timestamp, request.body),
        )],
        note: format!("Stripe-Signature v1 over \"{}.<body>\"", request.timestamp),
    }
}

/// The parts of a `Stripe-Signature` header.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ParsedHeader {
    pub timestamp: Option<i64>,
    pub v1: Vec<String>,
}

pub fn parse_header(value: &str) -> Result<ParsedHeader, String> {
    let mut parsed = ParsedHeader::default();
    for item in value.split(',') {
        let Some((key, val)) = item.trim().split_once('=') else {
            return Err(format!("item {item:?} is not key=value"));
        };
        match key {
            "t" => {
                parsed.timestamp = Some(
                    val.parse()
                        .map_err(|_| format!("t={val} is not a Unix timestamp"))?,
                )
            }
            "v1" => parsed.v1.push(val.to_string()),
            _ => {}
        }
    }
    Ok(parsed)
}

pub fn verify(request: &VerifyRequest<'_>, secret: &str) -> Verdict {
    let Some(value) = request.headers.get(HEADER) else {
        return Verdict::invalid(Invalid::MissingHeader, format!("no {HEADER} header"));
    };
    let parsed = match parse_header(value) {
        Ok(parsed) => parsed,
        Err(why) => return Verdict::invalid(Invalid::Malformed, format!("{HEADER}: {why}")),
    };
    let Some(timestamp) = parsed.timestamp else {
        return Verdict::invalid(Invalid::Malformed, format!("{HEADER} has no t= timestamp"));
    };
    if parsed.v1.is_empty() {
        return Verdict::invalid(Invalid::Malformed, format!("{HEADER} has no v1 signature"));
    }
    let t = timestamp.to_string();
    let expected = mac::sha256(secret.as_bytes(), &[t.as_bytes(), b".", request.body]);
    let matched = parsed
        .v1
        .iter()
        .filter_map(|sig| hex::decode(sig).ok())
        .any(|given| constant_time_eq(&given, &expected));
    if !matched {
        return Verdict::invalid(
            Invalid::Mismatch,
            "no v1 signature matches: the body changed or the secret differs",
        );
    }
    // The signature is genuine; only now is the timestamp worth judging.
    if let Err(stale) = check_timestamp(timestamp, request.now, request.tolerance) {
        return stale;
    }
    let count = parsed.v1.len();
    Verdict::valid(if count > 1 {
        format!("one of {count} v1 signatures matches")
    } else {
        "v1 signature matches".into()
    })
}
