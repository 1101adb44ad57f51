//! Banking Circle: no signature but encryption. The body is AES-256-GCM ciphertext under a
//! pre-shared 32-character key (its ASCII bytes are the key); the `Nonce` (12 bytes) and
//! `AuthenticationTag` (16 bytes) travel base64 in headers, and `Checksum` is base64 SHA-256 of the
//! plaintext JSON as UTF-8. The plaintext is encrypted as UTF-16LE or UTF-8: Banking Circle's own
//! samples disagree, so it is configurable and verification accepts either.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{
    constant_time_eq, Invalid, SchemeKind, SignError, SignRequest, Signed, Verdict, Verification,
    VerifyRequest,
};

pub const NONCE_HEADER: &str = "Nonce";
pub const TAG_HEADER: &str = "AuthenticationTag";
pub const CHECKSUM_HEADER: &str = "Checksum";
pub const VERSION_HEADER: &str = "SubscriptionVersion";

/// How the plaintext JSON is turned into bytes before encryption.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TextEncoding {
    /// What Banking Circle's C# sample decodes with (`Encoding.Unicode`).
    #[default]
    #[serde(rename = "utf-16le")]
    Utf16Le,
    #[serde(rename = "utf-8")]
    Utf8,
}

impl TextEncoding {
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf16Le => "UTF-16LE",
            TextEncoding::Utf8 => "UTF-8",
        }
    }

    fn encode(self, text: &str) -> Vec<u8> {
        match self {
            TextEncoding::Utf8 => text.as_bytes().to_vec(),
            TextEncoding::Utf16Le => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        }
    }

    fn decode(self, bytes: &[u8]) -> Option<String> {
        match self {
            TextEncoding::Utf8 => String::from_utf8(bytes.to_vec()).ok(),
            TextEncoding::Utf16Le => {
                if bytes.len() % 2 != 0 {
                    return None;
                }
                let units: Vec<u16> = bytes
                    .chunks_exact(2)
                    .map(|p| u16::from_le_bytes([p[0], p[1]]))
                    .collect();
                String::from_utf16(&units).ok()
            }
        }
    }

    fn other(self) -> Self {
        match self {
            TextEncoding::Utf16Le => TextEncoding::Utf8,
            TextEncoding::Utf8 => TextEncoding::Utf16Le,
        }
    }
}

/// The AES-256 key: exactly 32 characters, used as their bytes.
pub fn key_bytes(secret: &str) -> Result<[u8; 32], String> {
    secret.as_bytes().try_into().map_err(|_| {
        format!(
            "a Banking Circle key is 32 characters (ASCII); this one is {} bytes",
            secret.len()
        )
    })
}

pub fn checksum(plaintext_utf8: &[u8]) -> String {
    B64.encode(Sha256::digest(plaintext_utf8))
}

/// Encrypt with a given nonce; `sign` draws a random one.
pub fn encrypt(
    key: &[u8; 32],
    nonce: &[u8; 12],
    text: &str,
    encoding: TextEncoding,
) -> (Vec<u8>, [u8; 16]) {
    let cipher = Aes256Gcm::new(key.into());
    let mut buffer = encoding.encode(text);
    let tag = cipher
        .encrypt_in_place_detached(Nonce::from_slice(nonce), b"", &mut buffer)
        .expect("AES-GCM encrypts any plaintext under 64 GiB");
    (buffer, tag.into())
}

pub fn sign(request: &SignRequest<'_>) -> Result<Signed, SignError> {
    let key = key_bytes(request.secret).map_err(|why| SignError::Secret {
        scheme: SchemeKind::Bankingcircle,
        why,
    })?;
    let text = std::str::from_utf8(request.body).map_err(|_| SignError::Body {
        scheme: SchemeKind::Bankingcircle,
        why: "the plaintext must be UTF-8 text".into(),
    })?;
    let nonce: [u8; 12] = rand::random();
    let encoding = request.options.plaintext_encoding;
    let (ciphertext, tag) = encrypt(&key, &nonce, text, encoding);
    Ok(Signed {
        body: ciphertext,
        headers: vec![
            (VERSION_HEADER.into(), "1".into()),
            (NONCE_HEADER.into(), B64.encode(nonce)),
            (TAG_HEADER.into(), B64.encode(tag)),
            (CHECKSUM_HEADER.into(), checksum(request.body)),
        ],
        note: format!(
            "AES-256-GCM encrypted ({} plaintext), Checksum = SHA-256 of the JSON",
            encoding.name()
        ),
    })
}

fn header_bytes<const N: usize>(
    request: &VerifyRequest<'_>,
    name: &str,
) -> Result<[u8; N], Verdict> {
    let value = request
        .headers
        .get(name)
        .ok_or_else(|| Verdict::invalid(Invalid::MissingHeader, format!("no {name} header")))?;
    B64.decode(value.trim())
        .ok()
        .and_then(|bytes| <[u8; N]>::try_from(bytes).ok())
        .ok_or_else(|| {
            Verdict::invalid(
                Invalid::Malformed,
                format!("{name} is not base64 of {N} bytes"),
            )
        })
}

pub fn verify(request: &VerifyRequest<'_>, secret: &str) -> Verification {
    let key = match key_bytes(secret) {
        Ok(key) => key,
        Err(why) => {
            return Verdict::invalid(
                Invalid::Malformed,
                format!("the configured key is unusable: {why}"),
            )
            .into()
        }
    };
    let (nonce, tag) = match (
        header_bytes::<12>(request, NONCE_HEADER),
        header_bytes::<16>(request, TAG_HEADER),
    ) {
        (Ok(nonce), Ok(tag)) => (nonce, tag),
        (Err(verdict), _) | (_, Err(verdict)) => return verdict.into(),
    };
    let checksum_header = request.headers.get(CHECKSUM_HEADER).map(str::trim);
    let cipher = Aes256Gcm::new((&key).into());
    let mut buffer = request.body.to_vec();
    if cipher
        .decrypt_in_place_detached(
            Nonce::from_slice(&nonce),
            b"",
            &mut buffer,
            Tag::from_slice(&tag),
        )
        .is_err()
    {
        return Verdict::invalid(
            Invalid::Mismatch,
            "decryption failed (authentication tag): the body changed or the key differs",
        )
        .into();
    }
    // Decryption proved the bytes are genuine; now read them as text the way the sender wrote them.
    let preferred = request.options.plaintext_encoding;
    let decoded = [preferred, preferred.other()]
        .into_iter()
        .find_map(|encoding| {
            let text = encoding.decode(&buffer)?;
            let matches = checksum_header.is_none_or(|given| {
                constant_time_eq(given.as_bytes(), checksum(text.as_bytes()).as_bytes())
            });
            matches.then_some((encoding, text))
        });
    match (decoded, checksum_header) {
        (Some((encoding, text)), Some(_)) => Verification {
            verdict: Verdict::valid(format!(
                "decrypted ({} plaintext) and Checksum matches",
                encoding.name()
            )),
            plaintext: Some(text.into_bytes()),
        },
        (Some((encoding, text)), None) => Verification {
            verdict: Verdict::invalid(
                Invalid::MissingHeader,
                format!(
                    "decrypted ({} plaintext) but there is no {CHECKSUM_HEADER} header",
                    encoding.name()
                ),
            ),
            plaintext: Some(text.into_bytes()),
        },
        (None, _) => Verification {
            verdict: Verdict::invalid(
                Invalid::BodyChanged,
                format!("decrypted, but {CHECKSUM_HEADER} does not match the plaintext"),
            ),
            plaintext: preferred.decode(&buffer).map(String::into_bytes),
        },
    }
}
