//! An in-process HTTP server on a loopback port chosen by the OS. It records every request and
//! counts connections; it runs on its own thread so tests can drive the hookctl binary directly.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::sync::oneshot;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn headers(&self) -> hookctl::delivery::Headers {
        self.headers.iter().cloned().collect()
    }
}

pub struct TestServer {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    connections: Arc<AtomicUsize>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Whether a test that never reached the server fails when it is dropped (xh's check).
    expect_hits: bool,
}

/// How a test server answers a request: a status and a body.
pub type Handler = Arc<dyn Fn(&Recorded) -> (u16, Bytes) + Send + Sync>;

/// How a test server answers a request: a status, headers and a body.
pub type FullHandler = Arc<dyn Fn(&Recorded) -> (u16, Vec<(String, String)>, Bytes) + Send + Sync>;

impl TestServer {
    /// A server that answers every request with `status` and a short body.
    pub fn start(status: u16) -> Self {
        TestServer::with_handler(Arc::new(move |_| {
            (status, Bytes::from_static(b"{\"ok\":true}"))
        }))
    }

    /// A server that answers each request as `handler` says.
    pub fn with_handler(handler: Handler) -> Self {
        TestServer::answering(Arc::new(move |request| {
            let (status, body) = handler(request);
            (status, Vec::new(), body)
        }))
    }

    /// A server that answers each request as `handler` says, headers included.
    pub fn answering(handler: FullHandler) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (shutdown_tx, mut shutdown_rx) = oneshot::channel::<()>();
        let (reqs, conns) = (requests.clone(), connections.clone());
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                ready_tx.send(listener.local_addr().unwrap()).unwrap();
                loop {
                    tokio::select! {
                        _ = &mut shutdown_rx => break,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            conns.fetch_add(1, Ordering::SeqCst);
                            let (reqs, handler) = (reqs.clone(), handler.clone());
                            tokio::spawn(async move {
                                let service = service_fn(move |request: Request<Incoming>| {
                                    let (reqs, handler) = (reqs.clone(), handler.clone());
                                    async move {
                                        let (parts, body) = request.into_parts();
                                        let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                                        let headers = parts
                                            .headers
                                            .iter()
                                            .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                                            .collect();
                                        let path = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
                                        let recorded = Recorded { method: parts.method.to_string(), path, headers, body };
                                        let (status, headers, answer) = handler(&recorded);
                                        reqs.lock().unwrap().push(recorded);
                                        let mut response = Response::builder().status(status);
                                        for (name, value) in headers {
                                            response = response.header(name, value);
                                        }
                                        let response = response.body(Full::new(answer)).unwrap();
                                        Ok::<_, Infallible>(response)
                                    }
                                });
                                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await;
                            });
                        }
                    }
                }
            });
        });
        let addr = ready_rx.recv().expect("the test server starts");
        TestServer {
            addr,
            requests,
            connections,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
            expect_hits: true,
        }
    }

    /// A server the test expects nothing to reach (a dry run, a refused command).
    pub fn unhit(mut self) -> Self {
        self.expect_hits = false;
        self
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let hit = !self.requests.lock().map(|r| r.is_empty()).unwrap_or(true);
        if self.expect_hits && !hit && !std::thread::panicking() {
            panic!(
                "the test server at {} was never reached (use .unhit() where that is expected)",
                self.addr
            );
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
