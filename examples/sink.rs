//! The reference receiver for benchmarks: a bare hyper 1 server that reads each body and answers
//! `200 OK` with nothing else to do. hookctl's listener is measured against it.
//!
//! `cargo run --release --example sink -- [PORT]` (default 0: any free port); the first line of
//! output is the address.
//!
//! `SINK_WORK_NS=2000` makes it spin that many nanoseconds on each request before answering: a
//! calibration of what a microsecond of server work per request costs in requests a second, used
//! in BENCHMARKS.md to say what bounds the listener.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let work: u64 = std::env::var("SINK_WORK_NS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("Listening on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| async move {
                let _ = request.into_body().collect().await;
                if work > 0 {
                    let started = std::time::Instant::now();
                    while started.elapsed().as_nanos() < u128::from(work) {
                        std::hint::spin_loop();
                    }
                }
                Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"ok"))))
            });
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
