//! Sending many deliveries: one pooled client, bounded concurrency, an optional rate, and each
//! outcome handed to the caller's [`Report`] as it arrives. `send`, `replay` and `demo` all go
//! through here; each decides how outcomes are shown.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, Mutex, Notify, Semaphore};
use url::Url;

use crate::catalogue::StatusRule;
use crate::client::Client;
use crate::delivery::Delivery;
use crate::outcome::{Attempt, Fate, JobMeta, Outcome, Summary};
use crate::retry::RetryPolicy;
use crate::signals::StopSignals;

/// One request to make: where, what counts as delivered, and the delivery. Its outcome's
/// metadata holds the URL and the expectation.
#[derive(Clone)]
pub(crate) struct Job {
    /// Boxed: a job and its outcome are moved several times on their way, and the metadata is
    /// most of their size (`memmove` was a visible share of a send's time: BENCHMARKS.md).
    pub meta: Box<JobMeta>,
    pub url: Url,
    pub expect: StatusRule,
    pub delivery: Delivery,
    /// How to retry it when an attempt fails (`send --retry`); `None` sends it once.
    pub retry: Option<Arc<RetryPolicy>>,
    /// How long to wait before sending it (a scenario step's wait).
    pub delay: Option<Duration>,
}

/// Where jobs come from: made on demand, so a long run holds only what is in flight.
pub(crate) trait JobSource: Send + Sync + 'static {
    /// How many jobs there are; a source still being listed waits until it knows.
    fn total(&self) -> u64;
    /// The total when it is known without waiting: `None` from a source still being listed
    /// (a large journal).
    fn known_total(&self) -> Option<u64> {
        Some(self.total())
    }
    /// Whether job `index` exists, asked by the workers before each job; a source still being
    /// listed waits until it knows (listing runs far ahead of sending, so a wait is short and
    /// comes only at the start).
    fn has(&self, index: u64) -> bool {
        index < self.total()
    }
    /// Job `index`, or the outcome of a job that could not be made (failed, or skipped when its
    /// source could not be read).
    fn job(&self, index: u64) -> Result<Job, Box<Outcome>>;
}

#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub concurrency: usize,
    /// Requests per second at most.
    pub rate: Option<f64>,
    /// Keep each request as sent in its outcome, for views that show it.
    pub keep_requests: bool,
}

/// Told of outcomes as they arrive, a batch at a time: everything that finished since the last
/// call. It runs on the reporting task, and a failure to report stops the run.
pub(crate) trait Report: Send + 'static {
    fn outcomes(&mut self, outcomes: &[Outcome]) -> std::io::Result<()>;

    /// One attempt of a delivery that is retried, as it happens.
    fn attempt(&mut self, _meta: &JobMeta, _attempt: &Attempt) -> std::io::Result<()> {
        Ok(())
    }
}

impl<F: FnMut(&[Outcome]) -> std::io::Result<()> + Send + 'static> Report for F {
    fn outcomes(&mut self, outcomes: &[Outcome]) -> std::io::Result<()> {
        self(outcomes)
    }
}

/// What the workers tell the reporter. Outcomes go unboxed: one goes with every request, and a
/// box would cost an allocation each; attempts come only with `--retry`.
#[allow(clippy::large_enum_variant)]
enum Event {
    /// One attempt of a retried delivery.
    Attempt(Box<(JobMeta, Attempt)>),
    Done(Outcome),
}

/// What the workers share.
struct Shared {
    source: Arc<dyn JobSource>,
    client: Arc<Client>,
    events: mpsc::Sender<Event>,
    /// Requests in flight at most: taken per request, so a retry waiting its turn holds none.
    gate: Semaphore,
    halt: Arc<Halt>,
    keep_requests: bool,
}

/// Told to the workers and the retries when the run is interrupted. The reporter holds this and
/// not [`Shared`], whose event sender would keep its own channel open.
#[derive(Default)]
struct Halt {
    stop: AtomicBool,
    /// Wakes retries that are waiting.
    stopping: Notify,
}

impl Halt {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// Run every job of a source, handing each outcome to `report` as it arrives.
pub(crate) async fn run(
    source: Arc<dyn JobSource>,
    client: Arc<Client>,
    options: &Options,
    report: impl Report,
) -> anyhow::Result<Summary> {
    run_spread(source, vec![client], options, report).await
}

/// [`run`], with the workers spread over a thread per client: the first client's on this
/// runtime, each other one's on a single-threaded runtime of its own, so that a request and its
/// connection stay on one thread. The workers take jobs in order from one counter; retries and
/// `--rate` are for one thread only (the caller passes one client for them).
pub(crate) async fn run_spread(
    source: Arc<dyn JobSource>,
    clients: Vec<Arc<Client>>,
    options: &Options,
    mut report: impl Report,
) -> anyhow::Result<Summary> {
    let known = source.known_total();
    let concurrency = options.concurrency.max(1);
    let next = Arc::new(AtomicU64::new(0));
    let pace = options.rate.filter(|r| *r > 0.0).map(|rate| {
        let mut interval = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Arc::new(Mutex::new(interval))
    });
    let (events, mut received) = mpsc::channel::<Event>(concurrency * 4);
    let halt: Arc<Halt> = Arc::default();
    // Never more threads than requests in flight: `--concurrency 1` stays one worker.
    let mut clients = clients;
    clients.truncate(concurrency);
    let threads = clients.len().max(1);
    let per_thread = concurrency.div_ceil(threads);
    let mut signals = StopSignals::new()?;
    let started = Instant::now();
    let mut others = Vec::new();
    for (thread, client) in clients.into_iter().enumerate() {
        let shared = Arc::new(Shared {
            source: source.clone(),
            client,
            events: events.clone(),
            gate: Semaphore::new(per_thread),
            halt: halt.clone(),
            keep_requests: options.keep_requests,
        });
        let workers = known.map_or(per_thread, |total| per_thread.min(total.max(1) as usize));
        if thread == 0 {
            for _ in 0..workers {
                tokio::spawn(work(shared.clone(), next.clone(), pace.clone()));
            }
            continue;
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let next = next.clone();
        others.push(std::thread::spawn(move || {
            runtime.block_on(async move {
                let mut set = tokio::task::JoinSet::new();
                for _ in 0..workers {
                    set.spawn(work(shared.clone(), next.clone(), None));
                }
                while set.join_next().await.is_some() {}
            })
        }));
    }
    drop(events);

    // The reporter runs as a task on the runtime's workers, so handing it an outcome does not wake
    // a thread of its own for every request.
    let reporter = tokio::spawn(async move {
        // What was planned is filled in at the end, when a source still being listed knows.
        let mut summary = Summary::default();
        // Kept from batch to batch: a fresh one grew into fresh pages of memory every time, and
        // the kernel zeroing them was a replay's largest cost in the kernel.
        let mut waiting = Vec::new();
        loop {
            tokio::select! {
                event = received.recv() => {
                    let Some(event) = event else { break };
                    // Report everything that is waiting at once.
                    for event in std::iter::once(event).chain(std::iter::from_fn(|| received.try_recv().ok())) {
                        match event {
                            Event::Attempt(attempt) => {
                                report.outcomes(&waiting)?;
                                waiting.clear();
                                report.attempt(&attempt.0, &attempt.1)?;
                            }
                            Event::Done(outcome) => {
                                summary.add(&outcome);
                                waiting.push(outcome);
                            }
                        }
                    }
                    report.outcomes(&waiting)?;
                    waiting.clear();
                }
                _ = signals.recv(), if !summary.interrupted => {
                    // Stop taking new work and stop waiting to retry; what is in flight still reports.
                    summary.interrupted = true;
                    halt.stop.store(true, Ordering::Relaxed);
                    halt.stopping.notify_waiters();
                }
            }
        }
        Ok::<_, std::io::Error>(summary)
    });
    let mut summary = reporter.await??;
    summary.planned = source.total();
    for other in others {
        let _ = tokio::task::spawn_blocking(move || other.join()).await;
    }
    summary.elapsed = started.elapsed();
    summary.latencies.sort_unstable();
    Ok(summary)
}

/// One worker: take the next job, send it, report it, until there are none or the run stops.
async fn work(
    shared: Arc<Shared>,
    next: Arc<AtomicU64>,
    pace: Option<Arc<Mutex<tokio::time::Interval>>>,
) {
    while !shared.halt.stopped() {
        let index = next.fetch_add(1, Ordering::Relaxed);
        if !shared.source.has(index) {
            break;
        }
        if let Some(pace) = &pace {
            pace.lock().await.tick().await;
        }
        match perform(&shared, index).await {
            Step::Done(outcome) => {
                if shared.events.send(Event::Done(outcome)).await.is_err() {
                    break;
                }
            }
            // Retries wait on a task of their own, so that they never hold up the others.
            Step::Retry(pending) => {
                tokio::spawn(retry(shared.clone(), pending));
            }
        }
    }
}

/// A job's first attempt made: its outcome, or the rest of its retries to wait for (unboxed
/// outcomes, as in [`Event`]).
#[allow(clippy::large_enum_variant)]
enum Step {
    Done(Outcome),
    Retry(Box<Pending>),
}

/// A delivery between two attempts.
struct Pending {
    job: Job,
    policy: Arc<RetryPolicy>,
    attempts: Vec<Attempt>,
    fate: Fate,
}

async fn send(shared: &Shared, job: &Job, timeout: Option<Duration>) -> Fate {
    let _permit = shared.gate.acquire().await;
    let sent = match timeout {
        Some(timeout) => {
            shared
                .client
                .send_within(&job.url, &job.delivery, timeout)
                .await
        }
        None => shared.client.send(&job.url, &job.delivery).await,
    };
    match sent {
        Ok(response) => Fate::answered(response, &job.expect),
        Err(error) => Fate::Failed(error.to_string()),
    }
}

fn finish(
    shared: &Shared,
    job: Job,
    fate: Fate,
    attempts: Vec<Attempt>,
    stopped: Option<String>,
) -> Outcome {
    let Job {
        meta,
        url,
        expect,
        delivery,
        ..
    } = job;
    let mut meta = meta;
    meta.url = Some(url);
    meta.expect = Some(expect);
    Outcome {
        meta,
        fate,
        request: shared.keep_requests.then_some(delivery),
        attempts,
        stopped,
    }
}

async fn perform(shared: &Shared, index: u64) -> Step {
    let job = match shared.source.job(index) {
        Err(unsent) => return Step::Done(*unsent),
        Ok(job) => job,
    };
    if let Some(delay) = job.delay {
        tokio::time::sleep(delay).await;
    }
    let Some(policy) = job.retry.clone() else {
        let fate = send(shared, &job, None).await;
        return Step::Done(finish(shared, job, fate, Vec::new(), None));
    };
    if !policy.first_delay.is_zero() {
        tokio::time::sleep(policy.scaled(policy.first_delay)).await;
    }
    let fate = send(shared, &job, policy.timeout).await;
    let pending = Pending {
        job,
        policy,
        attempts: Vec::new(),
        fate,
    };
    next_step(shared, pending, Duration::ZERO).await
}

/// Record the attempt just made; the outcome when it was the last, else the retry to come.
async fn next_step(shared: &Shared, mut pending: Pending, at: Duration) -> Step {
    let policy = pending.policy.clone();
    let number = pending.attempts.len() as u32 + 1;
    let stopped = pending.fate.response().and_then(|r| policy.stopped_by(r));
    let done = pending.fate.is_delivered() || stopped.is_some() || shared.halt.stopped();
    let next = if done {
        None
    } else {
        policy.wait_before(number + 1)
    };
    let result = match &pending.fate {
        Fate::Delivered(r) | Fate::Unexpected(r) => Ok((r.status, r.elapsed)),
        Fate::Failed(why) | Fate::Skipped(why) => Err(why.clone()),
    };
    let attempt = Attempt {
        number,
        of: policy.attempts(),
        result,
        at,
        next,
    };
    let _ = shared
        .events
        .send(Event::Attempt(Box::new((
            JobMeta::clone(&pending.job.meta),
            attempt.clone(),
        ))))
        .await;
    pending.attempts.push(attempt);
    if next.is_none() {
        let Pending {
            job,
            attempts,
            fate,
            ..
        } = pending;
        return Step::Done(finish(shared, job, fate, attempts, stopped));
    }
    Step::Retry(Box::new(pending))
}

/// Wait out the schedule and attempt again, until the delivery is done.
async fn retry(shared: Arc<Shared>, mut pending: Box<Pending>) {
    loop {
        let last = pending.attempts.last().expect("a retry follows an attempt");
        let (real, scaled) = last.next.expect("a retry has a wait before it");
        let at = last.at + real;
        let stopping = shared.halt.stopping.notified();
        if !shared.halt.stopped() {
            tokio::select! {
                _ = tokio::time::sleep(scaled) => {}
                _ = stopping => {}
            }
        }
        if shared.halt.stopped() {
            let Pending {
                job,
                attempts,
                fate,
                ..
            } = *pending;
            let outcome = finish(&shared, job, fate, attempts, Some("interrupted".into()));
            let _ = shared.events.send(Event::Done(outcome)).await;
            return;
        }
        let id = pending.job.meta.id.clone();
        let job = &mut pending.job;
        pending.fate =
            match pending
                .policy
                .renew(&mut job.delivery.headers, &job.delivery.body, &id)
            {
                Ok(()) => send(&shared, job, pending.policy.timeout).await,
                Err(why) => Fate::Failed(format!("cannot sign the retry: {why}")),
            };
        match next_step(&shared, *pending, at).await {
            Step::Done(outcome) => {
                let _ = shared.events.send(Event::Done(outcome)).await;
                return;
            }
            Step::Retry(again) => pending = again,
        }
    }
}
