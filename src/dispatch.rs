//! Sending many deliveries: one pooled client, bounded concurrency, an optional rate, a progress
//! bar, and each outcome reported as it arrives. `send`, `replay` and `demo` all go through here.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, Mutex};
use url::Url;

use crate::catalogue::StatusRule;
use crate::client::{Client, Response};
use crate::delivery::Delivery;
use crate::output::{send_view, Output, Verbosity};
use crate::signals::StopSignals;

/// One request to make.
pub struct Job {
    pub provider: String,
    pub event: String,
    pub id: String,
    /// What was signed, and with which secret's source.
    pub note: String,
    pub url: Url,
    pub delivery: Delivery,
    pub expect: StatusRule,
    /// Where the job came from, such as a capture file.
    pub origin: Option<String>,
    /// Something the person should know before trusting the outcome (a stale signature, say).
    pub warning: Option<String>,
}

/// Where jobs come from: made on demand, so a long run holds only what is in flight.
pub trait JobSource: Send + Sync + 'static {
    fn total(&self) -> u64;
    /// Job `index`, or why it could not be made (reported as a failure of that job).
    fn job(&self, index: u64) -> Result<Job, JobError>;
}

#[derive(Debug, Clone)]
pub struct JobError {
    pub provider: String,
    pub event: String,
    pub origin: Option<String>,
    pub message: String,
    /// The job's source could not be read (a corrupt capture file): reported as skipped, not as
    /// a request that failed.
    pub skipped: bool,
}

/// What happened to one job.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub provider: String,
    pub event: String,
    pub id: String,
    pub note: String,
    /// `None` when the job could not be made.
    pub url: Option<Url>,
    /// What counts as delivered; `None` when the job could not be made.
    pub expect: Option<StatusRule>,
    pub origin: Option<String>,
    pub result: Result<Response, String>,
    pub delivered: bool,
    /// Nothing was sent: the job's source could not be read.
    pub skipped: bool,
    pub warning: Option<String>,
    /// The request as sent, kept only when it will be shown (--json --verbose).
    pub request: Option<Delivery>,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub concurrency: usize,
    /// Requests per second at most.
    pub rate: Option<f64>,
}

/// Counts and latencies of a run.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub planned: u64,
    pub delivered: u64,
    pub unexpected: u64,
    pub failed: u64,
    pub skipped: u64,
    pub latencies: Vec<Duration>,
    pub elapsed: Duration,
    pub interrupted: bool,
}

impl Summary {
    pub fn sent(&self) -> u64 {
        self.delivered + self.unexpected + self.failed
    }

    fn add(&mut self, outcome: &Outcome) {
        if outcome.skipped {
            self.skipped += 1;
            return;
        }
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

    /// The latency at a percentile (nearest rank); the latencies must be sorted.
    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }

    /// The exit code the run deserves.
    pub fn exit_code(&self) -> u8 {
        use crate::error::exit;
        if self.interrupted {
            exit::INTERRUPTED
        } else if self.failed > 0 {
            exit::RUNTIME
        } else if self.unexpected > 0 {
            exit::UNEXPECTED_STATUS
        } else if self.skipped > 0 {
            exit::RUNTIME
        } else {
            exit::SUCCESS
        }
    }
}

/// Run every job of a source, reporting each outcome through `output` as it arrives.
pub async fn run(
    source: Arc<dyn JobSource>,
    client: Arc<Client>,
    options: &Options,
    output: &Output,
) -> anyhow::Result<Summary> {
    let total = source.total();
    let concurrency = options.concurrency.max(1);
    let keep_requests = output.json && output.verbosity == Verbosity::Verbose;
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

    let bar =
        if output.verbosity == Verbosity::Verbose { indicatif::ProgressBar::hidden() } else { output.progress(total) };
    let batch = output.deferred();
    // The reporter runs as a task on the runtime's workers, so handing it an outcome does not wake
    // a thread of its own for every request.
    let reporter = tokio::spawn(async move {
        let mut summary = Summary { planned: total, ..Summary::default() };
        loop {
            tokio::select! {
                outcome = received.recv() => {
                    let Some(outcome) = outcome else { break };
                    // Report everything that is waiting, then write it out at once. (The bar must
                    // not be touched inside `suspend`, which holds its lock.)
                    let mut waiting = vec![outcome];
                    while let Ok(more) = received.try_recv() {
                        waiting.push(more);
                    }
                    bar.suspend(|| -> std::io::Result<()> {
                        for outcome in &waiting {
                            summary.add(outcome);
                            send_view::outcome(&batch, outcome)?;
                        }
                        batch.flush()
                    })?;
                    bar.inc(waiting.len() as u64);
                }
                _ = signals.recv(), if !summary.interrupted => {
                    // Stop taking new work; what is in flight still reports.
                    summary.interrupted = true;
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
        bar.finish_and_clear();
        Ok::<_, std::io::Error>(summary)
    });
    let mut summary = reporter.await??;
    summary.elapsed = started.elapsed();
    summary.latencies.sort_unstable();
    Ok(summary)
}

async fn perform(source: &dyn JobSource, client: &Client, index: u64, keep_request: bool) -> Outcome {
    match source.job(index) {
        Err(e) => Outcome {
            provider: e.provider,
            event: e.event,
            id: String::new(),
            note: String::new(),
            url: None,
            expect: None,
            origin: e.origin,
            result: Err(e.message),
            delivered: false,
            skipped: e.skipped,
            warning: None,
            request: None,
        },
        Ok(job) => {
            let result = client.send(&job.url, &job.delivery).await.map_err(|e| e.to_string());
            let delivered = matches!(&result, Ok(r) if job.expect.accepts(r.status));
            Outcome {
                provider: job.provider,
                event: job.event,
                id: job.id,
                note: job.note,
                url: Some(job.url),
                expect: Some(job.expect),
                origin: job.origin,
                result,
                delivered,
                skipped: false,
                warning: job.warning,
                request: keep_request.then_some(job.delivery),
            }
        }
    }
}
