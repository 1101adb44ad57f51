//! How `send` and `replay` show each outcome and the run's summary.

use std::fmt;

use colored::Colorize;

use super::records::{
    ArrangementShown, AttemptShown, Bytes, HeaderPairs, Latency, Millis, Record, RequestSent,
    RequestShown, SendSummary, SentDelivery, SentForPeople, Skipped, Slot,
    Summary as SummaryRecord, Text, Warning,
};
use super::{body_text, human_duration, shown_value, Output, Verbosity};
use crate::batch::Arrangement;
use crate::catalogue::behaviour::Wait;
use crate::error::sanitize;
use crate::outcome::{Attempt, Fate, JobMeta, Outcome, Summary};
/// Shows the outcomes of a run as they arrive, with a progress bar on a terminal: what `send` and
/// `replay` hand the send engine. The bar is cleared when the view is dropped.
pub struct Progress {
    output: Output,
    bar: indicatif::ProgressBar,
}

impl Progress {
    pub fn new(output: &Output, total: u64) -> Self {
        let bar = if output.verbosity == Verbosity::Verbose {
            indicatif::ProgressBar::hidden()
        } else {
            output.progress(total)
        };
        Progress {
            output: output.deferred(),
            bar,
        }
    }
}

impl crate::dispatch::Report for Progress {
    fn attempt(&mut self, meta: &JobMeta, attempt: &Attempt) -> std::io::Result<()> {
        self.bar.suspend(|| -> std::io::Result<()> {
            self::attempt(&self.output, meta, attempt)?;
            self.output.flush()
        })
    }

    fn outcomes(&mut self, outcomes: &[Outcome]) -> std::io::Result<()> {
        if outcomes.is_empty() {
            return Ok(());
        }
        // Written out at once; the bar must not be touched inside `suspend`, which holds its lock.
        self.bar.suspend(|| -> std::io::Result<()> {
            for one in outcomes {
                outcome(&self.output, one)?;
            }
            self.output.flush()
        })?;
        self.bar.inc(outcomes.len() as u64);
        Ok(())
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// One attempt of a retried delivery: an `attempt` record.
pub fn attempt(output: &Output, meta: &JobMeta, attempt: &Attempt) -> std::io::Result<()> {
    let (status, elapsed, error) = match &attempt.result {
        Ok((status, elapsed)) => (Some(*status), Some(*elapsed), None),
        Err(error) => (None, None, Some(error.as_str())),
    };
    output.emit(&Record::Attempt(AttemptShown {
        provider: &meta.provider,
        event: &meta.event,
        id: &meta.id,
        attempt: attempt.number,
        attempts: attempt.of,
        provider_time_ms: Millis(attempt.at),
        status,
        elapsed_ms: elapsed.map(Millis),
        error,
        next_wait_ms: attempt.next.map(|(real, _)| Millis(real)),
        next_wait_scaled_ms: attempt.next.map(|(_, scaled)| Millis(scaled)),
        at: attempt.at,
        elapsed,
        next: attempt.next,
    }))
}

/// Failed attempts for people (every attempt when verbose, none when quiet).
impl fmt::Display for AttemptShown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verbosity = Verbosity::of(f);
        if verbosity == Verbosity::Quiet {
            return Ok(());
        }
        let answer = match (self.status, self.elapsed, self.error) {
            (Some(status), Some(elapsed), _) => format!("{status} in {}", human_duration(elapsed)),
            (_, _, error) => format!("no answer: {}", error.unwrap_or_default()),
        };
        let next = match self.next {
            Some((real, scaled)) if real != scaled => format!(
                "; next in {} ({} at this time scale)",
                Wait(real),
                human_duration(scaled)
            ),
            Some((real, _)) => format!("; next in {}", Wait(real)),
            None => String::new(),
        };
        let line = format!(
            "  {} {}:{} attempt {}/{} at +{}: {answer}{next}",
            "↻".yellow(),
            self.provider,
            self.event,
            self.attempt,
            self.attempts,
            Wait(self.at)
        );
        write!(f, "{}", line.dimmed())
    }
}

/// The order a run used and what it sent twice, so that it can be compared with what the receiver did.
pub fn arrangement(output: &Output, arrangement: &Arrangement) -> std::io::Result<()> {
    let duplicated: Vec<u64> = arrangement
        .order
        .iter()
        .filter(|(_, copy)| *copy)
        .map(|(s, _)| s + 1)
        .collect();
    // The order is listed in full for runs a person could compare by hand.
    let order = (arrangement.order.len() <= 10_000).then(|| {
        arrangement
            .order
            .iter()
            .map(|&(s, duplicate)| Slot {
                delivery: s + 1,
                duplicate,
            })
            .collect()
    });
    output.emit(&Record::Arrangement(ArrangementShown {
        seed: arrangement.seed,
        shuffled: arrangement.shuffled,
        duplicates: duplicated.len(),
        duplicated,
        order,
        slots: arrangement.order.clone(),
    }))
}

impl fmt::Display for ArrangementShown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.shuffled {
            write!(f, "Shuffled with --seed {}", self.seed)?;
        } else {
            write!(f, "In order (--seed {})", self.seed)?;
        }
        if self.duplicated.is_empty() {
            f.write_str("; no duplicates")?;
        } else {
            let shown: Vec<String> = self
                .duplicated
                .iter()
                .take(20)
                .map(|n| format!("#{n}"))
                .collect();
            let more = if self.duplicated.len() > 20 {
                ", …"
            } else {
                ""
            };
            write!(
                f,
                "; {} sent twice: {}{more}",
                self.duplicated.len(),
                shown.join(", ")
            )?;
        }
        if self.shuffled && self.slots.len() <= 40 {
            let order: Vec<String> = self
                .slots
                .iter()
                .map(|(s, copy)| {
                    if *copy {
                        format!("#{}′", s + 1)
                    } else {
                        format!("#{}", s + 1)
                    }
                })
                .collect();
            write!(f, ". Order: {}", order.join(" "))?;
        }
        Ok(())
    }
}

pub fn outcome(output: &Output, outcome: &Outcome) -> std::io::Result<()> {
    let meta = &outcome.meta;
    let origin = meta.origin.as_deref().unwrap_or_default();
    if let Some(message) = &meta.warning {
        warning(output, origin, message)?;
    }
    if let Fate::Skipped(why) = &outcome.fate {
        return skipped_file(output, origin, why);
    }
    let response = outcome.fate.response();
    let error = match &outcome.fate {
        Fate::Failed(error) | Fate::Skipped(error) => Some(error.as_str()),
        Fate::Delivered(_) | Fate::Unexpected(_) => None,
    };
    let retried = !outcome.attempts.is_empty();
    let (scenario, run, step, steps) = match (&meta.scenario, meta.step) {
        (Some((scenario, run)), Some((step, steps))) => (
            Some(scenario.as_str()),
            Some(*run),
            Some(step as usize),
            Some(steps as usize),
        ),
        _ => (None, None, None, None),
    };
    let provider_time = retried.then(|| outcome.provider_time());
    output.emit(&Record::Delivery(super::records::DeliveryRecord::Sent(
        SentDelivery {
            provider: &meta.provider,
            event: &meta.event,
            id: &meta.id,
            url: meta.url.as_ref().map_or("", url::Url::as_str),
            signed: &meta.signing,
            expected_status: meta.expect.as_ref().map(Text),
            delivered: outcome.fate.is_delivered(),
            duplicate_of: meta.duplicate.then_some(meta.sequence + 1),
            scenario,
            run,
            step,
            steps,
            attempts: retried.then_some(outcome.attempts.len()),
            provider_time_ms: provider_time.map(Millis),
            stopped: outcome.stopped.as_deref(),
            file: meta.origin.as_deref(),
            status: response.map(|r| r.status),
            elapsed_ms: response.map(|r| Millis(r.elapsed)),
            redirect: response.and_then(|r| r.location.as_deref()),
            response_body: response.map(|r| Bytes(&r.body)),
            error,
            request: outcome.request.as_ref().map(|request| RequestSent {
                method: &request.method,
                headers: HeaderPairs {
                    headers: &request.headers,
                    redact: true,
                },
                body: Bytes(&request.body),
            }),
            human: SentForPeople {
                failed: !outcome.fate.is_delivered(),
                elapsed: response.map(|r| r.elapsed),
                provider_time,
                raw_response: response.map(|r| &r.body[..]),
            },
        },
    )))
}

/// A line per delivery (failures only with `--quiet`), the signing line, and with `--verbose`
/// the answer's body.
impl fmt::Display for SentDelivery<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verbosity = Verbosity::of(f);
        let failed = self.human.failed;
        if verbosity == Verbosity::Quiet && !failed {
            return Ok(());
        }
        let name = match (self.scenario, self.run, self.step, self.steps) {
            (Some(scenario), Some(run), Some(step), Some(steps)) => format!(
                "{}:{} ({scenario} #{run}, step {step}/{steps})",
                self.provider, self.event
            ),
            _ => format!("{}:{}", self.provider, self.event),
        };
        match (self.status, self.error) {
            (Some(status), _) => {
                let status = status.to_string();
                let (mark, status) = if failed {
                    ("✘".red(), status.red().bold())
                } else {
                    ("✔".green(), status.green().bold())
                };
                let elapsed = self.human.elapsed.unwrap_or_default();
                write!(
                    f,
                    "{mark} {status} {} → {} {}",
                    name.bold(),
                    self.url,
                    human_duration(elapsed).to_string().dimmed()
                )?;
                if failed {
                    if let Some(expect) = &self.expected_status {
                        write!(f, "  (expected {})", expect.0)?;
                    }
                }
                if let Some(location) = self.redirect {
                    write!(f, "  redirect to {} not followed", sanitize(location))?;
                }
            }
            (None, error) => {
                let to = if self.url.is_empty() {
                    String::new()
                } else {
                    format!(" → {}", self.url)
                };
                write!(
                    f,
                    "{} {} {}{to}: {}",
                    "✘".red(),
                    "ERR".red().bold(),
                    name.bold(),
                    error.unwrap_or_default()
                )?;
            }
        }
        if let (Some(attempts), Some(time)) = (self.attempts, self.human.provider_time) {
            if attempts > 1 {
                write!(
                    f,
                    "  after {attempts} attempts over {} of the provider's time",
                    Wait(time)
                )?;
            }
        }
        if let Some(stopped) = self.stopped {
            write!(f, "  ({stopped})")?;
        }
        if let Some(of) = self.duplicate_of {
            write!(f, "  {}", format!("(a duplicate of #{of})").dimmed())?;
        }
        if let Some(origin) = self.file {
            write!(f, "  {}", origin.dimmed())?;
        }
        if verbosity != Verbosity::Quiet && !self.signed.is_empty() {
            write!(
                f,
                "\n  {} {}  id {}",
                "signed:".dimmed(),
                self.signed.dimmed(),
                self.id.dimmed()
            )?;
        }
        if verbosity == Verbosity::Verbose {
            if let Some(body) = self.human.raw_response.filter(|b| !b.is_empty()) {
                write!(
                    f,
                    "\n  {} {}",
                    "answered:".dimmed(),
                    sanitize(&body_text(body))
                )?;
            }
        }
        Ok(())
    }
}

/// The closing summary of `send` (`replay` with `replay`); `skipped_before` counts inputs that
/// never became a job (capture files found unreadable before the run), added to those the run
/// skipped.
pub fn summary(
    output: &Output,
    summary: &Summary,
    replay: bool,
    skipped_before: u64,
) -> std::io::Result<()> {
    let sent = summary.sent();
    let seconds = summary.elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        sent as f64 / seconds
    } else {
        0.0
    };
    let [p50, p90, p99] = [50.0, 90.0, 99.0].map(|p| summary.percentile(p));
    let shown = SendSummary {
        planned: summary.planned,
        sent,
        delivered: summary.delivered,
        unexpected_status: summary.unexpected,
        failed: summary.failed,
        skipped: skipped_before + summary.skipped,
        retries: summary.retries,
        interrupted: summary.interrupted,
        elapsed_ms: Millis(summary.elapsed),
        requests_per_second: (rate * 10.0).round() / 10.0,
        latency_ms: Latency {
            p50: Millis(p50),
            p90: Millis(p90),
            p99: Millis(p99),
        },
        elapsed: summary.elapsed,
        percentiles: (!summary.latencies.is_empty()).then_some([p50, p90, p99]),
    };
    output.emit(&Record::Summary(if replay {
        SummaryRecord::Replay(shown)
    } else {
        SummaryRecord::Send(shown)
    }))
}

impl SendSummary {
    /// The line for people; `verb` is `Sent` or `Replayed`. Nothing for one delivery that went
    /// well, unless quiet (where it is the only line).
    pub(super) fn write(&self, f: &mut fmt::Formatter<'_>, verb: &str) -> fmt::Result {
        if self.planned < 2 && self.skipped == 0 && Verbosity::of(f) != Verbosity::Quiet {
            return Ok(());
        }
        let seconds = self.elapsed.as_secs_f64();
        let rate = if seconds > 0.0 {
            self.sent as f64 / seconds
        } else {
            0.0
        };
        write!(
            f,
            "{verb} {} in {} ({rate:.0} req/s): {} delivered",
            self.sent,
            human_duration(self.elapsed),
            self.delivered.to_string().green()
        )?;
        if self.unexpected_status > 0 {
            write!(
                f,
                ", {} unexpected status",
                self.unexpected_status.to_string().red()
            )?;
        }
        if self.failed > 0 {
            write!(f, ", {} failed", self.failed.to_string().red())?;
        }
        if self.skipped > 0 {
            write!(f, ", {} skipped", self.skipped.to_string().red())?;
        }
        let accounted = self.sent + self.skipped;
        if accounted < self.planned {
            write!(f, ", {} not sent", self.planned - accounted)?;
        }
        if let Some([p50, p90, p99]) = self.percentiles {
            write!(
                f,
                ". Latency p50 {}, p90 {}, p99 {}",
                human_duration(p50),
                human_duration(p90),
                human_duration(p99)
            )?;
        }
        Ok(())
    }
}

/// What a dry run shows of one request: `provider`, `event`, `id`, `signed` and where it came
/// from; the wire form comes from the delivery.
pub struct RequestAbout<'a> {
    pub about: String,
    pub file: Option<&'a str>,
    pub provider: &'a str,
    pub event: &'a str,
    pub id: Option<&'a str>,
    pub signed: &'a str,
    /// The scenario, its run and the step.
    pub scenario: Option<(&'a str, u64, usize)>,
    /// The number of the delivery this one repeats.
    pub duplicate_of: Option<u64>,
}

/// One request as it would go on the wire (`--dry-run`): a `request` record.
pub fn request(
    output: &Output,
    about: RequestAbout<'_>,
    url: &url::Url,
    delivery: &crate::delivery::Delivery,
    plaintext: Option<&[u8]>,
) -> std::io::Result<()> {
    output.emit(&Record::Request(RequestShown {
        file: about.file,
        provider: about.provider,
        event: about.event,
        id: about.id,
        signed: about.signed,
        scenario: about.scenario.map(|(s, _, _)| s),
        run: about.scenario.map(|(_, run, _)| run),
        step: about.scenario.map(|(_, _, step)| step),
        duplicate_of: about.duplicate_of,
        method: &delivery.method,
        url: url.as_str(),
        headers: HeaderPairs {
            headers: &delivery.headers,
            redact: true,
        },
        body: Bytes(&delivery.body),
        plaintext: plaintext.map(Bytes),
        about: about.about,
    }))
}

/// HTTP/1.1 text, as the request would go on the wire, under a comment naming where it came from.
impl fmt::Display for RequestShown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = url::Url::parse(self.url).map_err(|_| fmt::Error)?;
        let authority = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_string(),
            _ => String::new(),
        };
        let target = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        };
        writeln!(f, "{}", format!("# {}", self.about).dimmed())?;
        writeln!(f, "{} {target} HTTP/1.1", self.method.bold())?;
        writeln!(f, "{}: {authority}", "Host".cyan())?;
        for (name, value) in self.headers.headers.iter() {
            writeln!(f, "{}: {}", name.cyan(), shown_value(name, value))?;
        }
        writeln!(f, "{}: {}", "Content-Length".cyan(), self.body.0.len())?;
        writeln!(f)?;
        writeln!(f, "{}", body_text(self.body.0))?;
        if let Some(plaintext) = self.plaintext {
            writeln!(
                f,
                "{} {}",
                "# plaintext before encryption:".dimmed(),
                body_text(plaintext.0)
            )?;
        }
        Ok(())
    }
}

/// Capture files that could not be used: named, with the reason; the rest still run.
pub fn skipped(output: &Output, unreadable: &[crate::capture::Unreadable]) -> std::io::Result<()> {
    for bad in unreadable {
        skipped_file(output, &bad.what, &bad.why)?;
    }
    Ok(())
}

/// A capture file that could not be used, and why.
pub fn skipped_file(output: &Output, file: &str, why: &str) -> std::io::Result<()> {
    output.emit(&Record::Skipped(Skipped { file, error: why }))
}

impl fmt::Display for Skipped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {} (skipped)",
            "error:".red().bold(),
            self.file,
            self.error
        )
    }
}

/// A warning about one input, such as a capture whose signature has gone stale.
pub fn warning(output: &Output, file: &str, message: &str) -> std::io::Result<()> {
    output.emit(&Record::Warning(Warning { file, message }))
}

impl fmt::Display for Warning<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", "warning:".yellow().bold(), self.message)
    }
}
