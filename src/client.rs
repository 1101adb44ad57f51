//! The HTTP client of send (and later replay): one pooled connection set for the whole run,
//! byte-exact bodies, no redirects followed, a timeout per request.

use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};

use crate::delivery::Delivery;

/// Install ring as rustls's crypto provider once per process; reqwest is built without one.
fn install_crypto_provider() {
    // An error means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub timeout: Duration,
    pub insecure: bool,
    /// How many idle connections to keep per host: the concurrency, so none is closed and reopened.
    pub pool_size: usize,
    /// Copy the response headers into each [`Response`] (only `--forward-to` passes them on).
    pub keep_response_headers: bool,
}

impl ClientOptions {
    /// For sending deliveries (`send`, `replay`, `demo`): a connection kept per concurrent request.
    pub fn sending(timeout: Duration, insecure: bool, concurrency: usize) -> Self {
        ClientOptions { timeout, insecure, pool_size: concurrency, keep_response_headers: false }
    }
}

/// What a target answered.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub elapsed: Duration,
    pub location: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("connection refused by {host}: is anything listening there? (`hookctl listen` starts a receiver)")]
    Refused { host: String },
    #[error("no answer from {host} within {timeout:?}")]
    Timeout { host: String, timeout: Duration },
    #[error("cannot connect to {host}: {detail}")]
    Connect { host: String, detail: String },
    #[error("request to {host} failed: {detail}")]
    Other { host: String, detail: String },
    #[error("header {name:?} cannot be sent: {detail}")]
    Header { name: String, detail: String },
}

pub struct Client {
    inner: reqwest::Client,
    timeout: Duration,
    keep_response_headers: bool,
}

impl Client {
    pub fn new(options: &ClientOptions) -> anyhow::Result<Self> {
        install_crypto_provider();
        let inner = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(options.pool_size.max(1))
            .tls_danger_accept_invalid_certs(options.insecure)
            .tcp_nodelay(true)
            .build()?;
        Ok(Client { inner, timeout: options.timeout, keep_response_headers: options.keep_response_headers })
    }

    /// Send a delivery to `base`'s scheme and authority, at the delivery's own target.
    pub async fn send(&self, url: &Url, delivery: &Delivery) -> Result<Response, SendError> {
        let host = url.host_str().map(|h| match url.port_or_known_default() {
            Some(port) => format!("{h}:{port}"),
            None => h.to_string(),
        });
        let host = host.unwrap_or_default();
        let method = Method::from_bytes(delivery.method.as_bytes())
            .map_err(|e| SendError::Other { host: host.clone(), detail: e.to_string() })?;
        let mut headers = HeaderMap::with_capacity(delivery.headers.len());
        for (name, value) in delivery.headers.iter() {
            let header_name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| SendError::Header { name: name.to_string(), detail: e.to_string() })?;
            let header_value = HeaderValue::from_str(value)
                .map_err(|e| SendError::Header { name: name.to_string(), detail: e.to_string() })?;
            headers.append(header_name, header_value);
        }
        let started = Instant::now();
        let result = self.inner.request(method, url.clone()).headers(headers).body(delivery.body.clone()).send().await;
        let response = result.map_err(|e| classify(e, &host, self.timeout))?;
        let status = response.status().as_u16();
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        let headers = if self.keep_response_headers {
            response
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect()
        } else {
            Vec::new()
        };
        let body = response.bytes().await.map_err(|e| classify(e, &host, self.timeout))?;
        Ok(Response { status, elapsed: started.elapsed(), location, headers, body })
    }
}

fn classify(error: reqwest::Error, host: &str, timeout: Duration) -> SendError {
    let host = host.to_string();
    if error.is_timeout() {
        return SendError::Timeout { host, timeout };
    }
    let detail = error_chain(&error);
    if error.is_connect() {
        if detail.contains("refused") {
            return SendError::Refused { host };
        }
        return SendError::Connect { host, detail };
    }
    SendError::Other { host, detail }
}

/// An error with its causes, the deepest last, for one-line reports.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
