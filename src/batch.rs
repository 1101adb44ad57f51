//! The two batches of requests, each a [`JobSource`]: events rendered from the catalogue ([`FixtureBatch`], for `send`
//! and `demo`) and deliveries read from capture files ([`CaptureBatch`], for `replay` and `demo`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::Value;
use url::Url;

use crate::capture::{Capture, ParseOn, ReadAhead, Source, StreamedJournal};
use crate::catalogue::path::Segment;
use crate::catalogue::render::Renderer;
use crate::catalogue::scenario::RunSets;
use crate::catalogue::{Catalogue, Event, Provider, Scenario, StatusRule};
use crate::compose::CompiledBody;
use crate::compose::{compose, ComposeError, ComposeOptions, Composed};
use crate::config::{resolve_secret, Config, Secret, SecretSource};
use crate::delivery::{Delivery, Headers};
use crate::dispatch::{Job, JobSource};
use crate::outcome::{Fate, JobMeta, Outcome};
use crate::retry::{Resign, RetryPolicy};
use crate::scheme::{self, Restored, SchemeKind};

/// One event to send, with everything that is the same for each of its deliveries.
#[derive(Clone)]
pub(crate) struct Plan {
    pub provider: Arc<Provider>,
    pub event: Event,
    pub secret: Option<Secret>,
    pub expect: StatusRule,
}

impl Plan {
    /// An event signed with its provider's resolved secret, expecting the provider's success rule.
    pub(crate) fn new(
        provider: &Arc<Provider>,
        event: &Event,
        secret: Option<Secret>,
        expect: Option<&StatusRule>,
    ) -> Self {
        Plan {
            provider: provider.clone(),
            event: event.clone(),
            secret,
            expect: expect
                .cloned()
                .unwrap_or_else(|| provider.spec.success.clone()),
        }
    }
}

/// Events to send, each `count` times, all to one URL.
pub(crate) struct FixtureBatch {
    pub plans: Vec<Plan>,
    pub url: Url,
    pub sets: Vec<(Vec<Segment>, Value)>,
    pub raw_body: Option<Bytes>,
    pub id: Option<String>,
    pub now: Option<DateTime<Utc>>,
    pub headers: Vec<(String, String)>,
    pub count: u64,
    /// Each plan's body compiled for the run (see [`FixtureBatch::compile`]); empty until then.
    pub compiled: Vec<Option<CompiledBody>>,
    /// Each plan's retry policy (see [`FixtureBatch::retried`]); empty sends each delivery once.
    pub retries: Vec<Arc<RetryPolicy>>,
    /// The order deliveries go in, duplicates included (see [`FixtureBatch::arranged`]); `None`
    /// sends each once, in order.
    pub arrangement: Option<Arrangement>,
    /// Deliveries that have a duplicate, kept from the first of the two sent until the second.
    twins: Mutex<HashMap<u64, Job>>,
    /// When sending scenarios: which plan (a step) and which run each delivery is.
    scenarios: Option<ScenarioLayout>,
}

/// Scenario runs laid out as deliveries: `count` runs of each scenario, one after the other, each
/// run its steps in order. A plan is one step.
pub(crate) struct ScenarioLayout {
    /// Each delivery: its plan, its run (an index into `runs`) and its step.
    slots: Vec<(usize, usize, usize)>,
    /// Each run: its scenario's name (`provider:name`) and the scenario.
    runs: Vec<(String, Arc<Scenario>)>,
    /// The rendered overrides of the runs being sent, with how many of their steps are left:
    /// a run's shared values are rendered once, at its first step, whatever the order.
    rendered: Mutex<HashMap<usize, (Arc<RunSets>, usize)>>,
}

impl ScenarioLayout {
    /// `count` runs of each scenario, given with the index of its first step's plan.
    pub(crate) fn new(scenarios: Vec<(String, Arc<Scenario>, usize)>, count: u64) -> Self {
        let mut slots = Vec::new();
        let mut runs = Vec::new();
        for (name, scenario, first_plan) in scenarios {
            for _ in 0..count {
                let run = runs.len();
                runs.push((name.clone(), scenario.clone()));
                slots.extend((0..scenario.steps.len()).map(|step| (first_plan + step, run, step)));
            }
        }
        ScenarioLayout {
            slots,
            runs,
            rendered: Mutex::default(),
        }
    }

    /// A step's overrides in its run, rendering the run's shared values at its first step.
    fn sets(
        &self,
        run: usize,
        step: usize,
        now: DateTime<Utc>,
    ) -> Result<Vec<(Vec<Segment>, Value)>, String> {
        let mut rendered = self.rendered.lock().unwrap_or_else(|e| e.into_inner());
        let scenario = &self.runs[run].1;
        let entry = match rendered.entry(run) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => {
                let sets = scenario.render_run(&mut Renderer::new(now, "", ""))?;
                entry.insert((Arc::new(sets), scenario.steps.len()))
            }
        };
        let sets = entry.0[step].clone();
        entry.1 -= 1;
        if entry.1 == 0 {
            rendered.remove(&run);
        }
        Ok(sets)
    }
}

/// What `send --retry` was asked, beside each provider's schedule.
#[derive(Debug, Clone, Default)]
pub(crate) struct RetrySettings {
    /// Every wait is divided by this.
    pub time_scale: f64,
    pub max_attempts: Option<u32>,
    /// `--schedule`: the wait before the first attempt, and before each retry.
    pub schedule: Option<(std::time::Duration, Vec<std::time::Duration>)>,
    /// `--timeout`, when given: it replaces the providers' timeouts.
    pub timeout: Option<std::time::Duration>,
}

/// The order of a run's deliveries (`--shuffle`) and which go twice (`--duplicate-rate`).
#[derive(Debug, Clone)]
pub struct Arrangement {
    pub seed: u64,
    pub shuffled: bool,
    /// Each slot: the delivery's number in the plain order, and whether it is the second copy.
    pub order: Vec<(u64, bool)>,
    /// The deliveries sent twice.
    twinned: std::collections::HashSet<u64>,
}

impl Arrangement {
    /// `count` deliveries, each sent twice with probability `duplicate_rate`, shuffled if asked;
    /// the same seed gives the same arrangement.
    pub fn new(count: u64, duplicate_rate: f64, shuffle: bool, seed: u64) -> Self {
        use rand::seq::SliceRandom;
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut order = Vec::with_capacity(count as usize);
        for sequence in 0..count {
            order.push((sequence, false));
            if duplicate_rate > 0.0 && rng.random_bool(duplicate_rate.min(1.0)) {
                order.push((sequence, true));
            }
        }
        if shuffle {
            order.shuffle(&mut rng);
            // Whichever of two copies goes first is the original; the later one, the duplicate.
            let mut seen = std::collections::HashSet::new();
            for (sequence, copy) in &mut order {
                *copy = !seen.insert(*sequence);
            }
        }
        let twinned = order
            .iter()
            .filter(|(_, copy)| *copy)
            .map(|(sequence, _)| *sequence)
            .collect();
        Arrangement {
            seed,
            shuffled: shuffle,
            order,
            twinned,
        }
    }

    pub fn duplicates(&self) -> u64 {
        self.order.iter().filter(|(_, copy)| *copy).count() as u64
    }
}

/// Which delivery a run sends in one of its slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    /// The delivery's number in the plain order.
    pub sequence: u64,
    /// It is sent twice (`--duplicate-rate`).
    pub twice: bool,
    /// This is its second copy.
    pub duplicate: bool,
}

impl FixtureBatch {
    /// The first scenario of every provider that has one, run once, signed with the built-in
    /// test secrets.
    pub(crate) fn first_scenarios(catalogue: &Catalogue, url: Url) -> Self {
        let mut plans = Vec::new();
        let mut laid = Vec::new();
        for provider in catalogue.providers() {
            let Some(scenario) = provider.scenarios.first() else {
                continue;
            };
            let secret = provider.spec.test_secret.clone().map(|value| Secret {
                value,
                source: SecretSource::BuiltIn,
            });
            laid.push((
                format!("{}:{}", provider.name, scenario.name),
                Arc::new(scenario.clone()),
                plans.len(),
            ));
            for step in &scenario.steps {
                let event = provider
                    .event(&step.event)
                    .expect("a scenario's events were checked when it loaded");
                plans.push(Plan::new(provider, event, secret.clone(), None));
            }
        }
        FixtureBatch::new(plans, url, Vec::new(), None, None, None, Vec::new(), 1)
            .with_scenarios(ScenarioLayout::new(laid, 1))
    }

    /// Every event of every provider once, signed with the built-in test secrets.
    pub(crate) fn everything(catalogue: &Catalogue, url: Url) -> Self {
        let plans = catalogue
            .providers()
            .iter()
            .flat_map(|p| {
                let secret = p.spec.test_secret.clone().map(|value| Secret {
                    value,
                    source: SecretSource::BuiltIn,
                });
                p.events
                    .iter()
                    .map(move |e| Plan::new(p, e, secret.clone(), None))
            })
            .collect();
        FixtureBatch {
            plans,
            url,
            sets: Vec::new(),
            raw_body: None,
            id: None,
            now: None,
            headers: Vec::new(),
            count: 1,
            compiled: Vec::new(),
            retries: Vec::new(),
            arrangement: None,
            twins: Mutex::default(),
            scenarios: None,
        }
        .compile()
    }

    /// Events to send, each `count` times, all to one URL; see [`FixtureBatch::compile`],
    /// [`FixtureBatch::retried`] and [`FixtureBatch::arranged`] for the rest.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        plans: Vec<Plan>,
        url: Url,
        sets: Vec<(Vec<Segment>, Value)>,
        raw_body: Option<Bytes>,
        id: Option<String>,
        now: Option<DateTime<Utc>>,
        headers: Vec<(String, String)>,
        count: u64,
    ) -> Self {
        FixtureBatch {
            plans,
            url,
            sets,
            raw_body,
            id,
            now,
            headers,
            count,
            compiled: Vec::new(),
            retries: Vec::new(),
            arrangement: None,
            twins: Mutex::default(),
            scenarios: None,
        }
    }

    /// Send scenario runs: the plans are their steps, laid out by `layout`.
    pub(crate) fn with_scenarios(mut self, layout: ScenarioLayout) -> Self {
        self.scenarios = Some(layout);
        self
    }

    /// Retry each delivery on its provider's schedule (or the one given).
    pub(crate) fn retried(mut self, settings: &RetrySettings) -> Self {
        self.retries = self
            .plans
            .iter()
            .map(|plan| {
                let spec = &plan.provider.spec;
                let behaviour = &spec.delivery;
                let (first_delay, mut schedule) = settings
                    .schedule
                    .clone()
                    .unwrap_or((std::time::Duration::ZERO, behaviour.schedule()));
                if let Some(max) = settings.max_attempts {
                    schedule.truncate(max.saturating_sub(1) as usize);
                }
                let resign = plan
                    .secret
                    .as_ref()
                    .filter(|_| spec.scheme.has_tolerance())
                    .map(|secret| Resign {
                        kind: spec.scheme,
                        secret: secret.value.clone(),
                        options: spec.options.clone(),
                    });
                Arc::new(RetryPolicy {
                    first_delay,
                    schedule,
                    time_scale: settings.time_scale,
                    timeout: settings.timeout.or(behaviour.timeout.map(|t| t.0)),
                    stop_statuses: behaviour.stop_statuses.clone(),
                    stop_header: behaviour.stop_header.clone(),
                    resign,
                })
            })
            .collect();
        self
    }

    /// Send the deliveries in this order, duplicates included.
    /// What goes in slot `index` of the run (below [`JobSource::total`]): the plain order, or the
    /// arrangement's.
    pub(crate) fn slot(&self, index: u64) -> Slot {
        match &self.arrangement {
            None => Slot {
                sequence: index,
                twice: false,
                duplicate: false,
            },
            Some(arrangement) => {
                let (sequence, duplicate) = arrangement.order[index as usize];
                Slot {
                    sequence,
                    twice: arrangement.twinned.contains(&sequence),
                    duplicate,
                }
            }
        }
    }

    pub(crate) fn arranged(mut self, arrangement: Arrangement) -> Self {
        self.arrangement = Some(arrangement);
        self
    }

    /// Deliveries in the plain order, duplicates left out.
    pub(crate) fn deliveries(&self) -> u64 {
        match &self.scenarios {
            Some(layout) => layout.slots.len() as u64,
            None => self.plans.len() as u64 * self.count,
        }
    }

    /// The first delivery of each plan, to check each once before a run.
    pub(crate) fn first_of_each_plan(&self) -> Vec<u64> {
        match &self.scenarios {
            Some(layout) => {
                let mut seen = std::collections::HashSet::new();
                (0..layout.slots.len() as u64)
                    .filter(|&i| seen.insert(layout.slots[i as usize].0))
                    .collect()
            }
            None => (0..self.deliveries())
                .step_by(self.count.max(1) as usize)
                .collect(),
        }
    }

    /// The scenario, run, step and steps of delivery `sequence`, when sending scenarios.
    /// Whether the batch sends scenarios, whose steps go in order.
    pub(crate) fn has_scenarios(&self) -> bool {
        self.scenarios.is_some()
    }

    pub(crate) fn scenario_of(&self, sequence: u64) -> Option<(String, u64, u32, u32)> {
        let layout = self.scenarios.as_ref()?;
        let (_, run, step) = layout.slots[sequence as usize];
        let (name, scenario) = &layout.runs[run];
        Some((
            name.clone(),
            run as u64 + 1,
            step as u32 + 1,
            scenario.steps.len() as u32,
        ))
    }

    /// Which plan delivery `sequence` is of.
    fn plan_of(&self, sequence: u64) -> usize {
        match &self.scenarios {
            Some(layout) => layout.slots[sequence as usize].0,
            None => (sequence / self.count) as usize,
        }
    }

    /// Compile each plan's body once, so that its deliveries only fill in fresh values. A plan
    /// whose template cannot be compiled is rendered the slow way; both give the same bytes.
    pub(crate) fn compile(mut self) -> Self {
        self.compiled = self
            .plans
            .iter()
            .map(|plan| {
                let in_body = plan
                    .provider
                    .spec
                    .scheme
                    .in_body()
                    .filter(|_| plan.secret.is_some());
                CompiledBody::compile(
                    &plan.event,
                    plan.provider.spec.body_format,
                    &self.sets,
                    in_body,
                )
            })
            .collect();
        self
    }

    /// Delivery `index` of the batch, in the plain order: each event `count` times, or each
    /// scenario's runs step by step.
    pub(crate) fn compose(&self, index: u64) -> (&Plan, Result<Composed, ComposeError>) {
        let plan_index = self.plan_of(index);
        let plan = &self.plans[plan_index];
        let step_sets = match &self.scenarios {
            Some(layout) => {
                let (_, run, step) = layout.slots[index as usize];
                match layout.sets(run, step, self.now.unwrap_or_else(Utc::now)) {
                    Ok(mut sets) => {
                        sets.extend(self.sets.iter().cloned());
                        Some(sets)
                    }
                    Err(why) => {
                        return (
                            plan,
                            Err(ComposeError::Fixture {
                                origin: layout.runs[run].1.origin.clone(),
                                why,
                            }),
                        )
                    }
                }
            }
            None => None,
        };
        let composed = compose(
            &plan.provider,
            &plan.event,
            &ComposeOptions {
                url: &self.url,
                secret: plan.secret.as_ref(),
                sets: step_sets.as_deref().unwrap_or(&self.sets),
                raw_body: self.raw_body.as_ref(),
                id: self.id.as_deref(),
                now: self.now,
                extra_headers: &self.headers,
                // A step's overrides change from run to run: its body is rendered each time.
                compiled: self
                    .compiled
                    .get(plan_index)
                    .and_then(Option::as_ref)
                    .filter(|_| step_sets.is_none()),
            },
        );
        (plan, composed)
    }
}

impl FixtureBatch {
    /// Delivery `sequence` (in the plain order) as a job.
    fn make(&self, sequence: u64) -> Result<Job, Box<Outcome>> {
        let (plan, composed) = self.compose(sequence);
        let mut meta = JobMeta {
            provider: plan.provider.name.clone(),
            event: plan.event.name.clone(),
            sequence,
            ..JobMeta::default()
        };
        let mut delay = None;
        if let Some(layout) = &self.scenarios {
            let (_, run, step) = layout.slots[sequence as usize];
            let (name, scenario) = &layout.runs[run];
            meta.scenario = Some((name.clone(), run as u64 + 1));
            meta.step = Some((step as u32 + 1, scenario.steps.len() as u32));
            delay = scenario.steps[step].wait;
        }
        match composed {
            Ok(composed) => Ok(Job {
                meta: Box::new(JobMeta {
                    id: composed.id,
                    signing: composed.signing,
                    ..meta
                }),
                url: self.url.clone(),
                expect: plan.expect.clone(),
                delivery: composed.delivery,
                retry: self.retries.get(self.plan_of(sequence)).cloned(),
                delay,
            }),
            Err(e) => Err(Box::new(Outcome::unsent(meta, Fate::Failed(e.to_string())))),
        }
    }
}

impl JobSource for FixtureBatch {
    fn total(&self) -> u64 {
        self.arrangement
            .as_ref()
            .map_or(self.deliveries(), |a| a.order.len() as u64)
    }

    fn job(&self, index: u64) -> Result<Job, Box<Outcome>> {
        let Slot {
            sequence, twice, ..
        } = self.slot(index);
        if !twice {
            return self.make(sequence);
        }
        // The second of two copies sent is the first one's delivery, byte for byte.
        let mut twins = self.twins.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(kept) = twins.remove(&sequence) {
            return Ok(kept);
        }
        let job = self.make(sequence)?;
        let mut twin = job.clone();
        twin.meta.duplicate = true;
        twins.insert(sequence, twin);
        Ok(job)
    }
}

/// Sources sent one after the other, as one.
pub(crate) struct Chain(pub Vec<Arc<dyn JobSource>>);

impl JobSource for Chain {
    fn total(&self) -> u64 {
        self.0.iter().map(|source| source.total()).sum()
    }

    fn job(&self, mut index: u64) -> Result<Job, Box<Outcome>> {
        for source in &self.0 {
            if index < source.total() {
                return source.job(index);
            }
            index -= source.total();
        }
        unreachable!("the dispatcher asks only for jobs below the total")
    }
}

/// Captured deliveries to send again, read from their files as the replay goes.
pub(crate) struct CaptureBatch {
    captures: Captures,
    pub to: Url,
    /// Whether `to` names its own path (else each capture's path and query are used).
    pub own_path: bool,
    pub expect: Option<StatusRule>,
    pub catalogue: Catalogue,
    /// The configured secrets, by provider: to restore a key stored as its digest, and to re-sign.
    pub secrets: Vec<(String, Secret)>,
    /// Sign timestamped schemes (Stripe, Standard Webhooks) again with a fresh timestamp.
    pub resign: bool,
}

impl CaptureBatch {
    /// Replay these captures, in this order; reading them starts at once.
    pub(crate) fn new(files: Vec<Source>, to: Url, catalogue: Catalogue) -> Self {
        let captures = Captures::Listed(ReadAhead::start(files.into(), ParseOn::Taker));
        Self::of(captures, to, catalogue)
    }

    /// Replay a journal's lines as they are listed.
    pub(crate) fn streamed(journal: Arc<StreamedJournal>, to: Url, catalogue: Catalogue) -> Self {
        Self::of(Captures::Streamed(journal), to, catalogue)
    }

    fn of(captures: Captures, to: Url, catalogue: Catalogue) -> Self {
        let own_path = to.path() != "/" || to.query().is_some();
        CaptureBatch {
            captures,
            to,
            own_path,
            expect: None,
            catalogue,
            secrets: Vec::new(),
            resign: false,
        }
    }

    /// Use the secrets from these sources (`--secret`, environment, config, built-in).
    pub(crate) fn with_secrets(mut self, flag: Option<&str>, config: &Config) -> Self {
        self.secrets = self
            .catalogue
            .providers()
            .iter()
            .filter_map(|p| resolve_secret(p, flag, config).map(|s| (p.name.clone(), s)))
            .collect();
        self
    }

    fn url_for(&self, target: &str) -> Url {
        let mut url = self.to.clone();
        if !self.own_path {
            let (path, query) = match target.split_once('?') {
                Some((path, query)) => (path, Some(query)),
                None => (target, None),
            };
            // Setting either rebuilds the URL's text; most captures of a run share their path.
            if url.path() != path || url.query() != query {
                url.set_path(path);
                url.set_query(query);
            }
        }
        url
    }

    /// The job for one capture, which it takes apart: body and headers go out without a copy.
    fn build(&self, origin: String, capture: Capture) -> Result<Job, Box<Outcome>> {
        let Capture {
            id,
            delivery,
            provider,
            event,
            ..
        } = capture;
        let Delivery {
            method,
            target,
            headers,
            body,
        } = delivery;
        let failed = |message: String| {
            let meta = JobMeta {
                provider: provider.clone().unwrap_or_default(),
                event: event.clone().unwrap_or_default(),
                origin: Some(origin.clone()),
                ..JobMeta::default()
            };
            Box::new(Outcome::unsent(meta, Fate::Failed(message)))
        };
        let mut headers = headers.without_hop_by_hop();
        let provider_name = provider.as_deref().unwrap_or("unknown");
        let spec = self.catalogue.provider(provider_name).ok().map(|p| &p.spec);
        let mut signing = "replayed as captured".to_string();
        let secret = self
            .secrets
            .iter()
            .find(|(p, _)| p == provider_name)
            .map(|(_, s)| s);
        // A key stored as its digest goes out as the key again, when the configured one matches.
        if let Some(spec) = spec {
            match scheme::restored_form(spec.scheme, &mut headers, secret.map(|s| s.value.as_str()))
            {
                Restored::Nothing => {}
                Restored::Restored { header } => {
                    let source = secret.map(|s| s.source.to_string()).unwrap_or_default();
                    signing = format!("replayed as captured, {header} restored ({source})");
                }
                Restored::NoMatch { header } => {
                    signing = format!(
                        "replayed as captured; no configured secret matches the stored {header}"
                    )
                }
            }
        }
        let warning = match spec {
            Some(spec) if !self.resign => {
                stale_warning(&origin, spec.scheme, provider_name, &headers)
            }
            _ => None,
        };
        if let (Some(spec), Some(secret)) = (spec, secret.filter(|_| self.resign)) {
            let now = Utc::now().timestamp();
            let resigned = scheme::resign(
                spec.scheme,
                &mut headers,
                &body,
                &secret.value,
                now,
                &spec.options,
                &id,
            )
            .map_err(|e| failed(e.to_string()))?;
            if let Some(signed) = resigned {
                signing = format!("re-signed: {signed} ({})", secret.source);
            }
        }
        let expect = self
            .expect
            .clone()
            .or_else(|| spec.map(|s| s.success.clone()))
            .unwrap_or_else(|| StatusRule::Ranges(vec![(200, 299)]));
        let meta = JobMeta {
            provider: provider.unwrap_or_else(|| "unknown".into()),
            event: event.unwrap_or_else(|| "unknown".into()),
            id,
            signing,
            origin: Some(origin),
            warning,
            ..JobMeta::default()
        };
        let url = self.url_for(&target);
        Ok(Job {
            meta: Box::new(meta),
            url,
            expect,
            delivery: Delivery {
                method,
                target,
                headers,
                body,
            },
            retry: None,
            delay: None,
        })
    }
}

/// Replaying a delivery signed long ago makes the receiver see a stale timestamp: say so, and how
/// to avoid it.
fn stale_warning(
    origin: &str,
    kind: SchemeKind,
    provider: &str,
    headers: &Headers,
) -> Option<String> {
    let age = Utc::now().timestamp() - scheme::signed_at(kind, headers)?;
    let tolerance = scheme::DEFAULT_TOLERANCE;
    (age > tolerance as i64).then(|| {
        format!(
            "{} was signed {age} s ago, beyond {provider}'s {tolerance} s tolerance: the receiver will see a stale timestamp; --resign signs it again with a fresh one",
            origin,
        )
    })
}

/// Where a replay's captures come from: listed before it starts, or a large journal listed as
/// it goes.
enum Captures {
    Listed(ReadAhead),
    Streamed(Arc<StreamedJournal>),
}

impl JobSource for CaptureBatch {
    fn total(&self) -> u64 {
        match &self.captures {
            Captures::Listed(captures) => captures.sources().len() as u64,
            Captures::Streamed(journal) => journal.total(),
        }
    }

    fn known_total(&self) -> Option<u64> {
        match &self.captures {
            Captures::Listed(captures) => Some(captures.sources().len() as u64),
            Captures::Streamed(journal) => journal.known_total(),
        }
    }

    fn has(&self, index: u64) -> bool {
        match &self.captures {
            Captures::Listed(captures) => index < captures.sources().len() as u64,
            Captures::Streamed(journal) => journal.has(index),
        }
    }

    fn job(&self, index: u64) -> Result<Job, Box<Outcome>> {
        let (origin, taken) = match &self.captures {
            Captures::Listed(captures) => {
                let index = index as usize;
                (captures.sources()[index].origin(), captures.take(index))
            }
            Captures::Streamed(journal) => journal
                .take(index)
                .unwrap_or_else(|| (String::new(), Err("past the journal's last line".into()))),
        };
        match taken {
            Ok(capture) => self.build(origin, capture),
            Err(why) => {
                let meta = JobMeta {
                    origin: Some(origin),
                    ..JobMeta::default()
                };
                Err(Box::new(Outcome::unsent(meta, Fate::Skipped(why))))
            }
        }
    }
}
