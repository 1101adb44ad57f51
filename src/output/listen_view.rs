//! How `listen` shows each request: a block per delivery for people, one line with --quiet, one
//! `delivery` record with --json; and the listener's own lines.

use std::fmt;
use std::time::Duration;

use colored::{ColoredString, Colorize};
use serde_json::Value;

use super::json_view;
use super::records::{
    Bytes, ConnectionFailure, DeliveryRecord, ForwardedShown, HeaderPairs, JournalCounts,
    ListenSummary, Listening, Millis, ReceivedDelivery, ReceivedForPeople, Record, RejectedRequest,
    Response, Text, Timestamp, VerdictOf,
};
use super::{body_text, human_duration, Verbosity};
use crate::catalogue::Decision;
use crate::error::sanitize;
use crate::receiver::{Replied, Report};
use crate::scheme::Verdict;
use crate::units;

/// Bodies longer than this are cut short on the terminal (never in captures or JSON).
const SHOWN_BODY_LIMIT: usize = 64 * 1024;

/// The record of one report: a `delivery`, `rejected` or `connection_error`. `phase` is the
/// demo's (`live`, `replay`).
pub fn record<'a>(report: &'a Report, phase: Option<&'a str>) -> Record<'a> {
    match report {
        Report::Delivery {
            received: r,
            inspection: i,
            status,
            elapsed,
            capture,
            forwarded,
            replied,
        } => {
            let remark = replied
                .as_ref()
                .map(|replied| reply_remark(replied, *elapsed));
            Record::Delivery(DeliveryRecord::Received(ReceivedDelivery {
                sequence: r.sequence,
                received_at: Timestamp(r.received_at),
                peer: Text(r.peer),
                method: &r.delivery.method,
                target: &r.delivery.target,
                http_version: r.http_version,
                headers: HeaderPairs {
                    headers: &r.delivery.headers,
                    redact: false,
                },
                body: Bytes(&r.delivery.body),
                provider: i.provider_name(),
                event: i.event.as_deref(),
                verdict: VerdictOf(i),
                response: Response {
                    status: *status,
                    elapsed_ms: Millis(*elapsed),
                },
                plaintext: i.plaintext.as_deref().map(Bytes),
                late_reply: remark.as_ref().is_some_and(|(_, late)| *late),
                remark: remark.map(|(text, _)| text),
                capture: capture.as_ref().and_then(|c| c.as_ref().ok()).map(Text),
                capture_error: capture
                    .as_ref()
                    .and_then(|c| c.as_ref().err())
                    .map(String::as_str),
                forwarded: forwarded.as_ref().map(|f| match &f.result {
                    Ok((status, elapsed, body)) => ForwardedShown {
                        url: &f.url,
                        status: Some(*status),
                        elapsed_ms: Some(Millis(*elapsed)),
                        body: Some(Bytes(body)),
                        error: None,
                    },
                    Err(error) => ForwardedShown {
                        url: &f.url,
                        status: None,
                        elapsed_ms: None,
                        body: None,
                        error: Some(error),
                    },
                }),
                phase,
                human: ReceivedForPeople {
                    at: r.received_at,
                    inspection: i,
                    elapsed: *elapsed,
                },
            }))
        }
        Report::Rejected {
            received,
            status,
            why,
        } => Record::Rejected(RejectedRequest {
            sequence: received.sequence,
            received_at: Timestamp(received.received_at),
            peer: Text(received.peer),
            method: &received.delivery.method,
            target: &received.delivery.target,
            status: *status,
            reason: why,
        }),
        Report::ConnectionError { peer, error } => Record::ConnectionError(ConnectionFailure {
            peer: Text(*peer),
            error,
        }),
    }
}

/// The local UTC offset, looked up once: asking for it per delivery costs more than the rest of
/// the line.
static LOCAL_OFFSET: std::sync::LazyLock<chrono::FixedOffset> =
    std::sync::LazyLock::new(|| *chrono::Local::now().offset());

/// The local time of day a request arrived, `HH:MM:SS.mmm`.
fn clock(at: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Timelike;
    let local = at.with_timezone(&*LOCAL_OFFSET);
    // A leap second shows as :59.999..., never as a fourth millisecond digit.
    let millis = (local.nanosecond() / 1_000_000).min(999);
    let mut text = String::with_capacity(12);
    for (value, width, after) in [
        (local.hour(), 2, ":"),
        (local.minute(), 2, ":"),
        (local.second(), 2, "."),
    ] {
        units::push_padded(&mut text, u64::from(value), width);
        text.push_str(after);
    }
    units::push_padded(&mut text, u64::from(millis), 3);
    text
}

/// Write `text` in a style when colour is on; with colour off (pipes, CI, --quiet logs) as it is.
fn styled(
    f: &mut fmt::Formatter<'_>,
    colour: bool,
    text: &str,
    style: fn(&str) -> ColoredString,
) -> fmt::Result {
    if colour {
        write!(f, "{}", style(text))
    } else {
        f.write_str(text)
    }
}

fn write_verdict_mark(
    f: &mut fmt::Formatter<'_>,
    colour: bool,
    verdict: Option<&Verdict>,
) -> fmt::Result {
    match verdict {
        Some(Verdict::Valid { .. }) => styled(f, colour, "✔ valid", |t| t.green().bold()),
        Some(Verdict::Invalid { reason, .. }) => styled(
            f,
            colour,
            &format!("✘ invalid ({})", reason.code()),
            |t| t.red().bold(),
        ),
        Some(Verdict::Unsigned) => styled(f, colour, "○ unsigned", |t| t.yellow()),
        Some(Verdict::NoSecret) => styled(f, colour, "? no secret", |t| t.yellow()),
        None => styled(f, colour, "? unknown provider", |t| t.yellow()),
    }
}

impl ReceivedDelivery<'_> {
    /// The first line of a delivery's report, which with --quiet is all of it: time, request,
    /// provider, event, verdict and answer. Written straight to where it goes, since a busy
    /// listener prints one per delivery.
    fn summary_line(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Asked once per line: each asking reads the colour settings again.
        let colour = colored::control::SHOULD_COLORIZE.should_colorize();
        styled(f, colour, &clock(self.human.at), |t| t.dimmed())?;
        for part in [" ", self.method, " ", &sanitize(self.target), " "] {
            f.write_str(part)?;
        }
        styled(f, colour, self.provider.unwrap_or("?"), |t| t.bold())?;
        f.write_str(" ")?;
        styled(f, colour, &sanitize(self.event.unwrap_or("?")), |t| {
            t.bold()
        })?;
        f.write_str("  ")?;
        write_verdict_mark(f, colour, self.human.inspection.verdict.as_ref())?;
        f.write_str("  → ")?;
        let mut digits = itoa::Buffer::new();
        let status = self.response.status;
        let shown = digits.format(status);
        if (200..300).contains(&status) {
            styled(f, colour, shown, |t| t.green())?;
        } else {
            styled(f, colour, shown, |t| t.red())?;
        }
        write!(f, " in {}", human_duration(self.human.elapsed))
    }
}

/// `{:-}` the summary line alone; `{}` with the verdict's detail, the reply, the forward, the
/// capture and the body; `{:#}` with the headers and the whole body too.
impl fmt::Display for ReceivedDelivery<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verbosity = Verbosity::of(f);
        self.summary_line(f)?;
        if verbosity == Verbosity::Quiet {
            return Ok(());
        }
        write!(f, "\n  {}", self.human.inspection.detail().dimmed())?;
        if let Some(remark) = &self.remark {
            if self.late_reply {
                write!(f, "\n  {}", remark.red().bold())?;
            } else {
                write!(f, "\n  {remark}")?;
            }
        }
        if let Some(forwarded) = &self.forwarded {
            match (forwarded.status, forwarded.error) {
                (Some(status), _) => {
                    let elapsed = forwarded.elapsed_ms.map_or(Duration::ZERO, |m| m.0);
                    let body = forwarded.body.map_or(&[][..], |b| b.0);
                    write!(
                        f,
                        "\n  forwarded to {}: {status} in {}",
                        forwarded.url,
                        human_duration(elapsed)
                    )?;
                    if !body.is_empty() {
                        write!(f, ": {}", one_line(body))?;
                    }
                }
                (None, error) => write!(
                    f,
                    "\n  {} {}",
                    "forward failed:".red(),
                    error.unwrap_or_default()
                )?,
            }
        }
        if let Some(saved) = &self.capture {
            write!(f, "\n  {} {}", "saved".dimmed(), saved.0)?;
        }
        if let Some(error) = self.capture_error {
            write!(f, "\n  {} {error}", "NOT SAVED:".red().bold())?;
        }
        if verbosity == Verbosity::Verbose {
            write!(
                f,
                "\n  {} {}",
                self.http_version.dimmed(),
                self.peer.0.to_string().dimmed()
            )?;
            for (name, value) in self.headers.headers.iter() {
                write!(f, "\n  {}: {}", name.cyan(), sanitize(value))?;
            }
        }
        let shown = self.plaintext.unwrap_or(self.body).0;
        if self.plaintext.is_some() {
            write!(f, "\n  {}", "decrypted body:".dimmed())?;
        }
        write!(f, "\n{}", body_for_terminal(shown, verbosity))
    }
}

/// What was answered from a reply table and how fast, and whether that was too late.
fn reply_remark(replied: &Replied, elapsed: Duration) -> (String, bool) {
    let word = match replied.decision {
        Decision::Approve => "approved",
        Decision::Decline => "declined",
    };
    let mut text = format!(
        "{} {word}: answered in {}",
        replied.what,
        human_duration(elapsed)
    );
    let mut late = false;
    if let Some((deadline, whose)) = &replied.deadline {
        late = elapsed > *deadline;
        let within = if late { "OVER" } else { "within" };
        text.push_str(&format!(" ({within} {whose}'s {})", thousands_ms(deadline)));
    }
    (text, late)
}

/// Whole milliseconds with a thousands separator: `1,200 ms`.
fn thousands_ms(duration: &Duration) -> String {
    let digits = duration.as_millis().to_string();
    let mut out = String::with_capacity(digits.len() + 4);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out + " ms"
}

fn one_line(body: &[u8]) -> String {
    let text = body_text(body).replace('\n', " ");
    if text.chars().count() > 120 {
        format!("{}…", text.chars().take(120).collect::<String>())
    } else {
        text
    }
}

/// A body as coloured JSON when it is JSON, else as escaped text; cut short unless verbose.
fn body_for_terminal(body: &[u8], verbosity: Verbosity) -> String {
    if body.is_empty() {
        return "(empty body)".dimmed().to_string();
    }
    let limit = if verbosity == Verbosity::Verbose {
        usize::MAX
    } else {
        SHOWN_BODY_LIMIT
    };
    if body.len() <= limit {
        if let Ok(value) = serde_json::from_slice::<Value>(body) {
            return json_view::pretty(&value);
        }
        return body_text(body);
    }
    let cut = &body[..limit];
    format!(
        "{}\n{}",
        body_text(cut),
        format!("… {} more bytes (-v shows all)", body.len() - limit).dimmed()
    )
}

impl fmt::Display for RejectedRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}  {} {}",
            clock(self.received_at.0).dimmed(),
            sanitize(self.method),
            sanitize(self.target),
            format!("✘ {}", self.status).red().bold(),
            self.reason
        )
    }
}

impl fmt::Display for ConnectionFailure<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}  {} {}",
            clock(chrono::Utc::now()).dimmed(),
            self.peer.0,
            "✘ connection error:".red().bold(),
            sanitize(self.error)
        )
    }
}

/// Where the listener listens: the first record.
pub fn listening(address: std::net::SocketAddr, path: Option<&str>) -> Listening {
    Listening {
        url: format!("http://{address}{}", path.unwrap_or("/")),
        address: address.to_string(),
        port: address.port(),
    }
}

impl fmt::Display for Listening {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Listening on {}",
            format!("http://{}", self.address).bold()
        )
    }
}

impl JournalCounts {
    pub fn of(counts: &crate::capture::Counts) -> JournalCounts {
        use std::sync::atomic::Ordering::Relaxed;
        JournalCounts {
            lines: counts.lines.load(Relaxed),
            groups: counts.groups.load(Relaxed),
            syncs: counts.syncs.load(Relaxed),
        }
    }
}

/// The listener's closing line: counts, and what `--count`, `--expect` or `--timeout` left undone.
impl ListenSummary<'_> {
    pub(super) fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}: {} valid, {} invalid",
            "Received".bold(),
            self.deliveries,
            if self.deliveries == 1 {
                "delivery"
            } else {
                "deliveries"
            },
            self.valid.to_string().green(),
            if self.invalid > 0 {
                self.invalid.to_string().red().to_string()
            } else {
                "0".into()
            }
        )?;
        if self.rejected > 0 {
            let requests = if self.rejected == 1 {
                "request"
            } else {
                "requests"
            };
            write!(f, ", {} other {requests} refused", self.rejected)?;
        }
        if self.not_saved > 0 {
            write!(f, ", {} NOT SAVED", self.not_saved.to_string().red())?;
        }
        if self.timed_out && !self.satisfied {
            let wanted = self
                .count
                .map(|n| format!("; {} of {n} expected", self.deliveries))
                .unwrap_or_default();
            write!(
                f,
                ". {} after {}{wanted}",
                "Timed out".red().bold(),
                human_duration(self.elapsed)
            )?;
        }
        if !self.missing.is_empty() {
            write!(f, ". Never arrived: {}", self.missing.join(", ").red())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closing_line(deliveries: u64, rejected: u64) -> String {
        colored::control::set_override(false);
        let summary = ListenSummary {
            deliveries,
            valid: deliveries,
            invalid: 0,
            not_saved: 0,
            rejected,
            missing: Vec::new(),
            timed_out: false,
            journal: None,
            elapsed_ms: Millis(Duration::ZERO),
            elapsed: Duration::ZERO,
            count: None,
            satisfied: true,
        };
        Record::Summary(crate::output::records::Summary::Listen(summary)).to_string()
    }

    #[test]
    fn the_closing_line_counts_one_delivery_in_the_singular() {
        assert!(closing_line(1, 1)
            .starts_with("Received 1 delivery: 1 valid, 0 invalid, 1 other request refused"));
        assert!(closing_line(2, 3)
            .starts_with("Received 2 deliveries: 2 valid, 0 invalid, 3 other requests refused"));
    }
}
