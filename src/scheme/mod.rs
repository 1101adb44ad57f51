//! Signing schemes: one module per way a provider proves a delivery is genuine.
//!
//! Every scheme has exactly two operations. `sign` turns a body into the bytes and headers that go
//! on the wire; `verify` reads a received delivery and returns a [`Verdict`]. Nothing else lives
//! here: which provider uses which scheme is the catalogue's business.

pub mod bankingcircle;
pub mod cryptomate;
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
            SchemeKind::Mobilepay => "x-mobilepay-signature: base64 HMAC-SHA1(url + body without whitespace)",
            SchemeKind::Treezor => "object_payload_signature: base64 HMAC-SHA256(PHP json_encode(object_payload))",
            SchemeKind::Bankingcircle => "AES-256-GCM body; Nonce, AuthenticationTag, Checksum headers",
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

    /// The header that carries the secret itself (CryptoMate), which must never be stored or shown.
    pub fn secret_header(self) -> Option<&'static str> {
        (self == SchemeKind::Cryptomate).then_some(cryptomate::KEY_HEADER)
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
        Verdict::Valid { detail: detail.into() }
    }

    pub fn invalid(reason: Invalid, detail: impl Into<String>) -> Self {
        Verdict::Invalid { reason, detail: detail.into() }
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
        Verification { verdict, plaintext: None }
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
    if !matches!(verification.verdict.reason(), Some(Invalid::Mismatch | Invalid::WrongSecret)) {
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
    if matches!(kind, SchemeKind::Treezor | SchemeKind::Bankingcircle | SchemeKind::Cryptomate) {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(request.body).ok()?;
    let compact = serde_json::to_vec(&value).ok()?;
    let pretty = serde_json::to_vec_pretty(&value).ok()?;
    for (name, form) in [("compact", compact), ("pretty-printed", pretty)] {
        if form == request.body {
            continue;
        }
        let attempt = VerifyRequest { body: &form, top_level: None, ..*request };
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

    pub fn sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    pub fn sha1(key: &[u8], parts: &[&[u8]]) -> [u8; 20] {
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).expect("HMAC takes keys of any length");
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
    let direction = if timestamp < now { "old" } else { "in the future" };
    Err(Verdict::invalid(
        Invalid::StaleTimestamp,
        format!("timestamp {timestamp} is {distance} s {direction}; tolerance is {tolerance} s"),
    ))
}
