//! The listener's pipeline: for each request the server reads, recognise and verify it, answer as
//! told (or as the app behind `--forward-to` answers), save it, and report it. `listen` and `demo`
//! run it; they decide what to print and when to stop.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;
use url::Url;

use crate::capture::{self, Capture, StoredResponse};
use crate::cli::Decision;
use crate::client::Client;
use crate::delivery::{Delivery, Headers, HOP_BY_HOP};
use crate::inspect::{Inspection, Inspector};
use crate::output::listen_view::{DeliveryView, Forwarded};
use crate::server::{self, Answer, ReadProblem, Received, ServerConfig};
use crate::units;

/// The listener's settings, checked once.
pub struct Settings {
    pub path: Option<String>,
    pub public_url: Option<String>,
    pub save: Option<PathBuf>,
    pub status: u16,
    pub response_body: Option<Bytes>,
    pub response_headers: Vec<(String, String)>,
    pub delay: Option<Duration>,
    pub reject_invalid: bool,
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
        capture: Option<Result<PathBuf, String>>,
        forwarded: Option<Forwarded>,
        /// The answer given to a CryptoMate card authorisation.
        authorization: Option<Decision>,
    },
    Rejected {
        received: Box<Received>,
        status: u16,
        why: String,
    },
    /// A connection that ended in an error before a request could be handled.
    ConnectionError {
        peer: SocketAddr,
        error: String,
    },
}

/// Told of every report, on the task that handled the request, before the answer goes out.
pub type OnReport = Arc<dyn Fn(Report) + Send + Sync>;

/// The state every request handler shares.
struct Shared {
    settings: Settings,
    inspector: Inspector,
    on_report: OnReport,
    /// Writes captures, when saving.
    writer: Option<capture::Writer>,
}

/// Where card numbers, IBANs and e-mail addresses are masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redact {
    Nowhere,
    /// In what is printed.
    Shown,
    /// In what is printed and in captures (whose bodies then no longer verify).
    ShownAndSaved,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            path: None,
            public_url: None,
            save: None,
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

impl Report {
    /// The view of a delivery report, for printing; `None` for a rejected request.
    pub fn delivery_view(&self) -> Option<DeliveryView<'_>> {
        let Report::Delivery { received, inspection, status, elapsed, capture, forwarded, authorization } = self else {
            return None;
        };
        Some(DeliveryView {
            received,
            inspection,
            status: *status,
            elapsed: *elapsed,
            capture: capture.as_ref(),
            forwarded: forwarded.as_ref(),
            authorization: *authorization,
        })
    }
}

/// A running receiver; `server` completes once it has stopped and drained.
pub struct Receiver {
    pub address: SocketAddr,
    stop: Arc<Notify>,
    pub server: JoinHandle<()>,
}

impl Receiver {
    /// Serve on a bound listener until [`Receiver::stop`], handing every report to `on_report`
    /// where it happens: no task is woken per delivery just to hear of it.
    pub fn start(
        listener: TcpListener,
        config: ServerConfig,
        settings: Settings,
        inspector: Inspector,
        on_report: OnReport,
    ) -> std::io::Result<Self> {
        let address = listener.local_addr()?;
        let errors = on_report.clone();
        let connection_errors: server::ConnectionErrors =
            Arc::new(move |peer, error| errors(Report::ConnectionError { peer, error }));
        let writer = settings.save.clone().map(capture::Writer::start).transpose()?;
        let shared = Arc::new(Shared { settings, inspector, on_report, writer });
        let handler: server::Handler = Arc::new(move |received| {
            let shared = shared.clone();
            Box::pin(async move { handle(&shared, received).await })
        });
        let stop = Arc::new(Notify::new());
        let stop_signal = stop.clone();
        let server = tokio::spawn(server::serve(listener, config, handler, connection_errors, async move {
            stop_signal.notified().await
        }));
        Ok(Receiver { address, stop, server })
    }

    /// [`Receiver::start`], with the reports queued on a channel (which closes once the receiver
    /// has stopped and drained), for callers that want to wait for them.
    pub fn start_queued(
        listener: TcpListener,
        config: ServerConfig,
        settings: Settings,
        inspector: Inspector,
    ) -> std::io::Result<(Self, mpsc::UnboundedReceiver<Report>)> {
        let (reports, queue) = mpsc::unbounded_channel();
        let on_report: OnReport = Arc::new(move |report| {
            let _ = reports.send(report);
        });
        Ok((Receiver::start(listener, config, settings, inspector, on_report)?, queue))
    }

    /// Stop accepting; in-flight deliveries finish and still report.
    pub fn stop(&self) {
        self.stop.notify_one();
    }
}

async fn handle(shared: &Shared, mut received: Received) -> Answer {
    let settings = &shared.settings;
    let rejected = |received: Received, status: u16, why: String| {
        let answer = Answer::text(status, format!("hookctl: {why}\n"));
        (shared.on_report)(Report::Rejected { received: Box::new(received), status, why });
        answer
    };
    match &received.problem {
        Some(ReadProblem::HeadersTooLarge { limit }) => {
            let why = format!("headers over the {} limit", units::human_size(*limit));
            return rejected(received, 431, why);
        }
        Some(ReadProblem::TooLarge { limit }) => {
            let why = format!("body over the {} limit (--max-body)", units::human_size(*limit));
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
    let mut inspection = shared.inspector.inspect(&received.delivery, &url, received.received_at.timestamp());
    let provider = inspection.provider.as_deref().and_then(|p| shared.inspector.catalogue().provider(p).ok());

    let mut authorization = None;
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
            let code = match settings.decision {
                Decision::Approve => "00",
                Decision::Decline => "05",
            };
            body = Bytes::from(format!("{{\"response_code\":\"{code}\"}}"));
            headers.push(("content-type".to_string(), "application/json".to_string()));
            authorization = Some(settings.decision);
        }
        headers.extend(settings.response_headers.iter().cloned());
        Answer { status: settings.status, headers, body }
    };
    // From here on the headers are in the form they are stored and shown in (a header that is a
    // secret itself is kept only as its digest).
    if let Some(provider) = provider {
        crate::scheme::stored_form(provider.spec.scheme, &mut received.delivery.headers);
    }
    if let Some(delay) = settings.delay {
        tokio::time::sleep(delay).await;
    }
    let elapsed = (chrono::Utc::now() - received.received_at).to_std().unwrap_or_default();

    if settings.redact == Redact::ShownAndSaved {
        redact_delivery(&mut received, &mut inspection);
    }
    let capture = match &shared.writer {
        Some(writer) => {
            let handled = Handled {
                url: &url,
                inspection: &inspection,
                status: answer.status,
                elapsed,
                forwarded: forwarded.as_ref(),
            };
            let result = save(shared, writer, &received, handled).await;
            if let Err(error) = &result {
                // Never answer "delivered" for what was not saved.
                answer = Answer::text(500, format!("hookctl: the delivery could not be saved: {error}\n"));
            }
            Some(result)
        }
        None => None,
    };
    if settings.redact == Redact::Shown {
        redact_delivery(&mut received, &mut inspection);
    }
    (shared.on_report)(Report::Delivery {
        received: Box::new(received),
        inspection: Box::new(inspection),
        status: answer.status,
        elapsed,
        capture,
        forwarded,
        authorization,
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
    let headers: Headers =
        delivery.headers.iter().filter(|(name, _)| !HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h))).collect();
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

/// What the listener did with a delivery, as it goes into the capture.
struct Handled<'a> {
    url: &'a str,
    inspection: &'a Inspection,
    status: u16,
    elapsed: Duration,
    forwarded: Option<&'a Forwarded>,
}

async fn save(
    shared: &Shared,
    writer: &capture::Writer,
    received: &Received,
    handled: Handled<'_>,
) -> Result<PathBuf, String> {
    let inspection = handled.inspection;
    // The event goes into the file name only when it is a catalogue name, never raw request data.
    let event = match (&inspection.provider, &inspection.event) {
        (Some(p), Some(e)) => shared.inspector.known_event(p, e),
        _ => None,
    };
    let capture = Capture {
        format: capture::FORMAT,
        // From the thread's generator: `new_v4` asks the kernel for every id, a system call per capture.
        id: uuid::Builder::from_random_bytes(rand::random()).into_uuid().to_string(),
        received_at: received.received_at,
        peer: Some(received.peer.to_string()),
        method: received.delivery.method.clone(),
        target: received.delivery.target.clone(),
        url: Some(handled.url.to_string()),
        http_version: received.http_version.to_string(),
        headers: received.delivery.headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        body: capture::StoredBody::from_bytes(&received.delivery.body),
        provider: inspection.provider.clone(),
        event: inspection.event.clone(),
        verdict: Some(inspection.stored_verdict()),
        response: Some(StoredResponse {
            status: handled.status,
            elapsed_ms: crate::output::millis(handled.elapsed),
            forwarded_to: handled.forwarded.map(|f| f.url.clone()),
        }),
    };
    let name =
        capture::file_name(received.received_at, received.sequence, inspection.provider.as_deref(), event.as_deref());
    // Written on the capture writers' threads: a slow disk never holds up the async workers.
    writer.write(name, capture).await.map_err(|e| e.to_string())
}
