//! Fixture bodies compiled once per run into bytes with slots, so that each delivery of a long run
//! is written by filling in fresh values instead of rendering a JSON tree and encoding it again.
//!
//! Compiling reuses the encoders rather than imitating them: every string of the template that holds
//! a placeholder is swapped for a marker, the marked template is encoded once in the provider's
//! format, and the output is cut at the markers. Filling writes each slot as the encoder writes a
//! whole JSON string or number, so the bytes are those of the slow path; a test compares the two for
//! every fixture in the catalogue.
//!
//! Treezor signs `object_payload` as PHP writes it. Its body is PHP-written too, so the payload's
//! bytes in the body are the signed bytes: the signature is computed over that stretch of the output
//! and written into its own slot.

use serde_json::{Map, Value};

use crate::catalogue::path::{self, Segment};
use crate::catalogue::render::{numeric_placeholder, text_parts, Renderer, TextPart};
use crate::catalogue::{BodyFormat, Event};
use crate::compose::encode;
use crate::scheme::{php_json, treezor};

/// A fixture body as literal bytes and slots.
#[derive(Debug)]
pub struct CompiledBody {
    format: BodyFormat,
    body: Vec<Piece>,
    /// Treezor's `object_payload`, PHP-written; empty unless the body is signed in place.
    payload: Vec<Piece>,
    signs_in_place: bool,
    /// The length of the last compiled output, to size each body's buffer once.
    size_hint: usize,
}

#[derive(Debug)]
enum Piece {
    Literal(Box<[u8]>),
    /// A template string with placeholders, cut into its parts once, rendered and written as a
    /// JSON string.
    Text(Vec<TextPart<Box<str>>>),
    /// A placeholder that gives a JSON number (`int:N`, `now:unix`, …).
    Number(String),
    /// Treezor's `object_payload`, written from [`CompiledBody::payload`].
    Payload,
    /// Treezor's `object_payload_signature`.
    Signature,
}

/// Marks a slot in the encoded template: `"` MARK index `~~"`. Letters, digits, `-` and `~` are
/// written as they are by every encoder here.
const MARK: &str = "~~hookctl-slot-";

impl CompiledBody {
    /// Compile an event's template with `--set` applied, in `format`. `sign_in_place` asks for a
    /// Treezor signature slot. `None` when the template is outside what compiling handles (keys
    /// with placeholders, placeholders in `--set` values, a Treezor body that is not PHP-written or
    /// has no `object_payload`); the caller then renders each body the slow way.
    pub fn compile(
        event: &Event,
        format: BodyFormat,
        sets: &[(Vec<Segment>, Value)],
        sign_in_place: bool,
    ) -> Option<CompiledBody> {
        if sets.iter().any(|(_, value)| has_placeholder_or_mark(value)) || has_mark(&event.template) {
            return None;
        }
        let mut template = event.template.clone();
        for (segments, value) in sets {
            path::set(&mut template, segments, value.clone()).ok()?;
        }
        let mut slots = Vec::new();
        let mut payload = Vec::new();
        if sign_in_place {
            if format != BodyFormat::Php {
                return None;
            }
            let object = template.as_object_mut()?;
            let payload_template = object.get_mut(treezor::PAYLOAD_FIELD)?;
            let marked_payload = mark(payload_template, &mut slots)?;
            payload = split(&php_json::encode(&marked_payload), &mut slots)?;
            *payload_template = Value::String(marker(slots.len()));
            slots.push(Some(Piece::Payload));
            // As `treezor::sign_value` does: the field keeps its place, or is added at the end.
            object.insert(treezor::SIGNATURE_FIELD.to_string(), Value::String(marker(slots.len())));
            slots.push(Some(Piece::Signature));
        }
        let marked = mark(&template, &mut slots)?;
        let encoded = encode(format, &marked);
        let size_hint = encoded.len() + 64;
        let body = split(&encoded, &mut slots)?;
        Some(CompiledBody { format, body, payload, signs_in_place: sign_in_place, size_hint })
    }

    /// Whether [`CompiledBody::fill`] signs the body (Treezor), so it needs the secret.
    pub fn signs_in_place(&self) -> bool {
        self.signs_in_place
    }

    /// Write one body with fresh values from `renderer`; `secret` signs Treezor's payload in place.
    pub fn fill(&self, renderer: &mut Renderer<'_>, secret: Option<&str>) -> Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(self.size_hint);
        let mut payload_span = 0..0;
        let mut signature_at = None;
        for piece in &self.body {
            match piece {
                Piece::Payload => {
                    let start = out.len();
                    fill_pieces(&self.payload, BodyFormat::Php, renderer, &mut out)?;
                    payload_span = start..out.len();
                }
                Piece::Signature => signature_at = Some(out.len()),
                other => fill_pieces(std::slice::from_ref(other), self.format, renderer, &mut out)?,
            }
        }
        if let Some(at) = signature_at {
            let secret = secret.ok_or("a Treezor body signed in place needs a secret")?;
            let signature = treezor::signature_of_encoded(secret, &out[payload_span]);
            let mut written = Vec::with_capacity(signature.len() + 8);
            php_json::write_string(&mut written, &signature);
            out.splice(at..at, written);
        }
        Ok(out)
    }
}

fn fill_pieces(
    pieces: &[Piece],
    format: BodyFormat,
    renderer: &mut Renderer<'_>,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    for piece in pieces {
        match piece {
            Piece::Literal(bytes) => out.extend_from_slice(bytes),
            Piece::Text(template) => {
                let text = renderer.text_from_parts(template)?;
                match format {
                    BodyFormat::Php => php_json::write_string(out, &text),
                    BodyFormat::Compact | BodyFormat::Pretty => {
                        serde_json::to_writer(&mut *out, &text).map_err(|e| e.to_string())?
                    }
                }
            }
            Piece::Number(spec) => {
                let number = renderer.number(spec)?;
                match format {
                    BodyFormat::Php => php_json::write_number(out, &number),
                    BodyFormat::Compact | BodyFormat::Pretty => {
                        serde_json::to_writer(&mut *out, &number).map_err(|e| e.to_string())?
                    }
                }
            }
            // Only the body holds these, and `fill` handles them itself.
            Piece::Payload | Piece::Signature => {}
        }
    }
    Ok(())
}

fn marker(index: usize) -> String {
    format!("{MARK}{index}~~")
}

/// A copy of `template` with every string that holds a placeholder swapped for a marker, its slot
/// pushed onto `slots`. `None` when an object key holds a placeholder.
fn mark(template: &Value, slots: &mut Vec<Option<Piece>>) -> Option<Value> {
    Some(match template {
        Value::String(text) if text.contains("{{") => {
            let piece = match numeric_placeholder(text) {
                Some(spec) => Piece::Number(spec.to_string()),
                None => Piece::Text(
                    text_parts(text)
                        .map(|part| match part.ok()? {
                            TextPart::Literal(literal) => Some(TextPart::Literal(literal.into())),
                            TextPart::Placeholder(spec) => Some(TextPart::Placeholder(spec.into())),
                        })
                        .collect::<Option<_>>()?,
                ),
            };
            slots.push(Some(piece));
            Value::String(marker(slots.len() - 1))
        }
        Value::Array(items) => Value::Array(items.iter().map(|item| mark(item, slots)).collect::<Option<_>>()?),
        Value::Object(map) => {
            let mut marked = Map::with_capacity(map.len());
            for (key, item) in map {
                if key.contains("{{") {
                    return None;
                }
                marked.insert(key.clone(), mark(item, slots)?);
            }
            Value::Object(marked)
        }
        other => other.clone(),
    })
}

/// Cut encoded output at its markers (each with its quotes), taking each marker's slot.
fn split(encoded: &[u8], slots: &mut [Option<Piece>]) -> Option<Vec<Piece>> {
    let opening = format!("\"{MARK}");
    let mut pieces = Vec::new();
    let mut rest = encoded;
    while let Some(start) = find(rest, opening.as_bytes()) {
        if start > 0 {
            pieces.push(Piece::Literal(rest[..start].into()));
        }
        let after = &rest[start + opening.len()..];
        let digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
        let index: usize = std::str::from_utf8(&after[..digits]).ok()?.parse().ok()?;
        let closing = &after[digits..];
        if !closing.starts_with(b"~~\"") {
            return None;
        }
        pieces.push(slots.get_mut(index)?.take()?);
        rest = &closing[3..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Literal(rest.into()));
    }
    Some(pieces)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

fn has_mark(value: &Value) -> bool {
    any_string(value, &|s| s.contains(MARK))
}

fn has_placeholder_or_mark(value: &Value) -> bool {
    any_string(value, &|s| s.contains("{{") || s.contains(MARK))
}

/// Whether any string in a value, keys included, satisfies `test`.
fn any_string(value: &Value, test: &dyn Fn(&str) -> bool) -> bool {
    match value {
        Value::String(s) => test(s),
        Value::Array(items) => items.iter().any(|item| any_string(item, test)),
        Value::Object(map) => map.iter().any(|(key, item)| test(key) || any_string(item, test)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::catalogue::Catalogue;
    use crate::compose::render_body_signed;

    fn fixed_now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-03-01T09:15:27.123456Z").unwrap().with_timezone(&Utc)
    }

    /// Every fixture of every provider, filled from its compiled form, gives the bytes the slow
    /// path gives with the same random values: signed in place for Treezor, and with `--set`.
    #[test]
    fn compiled_bodies_equal_rendered_ones_for_every_fixture() {
        let catalogue = Catalogue::embedded().unwrap();
        let sets = [(path::parse("extra.note").unwrap(), Value::String("ö/\"x\"".into()))];
        let mut compiled_events = 0;
        for provider in catalogue.providers() {
            let format = provider.spec.body_format;
            let secret = provider.spec.test_secret.as_deref();
            let treezor = provider.spec.scheme == crate::scheme::SchemeKind::Treezor;
            for event in &provider.events {
                for sets in [&[][..], &sets[..]] {
                    let mut probe = Renderer::seeded(fixed_now(), "the-id", &event.name, 0);
                    if render_body_signed(provider, event, &mut probe, sets, secret).is_err() {
                        // A body whose root cannot take the --set: compiling declines it too.
                        assert!(CompiledBody::compile(event, format, sets, treezor).is_none(), "{}", event.origin);
                        continue;
                    }
                    let compiled = CompiledBody::compile(event, format, sets, treezor)
                        .unwrap_or_else(|| panic!("{} does not compile", event.origin));
                    compiled_events += 1;
                    for seed in 0..3 {
                        let mut slow = Renderer::seeded(fixed_now(), "the-id", &event.name, seed);
                        let expected = render_body_signed(provider, event, &mut slow, sets, secret).unwrap();
                        let mut fast = Renderer::seeded(fixed_now(), "the-id", &event.name, seed);
                        let filled = compiled.fill(&mut fast, secret).unwrap();
                        assert_eq!(
                            String::from_utf8_lossy(&filled),
                            String::from_utf8_lossy(&expected),
                            "{} (seed {seed}, {} sets)",
                            event.origin,
                            sets.len()
                        );
                    }
                }
            }
        }
        assert!(compiled_events > 150, "{compiled_events}");
    }

    #[test]
    fn templates_outside_its_reach_are_left_to_the_slow_path() {
        let event = |template: Value| Event { name: "e".into(), template, origin: "test".into() };
        let keyed = event(serde_json::json!({"{{uuid}}": 1}));
        assert!(CompiledBody::compile(&keyed, BodyFormat::Compact, &[], false).is_none());
        let marked = event(serde_json::json!({"a": "~~hookctl-slot-0~~"}));
        assert!(CompiledBody::compile(&marked, BodyFormat::Compact, &[], false).is_none());
        let plain = event(serde_json::json!({"a": "{{uuid}}"}));
        let placeholder_set = [(path::parse("b").unwrap(), Value::String("{{uuid}}".into()))];
        assert!(CompiledBody::compile(&plain, BodyFormat::Compact, &placeholder_set, false).is_none());
        assert!(CompiledBody::compile(&plain, BodyFormat::Php, &[], true).is_none(), "no object_payload");
        assert!(CompiledBody::compile(&plain, BodyFormat::Compact, &[], false).is_some());
    }
}
