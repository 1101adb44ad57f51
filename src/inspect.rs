//! What a received delivery is and whether it is genuine: recognise the provider from its headers
//! and body (as each `provider.toml` declares), read the event name, and verify with the
//! provider's secret. Used by `listen`, and by anything that checks captures.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::capture::StoredVerdict;
use crate::catalogue::{path, Catalogue, Provider};
use crate::config::{resolve_secret, Config, Secret, SecretSource};
use crate::delivery::Delivery;
use crate::json::TopLevel;
use crate::scheme::{self, OtherSecret, Verdict, VerifyRequest};

/// The result of inspecting one delivery.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// The provider, as the catalogue holds it; `None` when nothing recognised it.
    pub provider: Option<Arc<Provider>>,
    /// The event name as the delivery states it.
    pub event: Option<String>,
    /// `None` when the provider was not recognised.
    pub verdict: Option<Verdict>,
    pub secret_source: Option<SecretSource>,
    /// The decrypted body, for schemes that encrypt.
    pub plaintext: Option<Vec<u8>>,
    /// Whether the body was found to be a JSON object; `None` when it was only scanned (its
    /// signature verified, so it was not parsed). A capture may store a body known to be a JSON
    /// object as JSON without checking it again.
    pub json_object: Option<bool>,
}

impl Inspection {
    /// The provider's catalogue name.
    pub fn provider_name(&self) -> Option<&str> {
        self.provider.as_deref().map(|p| p.name.as_str())
    }

    /// The catalogue's spelling of the event, when the provider has it: safe for file names,
    /// where the event as the delivery states it is request data.
    pub fn known_event(&self) -> Option<&str> {
        self.provider
            .as_deref()?
            .event(self.event.as_deref()?)
            .map(|e| e.name.as_str())
    }

    pub fn is_invalid(&self) -> bool {
        self.verdict.as_ref().is_some_and(Verdict::is_invalid)
    }

    /// The verdict as stored in captures and printed as JSON.
    pub fn stored_verdict(&self) -> StoredVerdict {
        match &self.verdict {
            Some(verdict) => StoredVerdict {
                status: verdict.status().to_string(),
                reason: verdict.reason().map(|r| r.code().to_string()),
                detail: self.detail(),
            },
            None => StoredVerdict {
                status: "unknown_provider".into(),
                reason: None,
                detail: "no provider recognised this delivery".into(),
            },
        }
    }

    /// The verdict's detail, saying when the built-in test secret was used.
    pub fn detail(&self) -> String {
        let Some(verdict) = &self.verdict else {
            return "no provider recognised this delivery".into();
        };
        match (&self.secret_source, verdict) {
            (Some(SecretSource::BuiltIn), Verdict::Valid { .. } | Verdict::Invalid { .. }) => {
                format!(
                    "{} (checked with the built-in test secret)",
                    verdict.detail()
                )
            }
            _ => verdict.detail().to_string(),
        }
    }
}

/// Everything needed to inspect deliveries: the catalogue, a secret per provider, the tolerance.
pub struct Inspector {
    catalogue: Catalogue,
    forced: Option<String>,
    secrets: HashMap<String, Secret>,
    pub tolerance: u64,
}

impl Inspector {
    /// Resolve every provider's secret once, from the same sources as `send`.
    pub fn new(
        catalogue: Catalogue,
        forced: Option<String>,
        flag_secret: Option<&str>,
        config: &Config,
        tolerance: u64,
    ) -> Self {
        let secrets = catalogue
            .providers()
            .iter()
            .filter(|p| forced.as_deref().is_none_or(|f| f == p.name))
            .filter_map(|p| resolve_secret(p, flag_secret, config).map(|s| (p.name.clone(), s)))
            .collect();
        Inspector {
            catalogue,
            forced,
            secrets,
            tolerance,
        }
    }

    /// An inspector with exactly these secrets, by provider.
    pub fn with_secrets(
        catalogue: Catalogue,
        secrets: Vec<(String, Secret)>,
        tolerance: u64,
    ) -> Self {
        Inspector {
            catalogue,
            forced: None,
            secrets: secrets.into_iter().collect(),
            tolerance,
        }
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    pub fn secret(&self, provider: &str) -> Option<&Secret> {
        self.secrets.get(provider)
    }

    /// Which provider sent a delivery: the forced one, else the hinted one (a capture's stored
    /// provider), else the best match of the detect rules.
    pub fn identify(
        &self,
        delivery: &Delivery,
        body: Option<&TopLevel<'_>>,
        hint: Option<&str>,
    ) -> Option<&Arc<Provider>> {
        if let Some(named) = self.forced.as_deref().or(hint) {
            return self.catalogue.provider(named).ok();
        }
        let by_header = self
            .catalogue
            .providers()
            .iter()
            .filter(|p| {
                p.spec
                    .detect
                    .headers
                    .iter()
                    .any(|h| delivery.headers.contains(h))
            })
            .max_by_key(|p| {
                p.spec
                    .detect
                    .headers
                    .iter()
                    .filter(|h| delivery.headers.contains(h))
                    .count()
            });
        if by_header.is_some() {
            return by_header;
        }
        let top = body?;
        self.catalogue
            .providers()
            .iter()
            .filter(|p| !p.spec.detect.body_keys.is_empty())
            .filter(|p| p.spec.detect.body_keys.iter().all(|k| top.contains(k)))
            .max_by_key(|p| p.spec.detect.body_keys.len())
    }

    /// Recognise, read the event, and verify. `url` is the URL the sender signed against.
    pub fn inspect(&self, delivery: &Delivery, url: &str, now: i64) -> Inspection {
        self.inspect_as(delivery, url, now, None)
    }

    /// [`Inspector::inspect`] for a caller that needs to know whether the body is a JSON object
    /// (a journal stores one as it is): the body is parsed whole first, which tells it, and only
    /// scanned when that fails. The verdict is the one [`Inspector::inspect`] gives.
    pub fn inspect_checking_json(&self, delivery: &Delivery, url: &str, now: i64) -> Inspection {
        if let Some(top) = TopLevel::parse(&delivery.body) {
            return Inspection {
                json_object: Some(true),
                ..self.inspect_with(delivery, url, now, None, Some(&top))
            };
        }
        match self.inspect_trusted(delivery, url, now, None) {
            Some(trusted) => Inspection {
                json_object: Some(false),
                ..trusted
            },
            None => Inspection {
                json_object: Some(false),
                ..self.inspect_with(delivery, url, now, None, None)
            },
        }
    }

    /// [`Inspector::inspect`], with the provider already known (from a capture).
    ///
    /// Only the top level is read, enough to recognise the provider and find the event name, and
    /// at first only scanned: a delivery whose signature over its bytes then verifies is what its
    /// sender signed (trusting the signature, as the sender's own library does; see
    /// [`vouched_for`]), and one whose signature over a field verifies has only the rest of it
    /// checked. Anything else is parsed whole, so that its verdict, `malformed` included, is
    /// what the parse gives.
    pub fn inspect_as(
        &self,
        delivery: &Delivery,
        url: &str,
        now: i64,
        hint: Option<&str>,
    ) -> Inspection {
        let Some(scanned) = TopLevel::scan(&delivery.body) else {
            let top = TopLevel::parse(&delivery.body);
            return Inspection {
                json_object: Some(top.is_some()),
                ..self.inspect_with(delivery, url, now, hint, top.as_ref())
            };
        };
        let inspection = self.inspect_with(delivery, url, now, hint, Some(&scanned));
        match vouched_for(&inspection) {
            Vouched::Body => return inspection,
            Vouched::Field(field) if scanned.is_json_but(field) => return inspection,
            Vouched::Field(_) | Vouched::Nothing => {}
        }
        // Not vouched for: the parse decides. A JSON object has the fields the scan found, so
        // the inspection stands (no second verification); anything else is inspected without them.
        if TopLevel::parse(&delivery.body).is_some() {
            return Inspection {
                json_object: Some(true),
                ..inspection
            };
        }
        Inspection {
            json_object: Some(false),
            ..self.inspect_with(delivery, url, now, hint, None)
        }
    }

    /// The inspection of a body whose top level was only scanned, if its signature verifies.
    fn inspect_trusted(
        &self,
        delivery: &Delivery,
        url: &str,
        now: i64,
        hint: Option<&str>,
    ) -> Option<Inspection> {
        let top = TopLevel::scan(&delivery.body)?;
        let inspection = self.inspect_with(delivery, url, now, hint, Some(&top));
        matches!(vouched_for(&inspection), Vouched::Body).then_some(inspection)
    }

    fn inspect_with(
        &self,
        delivery: &Delivery,
        url: &str,
        now: i64,
        hint: Option<&str>,
        top: Option<&TopLevel<'_>>,
    ) -> Inspection {
        let Some(provider) = self.identify(delivery, top, hint) else {
            return Inspection {
                provider: None,
                event: None,
                verdict: None,
                secret_source: None,
                plaintext: None,
                json_object: None,
            };
        };
        let secret = self.secrets.get(&provider.name);
        let builtin = provider.spec.test_secret.as_deref();
        let others: Vec<OtherSecret<'_>> = match (secret, builtin) {
            (Some(s), Some(b)) if s.source != SecretSource::BuiltIn => {
                vec![OtherSecret {
                    label: "the built-in test secret",
                    value: b,
                }]
            }
            _ => Vec::new(),
        };
        let request = VerifyRequest {
            headers: &delivery.headers,
            body: &delivery.body,
            url,
            now,
            tolerance: self.tolerance,
            top_level: top,
            options: &provider.spec.options,
        };
        let verification = scheme::verify_explained(
            provider.spec.scheme,
            &request,
            secret.map(|s| s.value.as_str()),
            &others,
        );
        let event = match (&provider.spec.event_header, &provider.spec.event_path) {
            (Some(header), _) => delivery.headers.get(header).map(str::to_string),
            (None, Some(event_path)) => match (&verification.plaintext, &top) {
                (None, Some(top))
                    if !event_path.contains(['.', '['])
                        && provider.spec.older_event_paths.is_empty() =>
                {
                    top.text(event_path)
                }
                // A nested path, or a decrypted body: parse the whole of it.
                (plaintext, _) => {
                    let json = plaintext.as_deref().unwrap_or(&delivery.body);
                    serde_json::from_slice::<Value>(json).ok().and_then(|v| {
                        std::iter::once(event_path)
                            .chain(&provider.spec.older_event_paths)
                            .find_map(|event_path| path::get_text(&v, event_path))
                    })
                }
            },
            (None, None) => None,
        };
        Inspection {
            provider: Some(provider.clone()),
            event,
            verdict: Some(verification.verdict),
            secret_source: secret.map(|s| s.source.clone()),
            plaintext: verification.plaintext,
            json_object: None,
        }
    }

    /// Verify a capture as of the moment it was received, against the URL it was verified
    /// against then (or one rebuilt from its Host header and target).
    pub fn inspect_capture(&self, capture: &crate::capture::Capture) -> Inspection {
        let delivery = &capture.delivery;
        let url = capture.url.clone().unwrap_or_else(|| {
            format!(
                "http://{}{}",
                delivery.headers.get("host").unwrap_or("localhost"),
                delivery.target
            )
        });
        self.inspect_as(
            delivery,
            &url,
            capture.received_at.timestamp(),
            capture.provider.as_deref(),
        )
    }
}

/// What a verdict vouches for, so that it need not be parsed.
enum Vouched {
    /// Every byte of the body: a valid signature over the bytes.
    Body,
    /// One top-level field: a valid signature in the body over that field's value (Treezor). The
    /// rest is the receiver's to parse, and a body that is not JSON there fails.
    Field(&'static str),
    Nothing,
}

fn vouched_for(inspection: &Inspection) -> Vouched {
    let valid = inspection.verdict.as_ref().is_some_and(Verdict::is_valid);
    match &inspection.provider {
        Some(provider) if valid => match provider.spec.scheme.in_body() {
            None => Vouched::Body,
            Some(in_body) => Vouched::Field(in_body.covers),
        },
        _ => Vouched::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::{SchemeOptions, SignRequest};

    /// A delivery of `body` signed as `provider` signs it with its built-in test secret, and an
    /// inspector that knows the built-in secrets.
    fn signed(provider: &str, body: &str, id: &str, timestamp: i64) -> (Delivery, Inspector) {
        let catalogue = Catalogue::embedded().unwrap();
        let spec = &catalogue.provider(provider).unwrap().spec;
        let (scheme, key) = (spec.scheme, spec.test_secret.clone().unwrap());
        let options = SchemeOptions::default();
        let request = SignRequest {
            secret: &key,
            body: body.as_bytes(),
            url: "",
            id,
            timestamp,
            options: &options,
        };
        let signed = crate::scheme::sign(scheme, &request).unwrap();
        let delivery = Delivery {
            method: "POST".into(),
            target: "/".into(),
            headers: signed.headers.into_iter().collect(),
            body: signed.body.into(),
        };
        let secrets = crate::config::builtin_secrets(&catalogue);
        (delivery, Inspector::with_secrets(catalogue, secrets, 300))
    }

    fn banking_circle(plaintext: &str) -> Option<String> {
        let (delivery, inspector) = signed("bankingcircle", plaintext, "", 0);
        let inspection = inspector.inspect(&delivery, "http://x/", 0);
        assert!(
            inspection.verdict.as_ref().is_some_and(Verdict::is_valid),
            "{inspection:?}"
        );
        inspection.event
    }

    #[test]
    fn banking_circle_events_are_read_from_the_envelope_and_from_older_bare_arrays() {
        let envelope = r#"{"notifications":[{"eventId":"e1","notificationType":"Reversed"}]}"#;
        assert_eq!(banking_circle(envelope).as_deref(), Some("Reversed"));
        let bare = r#"[{"eventId":"e1","notificationType":"MissingFunding"}]"#;
        assert_eq!(banking_circle(bare).as_deref(), Some("MissingFunding"));
    }

    fn stripe_delivery(body: &str, tamper: bool) -> Inspection {
        let (mut delivery, inspector) = signed("stripe", body, "evt_1", 1_790_000_000);
        if tamper {
            delivery.headers = delivery
                .headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.replace("v1=", "v1=00")))
                .collect();
        }
        let now = 1_790_000_000;
        let inspection = inspector.inspect(&delivery, "http://x/", now);
        // Parsing first, for a journal, gives the same verdict and says whether it is JSON.
        let checked = inspector.inspect_checking_json(&delivery, "http://x/", now);
        assert_eq!(
            checked.verdict.as_ref().map(Verdict::status),
            inspection.verdict.as_ref().map(Verdict::status)
        );
        assert_eq!(checked.event, inspection.event);
        let is_json = serde_json::from_str::<serde_json::Value>(body).is_ok();
        assert_eq!(checked.json_object, Some(is_json));
        inspection
    }

    #[test]
    fn a_body_whose_signature_verifies_is_trusted_and_any_other_is_parsed_whole() {
        let verdict = |i: &Inspection| i.verdict.as_ref().map(|v| v.status().to_string());
        // Signed as it is, a body that is not JSON is what its sender sent: only scanned.
        let not_json = r#"{"type": "charge.succeeded", "id": tru}"#;
        let trusted = stripe_delivery(not_json, false);
        assert_eq!(verdict(&trusted).as_deref(), Some("valid"));
        assert_eq!(trusted.event.as_deref(), Some("charge.succeeded"));
        assert_eq!(
            trusted.json_object, None,
            "not parsed, so not known to be JSON"
        );
        // The same body failing verification gets the full parse's verdict and is known not to
        // be JSON; a JSON body failing it is known to be JSON.
        let failed = stripe_delivery(not_json, true);
        assert_eq!(verdict(&failed).as_deref(), Some("invalid"));
        assert_eq!(failed.json_object, Some(false));
        let json = stripe_delivery(r#"{"type": "charge.succeeded", "id": true}"#, true);
        assert_eq!(verdict(&json).as_deref(), Some("invalid"));
        assert_eq!(json.json_object, Some(true));
    }

    #[test]
    fn a_signature_over_one_field_does_not_vouch_for_the_rest_of_the_body() {
        let verdict = |i: &Inspection| i.verdict.as_ref().map(|v| v.status().to_string());
        let body = r#"{"webhook":"payin.update","object_payload":{"payins":[{"payinId":"1"}]}}"#;
        let (mut delivery, inspector) = signed("treezor", body, "", 0);
        assert_eq!(
            verdict(&inspector.inspect(&delivery, "http://x/", 0)).as_deref(),
            Some("valid")
        );
        // Outside the signed field, the body is no longer JSON: the receiver cannot decode it.
        let edited = String::from_utf8(delivery.body.to_vec()).unwrap().replacen(
            r#""webhook":"payin.update""#,
            r#""webhook":"payin.update","x":tru"#,
            1,
        );
        delivery.body = edited.into();
        for inspection in [
            inspector.inspect(&delivery, "http://x/", 0),
            inspector.inspect_checking_json(&delivery, "http://x/", 0),
        ] {
            assert_ne!(
                verdict(&inspection).as_deref(),
                Some("valid"),
                "{inspection:?}"
            );
            assert_eq!(inspection.json_object, Some(false));
        }
    }
}
