//! Scenarios: a provider's lifecycles as data, `fixtures/<provider>/scenarios/<name>.toml`. A
//! scenario is ordered steps, each an event of its provider with `--set`-style overrides and an
//! optional wait. Values shared by the steps of one run are tags: `{{digits:6@payin}}` defines the
//! tag `payin` where it first appears, and `{{@payin}}` (or the same placeholder again) gives its
//! value in any later step of that run; every run has fresh ones.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::behaviour::parse_wait;
use super::path::{self, Segment};
use super::render::{self, Renderer};
use super::Provider;

/// A scenario as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    title: String,
    #[serde(default)]
    description: String,
    steps: Vec<StepFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile {
    event: String,
    /// Field overrides, by `--set` path; values are JSON, strings may hold placeholders.
    #[serde(default)]
    set: toml::Table,
    /// How long to wait before this step is sent.
    #[serde(default)]
    wait: Option<String>,
    /// Whether the provider documents this step in this place of the lifecycle, or it is inferred.
    #[serde(default)]
    documented: Option<bool>,
}

/// One step of a scenario.
#[derive(Debug, Clone)]
pub struct Step {
    pub event: String,
    /// Overrides in file order (by path), unrendered.
    pub sets: Vec<(String, Vec<Segment>, Value)>,
    pub wait: Option<Duration>,
    pub documented: bool,
}

/// One run's overrides, step by step: the path and the rendered value of each.
pub type RunSets = Vec<Vec<(Vec<Segment>, Value)>>;

/// A provider's lifecycle, sent as one run.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub title: String,
    pub description: String,
    pub steps: Vec<Step>,
    /// Where it came from, for messages.
    pub origin: String,
}

impl Scenario {
    /// Read and check a scenario file of `provider`: every event exists, every path parses,
    /// every placeholder is known, and no tag is used before a step defines it.
    pub fn parse(
        provider: &Provider,
        name: &str,
        origin: &str,
        text: &str,
    ) -> Result<Scenario, String> {
        let file: ScenarioFile = toml::from_str(text).map_err(|e| e.message().to_string())?;
        if file.steps.is_empty() {
            return Err("a scenario needs at least one step".into());
        }
        let mut defined: Vec<String> = Vec::new();
        let mut steps = Vec::with_capacity(file.steps.len());
        for (number, step) in file.steps.into_iter().enumerate() {
            let at = format!("step {}", number + 1);
            let event = provider.event(&step.event).ok_or_else(|| {
                format!(
                    "{at}: {} has no event {:?}; `hookctl fixtures {}` lists them",
                    provider.name, step.event, provider.name
                )
            })?;
            let mut sets = Vec::with_capacity(step.set.len());
            for (field, value) in step.set {
                let segments =
                    path::parse(&field).map_err(|why| format!("{at}: set {field:?}: {why}"))?;
                let value =
                    serde_json::to_value(value).map_err(|e| format!("{at}: set {field:?}: {e}"))?;
                for text in strings(&value) {
                    for tag in used_tags(text) {
                        if !defined.contains(&tag) {
                            return Err(format!(
                                "{at}: set {field:?} uses {{{{@{tag}}}}} before any step defines the tag"
                            ));
                        }
                    }
                    defined.extend(defined_tags(text));
                    render::check_text(&text.replace("{{@", "{{id@"))
                        .map_err(|why| format!("{at}: set {field:?}: {why}"))?;
                }
                sets.push((field, segments, value));
            }
            let wait = step
                .wait
                .as_deref()
                .map(parse_wait)
                .transpose()
                .map_err(|why| format!("{at}: wait: {why}"))?;
            steps.push(Step {
                event: event.name.clone(),
                sets,
                wait,
                documented: step.documented.unwrap_or(true),
            });
        }
        Ok(Scenario {
            name: name.to_string(),
            title: file.title,
            description: file.description,
            steps,
            origin: origin.to_string(),
        })
    }

    /// One run's overrides for every step, rendered with values shared across the run.
    pub fn render_run(&self, renderer: &mut Renderer<'_>) -> Result<RunSets, String> {
        self.steps
            .iter()
            .map(|step| {
                step.sets
                    .iter()
                    .map(|(field, segments, value)| {
                        let rendered = renderer
                            .value(value)
                            .map_err(|why| format!("{}: set {field:?}: {why}", self.origin))?;
                        Ok((segments.clone(), rendered))
                    })
                    .collect()
            })
            .collect()
    }
}

/// Every string in a value.
fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(text) => vec![text],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(map) => map.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

/// The tags a text defines (`{{kind@tag}}`).
fn defined_tags(text: &str) -> Vec<String> {
    placeholders(text)
        .filter(|(kind, _)| !kind.is_empty())
        .filter_map(|(_, tag)| tag)
        .collect()
}

/// The tags a text uses without defining (`{{@tag}}`).
fn used_tags(text: &str) -> Vec<String> {
    placeholders(text)
        .filter(|(kind, _)| kind.is_empty())
        .filter_map(|(_, tag)| tag)
        .collect()
}

fn placeholders(text: &str) -> impl Iterator<Item = (String, Option<String>)> + '_ {
    text.split("{{")
        .skip(1)
        .filter_map(|rest| rest.split_once("}}"))
        .map(|(inner, _)| match inner.trim().split_once('@') {
            Some((kind, tag)) => (kind.to_string(), Some(tag.to_string())),
            None => (inner.trim().to_string(), None),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    fn parse(text: &str) -> Result<Scenario, String> {
        let catalogue = Catalogue::embedded().unwrap();
        Scenario::parse(
            catalogue.provider("treezor").unwrap(),
            "t",
            "test.toml",
            text,
        )
    }

    #[test]
    fn a_scenario_is_refused_with_what_is_wrong() {
        let unknown = "title = \"x\"\n[[steps]]\nevent = \"payin.creat\"";
        assert!(parse(unknown)
            .unwrap_err()
            .contains("no event \"payin.creat\""));
        let bad_path = "title = \"x\"\n[[steps]]\nevent = \"payin.create\"\nset = { \"a..b\" = 1 }";
        assert!(parse(bad_path)
            .unwrap_err()
            .contains("step 1: set \"a..b\""));
        let early =
            "title = \"x\"\n[[steps]]\nevent = \"payin.create\"\nset = { \"x\" = \"{{@payin}}\" }";
        assert!(parse(early)
            .unwrap_err()
            .contains("before any step defines the tag"));
        let unknown_kind = "title = \"x\"\n[[steps]]\nevent = \"payin.create\"\nset = { \"x\" = \"{{nope@payin}}\" }";
        assert!(parse(unknown_kind).unwrap_err().contains("nope"));
        let wait = "title = \"x\"\n[[steps]]\nevent = \"payin.create\"\nwait = \"soon\"";
        assert!(parse(wait).unwrap_err().contains("wait"));
    }

    #[test]
    fn tags_keep_their_value_across_the_steps_of_a_run_and_change_between_runs() {
        let text = r#"title = "x"
            [[steps]]
            event = "payin.create"
            set = { "object_payload.payins.0.payinId" = "{{digits:6@payin}}" }
            [[steps]]
            event = "payin.update"
            set = { "object_payload.payins.0.payinId" = "{{@payin}}", "object_id" = "{{digits:6@payin}}" }"#;
        let scenario = parse(text).unwrap();
        let run = |seed| {
            let mut renderer = Renderer::seeded(chrono::Utc::now(), "", "", seed);
            scenario.render_run(&mut renderer).unwrap()
        };
        let first = run(1);
        let id = &first[0][0].1;
        assert!(id.as_str().is_some_and(|s| s.len() == 6), "{id}");
        assert_eq!(&first[1][0].1, id);
        assert_eq!(&first[1][1].1, id);
        assert_ne!(&run(2)[0][0].1, id);
    }
}
