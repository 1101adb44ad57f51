//! `hookctl replay`: send captured deliveries again, byte for byte and in arrival order, to the
//! same or another target.

use std::sync::Arc;

use colored::Colorize;
use serde_json::json;

use super::Context;
use crate::batch::CaptureBatch;
use crate::capture::{self, Capture};
use crate::catalogue::StatusRule;
use crate::cli::ReplayArgs;
use crate::client::{Client, ClientOptions};
use crate::dispatch::{self, JobSource};
use crate::error::{exit, UsageError};
use crate::outcome::Fate;
use crate::output::{send_view, Output};
use crate::{target, units};

pub async fn run(args: ReplayArgs, ctx: &Context) -> anyhow::Result<u8> {
    let output = &ctx.output;
    let listing = if args.filter.is_empty() {
        // Captures are read while the replay goes, a window ahead of it.
        capture::list(&args.paths)
    } else {
        // Filtering needs each capture's provider and event, so these are read twice: once here
        // to choose, and again as they are replayed.
        let (items, mut listing) = capture::collect(&args.paths);
        listing.sources = items.into_iter().filter(|(_, c)| matches_filters(c, &args.filter)).map(|(s, _)| s).collect();
        listing
    };
    for warning in &listing.warnings {
        send_view::warning(output, "", warning)?;
    }
    let (files, unreadable) = (listing.sources, listing.unreadable);
    send_view::skipped(output, &unreadable)?;
    let to_text = args.to.clone().unwrap_or_else(|| target::DEFAULT_TARGET.into());
    let to = target::parse(&to_text).map_err(|e| UsageError::new(format!("--to: {e}")))?;
    let expect = StatusRule::from_option(args.expect_status.as_deref())?;
    let mut batch = CaptureBatch::new(files, to, ctx.catalogue.clone());
    batch.expect = expect;
    batch = batch.with_secrets(args.secret.as_deref(), &ctx.config);
    batch.resign = args.resign;
    let replay = Arc::new(batch);
    if args.dry_run {
        return dry_run(&replay, output, unreadable.len());
    }
    let timeout = units::duration("--timeout", &args.timeout)?;
    let rate = args.rate.as_deref().map(parse_rate).transpose()?;
    let concurrency = args.concurrency.max(1);
    let client = Arc::new(Client::new(&ClientOptions::sending(timeout, args.insecure, concurrency)));
    let options = dispatch::Options { concurrency, rate, keep_requests: output.shows_requests() };
    let progress = send_view::Progress::new(output, replay.total());
    let summary = dispatch::run(replay, client, &options, progress).await?;
    send_view::summary(output, &summary, "Replayed", unreadable.len() as u64)?;
    let code = summary.exit_code();
    Ok(if code == exit::SUCCESS && !unreadable.is_empty() { exit::RUNTIME } else { code })
}

/// `--filter` patterns: `provider`, `event` or `provider:event`, each part a glob.
pub fn matches_filters(capture: &Capture, filters: &[String]) -> bool {
    if filters.is_empty() {
        return true;
    }
    let provider = capture.provider.as_deref().unwrap_or("unknown");
    let event = capture.event.as_deref().unwrap_or("unknown");
    filters.iter().any(|filter| match filter.split_once(':') {
        Some((p, e)) => glob(p, provider) && glob(e, event),
        None => glob(filter, provider) || glob(filter, event),
    })
}

/// `*` matches any run of characters, `?` one character; case-insensitive.
fn glob(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.to_lowercase().chars().collect();
    let text: Vec<char> = text.to_lowercase().chars().collect();
    let (mut p, mut t) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// `50`, `50/s` or `600/m`: requests per second.
fn parse_rate(text: &str) -> Result<f64, UsageError> {
    let (number, per) = match text.split_once('/') {
        Some((n, unit)) => (n, unit.trim()),
        None => (text, "s"),
    };
    let seconds = match per {
        "s" | "sec" | "second" => 1.0,
        "m" | "min" | "minute" => 60.0,
        _ => return Err(UsageError::new(format!("--rate: {text:?} is not like 50/s or 600/m"))),
    };
    match number.trim().parse::<f64>() {
        Ok(n) if n > 0.0 && n.is_finite() => Ok(n / seconds),
        _ => Err(UsageError::new(format!("--rate: {text:?} is not like 50/s or 600/m"))),
    }
}

fn dry_run(replay: &CaptureBatch, output: &Output, unreadable: usize) -> anyhow::Result<u8> {
    let mut skipped = unreadable;
    for index in 0..replay.total() {
        match replay.job(index) {
            Ok(job) => {
                let meta = &job.meta;
                let origin = meta.origin.clone().unwrap_or_default();
                if let Some(message) = &meta.warning {
                    send_view::warning(output, &origin, message)?;
                }
                let fields =
                    json!({"file": origin, "provider": meta.provider, "event": meta.event, "signed": meta.signing});
                let about = format!("{origin} ({}:{})", meta.provider, meta.event);
                send_view::request(output, &about, &job.url, &job.delivery, None, fields)?;
            }
            Err(unsent) => {
                let origin = unsent.meta.origin.unwrap_or_default();
                match unsent.fate {
                    Fate::Skipped(why) => {
                        skipped += 1;
                        send_view::skipped_file(output, &origin, &why)?;
                    }
                    Fate::Failed(why) => eprintln!("{} {origin}: {why}", "error:".red().bold()),
                    Fate::Delivered(_) | Fate::Unexpected(_) => {}
                }
            }
        }
    }
    Ok(if skipped > 0 { exit::RUNTIME } else { exit::SUCCESS })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("payin.*", "payin.update"));
        assert!(glob("*", "anything"));
        assert!(glob("pay?n.update", "payin.update"));
        assert!(!glob("payin.*", "payinrefund.update"));
        assert!(glob("*refund*", "payinrefund.update"));
        assert!(glob("STRIPE", "stripe"));
        assert!(!glob("stripe", "stripes"));
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("50").unwrap(), 50.0);
        assert_eq!(parse_rate("50/s").unwrap(), 50.0);
        assert_eq!(parse_rate("600/m").unwrap(), 10.0);
        assert!(parse_rate("fast").is_err());
        assert!(parse_rate("0").is_err());
    }
}
