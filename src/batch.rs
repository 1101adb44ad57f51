//! The two batches of requests, each a [`JobSource`]: events rendered from the catalogue ([`FixtureBatch`], for `send`
//! and `demo`) and deliveries read from capture files ([`CaptureBatch`], for `replay` and `demo`).

use std::path::PathBuf;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::Value;
use url::Url;

use crate::capture::{Capture, ReadAhead};
use crate::catalogue::path::Segment;
use crate::catalogue::{Catalogue, Event, Provider, StatusRule};
use crate::compose::CompiledBody;
use crate::compose::{compose, ComposeError, ComposeOptions, Composed};
use crate::config::{resolve_secret, Config, Secret, SecretSource};
use crate::delivery::{Delivery, Headers};
use crate::dispatch::{Job, JobSource};
use crate::outcome::{Fate, JobMeta, Outcome};
use crate::scheme::{self, Restored, SchemeKind};

/// One event to send, with everything that is the same for each of its deliveries.
#[derive(Clone)]
pub struct Plan {
    pub provider: Provider,
    pub event: Event,
    pub secret: Option<Secret>,
    pub expect: StatusRule,
}

impl Plan {
    /// An event signed with its provider's resolved secret, expecting the provider's success rule.
    pub fn new(provider: &Provider, event: &Event, secret: Option<Secret>, expect: Option<&StatusRule>) -> Self {
        Plan {
            provider: provider.clone(),
            event: event.clone(),
            secret,
            expect: expect.cloned().unwrap_or_else(|| provider.spec.success.clone()),
        }
    }
}

/// Events to send, each `count` times, all to one URL.
pub struct FixtureBatch {
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
}

impl FixtureBatch {
    /// Every event of every provider once, signed with the built-in test secrets.
    pub fn everything(catalogue: &Catalogue, url: Url) -> Self {
        let plans = catalogue
            .providers()
            .iter()
            .flat_map(|p| {
                let secret = p.spec.test_secret.clone().map(|value| Secret { value, source: SecretSource::BuiltIn });
                p.events.iter().map(move |e| Plan::new(p, e, secret.clone(), None))
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
        }
        .compile()
    }

    /// Compile each plan's body once, so that its deliveries only fill in fresh values. A plan
    /// whose template cannot be compiled is rendered the slow way; both give the same bytes.
    pub fn compile(mut self) -> Self {
        self.compiled = self
            .plans
            .iter()
            .map(|plan| {
                let in_body = plan.provider.spec.scheme.in_body().filter(|_| plan.secret.is_some());
                CompiledBody::compile(&plan.event, plan.provider.spec.body_format, &self.sets, in_body)
            })
            .collect();
        self
    }

    /// Delivery `index` of the batch: each event `count` times, in the order given.
    pub fn compose(&self, index: u64) -> (&Plan, Result<Composed, ComposeError>) {
        let plan_index = (index / self.count) as usize;
        let plan = &self.plans[plan_index];
        let composed = compose(
            &plan.provider,
            &plan.event,
            &ComposeOptions {
                url: &self.url,
                secret: plan.secret.as_ref(),
                sets: &self.sets,
                raw_body: self.raw_body.as_ref(),
                id: self.id.as_deref(),
                now: self.now,
                extra_headers: &self.headers,
                compiled: self.compiled.get(plan_index).and_then(Option::as_ref),
            },
        );
        (plan, composed)
    }
}

impl JobSource for FixtureBatch {
    fn total(&self) -> u64 {
        self.plans.len() as u64 * self.count
    }

    fn job(&self, index: u64) -> Result<Job, Box<Outcome>> {
        let (plan, composed) = self.compose(index);
        let meta =
            JobMeta { provider: plan.provider.name.clone(), event: plan.event.name.clone(), ..JobMeta::default() };
        match composed {
            Ok(composed) => Ok(Job {
                meta: JobMeta { id: composed.id, signing: composed.signing, ..meta },
                url: self.url.clone(),
                expect: plan.expect.clone(),
                delivery: composed.delivery,
            }),
            Err(e) => Err(Box::new(Outcome::unsent(meta, Fate::Failed(e.to_string())))),
        }
    }
}

/// Captured deliveries to send again, read from their files as the replay goes.
pub struct CaptureBatch {
    captures: ReadAhead,
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
    /// Replay these capture files, in this order; reading them starts at once.
    pub fn new(files: Vec<PathBuf>, to: Url, catalogue: Catalogue) -> Self {
        let own_path = to.path() != "/" || to.query().is_some();
        let captures = ReadAhead::start(files.into());
        CaptureBatch { captures, to, own_path, expect: None, catalogue, secrets: Vec::new(), resign: false }
    }

    /// Use the secrets from these sources (`--secret`, environment, config, built-in).
    pub fn with_secrets(mut self, flag: Option<&str>, config: &Config) -> Self {
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
            url.set_path(path);
            url.set_query(query);
        }
        url
    }

    /// The job for one capture, which it takes apart: body and headers go out without a copy.
    fn build(&self, path: &std::path::Path, origin: String, capture: Capture) -> Result<Job, Box<Outcome>> {
        let Capture { id, delivery, provider, event, .. } = capture;
        let Delivery { method, target, headers, body } = delivery;
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
        let secret = self.secrets.iter().find(|(p, _)| p == provider_name).map(|(_, s)| s);
        // A key stored as its digest goes out as the key again, when the configured one matches.
        if let Some(spec) = spec {
            match scheme::restored_form(spec.scheme, &mut headers, secret.map(|s| s.value.as_str())) {
                Restored::Nothing => {}
                Restored::Restored { header } => {
                    let source = secret.map(|s| s.source.to_string()).unwrap_or_default();
                    signing = format!("replayed as captured, {header} restored ({source})");
                }
                Restored::NoMatch { header } => {
                    signing = format!("replayed as captured; no configured secret matches the stored {header}")
                }
            }
        }
        let warning = match spec {
            Some(spec) if !self.resign => stale_warning(path, spec.scheme, provider_name, &headers),
            _ => None,
        };
        if let (Some(spec), Some(secret)) = (spec, secret.filter(|_| self.resign)) {
            let now = Utc::now().timestamp();
            let resigned = scheme::resign(spec.scheme, &mut headers, &body, &secret.value, now, &spec.options, &id)
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
        Ok(Job { meta, url: self.url_for(&target), expect, delivery: Delivery { method, target, headers, body } })
    }
}

/// Replaying a delivery signed long ago makes the receiver see a stale timestamp: say so, and how
/// to avoid it.
fn stale_warning(path: &std::path::Path, kind: SchemeKind, provider: &str, headers: &Headers) -> Option<String> {
    let age = Utc::now().timestamp() - scheme::signed_at(kind, headers)?;
    let tolerance = scheme::DEFAULT_TOLERANCE;
    (age > tolerance as i64).then(|| {
        format!(
            "{} was signed {age} s ago, beyond {provider}'s {tolerance} s tolerance: the receiver will see a stale timestamp; --resign signs it again with a fresh one",
            path.display(),
        )
    })
}

impl JobSource for CaptureBatch {
    fn total(&self) -> u64 {
        self.captures.files().len() as u64
    }

    fn job(&self, index: u64) -> Result<Job, Box<Outcome>> {
        let index = index as usize;
        let path = &self.captures.files()[index];
        let origin = path.display().to_string();
        match self.captures.take(index) {
            Ok(capture) => self.build(path, origin, capture),
            Err(why) => {
                let meta = JobMeta { origin: Some(origin), ..JobMeta::default() };
                Err(Box::new(Outcome::unsent(meta, Fate::Skipped(why))))
            }
        }
    }
}
