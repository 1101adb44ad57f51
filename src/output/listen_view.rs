//! How `listen` shows each request: a block per delivery for people, one line with --quiet, one
//! JSON object with --json.

use std::fmt;
use std::time::Duration;

use colored::{ColoredString, Colorize};
use serde_json::{json, Value};

use super::json_view;
use super::{body_json, body_text, human_duration, millis, Verbosity};
use crate::capture::Saved;
use crate::catalogue::Decision;
use crate::error::sanitize;
use crate::inspect::Inspection;
use crate::receiver::{Forwarded, Replied, Report};
use crate::scheme::Verdict;
use crate::server::Received;
use crate::units;

/// Bodies longer than this are cut short on the terminal (never in captures or JSON).
const SHOWN_BODY_LIMIT: usize = 64 * 1024;

/// One delivery and everything the listener did with it.
pub struct DeliveryView<'a> {
    pub received: &'a Received,
    pub inspection: &'a Inspection,
    pub status: u16,
    /// From arrival to the answer being ready.
    pub elapsed: Duration,
    pub capture: Option<&'a Result<Saved, String>>,
    pub forwarded: Option<&'a Forwarded>,
    /// The answer given from the provider's reply table.
    pub replied: Option<&'a Replied>,
}

/// The view of a delivery report, for printing; `None` for the other reports.
pub fn delivery_view(report: &Report) -> Option<DeliveryView<'_>> {
    let Report::Delivery {
        received,
        inspection,
        status,
        elapsed,
        capture,
        forwarded,
        replied,
    } = report
    else {
        return None;
    };
    Some(DeliveryView {
        received,
        inspection,
        status: *status,
        elapsed: *elapsed,
        capture: capture.as_ref(),
        forwarded: forwarded.as_ref(),
        replied: replied.as_ref(),
    })
}

/// A request the listener answered without treating it as a delivery.
pub struct RejectedView<'a> {
    pub received: &'a Received,
    pub status: u16,
    pub why: &'a str,
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
    inspection: &Inspection,
) -> fmt::Result {
    match &inspection.verdict {
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

/// The first line of a delivery's report, which with --quiet is all of it: time, request,
/// provider, event, verdict and answer. Written straight to where it goes, since a busy listener
/// prints one per delivery.
pub struct SummaryLine<'a>(pub &'a DeliveryView<'a>);

impl fmt::Display for SummaryLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let view = self.0;
        let (r, i) = (view.received, view.inspection);
        // Asked once per line: each asking reads the colour settings again.
        let colour = colored::control::SHOULD_COLORIZE.should_colorize();
        styled(f, colour, &clock(r.received_at), |t| t.dimmed())?;
        for part in [
            " ",
            &r.delivery.method,
            " ",
            &sanitize(&r.delivery.target),
            " ",
        ] {
            f.write_str(part)?;
        }
        styled(f, colour, i.provider_name().unwrap_or("?"), |t| t.bold())?;
        f.write_str(" ")?;
        styled(
            f,
            colour,
            &sanitize(i.event.as_deref().unwrap_or("?")),
            |t| t.bold(),
        )?;
        f.write_str("  ")?;
        write_verdict_mark(f, colour, i)?;
        f.write_str("  → ")?;
        let mut digits = itoa::Buffer::new();
        let status = digits.format(view.status);
        if (200..300).contains(&view.status) {
            styled(f, colour, status, |t| t.green())?;
        } else {
            styled(f, colour, status, |t| t.red())?;
        }
        write!(f, " in {}", human_duration(view.elapsed))
    }
}

/// What was answered from a reply table and how fast, and whether that was too late.
fn reply_remark(view: &DeliveryView<'_>) -> Option<(String, bool)> {
    let replied = view.replied?;
    let word = match replied.decision {
        Decision::Approve => "approved",
        Decision::Decline => "declined",
    };
    let mut text = format!(
        "{} {word}: answered in {}",
        replied.what,
        human_duration(view.elapsed)
    );
    let mut late = false;
    if let Some((deadline, whose)) = &replied.deadline {
        late = view.elapsed > *deadline;
        let within = if late { "OVER" } else { "within" };
        text.push_str(&format!(" ({within} {whose}'s {})", thousands_ms(deadline)));
    }
    Some((text, late))
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

pub fn delivery_human(view: &DeliveryView<'_>, verbosity: Verbosity) -> String {
    let r = view.received;
    let i = view.inspection;
    let mut out = SummaryLine(view).to_string();
    if verbosity == Verbosity::Quiet {
        return out;
    }
    out.push_str(&format!("\n  {}", i.detail().dimmed()));
    if let Some((remark, late)) = reply_remark(view) {
        let shown = if late {
            remark.red().bold().to_string()
        } else {
            remark
        };
        out.push_str(&format!("\n  {shown}"));
    }
    if let Some(forwarded) = view.forwarded {
        match &forwarded.result {
            Ok((status, elapsed, body)) => out.push_str(&format!(
                "\n  forwarded to {}: {} in {}{}",
                forwarded.url,
                status,
                human_duration(*elapsed),
                if body.is_empty() {
                    String::new()
                } else {
                    format!(": {}", one_line(body))
                }
            )),
            Err(error) => out.push_str(&format!("\n  {} {}", "forward failed:".red(), error)),
        }
    }
    match view.capture {
        Some(Ok(saved)) => out.push_str(&format!("\n  {} {saved}", "saved".dimmed())),
        Some(Err(error)) => out.push_str(&format!("\n  {} {error}", "NOT SAVED:".red().bold())),
        None => {}
    }
    if verbosity == Verbosity::Verbose {
        out.push_str(&format!(
            "\n  {} {}",
            r.http_version.dimmed(),
            r.peer.to_string().dimmed()
        ));
        for (name, value) in r.delivery.headers.iter() {
            out.push_str(&format!("\n  {}: {}", name.cyan(), sanitize(value)));
        }
    }
    let shown = i.plaintext.as_deref().unwrap_or(&r.delivery.body);
    if i.plaintext.is_some() {
        out.push_str(&format!("\n  {}", "decrypted body:".dimmed()));
    }
    out.push('\n');
    out.push_str(&body_for_terminal(shown, verbosity));
    out
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
pub fn body_for_terminal(body: &[u8], verbosity: Verbosity) -> String {
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

pub fn delivery_json(view: &DeliveryView<'_>) -> Value {
    let r = view.received;
    let i = view.inspection;
    let headers: Vec<Value> = r
        .delivery
        .headers
        .iter()
        .map(|(n, v)| json!([n, v]))
        .collect();
    let mut data = json!({
        "sequence": r.sequence,
        "received_at": r.received_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "peer": r.peer.to_string(),
        "method": r.delivery.method,
        "target": r.delivery.target,
        "http_version": r.http_version,
        "headers": headers,
        "body": body_json(&r.delivery.body),
        "provider": i.provider_name(),
        "event": i.event,
        "verdict": i.stored_verdict(),
        "response": {"status": view.status, "elapsed_ms": millis(view.elapsed)},
    });
    if let Some(plaintext) = &i.plaintext {
        data["plaintext"] = body_json(plaintext);
    }
    if let Some((remark, _)) = reply_remark(view) {
        data["remark"] = json!(remark);
    }
    match view.capture {
        Some(Ok(saved)) => data["capture"] = json!(saved.to_string()),
        Some(Err(error)) => data["capture_error"] = json!(error),
        None => {}
    }
    if let Some(forwarded) = view.forwarded {
        data["forwarded"] = match &forwarded.result {
            Ok((status, elapsed, body)) => {
                json!({"url": forwarded.url, "status": status, "elapsed_ms": millis(*elapsed), "body": body_json(body)})
            }
            Err(error) => json!({"url": forwarded.url, "error": error}),
        };
    }
    data
}

pub fn rejected_human(view: &RejectedView<'_>) -> String {
    format!(
        "{} {} {}  {} {}",
        clock(view.received.received_at).dimmed(),
        sanitize(&view.received.delivery.method),
        sanitize(&view.received.delivery.target),
        format!("✘ {}", view.status).red().bold(),
        view.why
    )
}

pub fn connection_error_human(peer: std::net::SocketAddr, error: &str) -> String {
    format!(
        "{} {peer}  {} {}",
        clock(chrono::Utc::now()).dimmed(),
        "✘ connection error:".red().bold(),
        sanitize(error)
    )
}

pub fn rejected_json(view: &RejectedView<'_>) -> Value {
    json!({
        "sequence": view.received.sequence,
        "received_at": view.received.received_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "peer": view.received.peer.to_string(),
        "method": view.received.delivery.method,
        "target": view.received.delivery.target,
        "status": view.status,
        "reason": view.why,
    })
}
