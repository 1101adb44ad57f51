//! From a catalogue event to a signed delivery: render the fixture, apply `--set`, write the body
//! the way the provider writes it, sign it, and assemble the headers.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::Value;
use url::Url;

use crate::catalogue::path::{self, Segment};
use crate::catalogue::render::Renderer;
use crate::catalogue::{Event, Provider};
use crate::config::Secret;
use crate::delivery::{Delivery, Headers};
use crate::scheme::{self, SignRequest};

pub mod compiled;

pub use compiled::CompiledBody;

/// Everything about one delivery that is not in the catalogue.
pub struct ComposeOptions<'a> {
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

impl<'a> ComposeOptions<'a> {
    /// A delivery of the event as the catalogue has it, to `url`, unsigned; set the rest with
    /// struct update syntax.
    pub fn new(url: &'a Url) -> Self {
        ComposeOptions {
            url,
            secret: None,
            sets: &[],
            raw_body: None,
            id: None,
            now: None,
            extra_headers: &[],
            compiled: None,
        }
    }
}

/// A delivery ready to go, with what is worth reporting about it.
#[derive(Debug, Clone)]
pub struct Composed {
    pub delivery: Delivery,
    pub id: String,
    /// What was signed, and with which secret's source.
    pub signing: String,
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
    Ok(provider
        .spec
        .body_format
        .encode(&render_value(event, renderer, sets)?))
}

fn render_value(
    event: &Event,
    renderer: &mut Renderer<'_>,
    sets: &[(Vec<Segment>, Value)],
) -> Result<Value, ComposeError> {
    let fixture_error = |why: String| ComposeError::Fixture {
        origin: event.origin.clone(),
        why,
    };
    let mut value = renderer.value(&event.template).map_err(fixture_error)?;
    for (segments, new) in sets {
        path::set(&mut value, segments, new.clone()).map_err(|why| ComposeError::Set {
            path: describe_path(segments),
            why,
        })?;
    }
    Ok(value)
}

/// Render an event's body the slow way (a JSON tree, then encoded), signed in place when the
/// scheme signs inside the body and `secret` is given. (What [`CompiledBody`] is compared with.)
#[cfg(test)]
pub(crate) fn render_body_signed(
    provider: &Provider,
    event: &Event,
    renderer: &mut Renderer<'_>,
    sets: &[(Vec<Segment>, Value)],
    secret: Option<&str>,
) -> Result<Vec<u8>, ComposeError> {
    render_body_signed_noting(provider, event, renderer, sets, secret).map(|(body, _)| body)
}

/// As `render_body_signed`; the second value says what was signed in place, if anything.
fn render_body_signed_noting(
    provider: &Provider,
    event: &Event,
    renderer: &mut Renderer<'_>,
    sets: &[(Vec<Segment>, Value)],
    secret: Option<&str>,
) -> Result<(Vec<u8>, Option<&'static str>), ComposeError> {
    let mut value = render_value(event, renderer, sets)?;
    let signed =
        secret.and_then(|secret| scheme::sign_value(provider.spec.scheme, secret, &mut value));
    Ok((provider.spec.body_format.encode(&value), signed))
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
pub fn compose(
    provider: &Provider,
    event: &Event,
    options: &ComposeOptions<'_>,
) -> Result<Composed, ComposeError> {
    let now = options.now.unwrap_or_else(Utc::now);
    let id = match options.id {
        Some(id) => id.to_string(),
        None => Renderer::new(now, "", &event.name)
            .text_from_compiled(&provider.spec.id_parts)
            .map_err(|why| ComposeError::Fixture {
                origin: format!("{}/provider.toml", provider.origin),
                why,
            })?,
    };
    let kind = provider.spec.scheme;
    let mut renderer = Renderer::new(now, &id, &event.name);
    // A signature that is a field of the body is set in the rendered value before it is written
    // once, rather than writing, parsing and splicing (the bytes are the same; this is the fast path).
    let in_body_secret = options.secret.filter(|_| kind.in_body().is_some());
    let (body, signed) = match (options.raw_body, options.compiled) {
        (Some(raw), _) => (raw.to_vec(), None),
        (None, Some(compiled)) => {
            let secret = in_body_secret
                .filter(|_| compiled.signs_in_place())
                .map(|s| s.value.as_str());
            let body =
                compiled
                    .fill(&mut renderer, secret)
                    .map_err(|why| ComposeError::Fixture {
                        origin: event.origin.clone(),
                        why,
                    })?;
            (body, secret.and(kind.in_body()).map(|in_body| in_body.note))
        }
        (None, None) => render_body_signed_noting(
            provider,
            event,
            &mut renderer,
            options.sets,
            in_body_secret.map(|s| s.value.as_str()),
        )?,
    };
    let signed_in_place = signed.map(|note| {
        let source = in_body_secret
            .map(|s| s.source.to_string())
            .unwrap_or_default();
        format!("{note} ({source})")
    });

    let mut headers = Headers::new();
    headers.push("Content-Type", provider.spec.content_type.clone());
    for (name, template) in &provider.spec.header_parts {
        let value = renderer
            .text_from_compiled(template)
            .map_err(|why| ComposeError::Fixture {
                origin: format!("{}/provider.toml", provider.origin),
                why,
            })?;
        headers.push(name, value);
    }

    let (body, signing, plaintext) = match (options.secret, signed_in_place) {
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
            let plaintext = kind.encrypts().then(|| Bytes::from(body));
            (
                signed.body,
                format!("{} ({})", signed.note, secret.source),
                plaintext,
            )
        }
        (None, None) => (
            body,
            "unsigned (the provider does not sign)".to_string(),
            None,
        ),
    };
    for (name, value) in options.extra_headers {
        headers.set(name, value.clone());
    }
    let target = match options.url.query() {
        Some(query) => format!("{}?{query}", options.url.path()),
        None => options.url.path().to_string(),
    };
    Ok(Composed {
        delivery: Delivery {
            method: "POST".into(),
            target,
            headers,
            body: Bytes::from(body),
        },
        id,
        signing,
        plaintext,
    })
}
