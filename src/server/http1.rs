//! Each connection starts here, on a short path for the request webhooks almost always are: an
//! HTTP/1.1 `POST` to an origin-form target with a `Content-Length` body, its headers whole in
//! the bytes already read. Such a request is parsed with httparse (hyper's own parser) straight
//! into a [`Received`], and its answer written with one call.
//!
//! Anything else (a head split over reads, another method or HTTP version, chunked bodies,
//! `Expect`, upgrades, HTTP/2, a body over the limit, bytes that are not HTTP) is hyper's: the
//! connection is handed to it with the bytes read so far put back in front, and hyper serves the
//! rest of it as it serves every connection of the listener, limits and timeouts included.
//! Decision and measurement in BENCHMARKS.md ("HTTP/1.1 requests parsed without hyper").

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use chrono::Utc;
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::Watcher;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::{
    read, respond, Answer, ConnectionErrors, Handler, ReadProblem, Received, ServerConfig,
    MAX_HEADER_BYTES,
};
use crate::delivery::{Delivery, Headers};

/// What every connection of one server shares.
pub(super) struct Connections {
    pub handler: Handler,
    pub sequence: Arc<AtomicU64>,
    pub config: ServerConfig,
    pub hyper: auto::Builder<TokioExecutor>,
    pub errors: ConnectionErrors,
}

/// Headers the short path reads; a request with more goes to hyper, which takes 100.
const MAX_HEADERS: usize = 64;

/// Room kept free for the next read.
const READ_ROOM: usize = 8 * 1024;

/// Serve one connection until it closes, the server stops, or it is handed to hyper. `watcher`
/// is held until then, so that a graceful shutdown waits for the request in flight.
pub(super) async fn serve(
    mut stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Connections>,
    watcher: Watcher,
    mut stopping: watch::Receiver<bool>,
) {
    let read_timeout = shared.config.read_timeout;
    let mut buffer = BytesMut::with_capacity(READ_ROOM);
    let mut out = Vec::new();
    // Between requests a connection may stay idle for the read timeout, as under hyper; one
    // timer per connection, reset for each wait.
    let idle = tokio::time::sleep(read_timeout);
    tokio::pin!(idle);
    loop {
        if buffer.is_empty() {
            if *stopping.borrow() {
                return;
            }
            idle.as_mut()
                .reset(tokio::time::Instant::now() + read_timeout);
            buffer.reserve(READ_ROOM);
            tokio::select! {
                read = stream.read_buf(&mut buffer) => match read {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                },
                _ = stopping.changed() => return,
                _ = &mut idle => return,
            }
        }
        let Some(head) = Head::parse(&buffer, shared.config.max_body) else {
            break;
        };
        let whole = head.length + head.body_length;
        let mut problem = None;
        if buffer.len() < whole {
            buffer.reserve(whole - buffer.len());
            match tokio::time::timeout(read_timeout, read_to(&mut stream, &mut buffer, whole)).await
            {
                Ok(Ok(())) => {}
                Ok(Err(error)) => problem = Some(ReadProblem::Broken(error.to_string())),
                Err(_) => problem = Some(ReadProblem::Timeout(read_timeout)),
            }
        }
        // A body that did not arrive leaves the connection somewhere in the middle of it.
        let close = head.close || problem.is_some();
        let body = if problem.is_none() {
            buffer.advance(head.length);
            buffer.split_to(head.body_length).freeze()
        } else {
            Bytes::new()
        };
        let received = head.received(peer, &shared.sequence, body, problem);
        let answer = (shared.handler)(received).await;
        let close = close || *stopping.borrow();
        out.clear();
        encode(&answer, close, &mut out);
        if let Err(error) = stream.write_all(&out).await {
            (shared.errors)(peer, format!("error writing the answer: {error}"));
            return;
        }
        if close {
            let _ = stream.shutdown().await;
            return;
        }
    }
    hand_to_hyper(stream, buffer.freeze(), peer, shared, watcher).await;
}

/// Read until `buffer` holds `whole` bytes.
async fn read_to(stream: &mut TcpStream, buffer: &mut BytesMut, whole: usize) -> io::Result<()> {
    while buffer.len() < whole {
        if stream.read_buf(buffer).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the connection closed before the body was complete",
            ));
        }
    }
    Ok(())
}

async fn hand_to_hyper(
    stream: TcpStream,
    already_read: Bytes,
    peer: SocketAddr,
    shared: Arc<Connections>,
    watcher: Watcher,
) {
    let service = {
        let shared = shared.clone();
        service_fn(move |request: Request<Incoming>| {
            let shared = shared.clone();
            async move {
                let received = read(request, peer, &shared.sequence, &shared.config).await;
                let answer = (shared.handler)(received).await;
                Ok::<_, Infallible>(respond(answer))
            }
        })
    };
    let io = TokioIo::new(Rewound {
        already_read,
        stream,
    });
    let connection = shared.hyper.serve_connection(io, service).into_owned();
    // A connection error ends that connection only; the listener goes on.
    if let Err(error) = watcher.watch(connection).await {
        (shared.errors)(peer, crate::error::error_chain(&*error));
    }
}

/// The head of a request the short path serves.
struct Head {
    /// Bytes of the request line and headers, blank line included.
    length: usize,
    body_length: usize,
    target: String,
    headers: Headers,
    /// The client asked to close the connection after this request.
    close: bool,
}

impl Head {
    /// The head at the start of `buffer`, when it is whole and the short path serves it.
    fn parse(buffer: &[u8], max_body: usize) -> Option<Head> {
        let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut slots);
        let length = match request.parse(buffer) {
            Ok(httparse::Status::Complete(length)) => length,
            _ => return None,
        };
        if request.version != Some(1) || request.method != Some("POST") || length > MAX_HEADER_BYTES
        {
            return None;
        }
        // Origin form only, and only what hyper would accept as a path and query.
        let target = request.path?;
        if !target.starts_with('/') || hyper::http::uri::PathAndQuery::from_str(target).is_err() {
            return None;
        }
        let bytes = request
            .headers
            .iter()
            .map(|h| h.name.len() + h.value.len())
            .sum();
        let mut headers = Headers::with_capacity(request.headers.len(), bytes);
        let mut body_length = None;
        let mut close = false;
        for header in request.headers.iter() {
            let name = header.name;
            if name.eq_ignore_ascii_case("content-length") {
                if body_length.is_some() {
                    return None;
                }
                body_length = Some(content_length(header.value)?);
            } else if name.eq_ignore_ascii_case("connection") {
                if header.value.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if !header.value.eq_ignore_ascii_case(b"keep-alive") {
                    return None;
                }
            } else if name.eq_ignore_ascii_case("transfer-encoding")
                || name.eq_ignore_ascii_case("expect")
                || name.eq_ignore_ascii_case("upgrade")
            {
                return None;
            }
            headers.push_received_lowercase(name, header.value);
        }
        let body_length = body_length.filter(|&n| n <= max_body)?;
        Some(Head {
            length,
            body_length,
            target: target.to_string(),
            headers,
            close,
        })
    }

    fn received(
        self,
        peer: SocketAddr,
        sequence: &AtomicU64,
        body: Bytes,
        problem: Option<ReadProblem>,
    ) -> Received {
        Received {
            sequence: sequence.fetch_add(1, Ordering::Relaxed) + 1,
            received_at: Utc::now(),
            peer,
            http_version: "HTTP/1.1",
            host: self.headers.get("host").map(str::to_string),
            delivery: Delivery {
                method: "POST".into(),
                target: self.target,
                headers: self.headers,
                body,
            },
            problem,
        }
    }
}

/// A Content-Length value: decimal digits only, as hyper takes them.
fn content_length(value: &[u8]) -> Option<usize> {
    if value.is_empty() || value.len() > 19 || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

/// The answer as hyper would write it: the status line, the answer's headers that are valid
/// (names in lower case), the framing and the date.
fn encode(answer: &Answer, close: bool, out: &mut Vec<u8>) {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("<none>").as_bytes());
    out.extend_from_slice(b"\r\n");
    let mut dated = false;
    for (name, value) in &answer.headers {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) else {
            continue;
        };
        // The framing is this writer's to give.
        if name == hyper::header::CONTENT_LENGTH
            || name == hyper::header::TRANSFER_ENCODING
            || name == hyper::header::CONNECTION
        {
            continue;
        }
        dated |= name == hyper::header::DATE;
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    // No body, and no length, where HTTP allows none.
    let bodiless = status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED;
    if !bodiless {
        out.extend_from_slice(b"content-length: ");
        out.extend_from_slice(itoa::Buffer::new().format(answer.body.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    if !dated {
        out.extend_from_slice(b"date: ");
        date::now(out);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !bodiless {
        out.extend_from_slice(&answer.body);
    }
}

mod date {
    use std::cell::RefCell;
    use std::time::{SystemTime, UNIX_EPOCH};

    thread_local! {
        /// The date of the current second, formatted once a second per thread, as hyper does.
        static CACHED: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }

    /// Append the current date in the HTTP form (`Sun, 06 Nov 1994 08:49:37 GMT`).
    pub(super) fn now(out: &mut Vec<u8>) {
        let now = SystemTime::now();
        let second = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        CACHED.with_borrow_mut(|(cached_second, text)| {
            if *cached_second != second {
                *cached_second = second;
                *text = httpdate::fmt_http_date(now);
            }
            out.extend_from_slice(text.as_bytes());
        });
    }
}

/// A stream with the bytes already read from it put back in front, for hyper.
struct Rewound {
    already_read: Bytes,
    stream: TcpStream,
}

impl AsyncRead for Rewound {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.already_read.is_empty() {
            let n = self.already_read.len().min(buf.remaining());
            buf.put_slice(&self.already_read[..n]);
            self.already_read.advance(n);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Rewound {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(request: &str) -> Option<Head> {
        Head::parse(request.as_bytes(), 1024)
    }

    #[test]
    fn the_usual_webhook_request_takes_the_short_path() {
        let parsed = head(
            "POST /hooks?x=1 HTTP/1.1\r\nHost: h:1\r\nX-Sig: abc\r\nContent-Length: 4\r\n\r\nbody",
        )
        .unwrap();
        assert_eq!(parsed.length, 70);
        assert_eq!(parsed.body_length, 4);
        assert_eq!(parsed.target, "/hooks?x=1");
        assert!(!parsed.close);
        let names: Vec<_> = parsed.headers.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(
            names,
            ["host", "x-sig", "content-length"],
            "lower case, in order"
        );
        assert_eq!(parsed.headers.get("x-sig"), Some("abc"));
        let closing = head("POST / HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        assert!(closing.unwrap().close);
    }

    #[test]
    fn anything_unusual_is_left_to_hyper() {
        for request in [
            "POST / HTTP/1.1\r\nContent-Length: 4\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "HEAD / HTTP/1.1\r\n\r\n",
            "POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
            "POST / HTTP/1.1\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 0\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: +4\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 2048\r\n\r\n",
            "POST http://h/ HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            "POST * HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            "not http at all\r\n\r\n",
        ] {
            assert!(head(request).is_none(), "{request:?}");
        }
    }

    #[test]
    fn answers_are_framed_as_hyper_frames_them() {
        let mut out = Vec::new();
        let answer = Answer {
            status: 201,
            headers: vec![
                ("X-Custom".into(), "yes".into()),
                ("content-length".into(), "99".into()),
                ("bad header".into(), "dropped".into()),
            ],
            body: Bytes::from_static(b"ok"),
        };
        encode(&answer, true, &mut out);
        let text = String::from_utf8(out).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let lines: Vec<_> = head.lines().collect();
        assert_eq!(lines[0], "HTTP/1.1 201 Created");
        assert_eq!(lines[1], "x-custom: yes");
        assert_eq!(lines[2], "content-length: 2");
        assert_eq!(lines[3], "connection: close");
        assert!(lines[4].starts_with("date: ") && lines[4].ends_with(" GMT"));
        assert_eq!(lines.len(), 5);
        assert_eq!(body, "ok");

        let mut out = Vec::new();
        let empty = Answer {
            status: 204,
            headers: Vec::new(),
            body: Bytes::from_static(b"ignored"),
        };
        encode(&empty, false, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("HTTP/1.1 204 No Content\r\ndate: "),
            "{text}"
        );
        assert!(
            text.ends_with(" GMT\r\n\r\n"),
            "no length and no body: {text}"
        );
    }
}
