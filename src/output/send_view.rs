//! How `send` and `replay` show each outcome and the run's summary.

use colored::Colorize;
use serde_json::{json, Value};

use super::{body_json, body_text, human_duration, millis, Output, Verbosity};
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

/// One attempt of a retried delivery: a line for people (failed attempts only, unless
/// verbose), an `attempt` record for `--json`.
pub fn attempt(output: &Output, meta: &JobMeta, attempt: &Attempt) -> std::io::Result<()> {
    if output.json {
        let mut data = json!({
            "provider": meta.provider,
            "event": meta.event,
            "id": meta.id,
            "attempt": attempt.number,
            "attempts": attempt.of,
            "provider_time_ms": millis(attempt.at),
        });
        match &attempt.result {
            Ok((status, elapsed)) => {
                data["status"] = json!(status);
                data["elapsed_ms"] = json!(millis(*elapsed));
            }
            Err(error) => data["error"] = json!(error),
        }
        if let Some((real, scaled)) = attempt.next {
            data["next_wait_ms"] = json!(millis(real));
            data["next_wait_scaled_ms"] = json!(millis(scaled));
        }
        return output.record("attempt", data);
    }
    if output.verbosity == Verbosity::Quiet {
        return Ok(());
    }
    let answer = match &attempt.result {
        Ok((status, elapsed)) => format!("{status} in {}", human_duration(*elapsed)),
        Err(error) => format!("no answer: {error}"),
    };
    let next = match attempt.next {
        Some((real, scaled)) if real != scaled => {
            format!(
                "; next in {} ({} at this time scale)",
                Wait(real),
                human_duration(scaled)
            )
        }
        Some((real, _)) => format!("; next in {}", Wait(real)),
        None => String::new(),
    };
    let line = format!(
        "  {} {}:{} attempt {}/{} at +{}: {answer}{next}",
        "↻".yellow(),
        meta.provider,
        meta.event,
        attempt.number,
        attempt.of,
        Wait(attempt.at)
    );
    output.line(&line.dimmed().to_string())
}

/// The order a run used and what it sent twice, so that it can be compared with what the receiver did.
pub fn arrangement(output: &Output, arrangement: &Arrangement) -> std::io::Result<()> {
    let duplicates: Vec<u64> = arrangement
        .order
        .iter()
        .filter(|(_, copy)| *copy)
        .map(|(s, _)| s + 1)
        .collect();
    if output.json {
        // The order is listed in full for runs a person could compare by hand.
        let order: Option<Vec<Value>> = (arrangement.order.len() <= 10_000).then(|| {
            arrangement
                .order
                .iter()
                .map(|(s, copy)| json!({"delivery": s + 1, "duplicate": copy}))
                .collect()
        });
        return output.record(
            "arrangement",
            json!({
                "seed": arrangement.seed,
                "shuffled": arrangement.shuffled,
                "duplicates": duplicates.len(),
                "duplicated": duplicates,
                "order": order,
            }),
        );
    }
    let mut line = if arrangement.shuffled {
        format!("Shuffled with --seed {}", arrangement.seed)
    } else {
        format!("In order (--seed {})", arrangement.seed)
    };
    if duplicates.is_empty() {
        line.push_str("; no duplicates");
    } else {
        let shown: Vec<String> = duplicates
            .iter()
            .take(20)
            .map(|n| format!("#{n}"))
            .collect();
        let more = if duplicates.len() > 20 { ", …" } else { "" };
        line.push_str(&format!(
            "; {} sent twice: {}{more}",
            duplicates.len(),
            shown.join(", ")
        ));
    }
    if arrangement.shuffled && arrangement.order.len() <= 40 {
        let order: Vec<String> = arrangement
            .order
            .iter()
            .map(|(s, copy)| {
                if *copy {
                    format!("#{}′", s + 1)
                } else {
                    format!("#{}", s + 1)
                }
            })
            .collect();
        line.push_str(&format!(". Order: {}", order.join(" ")));
    }
    output.line(&line)
}

pub fn outcome(output: &Output, outcome: &Outcome) -> std::io::Result<()> {
    let meta = &outcome.meta;
    let origin = meta.origin.as_deref().unwrap_or_default();
    let url = meta.url.as_ref().map_or("", url::Url::as_str);
    if let Some(message) = &meta.warning {
        warning(output, origin, message)?;
    }
    if let Fate::Skipped(why) = &outcome.fate {
        return skipped_file(output, origin, why);
    }
    if output.json {
        let mut data = json!({
            "provider": meta.provider,
            "event": meta.event,
            "id": meta.id,
            "url": url,
            "signed": meta.signing,
            "expected_status": meta.expect.as_ref().map(ToString::to_string),
            "delivered": outcome.fate.is_delivered(),
        });
        if meta.duplicate {
            data["duplicate_of"] = json!(meta.sequence + 1);
        }
        if let (Some((scenario, run)), Some((step, steps))) = (&meta.scenario, meta.step) {
            data["scenario"] = json!(scenario);
            data["run"] = json!(run);
            data["step"] = json!(step);
            data["steps"] = json!(steps);
        }
        if !outcome.attempts.is_empty() {
            data["attempts"] = json!(outcome.attempts.len());
            data["provider_time_ms"] = json!(millis(outcome.provider_time()));
            if let Some(stopped) = &outcome.stopped {
                data["stopped"] = json!(stopped);
            }
        }
        if let Some(origin) = &meta.origin {
            data["file"] = json!(origin);
        }
        match &outcome.fate {
            Fate::Delivered(response) | Fate::Unexpected(response) => {
                data["status"] = json!(response.status);
                data["elapsed_ms"] = json!(millis(response.elapsed));
                if let Some(location) = &response.location {
                    data["redirect"] = json!(location);
                }
                data["response_body"] = body_json(&response.body);
            }
            Fate::Failed(error) | Fate::Skipped(error) => data["error"] = json!(error),
        }
        if let Some(request) = &outcome.request {
            let headers: Vec<Value> = request
                .headers
                .iter()
                .map(|(n, v)| json!([n, shown_value(n, v)]))
                .collect();
            data["request"] = json!({"method": request.method, "headers": headers, "body": body_json(&request.body)});
        }
        return output.record("delivery", data);
    }
    let failed = !outcome.fate.is_delivered();
    if output.verbosity == Verbosity::Quiet && !failed {
        return Ok(());
    }
    let name = match (&meta.scenario, meta.step) {
        (Some((scenario, run)), Some((step, steps))) => {
            format!(
                "{}:{} ({scenario} #{run}, step {step}/{steps})",
                meta.provider, meta.event
            )
        }
        _ => format!("{}:{}", meta.provider, meta.event),
    };
    let mut line = match &outcome.fate {
        Fate::Delivered(response) | Fate::Unexpected(response) => {
            let status = response.status.to_string();
            let (mark, status) = if failed {
                ("✘".red(), status.red().bold())
            } else {
                ("✔".green(), status.green().bold())
            };
            let mut line = format!(
                "{mark} {status} {} → {} {}",
                name.bold(),
                url,
                human_duration(response.elapsed).to_string().dimmed()
            );
            if failed {
                if let Some(expect) = &meta.expect {
                    line.push_str(&format!("  (expected {expect})"));
                }
            }
            if let Some(location) = &response.location {
                line.push_str(&format!(
                    "  redirect to {} not followed",
                    sanitize(location)
                ));
            }
            line
        }
        Fate::Failed(error) | Fate::Skipped(error) => {
            let to = if url.is_empty() {
                String::new()
            } else {
                format!(" → {url}")
            };
            format!(
                "{} {} {}{to}: {}",
                "✘".red(),
                "ERR".red().bold(),
                name.bold(),
                error
            )
        }
    };
    if outcome.attempts.len() > 1 {
        let after = format!(
            "  after {} attempts over {} of the provider's time",
            outcome.attempts.len(),
            Wait(outcome.provider_time())
        );
        line.push_str(&after);
    }
    if let Some(stopped) = &outcome.stopped {
        line.push_str(&format!("  ({stopped})"));
    }
    if meta.duplicate {
        line.push_str(&format!(
            "  {}",
            format!("(a duplicate of #{})", meta.sequence + 1).dimmed()
        ));
    }
    if let Some(origin) = &meta.origin {
        line.push_str(&format!("  {}", origin.dimmed()));
    }
    output.line(&line)?;
    if output.verbosity != Verbosity::Quiet && !meta.signing.is_empty() {
        output.line(&format!(
            "  {} {}  id {}",
            "signed:".dimmed(),
            meta.signing.dimmed(),
            meta.id.dimmed()
        ))?;
    }
    if output.verbosity == Verbosity::Verbose {
        if let Some(response) = outcome.fate.response() {
            if !response.body.is_empty() {
                output.line(&format!(
                    "  {} {}",
                    "answered:".dimmed(),
                    sanitize(&body_text(&response.body))
                ))?;
            }
        }
    }
    Ok(())
}

/// The closing summary; `skipped_before` counts inputs that never became a job (capture files
/// found unreadable before the run), added to those the run skipped.
pub fn summary(
    output: &Output,
    summary: &Summary,
    verb: &str,
    skipped_before: u64,
) -> std::io::Result<()> {
    let sent = summary.sent();
    let skipped = skipped_before + summary.skipped;
    let seconds = summary.elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        sent as f64 / seconds
    } else {
        0.0
    };
    let (p50, p90, p99) = (
        summary.percentile(50.0),
        summary.percentile(90.0),
        summary.percentile(99.0),
    );
    if output.json {
        return output.record(
            "summary",
            json!({
                "planned": summary.planned,
                "sent": sent,
                "delivered": summary.delivered,
                "unexpected_status": summary.unexpected,
                "failed": summary.failed,
                "skipped": skipped,
                "retries": summary.retries,
                "interrupted": summary.interrupted,
                "elapsed_ms": millis(summary.elapsed),
                "requests_per_second": (rate * 10.0).round() / 10.0,
                "latency_ms": {"p50": millis(p50), "p90": millis(p90), "p99": millis(p99)},
            }),
        );
    }
    if summary.planned < 2 && skipped == 0 && output.verbosity != Verbosity::Quiet {
        return Ok(());
    }
    let mut line = format!(
        "{verb} {sent} in {} ({rate:.0} req/s): {} delivered",
        human_duration(summary.elapsed),
        summary.delivered.to_string().green()
    );
    if summary.unexpected > 0 {
        line.push_str(&format!(
            ", {} unexpected status",
            summary.unexpected.to_string().red()
        ));
    }
    if summary.failed > 0 {
        line.push_str(&format!(", {} failed", summary.failed.to_string().red()));
    }
    if skipped > 0 {
        line.push_str(&format!(", {} skipped", skipped.to_string().red()));
    }
    if sent + summary.skipped < summary.planned {
        line.push_str(&format!(
            ", {} not sent",
            summary.planned - sent - summary.skipped
        ));
    }
    if !summary.latencies.is_empty() {
        line.push_str(&format!(
            ". Latency p50 {}, p90 {}, p99 {}",
            human_duration(p50),
            human_duration(p90),
            human_duration(p99)
        ));
    }
    output.line(&line)
}

/// A header value as it may be shown: a header that carries a secret itself shows only that it is there.
fn shown_value<'a>(name: &str, value: &'a str) -> std::borrow::Cow<'a, str> {
    if crate::scheme::SECRET_HEADERS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
    {
        std::borrow::Cow::Owned(format!(
            "<the secret, {} characters, not shown>",
            value.chars().count()
        ))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

/// One request as it would go on the wire (`--dry-run`): HTTP/1.1 text for people, a `request`
/// record for `--json`. `about` names where it came from; `fields` are added to the JSON record.
pub fn request(
    output: &Output,
    about: &str,
    url: &url::Url,
    delivery: &crate::delivery::Delivery,
    plaintext: Option<&[u8]>,
    mut fields: Value,
) -> std::io::Result<()> {
    if output.json {
        let headers: Vec<Value> = delivery
            .headers
            .iter()
            .map(|(n, v)| json!([n, shown_value(n, v)]))
            .collect();
        fields["method"] = json!(delivery.method);
        fields["url"] = json!(url.as_str());
        fields["headers"] = json!(headers);
        fields["body"] = body_json(&delivery.body);
        if let Some(plaintext) = plaintext {
            fields["plaintext"] = body_json(plaintext);
        }
        return output.record("request", fields);
    }
    let authority = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        _ => String::new(),
    };
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    output.line(&format!("# {about}").dimmed().to_string())?;
    output.line(&format!("{} {target} HTTP/1.1", delivery.method.bold()))?;
    output.line(&format!("{}: {authority}", "Host".cyan()))?;
    for (name, value) in delivery.headers.iter() {
        let value = shown_value(name, value);
        output.line(&format!("{}: {value}", name.cyan()))?;
    }
    output.line(&format!(
        "{}: {}",
        "Content-Length".cyan(),
        delivery.body.len()
    ))?;
    output.line("")?;
    output.line(&body_text(&delivery.body))?;
    if let Some(plaintext) = plaintext {
        output.line(&format!(
            "{} {}",
            "# plaintext before encryption:".dimmed(),
            body_text(plaintext)
        ))?;
    }
    output.line("")
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
    if output.json {
        output.record("skipped", json!({"file": file, "error": why}))
    } else {
        eprintln!("{} {file}: {why} (skipped)", "error:".red().bold());
        Ok(())
    }
}

/// A warning about one input, such as a capture whose signature has gone stale.
pub fn warning(output: &Output, file: &str, message: &str) -> std::io::Result<()> {
    if output.json {
        output.record("warning", json!({"file": file, "message": message}))
    } else {
        eprintln!("{} {message}", "warning:".yellow().bold());
        Ok(())
    }
}
