//! `hookctl fixtures`: the providers, a provider's events, or one event's rendered body.

use chrono::Utc;
use colored::Colorize;

use super::Context;
use crate::catalogue::behaviour::Wait;
use crate::catalogue::path;
use crate::catalogue::render::Renderer;
use crate::cli::{FixturesAction, FixturesArgs};
use crate::compose::render_body;
use crate::error::{exit, UsageError};
use crate::output::catalogue_view;
use crate::output::records::{
    BehaviourInfo, EventInfo, ProviderInfo, Record, RenderedBody, ScenarioInfo,
};

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
    let providers: Vec<ProviderInfo<'_>> = ctx
        .catalogue
        .providers()
        .iter()
        .map(|p| ProviderInfo::of(p))
        .collect();
    output.emit_table(&providers, |p| Record::Provider(p.clone()))?;
    output.note(
        &"\nList a provider's events with `hookctl fixtures PROVIDER`; send one with `hookctl send EVENT`.\n\
         The built-in test secrets are used when no secret is configured; they are public, for testing only.",
    )?;
    Ok(exit::SUCCESS)
}

fn events(ctx: &Context, name: &str) -> anyhow::Result<u8> {
    let provider = ctx.catalogue.provider(name)?;
    let output = &ctx.output;
    output.text(&catalogue_view::provider_heading(provider))?;
    output.emit(&Record::DeliveryBehaviour(BehaviourInfo::of(provider)))?;
    if !provider.scenarios.is_empty() {
        output.text(&"Scenarios:")?;
    }
    for scenario in &provider.scenarios {
        output.emit(&Record::Scenario(ScenarioInfo {
            provider: &provider.name,
            name: &scenario.name,
            qualified: format!("{}:{}", provider.name, scenario.name),
            title: &scenario.title,
            description: &scenario.description,
            steps: scenario.steps.iter().map(|s| s.event.as_str()).collect(),
        }))?;
    }
    output.text(&"Events:")?;
    for event in &provider.events {
        let description = provider.spec.events.get(&event.name);
        output.emit(&Record::Event(EventInfo {
            provider: &provider.name,
            event: &event.name,
            qualified: format!("{}:{}", provider.name, event.name),
            description: description.map_or("", String::as_str),
        }))?;
    }
    Ok(exit::SUCCESS)
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
    output.text(&format_args!(
        "{} — {}",
        scenario.title.bold(),
        scenario.description
    ))?;
    for (number, (step, sets)) in scenario.steps.iter().zip(&runs).enumerate() {
        let event = provider
            .event(&step.event)
            .expect("a scenario's events were checked when it loaded");
        let (id, body) = rendered(provider, event, now, sets)?;
        let documented = if step.documented {
            "documented"
        } else {
            "inferred"
        };
        let wait = step
            .wait
            .map(|w| format!(", after {}", Wait(w)))
            .unwrap_or_default();
        output.emit(&Record::Body(RenderedBody {
            provider: &provider.name,
            scenario: Some(&scenario.name),
            step: Some(number + 1),
            event: &event.name,
            id: &id,
            wait_ms: Some(step.wait.map(|w| w.as_millis() as u64)),
            documented: Some(step.documented),
            body: serde_json::from_slice(&body)?,
            bytes: &body,
            heading: Some(format!(
                "# step {}/{}: {} ({documented}{wait})",
                number + 1,
                runs.len(),
                event.name
            )),
        }))?;
    }
    Ok(exit::SUCCESS)
}

fn show(ctx: &Context, query: &str, provider: Option<&str>, sets: &[String]) -> anyhow::Result<u8> {
    let (provider, event) = ctx.catalogue.resolve(query, provider)?;
    let sets = sets
        .iter()
        .map(|s| path::parse_assignment(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(UsageError::new)?;
    let (id, body) = rendered(provider, event, Utc::now(), &sets)?;
    ctx.output.emit(&Record::Body(RenderedBody {
        provider: &provider.name,
        scenario: None,
        step: None,
        event: &event.name,
        id: &id,
        wait_ms: None,
        documented: None,
        body: serde_json::from_slice(&body)?,
        bytes: &body,
        heading: None,
    }))?;
    Ok(exit::SUCCESS)
}

/// An event's body as one delivery would carry it, with a fresh id in the provider's format.
fn rendered(
    provider: &crate::catalogue::Provider,
    event: &crate::catalogue::Event,
    now: chrono::DateTime<Utc>,
    sets: &[(Vec<path::Segment>, serde_json::Value)],
) -> anyhow::Result<(String, Vec<u8>)> {
    let id = Renderer::new(now, "", &event.name)
        .text_from_compiled(&provider.spec.id_parts)
        .map_err(anyhow::Error::msg)?;
    let body = render_body(
        provider,
        event,
        &mut Renderer::new(now, &id, &event.name),
        sets,
    )?;
    Ok((id, body))
}
