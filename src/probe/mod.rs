//! `hookctl probe`: audit a running receiver from outside. hookctl holds the receiver's secret and
//! signs as the provider does, so it can send genuine, near-genuine and hostile deliveries and
//! grade each answer. A genuine delivery goes first as the positive control; if it is not
//! accepted, nothing else would mean anything and the run stops. The cases are in [`cases`];
//! the forgeries themselves are the schemes' ([`crate::scheme::forge`]).

mod cases;
mod grade;
mod special;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use url::Url;

use crate::catalogue::{Event, Provider};
use crate::client::{Client, ClientOptions, Response};
use crate::compose::{compose, ComposeOptions};
use crate::config::Secret;
use crate::delivery::Delivery;
use crate::scheme::{self, forge, SignRequest};

pub(crate) use cases::CASES;

/// How a case came out.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Grade {
    #[serde(rename = "PASS")]
    Pass,
    /// A forgery or replay was accepted, or the secret or a valid signature leaked.
    #[serde(rename = "FAIL")]
    Fail,
    /// Weaker than the provider's own libraries, or a 5xx on hostile input.
    #[serde(rename = "WARN")]
    Warn,
    /// A genuine delivery was rejected.
    #[serde(rename = "INTEROP")]
    Interop,
    #[serde(rename = "INFO")]
    Info,
    /// The case does not apply to the scheme.
    #[serde(rename = "N/A")]
    NotApplicable,
}

impl Grade {
    pub fn label(self) -> &'static str {
        match self {
            Grade::Pass => "PASS",
            Grade::Fail => "FAIL",
            Grade::Warn => "WARN",
            Grade::Interop => "INTEROP",
            Grade::Info => "INFO",
            Grade::NotApplicable => "N/A",
        }
    }
}

/// The groups cases are shown in.
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Control,
    Authenticity,
    Freshness,
    Replay,
    Parsing,
    RawBytes,
    Provider,
    Hygiene,
    /// What every rejection showed.
    Disclosure,
    Timing,
}

impl Category {
    /// The name in records and JUnit class names (`raw-bytes`).
    pub fn slug(self) -> &'static str {
        match self {
            Category::Control => "control",
            Category::Authenticity => "authenticity",
            Category::Freshness => "freshness",
            Category::Replay => "replay",
            Category::Parsing => "parsing",
            Category::RawBytes => "raw-bytes",
            Category::Provider => "provider",
            Category::Hygiene => "hygiene",
            Category::Disclosure => "disclosure",
            Category::Timing => "timing",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Category::Control => "Positive control",
            Category::Authenticity => "Authenticity",
            Category::Freshness => "Freshness",
            Category::Replay => "Replay",
            Category::Parsing => "Parsing",
            Category::RawBytes => "Raw bytes",
            Category::Provider => "Provider-specific",
            Category::Hygiene => "Hygiene",
            Category::Disclosure => "Disclosure, over every rejection",
            Category::Timing => "Timing",
        }
    }
}

/// One case: its stable id (for `--only`/`--skip`), its group and what it checks.
#[derive(Debug, Clone, Copy)]
pub struct CaseInfo {
    pub id: &'static str,
    pub category: Category,
    pub title: &'static str,
}

/// What the receiver answered to one request.
#[derive(Debug, Clone)]
pub struct Answered {
    pub status: u16,
    pub elapsed: Duration,
    /// The start of the body, on one line.
    pub excerpt: String,
}

/// How one case came out.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub info: CaseInfo,
    pub grade: Grade,
    /// What was sent.
    pub sent: String,
    /// What a sound receiver does.
    pub expected: &'static str,
    /// The last answer that decided the grade; `None` when nothing was sent.
    pub answer: Option<Answered>,
    pub why: String,
    /// One line of advice for FAIL, WARN and INTEROP.
    pub advice: Option<String>,
}

/// What to probe and how.
pub(crate) struct ProbeConfig {
    pub url: Url,
    pub provider: Arc<Provider>,
    pub event: Event,
    /// The receiver's secret; `None` only for providers that do not sign.
    pub secret: Option<Secret>,
    /// `sh -c` command printing how many times the receiver processed `HOOKCTL_DELIVERY_ID`.
    pub oracle: Option<String>,
    pub timing: bool,
    pub only: Vec<String>,
    pub skip: Vec<String>,
    /// Per request.
    pub timeout: Duration,
}

/// How the run ended.
#[derive(Debug, Clone, Default)]
pub struct ProbeSummary {
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub interop: usize,
    pub info: usize,
    pub not_applicable: usize,
    /// Why the run stopped before its last case, if it did.
    pub stopped: Option<String>,
}

impl ProbeSummary {
    pub fn of(results: &[CaseResult], stopped: Option<String>) -> Self {
        let count = |grade: Grade| results.iter().filter(|r| r.grade == grade).count();
        ProbeSummary {
            pass: count(Grade::Pass),
            fail: count(Grade::Fail),
            warn: count(Grade::Warn),
            interop: count(Grade::Interop),
            info: count(Grade::Info),
            not_applicable: count(Grade::NotApplicable),
            stopped,
        }
    }

    /// 0 with no FAIL or INTEROP, 4 with INTEROP and no FAIL, 5 with any FAIL; `strict` counts
    /// WARN as FAIL.
    pub fn exit_code(&self, strict: bool) -> u8 {
        use crate::error::exit;
        if self.fail > 0 || (strict && self.warn > 0) {
            exit::PROBE_FAILED
        } else if self.interop > 0 {
            exit::UNEXPECTED_STATUS
        } else {
            exit::SUCCESS
        }
    }
}

/// Consecutive requests without an answer after which the receiver counts as gone.
const GIVE_UP_AFTER: usize = 3;

/// A genuine delivery and what it was made from.
#[derive(Clone)]
struct Genuine {
    delivery: Delivery,
    /// The body before it was signed (or encrypted).
    unsigned: Bytes,
    id: String,
    timestamp: i64,
}

/// A run in progress: the target, the clients, and what came out so far.
pub(crate) struct Probe {
    config: ProbeConfig,
    client: Client,
    /// Sends header names in Title-Case (the default client sends them lower-case).
    title_case: Client,
    results: Vec<CaseResult>,
    /// Signatures and secret forms found in rejections, by case.
    leaks: Vec<(&'static str, String)>,
    rejections_examined: usize,
    unanswered_in_a_row: usize,
    stopped: Option<String>,
    on_result: Option<OnResult>,
}

/// Told of each case as it is graded.
type OnResult = Box<dyn FnMut(&CaseResult) + Send>;

impl Probe {
    pub(crate) fn new(config: ProbeConfig) -> Self {
        let options = ClientOptions {
            timeout: config.timeout,
            insecure: false,
            pool_size: 2,
            keep_response_headers: true,
        };
        let client = Client::new(&options);
        let title_case = Client::new(&options).title_case_headers();
        Probe {
            config,
            client,
            title_case,
            results: Vec::new(),
            leaks: Vec::new(),
            rejections_examined: 0,
            unanswered_in_a_row: 0,
            stopped: None,
            on_result: None,
        }
    }

    /// Run every wanted case, calling `on_result` as each is graded; returns them all.
    pub(crate) async fn run(
        mut self,
        on_result: impl FnMut(&CaseResult) + Send + 'static,
    ) -> (Vec<CaseResult>, ProbeSummary) {
        self.on_result = Some(Box::new(on_result));
        cases::run_all(&mut self).await;
        let summary = ProbeSummary::of(&self.results, self.stopped.clone());
        (self.results, summary)
    }

    fn wanted(&self, id: &str) -> bool {
        (self.config.only.is_empty() || self.config.only.iter().any(|o| o == id))
            && !self.config.skip.iter().any(|s| s == id)
    }

    fn kind(&self) -> scheme::SchemeKind {
        self.config.provider.spec.scheme
    }

    fn accepts(&self, status: u16) -> bool {
        self.config.provider.spec.success.accepts(status)
    }

    /// A 5xx that is not the provider's own documented answer to a bad signature (Treezor asks
    /// for one in the 500 range).
    fn crashed(&self, status: u16) -> bool {
        status >= 500 && status != self.config.provider.spec.reject_status
    }

    /// A fresh genuine delivery, signed now (or at `at`), with a new id or the one given.
    fn genuine(&self, at: Option<i64>, id: Option<&str>) -> Result<Genuine, String> {
        let now = at.and_then(|t| chrono::DateTime::from_timestamp(t, 0));
        let options = ComposeOptions {
            secret: self.config.secret.as_ref(),
            id,
            now,
            ..ComposeOptions::new(&self.config.url)
        };
        let composed = compose(&self.config.provider, &self.config.event, &options)
            .map_err(|e| e.to_string())?;
        let unsigned = composed
            .plaintext
            .clone()
            .unwrap_or_else(|| composed.delivery.body.clone());
        let timestamp = now.unwrap_or_else(chrono::Utc::now).timestamp();
        Ok(Genuine {
            delivery: composed.delivery,
            unsigned,
            id: composed.id,
            timestamp,
        })
    }

    /// `genuine`'s body signed again with `secret` at `timestamp`, over `url`.
    fn signed(
        &self,
        genuine: &Genuine,
        body: &[u8],
        secret: &str,
        timestamp: i64,
        url: &str,
    ) -> Result<Delivery, String> {
        let request = SignRequest {
            secret,
            body,
            url,
            id: &genuine.id,
            timestamp,
            options: &self.config.provider.spec.options,
        };
        let signed = scheme::sign(self.kind(), &request).map_err(|e| e.to_string())?;
        Ok(self.with_signed(genuine, signed))
    }

    fn with_signed(&self, genuine: &Genuine, signed: scheme::Signed) -> Delivery {
        let mut headers = genuine.delivery.headers.clone();
        for (name, value) in signed.headers {
            headers.set(&name, value);
        }
        Delivery {
            headers,
            body: Bytes::from(signed.body),
            ..genuine.delivery.clone()
        }
    }

    /// The signatures that would be valid for what was sent, to look for in a rejection.
    fn valid_signatures(&self, genuine: &Genuine, body: &[u8], timestamp: i64) -> Vec<String> {
        let Some(secret) = &self.config.secret else {
            return Vec::new();
        };
        let url = self.config.url.as_str();
        match self.signed(genuine, body, &secret.value, timestamp, url) {
            Ok(valid) => forge::signature_values(self.kind(), &valid.headers, &valid.body),
            Err(_) => Vec::new(),
        }
    }

    /// Send one request. A rejection is searched for the secret and for `valid` signatures.
    async fn send(
        &mut self,
        case: &'static str,
        delivery: &Delivery,
        valid: &[String],
    ) -> Result<Answered, String> {
        self.send_with(case, delivery, valid, false).await
    }

    async fn send_with(
        &mut self,
        case: &'static str,
        delivery: &Delivery,
        valid: &[String],
        title_case: bool,
    ) -> Result<Answered, String> {
        let client = if title_case {
            &self.title_case
        } else {
            &self.client
        };
        match client.send(&self.config.url, delivery).await {
            Ok(response) => {
                self.unanswered_in_a_row = 0;
                if !self.accepts(response.status) {
                    self.examine(case, &response, valid);
                }
                Ok(answered(&response))
            }
            Err(error) => {
                self.unanswered_in_a_row += 1;
                if self.unanswered_in_a_row >= GIVE_UP_AFTER && self.stopped.is_none() {
                    self.stopped = Some(format!("the receiver stopped answering ({error})"));
                }
                Err(error.to_string())
            }
        }
    }

    /// Look for the secret and valid signatures in a rejection's status, headers and body.
    fn examine(&mut self, case: &'static str, response: &Response, valid: &[String]) {
        self.rejections_examined += 1;
        let body = String::from_utf8_lossy(&response.body);
        let mut answer = format!("{} {}", response.status, body);
        for (name, value) in &response.headers {
            answer.push_str(&format!("\n{name}: {value}"));
        }
        let secret_forms = self
            .config
            .secret
            .as_ref()
            .map(|s| forge::secret_forms(self.kind(), &s.value))
            .unwrap_or_default();
        for form in &secret_forms {
            if answer.contains(form.as_str()) {
                self.leaks.push((case, "the secret".into()));
            }
        }
        for signature in valid {
            if answer.contains(signature.as_str()) {
                self.leaks.push((case, "the valid signature".into()));
            }
        }
    }

    /// How many times the oracle says the receiver processed a delivery id.
    async fn oracle(&self, id: &str) -> Option<Result<u64, String>> {
        let command = self.config.oracle.as_ref()?;
        let output = tokio::process::Command::new("sh")
            .args(["-c", command])
            .env("HOOKCTL_DELIVERY_ID", id)
            .env("HOOKCTL_PROVIDER", &self.config.provider.name)
            .stdin(std::process::Stdio::null())
            .output()
            .await;
        Some(match output {
            Ok(output) if output.status.success() => {
                let text = String::from_utf8_lossy(&output.stdout);
                text.split_whitespace()
                    .next()
                    .and_then(|word| word.parse().ok())
                    .ok_or_else(|| format!("the oracle printed {:?}, not a count", text.trim()))
            }
            Ok(output) => Err(format!("the oracle exited with {}", output.status)),
            Err(error) => Err(format!("the oracle could not run: {error}")),
        })
    }

    fn record(&mut self, result: CaseResult) {
        if let Some(on_result) = self.on_result.as_mut() {
            on_result(&result);
        }
        self.results.push(result);
    }
}

fn answered(response: &Response) -> Answered {
    let text = String::from_utf8_lossy(&response.body);
    let mut excerpt: String = text.chars().filter(|c| !c.is_control()).take(80).collect();
    if text.chars().count() > 80 {
        excerpt.push('…');
    }
    Answered {
        status: response.status,
        elapsed: response.elapsed,
        excerpt,
    }
}

/// Refuse targets off this machine unless `allow_remote`: probes are attacks.
pub(crate) async fn check_target(url: &Url, allow_remote: bool) -> Result<(), String> {
    if allow_remote {
        return Ok(());
    }
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let port = url.port_or_known_default().unwrap_or(80);
    let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    if addresses.is_empty() || addresses.iter().any(|a| !a.ip().is_loopback()) {
        return Err(format!(
            "{host} is not a loopback address: probes are attacks, so only this machine is a target unless --allow-remote is given"
        ));
    }
    Ok(())
}

/// The ids of every case, for messages.
pub(crate) fn case_ids() -> Vec<&'static str> {
    CASES.iter().map(|c| c.id).collect()
}
