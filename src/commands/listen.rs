//! `hookctl listen`: receive deliveries, recognise and verify each, answer as told, save it, and
//! show it. The server reads requests; the handler here decides; the main task prints and decides
//! when to stop.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bytes::Bytes;
use colored::Colorize;
use reqwest::Url;
use serde_json::json;
use tokio::sync::{mpsc, Notify};

use super::Context;
use crate::capture::{self, Capture, StoredResponse};
use crate::cli::{Decision, ListenArgs};
use crate::client::{Client, ClientOptions};
use crate::delivery::{Delivery, Headers};
use crate::error::{exit, UsageError};
use crate::inspect::{Inspection, Inspector};
use crate::output::listen_view::{self, DeliveryView, Forwarded, RejectedView};
use crate::output::Output;
use crate::server::{self, Answer, BodyProblem, Received, ServerConfig};
use crate::{target, units};

/// CryptoMate expects an answer to a card authorisation within this time.
const AUTHORIZATION_DEADLINE: Duration = Duration::from_millis(1200);

/// Headers that belong to one hop and are not passed on to the app.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "host",
    "content-length",
];

/// The listener's settings, checked once.
struct Settings {
    path: Option<String>,
    public_url: Option<String>,
    save: Option<PathBuf>,
    status: u16,
    response_body: Option<Bytes>,
    response_headers: Vec<(String, String)>,
    delay: Option<Duration>,
    reject_invalid: bool,
    decision: Decision,
    forward: Option<(Url, Client)>,
}

/// What the handler tells the main task about each request.
enum Report {
    Delivery {
        received: Box<Received>,
        inspection: Box<Inspection>,
        status: u16,
        elapsed: Duration,
        capture: Option<Result<PathBuf, String>>,
        forwarded: Option<Forwarded>,
        remark: Option<String>,
    },
    Rejected {
        received: Box<Received>,
        status: u16,
        why: String,
    },
}

/// The state every request handler shares.
struct Shared {
    settings: Settings,
    inspector: Inspector,
    reports: mpsc::UnboundedSender<Report>,
}

pub async fn run(args: ListenArgs, ctx: &Context) -> anyhow::Result<u8> {
    let output = &ctx.output;
    let host: IpAddr =
        args.host.parse().map_err(|_| UsageError::new(format!("--host: {:?} is not an IP address", args.host)))?;
    let server_config = ServerConfig {
        max_body: units::size("--max-body", &args.max_body)?,
        read_timeout: units::duration("--read-timeout", &args.read_timeout)?,
        drain_timeout: Duration::from_secs(30),
    };
    let tolerance = units::duration("--tolerance", &args.tolerance)?.as_secs();
    let deadline = args.timeout.as_deref().map(|t| units::duration("--timeout", t)).transpose()?;
    if let Some(provider) = &args.provider {
        ctx.catalogue.provider(provider)?;
    }
    let settings = settings(&args)?;
    let inspector =
        Inspector::new(ctx.catalogue.clone(), args.provider.clone(), args.secret.as_deref(), &ctx.config, tolerance);
    if let Some(dir) = &settings.save {
        capture::create_dir(dir).with_context(|| format!("cannot create the capture folder {}", dir.display()))?;
    }

    let mut signals = crate::signals::StopSignals::new()?;
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(host, args.port)).await.with_context(|| {
        format!(
            "cannot listen on {host}:{}{}",
            args.port,
            if args.port != 0 { " (in use? --port 0 picks a free port)" } else { "" }
        )
    })?;
    let address = listener.local_addr()?;
    announce(output, address, &settings, &inspector, &args)?;

    let (reports, mut incoming) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared { settings, inspector, reports });
    let handler: server::Handler = Arc::new(move |received| {
        let shared = shared.clone();
        Box::pin(async move { handle(&shared, received).await })
    });
    let stop = Arc::new(Notify::new());
    let stop_signal = stop.clone();
    let mut server =
        tokio::spawn(server::serve(listener, server_config, handler, async move { stop_signal.notified().await }));

    let mut tally = Tally::new(args.count, &args.expect);
    let mut stopping = false;
    let mut interrupted = false;
    let mut timed_out = false;
    let started = Instant::now();
    let timer = tokio::time::sleep(deadline.unwrap_or(Duration::from_secs(u32::MAX as u64)));
    tokio::pin!(timer);
    loop {
        tokio::select! {
            report = incoming.recv() => {
                let Some(report) = report else { break };
                show(output, &report)?;
                tally.add(&report);
                if !stopping && tally.done() {
                    stopping = true;
                    stop.notify_one();
                }
            }
            _ = signals.recv(), if !stopping => { interrupted = true; stopping = true; stop.notify_one(); }
            _ = &mut timer, if !stopping && deadline.is_some() => { timed_out = true; stopping = true; stop.notify_one(); }
            _ = &mut server => {
                // The server has drained; what is still queued is printed, then we are done.
                while let Ok(report) = incoming.try_recv() {
                    show(output, &report)?;
                    tally.add(&report);
                }
                break;
            }
        }
    }
    tally.finish(output, started.elapsed(), timed_out)?;
    Ok(if interrupted {
        exit::INTERRUPTED
    } else if tally.invalid > 0 {
        exit::VERIFICATION
    } else if !tally.satisfied() && (timed_out || tally.has_goal()) {
        exit::RUNTIME
    } else {
        exit::SUCCESS
    })
}

fn settings(args: &ListenArgs) -> anyhow::Result<Settings> {
    let response_headers = args
        .response_header
        .iter()
        .map(|h| {
            let (name, value) = h
                .split_once(':')
                .ok_or_else(|| UsageError::new(format!("--response-header {h:?} is not `Name: value`")))?;
            let name = name.trim();
            hyper::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| UsageError::new(format!("--response-header: {name:?} is not a header name")))?;
            Ok((name.to_string(), value.trim().to_string()))
        })
        .collect::<Result<Vec<_>, UsageError>>()?;
    let forward = match &args.forward_to {
        Some(text) => {
            let url = target::parse(text).map_err(|e| UsageError::new(format!("--forward-to: {e}")))?;
            let timeout = units::duration("--forward-timeout", &args.forward_timeout)?;
            let client = Client::new(&ClientOptions { timeout, insecure: false, pool_size: 16 })?;
            Some((url, client))
        }
        None => None,
    };
    if let Some(public) = &args.public_url {
        Url::parse(public).map_err(|e| UsageError::new(format!("--public-url: {public:?} is not a URL: {e}")))?;
    }
    let path = args.path.as_ref().map(|p| if p.starts_with('/') { p.clone() } else { format!("/{p}") });
    Ok(Settings {
        path,
        public_url: args.public_url.clone(),
        save: args.save.clone(),
        status: args.status,
        response_body: args.response_body.clone().map(Bytes::from),
        response_headers,
        delay: args.delay.as_deref().map(|d| units::duration("--delay", d)).transpose()?,
        reject_invalid: args.reject_invalid,
        decision: args.authorization,
        forward,
    })
}

fn announce(
    output: &Output,
    address: SocketAddr,
    settings: &Settings,
    inspector: &Inspector,
    args: &ListenArgs,
) -> anyhow::Result<()> {
    let url = format!("http://{address}{}", settings.path.as_deref().unwrap_or("/"));
    if output.json {
        output.record("listening", json!({"url": url, "address": address.to_string(), "port": address.port()}))?;
    } else {
        output.line(&format!("Listening on {}", format!("http://{address}").bold()))?;
    }
    if !address.ip().is_loopback() {
        eprintln!(
            "{} listening on {} is reachable from other machines; webhooks carry payment data",
            "warning:".yellow().bold(),
            address.ip()
        );
    }
    let builtin: Vec<&str> = inspector
        .catalogue()
        .providers()
        .iter()
        .filter(|p| inspector.secret(&p.name).is_some_and(|s| s.source == crate::config::SecretSource::BuiltIn))
        .map(|p| p.name.as_str())
        .collect();
    if !builtin.is_empty() {
        output.note(&format!(
            "{} verifying {} with the built-in test secrets; give --secret or HOOKCTL_<PROVIDER>_SECRET for your own",
            "note:".yellow(),
            builtin.join(", ")
        ));
    }
    if let Some(dir) = &settings.save {
        output.note(&format!("Saving every delivery to {}", dir.display()));
    }
    if let Some((forward, _)) = &settings.forward {
        output.note(&format!("Forwarding every delivery to {forward}"));
    }
    if args.count.is_some() || !args.expect.is_empty() {
        output.note("Press Ctrl-C to stop early.");
    }
    Ok(())
}

async fn handle(shared: &Shared, received: Received) -> Answer {
    let settings = &shared.settings;
    let rejected = |received: Received, status: u16, why: String| {
        let answer = Answer::text(status, format!("hookctl: {why}\n"));
        let _ = shared.reports.send(Report::Rejected { received: Box::new(received), status, why });
        answer
    };
    match &received.body_problem {
        Some(BodyProblem::TooLarge { limit }) => {
            let why = format!("body over the {} limit (--max-body)", units::human_size(*limit));
            return rejected(received, 413, why);
        }
        Some(BodyProblem::Timeout(after)) => {
            let why = format!("the body did not arrive within {after:?} (--read-timeout)");
            return rejected(received, 408, why);
        }
        Some(BodyProblem::Broken(error)) => {
            let why = format!("the body could not be read: {error}");
            return rejected(received, 400, why);
        }
        None => {}
    }
    if received.delivery.method != "POST" {
        let why = format!("{} is not a webhook delivery; providers POST", received.delivery.method);
        let mut answer = rejected(received, 405, why);
        answer.headers.push(("allow".into(), "POST".into()));
        return answer;
    }
    if let Some(path) = &settings.path {
        let requested = received.delivery.target.split('?').next().unwrap_or("");
        if requested != path {
            return rejected(received, 404, format!("not the listened path {path}"));
        }
    }

    let url = match &settings.public_url {
        Some(public) => public.clone(),
        None => format!("http://{}{}", received.host.as_deref().unwrap_or("localhost"), received.delivery.target),
    };
    let inspection = shared.inspector.inspect(&received.delivery, &url, received.received_at.timestamp());
    let provider = inspection.provider.as_deref().and_then(|p| shared.inspector.catalogue().provider(p).ok());

    let mut remark = None;
    let mut forwarded = None;
    let mut answer = if settings.reject_invalid && inspection.is_invalid() {
        let status = provider.map_or(401, |p| p.spec.reject_status);
        Answer::text(status, format!("signature verification failed: {}\n", inspection.detail()))
    } else if let Some((forward_url, client)) = &settings.forward {
        let (answer, record) = forward(client, forward_url, &received.delivery).await;
        forwarded = Some(record);
        answer
    } else {
        let mut body = settings.response_body.clone().unwrap_or_default();
        let is_authorization = inspection.provider.as_deref() == Some("cryptomate")
            && inspection.event.as_deref() == Some("AUTHORIZATION");
        let mut headers = Vec::new();
        if is_authorization && settings.response_body.is_none() {
            let (code, word) = match settings.decision {
                Decision::Approve => ("00", "approved"),
                Decision::Decline => ("05", "declined"),
            };
            body = Bytes::from(format!("{{\"response_code\":\"{code}\"}}"));
            headers.push(("content-type".to_string(), "application/json".to_string()));
            remark = Some(word.to_string());
        }
        headers.extend(settings.response_headers.iter().cloned());
        Answer { status: settings.status, headers, body }
    };
    if let Some(delay) = settings.delay {
        tokio::time::sleep(delay).await;
    }
    let elapsed = (chrono::Utc::now() - received.received_at).to_std().unwrap_or_default();
    if let Some(word) = remark.take() {
        let within = if elapsed <= AUTHORIZATION_DEADLINE { "within".green() } else { "OVER".red().bold() };
        remark = Some(format!(
            "card authorisation {word}: answered in {} ({within} CryptoMate's 1,200 ms)",
            crate::output::human_duration(elapsed)
        ));
    }

    let capture = match &settings.save {
        Some(dir) => {
            let result = save(shared, dir, &received, &inspection, answer.status, elapsed, forwarded.as_ref()).await;
            if let Err(error) = &result {
                // Never answer "delivered" for what was not saved.
                answer = Answer::text(500, format!("hookctl: the delivery could not be saved: {error}\n"));
            }
            Some(result)
        }
        None => None,
    };
    let _ = shared.reports.send(Report::Delivery {
        received: Box::new(received),
        inspection: Box::new(inspection),
        status: answer.status,
        elapsed,
        capture,
        forwarded,
        remark,
    });
    answer
}

async fn forward(client: &Client, url: &Url, delivery: &Delivery) -> (Answer, Forwarded) {
    let headers: Headers = delivery
        .headers
        .iter()
        .filter(|(name, _)| !HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h)))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let outgoing = Delivery { headers, ..delivery.clone() };
    match client.send(url, &outgoing).await {
        Ok(response) => {
            let headers = response
                .headers
                .iter()
                .filter(|(name, _)| !HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h)))
                .cloned()
                .collect();
            let answer = Answer { status: response.status, headers, body: response.body.clone() };
            let record =
                Forwarded { url: url.to_string(), result: Ok((response.status, response.elapsed, response.body)) };
            (answer, record)
        }
        Err(error) => {
            let text = error.to_string();
            (
                Answer::text(502, format!("hookctl: the app did not answer: {text}\n")),
                Forwarded { url: url.to_string(), result: Err(text) },
            )
        }
    }
}

async fn save(
    shared: &Shared,
    dir: &std::path::Path,
    received: &Received,
    inspection: &Inspection,
    status: u16,
    elapsed: Duration,
    forwarded: Option<&Forwarded>,
) -> Result<PathBuf, String> {
    // The event goes into the file name only when it is a catalogue name, never raw request data.
    let event = match (&inspection.provider, &inspection.event) {
        (Some(p), Some(e)) => shared.inspector.known_event(p, e),
        _ => None,
    };
    let capture = Capture {
        format: capture::FORMAT,
        id: uuid::Uuid::new_v4().to_string(),
        received_at: received.received_at,
        peer: Some(received.peer.to_string()),
        method: received.delivery.method.clone(),
        target: received.delivery.target.clone(),
        http_version: received.http_version.to_string(),
        headers: received.delivery.headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        body: capture::StoredBody::from_bytes(&received.delivery.body),
        provider: inspection.provider.clone(),
        event: inspection.event.clone(),
        verdict: Some(inspection.stored_verdict()),
        response: Some(StoredResponse {
            status,
            elapsed_ms: crate::output::millis(elapsed),
            forwarded_to: forwarded.map(|f| f.url.clone()),
        }),
    };
    let name = Capture { event, ..capture.clone() }.file_name(received.sequence);
    let dir = dir.to_path_buf();
    // File I/O runs off the async workers, so a slow disk never holds up accepting connections.
    tokio::task::spawn_blocking(move || capture::write(&dir, &name, &capture))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

fn show(output: &Output, report: &Report) -> std::io::Result<()> {
    match report {
        Report::Delivery { received, inspection, status, elapsed, capture, forwarded, remark } => {
            let view = DeliveryView {
                received,
                inspection,
                status: *status,
                elapsed: *elapsed,
                capture: capture.as_ref(),
                forwarded: forwarded.as_ref(),
                remark: remark.as_deref(),
            };
            if output.json {
                output.record("delivery", listen_view::delivery_json(&view))
            } else {
                output.line(&listen_view::delivery_human(&view, output.verbosity))
            }
        }
        Report::Rejected { received, status, why } => {
            let view = RejectedView { received, status: *status, why };
            if output.json {
                output.record("rejected", listen_view::rejected_json(&view))
            } else {
                output.line(&listen_view::rejected_human(&view))
            }
        }
    }
}

/// Counts, and the goals of --count and --expect.
struct Tally {
    count: Option<u64>,
    expected: Vec<(String, bool)>,
    deliveries: u64,
    valid: u64,
    invalid: u64,
    unsaved: u64,
    rejected: u64,
}

impl Tally {
    fn new(count: Option<u64>, expect: &[String]) -> Self {
        Tally {
            count,
            expected: expect.iter().map(|e| (e.clone(), false)).collect(),
            deliveries: 0,
            valid: 0,
            invalid: 0,
            unsaved: 0,
            rejected: 0,
        }
    }

    fn add(&mut self, report: &Report) {
        match report {
            Report::Delivery { inspection, capture, .. } => {
                self.deliveries += 1;
                match &inspection.verdict {
                    Some(v) if v.is_valid() => self.valid += 1,
                    Some(v) if v.is_invalid() => self.invalid += 1,
                    _ => {}
                }
                if matches!(capture, Some(Err(_))) {
                    self.unsaved += 1;
                }
                let provider = inspection.provider.as_deref().unwrap_or("");
                let event = inspection.event.as_deref().unwrap_or("");
                for (wanted, seen) in &mut self.expected {
                    let matches = match wanted.split_once(':') {
                        Some((p, e)) => p.eq_ignore_ascii_case(provider) && e.eq_ignore_ascii_case(event),
                        None => wanted.eq_ignore_ascii_case(event),
                    };
                    *seen |= matches;
                }
            }
            Report::Rejected { .. } => self.rejected += 1,
        }
    }

    fn has_goal(&self) -> bool {
        self.count.is_some() || !self.expected.is_empty()
    }

    fn satisfied(&self) -> bool {
        self.count.is_none_or(|n| self.deliveries >= n) && self.expected.iter().all(|(_, seen)| *seen)
    }

    fn done(&self) -> bool {
        self.has_goal() && self.satisfied()
    }

    fn finish(&self, output: &Output, elapsed: Duration, timed_out: bool) -> std::io::Result<()> {
        let missing: Vec<&str> = self.expected.iter().filter(|(_, seen)| !seen).map(|(e, _)| e.as_str()).collect();
        if output.json {
            return output.record(
                "summary",
                json!({
                    "deliveries": self.deliveries,
                    "valid": self.valid,
                    "invalid": self.invalid,
                    "not_saved": self.unsaved,
                    "rejected": self.rejected,
                    "missing": missing,
                    "timed_out": timed_out,
                    "elapsed_ms": crate::output::millis(elapsed),
                }),
            );
        }
        let mut line = format!(
            "{} {} deliveries: {} valid, {} invalid",
            "Received".bold(),
            self.deliveries,
            self.valid.to_string().green(),
            if self.invalid > 0 { self.invalid.to_string().red().to_string() } else { "0".into() }
        );
        if self.rejected > 0 {
            line.push_str(&format!(", {} other requests refused", self.rejected));
        }
        if self.unsaved > 0 {
            line.push_str(&format!(", {} NOT SAVED", self.unsaved.to_string().red()));
        }
        if timed_out && !self.satisfied() {
            let wanted = self.count.map(|n| format!("; {} of {n} expected", self.deliveries)).unwrap_or_default();
            line.push_str(&format!(
                ". {} after {}{wanted}",
                "Timed out".red().bold(),
                crate::output::human_duration(elapsed)
            ));
        }
        if !missing.is_empty() {
            line.push_str(&format!(". Never arrived: {}", missing.join(", ").red()));
        }
        eprintln!("{line}");
        Ok(())
    }
}
