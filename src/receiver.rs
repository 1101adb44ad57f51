//! The listener's pipeline: for each request the server reads, recognise and verify it, answer as
//! told (or as the app behind `--forward-to` answers), save it, and report it. `listen` and `demo`
//! run it; they decide what to print and when to stop.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use url::Url;

use crate::capture::{self, Capture, Saved};
use crate::catalogue::Decision;
use crate::client::Client;
use crate::delivery::{is_hop_by_hop, Delivery};
use crate::inspect::{Inspection, Inspector};
use crate::server::{self, Answer, ReadProblem, Received, ServerConfig};
use crate::units;

/// The listener's configuration, checked once.
pub(crate) struct ReceiverConfig {
    pub path: Option<String>,
    pub public_url: Option<String>,
    /// A folder, or a journal (`*.jsonl`), to save every delivery in.
    pub save: Option<PathBuf>,
    /// Answer a delivery only once its capture is on disk.
    pub sync: bool,
    pub status: u16,
    pub response_body: Option<Bytes>,
    pub response_headers: Vec<(String, String)>,
    pub delay: Option<Duration>,
    pub reject_invalid: bool,
    /// How to answer the events that need an answer of their own (the catalogue's replies).
    pub decision: Decision,
    pub forward: Option<(Url, Client)>,
    pub redact: Redact,
}

/// What the pipeline says about each request (see [`OnReport`]).
pub enum Report {
    Delivery {
        received: Box<Received>,
        inspection: Box<Inspection>,
        status: u16,
        elapsed: Duration,
        capture: Option<Result<Saved, String>>,
        forwarded: Option<Forwarded>,
        /// The answer given from the provider's reply table, for an event that needs one.
        replied: Option<Replied>,
    },
    Rejected {
        received: Box<Received>,
        status: u16,
        why: String,
    },
    /// A connection that ended in an error before a request could be handled.
    ConnectionError { peer: SocketAddr, error: String },
}

/// What the app behind `--forward-to` did.
#[derive(Debug, Clone)]
pub struct Forwarded {
    pub url: String,
    /// The app's status, time and body, or why it could not be reached.
    pub result: Result<(u16, Duration, Bytes), String>,
}

/// An answer given from a provider's reply table (a CryptoMate card authorisation).
#[derive(Debug, Clone)]
pub struct Replied {
    /// What was answered, in a few words ("card authorisation").
    pub what: String,
    pub decision: Decision,
    /// How soon the provider needs the answer, and whose deadline it is.
    pub deadline: Option<(Duration, String)>,
}

/// Told of every report, on the task that handled the request, before the answer goes out.
pub(crate) type OnReport = Arc<dyn Fn(Report) + Send + Sync>;

/// The state every request handler shares.
struct Shared {
    config: ReceiverConfig,
    inspector: Inspector,
    on_report: OnReport,
    /// Writes captures, when saving.
    writer: Option<capture::Sink>,
}

/// Where card numbers, IBANs and e-mail addresses are masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Redact {
    Nowhere,
    /// In what is printed.
    Shown,
    /// In what is printed and in captures (whose bodies then no longer verify).
    ShownAndSaved,
}

impl Default for ReceiverConfig {
    fn default() -> Self {
        ReceiverConfig {
            path: None,
            public_url: None,
            save: None,
            sync: false,
            status: 200,
            response_body: None,
            response_headers: Vec::new(),
            delay: None,
            reject_invalid: false,
            decision: Decision::Approve,
            forward: None,
            redact: Redact::Nowhere,
        }
    }
}

/// A running receiver; `server` completes once it has stopped and drained.
pub(crate) struct Receiver {
    pub address: SocketAddr,
    stop: watch::Sender<bool>,
    pub server: JoinHandle<()>,
    /// What the journal writer did, when saving into a journal.
    pub counts: Option<Arc<capture::Counts>>,
    /// Bytes of a torn last line cut from the journal before appending.
    pub repaired: u64,
}

impl Receiver {
    /// Serve on bound listeners until [`Receiver::stop`], handing every report to `on_report`
    /// where it happens: no task is woken per delivery just to hear of it. The first listener is
    /// served on the caller's runtime; each other one (`SO_REUSEPORT` sockets on the same port) on
    /// a thread of its own with a single-threaded runtime, as nginx runs a worker per core: a
    /// request, its report and its answer never cross threads.
    pub(crate) fn start(
        listeners: Vec<std::net::TcpListener>,
        server_config: ServerConfig,
        config: ReceiverConfig,
        inspector: Inspector,
        on_report: OnReport,
    ) -> std::io::Result<Self> {
        let address = listeners[0].local_addr()?;
        let errors = on_report.clone();
        let connection_errors: server::ConnectionErrors =
            Arc::new(move |peer, error| errors(Report::ConnectionError { peer, error }));
        let (writer, repaired) = match config.save.clone() {
            Some(path) => {
                let (sink, cut) = capture::Sink::start(path, config.sync)?;
                (Some(sink), cut)
            }
            None => (None, 0),
        };
        let counts = match &writer {
            Some(capture::Sink::Journal(journal)) => Some(journal.counts.clone()),
            _ => None,
        };
        let shared = Arc::new(Shared {
            config,
            inspector,
            on_report,
            writer,
        });
        let handler: server::Handler = Arc::new(move |received| {
            let shared = shared.clone();
            Box::pin(async move { handle(&shared, received).await })
        });
        let (stop, stopped) = watch::channel(false);
        let sequence = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let serve = move |listener: std::net::TcpListener| {
            let mut stopped = stopped.clone();
            let shutdown = async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            };
            let listener = TcpListener::from_std(listener);
            let (config, handler, errors) = (
                server_config.clone(),
                handler.clone(),
                connection_errors.clone(),
            );
            let sequence = sequence.clone();
            async move {
                server::serve(listener?, config, handler, errors, sequence, shutdown).await;
                std::io::Result::Ok(())
            }
        };
        let mut listeners = listeners.into_iter();
        let first = listeners.next().expect("at least one listener");
        first.set_nonblocking(true)?;
        let mut others = Vec::new();
        for listener in listeners {
            listener.set_nonblocking(true)?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let served = serve(listener);
            others.push(std::thread::spawn(move || runtime.block_on(served)));
        }
        let first = serve(first);
        let server = tokio::spawn(async move {
            let _ = first.await;
            for other in others {
                let _ = tokio::task::spawn_blocking(move || other.join()).await;
            }
        });
        Ok(Receiver {
            address,
            stop,
            server,
            counts,
            repaired,
        })
    }

    /// [`Receiver::start`], with the reports queued on a channel (which closes once the receiver
    /// has stopped and drained), for callers that want to wait for them.
    pub(crate) fn start_queued(
        listener: TcpListener,
        server_config: ServerConfig,
        config: ReceiverConfig,
        inspector: Inspector,
    ) -> std::io::Result<(Self, mpsc::UnboundedReceiver<Report>)> {
        let (reports, queue) = mpsc::unbounded_channel();
        let on_report: OnReport = Arc::new(move |report| {
            let _ = reports.send(report);
        });
        Ok((
            Receiver::start(
                vec![listener.into_std()?],
                server_config,
                config,
                inspector,
                on_report,
            )?,
            queue,
        ))
    }

    /// Stop accepting; in-flight deliveries finish and still report.
    pub(crate) fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

async fn handle(shared: &Shared, mut received: Received) -> Answer {
    let config = &shared.config;
    let rejected = |received: Received, status: u16, why: String| {
        let answer = Answer::text(status, format!("hookctl: {why}\n"));
        (shared.on_report)(Report::Rejected {
            received: Box::new(received),
            status,
            why,
        });
        answer
    };
    match &received.problem {
        Some(ReadProblem::HeadersTooLarge { limit }) => {
            let why = format!("headers over the {} limit", units::human_size(*limit));
            return rejected(received, 431, why);
        }
        Some(ReadProblem::TooLarge { limit }) => {
            let why = format!(
                "body over the {} limit (--max-body)",
                units::human_size(*limit)
            );
            return rejected(received, 413, why);
        }
        Some(ReadProblem::Timeout(after)) => {
            let why = format!("the body did not arrive within {after:?} (--read-timeout)");
            return rejected(received, 408, why);
        }
        Some(ReadProblem::Broken(error)) => {
            let why = format!("the body could not be read: {error}");
            return rejected(received, 400, why);
        }
        None => {}
    }
    if received.delivery.method != "POST" {
        let why = format!(
            "{} is not a webhook delivery; providers POST",
            received.delivery.method
        );
        let mut answer = rejected(received, 405, why);
        answer.headers.push(("allow".into(), "POST".into()));
        return answer;
    }
    if let Some(path) = &config.path {
        let requested = received.delivery.target.split('?').next().unwrap_or("");
        if requested != path {
            return rejected(received, 404, format!("not the listened path {path}"));
        }
    }

    let url = match &config.public_url {
        Some(public) => public.clone(),
        None => format!(
            "http://{}{}",
            received.host.as_deref().unwrap_or("localhost"),
            received.delivery.target
        ),
    };
    let (delivery, now) = (&received.delivery, received.received_at.timestamp());
    let mut inspection = match &shared.writer {
        Some(capture::Sink::Journal(_)) => {
            shared.inspector.inspect_checking_json(delivery, &url, now)
        }
        _ => shared.inspector.inspect(delivery, &url, now),
    };
    let provider = inspection.provider.clone();

    let mut replied = None;
    let mut forwarded = None;
    let mut answer = if config.reject_invalid && inspection.is_invalid() {
        let status = provider.as_ref().map_or(401, |p| p.spec.reject_status);
        Answer::text(
            status,
            format!("signature verification failed: {}\n", inspection.detail()),
        )
    } else if let Some((forward_url, client)) = &config.forward {
        let (answer, record) = forward(client, forward_url, &received.delivery).await;
        forwarded = Some(record);
        answer
    } else {
        let mut answer = Answer {
            status: config.status,
            headers: Vec::new(),
            body: Bytes::new(),
        };
        // An event that needs an answer of its own gets it from the provider's reply table,
        // unless the body was given.
        let reply = provider
            .as_ref()
            .zip(inspection.event.as_deref())
            .and_then(|(p, e)| Some((p, p.spec.replies.get(e)?)));
        match (&config.response_body, reply) {
            (Some(body), _) => answer.body = body.clone(),
            (None, Some((provider, reply))) => {
                answer.body = Bytes::from(reply.body(config.decision).to_string());
                answer
                    .headers
                    .push(("content-type".to_string(), reply.content_type.clone()));
                replied = Some(Replied {
                    what: reply.what.clone(),
                    decision: config.decision,
                    deadline: reply
                        .deadline_ms
                        .map(|ms| (Duration::from_millis(ms), provider.spec.title.clone())),
                });
            }
            (None, None) => {}
        }
        answer
            .headers
            .extend(config.response_headers.iter().cloned());
        answer
    };
    // From here on the headers are in the form they are stored and shown in (a header that is a
    // secret itself is kept only as its digest).
    if let Some(provider) = &provider {
        crate::scheme::stored_form(provider.spec.scheme, &mut received.delivery.headers);
    }
    if let Some(delay) = config.delay {
        tokio::time::sleep(delay).await;
    }
    let elapsed = (chrono::Utc::now() - received.received_at)
        .to_std()
        .unwrap_or_default();

    // Redacted before saving only when asked to be (the capture's body then no longer verifies).
    if config.redact == Redact::ShownAndSaved {
        redact_delivery(&mut received, &mut inspection);
    }
    let capture = match &shared.writer {
        Some(writer) => {
            let handled = capture::Handled {
                url,
                provider: inspection.provider_name().map(str::to_string),
                event: inspection.event.clone(),
                verdict: inspection.stored_verdict(),
                status: answer.status,
                elapsed,
                forwarded_to: forwarded.as_ref().map(|f| f.url.clone()),
                body_is_json: inspection.json_object == Some(true),
            };
            let result = save(writer, &mut received, &inspection, handled).await;
            if let Err(error) = &result {
                // Never answer "delivered" for what was not saved.
                answer = Answer::text(
                    500,
                    format!("hookctl: the delivery could not be saved: {error}\n"),
                );
            }
            Some(result)
        }
        None => None,
    };
    if config.redact == Redact::Shown {
        redact_delivery(&mut received, &mut inspection);
    }
    (shared.on_report)(Report::Delivery {
        received: Box::new(received),
        inspection: Box::new(inspection),
        status: answer.status,
        elapsed,
        capture,
        forwarded,
        replied,
    });
    answer
}

/// Mask card numbers, IBANs and e-mail addresses in a delivery's body (text bodies only).
fn redact_delivery(received: &mut Received, inspection: &mut Inspection) {
    if let Ok(text) = std::str::from_utf8(&received.delivery.body) {
        received.delivery.body = Bytes::from(crate::redact::redact(text));
    }
    if let Some(plaintext) = inspection.plaintext.as_mut() {
        if let Ok(text) = std::str::from_utf8(plaintext) {
            *plaintext = crate::redact::redact(text).into_bytes();
        }
    }
}

async fn forward(client: &Client, url: &Url, delivery: &Delivery) -> (Answer, Forwarded) {
    let outgoing = Delivery {
        headers: delivery.headers.without_hop_by_hop(),
        ..delivery.clone()
    };
    match client.send(url, &outgoing).await {
        Ok(response) => {
            let headers = response
                .headers
                .iter()
                .filter(|(name, _)| !is_hop_by_hop(name))
                .cloned()
                .collect();
            let answer = Answer {
                status: response.status,
                headers,
                body: response.body.clone(),
            };
            let record = Forwarded {
                url: url.to_string(),
                result: Ok((response.status, response.elapsed, response.body)),
            };
            (answer, record)
        }
        Err(error) => {
            let text = error.to_string();
            (
                Answer::text(502, format!("hookctl: the app did not answer: {text}\n")),
                Forwarded {
                    url: url.to_string(),
                    result: Err(text),
                },
            )
        }
    }
}

/// Save a delivery on the capture writers' threads (a slow disk never holds up the async
/// workers). The delivery goes into the capture and comes back once it is written, uncopied.
async fn save(
    writer: &capture::Sink,
    received: &mut Received,
    inspection: &Inspection,
    handled: capture::Handled,
) -> Result<Saved, String> {
    // The event goes into the file name only when it is a catalogue name, never raw request data.
    let (at, sequence) = (received.received_at, received.sequence);
    let name = || {
        capture::file_name(
            at,
            sequence,
            inspection.provider_name(),
            inspection.known_event(),
        )
    };
    let record = Capture::record(received, handled);
    let (result, record) = writer.write(name, record).await;
    if let Some(record) = record {
        received.delivery = record.delivery;
    }
    result.map_err(|e| e.to_string())
}
