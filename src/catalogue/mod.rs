//! The catalogue: every provider hookctl knows and every event it can send, as data.
//!
//! `fixtures/<provider>/provider.toml` describes a provider and `fixtures/<provider>/<event>.json`
//! is one event's body with placeholders (see [`render`]). The folder is embedded in the binary;
//! `--fixtures DIR` lays a folder of the same shape over it to add or override providers and events.

pub mod behaviour;
mod body;
pub mod path;
pub mod render;
pub mod scenario;

pub use behaviour::DeliveryBehaviour;
pub use body::{BodyFormat, StatusRule};
pub use scenario::Scenario;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use include_dir::{include_dir, Dir};
use serde::Deserialize;
use serde_json::Value;

use crate::scheme::{SchemeKind, SchemeOptions};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/fixtures");

/// How the listener recognises a provider's deliveries.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Detect {
    /// Any of these headers present means this provider.
    pub headers: Vec<String>,
    /// All of these top-level body keys present means this provider.
    pub body_keys: Vec<String>,
}

/// The contents of a `provider.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSpec {
    /// The provider's name as people write it.
    pub title: String,
    pub scheme: SchemeKind,
    pub content_type: String,
    #[serde(default)]
    pub body_format: BodyFormat,
    /// Where the event name is in the body (`webhook`, `data.type`, `[0].notificationType`).
    #[serde(default)]
    pub event_path: Option<String>,
    /// Where deliveries in an older form held the event name, tried after `event_path` (Banking
    /// Circle's captures from before its envelope object).
    #[serde(default)]
    pub older_event_paths: Vec<String>,
    /// The header that carries the event name (GitHub).
    #[serde(default)]
    pub event_header: Option<String>,
    /// Where the delivery id is in the body.
    #[serde(default)]
    pub id_path: Option<String>,
    /// The template of a fresh delivery id.
    #[serde(default = "default_id_format")]
    pub id_format: String,
    /// `id_format` compiled once, when the catalogue is loaded: every delivery made gets an id.
    #[serde(skip)]
    pub(crate) id_parts: Vec<render::CompiledPart>,
    pub docs: String,
    /// The secret used when none is configured; absent for unsigned providers.
    #[serde(default)]
    pub test_secret: Option<String>,
    /// What the provider counts as a successful delivery.
    #[serde(default = "default_success")]
    pub success: StatusRule,
    /// What a receiver answers when verification fails, as the provider asks.
    #[serde(default = "default_reject_status")]
    pub reject_status: u16,
    /// Headers sent with every delivery; values may hold placeholders.
    #[serde(default)]
    pub headers: toml::Table,
    /// `headers` with their values compiled once, when the catalogue is loaded, in file order.
    #[serde(skip)]
    pub(crate) header_parts: Vec<(String, Vec<render::CompiledPart>)>,
    #[serde(default)]
    pub detect: Detect,
    #[serde(default)]
    pub options: SchemeOptions,
    /// How the provider delivers: timeout, retry schedule, what stops retries.
    #[serde(default)]
    pub delivery: DeliveryBehaviour,
    /// How a receiver answers the events that need an answer of their own, by event name.
    #[serde(default)]
    pub replies: BTreeMap<String, Reply>,
    /// One line about each event, by event name.
    #[serde(default)]
    pub events: BTreeMap<String, String>,
}

/// An answer that an event needs, chosen by `listen --authorization approve|decline` (CryptoMate's
/// card authorisations are real-time decisions, answered with a response code).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    /// What the event asks for, in a few words for reports ("card authorisation").
    pub what: String,
    pub content_type: String,
    /// The body that approves.
    pub approve: String,
    /// The body that declines.
    pub decline: String,
    /// How soon the provider needs the answer, in milliseconds.
    #[serde(default)]
    pub deadline_ms: Option<u64>,
}

/// Which of a [`Reply`]'s answers to give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Decision {
    /// Answer with response code "00"
    Approve,
    /// Answer with response code "05"
    Decline,
}

impl Reply {
    pub fn body(&self, decision: Decision) -> &str {
        match decision {
            Decision::Approve => &self.approve,
            Decision::Decline => &self.decline,
        }
    }
}

fn default_id_format() -> String {
    "{{uuid}}".into()
}

fn default_success() -> StatusRule {
    StatusRule::Ranges(vec![(200, 299)])
}

fn default_reject_status() -> u16 {
    401
}

/// One event fixture: a body template.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: String,
    pub template: Value,
    /// Where it came from, for messages.
    pub origin: String,
}

/// A provider with its events and scenarios, sorted by name.
#[derive(Debug, Clone)]
pub struct Provider {
    pub name: String,
    pub spec: ProviderSpec,
    pub events: Vec<Event>,
    pub scenarios: Vec<Scenario>,
    pub origin: String,
}

impl Provider {
    pub fn scenario(&self, name: &str) -> Option<&Scenario> {
        self.scenarios
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// Read the scenario files of a folder, each checked against this provider's events.
    fn add_scenarios<'f>(
        &mut self,
        files: impl Iterator<Item = (String, String, &'f [u8])>,
    ) -> Result<(), LoadError> {
        for (name, shown, bytes) in files {
            let text =
                std::str::from_utf8(bytes).map_err(|_| file_error(&shown, "is not UTF-8"))?;
            let scenario = Scenario::parse(self, &name, &shown, text)
                .map_err(|why| file_error(&shown, why))?;
            match self.scenarios.iter_mut().find(|s| s.name == scenario.name) {
                Some(existing) => *existing = scenario,
                None => self.scenarios.push(scenario),
            }
        }
        Ok(())
    }

    pub fn event(&self, name: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.name == name).or_else(|| {
            self.events
                .iter()
                .find(|e| e.name.eq_ignore_ascii_case(name))
        })
    }
}

/// Why the catalogue could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{file}: {why}")]
    File { file: String, why: String },
}

fn file_error(file: impl Into<String>, why: impl fmt::Display) -> LoadError {
    LoadError::File {
        file: file.into(),
        why: why.to_string(),
    }
}

/// Why an event name could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("unknown provider {name:?}; known providers: {known}")]
    UnknownProvider { name: String, known: String },
    #[error("no event {name:?}{scope}{hint}")]
    UnknownEvent {
        name: String,
        scope: String,
        hint: String,
    },
    #[error("no scenario {name:?}{hint}")]
    UnknownScenario { name: String, hint: String },
    #[error("{name:?} is an event of several providers; say which: {choices}")]
    Ambiguous { name: String, choices: String },
}

/// All providers, sorted by name. Each is shared: a step that has found a delivery's provider
/// keeps the handle, and no later step looks it up again by name.
#[derive(Debug, Clone)]
pub struct Catalogue {
    providers: Vec<Arc<Provider>>,
}

impl Catalogue {
    /// The embedded catalogue, with an optional folder laid over it.
    pub fn load(overlay: Option<&Path>) -> Result<Self, LoadError> {
        let mut catalogue = Catalogue::embedded()?;
        if let Some(dir) = overlay {
            catalogue.overlay(dir)?;
        }
        Ok(catalogue)
    }

    pub fn embedded() -> Result<Self, LoadError> {
        let mut providers = Vec::new();
        for dir in EMBEDDED.dirs() {
            let name = dir.path().to_string_lossy().into_owned();
            let origin = format!("fixtures/{name}");
            let toml_file = dir
                .get_file(dir.path().join("provider.toml"))
                .ok_or_else(|| file_error(&origin, "has no provider.toml"))?;
            let spec = parse_spec(&format!("{origin}/provider.toml"), toml_file.contents())?;
            let mut provider = Provider {
                name,
                spec,
                events: Vec::new(),
                scenarios: Vec::new(),
                origin,
            };
            for file in dir.files() {
                let path = file.path();
                if path.extension().is_some_and(|e| e == "json") {
                    let event = parse_event(
                        &format!("fixtures/{}", path.display()),
                        path,
                        file.contents(),
                    )?;
                    provider.events.push(event);
                }
            }
            if let Some(scenarios) = dir.get_dir(dir.path().join("scenarios")) {
                let files = scenarios
                    .files()
                    .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
                    .map(|f| {
                        let name = f
                            .path()
                            .file_stem()
                            .map(|s| s.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        (
                            name,
                            format!("fixtures/{}", f.path().display()),
                            f.contents(),
                        )
                    });
                provider.add_scenarios(files)?;
            }
            providers.push(Arc::new(provider));
        }
        let mut catalogue = Catalogue { providers };
        catalogue.sort();
        Ok(catalogue)
    }

    /// Add or override providers and events from a folder laid out like `fixtures/`.
    pub fn overlay(&mut self, root: &Path) -> Result<(), LoadError> {
        let entries =
            std::fs::read_dir(root).map_err(|e| file_error(root.display().to_string(), e))?;
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let origin = dir.display().to_string();
            let toml_path = dir.join("provider.toml");
            let index = match self.providers.iter().position(|p| p.name == name) {
                Some(index) => index,
                None if toml_path.exists() => {
                    let spec = read_spec(&toml_path)?;
                    self.providers.push(Arc::new(Provider {
                        name: name.clone(),
                        spec,
                        events: Vec::new(),
                        scenarios: Vec::new(),
                        origin: origin.clone(),
                    }));
                    self.providers.len() - 1
                }
                None => {
                    return Err(file_error(
                        &origin,
                        format!("{name:?} is not a known provider, and the folder has no provider.toml to define it"),
                    ))
                }
            };
            let provider = Arc::make_mut(&mut self.providers[index]);
            if toml_path.exists() && provider.origin != origin {
                provider.spec = read_spec(&toml_path)?;
                provider.origin = origin.clone();
            }
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map_err(|e| file_error(&origin, e))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect();
            files.sort();
            for file in files {
                let shown = file.display().to_string();
                let bytes = std::fs::read(&file).map_err(|e| file_error(&shown, e))?;
                let event = parse_event(&shown, &file, &bytes)?;
                // Fixtures from a folder are checked at once, so a typo is caught before a send.
                render::check_template(&event.template).map_err(|e| file_error(&shown, e))?;
                match provider.events.iter_mut().find(|e| e.name == event.name) {
                    Some(existing) => *existing = event,
                    None => provider.events.push(event),
                }
            }
            // Scenarios last, so that they may name the events this folder adds.
            let scenario_dir = dir.join("scenarios");
            if scenario_dir.is_dir() {
                let shown_dir = scenario_dir.display().to_string();
                let mut files: Vec<PathBuf> = std::fs::read_dir(&scenario_dir)
                    .map_err(|e| file_error(&shown_dir, e))?
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                    .collect();
                files.sort();
                let mut read = Vec::with_capacity(files.len());
                for file in files {
                    let shown = file.display().to_string();
                    let bytes = std::fs::read(&file).map_err(|e| file_error(&shown, e))?;
                    let name = file
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    read.push((name, shown, bytes));
                }
                provider.add_scenarios(
                    read.iter().map(|(name, shown, bytes)| {
                        (name.clone(), shown.clone(), bytes.as_slice())
                    }),
                )?;
            }
        }
        self.sort();
        Ok(())
    }

    fn sort(&mut self) {
        self.providers.sort_by(|a, b| a.name.cmp(&b.name));
        for provider in &mut self.providers {
            let provider = Arc::make_mut(provider);
            provider.events.sort_by(|a, b| a.name.cmp(&b.name));
            provider.scenarios.sort_by(|a, b| a.name.cmp(&b.name));
        }
    }

    pub fn providers(&self) -> &[Arc<Provider>] {
        &self.providers
    }

    pub fn provider(&self, name: &str) -> Result<&Arc<Provider>, ResolveError> {
        self.providers
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| ResolveError::UnknownProvider {
                name: name.to_string(),
                known: self
                    .providers
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Find an event from `event`, `provider:event`, or `event` with a provider given apart.
    pub fn resolve(
        &self,
        query: &str,
        provider: Option<&str>,
    ) -> Result<(&Arc<Provider>, &Event), ResolveError> {
        let (provider, name) = match query.split_once(':') {
            Some((p, e)) if self.provider(p).is_ok() => (Some(p), e),
            _ => (provider, query),
        };
        if let Some(provider_name) = provider {
            let provider = self.provider(provider_name)?;
            return provider.event(name).map(|e| (provider, e)).ok_or_else(|| {
                ResolveError::UnknownEvent {
                    name: name.to_string(),
                    scope: format!(" for {}", provider.name),
                    hint: self.suggest(name, Some(provider)),
                }
            });
        }
        let exact: Vec<(&Arc<Provider>, &Event)> = self
            .providers
            .iter()
            .filter_map(|p| p.events.iter().find(|e| e.name == name).map(|e| (p, e)))
            .collect();
        let found = if exact.is_empty() {
            self.providers
                .iter()
                .filter_map(|p| p.event(name).map(|e| (p, e)))
                .collect()
        } else {
            exact
        };
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(ResolveError::UnknownEvent {
                name: name.to_string(),
                scope: String::new(),
                hint: self.suggest(name, None),
            }),
            many => Err(ResolveError::Ambiguous {
                name: name.to_string(),
                choices: many
                    .iter()
                    .map(|(p, e)| format!("{}:{}", p.name, e.name))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Find a scenario from `name` or `provider:name`.
    pub fn resolve_scenario(
        &self,
        query: &str,
    ) -> Result<(&Arc<Provider>, &Scenario), ResolveError> {
        let (provider, name) = match query.split_once(':') {
            Some((p, name)) => (Some(self.provider(p)?), name),
            None => (None, query),
        };
        let found: Vec<(&Arc<Provider>, &Scenario)> = self
            .providers
            .iter()
            .filter(|p| provider.is_none_or(|only| only.name == p.name))
            .filter_map(|p| p.scenario(name).map(|s| (p, s)))
            .collect();
        match found.as_slice() {
            [one] => Ok(*one),
            [] => {
                let lowered = name.to_lowercase();
                let mut near: Vec<(f64, String)> = self
                    .providers
                    .iter()
                    .flat_map(|p| p.scenarios.iter().map(move |s| (p, s)))
                    .map(|(p, s)| {
                        (
                            strsim::jaro_winkler(&lowered, &s.name),
                            format!("{}:{}", p.name, s.name),
                        )
                    })
                    .filter(|(score, _)| *score > 0.8)
                    .collect();
                near.sort_by(|a, b| b.0.total_cmp(&a.0));
                let hint = match near.first() {
                    Some((_, qualified)) => format!("; did you mean {qualified}?"),
                    None => "; `hookctl fixtures PROVIDER` lists a provider's scenarios".into(),
                };
                Err(ResolveError::UnknownScenario {
                    name: name.to_string(),
                    hint,
                })
            }
            many => Err(ResolveError::Ambiguous {
                name: name.to_string(),
                choices: many
                    .iter()
                    .map(|(p, s)| format!("{}:{}", p.name, s.name))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// "did you mean" text for an unknown event name, or a pointer to the listing.
    fn suggest(&self, name: &str, only: Option<&Provider>) -> String {
        let lowered = name.to_lowercase();
        let mut scored: Vec<(f64, String)> = self
            .providers
            .iter()
            .filter(|p| only.is_none_or(|o| o.name == p.name))
            .flat_map(|p| p.events.iter().map(move |e| (p, e)))
            .map(|(p, e)| {
                let score = strsim::jaro_winkler(&lowered, &e.name.to_lowercase());
                (score, format!("{}:{}", p.name, e.name))
            })
            .filter(|(score, _)| *score > 0.8)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        if scored.is_empty() {
            "; list events with `hookctl fixtures` or `hookctl fixtures PROVIDER`".into()
        } else {
            let names: Vec<String> = scored.into_iter().take(3).map(|(_, n)| n).collect();
            format!("; did you mean {}?", names.join(", "))
        }
    }
}

fn read_spec(path: &Path) -> Result<ProviderSpec, LoadError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| file_error(&shown, e))?;
    parse_spec(&shown, &bytes)
}

fn parse_spec(shown: &str, bytes: &[u8]) -> Result<ProviderSpec, LoadError> {
    let text = std::str::from_utf8(bytes).map_err(|_| file_error(shown, "is not UTF-8"))?;
    let mut spec: ProviderSpec = toml::from_str(text)
        .map_err(|e| file_error(shown, e.message().to_string() + &span_hint(text, e.span())))?;
    if let Some(secret) = &spec.test_secret {
        spec.scheme
            .check_secret(secret)
            .map_err(|why| file_error(shown, format!("test_secret: {why}")))?;
    } else if spec.scheme != SchemeKind::None {
        return Err(file_error(
            shown,
            format!(
                "scheme {} signs, so the provider needs a test_secret",
                spec.scheme
            ),
        ));
    }
    if spec.event_path.is_none() && spec.event_header.is_none() {
        return Err(file_error(
            shown,
            "needs event_path or event_header to say where the event name is",
        ));
    }
    for path in [&spec.event_path, &spec.id_path]
        .into_iter()
        .flatten()
        .chain(&spec.older_event_paths)
    {
        path::parse(path).map_err(|why| file_error(shown, why))?;
    }
    let id_format_error = |why| file_error(shown, format!("id_format: {why}"));
    spec.id_parts = render::compile_text(&spec.id_format).map_err(id_format_error)?;
    render::check_compiled(&spec.id_parts).map_err(id_format_error)?;
    spec.delivery
        .check()
        .map_err(|why| file_error(shown, format!("[delivery]: {why}")))?;
    for (name, value) in &spec.headers {
        let text = value
            .as_str()
            .ok_or_else(|| file_error(shown, format!("header {name} must be a string")))?;
        let header_error = |why| file_error(shown, format!("header {name}: {why}"));
        let parts = render::compile_text(text).map_err(header_error)?;
        render::check_compiled(&parts).map_err(header_error)?;
        spec.header_parts.push((name.clone(), parts));
    }
    Ok(spec)
}

fn span_hint(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(span) => format!(
            " (line {})",
            text[..span.start.min(text.len())].matches('\n').count() + 1
        ),
        None => String::new(),
    }
}

fn parse_event(shown: &str, path: &Path, bytes: &[u8]) -> Result<Event, LoadError> {
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let template: Value = serde_json::from_slice(bytes)
        .map_err(|e| file_error(shown, format!("is not valid JSON: {e}")))?;
    Ok(Event {
        name,
        template,
        origin: shown.to_string(),
    })
}
