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
    if !output.json {
        output.line(&format!(
            "{:<14} {:<14} {:>6}  {:<36} {}",
            "PROVIDER".bold(),
            "SCHEME".bold(),
            "EVENTS".bold(),
            "BUILT-IN TEST SECRET".bold(),
            "DOCS".bold()
        ))?;
    }
    for provider in ctx.catalogue.providers() {
        let spec = &provider.spec;
        if output.json {
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
        } else {
            output.line(&format!(
                "{:<14} {:<14} {:>6}  {:<36} {}",
                provider.name.bold(),
                spec.scheme.name(),
                provider.events.len(),
                spec.test_secret.as_deref().unwrap_or("(unsigned)"),
                spec.docs.dimmed()
            ))?;
        }
    }
    if !output.json {
        output.note(&format!(
            "\nList a provider's events with `hookctl fixtures PROVIDER`; send one with `hookctl send EVENT`.\n\
             The built-in test secrets are used when no secret is configured; they are public, for testing only."
        ));
    }
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
    let sets = sets.iter().map(|s| path::parse_assignment(s)).collect::<Result<Vec<_>, _>>().map_err(UsageError::new)?;
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
