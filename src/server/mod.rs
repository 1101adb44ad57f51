//! The listener's HTTP server: an accept loop with HTTP/1.1 keep-alive and HTTP/2 without TLS, a
//! header read timeout, a body size limit and time limit, and graceful shutdown. The usual webhook
//! request takes a short path ([`http1`]); every other request is served by hyper 1.
//!
//! It reads each request into a [`Received`] and hands it to the handler, whose [`Answer`] it sends
//! back. It never prints: what to say about a request is the handler's business.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::delivery::{Delivery, Headers};

mod http1;

/// How the server treats every connection.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Bodies larger than this are refused with 413.
    pub max_body: usize,
    /// How long a client may take to send its headers, and then its body.
    pub read_timeout: Duration,
    /// How long in-flight requests may take to finish once shutdown starts.
    pub drain_timeout: Duration,
}

/// Header blocks larger than this are refused with 431. hyper's own limit (about 400 KB) is only
/// checked while headers are still arriving, so whether it applies depends on how the bytes were
/// split into reads; this one applies to every request alike.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Why a request could not be read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadProblem {
    HeadersTooLarge {
        limit: usize,
    },
    TooLarge {
        limit: usize,
    },
    Timeout(Duration),
    /// The client went away or sent something that is not HTTP framing.
    Broken(String),
}

/// One request as received, in arrival order.
#[derive(Debug, Clone)]
pub struct Received {
    /// 1 for the first request of the run, and so on.
    pub sequence: u64,
    pub received_at: DateTime<Utc>,
    pub peer: SocketAddr,
    pub http_version: &'static str,
    /// The host the client addressed (Host header, or the HTTP/2 authority).
    pub host: Option<String>,
    pub delivery: Delivery,
    pub problem: Option<ReadProblem>,
}

/// What to answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl Answer {
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Answer {
            status,
            headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
            body: Bytes::from(body.into()),
        }
    }
}

pub type Handler =
    Arc<dyn Fn(Received) -> Pin<Box<dyn Future<Output = Answer> + Send>> + Send + Sync>;

/// Told of every connection that ended in an error: bytes that are not HTTP, headers too large or
/// too slow, a client that hung up mid-request.
pub type ConnectionErrors = Arc<dyn Fn(SocketAddr, String) + Send + Sync>;

/// Serve until `shutdown` completes, then stop accepting, let in-flight requests finish (up to the
/// drain timeout), and return.
/// `sequence` numbers requests across every server that shares it.
pub async fn serve(
    listener: TcpListener,
    config: ServerConfig,
    handler: Handler,
    connection_errors: ConnectionErrors,
    sequence: Arc<AtomicU64>,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut hyper = auto::Builder::new(TokioExecutor::new());
    hyper
        .http1()
        .keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(config.read_timeout);
    hyper.http2().timer(TokioTimer::new());
    let drain_timeout = config.drain_timeout;
    let connections = Arc::new(http1::Connections {
        handler,
        sequence,
        config,
        hyper,
        errors: connection_errors,
    });
    let (stop, stopping) = tokio::sync::watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let (connections, watcher) = (connections.clone(), graceful.watcher());
                tokio::spawn(http1::serve(stream, peer, connections, watcher, stopping.clone()));
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = stop.send(true);
    let _ = tokio::time::timeout(drain_timeout, graceful.shutdown()).await;
}

pub(super) async fn read(
    request: Request<Incoming>,
    peer: SocketAddr,
    sequence: &AtomicU64,
    config: &ServerConfig,
) -> Received {
    let sequence = sequence.fetch_add(1, Ordering::Relaxed) + 1;
    let received_at = Utc::now();
    let (parts, body) = request.into_parts();
    // As on the wire: "name: value\r\n" for each.
    let header_bytes: usize = parts
        .headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    let headers = copy_headers(&parts.headers);
    let host = headers
        .get("host")
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()));
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let http_version = match parts.version {
        hyper::Version::HTTP_09 => "HTTP/0.9",
        hyper::Version::HTTP_10 => "HTTP/1.0",
        hyper::Version::HTTP_2 => "HTTP/2",
        hyper::Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/1.1",
    };
    let declared: Option<u64> = headers
        .get("content-length")
        .and_then(|v| v.trim().parse().ok());
    let (body, problem) = if header_bytes > MAX_HEADER_BYTES {
        (
            Bytes::new(),
            Some(ReadProblem::HeadersTooLarge {
                limit: MAX_HEADER_BYTES,
            }),
        )
    } else if declared.is_some_and(|length| length > config.max_body as u64) {
        // Refuse before reading: the declared size is enough.
        (
            Bytes::new(),
            Some(ReadProblem::TooLarge {
                limit: config.max_body,
            }),
        )
    } else {
        match tokio::time::timeout(
            config.read_timeout,
            Limited::new(body, config.max_body).collect(),
        )
        .await
        {
            Ok(Ok(collected)) => (collected.to_bytes(), None),
            Ok(Err(error)) if error.is::<LengthLimitError>() => (
                Bytes::new(),
                Some(ReadProblem::TooLarge {
                    limit: config.max_body,
                }),
            ),
            Ok(Err(error)) => (Bytes::new(), Some(ReadProblem::Broken(error.to_string()))),
            Err(_) => (
                Bytes::new(),
                Some(ReadProblem::Timeout(config.read_timeout)),
            ),
        }
    };
    Received {
        sequence,
        received_at,
        peer,
        http_version,
        host,
        delivery: Delivery {
            method: parts.method.to_string(),
            target,
            headers,
            body,
        },
        problem,
    }
}

/// A request's headers as the pipeline keeps them: sized once, so that however many there are
/// the copy costs two allocations. A value that is not UTF-8 is kept lossily.
pub fn copy_headers(map: &hyper::HeaderMap) -> Headers {
    let bytes = map
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    let mut headers = Headers::with_capacity(map.len(), bytes);
    for (name, value) in map {
        headers.push_received(name.as_str(), value.as_bytes());
    }
    headers
}

pub(super) fn respond(answer: Answer) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(answer.body));
    *response.status_mut() =
        hyper::StatusCode::from_u16(answer.status).unwrap_or(hyper::StatusCode::OK);
    let headers = response.headers_mut();
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            hyper::header::HeaderValue::from_str(&value),
        ) {
            headers.append(name, value);
        }
    }
    response
}
