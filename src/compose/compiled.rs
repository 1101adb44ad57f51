//! Fixture bodies compiled once per run into bytes with slots, so that each delivery of a long run
//! is written by filling in fresh values instead of rendering a JSON tree and encoding it again.
//!
//! Compiling reuses the encoders rather than imitating them: every string of the template that holds
//! a placeholder is swapped for a marker, the marked template is encoded once in the provider's
//! format, and the output is cut at the markers. Filling writes each slot as the encoder writes a
//! whole JSON string or number, so the bytes are those of the slow path; a test compares the two for
//! every fixture in the catalogue.
//!
//! A scheme that signs inside the body ([`InBody`]) signs one field's value in its canonical form.
//! When the body's format writes that value in canonical form already, the field's bytes in the
//! body are the signed bytes: the signature is computed over that stretch of the output and written
//! into its own slot.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Map, Value};

use crate::catalogue::path::{self, Segment};
use crate::catalogue::render::{
    compile_text, number_fits_64_bits, numeric_placeholder, CompiledPart, Renderer, Spec,
};
use crate::catalogue::{BodyFormat, Event};
use crate::scheme::InBody;

/// A fixture body as literal bytes and slots.
#[derive(Debug)]
pub struct CompiledBody {
    format: BodyFormat,
    body: Vec<Piece>,
    /// The signed field's value, in canonical form; empty unless the body is signed in place.
    payload: Vec<Piece>,
    /// How the body is signed in place, when it is.
    in_body: Option<&'static InBody>,
    /// The longest body filled so far (at first the encoded template's length and a margin), to
    /// size each body's buffer once: filled values and a signature outgrow the template, and the
    /// buffer's growth was most of a send's `memmove` (BENCHMARKS.md).
    size_hint: AtomicUsize,
}

#[derive(Debug)]
enum Piece {
    Literal(Box<[u8]>),
    /// A template string with placeholders, compiled once, rendered and written as a JSON
    /// string.
    Text(Vec<CompiledPart>),
    /// A placeholder that gives a JSON number (`int:N`, `now:unix`, …).
    Number(Spec),
    /// The signed field's value, written from [`CompiledBody::payload`].
    Payload,
    /// The signature field's value.
    Signature,
}

/// Marks a slot in the encoded template: `"` MARK index `~~"`. Letters, digits, `-` and `~` are
/// written as they are by every encoder here.
const MARK: &str = "~~hookctl-slot-";

impl CompiledBody {
    /// Compile an event's template with `--set` applied, in `format`. `in_body` asks for a
    /// signature slot. `None` when the template is outside what compiling handles (keys with
    /// placeholders, placeholders in `--set` values, a body signed in place whose signed field is
    /// missing or not written in canonical form); the caller then renders each body the slow way.
    pub fn compile(
        event: &Event,
        format: BodyFormat,
        sets: &[(Vec<Segment>, Value)],
        in_body: Option<&'static InBody>,
    ) -> Option<CompiledBody> {
        if sets.iter().any(|(_, value)| has_placeholder_or_mark(value)) || has_mark(&event.template)
        {
            return None;
        }
        let mut template = event.template.clone();
        for (segments, value) in sets {
            path::set(&mut template, segments, value.clone()).ok()?;
        }
        let mut slots = Vec::new();
        let mut payload = Vec::new();
        if let Some(in_body) = in_body {
            let object = template.as_object_mut()?;
            let payload_template = object.get_mut(in_body.covers)?;
            let first_slot = slots.len();
            let marked_payload = mark(payload_template, &mut slots)?;
            // The signed bytes are the canonical form of what the body holds. Only where the body
            // writes the value in that form already, and every fresh number comes back unchanged
            // from a receiver's decoding (canonical forms read integers beyond 64 bits as floats),
            // can the signature be computed over the bytes as they are filled in.
            let canonical = (in_body.canonical)(&marked_payload);
            let numbers_fit = slots[first_slot..].iter().all(|slot| {
                !matches!(slot, Some(Piece::Number(spec)) if !number_fits_64_bits(spec.written()))
            });
            if format.encode(&marked_payload) != canonical || !numbers_fit {
                return None;
            }
            payload = split(&canonical, &mut slots)?;
            *payload_template = Value::String(marker(slots.len()));
            slots.push(Some(Piece::Payload));
            // As `scheme::sign_value` does: the field keeps its place, or is added at the end.
            object.insert(
                in_body.field.to_string(),
                Value::String(marker(slots.len())),
            );
            slots.push(Some(Piece::Signature));
        }
        let marked = mark(&template, &mut slots)?;
        let encoded = format.encode(&marked);
        let size_hint = AtomicUsize::new(encoded.len() + 64);
        let body = split(&encoded, &mut slots)?;
        Some(CompiledBody {
            format,
            body,
            payload,
            in_body,
            size_hint,
        })
    }

    /// Whether [`CompiledBody::fill`] signs the body, so it needs the secret.
    pub fn signs_in_place(&self) -> bool {
        self.in_body.is_some()
    }

    /// Write one body with fresh values from `renderer`; `secret` signs the body in place.
    pub fn fill(
        &self,
        renderer: &mut Renderer<'_>,
        secret: Option<&str>,
    ) -> Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(self.size_hint.load(Ordering::Relaxed));
        let mut payload_span = 0..0;
        let mut signature_at = None;
        for piece in &self.body {
            match piece {
                Piece::Payload => {
                    let start = out.len();
                    fill_pieces(&self.payload, self.format, renderer, &mut out)?;
                    payload_span = start..out.len();
                }
                Piece::Signature => signature_at = Some(out.len()),
                other => fill_pieces(std::slice::from_ref(other), self.format, renderer, &mut out)?,
            }
        }
        if let (Some(at), Some(in_body)) = (signature_at, self.in_body) {
            let secret = secret.ok_or("a body signed in place needs a secret")?;
            let signature = (in_body.signature)(secret, &out[payload_span]);
            let mut written = Vec::with_capacity(signature.len() + 8);
            (in_body.write_signature)(&mut written, &signature);
            out.splice(at..at, written);
        }
        self.size_hint.fetch_max(out.len(), Ordering::Relaxed);
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
                format.write_string(out, &renderer.text_from_compiled(template)?)
            }
            Piece::Number(spec) => format.write_number(out, &renderer.number_of(spec)?),
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
            // A placeholder that does not read is left to the slow path, which reports it.
            let piece = match numeric_placeholder(text) {
                Some(spec) => Piece::Number(Spec::parse(spec).ok()?),
                None => Piece::Text(compile_text(text).ok()?),
            };
            slots.push(Some(piece));
            Value::String(marker(slots.len() - 1))
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| mark(item, slots))
                .collect::<Option<_>>()?,
        ),
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
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
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
        Value::Object(map) => map
            .iter()
            .any(|(key, item)| test(key) || any_string(item, test)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::catalogue::Catalogue;
    use crate::compose::render_body_signed;
    use crate::scheme::InBody;

    fn fixed_now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-03-01T09:15:27.123456Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    /// A JSON value from its text (test data is written as JSON).
    fn parsed(text: &str) -> serde_json::Value {
        serde_json::from_str(text).expect("test data is JSON")
    }

    /// Every fixture of every provider, filled from its compiled form, gives the bytes the slow
    /// path gives with the same random values: signed in place for Treezor, and with `--set`.
    #[test]
    fn compiled_bodies_equal_rendered_ones_for_every_fixture() {
        let catalogue = Catalogue::embedded().unwrap();
        let sets = [(
            path::parse("extra.note").unwrap(),
            Value::String("ö/\"x\"".into()),
        )];
        let mut compiled_events = 0;
        for provider in catalogue.providers() {
            let format = provider.spec.body_format;
            let secret = provider.spec.test_secret.as_deref();
            let in_body: Option<&'static InBody> = provider.spec.scheme.in_body();
            for event in &provider.events {
                for sets in [&[][..], &sets[..]] {
                    let mut probe = Renderer::seeded(fixed_now(), "the-id", &event.name, 0);
                    if render_body_signed(provider, event, &mut probe, sets, secret).is_err() {
                        // A body whose root cannot take the --set: compiling declines it too.
                        assert!(
                            CompiledBody::compile(event, format, sets, in_body).is_none(),
                            "{}",
                            event.origin
                        );
                        continue;
                    }
                    let compiled = CompiledBody::compile(event, format, sets, in_body)
                        .unwrap_or_else(|| panic!("{} does not compile", event.origin));
                    compiled_events += 1;
                    for seed in 0..3 {
                        let mut slow = Renderer::seeded(fixed_now(), "the-id", &event.name, seed);
                        let expected =
                            render_body_signed(provider, event, &mut slow, sets, secret).unwrap();
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
        let event = |template: Value| Event {
            name: "e".into(),
            template,
            origin: "test".into(),
        };
        let keyed = event(parsed(r#"{"{{uuid}}": 1}"#));
        assert!(CompiledBody::compile(&keyed, BodyFormat::Compact, &[], None).is_none());
        let marked = event(parsed(r#"{"a": "~~hookctl-slot-0~~"}"#));
        assert!(CompiledBody::compile(&marked, BodyFormat::Compact, &[], None).is_none());
        let plain = event(parsed(r#"{"a": "{{uuid}}"}"#));
        let placeholder_set = [(path::parse("b").unwrap(), Value::String("{{uuid}}".into()))];
        assert!(
            CompiledBody::compile(&plain, BodyFormat::Compact, &placeholder_set, None).is_none()
        );
        let in_body = crate::scheme::SchemeKind::Treezor.in_body();
        assert!(
            CompiledBody::compile(&plain, BodyFormat::Php, &[], in_body).is_none(),
            "no object_payload"
        );
        assert!(CompiledBody::compile(&plain, BodyFormat::Compact, &[], None).is_some());
        // What a receiver would read back otherwise than it was written goes the slow way: PHP
        // writes -0.0 as -0 and reads that as 0, and reads integers beyond 64 bits as floats.
        let negative_zero = event(parsed(
            r#"{"object_payload": {"amount": -0.0, "id": "{{uuid}}"}}"#,
        ));
        assert!(CompiledBody::compile(&negative_zero, BodyFormat::Php, &[], in_body).is_none());
        let huge = event(parsed(r#"{"object_payload": {"n": "{{int:19}}"}}"#));
        assert!(CompiledBody::compile(&huge, BodyFormat::Php, &[], in_body).is_none());
        let fits = event(parsed(
            r#"{"object_payload": {"n": "{{int:18}}", "id": "{{uuid}}"}}"#,
        ));
        assert!(CompiledBody::compile(&fits, BodyFormat::Php, &[], in_body).is_some());
    }
}
