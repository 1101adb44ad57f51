//! `hookctl listen`: receive deliveries, recognise and verify each, answer as told, save it, and
//! show it. The server reads requests; the receiver's pipeline decides; each report is printed and
//! counted where it happens, and the main task decides when to stop.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bytes::Bytes;
use colored::Colorize;
use tokio::sync::Notify;
use url::Url;

use super::Context;
use crate::capture;
use crate::cli::ListenArgs;
use crate::client::{Client, ClientOptions};
use crate::error::{exit, UsageError};
use crate::inspect::Inspector;
use crate::output::records::{JournalCounts, ListenSummary, Millis, Record, Summary};
use crate::output::{listen_view, send_view, Output};
use crate::receiver::{OnReport, Receiver, ReceiverConfig, Redact, Report};
use crate::server::ServerConfig;
use crate::target;

pub async fn run(args: ListenArgs, ctx: &Context) -> anyhow::Result<u8> {
    let output = &ctx.output;
    let host: IpAddr = args
        .host
        .parse()
        .map_err(|_| UsageError::new(format!("--host: {:?} is not an IP address", args.host)))?;
    let server_config = ServerConfig {
        max_body: args.max_body,
        read_timeout: args.read_timeout,
        drain_timeout: Duration::from_secs(30),
    };
    let tolerance = args.tolerance.as_secs();
    let deadline = args.timeout;
    if let Some(provider) = &args.provider {
        ctx.catalogue.provider(provider)?;
    }
    let config = receiver_config(&args)?;
    let inspector = Inspector::new(
        ctx.catalogue.clone(),
        args.provider.clone(),
        args.secret.as_deref(),
        &ctx.config,
        tolerance,
    );
    match &config.save {
        Some(journal) if capture::is_journal(journal) => {
            capture::create_parent(journal).with_context(|| {
                format!(
                    "cannot create the folder of the journal {}",
                    journal.display()
                )
            })?;
        }
        Some(dir) => {
            capture::create_dir(dir)
                .with_context(|| format!("cannot create the capture folder {}", dir.display()))?;
            let removed = capture::clean_leftovers(dir);
            if removed > 0 {
                output.note(&format!(
                    "Removed {removed} partial capture files left by an interrupted listener"
                ))?;
            }
        }
        None => {}
    }

    let signals = crate::signals::StopSignals::new()?;
    let listeners = bind(SocketAddr::new(host, args.port)).with_context(|| {
        format!(
            "cannot listen on {host}:{}{}",
            args.port,
            if args.port != 0 {
                " (in use? --port 0 picks a free port)"
            } else {
                ""
            }
        )
    })?;
    let address = listeners[0].local_addr()?;
    announce(output, address, &config, &inspector, &args)?;

    // Each --expect is resolved now: a typo gets its "did you mean" at once, not after --timeout.
    let expected = args
        .expect
        .iter()
        .map(|wanted| {
            let (provider, event) = ctx.catalogue.resolve(wanted, args.provider.as_deref())?;
            Ok(format!("{}:{}", provider.name, event.name))
        })
        .collect::<anyhow::Result<Vec<String>>>()?;
    let printer = Arc::new(Printer::new(
        output.deferred(),
        Tally::new(args.count, &expected),
    ));
    let on_report: OnReport = {
        let printer = printer.clone();
        Arc::new(move |report| printer.report(&report))
    };
    let save = config.save.clone();
    let receiver = Receiver::start(listeners, server_config, config, inspector, on_report)
        .with_context(|| {
            format!(
                "cannot save into {}",
                save.as_deref()
                    .unwrap_or(std::path::Path::new(""))
                    .display()
            )
        })?;
    if receiver.repaired > 0 {
        let journal = save
            .as_deref()
            .unwrap_or(std::path::Path::new(""))
            .display();
        output.note(&format!(
            "Cut a torn last line ({} bytes, a write cut short) from {journal}",
            receiver.repaired
        ))?;
    }
    let counts = receiver.counts.clone();

    let started = Instant::now();
    let flusher = tokio::spawn(flush_when_asked(printer.clone()));
    let watched = watch(receiver, signals, deadline, &printer).await;
    flusher.abort();
    let Watched {
        interrupted,
        timed_out,
    } = watched?;
    let tally = printer.tally();
    tally.finish(output, started.elapsed(), timed_out, counts.as_deref())?;
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

/// How long a printed line may wait in the buffer, so that the lines of many deliveries go out in
/// one write; too short for a person to notice.
const FLUSH_DELAY: Duration = Duration::from_millis(20);

/// Shows and counts each report on the task that handled its request, so that no task is woken
/// per delivery just to print it. Lines collect in the stdout buffer and are written out
/// [`FLUSH_DELAY`] after the first of them.
struct Printer {
    output: Output,
    tally: Mutex<Tally>,
    /// Wakes the watcher: the goals are met, or printing failed.
    stop: Notify,
    /// Wakes the flusher: something is waiting in the buffer.
    flush: Notify,
    dirty: AtomicBool,
    error: Mutex<Option<std::io::Error>>,
}

impl Printer {
    fn new(output: Output, tally: Tally) -> Self {
        Printer {
            output,
            tally: Mutex::new(tally),
            stop: Notify::new(),
            flush: Notify::new(),
            dirty: AtomicBool::new(false),
            error: Mutex::new(None),
        }
    }

    fn report(&self, report: &Report) {
        let shown = show(&self.output, report);
        let done = {
            let mut tally = lock(&self.tally);
            tally.add(report);
            tally.done()
        };
        if let Err(error) = shown {
            self.failed(error);
        }
        if done {
            self.stop.notify_one();
        }
        if !self.dirty.swap(true, Ordering::AcqRel) {
            self.flush.notify_one();
        }
    }

    fn failed(&self, error: std::io::Error) {
        lock(&self.error).get_or_insert(error);
        self.stop.notify_one();
    }

    /// Write out what is buffered; a failure is kept for [`Printer::flush`] and stops the listener.
    fn write_out(&self) {
        self.dirty.store(false, Ordering::Release);
        if let Err(error) = self.output.flush() {
            self.failed(error);
        }
    }

    /// Write out what is buffered, and say whether printing failed on the way.
    fn flush(&self) -> std::io::Result<()> {
        self.write_out();
        match lock(&self.error).take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    fn tally(&self) -> Tally {
        lock(&self.tally).clone()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

async fn flush_when_asked(printer: Arc<Printer>) {
    loop {
        printer.flush.notified().await;
        tokio::time::sleep(FLUSH_DELAY).await;
        printer.write_out();
    }
}

/// How the watch ended.
struct Watched {
    interrupted: bool,
    timed_out: bool,
}

/// Stop the receiver when the goals are met, printing fails, the time is up or a stop signal
/// comes; return once it has drained and everything printed is written out.
async fn watch(
    mut receiver: Receiver,
    mut signals: crate::signals::StopSignals,
    deadline: Option<Duration>,
    printer: &Printer,
) -> std::io::Result<Watched> {
    let mut stopping = false;
    let mut interrupted = false;
    let mut timed_out = false;
    let timer = tokio::time::sleep(deadline.unwrap_or(Duration::from_secs(u32::MAX as u64)));
    tokio::pin!(timer);
    loop {
        tokio::select! {
            _ = printer.stop.notified(), if !stopping => { stopping = true; receiver.stop(); }
            _ = signals.recv(), if !stopping => { interrupted = true; stopping = true; receiver.stop(); }
            _ = &mut timer, if !stopping && deadline.is_some() => { timed_out = true; stopping = true; receiver.stop(); }
            // The server has drained: every report has been shown.
            _ = &mut receiver.server => break,
        }
    }
    printer.flush()?;
    Ok(Watched {
        interrupted,
        timed_out,
    })
}

fn receiver_config(args: &ListenArgs) -> anyhow::Result<ReceiverConfig> {
    let response_headers = args.response_header.clone();
    let forward = match &args.forward_to {
        Some(text) => {
            let url =
                target::parse(text).map_err(|e| UsageError::new(format!("--forward-to: {e}")))?;
            let timeout = args.forward_timeout;
            let client = Client::new(&ClientOptions {
                timeout,
                insecure: false,
                pool_size: 16,
                keep_response_headers: true,
            });
            Some((url, client))
        }
        None => None,
    };
    if let Some(public) = &args.public_url {
        Url::parse(public)
            .map_err(|e| UsageError::new(format!("--public-url: {public:?} is not a URL: {e}")))?;
    }
    let path = args.path.as_ref().map(|p| {
        if p.starts_with('/') {
            p.clone()
        } else {
            format!("/{p}")
        }
    });
    Ok(ReceiverConfig {
        path,
        public_url: args.public_url.clone(),
        save: args.save.clone(),
        sync: args.sync,
        status: args.status,
        response_body: args.response_body.clone().map(Bytes::from),
        response_headers,
        delay: args.delay,
        reject_invalid: args.reject_invalid,
        decision: args.authorization,
        forward,
        redact: match (args.redact, args.redact_saved) {
            (_, true) => Redact::ShownAndSaved,
            (true, false) => Redact::Shown,
            (false, false) => Redact::Nowhere,
        },
    })
}

/// One listening socket per core, all on the same port (`SO_REUSEPORT`: the kernel spreads
/// connections over them), each served by a thread of its own.
///
/// Sockets that all ask for `SO_REUSEPORT` may share a port, so a second hookctl listening on the
/// same port would quietly take half the deliveries. The port is first bound alone, without the
/// option, which fails as usual when anything holds it (and picks the port for `--port 0`); then
/// it is released and bound again once per core.
fn bind(address: SocketAddr) -> std::io::Result<Vec<std::net::TcpListener>> {
    use socket2::{Domain, Socket, Type};
    let at = std::net::TcpListener::bind(address)?.local_addr()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (0..cores)
        .map(|_| {
            let socket = Socket::new(Domain::for_address(at), Type::STREAM, None)?;
            socket.set_reuse_address(true)?;
            socket.set_reuse_port(true)?;
            socket.bind(&at.into())?;
            socket.listen(1024)?;
            Ok(socket.into())
        })
        .collect()
}

fn announce(
    output: &Output,
    address: SocketAddr,
    config: &ReceiverConfig,
    inspector: &Inspector,
    args: &ListenArgs,
) -> anyhow::Result<()> {
    output.emit(&Record::Listening(listen_view::listening(
        address,
        config.path.as_deref(),
    )))?;
    if !address.ip().is_loopback() {
        let message = format!(
            "listening on {} is reachable from other machines; webhooks carry payment data",
            address.ip()
        );
        send_view::warning(output, "", &message)?;
    }
    let builtin: Vec<&str> = inspector
        .catalogue()
        .providers()
        .iter()
        .filter(|p| {
            inspector
                .secret(&p.name)
                .is_some_and(|s| s.source == crate::config::SecretSource::BuiltIn)
        })
        .map(|p| p.name.as_str())
        .collect();
    if !builtin.is_empty() {
        output.note(&format_args!(
            "{} verifying {} with the built-in test secrets; give --secret or HOOKCTL_<PROVIDER>_SECRET for your own",
            "note:".yellow(),
            builtin.join(", ")
        ))?;
    }
    if let Some(dir) = &config.save {
        output.note(&format_args!("Saving every delivery to {}", dir.display()))?;
    }
    if let Some((forward, _)) = &config.forward {
        output.note(&format_args!("Forwarding every delivery to {forward}"))?;
    }
    if args.count.is_some() || !args.expect.is_empty() {
        output.note(&"Press Ctrl-C to stop early.")?;
    }
    Ok(())
}

fn show(output: &Output, report: &Report) -> std::io::Result<()> {
    output.emit(&listen_view::record(report, None))
}

/// Counts, and the goals of --count and --expect.
#[derive(Clone)]
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
            Report::Delivery {
                inspection,
                capture,
                ..
            } => {
                self.deliveries += 1;
                match &inspection.verdict {
                    Some(v) if v.is_valid() => self.valid += 1,
                    Some(v) if v.is_invalid() => self.invalid += 1,
                    _ => {}
                }
                if matches!(capture, Some(Err(_))) {
                    self.unsaved += 1;
                }
                let provider = inspection.provider_name().unwrap_or("");
                let event = inspection.event.as_deref().unwrap_or("");
                // Expectations are `provider:event`, as the catalogue spells them.
                for (wanted, seen) in &mut self.expected {
                    let matches = wanted.split_once(':').is_some_and(|(p, e)| {
                        p.eq_ignore_ascii_case(provider) && e.eq_ignore_ascii_case(event)
                    });
                    *seen |= matches;
                }
            }
            Report::Rejected { .. } | Report::ConnectionError { .. } => self.rejected += 1,
        }
    }

    fn has_goal(&self) -> bool {
        self.count.is_some() || !self.expected.is_empty()
    }

    fn satisfied(&self) -> bool {
        self.count.is_none_or(|n| self.deliveries >= n)
            && self.expected.iter().all(|(_, seen)| *seen)
    }

    fn done(&self) -> bool {
        self.has_goal() && self.satisfied()
    }

    fn finish(
        &self,
        output: &Output,
        elapsed: Duration,
        timed_out: bool,
        journal: Option<&capture::Counts>,
    ) -> std::io::Result<()> {
        let missing: Vec<&str> = self
            .expected
            .iter()
            .filter(|(_, seen)| !seen)
            .map(|(e, _)| e.as_str())
            .collect();
        output.emit(&Record::Summary(Summary::Listen(ListenSummary {
            deliveries: self.deliveries,
            valid: self.valid,
            invalid: self.invalid,
            not_saved: self.unsaved,
            rejected: self.rejected,
            missing,
            timed_out,
            journal: journal.map(JournalCounts::of),
            elapsed_ms: Millis(elapsed),
            elapsed,
            count: self.count,
            satisfied: self.satisfied(),
        })))
    }
}
