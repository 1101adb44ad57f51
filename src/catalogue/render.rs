//! Placeholders in fixtures, filled in fresh on every send.
//!
//! A placeholder is `{{kind}}` or `{{kind@tag}}`; within one rendering, the same kind and tag give
//! the same value, so an object's id can appear in several places. Kinds:
//!
//! | kind | value |
//! |---|---|
//! | `id` | the delivery id (the provider's `id_format`, or `--webhook-id`) |
//! | `event` | the event name |
//! | `uuid` | a random UUID v4 |
//! | `digits:N` / `hex:N` / `alnum:N` | N random digits (no leading zero), hex digits, letters and digits |
//! | `int:N` | a JSON number of N random digits |
//! | `now:iso` / `now:iso_ms` / `now:rfc3339` | `2024-03-01T09:15:27Z`, `…27.123Z`, `…27+00:00` |
//! | `now:date` / `now:datetime` | `2024-03-01`, `2024-03-01 09:15:27` |
//! | `now:unix` / `now:unix_ms` / `now:treezor` | JSON numbers: seconds, milliseconds, 10⁻⁴ seconds |
//! | `signature` | an empty string, filled in by the signing scheme |
//!
//! A string that is exactly one numeric placeholder becomes a JSON number; anywhere else a
//! placeholder is replaced by its text.

use chrono::{DateTime, SecondsFormat, Utc};
use rand::rngs::{StdRng, ThreadRng};
use rand::{Rng, RngCore, SeedableRng};
use serde_json::{Map, Value};

/// What one rendering needs: the clock, the delivery id and the event name.
pub struct Renderer<'a> {
    pub now: DateTime<Utc>,
    pub id: &'a str,
    pub event: &'a str,
    /// Tagged values, by spec (`kind@tag`), in the order they were made: a handful at most, so
    /// looked through rather than hashed.
    shared: Vec<(String, String)>,
    random: Randomness,
}

/// Where random values come from: the thread's generator, or a seeded one so that two ways of
/// rendering the same fixture can be compared byte for byte.
enum Randomness {
    Thread(ThreadRng),
    Seeded(Box<StdRng>),
}

impl Randomness {
    fn rng(&mut self) -> &mut dyn RngCore {
        match self {
            Randomness::Thread(rng) => rng,
            Randomness::Seeded(rng) => rng.as_mut(),
        }
    }
}

impl<'a> Renderer<'a> {
    pub fn new(now: DateTime<Utc>, id: &'a str, event: &'a str) -> Self {
        Renderer {
            now,
            id,
            event,
            shared: Vec::new(),
            random: Randomness::Thread(rand::rng()),
        }
    }

    /// A renderer whose random values are the same for the same seed.
    pub fn seeded(now: DateTime<Utc>, id: &'a str, event: &'a str, seed: u64) -> Self {
        Renderer {
            random: Randomness::Seeded(Box::new(StdRng::seed_from_u64(seed))),
            ..Renderer::new(now, id, event)
        }
    }

    /// Render a template value.
    pub fn value(&mut self, template: &Value) -> Result<Value, String> {
        Ok(match template {
            Value::String(text) => self.string(text)?,
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.value(v))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => {
                let mut out = Map::with_capacity(map.len());
                for (key, item) in map {
                    out.insert(self.text(key)?, self.value(item)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }

    fn string(&mut self, text: &str) -> Result<Value, String> {
        if let Some(spec) = numeric_placeholder(text) {
            return self.number(spec).map(Value::Number);
        }
        // `{{@tag}}` alone is a number when the tag was defined by a numeric placeholder.
        if let Some(tag) = text
            .strip_prefix("{{@")
            .and_then(|t| t.strip_suffix("}}"))
            .filter(|t| !t.contains('{'))
        {
            let numeric = self
                .shared
                .iter()
                .any(|(spec, _)| split_tag(spec).1 == Some(tag) && is_numeric(split_tag(spec).0));
            if numeric {
                return self.number(&format!("@{tag}")).map(Value::Number);
            }
        }
        Ok(Value::String(self.text(text)?))
    }

    /// The value of a numeric placeholder (see [`numeric_placeholder`]).
    pub(crate) fn number(&mut self, spec: &str) -> Result<serde_json::Number, String> {
        self.number_of(&Spec::parse(spec)?)
    }

    /// [`Renderer::number`] for a spec read once.
    pub(crate) fn number_of(&mut self, spec: &Spec) -> Result<serde_json::Number, String> {
        let digits = self.value_of(spec)?;
        serde_json::from_str(&digits)
            .map_err(|_| format!("{{{{{}}}}} did not give a number", spec.written))
    }

    /// Replace every placeholder in a piece of text.
    pub fn text(&mut self, text: &str) -> Result<String, String> {
        if !text.contains("{{") {
            return Ok(text.to_string());
        }
        self.text_from_compiled(&compile_text(text)?)
    }

    /// [`Renderer::text`] for text compiled once (see [`compile_text`]), as compiled bodies keep
    /// it, so that a long run neither looks for the braces nor reads a spec again per delivery.
    pub(crate) fn text_from_compiled(&mut self, parts: &[CompiledPart]) -> Result<String, String> {
        if let [CompiledPart::Placeholder(spec)] = parts {
            return self.value_of(spec);
        }
        let mut out = String::with_capacity(64);
        for part in parts {
            match part {
                CompiledPart::Literal(literal) => out.push_str(literal),
                CompiledPart::Placeholder(spec) => out.push_str(&self.value_of(spec)?),
            }
        }
        Ok(out)
    }

    /// The value of a placeholder read once.
    fn value_of(&mut self, spec: &Spec) -> Result<String, String> {
        match (spec.kind, spec.tagged) {
            (Some(kind), false) => self.generate(kind),
            // `{{@tag}}`: the value an earlier `{{kind@tag}}` gave.
            (None, _) => {
                let tag = split_tag(&spec.written).1.unwrap_or_default();
                self.shared
                    .iter()
                    .find(|(defined, _)| split_tag(defined).1 == Some(tag))
                    .map(|(_, value)| value.clone())
                    .ok_or_else(|| {
                        format!("{{{{@{tag}}}}} is used before anything defines the tag")
                    })
            }
            (Some(kind), true) => {
                let written = &*spec.written;
                if let Some((_, value)) = self.shared.iter().find(|(key, _)| key == written) {
                    return Ok(value.clone());
                }
                let value = self.generate(kind)?;
                self.shared.push((written.to_string(), value.clone()));
                Ok(value)
            }
        }
    }

    fn generate(&mut self, kind: Kind) -> Result<String, String> {
        let now = self.now;
        let rng = self.random.rng();
        Ok(match kind {
            Kind::Id => self.id.to_string(),
            Kind::Event => self.event.to_string(),
            Kind::Signature => String::new(),
            // From the renderer's generator rather than the system's: one system call less per value.
            Kind::Uuid => uuid::Builder::from_random_bytes(rng.random())
                .into_uuid()
                .to_string(),
            Kind::Digits(n) => {
                let mut s = String::with_capacity(n);
                s.push(char::from(b'1' + rng.random_range(0..9u8)));
                (1..n).for_each(|_| s.push(char::from(b'0' + rng.random_range(0..10u8))));
                s
            }
            Kind::Hex(n) => (0..n)
                .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
                .collect(),
            Kind::Alnum(n) => {
                const ALPHABET: &[u8] =
                    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
                (0..n)
                    .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                    .collect()
            }
            Kind::Now(Clock::Iso) => now.to_rfc3339_opts(SecondsFormat::Secs, true),
            Kind::Now(Clock::IsoMs) => now.to_rfc3339_opts(SecondsFormat::Millis, true),
            Kind::Now(Clock::Rfc3339) => now.to_rfc3339_opts(SecondsFormat::Secs, false),
            Kind::Now(Clock::Date) => now.format("%Y-%m-%d").to_string(),
            Kind::Now(Clock::DateTime) => now.format("%Y-%m-%d %H:%M:%S").to_string(),
            Kind::Now(Clock::Unix) => now.timestamp().to_string(),
            Kind::Now(Clock::UnixMs) => now.timestamp_millis().to_string(),
            // Treezor counts webhook_created_at in units of 10⁻⁴ s.
            Kind::Now(Clock::Treezor) => (now.timestamp_micros() / 100).to_string(),
        })
    }
}

/// A placeholder's spec, read once: what it makes, and whether a tag shares its value.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    /// As written, without braces: the key a tagged value is shared under.
    written: Box<str>,
    /// `None` for `{{@tag}}`, which repeats a value made earlier.
    kind: Option<Kind>,
    tagged: bool,
}

impl Spec {
    pub(crate) fn written(&self) -> &str {
        &self.written
    }

    pub(crate) fn parse(spec: &str) -> Result<Spec, String> {
        let (kind, tag) = split_tag(spec);
        Ok(Spec {
            written: spec.into(),
            kind: match tag {
                Some(_) if kind.is_empty() => None,
                _ => Some(Kind::parse(kind)?),
            },
            tagged: tag.is_some(),
        })
    }
}

/// What a placeholder makes (the table at the top of this module).
#[derive(Debug, Clone, Copy)]
enum Kind {
    Id,
    Event,
    Signature,
    Uuid,
    /// `digits:N` and `int:N` (which is a number where it is a whole string).
    Digits(usize),
    Hex(usize),
    Alnum(usize),
    Now(Clock),
}

#[derive(Debug, Clone, Copy)]
enum Clock {
    Iso,
    IsoMs,
    Rfc3339,
    Date,
    DateTime,
    Unix,
    UnixMs,
    Treezor,
}

impl Kind {
    fn parse(kind: &str) -> Result<Kind, String> {
        let (name, arg) = match kind.split_once(':') {
            Some((name, arg)) => (name, Some(arg)),
            None => (kind, None),
        };
        let length = || -> Result<usize, String> {
            match arg.map(str::parse::<usize>) {
                Some(Ok(n)) if (1..=256).contains(&n) => Ok(n),
                _ => Err(format!(
                    "{{{{{kind}}}}} needs a length from 1 to 256, like {{{{{name}:12}}}}"
                )),
            }
        };
        Ok(match (name, arg) {
            ("id", None) => Kind::Id,
            ("event", None) => Kind::Event,
            ("signature", None) => Kind::Signature,
            ("uuid", None) => Kind::Uuid,
            ("digits" | "int", _) => Kind::Digits(length()?),
            ("hex", _) => Kind::Hex(length()?),
            ("alnum", _) => Kind::Alnum(length()?),
            ("now", Some("iso")) => Kind::Now(Clock::Iso),
            ("now", Some("iso_ms")) => Kind::Now(Clock::IsoMs),
            ("now", Some("rfc3339")) => Kind::Now(Clock::Rfc3339),
            ("now", Some("date")) => Kind::Now(Clock::Date),
            ("now", Some("datetime")) => Kind::Now(Clock::DateTime),
            ("now", Some("unix")) => Kind::Now(Clock::Unix),
            ("now", Some("unix_ms")) => Kind::Now(Clock::UnixMs),
            ("now", Some("treezor")) => Kind::Now(Clock::Treezor),
            _ => return Err(format!("unknown placeholder {{{{{kind}}}}}")),
        })
    }
}

fn split_tag(spec: &str) -> (&str, Option<&str>) {
    match spec.split_once('@') {
        Some((kind, tag)) => (kind, Some(tag)),
        None => (spec, None),
    }
}

/// The placeholder a string consists of, when it is exactly one that gives a JSON number.
pub(crate) fn numeric_placeholder(text: &str) -> Option<&str> {
    let inner = text.strip_prefix("{{")?.strip_suffix("}}")?;
    if inner.contains("{{") {
        return None;
    }
    let spec = inner.trim();
    is_numeric(split_tag(spec).0).then_some(spec)
}

/// Whether every number a numeric placeholder gives fits in 64 bits (`int:N` has N digits).
pub(crate) fn number_fits_64_bits(spec: &str) -> bool {
    match split_tag(spec).0.strip_prefix("int:") {
        Some(digits) => digits.parse::<usize>().is_ok_and(|n| n <= 18),
        None => true,
    }
}

fn is_numeric(kind: &str) -> bool {
    kind.starts_with("int:") || matches!(kind, "now:unix" | "now:unix_ms" | "now:treezor")
}

/// Check that every placeholder in a template is known, by rendering it once.
pub fn check_template(template: &Value) -> Result<(), String> {
    Renderer::new(Utc::now(), "id", "event")
        .value(template)
        .map(|_| ())
}

/// Check the placeholders in a piece of text.
pub fn check_text(text: &str) -> Result<(), String> {
    check_compiled(&compile_text(text)?)
}

/// [`check_text`] for text already compiled.
pub(crate) fn check_compiled(parts: &[CompiledPart]) -> Result<(), String> {
    Renderer::new(Utc::now(), "id", "event")
        .text_from_compiled(parts)
        .map(|_| ())
}

/// A piece of template text: as it is, or a placeholder's spec (without braces, trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
enum TextPart<'a> {
    Literal(&'a str),
    Placeholder(&'a str),
}

/// A piece of template text compiled once: as it is, or a placeholder already read.
#[derive(Debug, Clone)]
pub(crate) enum CompiledPart {
    Literal(Box<str>),
    Placeholder(Spec),
}

/// Cut template text at its placeholders and read each one.
pub(crate) fn compile_text(text: &str) -> Result<Vec<CompiledPart>, String> {
    text_parts(text)
        .map(|part| {
            Ok(match part? {
                TextPart::Literal(literal) => CompiledPart::Literal(literal.into()),
                TextPart::Placeholder(spec) => CompiledPart::Placeholder(Spec::parse(spec)?),
            })
        })
        .collect()
}

/// Cut template text at its `{{…}}` placeholders; an unclosed one is an error.
fn text_parts(text: &str) -> impl Iterator<Item = Result<TextPart<'_>, String>> {
    let mut rest = Some(text);
    let mut pending: Option<&str> = None;
    std::iter::from_fn(move || {
        if let Some(spec) = pending.take() {
            return Some(Ok(TextPart::Placeholder(spec)));
        }
        let current = rest?;
        match current.find("{{") {
            None => {
                rest = None;
                (!current.is_empty()).then_some(Ok(TextPart::Literal(current)))
            }
            Some(start) => {
                let after = &current[start + 2..];
                let Some(end) = after.find("}}") else {
                    rest = None;
                    return Some(Err(format!("unclosed placeholder in {text:?}")));
                };
                rest = Some(&after[end + 2..]);
                let spec = after[..end].trim();
                if start == 0 {
                    Some(Ok(TextPart::Placeholder(spec)))
                } else {
                    pending = Some(spec);
                    Some(Ok(TextPart::Literal(&current[..start])))
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JSON value from its text (test data is written as JSON).
    fn parsed(text: &str) -> serde_json::Value {
        serde_json::from_str(text).expect("test data is JSON")
    }

    #[test]
    fn text_is_cut_at_its_placeholders() {
        let parts = |text| text_parts(text).collect::<Result<Vec<_>, _>>();
        use TextPart::{Literal as L, Placeholder as P};
        assert_eq!(
            parts("a{{x}}b{{ y@t }}").unwrap(),
            [L("a"), P("x"), L("b"), P("y@t")]
        );
        assert_eq!(parts("{{uuid}}").unwrap(), [P("uuid")]);
        assert_eq!(parts("{{a}}{{b}}c").unwrap(), [P("a"), P("b"), L("c")]);
        assert_eq!(parts("plain").unwrap(), [L("plain")]);
        assert!(parts("").unwrap().is_empty());
        assert!(parts("x{{open").is_err());
    }

    fn fixed_now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-03-01T09:15:27.123456Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn renders_times_in_each_format() {
        let template = parsed(
            r#"{ "iso": "{{now:iso}}", "ms": "{{now:iso_ms}}", "off": "{{now:rfc3339}}", "date": "{{now:date}}", "dt": "{{now:datetime}}", "unix": "{{now:unix}}", "unix_ms": "{{now:unix_ms}}", "tz": "{{now:treezor}}", "text": "at {{now:unix}}" }"#,
        );
        let out = Renderer::new(fixed_now(), "x", "e")
            .value(&template)
            .unwrap();
        assert_eq!(
            out,
            parsed(
                r#"{ "iso": "2024-03-01T09:15:27Z", "ms": "2024-03-01T09:15:27.123Z", "off": "2024-03-01T09:15:27+00:00", "date": "2024-03-01", "dt": "2024-03-01 09:15:27", "unix": 1709284527, "unix_ms": 1709284527123, "tz": 17092845271234, "text": "at 1709284527" }"#
            )
        );
    }

    #[test]
    fn tags_share_values_and_untagged_are_fresh() {
        let template = parsed(
            r#"[ "{{uuid@a}}", "{{uuid@a}}", "{{uuid}}", "{{uuid}}", "{{id}}", "{{event}}", "pre-{{digits:6@a}}" ]"#,
        );
        let out = Renderer::new(fixed_now(), "the-id", "payin.update")
            .value(&template)
            .unwrap();
        let items: Vec<&str> = out
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(items[0], items[1]);
        assert_ne!(items[2], items[3]);
        assert_eq!(items[4], "the-id");
        assert_eq!(items[5], "payin.update");
        assert!(items[6].starts_with("pre-") && items[6].len() == 10);
    }

    #[test]
    fn a_reference_repeats_the_first_value_made_under_its_tag() {
        let template = parsed(r#"[ "{{uuid@a}}", "{{hex:8@a}}", "{{@a}}" ]"#);
        // Several renderings: a hash map's order would differ from one to the next.
        for _ in 0..8 {
            let out = Renderer::new(fixed_now(), "x", "e")
                .value(&template)
                .unwrap();
            assert_eq!(out[2], out[0]);
            assert_eq!(out[1].as_str().unwrap().len(), 8);
        }
    }

    #[test]
    fn the_catalogue_compiles_each_id_format_from_its_text() {
        let seeded = || Renderer::seeded(fixed_now(), "the-id", "e", 7);
        // Each provider's id format as the catalogue compiled it when it was loaded.
        let catalogue = crate::catalogue::Catalogue::load(None).unwrap();
        for provider in &catalogue.providers {
            let (text, compiled) = (&provider.spec.id_format, &provider.spec.id_parts);
            assert_eq!(
                seeded().text_from_compiled(compiled),
                seeded().text(text),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_unknown_and_malformed_placeholders() {
        assert!(check_text("{{nope}}")
            .unwrap_err()
            .contains("unknown placeholder"));
        assert!(check_text("{{digits}}").unwrap_err().contains("length"));
        assert!(check_text("{{uuid").unwrap_err().contains("unclosed"));
        assert!(check_template(&parsed(r#"{"a": ["{{int:4}}"]}"#)).is_ok());
    }
}
