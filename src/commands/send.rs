//! `hookctl send`: resolve events, compose signed deliveries, send them with bounded
//! concurrency, and report each one and a summary.

use std::io::Read;
use std::sync::Arc;

use anyhow::Context as _;
use bytes::Bytes;
use colored::Colorize;

use super::Context;
use crate::batch::{Arrangement, FixtureBatch, Plan, RetrySettings, ScenarioLayout, Slot};
use crate::catalogue::path;
use crate::catalogue::{Catalogue, Event, Provider, Scenario};
use crate::cli::SendArgs;
use crate::client::{Client, ClientOptions};
use crate::compose::ComposeError;
use crate::config::resolve_secret;
use crate::dispatch::{self, JobSource};
use crate::error::{exit, UsageError};
use crate::output::send_view::{self, RequestAbout};
use crate::output::Output;
use crate::retry::parse_schedule;
use crate::target;

/// Runs at least this long are spread over a thread per core; shorter ones are over before a
/// second thread would pay for itself.
const SPREAD_FROM: u64 = 1000;

/// Sending threads for a run of `total` deliveries: one per core for long runs.
pub(super) fn threads_for(total: u64) -> usize {
    if total >= SPREAD_FROM {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        1
    }
}

/// The per-request timeout without --timeout or --retry.
const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

pub async fn run(args: SendArgs, ctx: &Context) -> anyhow::Result<u8> {
    let run = Arc::new(plan_batch(&args, ctx)?);
    if args.dry_run {
        return dry_run(&run, &ctx.output);
    }
    let timeout = args.timeout.unwrap_or(DEFAULT_TIMEOUT);
    let concurrency = args.concurrency.max(1);
    let mut client_options = ClientOptions::sending(timeout, args.insecure, concurrency);
    // Retrying reads the answer's headers for what stops retries (Svix's abort-message).
    client_options.keep_response_headers = args.retry;
    // A long plain run is spread over a sending thread per core (each with its own connections);
    // retries, scenarios and arrangements keep one thread, whose order they rely on.
    let plain = !args.retry && !run.has_scenarios() && run.arrangement.is_none();
    let threads = if plain { threads_for(run.total()) } else { 1 };
    let clients = (0..threads)
        .map(|_| Arc::new(Client::new(&client_options)))
        .collect();
    let options = dispatch::Options {
        concurrency,
        rate: None,
        keep_requests: ctx.output.shows_requests(),
    };
    let progress = send_view::Progress::new(&ctx.output, run.total());
    let summary = dispatch::run_spread(run.clone(), clients, &options, progress).await?;
    send_view::summary(&ctx.output, &summary, false, 0)?;
    if let Some(arrangement) = &run.arrangement {
        send_view::arrangement(&ctx.output, arrangement)?;
    }
    Ok(summary.exit_code())
}

/// Print each request a run would send, in the order it would send them: with `--shuffle` or
/// `--duplicate-rate` the arranged order, a duplicate the same bytes as its original.
fn dry_run(run: &FixtureBatch, output: &Output) -> anyhow::Result<u8> {
    // The first copy of a delivery sent twice, kept until its second is shown.
    let mut firsts = std::collections::HashMap::new();
    for index in 0..run.total() {
        let Slot {
            sequence,
            twice,
            duplicate,
        } = run.slot(index);
        let (plan, composed) = match firsts.remove(&sequence) {
            Some(first) => first,
            None => {
                let (plan, composed) = run.compose(sequence);
                let composed = composed?;
                if twice {
                    firsts.insert(sequence, (plan, composed.clone()));
                }
                (plan, composed)
            }
        };
        let of_scenario = run.scenario_of(sequence);
        let mut about = format!("{}:{}", plan.provider.name, plan.event.name);
        if let Some((scenario, run, step, steps)) = &of_scenario {
            about = format!("{scenario} run {run}, step {step}/{steps}: {about}");
        }
        let duplicate_of = duplicate.then_some(sequence + 1);
        if let Some(first) = duplicate_of {
            about = format!("{about} (duplicate of delivery {first})");
        }
        let scenario = of_scenario
            .as_ref()
            .map(|(scenario, run, step, _)| (scenario.as_str(), *run, *step as usize));
        send_view::request(
            output,
            RequestAbout {
                about,
                file: None,
                provider: &plan.provider.name,
                event: &plan.event.name,
                id: Some(&composed.id),
                signed: &composed.signing,
                scenario,
                duplicate_of,
            },
            &run.url,
            &composed.delivery,
            composed.plaintext.as_deref(),
        )?;
    }
    if let Some(arrangement) = &run.arrangement {
        send_view::arrangement(output, arrangement)?;
    }
    Ok(exit::SUCCESS)
}

/// Turn the arguments into a checked plan, so that nothing fails half-way through a run for a
/// reason that was knowable at the start.
fn plan_batch(args: &SendArgs, ctx: &Context) -> anyhow::Result<FixtureBatch> {
    let catalogue = &ctx.catalogue;
    let picked = select_events(args, catalogue, &ctx.output)?;
    let url_text = args
        .to
        .clone()
        .or_else(|| ctx.config.to.clone())
        .unwrap_or_else(|| target::DEFAULT_TARGET.into());
    let url = target::parse(&url_text).map_err(|e| UsageError::new(format!("--to: {e}")))?;
    let sets = args
        .set
        .iter()
        .map(|s| path::parse_assignment(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(UsageError::new)?;
    let headers = args.headers.clone();
    let now = args.timestamp;
    if args.count == 0 {
        return Err(UsageError::new("--count must be at least 1").into());
    }
    let expect = args.expect_status.clone();
    let raw_body = args.body.as_deref().map(read_body).transpose()?;

    let mut plans = Vec::new();
    for (provider, event) in picked {
        let secret = resolve_secret(provider, args.secret.as_deref(), &ctx.config);
        if let Some(secret) = &secret {
            crate::config::check_usable(provider, secret)?;
        }
        plans.push(Plan::new(provider, event, secret, expect.as_ref()));
    }
    let mut run = FixtureBatch::new(
        plans,
        url,
        sets,
        raw_body,
        args.webhook_id.clone(),
        now,
        headers,
        args.count,
    )
    .compile();
    if !args.scenarios.is_empty() {
        let mut first_plan = 0;
        let mut laid = Vec::new();
        for (provider, scenario) in scenarios_of(args, catalogue)? {
            laid.push((
                format!("{}:{}", provider.name, scenario.name),
                Arc::new(scenario.clone()),
                first_plan,
            ));
            first_plan += scenario.steps.len();
        }
        run = run.with_scenarios(ScenarioLayout::new(laid, args.count));
    }
    if args.retry {
        let settings = RetrySettings {
            time_scale: args.time_scale,
            max_attempts: args.max_attempts,
            schedule: args
                .schedule
                .as_deref()
                .map(parse_schedule)
                .transpose()
                .map_err(UsageError::new)?,
            timeout: args.timeout,
        };
        if !(args.time_scale.is_finite() && args.time_scale > 0.0) {
            return Err(UsageError::new("--time-scale must be a number above 0").into());
        }
        if args.max_attempts == Some(0) {
            return Err(UsageError::new("--max-attempts must be at least 1").into());
        }
        run = run.retried(&settings);
    }
    let rate = args.duplicate_rate.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&rate) {
        return Err(
            UsageError::new(format!("--duplicate-rate: {rate} is not between 0 and 1")).into(),
        );
    }
    if args.shuffle || rate > 0.0 {
        let seed = args.seed.unwrap_or_else(rand::random);
        let arrangement = Arrangement::new(run.deliveries(), rate, args.shuffle, seed);
        run = run.arranged(arrangement);
    }
    // ComposeOptions each event once now: a bad --set path or fixture is reported before anything is sent.
    for index in run.first_of_each_plan() {
        if let (plan, Err(e)) = run.compose(index) {
            let message = format!("{}:{}: {e}", plan.provider.name, plan.event.name);
            return Err(match e {
                ComposeError::Set { .. } => UsageError::new(message).into(),
                _ => anyhow::anyhow!(message),
            });
        }
    }
    let uses_builtin = run.plans.iter().any(|p| {
        p.secret
            .as_ref()
            .is_some_and(|s| s.source == crate::config::SecretSource::BuiltIn)
    });
    if uses_builtin && !args.dry_run {
        ctx.output.note(&format!(
            "{} signing with the built-in test secret; give --secret (or HOOKCTL_<PROVIDER>_SECRET) to use your own",
            "note:".yellow()
        ))?;
    }
    Ok(run)
}

fn select_events<'c>(
    args: &SendArgs,
    catalogue: &'c Catalogue,
    output: &Output,
) -> anyhow::Result<Vec<(&'c Arc<Provider>, &'c Event)>> {
    if !args.scenarios.is_empty() {
        let mut steps = Vec::new();
        for (provider, scenario) in scenarios_of(args, catalogue)? {
            for step in &scenario.steps {
                let event = provider
                    .event(&step.event)
                    .expect("a scenario's events were checked when it loaded");
                steps.push((provider, event));
            }
        }
        return Ok(steps);
    }
    if args.all {
        let providers: Vec<&Arc<Provider>> = match &args.provider {
            Some(name) => vec![catalogue.provider(name)?],
            None => catalogue.providers().iter().collect(),
        };
        return Ok(providers
            .into_iter()
            .flat_map(|p| p.events.iter().map(move |e| (p, e)))
            .collect());
    }
    if args.events.is_empty() {
        if output.interactive {
            return super::pick::event(catalogue, args.provider.as_deref())
                .map(|picked| vec![picked]);
        }
        return Err(UsageError::new(
            "no event given: name one (e.g. `hookctl send payin.update`), or use --all; `hookctl fixtures` lists providers and `hookctl fixtures PROVIDER` their events",
        )
        .into());
    }
    args.events
        .iter()
        .map(|query| {
            catalogue
                .resolve(query, args.provider.as_deref())
                .map_err(Into::into)
        })
        .collect()
}

/// The scenarios named by `--scenario`.
fn scenarios_of<'c>(
    args: &SendArgs,
    catalogue: &'c Catalogue,
) -> anyhow::Result<Vec<(&'c Arc<Provider>, &'c Scenario)>> {
    args.scenarios
        .iter()
        .map(|query| {
            let query = match (&args.provider, query.contains(':')) {
                (Some(provider), false) => format!("{provider}:{query}"),
                _ => query.clone(),
            };
            catalogue.resolve_scenario(&query).map_err(Into::into)
        })
        .collect()
}

fn read_body(path: &std::path::Path) -> anyhow::Result<Bytes> {
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read the body from stdin")?;
    } else {
        bytes = std::fs::read(path)
            .with_context(|| format!("cannot read the body file {}", path.display()))?;
    }
    Ok(Bytes::from(bytes))
}
