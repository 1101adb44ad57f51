//! `hookctl fixtures`: the providers, a provider's events, or one event's rendered body.

use chrono::Utc;
use colored::Colorize;
use serde_json::json;

use super::Context;
use crate::catalogue::path;
use crate::catalogue::render::Renderer;
use crate::cli::{FixturesAction, FixturesArgs};
use crate::compose::render_body;
use crate::error::{exit, UsageError};
use crate::output::body_text;

pub fn run(args: FixturesArgs, ctx: &Context) -> anyhow::Result<u8> {
    match (args.action, args.provider) {
        (Some(FixturesAction::Show { event, provider, set }), _) => show(ctx, &event, provider.as_deref(), &set),
        (None, Some(provider)) => events(ctx, &provider),
        (None, None) => providers(ctx),
    }
}

fn providers(ctx: &Context) -> anyhow::Result<u8> {
    let output = &ctx.output;
    let providers = ctx.catalogue.providers();
    if output.json {
        for provider in providers {
            let spec = &provider.spec;
            output.record(
                "provider",
                json!({
                    "name": provider.name,
                    "title": spec.title,
                    "scheme": spec.scheme.name(),
                    "signature": spec.scheme.summary(),
                    "events": provider.events.len(),
                    "content_type": spec.content_type,
                    "success": spec.success.to_string(),
                    "test_secret": spec.test_secret,
                    "docs": spec.docs,
                }),
            )?;
        }
        return Ok(exit::SUCCESS);
    }
    let secret_of = |p: &crate::catalogue::Provider| p.spec.test_secret.clone().unwrap_or_else(|| "(unsigned)".into());
    let name_width = providers.iter().map(|p| p.name.len()).max().unwrap_or(0).max(8);
    let secret_width = providers.iter().map(|p| secret_of(p).len()).max().unwrap_or(0).max(20);
    let row = |name: &str, scheme: &str, events: &str, secret: &str, docs: &str| {
        format!("{name:<name_width$}  {scheme:<13}  {events:>6}  {secret:<secret_width$}  {docs}")
    };
    output.line(&row("PROVIDER", "SCHEME", "EVENTS", "BUILT-IN TEST SECRET", "DOCS").bold().to_string())?;
    for provider in providers {
        let spec = &provider.spec;
        output.line(&row(
            &provider.name,
            spec.scheme.name(),
            &provider.events.len().to_string(),
            &secret_of(provider),
            &spec.docs,
        ))?;
    }
    output.note(
        "\nList a provider's events with `hookctl fixtures PROVIDER`; send one with `hookctl send EVENT`.\n\
         The built-in test secrets are used when no secret is configured; they are public, for testing only.",
    );
    Ok(exit::SUCCESS)
}

fn events(ctx: &Context, name: &str) -> anyhow::Result<u8> {
    let provider = ctx.catalogue.provider(name)?;
    let output = &ctx.output;
    if !output.json {
        output.line(&format!(
            "{} ({}, {}): {} events",
            provider.spec.title.bold(),
            provider.spec.scheme.summary(),
            provider.spec.content_type,
            provider.events.len()
        ))?;
    }
    for event in &provider.events {
        let description = provider.spec.events.get(&event.name).cloned().unwrap_or_default();
        if output.json {
            output.record(
                "event",
                json!({
                    "provider": provider.name,
                    "event": event.name,
                    "qualified": format!("{}:{}", provider.name, event.name),
                    "description": description,
                }),
            )?;
        } else {
            output.line(&format!("  {:<38} {}", event.name, description.dimmed()))?;
        }
    }
    Ok(exit::SUCCESS)
}

fn show(ctx: &Context, query: &str, provider: Option<&str>, sets: &[String]) -> anyhow::Result<u8> {
    let (provider, event) = ctx.catalogue.resolve(query, provider)?;
    let sets =
        sets.iter().map(|s| path::parse_assignment(s)).collect::<Result<Vec<_>, _>>().map_err(UsageError::new)?;
    let now = Utc::now();
    let id = Renderer::new(now, "", &event.name).text(&provider.spec.id_format).map_err(anyhow::Error::msg)?;
    let body = render_body(provider, event, &mut Renderer::new(now, &id, &event.name), &sets)?;
    if ctx.output.json {
        let parsed: serde_json::Value = serde_json::from_slice(&body)?;
        ctx.output.record("body", json!({"provider": provider.name, "event": event.name, "id": id, "body": parsed}))?;
    } else {
        ctx.output.line(&body_text(&body))?;
    }
    Ok(exit::SUCCESS)
}
