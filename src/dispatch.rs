//! Sending many deliveries: one pooled client, bounded concurrency, an optional rate, and each
//! outcome handed to the caller's [`Report`] as it arrives. `send`, `replay` and `demo` all go
//! through here; each decides how outcomes are shown.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, Mutex};
use url::Url;

use crate::catalogue::StatusRule;
use crate::client::Client;
use crate::delivery::Delivery;
use crate::outcome::{Fate, JobMeta, Outcome, Summary};
use crate::signals::StopSignals;

/// One request to make: where, what counts as delivered, and the delivery. Its outcome's
/// metadata holds the URL and the expectation.
pub struct Job {
    pub meta: JobMeta,
    pub url: Url,
    pub expect: StatusRule,
    pub delivery: Delivery,
}

/// Where jobs come from: made on demand, so a long run holds only what is in flight.
pub trait JobSource: Send + Sync + 'static {
    fn total(&self) -> u64;
    /// Job `index`, or the outcome of a job that could not be made (failed, or skipped when its
    /// source could not be read).
    fn job(&self, index: u64) -> Result<Job, Box<Outcome>>;
}

#[derive(Debug, Clone)]
pub struct Options {
    pub concurrency: usize,
    /// Requests per second at most.
    pub rate: Option<f64>,
    /// Keep each request as sent in its outcome, for views that show it.
    pub keep_requests: bool,
}

/// Told of outcomes as they arrive, a batch at a time: everything that finished since the last
/// call. It runs on the reporting task, and a failure to report stops the run.
pub trait Report: Send + 'static {
    fn outcomes(&mut self, outcomes: &[Outcome]) -> std::io::Result<()>;
}

impl<F: FnMut(&[Outcome]) -> std::io::Result<()> + Send + 'static> Report for F {
    fn outcomes(&mut self, outcomes: &[Outcome]) -> std::io::Result<()> {
        self(outcomes)
    }
}

/// Run every job of a source, handing each outcome to `report` as it arrives.
pub async fn run(
    source: Arc<dyn JobSource>,
    client: Arc<Client>,
    options: &Options,
    mut report: impl Report,
) -> anyhow::Result<Summary> {
    let total = source.total();
    let concurrency = options.concurrency.max(1);
    let keep_requests = options.keep_requests;
    let next = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let pace = options.rate.filter(|r| *r > 0.0).map(|rate| {
        let mut interval = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Arc::new(Mutex::new(interval))
    });
    let (results, mut received) = mpsc::channel::<Outcome>(concurrency * 4);
    let mut signals = StopSignals::new()?;
    let started = Instant::now();
    for _ in 0..concurrency.min(total.max(1) as usize) {
        let (source, client, next, stop, results, pace) =
            (source.clone(), client.clone(), next.clone(), stop.clone(), results.clone(), pace.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= total {
                    break;
                }
                if let Some(pace) = &pace {
                    pace.lock().await.tick().await;
                }
                let outcome = perform(source.as_ref(), &client, index, keep_requests).await;
                if results.send(outcome).await.is_err() {
                    break;
                }
            }
        });
    }
    drop(results);

    // The reporter runs as a task on the runtime's workers, so handing it an outcome does not wake
    // a thread of its own for every request.
    let reporter = tokio::spawn(async move {
        let mut summary = Summary { planned: total, ..Summary::default() };
        loop {
            tokio::select! {
                outcome = received.recv() => {
                    let Some(outcome) = outcome else { break };
                    // Report everything that is waiting at once.
                    let mut waiting = vec![outcome];
                    while let Ok(more) = received.try_recv() {
                        waiting.push(more);
                    }
                    for outcome in &waiting {
                        summary.add(&outcome.fate);
                    }
                    report.outcomes(&waiting)?;
                }
                _ = signals.recv(), if !summary.interrupted => {
                    // Stop taking new work; what is in flight still reports.
                    summary.interrupted = true;
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
        Ok::<_, std::io::Error>(summary)
    });
    let mut summary = reporter.await??;
    summary.elapsed = started.elapsed();
    summary.latencies.sort_unstable();
    Ok(summary)
}

async fn perform(source: &dyn JobSource, client: &Client, index: u64, keep_request: bool) -> Outcome {
    match source.job(index) {
        Err(unsent) => *unsent,
        Ok(Job { meta, url, expect, delivery }) => {
            let fate = match client.send(&url, &delivery).await {
                Ok(response) => Fate::answered(response, &expect),
                Err(error) => Fate::Failed(error.to_string()),
            };
            let meta = JobMeta { url: Some(url), expect: Some(expect), ..meta };
            Outcome { meta, fate, request: keep_request.then_some(delivery) }
        }
    }
}
