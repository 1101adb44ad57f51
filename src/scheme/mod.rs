//! Signing schemes: one module per way a provider proves a delivery is genuine.
//!
//! Every scheme has two main operations. `sign` turns a body into the bytes and headers that go on
//! the wire; `verify` reads a received delivery and returns a [`Verdict`]. Beside them are the few
//! operations other steps need from a scheme, so that no other module knows a scheme's quirks:
//! when a delivery was signed ([`signed_at`]), signing it again with a fresh timestamp
//! ([`resign`]), the form its headers are stored in and restored from ([`stored_form`],
//! [`restored_form`]), and signing inside the body ([`SchemeKind::in_body`]). Which provider uses
//! which scheme is the catalogue's business.

pub mod bankingcircle;
pub mod cryptomate;
pub mod forge;
pub mod github;
pub mod mobilepay;
pub mod php_json;
pub mod standard;
pub mod stripe;
pub mod treezor;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::delivery::Headers;
use crate::json::TopLevel;

/// Headers whose value is a secret itself (CryptoMate's webhook key): never shown or stored.
pub const SECRET_HEADERS: &[&str] = &[cryptomate::KEY_HEADER];

/// How far a signed timestamp may be from now before receivers refuse it, in seconds: the
/// default of Stripe's and the Standard Webhooks libraries.
pub const DEFAULT_TOLERANCE: u64 = 300;

/// The signing schemes hookctl speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SchemeKind {
    /// Nothing proves the delivery (Mipise: a thin payload to fetch back).
    None,
    Mobilepay,
    Treezor,
    Bankingcircle,
    Cryptomate,
    Standard,
    Stripe,
    Github,
}

impl SchemeKind {
    /// Every scheme.
    pub const ALL: [SchemeKind; 8] = [
        SchemeKind::None,
        SchemeKind::Mobilepay,
        SchemeKind::Treezor,
        SchemeKind::Bankingcircle,
        SchemeKind::Cryptomate,
        SchemeKind::Standard,
        SchemeKind::Stripe,
        SchemeKind::Github,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SchemeKind::None => "none",
            SchemeKind::Mobilepay => "mobilepay",
            SchemeKind::Treezor => "treezor",
            SchemeKind::Bankingcircle => "bankingcircle",
            SchemeKind::Cryptomate => "cryptomate",
            SchemeKind::Standard => "standard",
            SchemeKind::Stripe => "stripe",
            SchemeKind::Github => "github",
        }
    }

    /// One line saying what the scheme proves, for listings.
    pub fn summary(self) -> &'static str {
        match self {
            SchemeKind::None => "unsigned by design",
            SchemeKind::Mobilepay => {
                "x-mobilepay-signature: base64 HMAC-SHA1(url + body without whitespace)"
            }
            SchemeKind::Treezor => {
                "object_payload_signature: base64 HMAC-SHA256(PHP json_encode(object_payload))"
            }
            SchemeKind::Bankingcircle => {
                "AES-256-GCM body; Nonce, AuthenticationTag, Checksum headers"
            }
            SchemeKind::Cryptomate => "X-Webhook-Key shared secret; X-Request-Timestamp (ms)",
            SchemeKind::Standard => "webhook-signature: v1,base64 HMAC-SHA256(id.timestamp.body)",
            SchemeKind::Stripe => "Stripe-Signature: t=…,v1=hex HMAC-SHA256(t.body)",
            SchemeKind::Github => "X-Hub-Signature-256: sha256=hex HMAC-SHA256(body)",
        }
    }

    /// Whether deliveries carry a timestamp that the scheme checks against a tolerance.
    pub fn has_tolerance(self) -> bool {
        matches!(self, SchemeKind::Standard | SchemeKind::Stripe)
    }

    /// Whether anything proves a delivery genuine (every scheme but `none`).
    pub fn signs(self) -> bool {
        self != SchemeKind::None
    }

    /// Whether the body on the wire is ciphertext (Banking Circle), so that the body before
    /// encryption is worth showing beside it.
    pub fn encrypts(self) -> bool {
        self == SchemeKind::Bankingcircle
    }

    /// Where the signature goes when it is a field of the body (Treezor).
    pub fn in_body(self) -> Option<&'static InBody> {
        (self == SchemeKind::Treezor).then_some(&treezor::IN_BODY)
    }

    /// Check that a secret has the form this scheme needs, before anything is signed with it.
    pub fn check_secret(self, secret: &str) -> Result<(), String> {
        match self {
            SchemeKind::Bankingcircle => bankingcircle::key_bytes(secret).map(|_| ()),
            SchemeKind::Standard => standard::key_bytes(secret).map(|_| ()),
            _ if secret.is_empty() => Err("the secret is empty".into()),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for SchemeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Scheme settings a provider profile may change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchemeOptions {
    /// Banking Circle: the text encoding of the plaintext before encryption.
    pub plaintext_encoding: bankingcircle::TextEncoding,
    /// Standard Webhooks: write and accept `svix-*` header names instead of `webhook-*`.
    pub svix_headers: bool,
}

/// What a scheme needs to sign one delivery.
pub struct SignRequest<'a> {
    pub secret: &'a str,
    pub body: &'a [u8],
    /// The full URL the delivery is sent to (MobilePay signs it).
    pub url: &'a str,
    /// The delivery's id (Standard Webhooks puts it in a header).
    pub id: &'a str,
    /// Unix seconds to sign with.
    pub timestamp: i64,
    pub options: &'a SchemeOptions,
}

/// The bytes and headers that go on the wire, and a line saying what was signed.
#[derive(Debug, Clone)]
pub struct Signed {
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
    pub note: String,
}

/// What a scheme needs to verify one received delivery.
pub struct VerifyRequest<'a> {
    pub headers: &'a Headers,
    pub body: &'a [u8],
    /// The URL the sender signed against (MobilePay).
    pub url: &'a str,
    /// Unix seconds now.
    pub now: i64,
    /// Allowed distance between the delivery's timestamp and now, in seconds.
    pub tolerance: u64,
    /// The body's top level, when the caller has already read it (so it is not read twice); it
    /// must be of `body`.
    pub top_level: Option<&'a TopLevel<'a>>,
    pub options: &'a SchemeOptions,
}

/// The outcome of verifying a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Valid {
        detail: String,
    },
    Invalid {
        reason: Invalid,
        detail: String,
    },
    /// The provider does not sign its deliveries.
    Unsigned,
    /// The provider signs, but no secret is known to check with.
    NoSecret,
}

/// Why a delivery failed verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Invalid {
    /// The signature matches no secret: the body changed or the secret differs, and nothing tells which.
    Mismatch,
    /// The body is not the one that was signed (proved by a checksum, or by a re-serialised form verifying).
    BodyChanged,
    /// The delivery was signed with a different secret that hookctl knows.
    WrongSecret,
    /// The signed timestamp is outside the tolerance.
    StaleTimestamp,
    /// A header or field the scheme needs is absent.
    MissingHeader,
    /// A header or field is present but cannot be read.
    Malformed,
}

impl Invalid {
    pub fn code(self) -> &'static str {
        match self {
            Invalid::Mismatch => "mismatch",
            Invalid::BodyChanged => "body_changed",
            Invalid::WrongSecret => "wrong_secret",
            Invalid::StaleTimestamp => "stale_timestamp",
            Invalid::MissingHeader => "missing_header",
            Invalid::Malformed => "malformed",
        }
    }
}

impl Verdict {
    pub fn valid(detail: impl Into<String>) -> Self {
        Verdict::Valid {
            detail: detail.into(),
        }
    }

    pub fn invalid(reason: Invalid, detail: impl Into<String>) -> Self {
        Verdict::Invalid {
            reason,
            detail: detail.into(),
        }
    }

    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid { .. })
    }

    pub fn is_invalid(&self) -> bool {
        matches!(self, Verdict::Invalid { .. })
    }

    /// A short machine-readable status: `valid`, `invalid`, `unsigned` or `no_secret`.
    pub fn status(&self) -> &'static str {
        match self {
            Verdict::Valid { .. } => "valid",
            Verdict::Invalid { .. } => "invalid",
            Verdict::Unsigned => "unsigned",
            Verdict::NoSecret => "no_secret",
        }
    }

    pub fn reason(&self) -> Option<Invalid> {
        match self {
            Verdict::Invalid { reason, .. } => Some(*reason),
            _ => None,
        }
    }

    pub fn detail(&self) -> &str {
        match self {
            Verdict::Valid { detail } | Verdict::Invalid { detail, .. } => detail,
            Verdict::Unsigned => "the provider does not sign its deliveries",
            Verdict::NoSecret => "no secret to verify with",
        }
    }
}

/// A verdict, plus the plaintext when the scheme encrypts (Banking Circle).
#[derive(Debug, Clone)]
pub struct Verification {
    pub verdict: Verdict,
    pub plaintext: Option<Vec<u8>>,
}

impl From<Verdict> for Verification {
    fn from(verdict: Verdict) -> Self {
        Verification {
            verdict,
            plaintext: None,
        }
    }
}

/// A signature that is a field of the body (Treezor): computed over another top-level field's
/// value written in the scheme's canonical form, so a body can be signed as it is written.
pub struct InBody {
    /// The top-level field whose value is signed.
    pub covers: &'static str,
    /// The top-level field that holds the signature.
    pub field: &'static str,
    /// What was signed, for reports.
    pub note: &'static str,
    /// The covered value in canonical form: the bytes a receiver recomputes from it.
    pub canonical: fn(&serde_json::Value) -> Vec<u8>,
    /// The signature of canonical bytes.
    pub signature: fn(secret: &str, canonical: &[u8]) -> String,
    /// The signature written as the JSON string that goes in the body.
    pub write_signature: fn(out: &mut Vec<u8>, signature: &str),
}

impl fmt::Debug for InBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InBody")
            .field("covers", &self.covers)
            .field("field", &self.field)
            .finish_non_exhaustive()
    }
}

/// Sign a parsed body in place, for schemes that sign inside the body: the signature field is
/// set (kept in its place, or added at the end). `None` when the scheme signs elsewhere or the
/// body lacks the covered field.
pub fn sign_value(
    kind: SchemeKind,
    secret: &str,
    body: &mut serde_json::Value,
) -> Option<&'static str> {
    let in_body = kind.in_body()?;
    let signature = (in_body.signature)(secret, &(in_body.canonical)(body.get(in_body.covers)?));
    body.as_object_mut()?.insert(
        in_body.field.to_string(),
        serde_json::Value::String(signature),
    );
    Some(in_body.note)
}

/// The Unix time a delivery was signed at, for schemes that sign a timestamp.
pub fn signed_at(kind: SchemeKind, headers: &Headers) -> Option<i64> {
    match kind {
        SchemeKind::Stripe => {
            stripe::parse_header(headers.get(stripe::HEADER)?)
                .ok()?
                .timestamp
        }
        SchemeKind::Standard => standard::signed_at(headers),
        _ => None,
    }
}

/// Sign a delivery again with a fresh timestamp, as a provider signs each retry: the delivery's
/// id and header names stay, the timestamp and signature are renewed. `Ok(None)` when the scheme
/// signs no timestamp, so that the signature as captured is as good as a new one. `fallback_id`
/// is signed when the delivery carries no id of its own.
pub fn resign(
    kind: SchemeKind,
    headers: &mut Headers,
    body: &[u8],
    secret: &str,
    now: i64,
    options: &SchemeOptions,
    fallback_id: &str,
) -> Result<Option<String>, SignError> {
    if !kind.has_tolerance() {
        return Ok(None);
    }
    let (id, options) = match kind {
        SchemeKind::Standard => {
            let options = SchemeOptions {
                svix_headers: standard::uses_svix_names(headers),
                ..options.clone()
            };
            (
                standard::delivery_id(headers)
                    .unwrap_or(fallback_id)
                    .to_string(),
                options,
            )
        }
        _ => (String::new(), options.clone()),
    };
    let request = SignRequest {
        secret,
        body,
        url: "",
        id: &id,
        timestamp: now,
        options: &options,
    };
    let signed = sign(kind, &request)?;
    for (name, value) in signed.headers {
        headers.set(&name, value);
    }
    Ok(Some(signed.note))
}

/// Put headers in the form they are stored and shown in: a header that is the secret itself
/// (CryptoMate's key) is kept only as its digest, which still verifies offline.
pub fn stored_form(kind: SchemeKind, headers: &mut Headers) {
    if kind == SchemeKind::Cryptomate {
        cryptomate::keep_only_digest(headers);
    }
}

/// What [`restored_form`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restored {
    /// Nothing was stored as a digest.
    Nothing,
    /// The header stored as a digest holds the secret again.
    Restored { header: &'static str },
    /// The secret given is not the one the stored digest was made from.
    NoMatch { header: &'static str },
}

/// Undo [`stored_form`] for a replay: a header stored as its digest holds the secret again, when
/// `secret` is the one the digest was made from.
pub fn restored_form(kind: SchemeKind, headers: &mut Headers, secret: Option<&str>) -> Restored {
    match kind {
        SchemeKind::Cryptomate => cryptomate::restore_key(headers, secret),
        _ => Restored::Nothing,
    }
}

/// Sign a body with a scheme.
pub fn sign(kind: SchemeKind, request: &SignRequest<'_>) -> Result<Signed, SignError> {
    match kind {
        SchemeKind::None => Ok(Signed {
            body: request.body.to_vec(),
            headers: Vec::new(),
            note: "unsigned (the provider does not sign)".into(),
        }),
        SchemeKind::Mobilepay => Ok(mobilepay::sign(request)),
        SchemeKind::Treezor => treezor::sign(request),
        SchemeKind::Bankingcircle => bankingcircle::sign(request),
        SchemeKind::Cryptomate => Ok(cryptomate::sign(request)),
        SchemeKind::Standard => standard::sign(request),
        SchemeKind::Stripe => Ok(stripe::sign(request)),
        SchemeKind::Github => Ok(github::sign(request)),
    }
}

/// Verify a delivery with one secret.
pub fn verify(kind: SchemeKind, request: &VerifyRequest<'_>, secret: &str) -> Verification {
    match kind {
        SchemeKind::None => Verdict::Unsigned.into(),
        SchemeKind::Mobilepay => mobilepay::verify(request, secret).into(),
        SchemeKind::Treezor => treezor::verify(request, secret).into(),
        SchemeKind::Bankingcircle => bankingcircle::verify(request, secret),
        SchemeKind::Cryptomate => cryptomate::verify(request, secret).into(),
        SchemeKind::Standard => standard::verify(request, secret).into(),
        SchemeKind::Stripe => stripe::verify(request, secret).into(),
        SchemeKind::Github => github::verify(request, secret).into(),
    }
}

/// A secret that hookctl knows besides the one in use, with a name to report it by.
pub struct OtherSecret<'a> {
    pub label: &'a str,
    pub value: &'a str,
}

/// Verify with the secret in use; when the signature does not match, find out why if we can:
/// another known secret that verifies means the secret differs, and a re-serialised JSON body that
/// verifies means something between sender and receiver rewrote the body.
pub fn verify_explained(
    kind: SchemeKind,
    request: &VerifyRequest<'_>,
    secret: Option<&str>,
    others: &[OtherSecret<'_>],
) -> Verification {
    if kind == SchemeKind::None {
        return Verdict::Unsigned.into();
    }
    let Some(secret) = secret else {
        return Verdict::NoSecret.into();
    };
    let verification = verify(kind, request, secret);
    if !matches!(
        verification.verdict.reason(),
        Some(Invalid::Mismatch | Invalid::WrongSecret)
    ) {
        return verification;
    }
    for other in others.iter().filter(|o| o.value != secret) {
        if verify(kind, request, other.value).verdict.is_valid() {
            return Verdict::invalid(
                Invalid::WrongSecret,
                format!("signed with {}, not with the secret in use", other.label),
            )
            .into();
        }
    }
    if let Some(form) = reserialised_form_that_verifies(kind, request, secret) {
        return Verdict::invalid(
            Invalid::BodyChanged,
            format!("the body was rewritten after signing: its {form} form verifies, the bytes received do not"),
        )
        .into();
    }
    verification
}

fn reserialised_form_that_verifies(
    kind: SchemeKind,
    request: &VerifyRequest<'_>,
    secret: &str,
) -> Option<&'static str> {
    // Treezor re-encodes the payload anyway and Banking Circle encrypts: rewriting cannot be told apart.
    if matches!(
        kind,
        SchemeKind::Treezor | SchemeKind::Bankingcircle | SchemeKind::Cryptomate
    ) {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(request.body).ok()?;
    let compact = serde_json::to_vec(&value).ok()?;
    let pretty = serde_json::to_vec_pretty(&value).ok()?;
    for (name, form) in [("compact", compact), ("pretty-printed", pretty)] {
        if form == request.body {
            continue;
        }
        let attempt = VerifyRequest {
            body: &form,
            top_level: None,
            ..*request
        };
        if verify(kind, &attempt, secret).verdict.is_valid() {
            return Some(name);
        }
    }
    None
}

/// Why a body could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("the secret is not usable for {scheme}: {why}")]
    Secret { scheme: SchemeKind, why: String },
    #[error("the body cannot be signed by {scheme}: {why}")]
    Body { scheme: SchemeKind, why: String },
}

/// Compare two byte strings in constant time.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

/// HMAC helpers shared by the schemes.
pub(crate) mod mac {
    use hmac::{Hmac, Mac};

    thread_local! {
        /// The last key's HMAC-SHA-256 state, keyed. A listener or a sender signs thousands of
        /// messages with one key or a few, and keying costs two SHA-256 blocks each time.
        static KEYED: std::cell::RefCell<Option<(Vec<u8>, Hmac<sha2::Sha256>)>> =
            const { std::cell::RefCell::new(None) };
    }

    pub(crate) fn sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = KEYED.with_borrow_mut(|last| match last {
            Some((last_key, keyed)) if last_key == key => keyed.clone(),
            _ => {
                let keyed = Hmac::<sha2::Sha256>::new_from_slice(key)
                    .expect("HMAC takes keys of any length");
                *last = Some((key.to_vec(), keyed.clone()));
                keyed
            }
        });
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    pub(crate) fn sha1(key: &[u8], parts: &[&[u8]]) -> [u8; 20] {
        let mut mac =
            Hmac::<sha1::Sha1>::new_from_slice(key).expect("HMAC takes keys of any length");
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

/// Check a signed Unix timestamp against now, both ways.
pub(crate) fn check_timestamp(timestamp: i64, now: i64, tolerance: u64) -> Result<(), Verdict> {
    let distance = now.abs_diff(timestamp);
    if distance <= tolerance {
        return Ok(());
    }
    let direction = if timestamp < now {
        "old"
    } else {
        "in the future"
    };
    Err(Verdict::invalid(
        Invalid::StaleTimestamp,
        format!("timestamp {timestamp} is {distance} s {direction}; tolerance is {tolerance} s"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_hmac_key_signs_as_a_fresh_one() {
        use hmac::{Hmac, Mac};
        let fresh = |key: &[u8], message: &[u8]| -> [u8; 32] {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
            mac.update(message);
            mac.finalize().into_bytes().into()
        };
        // The same key twice, another, the first again, and a key that only starts the same.
        for (key, message) in [
            (&b"first"[..], &b"one"[..]),
            (b"first", b"two"),
            (b"second", b"one"),
            (b"first", b"one"),
            (b"firs", b"one"),
        ] {
            assert_eq!(mac::sha256(key, &[message]), fresh(key, message));
        }
    }

    #[test]
    fn a_key_stored_as_its_digest_is_restored_only_by_that_key() {
        let mut headers: Headers = [(cryptomate::KEY_HEADER, "the-key"), ("X-Other", "1")]
            .into_iter()
            .collect();
        stored_form(SchemeKind::Cryptomate, &mut headers);
        let stored = headers.get(cryptomate::KEY_HEADER).unwrap().to_string();
        assert_eq!(stored, cryptomate::digest("the-key"));
        // Storing twice keeps the digest, not a digest of it.
        stored_form(SchemeKind::Cryptomate, &mut headers);
        assert_eq!(headers.get(cryptomate::KEY_HEADER), Some(stored.as_str()));
        let mut wrong = headers.clone();
        let header = cryptomate::KEY_HEADER;
        assert_eq!(
            restored_form(SchemeKind::Cryptomate, &mut wrong, Some("other")),
            Restored::NoMatch { header }
        );
        assert_eq!(
            restored_form(SchemeKind::Cryptomate, &mut wrong, None),
            Restored::NoMatch { header }
        );
        assert_eq!(
            restored_form(SchemeKind::Cryptomate, &mut headers, Some("the-key")),
            Restored::Restored { header }
        );
        assert_eq!(headers.get(cryptomate::KEY_HEADER), Some("the-key"));
        assert_eq!(
            restored_form(SchemeKind::Stripe, &mut headers, Some("the-key")),
            Restored::Nothing
        );
    }

    #[test]
    fn resigning_keeps_the_id_and_the_header_names_and_renews_the_timestamp() {
        let secret = "whsec_aG9va2N0bC1zdGFuZGFyZC13ZWJob29rcy10ZXN0ISE=";
        let options = SchemeOptions {
            svix_headers: true,
            ..SchemeOptions::default()
        };
        let request = SignRequest {
            secret,
            body: b"{}",
            url: "",
            id: "msg_1",
            timestamp: 1_000,
            options: &options,
        };
        let mut headers: Headers = sign(SchemeKind::Standard, &request)
            .unwrap()
            .headers
            .into_iter()
            .collect();
        assert_eq!(signed_at(SchemeKind::Standard, &headers), Some(1_000));
        let note = resign(
            SchemeKind::Standard,
            &mut headers,
            b"{}",
            secret,
            2_000,
            &SchemeOptions::default(),
            "x",
        );
        assert!(note.unwrap().unwrap().contains("msg_1.2000"));
        assert_eq!(headers.get("svix-id"), Some("msg_1"));
        assert!(!headers.contains("webhook-signature"), "{headers:?}");
        assert_eq!(signed_at(SchemeKind::Standard, &headers), Some(2_000));
        let check = VerifyRequest {
            headers: &headers,
            body: b"{}",
            url: "",
            now: 2_000,
            tolerance: DEFAULT_TOLERANCE,
            top_level: None,
            options: &options,
        };
        assert!(verify(SchemeKind::Standard, &check, secret)
            .verdict
            .is_valid());

        let mut stripe: Headers = [(stripe::HEADER, stripe::header_value("s", 5, b"x"))]
            .into_iter()
            .collect();
        assert_eq!(signed_at(SchemeKind::Stripe, &stripe), Some(5));
        resign(
            SchemeKind::Stripe,
            &mut stripe,
            b"x",
            "s",
            9,
            &SchemeOptions::default(),
            "",
        )
        .unwrap();
        assert_eq!(
            stripe.get(stripe::HEADER),
            Some(stripe::header_value("s", 9, b"x").as_str())
        );
        // A scheme without a signed timestamp has nothing to renew.
        let mut github = Headers::new();
        assert!(resign(
            SchemeKind::Github,
            &mut github,
            b"x",
            "s",
            9,
            &SchemeOptions::default(),
            ""
        )
        .unwrap()
        .is_none());
        assert_eq!(signed_at(SchemeKind::Github, &github), None);
    }
}
