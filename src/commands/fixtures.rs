//! `hookctl fixtures`: the providers, a provider's events, or one event's rendered body.

use chrono::Utc;
use colored::Colorize;
use serde_json::json;

use super::Context;
use crate::catalogue::behaviour::Wait;
use crate::catalogue::path;
use crate::catalogue::render::Renderer;
use crate::cli::{FixturesAction, FixturesArgs};
use crate::compose::render_body;
use crate::error::{exit, UsageError};
use crate::output::body_text;

pub fn run(args: FixturesArgs, ctx: &Context) -> anyhow::Result<u8> {
    match (args.action, args.provider) {
        (
            Some(FixturesAction::Show {
                scenario: Some(scenario),
                provider,
                ..
            }),
            _,
        ) => show_scenario(ctx, &scenario, provider.as_deref()),
        (
            Some(FixturesAction::Show {
                event,
                provider,
                set,
                ..
            }),
            _,
        ) => show(
            ctx,
            event.as_deref().unwrap_or_default(),
            provider.as_deref(),
            &set,
        ),
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
    let secret_of = |p: &crate::catalogue::Provider| {
        p.spec
            .test_secret
            .clone()
            .unwrap_or_else(|| "(unsigned)".into())
    };
    let name_width = providers
        .iter()
        .map(|p| p.name.len())
        .max()
        .unwrap_or(0)
        .max(8);
    let secret_width = providers
        .iter()
        .map(|p| secret_of(p).len())
        .max()
        .unwrap_or(0)
        .max(20);
    let row = |name: &str, scheme: &str, events: &str, secret: &str, docs: &str| {
        format!("{name:<name_width$}  {scheme:<13}  {events:>6}  {secret:<secret_width$}  {docs}")
    };
    output.line(
        &row(
            "PROVIDER",
            "SCHEME",
            "EVENTS",
            "BUILT-IN TEST SECRET",
            "DOCS",
        )
        .bold()
        .to_string(),
    )?;
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
    delivery_behaviour(output, provider)?;
    scenarios(output, provider)?;
    if !output.json {
        output.line("Events:")?;
    }
    for event in &provider.events {
        let description = provider
            .spec
            .events
            .get(&event.name)
            .cloned()
            .unwrap_or_default();
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

/// The provider's scenarios: a `scenario` record each with `--json`.
fn scenarios(
    output: &crate::output::Output,
    provider: &crate::catalogue::Provider,
) -> std::io::Result<()> {
    if provider.scenarios.is_empty() {
        return Ok(());
    }
    if !output.json {
        output.line("Scenarios:")?;
    }
    for scenario in &provider.scenarios {
        let steps: Vec<&str> = scenario.steps.iter().map(|s| s.event.as_str()).collect();
        if output.json {
            output.record(
                "scenario",
                json!({
                    "provider": provider.name,
                    "name": scenario.name,
                    "qualified": format!("{}:{}", provider.name, scenario.name),
                    "title": scenario.title,
                    "description": scenario.description,
                    "steps": steps,
                }),
            )?;
        } else {
            output.line(&format!(
                "  {:<38} {}",
                scenario.name,
                scenario.title.dimmed()
            ))?;
            output.line(&format!("  {:<38} {}", "", steps.join(" → ").dimmed()))?;
        }
    }
    Ok(())
}

/// A scenario's steps, each rendered as one run would send it.
fn show_scenario(ctx: &Context, query: &str, provider: Option<&str>) -> anyhow::Result<u8> {
    let query = match (provider, query.contains(':')) {
        (Some(provider), false) => format!("{provider}:{query}"),
        _ => query.to_string(),
    };
    let (provider, scenario) = ctx.catalogue.resolve_scenario(&query)?;
    let now = Utc::now();
    let runs = scenario
        .render_run(&mut Renderer::new(now, "", ""))
        .map_err(anyhow::Error::msg)?;
    let output = &ctx.output;
    if !output.json {
        output.line(&format!(
            "{} — {}",
            scenario.title.bold(),
            scenario.description
        ))?;
    }
    for (number, (step, sets)) in scenario.steps.iter().zip(&runs).enumerate() {
        let event = provider
            .event(&step.event)
            .expect("a scenario's events were checked when it loaded");
        let id = Renderer::new(now, "", &event.name)
            .text(&provider.spec.id_format)
            .map_err(anyhow::Error::msg)?;
        let body = render_body(
            provider,
            event,
            &mut Renderer::new(now, &id, &event.name),
            sets,
        )?;
        let documented = if step.documented {
            "documented"
        } else {
            "inferred"
        };
        if output.json {
            let parsed: serde_json::Value = serde_json::from_slice(&body)?;
            output.record(
                "body",
                json!({
                    "provider": provider.name,
                    "scenario": scenario.name,
                    "step": number + 1,
                    "event": event.name,
                    "id": id,
                    "wait_ms": step.wait.map(|w| w.as_millis() as u64),
                    "documented": step.documented,
                    "body": parsed,
                }),
            )?;
        } else {
            let wait = step
                .wait
                .map(|w| format!(", after {}", Wait(w)))
                .unwrap_or_default();
            output.line(
                &format!(
                    "\n# step {}/{}: {} ({documented}{wait})",
                    number + 1,
                    runs.len(),
                    event.name
                )
                .bold()
                .to_string(),
            )?;
            output.line(&body_text(&body))?;
        }
    }
    Ok(exit::SUCCESS)
}

/// How the provider delivers: its `[delivery]` table.
fn delivery_behaviour(
    output: &crate::output::Output,
    provider: &crate::catalogue::Provider,
) -> std::io::Result<()> {
    let delivery = &provider.spec.delivery;
    let schedule: Vec<String> = delivery
        .schedule()
        .into_iter()
        .map(|wait| Wait(wait).to_string())
        .collect();
    let renewed = if provider.spec.scheme.has_tolerance() {
        "the same id and body; the timestamp and signature are renewed"
    } else {
        "the same bytes"
    };
    if output.json {
        let stop_header = delivery
            .stop_header
            .as_ref()
            .map(|h| json!({"name": h.name, "value": h.value}));
        return output.record(
            "delivery_behaviour",
            json!({
                "provider": provider.name,
                "attempts": delivery.attempts(),
                "timeout_ms": delivery.timeout.map(|t| t.0.as_millis() as u64),
                "schedule": schedule,
                "schedule_ms": delivery.schedule().iter().map(|w| w.as_millis() as u64).collect::<Vec<_>>(),
                "span_ms": delivery.span().as_millis() as u64,
                "failure": delivery.failure,
                "stop_statuses": delivery.stop_statuses,
                "stop_header": stop_header,
                "after_last": delivery.after_last,
                "each_attempt": renewed,
                "source": delivery.source,
                "note": delivery.note,
            }),
        );
    }
    let timeout = delivery
        .timeout
        .map_or("timeout not documented".to_string(), |t| {
            format!("{t} per attempt")
        });
    let attempts = match delivery.attempts() {
        1 => "1 attempt, no automatic retries".to_string(),
        n => format!("{n} attempts over {}", Wait(delivery.span())),
    };
    output.line(&format!(
        "{} {attempts} ({}); {timeout}",
        "Delivery:".bold(),
        delivery.source.label()
    ))?;
    if !delivery.retries.is_empty() || delivery.then_every.is_some() {
        let mut waits: Vec<String> = delivery.retries.iter().map(ToString::to_string).collect();
        if let Some(every) = delivery.then_every {
            waits.push(format!("then every {every}"));
        }
        output.line(&format!("  retries after: {}", waits.join(", ")))?;
    }
    output.line(&format!("  fails on: {}", delivery.failure))?;
    let mut stops: Vec<String> = delivery
        .stop_statuses
        .iter()
        .map(ToString::to_string)
        .collect();
    stops.extend(
        delivery
            .stop_header
            .iter()
            .map(|h| format!("{}: {}", h.name, h.value)),
    );
    if !stops.is_empty() {
        output.line(&format!("  stops on: {}", stops.join("; ")))?;
    }
    if let Some(after) = &delivery.after_last {
        output.line(&format!("  after the last: {after}"))?;
    }
    if delivery.attempts() > 1 {
        output.line(&format!("  each attempt: {renewed}"))?;
    }
    if let Some(note) = &delivery.note {
        output.line(&format!("  {} {note}", "note:".dimmed()))?;
    }
    Ok(())
}

fn show(ctx: &Context, query: &str, provider: Option<&str>, sets: &[String]) -> anyhow::Result<u8> {
    let (provider, event) = ctx.catalogue.resolve(query, provider)?;
    let sets = sets
        .iter()
        .map(|s| path::parse_assignment(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(UsageError::new)?;
    let now = Utc::now();
    let id = Renderer::new(now, "", &event.name)
        .text(&provider.spec.id_format)
        .map_err(anyhow::Error::msg)?;
    let body = render_body(
        provider,
        event,
        &mut Renderer::new(now, &id, &event.name),
        &sets,
    )?;
    if ctx.output.json {
        let parsed: serde_json::Value = serde_json::from_slice(&body)?;
        ctx.output.record(
            "body",
            json!({"provider": provider.name, "event": event.name, "id": id, "body": parsed}),
        )?;
    } else {
        ctx.output.line(&body_text(&body))?;
    }
    Ok(exit::SUCCESS)
}
