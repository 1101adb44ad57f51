//! The fuzzy pickers shown when a command needs an event and a person is at the terminal.

use dialoguer::theme::ColorfulTheme;
use dialoguer::FuzzySelect;
use std::sync::Arc;

use crate::catalogue::{Catalogue, Event, Provider};

/// Ask for a provider (unless given), then one of its events.
pub fn event<'c>(
    catalogue: &'c Catalogue,
    provider: Option<&str>,
) -> anyhow::Result<(&'c Arc<Provider>, &'c Event)> {
    let theme = ColorfulTheme::default();
    let provider = match provider {
        Some(name) => catalogue.provider(name)?,
        None => {
            let items: Vec<String> = catalogue
                .providers()
                .iter()
                .map(|p| {
                    format!(
                        "{:<14} {} ({} events)",
                        p.name,
                        p.spec.title,
                        p.events.len()
                    )
                })
                .collect();
            let chosen = FuzzySelect::with_theme(&theme)
                .with_prompt("Provider")
                .items(&items)
                .default(0)
                .interact()?;
            &catalogue.providers()[chosen]
        }
    };
    let items: Vec<String> = provider
        .events
        .iter()
        .map(|e| match provider.spec.events.get(&e.name) {
            Some(description) => format!("{:<36} {description}", e.name),
            None => e.name.clone(),
        })
        .collect();
    let chosen = FuzzySelect::with_theme(&theme)
        .with_prompt(format!("{} event", provider.spec.title))
        .items(&items)
        .default(0)
        .interact()?;
    Ok((provider, &provider.events[chosen]))
}
