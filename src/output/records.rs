//! The `--json` records: one typed struct per record type, borrowed from what the command holds,
//! and one [`Record`] enum that puts each in the `{"type": …, "data": …}` envelope.
//!
//! These types are the contract with scripts: `docs/records.schema.json` is generated from them
//! (a unit test fails when the committed file is stale) and every command's `--json` lines are
//! validated against it in the integration tests. A field may be added; renaming or removing one
//! is a breaking change. Each record also has a `Display` for people (in the view modules):
//! `{}` is the normal form, `{:#}` the verbose one, `{:-}` the `--quiet` one, and a form that
//! writes nothing shows nothing.
//!
//! Fields that cost work to produce (a timestamp as text, a body as text or base64) are wrapped
//! in types that do it while serialising, so a record is cheap to build on a listener's hot path
//! when only its quiet line is shown.

use std::fmt;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::catalogue::behaviour::Source;
use crate::delivery::Headers;
use crate::inspect::Inspection;
use crate::probe::{Category, Grade};

/// One line of `--json` output.
#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Record<'a> {
    /// `fixtures`: one per provider in the catalogue.
    Provider(ProviderInfo<'a>),
    /// `fixtures PROVIDER`: one per event.
    Event(EventInfo<'a>),
    /// `fixtures PROVIDER`: one per scenario.
    Scenario(ScenarioInfo<'a>),
    /// `fixtures PROVIDER`: how the provider delivers and retries.
    DeliveryBehaviour(BehaviourInfo<'a>),
    /// `fixtures show`: a rendered body (one per step with `--scenario`).
    Body(RenderedBody<'a>),
    /// `send --dry-run`, `replay --dry-run`: a request as it would go on the wire.
    Request(RequestShown<'a>),
    /// `send`, `replay`: what became of a delivery; `listen`, `demo`: a delivery received.
    Delivery(DeliveryRecord<'a>),
    /// `send --retry`: one attempt of a retried delivery.
    Attempt(AttemptShown<'a>),
    /// `send` with `--shuffle` or `--duplicate-rate`: the order used and what was sent twice.
    Arrangement(ArrangementShown),
    /// `listen`: where it listens; always the first record.
    Listening(Listening),
    /// `listen`: a request answered without being treated as a delivery.
    Rejected(RejectedRequest<'a>),
    /// `listen`: a connection that failed before a request was read.
    ConnectionError(ConnectionFailure<'a>),
    /// `verify`: one per capture.
    Verification(VerificationResult<'a>),
    /// `probe`: one per case run.
    ProbeCase(ProbeCaseResult<'a>),
    /// `probe --list`: one per case.
    ProbeCaseInfo(ProbeCaseListing<'a>),
    /// The last record of every command that runs something; `command` says whose.
    Summary(Summary<'a>),
    /// Something to know about one input that did not stop it.
    Warning(Warning<'a>),
    /// An input that could not be used (an unreadable capture); the rest still ran.
    Skipped(Skipped<'a>),
    /// The command failed; the last record, with the exit code.
    Error(ErrorShown<'a>),
}

impl Record<'_> {
    /// Where the human form goes: notes about inputs, errors, and the closing lines of
    /// `listen` and `verify` (whose stdout is the deliveries, the table) to stderr; results to stdout.
    pub fn to_stderr(&self) -> bool {
        matches!(
            self,
            Record::Warning(_)
                | Record::Skipped(_)
                | Record::Error(_)
                | Record::Summary(Summary::Listen(_) | Summary::Verify(_))
        )
    }
}

impl fmt::Display for Record<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Record::Provider(r) => r.fmt(f),
            Record::Event(r) => r.fmt(f),
            Record::Scenario(r) => r.fmt(f),
            Record::DeliveryBehaviour(r) => r.fmt(f),
            Record::Body(r) => r.fmt(f),
            Record::Request(r) => r.fmt(f),
            Record::Delivery(DeliveryRecord::Sent(r)) => r.fmt(f),
            Record::Delivery(DeliveryRecord::Received(r)) => r.fmt(f),
            Record::Attempt(r) => r.fmt(f),
            Record::Arrangement(r) => r.fmt(f),
            Record::Listening(r) => r.fmt(f),
            Record::Rejected(r) => r.fmt(f),
            Record::ConnectionError(r) => r.fmt(f),
            Record::Verification(r) => r.fmt(f),
            Record::ProbeCase(r) => r.fmt(f),
            Record::ProbeCaseInfo(r) => r.fmt(f),
            Record::Summary(r) => r.fmt(f),
            Record::Warning(r) => r.fmt(f),
            Record::Skipped(r) => r.fmt(f),
            Record::Error(r) => r.fmt(f),
        }
    }
}

// ---- the catalogue --------------------------------------------------------------------------

#[derive(Clone, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ProviderInfo<'a> {
    pub name: &'a str,
    pub title: &'a str,
    /// The signing scheme's name.
    pub scheme: &'a str,
    /// How it signs, in a few words.
    pub signature: &'a str,
    pub events: usize,
    pub content_type: &'a str,
    /// The statuses the provider counts as delivered, as a rule (`2xx`).
    pub success: String,
    /// The public secret used when none is configured; `null` for providers that do not sign.
    pub test_secret: Option<&'a str>,
    pub docs: &'a str,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EventInfo<'a> {
    pub provider: &'a str,
    pub event: &'a str,
    /// `provider:event`, as `send` accepts it.
    pub qualified: String,
    pub description: &'a str,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ScenarioInfo<'a> {
    pub provider: &'a str,
    pub name: &'a str,
    /// `provider:name`, as `send --scenario` accepts it.
    pub qualified: String,
    pub title: &'a str,
    pub description: &'a str,
    /// The events of its steps, in order.
    pub steps: Vec<&'a str>,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BehaviourInfo<'a> {
    pub provider: &'a str,
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// How long the provider waits for an answer; `null` where undocumented.
    pub timeout_ms: Option<u64>,
    /// The waits before each retry, for people (`5m`, `1h`).
    pub schedule: Vec<String>,
    pub schedule_ms: Vec<u64>,
    /// From the first attempt to the last.
    pub span_ms: u64,
    /// What the provider counts as a failed attempt.
    pub failure: &'a str,
    /// Answers that stop retrying at once.
    pub stop_statuses: &'a [u16],
    pub stop_header: Option<HeaderShown<'a>>,
    /// What the provider does once the last attempt failed.
    pub after_last: Option<&'a str>,
    /// What each attempt repeats and what it renews.
    pub each_attempt: &'a str,
    pub source: Source,
    pub note: Option<&'a str>,
    #[serde(skip)]
    pub retries: Vec<String>,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct HeaderShown<'a> {
    pub name: &'a str,
    pub value: &'a str,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RenderedBody<'a> {
    pub provider: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<&'a str>,
    /// The step's number, from 1, with `--scenario`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    pub event: &'a str,
    pub id: &'a str,
    /// With `--scenario`: how long the scenario waits before this step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_ms: Option<Option<u64>>,
    /// With `--scenario`: whether the provider documents this step (else it is inferred).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documented: Option<bool>,
    /// The body as JSON.
    pub body: Value,
    /// The body's bytes, for people.
    #[serde(skip)]
    pub bytes: &'a [u8],
    /// The step's heading, for people.
    #[serde(skip)]
    pub heading: Option<String>,
}

// ---- sending --------------------------------------------------------------------------------

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RequestShown<'a> {
    /// The capture it came from (`replay`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<&'a str>,
    pub provider: &'a str,
    pub event: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a str>,
    /// How it was signed, in a few words; empty when unsigned.
    pub signed: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    /// The number of the delivery this one repeats (`--duplicate-rate`), as in `delivery`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<u64>,
    pub method: &'a str,
    pub url: &'a str,
    /// The headers in order; a header that carries the secret itself shows only its length.
    pub headers: HeaderPairs<'a>,
    pub body: Bytes<'a>,
    /// Before encryption, for providers that encrypt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<Bytes<'a>>,
    /// Where it came from, for people.
    #[serde(skip)]
    pub about: String,
}

/// A delivery record: what `send` and `replay` made of one, or what `listen` received.
#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum DeliveryRecord<'a> {
    Sent(SentDelivery<'a>),
    Received(ReceivedDelivery<'a>),
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SentDelivery<'a> {
    pub provider: &'a str,
    pub event: &'a str,
    pub id: &'a str,
    pub url: &'a str,
    pub signed: &'a str,
    /// The rule the answer was held to (`2xx`, `200,202`); `null` when any answer will do.
    pub expected_status: Option<Text<&'a crate::catalogue::StatusRule>>,
    /// Whether the answer met the rule.
    pub delivered: bool,
    /// The number of the delivery this one repeats (`--duplicate-rate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
    /// With `--retry`: attempts made, and the provider's time they spanned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_time_ms: Option<Millis>,
    /// Why retrying stopped before the schedule ran out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<&'a str>,
    /// The capture it came from (`replay`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_ms: Option<Millis>,
    /// A redirect's `Location`; redirects are reported, not followed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_body: Option<Bytes<'a>>,
    /// Why no answer came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
    /// With `--json --verbose`: the request as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestSent<'a>>,
    #[serde(skip)]
    pub human: SentForPeople<'a>,
}

/// What the human form of a sent delivery needs beyond the record's fields.
#[derive(Default)]
pub struct SentForPeople<'a> {
    pub failed: bool,
    pub elapsed: Option<Duration>,
    pub provider_time: Option<Duration>,
    pub raw_response: Option<&'a [u8]>,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RequestSent<'a> {
    pub method: &'a str,
    pub headers: HeaderPairs<'a>,
    pub body: Bytes<'a>,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AttemptShown<'a> {
    pub provider: &'a str,
    pub event: &'a str,
    pub id: &'a str,
    /// This attempt's number, from 1, of `attempts`.
    pub attempt: u32,
    pub attempts: u32,
    /// When the provider would make this attempt, from the first.
    pub provider_time_ms: Millis,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_ms: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
    /// The provider's wait before the next attempt, and the wait at `--time-scale`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_wait_ms: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_wait_scaled_ms: Option<Millis>,
    #[serde(skip)]
    pub at: Duration,
    #[serde(skip)]
    pub elapsed: Option<Duration>,
    #[serde(skip)]
    pub next: Option<(Duration, Duration)>,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ArrangementShown {
    pub seed: u64,
    pub shuffled: bool,
    pub duplicates: usize,
    /// The numbers of the deliveries sent twice.
    pub duplicated: Vec<u64>,
    /// The order sent, for runs of up to 10,000 deliveries; `null` for longer ones.
    pub order: Option<Vec<Slot>>,
    #[serde(skip)]
    pub slots: Vec<(u64, bool)>,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Slot {
    pub delivery: u64,
    pub duplicate: bool,
}

// ---- receiving ------------------------------------------------------------------------------

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Listening {
    pub url: String,
    pub address: String,
    pub port: u16,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReceivedDelivery<'a> {
    /// 1 for the first request of the run, and so on.
    pub sequence: u64,
    /// RFC 3339, UTC, microseconds.
    pub received_at: Timestamp,
    pub peer: Text<std::net::SocketAddr>,
    pub method: &'a str,
    pub target: &'a str,
    pub http_version: &'a str,
    pub headers: HeaderPairs<'a>,
    pub body: Bytes<'a>,
    pub provider: Option<&'a str>,
    pub event: Option<&'a str>,
    pub verdict: VerdictOf<'a>,
    pub response: Response,
    /// The body after decryption, for providers that encrypt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<Bytes<'a>>,
    /// What was answered from the provider's reply table, and how fast.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// The answer came after the provider's deadline.
    #[serde(skip)]
    pub late_reply: bool,
    /// Where the capture went (`--save`): a file, or `journal.jsonl:LINE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture: Option<Text<&'a crate::capture::Saved>>,
    /// Why it could not be saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_error: Option<&'a str>,
    /// The answer of the app behind `--forward-to`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forwarded: Option<ForwardedShown<'a>>,
    /// `demo`: `live` or `replay`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<&'a str>,
    #[serde(skip)]
    pub human: ReceivedForPeople<'a>,
}

/// What the human form of a received delivery needs beyond the record's fields.
pub struct ReceivedForPeople<'a> {
    pub at: chrono::DateTime<chrono::Utc>,
    pub inspection: &'a Inspection,
    pub elapsed: Duration,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Response {
    pub status: u16,
    pub elapsed_ms: Millis,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ForwardedShown<'a> {
    pub url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_ms: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Bytes<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RejectedRequest<'a> {
    pub sequence: u64,
    pub received_at: Timestamp,
    pub peer: Text<std::net::SocketAddr>,
    pub method: &'a str,
    pub target: &'a str,
    pub status: u16,
    pub reason: &'a str,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ConnectionFailure<'a> {
    pub peer: Text<std::net::SocketAddr>,
    pub error: &'a str,
}

#[derive(Clone, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct VerificationResult<'a> {
    /// The capture: a file, or `journal.jsonl:LINE`.
    pub file: String,
    pub provider: Option<&'a str>,
    pub event: Option<&'a str>,
    pub verdict: VerdictOf<'a>,
    /// The capture's short name, for people.
    #[serde(skip)]
    pub name: String,
}

/// An inspection's verdict as captures store it: `status`, `reason` when invalid, `detail`.
#[derive(Clone, Copy)]
pub struct VerdictOf<'a>(pub &'a Inspection);

impl Serialize for VerdictOf<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.stored_verdict().serialize(serializer)
    }
}

// ---- probing --------------------------------------------------------------------------------

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ProbeCaseResult<'a> {
    pub case: &'a str,
    pub grade: Grade,
    pub provider: &'a str,
    pub category: Category,
    pub title: &'a str,
    /// What was sent.
    pub sent: &'a str,
    /// What a sound receiver does.
    pub expected: &'a str,
    /// The answer that decided the grade; `null` when nothing was sent.
    pub status: Option<u16>,
    pub elapsed_ms: Option<Millis>,
    /// The start of the answer's body, on one line.
    pub excerpt: Option<&'a str>,
    pub why: &'a str,
    /// For FAIL, WARN and INTEROP: what to change.
    pub advice: Option<&'a str>,
    #[serde(skip)]
    pub elapsed: Option<Duration>,
    /// The category's title when it differs from the previous case's, for people.
    #[serde(skip)]
    pub heading: Option<&'a str>,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ProbeCaseListing<'a> {
    pub case: &'a str,
    pub category: Category,
    pub title: &'a str,
    #[serde(skip)]
    pub category_title: &'a str,
}

// ---- summaries and notes --------------------------------------------------------------------

/// The closing record; `command` tells the shapes apart.
#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Summary<'a> {
    Send(SendSummary),
    Replay(SendSummary),
    Listen(ListenSummary<'a>),
    Verify(VerifySummary),
    Probe(ProbeSummaryShown<'a>),
    Demo(DemoSummary),
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SendSummary {
    pub planned: u64,
    pub sent: u64,
    pub delivered: u64,
    pub unexpected_status: u64,
    pub failed: u64,
    pub skipped: u64,
    pub retries: u64,
    pub interrupted: bool,
    pub elapsed_ms: Millis,
    pub requests_per_second: f64,
    pub latency_ms: Latency,
    #[serde(skip)]
    pub elapsed: Duration,
    #[serde(skip)]
    pub percentiles: Option<[Duration; 3]>,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Latency {
    pub p50: Millis,
    pub p90: Millis,
    pub p99: Millis,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ListenSummary<'a> {
    pub deliveries: u64,
    pub valid: u64,
    pub invalid: u64,
    pub not_saved: u64,
    /// Requests answered without being treated as deliveries, and failed connections.
    pub rejected: u64,
    /// The `--expect` events that never arrived.
    pub missing: Vec<&'a str>,
    pub timed_out: bool,
    /// With `--save FILE.jsonl`: what the journal writer did.
    pub journal: Option<JournalCounts>,
    pub elapsed_ms: Millis,
    #[serde(skip)]
    pub elapsed: Duration,
    /// `--count` and whether every goal was met, for people.
    #[serde(skip)]
    pub count: Option<u64>,
    #[serde(skip)]
    pub satisfied: bool,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct JournalCounts {
    pub lines: u64,
    /// Writes, each holding every line queued since the one before.
    pub groups: u64,
    /// `fdatasync` calls (`--sync`).
    pub syncs: u64,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct VerifySummary {
    pub captures: usize,
    pub valid: usize,
    pub invalid: usize,
    pub unreadable: usize,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ProbeSummaryShown<'a> {
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub interop: usize,
    pub info: usize,
    pub not_applicable: usize,
    /// Why the run stopped before its last case, if it did.
    pub stopped: Option<&'a str>,
    /// Whether WARN counts as a failure (`--strict`).
    pub strict: bool,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DemoSummary {
    pub deliveries: u64,
    pub passed: bool,
    /// Per provider.
    pub providers: std::collections::BTreeMap<String, DemoRow>,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DemoRow {
    pub sent: u64,
    /// Verified live by the listener.
    pub verified: u64,
    /// Replayed from the captures.
    pub replayed: u64,
    /// Verified again when replayed.
    pub reverified: u64,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Warning<'a> {
    /// The input it is about; empty when it is about the run.
    pub file: &'a str,
    pub message: &'a str,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Skipped<'a> {
    pub file: &'a str,
    pub error: &'a str,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ErrorShown<'a> {
    /// The input it is about, when it is about one (`replay --dry-run`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<&'a str>,
    pub message: &'a str,
    /// The exit code that follows, when the command stops here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u8>,
}

// ---- field types that do their work while serialising -------------------------------------

/// A body: `{"text": …}` when it is UTF-8, else `{"base64": …}`.
#[derive(Clone, Copy)]
pub struct Bytes<'a>(pub &'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        match std::str::from_utf8(self.0) {
            Ok(text) => map.serialize_entry("text", text)?,
            Err(_) => map.serialize_entry("base64", &B64.encode(self.0))?,
        }
        map.end()
    }
}

/// Headers as `[name, value]` pairs in order; with `redact`, a header that carries a secret
/// itself shows only its length.
#[derive(Clone, Copy)]
pub struct HeaderPairs<'a> {
    pub headers: &'a Headers,
    pub redact: bool,
}

impl Serialize for HeaderPairs<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.headers.len()))?;
        for (name, value) in self.headers.iter() {
            if self.redact {
                seq.serialize_element(&(name, super::shown_value(name, value)))?;
            } else {
                seq.serialize_element(&(name, value))?;
            }
        }
        seq.end()
    }
}

/// A duration as milliseconds with three decimals.
#[derive(Clone, Copy)]
pub struct Millis(pub Duration);

impl Serialize for Millis {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(super::millis(self.0))
    }
}

/// A value serialised as its `Display` text.
pub struct Text<T>(pub T);

impl<T: fmt::Display> Serialize for Text<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// A moment as RFC 3339 in UTC with microseconds.
#[derive(Clone, Copy)]
pub struct Timestamp(pub chrono::DateTime<chrono::Utc>);

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
    }
}

#[cfg(test)]
mod schema {
    //! The hand-written schemas of the field types above, and the committed file's check.

    use std::borrow::Cow;

    use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

    use super::*;

    impl JsonSchema for Bytes<'_> {
        fn schema_name() -> Cow<'static, str> {
            "Bytes".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "Bytes: `text` when they are UTF-8, else `base64`.",
                "oneOf": [
                    {"type": "object", "properties": {"text": {"type": "string"}},
                     "required": ["text"], "additionalProperties": false},
                    {"type": "object", "properties": {"base64": {"type": "string", "contentEncoding": "base64"}},
                     "required": ["base64"], "additionalProperties": false}
                ]
            })
        }
    }

    impl JsonSchema for HeaderPairs<'_> {
        fn schema_name() -> Cow<'static, str> {
            "HeaderPairs".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "Headers in the order they were sent, as [name, value] pairs.",
                "type": "array",
                "items": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "string"}],
                          "minItems": 2, "maxItems": 2}
            })
        }
    }

    impl JsonSchema for Millis {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            "Millis".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({"type": "number", "minimum": 0, "description": "Milliseconds."})
        }
    }

    impl<T> JsonSchema for Text<T> {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            "Text".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({"type": "string"})
        }
    }

    impl JsonSchema for Timestamp {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            "Timestamp".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({"type": "string", "format": "date-time"})
        }
    }

    impl JsonSchema for VerdictOf<'_> {
        fn schema_name() -> Cow<'static, str> {
            "Verdict".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": "object",
                "properties": {
                    "status": {"enum": ["valid", "invalid", "unsigned", "no_secret", "unknown_provider"]},
                    "reason": {"type": "string", "description": "Why it is invalid: a short code."},
                    "detail": {"type": "string"}
                },
                "required": ["status", "detail"],
                "additionalProperties": false
            })
        }
    }

    /// The schema as committed: `docs/records.schema.json`.
    pub(crate) fn generated() -> String {
        let mut schema = schemars::schema_for!(Record<'static>);
        schema.insert(
            "$id".into(),
            "https://github.com/hookctl/hookctl/docs/records.schema.json".into(),
        );
        schema.insert("title".into(), "hookctl --json records".into());
        schema.insert(
            "description".into(),
            "One JSON object per line of `hookctl --json` output: `type` names the record, \
             `data` holds it."
                .into(),
        );
        serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n"
    }

    #[test]
    fn the_committed_records_schema_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/records.schema.json");
        let fresh = generated();
        if std::env::var_os("HOOKCTL_UPDATE_SCHEMA").is_some() {
            std::fs::write(path, &fresh).expect("docs/ is writable");
            return;
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == fresh,
            "docs/records.schema.json is stale: run `HOOKCTL_UPDATE_SCHEMA=1 cargo test --lib \
             records_schema` and commit it"
        );
    }
}
