//! `hookctl demo`: the whole loop with nothing set up. A listener on a free loopback port receives
//! every event of every provider, signed with the built-in test secrets, and saves each; the
//! captures are replayed into a second listener and verified offline; a table per provider says
//! what passed.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use colored::Colorize;
use url::Url;

use super::Context;
use crate::batch::{CaptureBatch, Chain, FixtureBatch};
use crate::capture;
use crate::cli::DemoArgs;
use crate::client::{Client, ClientOptions};
use crate::config::builtin_secrets;
use crate::dispatch::{self, JobSource};
use crate::error::exit;
use crate::inspect::{Inspection, Inspector};
use crate::outcome::Outcome;
use crate::output::records::{DemoRow, DemoSummary, Record, Summary};
use crate::output::{listen_view, send_view};
use crate::output::{Output, Verbosity};
use crate::receiver::{Receiver, ReceiverConfig, Report};
use crate::scheme::Verdict;
use crate::server::ServerConfig;

/// How each provider fared in each stage.
#[derive(Default)]
struct Row {
    sent: u64,
    verified: u64,
    replayed: u64,
    reverified: u64,
}

pub async fn run(args: DemoArgs, ctx: &Context) -> anyhow::Result<u8> {
    let output = &ctx.output;
    let catalogue = ctx.catalogue.clone();
    let temporary = tempfile::Builder::new().prefix("hookctl-demo-").tempdir()?;
    let dir = args
        .save
        .clone()
        .unwrap_or_else(|| temporary.path().to_path_buf());
    if capture::is_journal(&dir) {
        capture::create_parent(&dir)?;
    } else {
        capture::create_dir(&dir)?;
    }
    // Built-in test secrets on both sides, whatever the environment says: the demo needs nothing set up.
    let inspector = || {
        Inspector::with_secrets(
            catalogue.clone(),
            builtin_secrets(&catalogue),
            crate::scheme::DEFAULT_TOLERANCE,
        )
    };
    let passed = |inspection: &Inspection| match &inspection.verdict {
        Some(Verdict::Valid { .. }) => true,
        Some(Verdict::Unsigned) => inspection
            .provider
            .as_ref()
            .is_some_and(|p| !p.spec.scheme.signs()),
        _ => false,
    };
    let mut table: BTreeMap<String, Row> = catalogue
        .providers()
        .iter()
        .map(|p| (p.name.clone(), Row::default()))
        .collect();
    let client = Arc::new(Client::new(&ClientOptions::sending(
        Duration::from_secs(30),
        false,
        1,
    )));
    let server_config = ServerConfig {
        max_body: 16 << 20,
        read_timeout: Duration::from_secs(30),
        drain_timeout: Duration::from_secs(10),
    };

    // 1. Send everything to a listener that saves it.
    let first = start(
        server_config.clone(),
        ReceiverConfig {
            save: Some(dir.clone()),
            ..ReceiverConfig::default()
        },
        inspector(),
    )
    .await?;
    let url = Url::parse(&format!("http://{}/webhooks", first.0.address))?;
    heading(
        output,
        &format!("1/3  Sending every event of every provider, and one scenario each, to {url}, signed with the built-in test secrets"),
    )?;
    let first_url = url.clone();
    let everything: Arc<dyn JobSource> =
        Arc::new(FixtureBatch::everything(&catalogue, url.clone()));
    let scenarios: Arc<dyn JobSource> = Arc::new(FixtureBatch::first_scenarios(&catalogue, url));
    let batch = Arc::new(Chain(vec![everything, scenarios]));
    let total = batch.total();
    let reports = exchange(first, batch, client.clone(), output, "live").await?;
    for report in &reports {
        if let Report::Delivery {
            inspection,
            capture: Some(Ok(_)),
            ..
        } = report
        {
            let row = table
                .entry(inspection.provider_name().unwrap_or_default().to_string())
                .or_default();
            row.sent += 1;
            row.verified += u64::from(passed(inspection));
        }
    }

    // 2. Replay the captures, in arrival order, into a second listener.
    let (items, listing) = capture::collect(std::slice::from_ref(&dir));
    let unreadable = listing.unreadable;
    // MobilePay signs the URL a delivery was sent to: the second listener verifies against the first's.
    let replayed_into = ReceiverConfig {
        public_url: Some(first_url.to_string()),
        ..ReceiverConfig::default()
    };
    let second = start(server_config, replayed_into, inspector()).await?;
    let to = Url::parse(&format!("http://{}/", second.0.address))?;
    heading(
        output,
        &format!(
            "2/3  Replaying {} captures from {} to {to}",
            items.len(),
            dir.display()
        ),
    )?;
    let files = items.iter().map(|(path, _)| path.clone()).collect();
    let mut replay = CaptureBatch::new(files, to, catalogue.clone());
    replay.secrets = builtin_secrets(&catalogue);
    let replay = Arc::new(replay);
    let reports = exchange(second, replay, client, output, "replay").await?;
    for report in &reports {
        if let Report::Delivery { inspection, .. } = report {
            let row = table
                .entry(inspection.provider_name().unwrap_or_default().to_string())
                .or_default();
            row.replayed += u64::from(passed(inspection));
        }
    }

    // 3. Verify the captures offline.
    heading(output, "3/3  Verifying the captures offline")?;
    let offline = inspector();
    for (_, capture) in &items {
        let inspection = offline.inspect_capture(capture);
        let row = table
            .entry(inspection.provider_name().unwrap_or_default().to_string())
            .or_default();
        row.reverified += u64::from(passed(&inspection));
    }

    let all_passed = unreadable.is_empty()
        && table.values().map(|r| r.sent).sum::<u64>() == total
        && table
            .values()
            .all(|r| r.sent == r.verified && r.sent == r.replayed && r.sent == r.reverified);
    summarise(output, &table, total, all_passed)?;
    if args.save.is_some() {
        output.note(&format_args!(
            "The captures are in {}; try `hookctl verify {}`.",
            dir.display(),
            dir.display()
        ))?;
    }
    Ok(if all_passed {
        exit::SUCCESS
    } else {
        exit::VERIFICATION
    })
}

async fn start(
    server_config: ServerConfig,
    config: ReceiverConfig,
    inspector: Inspector,
) -> anyhow::Result<Queued> {
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    Ok(Receiver::start_queued(
        listener,
        server_config,
        config,
        inspector,
    )?)
}

/// A receiver and the queue of its reports.
type Queued = (Receiver, tokio::sync::mpsc::UnboundedReceiver<Report>);

/// Send a batch to a receiver, showing each verdict as the receiver reports it; then stop it and
/// return every report.
async fn exchange(
    (receiver, mut reports_queue): Queued,
    batch: Arc<dyn JobSource>,
    client: Arc<Client>,
    output: &Output,
    phase: &str,
) -> anyhow::Result<Vec<Report>> {
    // The receiver's reports show what arrived; of the sending side only what never did.
    let failures = output.clone();
    let report_failures = move |outcomes: &[Outcome]| {
        outcomes
            .iter()
            .filter(|o| !o.fate.is_delivered())
            .try_for_each(|o| send_view::outcome(&failures, o))
    };
    let options = dispatch::Options {
        concurrency: 1,
        rate: None,
        keep_requests: false,
    };
    let sending =
        tokio::spawn(async move { dispatch::run(batch, client, &options, report_failures).await });
    tokio::pin!(sending);
    let mut reports = Vec::new();
    let mut sent = false;
    loop {
        tokio::select! {
            report = reports_queue.recv() => {
                let Some(report) = report else { break };
                show(output, &report, phase)?;
                reports.push(report);
            }
            result = &mut sending, if !sent => {
                result??;
                sent = true;
                // Every request has been answered, and each answer follows its report.
                receiver.stop();
            }
        }
    }
    Ok(reports)
}

/// A line per delivery: the demo shows every delivery in its one-line form.
fn show(output: &Output, report: &Report, phase: &str) -> std::io::Result<()> {
    if matches!(report, Report::Delivery { .. }) {
        output
            .with_verbosity(Verbosity::Quiet)
            .emit(&listen_view::record(report, Some(phase)))?;
    }
    Ok(())
}

fn heading(output: &Output, text: &str) -> std::io::Result<()> {
    output.text(&format_args!("\n{}", text.bold()))
}

fn summarise(
    output: &Output,
    table: &BTreeMap<String, Row>,
    total: u64,
    all_passed: bool,
) -> std::io::Result<()> {
    let providers = table
        .iter()
        .map(|(name, r)| {
            let row = DemoRow {
                sent: r.sent,
                verified: r.verified,
                replayed: r.replayed,
                reverified: r.reverified,
            };
            (name.clone(), row)
        })
        .collect();
    output.emit(&Record::Summary(Summary::Demo(DemoSummary {
        deliveries: total,
        passed: all_passed,
        providers,
    })))
}
