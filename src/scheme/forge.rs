//! The forgeries `hookctl probe` sends: near-genuine and hostile variants of a signed delivery,
//! each in the scheme's own syntax. Every operation returns `None` where the scheme has no such
//! thing (the probe reports the case as not applicable).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::Value;

use super::{bankingcircle, cryptomate, github, mobilepay, php_json, standard, stripe, treezor};
use super::{sign, SchemeKind, SignError, SignRequest, Signed};
use crate::delivery::Headers;

/// The headers that carry the signature (or the secret itself), in the scheme's spelling.
pub fn signature_headers(kind: SchemeKind) -> &'static [&'static str] {
    match kind {
        SchemeKind::Stripe => &[stripe::HEADER],
        SchemeKind::Standard => &["webhook-signature", "svix-signature"],
        SchemeKind::Github => &[github::HEADER_SHA256, github::HEADER_SHA1],
        SchemeKind::Mobilepay => &[mobilepay::HEADER],
        SchemeKind::Cryptomate => &[cryptomate::KEY_HEADER],
        SchemeKind::Bankingcircle => &[bankingcircle::TAG_HEADER, bankingcircle::CHECKSUM_HEADER],
        SchemeKind::Treezor | SchemeKind::None => &[],
    }
}

/// Remove the signature: its headers, or its field of the body. `false` when there is none.
pub fn strip_signature(kind: SchemeKind, headers: &mut Headers, body: &mut Vec<u8>) -> bool {
    if let Some(in_body) = kind.in_body() {
        let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(body) else {
            return false;
        };
        fields.shift_remove(in_body.field);
        *body = php_json::encode(&Value::Object(fields));
        return true;
    }
    let names = signature_headers(kind);
    for name in names {
        headers.remove(name);
    }
    !names.is_empty()
}

/// A random secret of the form the scheme takes.
pub fn random_secret(kind: SchemeKind) -> String {
    let bytes: [u8; 24] = rand::random();
    match kind {
        SchemeKind::Standard => format!("{}{}", standard::PREFIX, B64.encode(bytes)),
        SchemeKind::Bankingcircle => hex::encode(&bytes[..16]),
        _ => format!("whsec_{}", hex::encode(bytes)),
    }
}

/// Sign with the empty key. `None` where no empty key can be used (AES needs 32 bytes).
pub fn sign_with_empty_key(
    kind: SchemeKind,
    request: &SignRequest<'_>,
) -> Option<Result<Signed, SignError>> {
    match kind {
        SchemeKind::None | SchemeKind::Bankingcircle => None,
        SchemeKind::Standard => {
            let [id_name, ts_name, sig_name] = standard::header_names(request.options.svix_headers);
            Some(Ok(Signed {
                body: request.body.to_vec(),
                headers: vec![
                    (id_name.into(), request.id.into()),
                    (ts_name.into(), request.timestamp.to_string()),
                    (
                        sig_name.into(),
                        standard::signature(&[], request.id, request.timestamp, request.body),
                    ),
                ],
                note: "signed with the empty key".into(),
            }))
        }
        _ => Some(sign(
            kind,
            &SignRequest {
                secret: "",
                ..*request
            },
        )),
    }
}

/// One value the signature covers, changed after signing: a digit of the signed body, or for
/// ciphertext one byte. `None` where the signature does not cover the body (CryptoMate).
pub fn tamper(kind: SchemeKind, body: &[u8]) -> Option<Vec<u8>> {
    let mut changed = body.to_vec();
    match kind {
        SchemeKind::None | SchemeKind::Cryptomate => return None,
        SchemeKind::Bankingcircle => *changed.last_mut()? ^= 0x01,
        _ => {
            // Inside the signed field when the signature is in the body.
            let from = match kind.in_body() {
                Some(in_body) => find(body, format!("\"{}\"", in_body.covers).as_bytes())?,
                None => 0,
            };
            let at = from + body[from..].iter().position(u8::is_ascii_digit)?;
            changed[at] = if changed[at] == b'9' {
                b'1'
            } else {
                changed[at] + 1
            };
        }
    }
    Some(changed)
}

/// Empty and shortened signatures in the scheme's syntax (`v1,`, `v1=`, `sha256=`, a prefix of
/// the valid value), each with a label; applied to a genuine delivery's headers and body.
pub fn truncated(
    kind: SchemeKind,
    headers: &Headers,
    body: &[u8],
) -> Vec<(String, Headers, Vec<u8>)> {
    let variants = |name: &str, values: Vec<String>| -> Vec<(String, Headers, Vec<u8>)> {
        values
            .into_iter()
            .map(|value| {
                let mut changed = headers.clone();
                changed.set(name, &value);
                (format!("{name}: {value}"), changed, body.to_vec())
            })
            .collect()
    };
    let prefix = |text: &str| text.chars().take(8).collect::<String>();
    match kind {
        SchemeKind::Stripe => {
            let Some(value) = headers.get(stripe::HEADER) else {
                return Vec::new();
            };
            let Ok(parsed) = stripe::parse_header(value) else {
                return Vec::new();
            };
            let t = parsed.timestamp.unwrap_or_default();
            let v1 = parsed.v1.first().cloned().unwrap_or_default();
            variants(
                stripe::HEADER,
                vec![
                    format!("t={t},v1="),
                    format!("t={t},v1={}", prefix(&v1)),
                    format!("t={t}"),
                ],
            )
        }
        SchemeKind::Standard => {
            let name = if standard::uses_svix_names(headers) {
                "svix-signature"
            } else {
                "webhook-signature"
            };
            let valid = headers
                .get(name)
                .and_then(|v| v.split_once(','))
                .map(|(_, s)| s.to_string());
            let valid = valid.unwrap_or_default();
            variants(
                name,
                vec!["v1,".into(), format!("v1,{}", prefix(&valid)), "v1".into()],
            )
        }
        SchemeKind::Github => {
            let mut only_256 = headers.clone();
            only_256.remove(github::HEADER_SHA1);
            let valid = headers
                .get(github::HEADER_SHA256)
                .unwrap_or_default()
                .trim_start_matches("sha256=")
                .to_string();
            let values = vec![
                "sha256=".to_string(),
                format!("sha256={}", prefix(&valid)),
                String::new(),
            ];
            values
                .into_iter()
                .map(|value| {
                    let mut changed = only_256.clone();
                    changed.set(github::HEADER_SHA256, &value);
                    (
                        format!("{}: {value}", github::HEADER_SHA256),
                        changed,
                        body.to_vec(),
                    )
                })
                .collect()
        }
        SchemeKind::Mobilepay => {
            let valid = headers
                .get(mobilepay::HEADER)
                .unwrap_or_default()
                .to_string();
            variants(mobilepay::HEADER, vec![String::new(), prefix(&valid)])
        }
        SchemeKind::Cryptomate => {
            let valid = headers
                .get(cryptomate::KEY_HEADER)
                .unwrap_or_default()
                .to_string();
            variants(cryptomate::KEY_HEADER, vec![String::new(), prefix(&valid)])
        }
        SchemeKind::Bankingcircle => {
            let valid = headers
                .get(bankingcircle::TAG_HEADER)
                .unwrap_or_default()
                .to_string();
            variants(
                bankingcircle::TAG_HEADER,
                vec![String::new(), prefix(&valid)],
            )
        }
        SchemeKind::Treezor => {
            let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
                return Vec::new();
            };
            let valid = fields
                .get(treezor::SIGNATURE_FIELD)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            [String::new(), prefix(&valid)]
                .into_iter()
                .map(|value| {
                    let mut changed = fields.clone();
                    changed.insert(
                        treezor::SIGNATURE_FIELD.into(),
                        Value::String(value.clone()),
                    );
                    let label = format!("{}: {value:?}", treezor::SIGNATURE_FIELD);
                    (
                        label,
                        headers.clone(),
                        php_json::encode(&Value::Object(changed)),
                    )
                })
                .collect()
        }
        SchemeKind::None => Vec::new(),
    }
}

/// An invalid signature followed by the valid one in one header, as while a secret rotates.
pub fn rotation(kind: SchemeKind, headers: &Headers) -> Option<Headers> {
    let mut changed = headers.clone();
    match kind {
        SchemeKind::Stripe => {
            let parsed = stripe::parse_header(headers.get(stripe::HEADER)?).ok()?;
            let valid = parsed.v1.first()?;
            let junk = hex::encode(rand::random::<[u8; 32]>());
            changed.set(
                stripe::HEADER,
                format!("t={},v1={junk},v1={valid}", parsed.timestamp?),
            );
        }
        SchemeKind::Standard => {
            let name = if standard::uses_svix_names(headers) {
                "svix-signature"
            } else {
                "webhook-signature"
            };
            let junk = B64.encode(rand::random::<[u8; 32]>());
            changed.set(name, format!("v1,{junk} {}", headers.get(name)?));
        }
        _ => return None,
    }
    Some(changed)
}

/// Only a signature of a version the scheme's libraries ignore, or only a weaker legacy one;
/// `secret` signs it validly, over the same timestamp and body.
pub fn downgrades(
    kind: SchemeKind,
    headers: &Headers,
    body: &[u8],
    secret: &str,
) -> Vec<(String, Headers)> {
    let with = |name: &str, value: String| {
        let mut changed = headers.clone();
        changed.set(name, &value);
        (format!("{name}: {value}"), changed)
    };
    match kind {
        SchemeKind::Stripe => {
            let Some(Ok(parsed)) = headers.get(stripe::HEADER).map(stripe::parse_header) else {
                return Vec::new();
            };
            let Some(t) = parsed.timestamp else {
                return Vec::new();
            };
            vec![with(
                stripe::HEADER,
                format!("t={t},v0={}", stripe::signature(secret, t, body)),
            )]
        }
        SchemeKind::Standard => {
            let Ok(key) = standard::key_bytes(secret) else {
                return Vec::new();
            };
            let name = if standard::uses_svix_names(headers) {
                "svix-signature"
            } else {
                "webhook-signature"
            };
            let (Some(id), Some(t)) =
                (standard::delivery_id(headers), standard::signed_at(headers))
            else {
                return Vec::new();
            };
            let valid = standard::signature(&key, id, t, body);
            let digest = valid.trim_start_matches("v1,");
            vec![
                with(name, format!("v1a,{digest}")),
                with(name, format!("v2,{digest}")),
            ]
        }
        SchemeKind::Github => {
            let mut changed = headers.clone();
            changed.remove(github::HEADER_SHA256);
            changed.set(github::HEADER_SHA1, github::signature_sha1(secret, body));
            vec![(format!("only {}", github::HEADER_SHA1), changed)]
        }
        _ => Vec::new(),
    }
}

/// Whether the provider's own libraries accept a timestamp beyond the tolerance in the future
/// (Stripe's Node, Python and Go libraries check only the past).
pub fn libraries_accept_future_timestamps(kind: SchemeKind) -> bool {
    kind == SchemeKind::Stripe
}

/// `count` invalid candidates and the valid signature last, in one header.
pub fn many_signatures(kind: SchemeKind, headers: &Headers, count: usize) -> Option<Headers> {
    let mut changed = headers.clone();
    match kind {
        SchemeKind::Stripe => {
            let parsed = stripe::parse_header(headers.get(stripe::HEADER)?).ok()?;
            let mut value = format!("t={}", parsed.timestamp?);
            for _ in 0..count {
                value.push_str(",v1=");
                value.push_str(&hex::encode(rand::random::<[u8; 32]>()));
            }
            value.push_str(&format!(",v1={}", parsed.v1.first()?));
            changed.set(stripe::HEADER, value);
        }
        SchemeKind::Standard => {
            let name = if standard::uses_svix_names(headers) {
                "svix-signature"
            } else {
                "webhook-signature"
            };
            let mut value = String::new();
            for _ in 0..count {
                value.push_str("v1,");
                value.push_str(&B64.encode(rand::random::<[u8; 32]>()));
                value.push(' ');
            }
            value.push_str(headers.get(name)?);
            changed.set(name, value);
        }
        _ => return None,
    }
    Some(changed)
}

/// The URL the delivery is signed against, when the scheme signs one (MobilePay).
pub fn signs_url(kind: SchemeKind) -> bool {
    kind == SchemeKind::Mobilepay
}

/// A valid decryption with a wrong `Checksum`, for schemes that encrypt.
pub fn wrong_checksum(kind: SchemeKind, headers: &Headers) -> Option<Headers> {
    if !kind.encrypts() {
        return None;
    }
    let mut changed = headers.clone();
    changed.set(
        bankingcircle::CHECKSUM_HEADER,
        bankingcircle::checksum(b"{\"not\":\"the plaintext\"}"),
    );
    Some(changed)
}

/// The shared key shortened, and in another case, for schemes that send the key itself.
pub fn key_variants(kind: SchemeKind, headers: &Headers) -> Vec<(String, Headers)> {
    if kind != SchemeKind::Cryptomate {
        return Vec::new();
    }
    let Some(key) = headers.get(cryptomate::KEY_HEADER) else {
        return Vec::new();
    };
    let half: String = key.chars().take(key.chars().count() / 2).collect();
    let swapped: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    [
        ("a prefix of the key", half),
        ("the key in another case", swapped),
    ]
    .into_iter()
    .filter(|(_, value)| value != key)
    .map(|(label, value)| {
        let mut changed = headers.clone();
        changed.set(cryptomate::KEY_HEADER, value);
        (label.to_string(), changed)
    })
    .collect()
}

/// Signatures of the same length as the valid one that match it in none of their bytes, or in
/// all but the last, for a timing comparison. `None` where the scheme sends no signature.
pub fn near_signatures(kind: SchemeKind, headers: &Headers) -> Option<(Headers, Headers)> {
    let (name, value) = match kind {
        SchemeKind::Stripe => (stripe::HEADER, headers.get(stripe::HEADER)?),
        SchemeKind::Github => (github::HEADER_SHA256, headers.get(github::HEADER_SHA256)?),
        SchemeKind::Mobilepay => (mobilepay::HEADER, headers.get(mobilepay::HEADER)?),
        SchemeKind::Standard => {
            let name = if standard::uses_svix_names(headers) {
                "svix-signature"
            } else {
                "webhook-signature"
            };
            (name, headers.get(name)?)
        }
        _ => return None,
    };
    // The signature is the value's last run of characters; hex or base64 alike, the last one is
    // changed for the near miss, and every one for the far miss (same alphabet, same length).
    let cut = value
        .rfind(['=', ','])
        .filter(|_| kind != SchemeKind::Mobilepay)
        .map_or(0, |at| at + 1);
    let (kept, signature) = value.split_at(cut);
    let signature = signature.trim_end_matches('=');
    let padding = &value[cut + signature.len()..];
    let other = |c: char| if c == 'a' { 'b' } else { 'a' };
    let near: String = signature
        .char_indices()
        .map(|(i, c)| {
            if i + 1 == signature.len() {
                other(c)
            } else {
                c
            }
        })
        .collect();
    let far: String = signature.chars().map(other).collect();
    let with = |sig: &str| {
        let mut changed = headers.clone();
        changed.set(name, format!("{kept}{sig}{padding}"));
        changed
    };
    Some((with(&far), with(&near)))
}

/// The forms of a secret that a leak may show: the secret, and the key inside it.
pub fn secret_forms(kind: SchemeKind, secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_string()];
    if kind == SchemeKind::Standard {
        forms.push(secret.trim_start_matches(standard::PREFIX).to_string());
    }
    forms.retain(|form| form.len() >= 8);
    forms
}

/// The signature values a delivery carries (headers, or the body's field), to look for in what a
/// receiver answers: a receiver that shows them is a signing oracle.
pub fn signature_values(kind: SchemeKind, headers: &Headers, body: &[u8]) -> Vec<String> {
    let mut values = Vec::new();
    match kind {
        SchemeKind::Stripe => {
            if let Some(Ok(parsed)) = headers.get(stripe::HEADER).map(stripe::parse_header) {
                values.extend(parsed.v1);
            }
        }
        SchemeKind::Standard => {
            for name in ["webhook-signature", "svix-signature"] {
                let entries = headers.get(name).unwrap_or_default().split(' ');
                values.extend(
                    entries
                        .filter_map(|e| e.split_once(','))
                        .map(|(_, s)| s.to_string()),
                );
            }
        }
        SchemeKind::Github => {
            for name in [github::HEADER_SHA256, github::HEADER_SHA1] {
                if let Some(value) = headers.get(name) {
                    values.push(
                        value
                            .split_once('=')
                            .map_or(value, |(_, hex)| hex)
                            .to_string(),
                    );
                }
            }
        }
        SchemeKind::Mobilepay | SchemeKind::Bankingcircle => {
            let name = if kind == SchemeKind::Mobilepay {
                mobilepay::HEADER
            } else {
                bankingcircle::TAG_HEADER
            };
            values.extend(headers.get(name).map(str::to_string));
        }
        SchemeKind::Cryptomate => {
            values.extend(headers.get(cryptomate::KEY_HEADER).map(str::to_string))
        }
        SchemeKind::Treezor => {
            if let Some(top) = crate::json::TopLevel::parse(body) {
                values.extend(top.text(treezor::SIGNATURE_FIELD));
            }
        }
        SchemeKind::None => {}
    }
    values.retain(|value| value.len() >= 8);
    values
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
