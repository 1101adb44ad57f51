//! How `fixtures` shows the catalogue: the providers as a table, a provider's delivery
//! behaviour, scenarios and events, and rendered bodies.

use std::fmt;

use colored::Colorize;

use super::body_text;
use super::records::{BehaviourInfo, EventInfo, ProviderInfo, RenderedBody, ScenarioInfo};
use super::table::Row;
use crate::catalogue::behaviour::Wait;
use crate::catalogue::Provider;

impl ProviderInfo<'_> {
    pub fn of(provider: &Provider) -> ProviderInfo<'_> {
        let spec = &provider.spec;
        ProviderInfo {
            name: &provider.name,
            title: &spec.title,
            scheme: spec.scheme.name(),
            signature: spec.scheme.summary(),
            events: provider.events.len(),
            content_type: &spec.content_type,
            success: spec.success.to_string(),
            test_secret: spec.test_secret.as_deref(),
            docs: &spec.docs,
        }
    }
}

impl Row for ProviderInfo<'_> {
    const HEADER: &'static [&'static str] = &[
        "PROVIDER",
        "SCHEME",
        "EVENTS",
        "BUILT-IN TEST SECRET",
        "DOCS",
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.name.to_string(),
            self.scheme.to_string(),
            format!("{:>6}", self.events),
            self.test_secret.unwrap_or("(unsigned)").to_string(),
            self.docs.to_string(),
        ]
    }
}

impl fmt::Display for ProviderInfo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.cells().join("  "))
    }
}

/// A provider's heading in `fixtures PROVIDER`.
pub fn provider_heading(provider: &Provider) -> String {
    format!(
        "{} ({}, {}): {} events",
        provider.spec.title.bold(),
        provider.spec.scheme.summary(),
        provider.spec.content_type,
        provider.events.len()
    )
}

impl fmt::Display for EventInfo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "  {:<38} {}", self.event, self.description.dimmed())
    }
}

impl fmt::Display for ScenarioInfo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  {:<38} {}", self.name, self.title.dimmed())?;
        write!(f, "  {:<38} {}", "", self.steps.join(" → ").dimmed())
    }
}

impl BehaviourInfo<'_> {
    /// The `[delivery]` table of a provider, as a record.
    pub fn of(provider: &Provider) -> BehaviourInfo<'_> {
        let delivery = &provider.spec.delivery;
        let mut retries: Vec<String> = delivery.retries.iter().map(ToString::to_string).collect();
        if let Some(every) = delivery.then_every {
            retries.push(format!("then every {every}"));
        }
        BehaviourInfo {
            provider: &provider.name,
            attempts: delivery.attempts(),
            timeout_ms: delivery.timeout.map(|t| t.0.as_millis() as u64),
            schedule: delivery
                .schedule()
                .into_iter()
                .map(|wait| Wait(wait).to_string())
                .collect(),
            schedule_ms: delivery
                .schedule()
                .iter()
                .map(|w| w.as_millis() as u64)
                .collect(),
            span_ms: delivery.span().as_millis() as u64,
            failure: &delivery.failure,
            stop_statuses: &delivery.stop_statuses,
            stop_header: delivery
                .stop_header
                .as_ref()
                .map(|h| super::records::HeaderShown {
                    name: &h.name,
                    value: &h.value,
                }),
            after_last: delivery.after_last.as_deref(),
            each_attempt: if provider.spec.scheme.has_tolerance() {
                "the same id and body; the timestamp and signature are renewed"
            } else {
                "the same bytes"
            },
            source: delivery.source,
            note: delivery.note.as_deref(),
            retries,
        }
    }
}

impl fmt::Display for BehaviourInfo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let timeout = self
            .timeout_ms
            .map_or("timeout not documented".into(), |t| {
                format!("{} per attempt", Wait(std::time::Duration::from_millis(t)))
            });
        let attempts = match self.attempts {
            1 => "1 attempt, no automatic retries".to_string(),
            n => format!(
                "{n} attempts over {}",
                Wait(std::time::Duration::from_millis(self.span_ms))
            ),
        };
        write!(
            f,
            "{} {attempts} ({}); {timeout}",
            "Delivery:".bold(),
            self.source.label()
        )?;
        if !self.retries.is_empty() {
            write!(f, "\n  retries after: {}", self.retries.join(", "))?;
        }
        write!(f, "\n  fails on: {}", self.failure)?;
        let mut stops: Vec<String> = self.stop_statuses.iter().map(ToString::to_string).collect();
        stops.extend(
            self.stop_header
                .iter()
                .map(|h| format!("{}: {}", h.name, h.value)),
        );
        if !stops.is_empty() {
            write!(f, "\n  stops on: {}", stops.join("; "))?;
        }
        if let Some(after) = self.after_last {
            write!(f, "\n  after the last: {after}")?;
        }
        if self.attempts > 1 {
            write!(f, "\n  each attempt: {}", self.each_attempt)?;
        }
        if let Some(note) = self.note {
            write!(f, "\n  {} {note}", "note:".dimmed())?;
        }
        Ok(())
    }
}

/// The body as text, under the step's heading for a scenario.
impl fmt::Display for RenderedBody<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(heading) = &self.heading {
            writeln!(f, "\n{}", heading.bold())?;
        }
        f.write_str(&body_text(self.bytes))
    }
}
