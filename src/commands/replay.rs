//! `hookctl replay`: send captured deliveries again, byte for byte and in arrival order, to the
//! same or another target.

use std::sync::Arc;

use super::Context;
use crate::batch::CaptureBatch;
use crate::capture::{self, Capture, StreamedJournal};
use crate::cli::ReplayArgs;
use crate::client::{Client, ClientOptions};
use crate::dispatch::{self, JobSource};
use crate::error::{exit, UsageError};
use crate::outcome::Fate;
use crate::output::records::{ErrorShown, Record};
use crate::output::send_view::{self, RequestAbout};
use crate::output::Output;
use crate::target;
use crate::units::Filter;

pub async fn run(args: ReplayArgs, ctx: &Context) -> anyhow::Result<u8> {
    let output = &ctx.output;
    // One large journal, unfiltered (`hookctl replay captures.jsonl`): its lines go out while
    // the rest of it is still being listed.
    let streamed = match args.paths.as_slice() {
        [path] if args.filter.is_empty() && capture::is_journal(path) && !path.is_dir() => {
            StreamedJournal::start(path)
        }
        _ => None,
    };
    let (streamed, listing) = match streamed {
        Some((journal, torn)) => {
            let listing = capture::Listing {
                warnings: torn.into_iter().collect(),
                ..Default::default()
            };
            (Some(journal), listing)
        }
        None => (None, list_captures(&args)),
    };
    for warning in &listing.warnings {
        send_view::warning(output, "", warning)?;
    }
    let (files, unreadable) = (listing.sources, listing.unreadable);
    send_view::skipped(output, &unreadable)?;
    let to_text = args
        .to
        .clone()
        .unwrap_or_else(|| target::DEFAULT_TARGET.into());
    let to = target::parse(&to_text).map_err(|e| UsageError::new(format!("--to: {e}")))?;
    let expect = args.expect_status.clone();
    let mut batch = match streamed {
        Some(journal) => CaptureBatch::streamed(journal, to, ctx.catalogue.clone()),
        None => CaptureBatch::new(files, to, ctx.catalogue.clone()),
    };
    batch.expect = expect;
    batch = batch.with_secrets(args.secret.as_deref(), &ctx.config);
    batch.resign = args.resign;
    let replay = Arc::new(batch);
    if args.dry_run {
        return dry_run(&replay, output, unreadable.len());
    }
    let timeout = args.timeout;
    let rate = args.rate;
    let concurrency = args.concurrency.max(1);
    let client_options = ClientOptions::sending(timeout, args.insecure, concurrency);
    // As `send`: a long run without --rate goes out on a thread per core, taking the captures in
    // order from one counter. A journal still being listed is a long one.
    let threads = if rate.is_none() {
        super::send::threads_for(replay.known_total().unwrap_or(u64::MAX))
    } else {
        1
    };
    let clients = (0..threads)
        .map(|_| Arc::new(Client::new(&client_options)))
        .collect();
    let options = dispatch::Options {
        concurrency,
        rate,
        keep_requests: output.shows_requests(),
    };
    // Only a bar that is drawn waits for a journal's listing to know its length.
    let planned = match output.draws_progress() {
        true => replay.total(),
        false => replay.known_total().unwrap_or(0),
    };
    let progress = send_view::Progress::new(output, planned);
    let summary = dispatch::run_spread(replay, clients, &options, progress).await?;
    send_view::summary(output, &summary, true, unreadable.len() as u64)?;
    let code = summary.exit_code();
    Ok(if code == exit::SUCCESS && !unreadable.is_empty() {
        exit::RUNTIME
    } else {
        code
    })
}

/// Every capture named, listed before the replay starts (and read once more to filter them).
fn list_captures(args: &ReplayArgs) -> capture::Listing {
    if args.filter.is_empty() {
        // Captures are read while the replay goes, a window ahead of it.
        capture::list(&args.paths)
    } else {
        // Filtering needs each capture's provider and event, so these are read twice: once here
        // to choose, and again as they are replayed.
        let (items, mut listing) = capture::collect(&args.paths);
        listing.sources = items
            .into_iter()
            .filter(|(_, c)| matches_filters(c, &args.filter))
            .map(|(s, _)| s)
            .collect();
        listing
    }
}

/// `--filter` patterns: a capture is chosen when any of them matches it.
pub fn matches_filters(capture: &Capture, filters: &[Filter]) -> bool {
    let provider = capture.provider.as_deref().unwrap_or("unknown");
    let event = capture.event.as_deref().unwrap_or("unknown");
    filters.is_empty() || filters.iter().any(|filter| filter.matches(provider, event))
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
                let about = RequestAbout {
                    about: format!("{origin} ({}:{})", meta.provider, meta.event),
                    file: Some(&origin),
                    provider: &meta.provider,
                    event: &meta.event,
                    id: None,
                    signed: &meta.signing,
                    scenario: None,
                    duplicate_of: None,
                };
                send_view::request(output, about, &job.url, &job.delivery, None)?;
            }
            Err(unsent) => {
                let origin = unsent.meta.origin.unwrap_or_default();
                match unsent.fate {
                    Fate::Skipped(why) => {
                        skipped += 1;
                        send_view::skipped_file(output, &origin, &why)?;
                    }
                    Fate::Failed(why) => output.emit(&Record::Error(ErrorShown {
                        file: Some(&origin),
                        message: &why,
                        exit_code: None,
                    }))?,
                    Fate::Delivered(_) | Fate::Unexpected(_) => {}
                }
            }
        }
    }
    Ok(if skipped > 0 {
        exit::RUNTIME
    } else {
        exit::SUCCESS
    })
}
