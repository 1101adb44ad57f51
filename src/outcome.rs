//! What a run of requests produces: one [`Outcome`] per job (what it was, and its [`Fate`]) and
//! the [`Summary`] of them all. The send engine makes them; views show them.

use std::time::Duration;

use url::Url;

use crate::catalogue::StatusRule;
use crate::client::Response;
use crate::delivery::Delivery;

/// What a job is, shared by the job and its outcome.
#[derive(Debug, Clone, Default)]
pub struct JobMeta {
    pub provider: String,
    pub event: String,
    /// The delivery's id; empty when the job could not be made.
    pub id: String,
    /// What was signed, and with which secret's source.
    pub signing: String,
    /// Where it goes; `None` when the job could not be made.
    pub url: Option<Url>,
    /// What counts as delivered; `None` when the job could not be made.
    pub expect: Option<StatusRule>,
    /// Where the job came from, such as a capture file.
    pub origin: Option<String>,
    /// Something the person should know before trusting the outcome (a stale signature, say).
    pub warning: Option<String>,
    /// The delivery's number in the run, counted in the order the batch lists them.
    pub sequence: u64,
    /// A second copy of an earlier (or later) delivery, byte for byte (`--duplicate-rate`).
    pub duplicate: bool,
    /// The scenario (`provider:name`) and its run, when the delivery is a step of one.
    pub scenario: Option<(String, u64)>,
    /// The step's number and how many the scenario has.
    pub step: Option<(u32, u32)>,
}

/// What happened to one job.
#[derive(Debug, Clone)]
pub enum Fate {
    /// Answered with a status the job expected.
    Delivered(Response),
    /// Answered, with a status the job did not expect.
    Unexpected(Response),
    /// Not answered: the request failed, or the job could not be made.
    Failed(String),
    /// Nothing was sent: the job's source could not be read (a corrupt capture file).
    Skipped(String),
}

impl Fate {
    /// The fate of a request that was answered, judged by the job's expectation.
    pub fn answered(response: Response, expect: &StatusRule) -> Fate {
        if expect.accepts(response.status) {
            Fate::Delivered(response)
        } else {
            Fate::Unexpected(response)
        }
    }

    pub fn is_delivered(&self) -> bool {
        matches!(self, Fate::Delivered(_))
    }

    /// The answer, when there was one.
    pub fn response(&self) -> Option<&Response> {
        match self {
            Fate::Delivered(response) | Fate::Unexpected(response) => Some(response),
            Fate::Failed(_) | Fate::Skipped(_) => None,
        }
    }
}

/// One attempt of a delivery that is retried (`send --retry`).
#[derive(Debug, Clone)]
pub struct Attempt {
    /// 1 for the first.
    pub number: u32,
    /// Attempts the schedule allows.
    pub of: u32,
    /// The status and time of the answer, or why there was none.
    pub result: Result<(u16, Duration), String>,
    /// When it went, in the provider's time since the first attempt.
    pub at: Duration,
    /// The wait before the next attempt, real and as this run waits it; `None` after the last.
    pub next: Option<(Duration, Duration)>,
}

/// One job's outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Boxed, as in a job (`dispatch::Job`).
    pub meta: Box<JobMeta>,
    pub fate: Fate,
    /// The request as sent, kept only when it will be shown (--json --verbose).
    pub request: Option<Delivery>,
    /// Every attempt, when the delivery was retried on a schedule; empty otherwise.
    pub attempts: Vec<Attempt>,
    /// Why retrying stopped before the schedule ended (a 410, an abort header).
    pub stopped: Option<String>,
}

impl Outcome {
    /// A job that could not be made, or whose source could not be read.
    pub fn unsent(meta: JobMeta, fate: Fate) -> Outcome {
        Outcome {
            meta: Box::new(meta),
            fate,
            request: None,
            attempts: Vec::new(),
            stopped: None,
        }
    }

    /// How long the attempts took in the provider's time, first to last.
    pub fn provider_time(&self) -> Duration {
        self.attempts.last().map_or(Duration::ZERO, |a| a.at)
    }
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
    /// Attempts made beyond the first, by retrying deliveries.
    pub retries: u64,
}

impl Summary {
    pub fn sent(&self) -> u64 {
        self.delivered + self.unexpected + self.failed
    }

    pub fn add(&mut self, outcome: &Outcome) {
        self.retries += outcome.attempts.len().saturating_sub(1) as u64;
        match &outcome.fate {
            Fate::Delivered(response) => {
                self.latencies.push(response.elapsed);
                self.delivered += 1;
            }
            Fate::Unexpected(response) => {
                self.latencies.push(response.elapsed);
                self.unexpected += 1;
            }
            Fate::Failed(_) => self.failed += 1,
            Fate::Skipped(_) => self.skipped += 1,
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
