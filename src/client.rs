//! The HTTP client of send, replay, demo and `listen --forward-to`: HTTP/1.1 on hyper's connection
//! API, a pool of kept-alive connections per origin, byte-exact bodies, no redirects followed, no
//! headers added beyond `Host` and the body's length, a timeout per request.
//!
//! A hand-held pool rather than a general-purpose client: with `--concurrency N` the dispatcher keeps
//! N requests in flight, so N connections are opened once and each request takes an idle one and
//! gives it back. Nothing else (proxies, cookies, decompression, redirects) is wanted here.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HeaderName, HeaderValue, HOST, LOCATION};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use url::Url;

use crate::delivery::Delivery;
use crate::error::error_chain;

#[derive(Debug, Clone)]
pub(crate) struct ClientOptions {
    pub timeout: Duration,
    pub insecure: bool,
    /// How many idle connections to keep per origin: the concurrency, so none is closed and reopened.
    pub pool_size: usize,
    /// Copy the response headers into each [`Response`] (`--forward-to` passes them on, `probe`
    /// looks in them for the secret).
    pub keep_response_headers: bool,
}

impl ClientOptions {
    /// For sending deliveries (`send`, `replay`, `demo`): a connection kept per concurrent request.
    pub(crate) fn sending(timeout: Duration, insecure: bool, concurrency: usize) -> Self {
        ClientOptions {
            timeout,
            insecure,
            pool_size: concurrency,
            keep_response_headers: false,
        }
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
pub(crate) enum SendError {
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

/// Where connections go: scheme, host and port, plus the `Host` header they imply.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    tls: bool,
    host: String,
    port: u16,
    /// `host[:port]` as the `Host` header, the port left out when it is the scheme's default.
    authority: HeaderValue,
}

impl Origin {
    fn of(url: &Url) -> Result<Origin, SendError> {
        let unusable = |detail: &str| SendError::Other {
            host: url.to_string(),
            detail: detail.to_string(),
        };
        let tls = match url.scheme() {
            "http" => false,
            "https" => true,
            other => {
                return Err(unusable(&format!(
                    "the scheme {other:?} is not http or https"
                )))
            }
        };
        let host = url
            .host_str()
            .ok_or_else(|| unusable("the URL has no host"))?;
        let port = url
            .port_or_known_default()
            .ok_or_else(|| unusable("the URL has no port"))?;
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        let authority = HeaderValue::from_str(&authority).map_err(|e| unusable(&e.to_string()))?;
        Ok(Origin {
            tls,
            host: bare_host(url).to_string(),
            port,
            authority,
        })
    }

    fn matches(&self, url: &Url) -> bool {
        self.tls == (url.scheme() == "https")
            && self.port == url.port_or_known_default().unwrap_or_default()
            && self.host == bare_host(url)
    }

    fn label(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// A URL's host as a connection wants it: IPv6 literals come bracketed in URLs.
fn bare_host(url: &Url) -> &str {
    url.host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
}

/// How long a host's looked-up addresses are used before they are looked up again (a listener's
/// `--forward-to` client lives for hours).
const RESOLVED_FOR: Duration = Duration::from_secs(60);

/// A host's addresses and when they were looked up; `None` until the first look-up returns.
struct Resolved {
    host: String,
    port: u16,
    addresses: Arc<tokio::sync::Mutex<Option<LookedUp>>>,
}

/// When a host was looked up, and its addresses.
type LookedUp = (Instant, Arc<[SocketAddr]>);

/// Idle connections of one origin.
struct Idle {
    /// Shared with every request to it, so that finding it costs a reference count, not a copy.
    origin: Arc<Origin>,
    connections: Vec<SendRequest<Full<Bytes>>>,
}

pub(crate) struct Client {
    idle: Mutex<Vec<Idle>>,
    /// Each host's addresses, looked up once for all its connections (see [`Client::addresses`]).
    resolved: Mutex<Vec<Resolved>>,
    /// How many look-ups were made (a test checks that connections share them).
    lookups: std::sync::atomic::AtomicUsize,
    /// Built at the first HTTPS connection: loading the system's certificates takes milliseconds
    /// that a plain-HTTP run (most runs against a local receiver) should not pay.
    tls: std::sync::OnceLock<Result<tokio_rustls::TlsConnector, String>>,
    insecure: bool,
    timeout: Duration,
    pool_size: usize,
    keep_response_headers: bool,
    /// Write header names in Title-Case instead of lower case (probes of case handling).
    title_case: bool,
}

impl Client {
    pub(crate) fn new(options: &ClientOptions) -> Self {
        Client {
            idle: Mutex::new(Vec::new()),
            resolved: Mutex::new(Vec::new()),
            lookups: Default::default(),
            tls: std::sync::OnceLock::new(),
            insecure: options.insecure,
            timeout: options.timeout,
            pool_size: options.pool_size.max(1),
            keep_response_headers: options.keep_response_headers,
            title_case: false,
        }
    }

    /// The same client, writing header names in Title-Case on its connections.
    pub(crate) fn title_case_headers(mut self) -> Self {
        self.title_case = true;
        self
    }

    /// Send a delivery to `url` (scheme, authority, path and query): the delivery's method, headers
    /// and body as they are, with `Host` added when the delivery has none.
    pub(crate) async fn send(&self, url: &Url, delivery: &Delivery) -> Result<Response, SendError> {
        self.send_within(url, delivery, self.timeout).await
    }

    /// [`Client::send`], waiting at most `timeout` for the answer (a provider's own timeout).
    pub(crate) async fn send_within(
        &self,
        url: &Url,
        delivery: &Delivery,
        timeout: Duration,
    ) -> Result<Response, SendError> {
        let origin = self.origin(url)?;
        // The origin's label names it in errors; it is built only when one happens.
        let request = build_request(url, &origin, delivery).map_err(|e| match e {
            BuildError::Header { name, detail } => SendError::Header { name, detail },
            BuildError::Other(detail) => SendError::Other {
                host: origin.label(),
                detail,
            },
        })?;
        let started = Instant::now();
        // One timer for the answer and its body: a timer each cost a registration per request.
        let answered = async {
            let (response, sender) = self.exchange(&origin, request).await?;
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let headers = if self.keep_response_headers {
                response
                    .headers()
                    .iter()
                    .map(|(n, v)| {
                        (
                            n.as_str().to_string(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| SendError::Other {
                    host: origin.label(),
                    detail: error_chain(&e),
                })?
                .to_bytes();
            Ok::<_, SendError>((status, location, headers, body, sender))
        };
        let (status, location, headers, body, sender) =
            match tokio::time::timeout(timeout, answered).await {
                Ok(result) => result?,
                Err(_) => {
                    return Err(SendError::Timeout {
                        host: origin.label(),
                        timeout,
                    })
                }
            };
        // Only a connection whose response was read to the end can carry the next request.
        self.give_back(&origin, sender);
        Ok(Response {
            status,
            elapsed: started.elapsed(),
            location,
            headers,
            body,
        })
    }

    fn origin(&self, url: &Url) -> Result<Arc<Origin>, SendError> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        match idle.iter().find(|i| i.origin.matches(url)) {
            Some(known) => Ok(known.origin.clone()),
            None => Origin::of(url).map(Arc::new),
        }
    }

    /// Send the request on an idle connection, or a new one when none is left or the idle one turns
    /// out to be closed before the request went out.
    async fn exchange(
        &self,
        origin: &Origin,
        mut request: Request<Full<Bytes>>,
    ) -> Result<
        (
            hyper::Response<hyper::body::Incoming>,
            SendRequest<Full<Bytes>>,
        ),
        SendError,
    > {
        while let Some(mut sender) = self.take_idle(origin) {
            if sender.ready().await.is_err() {
                continue;
            }
            match sender.try_send_request(request).await {
                Ok(response) => return Ok((response, sender)),
                Err(mut failed) => match failed.take_message() {
                    // Not written: the server closed the connection while it was idle; try another.
                    Some(unsent) => request = unsent,
                    None => {
                        return Err(SendError::Other {
                            host: origin.label(),
                            detail: error_chain(failed.error()),
                        })
                    }
                },
            }
        }
        let mut sender = self.connect(origin).await?;
        match sender.send_request(request).await {
            Ok(response) => Ok((response, sender)),
            Err(e) => Err(SendError::Other {
                host: origin.label(),
                detail: error_chain(&e),
            }),
        }
    }

    fn take_idle(&self, origin: &Origin) -> Option<SendRequest<Full<Bytes>>> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let pool = idle.iter_mut().find(|i| *i.origin == *origin)?;
        while let Some(sender) = pool.connections.pop() {
            if !sender.is_closed() {
                return Some(sender);
            }
        }
        None
    }

    fn give_back(&self, origin: &Arc<Origin>, sender: SendRequest<Full<Bytes>>) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let position = match idle.iter().position(|i| i.origin == *origin) {
            Some(position) => position,
            None => {
                idle.push(Idle {
                    origin: origin.clone(),
                    connections: Vec::with_capacity(self.pool_size),
                });
                idle.len() - 1
            }
        };
        let pool = &mut idle[position].connections;
        if pool.len() < self.pool_size {
            pool.push(sender);
        }
    }

    /// The host's addresses. A name is looked up once and shared by every connection to it for
    /// [`RESOLVED_FOR`]: `--concurrency 64` against `localhost` would otherwise start a blocking
    /// thread for each of its 64 first connections (measured: 8% of a 20,000-request send).
    async fn addresses(&self, origin: &Origin) -> Result<Arc<[SocketAddr]>, SendError> {
        let entry = {
            let mut resolved = self.resolved.lock().unwrap_or_else(|e| e.into_inner());
            let known = resolved
                .iter()
                .find(|r| r.host == origin.host && r.port == origin.port);
            match known {
                Some(entry) => entry.addresses.clone(),
                None => {
                    let entry = Arc::new(tokio::sync::Mutex::new(None));
                    resolved.push(Resolved {
                        host: origin.host.clone(),
                        port: origin.port,
                        addresses: entry.clone(),
                    });
                    entry
                }
            }
        };
        // Held while the name is looked up: the connections opened meanwhile wait for the answer.
        let mut entry = entry.lock().await;
        if let Some((at, addresses)) = entry.as_ref() {
            if at.elapsed() < RESOLVED_FOR {
                return Ok(addresses.clone());
            }
        }
        self.lookups
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let addresses: Arc<[SocketAddr]> =
            tokio::net::lookup_host((origin.host.as_str(), origin.port))
                .await
                .map_err(|e| SendError::Connect {
                    host: origin.label(),
                    detail: format!("cannot resolve: {e}"),
                })?
                .collect();
        *entry = Some((Instant::now(), addresses.clone()));
        Ok(addresses)
    }

    /// Forget a host's addresses, so that the next connection looks them up again.
    fn forget_addresses(&self, origin: &Origin) {
        let mut resolved = self.resolved.lock().unwrap_or_else(|e| e.into_inner());
        resolved.retain(|r| !(r.host == origin.host && r.port == origin.port));
    }

    /// A new connection: every address of the host in turn until one answers, then TLS if asked.
    async fn connect(&self, origin: &Origin) -> Result<SendRequest<Full<Bytes>>, SendError> {
        let host = origin.label();
        let addresses = self.addresses(origin).await?;
        let mut last_error = None;
        let mut stream = None;
        for address in addresses.iter() {
            match TcpStream::connect(address).await {
                Ok(connected) => {
                    stream = Some(connected);
                    break;
                }
                Err(e) => last_error = Some(e),
            }
        }
        if stream.is_none() {
            self.forget_addresses(origin);
        }
        let stream = match (stream, last_error) {
            (Some(stream), _) => stream,
            (None, Some(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                return Err(SendError::Refused { host })
            }
            (None, Some(e)) => {
                return Err(SendError::Connect {
                    host,
                    detail: e.to_string(),
                })
            }
            (None, None) => {
                return Err(SendError::Connect {
                    host,
                    detail: "the name has no address".into(),
                })
            }
        };
        // Webhook requests are small and answered at once: do not hold them back for coalescing.
        let _ = stream.set_nodelay(true);
        if origin.tls {
            let name =
                ServerName::try_from(origin.host.clone()).map_err(|e| SendError::Connect {
                    host: host.clone(),
                    detail: e.to_string(),
                })?;
            let connector = self
                .tls
                .get_or_init(|| {
                    tls_config(self.insecure)
                        .map(|config| tokio_rustls::TlsConnector::from(Arc::new(config)))
                        .map_err(|e| format!("TLS set-up: {e:#}"))
                })
                .as_ref()
                .map_err(|detail| SendError::Connect {
                    host: host.clone(),
                    detail: detail.clone(),
                })?;
            let tls = connector
                .connect(name, stream)
                .await
                .map_err(|e| SendError::Connect {
                    host: host.clone(),
                    detail: format!("TLS: {}", error_chain(&e)),
                })?;
            handshake(TokioIo::new(tls), &host, self.title_case).await
        } else {
            handshake(TokioIo::new(stream), &host, self.title_case).await
        }
    }
}

async fn handshake<T>(
    io: T,
    host: &str,
    title_case: bool,
) -> Result<SendRequest<Full<Bytes>>, SendError>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (sender, connection) = http1::Builder::new()
        .title_case_headers(title_case)
        .handshake(io)
        .await
        .map_err(|e| SendError::Connect {
            host: host.to_string(),
            detail: error_chain(&e),
        })?;
    // The connection runs on its own task until either side closes it; its error, if any, reaches
    // the request that was in flight.
    tokio::spawn(connection);
    Ok(sender)
}

enum BuildError {
    Header { name: String, detail: String },
    Other(String),
}

fn build_request(
    url: &Url,
    origin: &Origin,
    delivery: &Delivery,
) -> Result<Request<Full<Bytes>>, BuildError> {
    let method = Method::from_bytes(delivery.method.as_bytes())
        .map_err(|e| BuildError::Other(e.to_string()))?;
    // Path and query, as a slice of the URL's own text.
    let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let mut request = Request::builder().method(method).uri(target);
    let headers = request
        .headers_mut()
        .expect("a request builder without an error has headers");
    headers.reserve(delivery.headers.len() + 1);
    if !delivery.headers.contains("host") {
        headers.insert(HOST, origin.authority.clone());
    }
    for (name, value) in delivery.headers.iter() {
        let header_name =
            HeaderName::from_bytes(name.as_bytes()).map_err(|e| BuildError::Header {
                name: name.to_string(),
                detail: e.to_string(),
            })?;
        let header_value = HeaderValue::from_str(value).map_err(|e| BuildError::Header {
            name: name.to_string(),
            detail: e.to_string(),
        })?;
        headers.append(header_name, header_value);
    }
    request
        .body(Full::new(delivery.body.clone()))
        .map_err(|e| BuildError::Other(error_chain(&e)))
}

/// Certificates checked against the system's roots, or, with `--insecure`, not at all.
fn tls_config(insecure: bool) -> anyhow::Result<rustls::ClientConfig> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        builder.with_platform_verifier()?.with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// `--insecure`: any certificate is taken, though the handshake's signatures are still checked.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server holding every request until `together` have arrived, so that each came on a
    /// connection of its own.
    async fn server_answering_together(together: usize) -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let barrier = Arc::new(tokio::sync::Barrier::new(together));
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |_request| {
                        let barrier = barrier.clone();
                        async move {
                            barrier.wait().await;
                            Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                                Bytes::new(),
                            )))
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        port
    }

    #[tokio::test]
    async fn connections_opened_together_to_a_name_share_one_look_up() {
        let together = 8;
        let port = server_answering_together(together).await;
        let client = Arc::new(Client::new(&ClientOptions::sending(
            Duration::from_secs(10),
            false,
            together,
        )));
        let url = Url::parse(&format!("http://localhost:{port}/")).unwrap();
        let delivery = Delivery {
            method: "POST".into(),
            target: "/".into(),
            headers: Default::default(),
            body: Bytes::from_static(b"{}"),
        };
        let sends: Vec<_> = (0..together)
            .map(|_| {
                let (client, url, delivery) = (client.clone(), url.clone(), delivery.clone());
                tokio::spawn(async move { client.send(&url, &delivery).await.map(|r| r.status) })
            })
            .collect();
        for send in sends {
            assert_eq!(send.await.unwrap().unwrap(), 200);
        }
        let idle = client.idle.lock().unwrap()[0].connections.len();
        assert_eq!(idle, together, "each request had a connection of its own");
        assert_eq!(client.lookups.load(std::sync::atomic::Ordering::Relaxed), 1);
    }
}
