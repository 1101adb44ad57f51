//! `hookctl send`: resolve events, compose signed deliveries, send them with bounded
//! concurrency, and report each one and a summary.

use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use colored::Colorize;
use reqwest::Url;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::Context;
use crate::catalogue::path::{self, Segment};
use crate::catalogue::{Catalogue, Event, Provider, StatusRule};
use crate::cli::SendArgs;
use crate::client::{Client, ClientOptions, Response, SendError};
use crate::compose::{compose, Compose, Composed};
use crate::config::{resolve_secret, Secret};
use crate::error::{exit, sanitize, UsageError};
use crate::output::{body_json, body_text, human_duration, millis, Output, Verbosity};
use crate::{target, units};

/// One event to send, with everything that is the same for each of its deliveries.
struct Plan {
    provider: Provider,
    event: Event,
    secret: Option<Secret>,
    expect: StatusRule,
}

/// Everything about the run that is the same for every delivery.
struct Run {
    plans: Vec<Plan>,
    url: Url,
    sets: Vec<(Vec<Segment>, Value)>,
    raw_body: Option<Bytes>,
    id: Option<String>,
    now: Option<DateTime<Utc>>,
    headers: Vec<(String, String)>,
    count: u64,
}

impl Run {
    fn total(&self) -> u64 {
        self.plans.len() as u64 * self.count
    }

    /// Delivery `index` of the run: each event `count` times, in the order given.
    fn compose(&self, index: u64) -> (&Plan, Result<Composed, crate::compose::ComposeError>) {
        let plan = &self.plans[(index / self.count) as usize];
        let composed = compose(
            &plan.provider,
            &plan.event,
            &Compose {
                url: &self.url,
                secret: plan.secret.as_ref(),
                sets: &self.sets,
                raw_body: self.raw_body.as_ref(),
                id: self.id.as_deref(),
                now: self.now,
                extra_headers: &self.headers,
            },
        );
        (plan, composed)
    }
}

/// What happened to one delivery.
struct Outcome {
    provider: String,
    event: String,
    id: String,
    note: String,
    expect: String,
    result: Result<Response, String>,
    delivered: bool,
    /// The request as sent, kept only when it will be shown (--json --verbose).
    request: Option<crate::delivery::Delivery>,
}

pub async fn run(args: SendArgs, ctx: &Context) -> anyhow::Result<u8> {
    let run = Arc::new(plan_run(&args, ctx)?);
    if args.dry_run {
        return dry_run(&run, &ctx.output);
    }
    let timeout = units::duration("--timeout", &args.timeout)?;
    let concurrency = args.concurrency.max(1);
    let client = Arc::new(Client::new(&ClientOptions { timeout, insecure: args.insecure, pool_size: concurrency })?);

    let total = run.total();
    let next = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (results, mut received) = mpsc::channel::<Outcome>(concurrency * 4);
    let started = Instant::now();
    let keep_requests = ctx.output.json && ctx.output.verbosity == Verbosity::Verbose;
    for _ in 0..concurrency.min(total as usize) {
        let (run, client, next, stop, results) =
            (run.clone(), client.clone(), next.clone(), stop.clone(), results.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= total {
                    break;
                }
                let outcome = deliver(&run, &client, index, keep_requests).await;
                if results.send(outcome).await.is_err() {
                    break;
                }
            }
        });
    }
    drop(results);

    let output = &ctx.output;
    let bar =
        if output.verbosity == Verbosity::Verbose { indicatif::ProgressBar::hidden() } else { output.progress(total) };
    let mut summary = Summary::default();
    let mut interrupted = false;
    let mut signals = crate::signals::StopSignals::new()?;
    loop {
        tokio::select! {
            outcome = received.recv() => {
                let Some(outcome) = outcome else { break };
                summary.add(&outcome);
                bar.inc(1);
                bar.suspend(|| report(output, &run.url, &outcome))?;
            }
            _ = signals.recv(), if !interrupted => {
                // Stop taking new work; what is in flight still reports.
                interrupted = true;
                stop.store(true, Ordering::Relaxed);
            }
        }
    }
    bar.finish_and_clear();
    summary.elapsed = started.elapsed();
    summary.report(output, total)?;
    Ok(if interrupted {
        exit::INTERRUPTED
    } else if summary.failed > 0 {
        exit::RUNTIME
    } else if summary.unexpected > 0 {
        exit::UNEXPECTED_STATUS
    } else {
        exit::SUCCESS
    })
}

async fn deliver(run: &Run, client: &Client, index: u64, keep_request: bool) -> Outcome {
    let (plan, composed) = run.compose(index);
    let mut outcome = Outcome {
        provider: plan.provider.name.clone(),
        event: plan.event.name.clone(),
        id: String::new(),
        note: String::new(),
        expect: plan.expect.to_string(),
        result: Err(String::new()),
        delivered: false,
        request: None,
    };
    match composed {
        Err(e) => outcome.result = Err(e.to_string()),
        Ok(composed) => {
            outcome.id = composed.id;
            outcome.note = composed.note;
            outcome.result = client.send(&run.url, &composed.delivery).await.map_err(|e: SendError| e.to_string());
            outcome.delivered = matches!(&outcome.result, Ok(r) if plan.expect.accepts(r.status));
            if keep_request {
                outcome.request = Some(composed.delivery);
            }
        }
    }
    outcome
}

fn report(output: &Output, url: &Url, outcome: &Outcome) -> std::io::Result<()> {
    if output.json {
        let mut data = json!({
            "provider": outcome.provider,
            "event": outcome.event,
            "id": outcome.id,
            "url": url.as_str(),
            "signed": outcome.note,
            "expected_status": outcome.expect,
            "delivered": outcome.delivered,
        });
        match &outcome.result {
            Ok(response) => {
                data["status"] = json!(response.status);
                data["elapsed_ms"] = json!(millis(response.elapsed));
                if let Some(location) = &response.location {
                    data["redirect"] = json!(location);
                }
                data["response_body"] = body_json(&response.body);
            }
            Err(error) => data["error"] = json!(error),
        }
        if let Some(request) = &outcome.request {
            let headers: Vec<Value> = request.headers.iter().map(|(n, v)| json!([n, v])).collect();
            data["request"] = json!({"method": request.method, "headers": headers, "body": body_json(&request.body)});
        }
        return output.record("delivery", data);
    }
    let failed = !outcome.delivered;
    if output.verbosity == Verbosity::Quiet && !failed {
        return Ok(());
    }
    let name = format!("{}:{}", outcome.provider, outcome.event);
    let line = match &outcome.result {
        Ok(response) => {
            let status = response.status.to_string();
            let (mark, status) =
                if failed { ("✘".red(), status.red().bold()) } else { ("✔".green(), status.green().bold()) };
            let mut line =
                format!("{mark} {status} {} → {url} {}", name.bold(), human_duration(response.elapsed).dimmed());
            if failed {
                line.push_str(&format!("  (expected {})", outcome.expect));
            }
            if let Some(location) = &response.location {
                line.push_str(&format!("  redirect to {} not followed", sanitize(location)));
            }
            line
        }
        Err(error) => format!("{} {} {} → {url}: {}", "✘".red(), "ERR".red().bold(), name.bold(), error),
    };
    output.line(&line)?;
    if output.verbosity != Verbosity::Quiet {
        output.line(&format!("  {} {}  id {}", "signed:".dimmed(), outcome.note.dimmed(), outcome.id.dimmed()))?;
    }
    if output.verbosity == Verbosity::Verbose {
        if let Ok(response) = &outcome.result {
            if !response.body.is_empty() {
                output.line(&format!("  {} {}", "answered:".dimmed(), sanitize(&body_text(&response.body))))?;
            }
        }
    }
    Ok(())
}

#[derive(Default)]
struct Summary {
    delivered: u64,
    unexpected: u64,
    failed: u64,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl Summary {
    fn add(&mut self, outcome: &Outcome) {
        match &outcome.result {
            Ok(response) => {
                self.latencies.push(response.elapsed);
                if outcome.delivered {
                    self.delivered += 1;
                } else {
                    self.unexpected += 1;
                }
            }
            Err(_) => self.failed += 1,
        }
    }

    fn percentile(&self, sorted: &[Duration], p: f64) -> Duration {
        if sorted.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted[rank.clamp(1, sorted.len()) - 1]
    }

    fn report(&mut self, output: &Output, total: u64) -> std::io::Result<()> {
        self.latencies.sort_unstable();
        let sent = self.delivered + self.unexpected + self.failed;
        let rate = if self.elapsed.as_secs_f64() > 0.0 { sent as f64 / self.elapsed.as_secs_f64() } else { 0.0 };
        let (p50, p90, p99) = (
            self.percentile(&self.latencies, 50.0),
            self.percentile(&self.latencies, 90.0),
            self.percentile(&self.latencies, 99.0),
        );
        if output.json {
            return output.record(
                "summary",
                json!({
                    "planned": total,
                    "sent": sent,
                    "delivered": self.delivered,
                    "unexpected_status": self.unexpected,
                    "failed": self.failed,
                    "elapsed_ms": millis(self.elapsed),
                    "requests_per_second": (rate * 10.0).round() / 10.0,
                    "latency_ms": {"p50": millis(p50), "p90": millis(p90), "p99": millis(p99)},
                }),
            );
        }
        if total < 2 && output.verbosity != Verbosity::Quiet {
            return Ok(());
        }
        let mut line = format!(
            "{} {sent} in {} ({rate:.0} req/s): {} delivered",
            "Sent".bold(),
            human_duration(self.elapsed),
            self.delivered.to_string().green()
        );
        if self.unexpected > 0 {
            line.push_str(&format!(", {} unexpected status", self.unexpected.to_string().red()));
        }
        if self.failed > 0 {
            line.push_str(&format!(", {} failed", self.failed.to_string().red()));
        }
        if sent < total {
            line.push_str(&format!(", {} not sent", total - sent));
        }
        if !self.latencies.is_empty() {
            line.push_str(&format!(
                ". Latency p50 {}, p90 {}, p99 {}",
                human_duration(p50),
                human_duration(p90),
                human_duration(p99)
            ));
        }
        output.line(&line)
    }
}

fn dry_run(run: &Run, output: &Output) -> anyhow::Result<u8> {
    let authority = match (run.url.host_str(), run.url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        _ => String::new(),
    };
    for index in 0..run.total() {
        let (plan, composed) = run.compose(index);
        let composed = composed?;
        let delivery = &composed.delivery;
        if output.json {
            let headers: Vec<Value> = delivery.headers.iter().map(|(n, v)| json!([n, v])).collect();
            let mut data = json!({
                "provider": plan.provider.name,
                "event": plan.event.name,
                "id": composed.id,
                "method": delivery.method,
                "url": run.url.as_str(),
                "headers": headers,
                "body": body_json(&delivery.body),
                "signed": composed.note,
            });
            if let Some(plaintext) = &composed.plaintext {
                data["plaintext"] = body_json(plaintext);
            }
            output.record("request", data)?;
            continue;
        }
        output.line(&format!("{} {}:{}", "#".dimmed(), plan.provider.name, plan.event.name).dimmed().to_string())?;
        output.line(&format!("{} {} HTTP/1.1", delivery.method.bold(), delivery.target))?;
        output.line(&format!("{}: {authority}", "Host".cyan()))?;
        for (name, value) in delivery.headers.iter() {
            output.line(&format!("{}: {value}", name.cyan()))?;
        }
        output.line(&format!("{}: {}", "Content-Length".cyan(), delivery.body.len()))?;
        output.line("")?;
        output.line(&body_text(&delivery.body))?;
        if let Some(plaintext) = &composed.plaintext {
            output.line(&format!("{} {}", "# plaintext before encryption:".dimmed(), body_text(plaintext)))?;
        }
        output.line("")?;
    }
    Ok(exit::SUCCESS)
}

/// Turn the arguments into a checked plan, so that nothing fails half-way through a run for a
/// reason that was knowable at the start.
fn plan_run(args: &SendArgs, ctx: &Context) -> anyhow::Result<Run> {
    let catalogue = &ctx.catalogue;
    let picked = select_events(args, catalogue, &ctx.output)?;
    let url_text = args.to.clone().or_else(|| ctx.config.to.clone()).unwrap_or_else(|| target::DEFAULT_TARGET.into());
    let url = target::parse(&url_text).map_err(|e| UsageError::new(format!("--to: {e}")))?;
    let sets =
        args.set.iter().map(|s| path::parse_assignment(s)).collect::<Result<Vec<_>, _>>().map_err(UsageError::new)?;
    let headers = args.headers.iter().map(|h| parse_header(h)).collect::<Result<Vec<_>, _>>()?;
    let now = args.timestamp.as_deref().map(|t| units::timestamp("--timestamp", t)).transpose()?;
    if args.count == 0 {
        return Err(UsageError::new("--count must be at least 1").into());
    }
    let expect = args
        .expect_status
        .as_deref()
        .map(StatusRule::parse)
        .transpose()
        .map_err(|e| UsageError::new(format!("--expect-status: {e}")))?;
    let raw_body = args.body.as_deref().map(read_body).transpose()?;

    let mut plans = Vec::new();
    for (provider, event) in picked {
        let secret = resolve_secret(provider, args.secret.as_deref(), &ctx.config);
        if let Some(secret) = &secret {
            provider.spec.scheme.check_secret(&secret.value).map_err(|why| {
                UsageError::new(format!(
                    "the secret for {} (from {}) is not usable: {why}",
                    provider.name, secret.source
                ))
            })?;
        }
        plans.push(Plan {
            provider: provider.clone(),
            event: event.clone(),
            secret,
            expect: expect.clone().unwrap_or_else(|| provider.spec.success.clone()),
        });
    }
    let run = Run { plans, url, sets, raw_body, id: args.webhook_id.clone(), now, headers, count: args.count };
    // Compose each event once now: a bad --set path or fixture is reported before anything is sent.
    for index in (0..run.total()).step_by(run.count as usize) {
        if let (plan, Err(e)) = run.compose(index) {
            let message = format!("{}:{}: {e}", plan.provider.name, plan.event.name);
            return Err(match e {
                crate::compose::ComposeError::Set { .. } => UsageError::new(message).into(),
                _ => anyhow::anyhow!(message),
            });
        }
    }
    let uses_builtin =
        run.plans.iter().any(|p| p.secret.as_ref().is_some_and(|s| s.source == crate::config::SecretSource::BuiltIn));
    if uses_builtin && !args.dry_run {
        ctx.output.note(&format!(
            "{} signing with the built-in test secret; give --secret (or HOOKCTL_<PROVIDER>_SECRET) to use your own",
            "note:".yellow()
        ));
    }
    Ok(run)
}

fn select_events<'c>(
    args: &SendArgs,
    catalogue: &'c Catalogue,
    output: &Output,
) -> anyhow::Result<Vec<(&'c Provider, &'c Event)>> {
    if args.all {
        let providers: Vec<&Provider> = match &args.provider {
            Some(name) => vec![catalogue.provider(name)?],
            None => catalogue.providers().iter().collect(),
        };
        return Ok(providers.into_iter().flat_map(|p| p.events.iter().map(move |e| (p, e))).collect());
    }
    if args.events.is_empty() {
        if output.interactive {
            return super::pick::event(catalogue, args.provider.as_deref()).map(|picked| vec![picked]);
        }
        return Err(UsageError::new(
            "no event given: name one (e.g. `hookctl send payin.update`), or use --all; `hookctl fixtures` lists providers and `hookctl fixtures PROVIDER` their events",
        )
        .into());
    }
    args.events.iter().map(|query| catalogue.resolve(query, args.provider.as_deref()).map_err(Into::into)).collect()
}

fn parse_header(text: &str) -> anyhow::Result<(String, String)> {
    let (name, value) =
        text.split_once(':').ok_or_else(|| UsageError::new(format!("-H {text:?} is not `Name: value`")))?;
    let name = name.trim();
    reqwest::header::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| UsageError::new(format!("-H: {name:?} is not a valid header name")))?;
    let value = value.trim();
    reqwest::header::HeaderValue::from_str(value)
        .map_err(|_| UsageError::new(format!("-H: the value of {name} has characters a header cannot carry")))?;
    Ok((name.to_string(), value.to_string()))
}

fn read_body(path: &std::path::Path) -> anyhow::Result<Bytes> {
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut bytes).context("cannot read the body from stdin")?;
    } else {
        bytes = std::fs::read(path).with_context(|| format!("cannot read the body file {}", path.display()))?;
    }
    Ok(Bytes::from(bytes))
}
