//! From a catalogue event to a signed delivery: render the fixture, apply `--set`, write the body
//! the way the provider writes it, sign it, and assemble the headers.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::Value;
use url::Url;

use crate::catalogue::path::{self, Segment};
use crate::catalogue::render::Renderer;
use crate::catalogue::{BodyFormat, Event, Provider};
use crate::config::Secret;
use crate::delivery::{Delivery, Headers};
use crate::scheme::{self, php_json, treezor, SchemeKind, SignRequest};
use crate::template::CompiledBody;

/// Everything about one delivery that is not in the catalogue.
pub struct Compose<'a> {
    pub url: &'a Url,
    pub secret: Option<&'a Secret>,
    /// `--set` assignments, applied in order.
    pub sets: &'a [(Vec<Segment>, Value)],
    /// `--body`: bytes to send instead of the rendered fixture.
    pub raw_body: Option<&'a Bytes>,
    /// `--webhook-id`: the delivery id to use instead of a fresh one.
    pub id: Option<&'a str>,
    /// `--timestamp`: the time to render and sign with instead of now.
    pub now: Option<DateTime<Utc>>,
    /// `-H`: headers that replace or add to the provider's.
    pub extra_headers: &'a [(String, String)],
    /// The event's body compiled for this run (with these `--set`s), when it could be.
    pub compiled: Option<&'a CompiledBody>,
}

/// A delivery ready to go, with what is worth reporting about it.
#[derive(Debug, Clone)]
pub struct Composed {
    pub delivery: Delivery,
    pub id: String,
    /// What was signed, and with which secret's source.
    pub note: String,
    /// The body before encryption, where the scheme encrypts.
    pub plaintext: Option<Bytes>,
}

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("{origin}: {why}")]
    Fixture { origin: String, why: String },
    #[error("--set {path}: {why}")]
    Set { path: String, why: String },
    #[error(transparent)]
    Sign(#[from] scheme::SignError),
}

/// Render an event's body: placeholders filled, `--set` applied, written in the provider's format.
pub fn render_body(
    provider: &Provider,
    event: &Event,
    renderer: &mut Renderer<'_>,
    sets: &[(Vec<Segment>, Value)],
) -> Result<Vec<u8>, ComposeError> {
    Ok(encode(provider.spec.body_format, &render_value(event, renderer, sets)?))
}

fn render_value(
    event: &Event,
    renderer: &mut Renderer<'_>,
    sets: &[(Vec<Segment>, Value)],
) -> Result<Value, ComposeError> {
    let fixture_error = |why: String| ComposeError::Fixture { origin: event.origin.clone(), why };
    let mut value = renderer.value(&event.template).map_err(fixture_error)?;
    for (segments, new) in sets {
        path::set(&mut value, segments, new.clone())
            .map_err(|why| ComposeError::Set { path: describe_path(segments), why })?;
    }
    Ok(value)
}

/// Render an event's body the slow way (a JSON tree, then encoded), with Treezor's signature set
/// in place when `treezor_secret` is given. (What [`CompiledBody`] is compared with.)
#[cfg(test)]
pub(crate) fn render_body_signed(
    provider: &Provider,
    event: &Event,
    renderer: &mut Renderer<'_>,
    sets: &[(Vec<Segment>, Value)],
    treezor_secret: Option<&str>,
) -> Result<Vec<u8>, ComposeError> {
    render_body_signed_noting(provider, event, renderer, sets, treezor_secret).map(|(body, _)| body)
}

/// As `render_body_signed`; the second value says whether the body was signed in place.
fn render_body_signed_noting(
    provider: &Provider,
    event: &Event,
    renderer: &mut Renderer<'_>,
    sets: &[(Vec<Segment>, Value)],
    treezor_secret: Option<&str>,
) -> Result<(Vec<u8>, bool), ComposeError> {
    let mut value = render_value(event, renderer, sets)?;
    let signed = match (provider.spec.scheme, treezor_secret) {
        (SchemeKind::Treezor, Some(secret)) => treezor::sign_value(secret, &mut value).is_some(),
        _ => false,
    };
    Ok((encode(provider.spec.body_format, &value), signed))
}

/// Write a value in a provider's body format.
pub(crate) fn encode(format: BodyFormat, value: &Value) -> Vec<u8> {
    match format {
        BodyFormat::Compact => serde_json::to_vec(value).expect("a JSON value always serialises"),
        BodyFormat::Pretty => serde_json::to_vec_pretty(value).expect("a JSON value always serialises"),
        BodyFormat::Php => php_json::encode(value),
    }
}

fn describe_path(segments: &[Segment]) -> String {
    segments
        .iter()
        .map(|s| match s {
            Segment::Key(k) => k.clone(),
            Segment::Index(i) => format!("[{i}]"),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Build one signed delivery of an event.
pub fn compose(provider: &Provider, event: &Event, options: &Compose<'_>) -> Result<Composed, ComposeError> {
    let now = options.now.unwrap_or_else(Utc::now);
    let id = match options.id {
        Some(id) => id.to_string(),
        None => Renderer::new(now, "", &event.name)
            .text(&provider.spec.id_format)
            .map_err(|why| ComposeError::Fixture { origin: format!("{}/provider.toml", provider.origin), why })?,
    };
    let kind = provider.spec.scheme;
    let mut renderer = Renderer::new(now, &id, &event.name);
    // Treezor's signature is a field of the body: sign the rendered value before writing it once,
    // rather than writing, parsing and splicing (the bytes are the same; this is the fast path).
    let treezor_secret = options.secret.filter(|_| kind == SchemeKind::Treezor);
    let (body, signed) = match (options.raw_body, options.compiled) {
        (Some(raw), _) => (raw.to_vec(), false),
        (None, Some(compiled)) => {
            let secret = treezor_secret.filter(|_| compiled.signs_in_place()).map(|s| s.value.as_str());
            let body = compiled
                .fill(&mut renderer, secret)
                .map_err(|why| ComposeError::Fixture { origin: event.origin.clone(), why })?;
            (body, secret.is_some())
        }
        (None, None) => render_body_signed_noting(
            provider,
            event,
            &mut renderer,
            options.sets,
            treezor_secret.map(|s| s.value.as_str()),
        )?,
    };
    let signed_in_place = signed.then(|| {
        let source = treezor_secret.map(|s| s.source.to_string()).unwrap_or_default();
        format!("{} ({source})", treezor::NOTE)
    });

    let mut headers = Headers::new();
    headers.push("Content-Type", provider.spec.content_type.clone());
    for (name, template) in provider.header_templates() {
        let value = renderer
            .text(template)
            .map_err(|why| ComposeError::Fixture { origin: format!("{}/provider.toml", provider.origin), why })?;
        headers.push(name, value);
    }

    let (body, note, plaintext) = match (options.secret, signed_in_place) {
        (_, Some(note)) => (body, note, None),
        (Some(secret), None) => {
            let request = SignRequest {
                secret: &secret.value,
                body: &body,
                url: options.url.as_str(),
                id: &id,
                timestamp: now.timestamp(),
                options: &provider.spec.options,
            };
            let signed = scheme::sign(kind, &request)?;
            for (name, value) in signed.headers {
                headers.set(&name, value);
            }
            let plaintext = (kind == SchemeKind::Bankingcircle).then(|| Bytes::from(body));
            (signed.body, format!("{} ({})", signed.note, secret.source), plaintext)
        }
        (None, None) => (body, "unsigned (the provider does not sign)".to_string(), None),
    };
    for (name, value) in options.extra_headers {
        headers.set(name, value.clone());
    }
    let target = match options.url.query() {
        Some(query) => format!("{}?{query}", options.url.path()),
        None => options.url.path().to_string(),
    };
    Ok(Composed {
        delivery: Delivery { method: "POST".into(), target, headers, body: Bytes::from(body) },
        id,
        note,
        plaintext,
    })
}
