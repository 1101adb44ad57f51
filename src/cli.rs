//! The command line, and nothing else: every clap type lives here, doc comments are the help text.
//!
//! Style: one doc line per option, ending without a full stop; value names in CAPITALS;
//! `env` only where the environment is a documented source; no logic beyond parsing.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::catalogue::StatusRule;
use crate::units::values;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Send, receive, verify and replay payment-provider webhooks, signed exactly as each provider signs them.
#[derive(Debug, Parser)]
#[command(
    name = "hookctl",
    version,
    propagate_version = true,
    max_term_width = 100
)]
#[command(
    after_help = "Exit codes: 0 success, 1 runtime error, 2 usage error, 3 verification failed, \
4 unexpected status, 130 interrupted."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// When to use colour
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Print JSON Lines on stdout, one object per result
    #[arg(long, global = true)]
    pub json: bool,

    /// Print less: only failures and the summary
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more: headers and bodies
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Read settings from this file instead of ./hookctl.toml or the user config folder
    #[arg(long, global = true, value_name = "FILE", env = "HOOKCTL_CONFIG")]
    pub config: Option<PathBuf>,

    /// Add or override providers and events from a folder laid out like fixtures/
    #[arg(long, global = true, value_name = "DIR", env = "HOOKCTL_FIXTURES")]
    pub fixtures: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send provider events to a URL, signed (or encrypted) as the provider does
    #[command(
        after_help = "Examples:\n  hookctl send payin.update --to localhost\n  hookctl send stripe:charge.succeeded --to :3000/webhooks --secret whsec_…\n  hookctl send --all --provider treezor --dry-run\n  hookctl send payment_intent.succeeded --count 200 --concurrency 8 --quiet"
    )]
    Send(SendArgs),

    /// Receive webhooks: recognise the provider, verify, show and save each delivery
    #[command(
        after_help = "Examples:\n  hookctl listen\n  hookctl listen --port 3000 --save captures/ --reject-invalid\n  hookctl listen --forward-to localhost:3000/webhooks\n  hookctl listen --port 0 --json --count 3 --timeout 30s --expect payin.update"
    )]
    Listen(ListenArgs),

    /// Send captured deliveries again, byte for byte, in arrival order
    #[command(
        after_help = "Examples:\n  hookctl replay captures/ --to localhost:3000/webhooks\n  hookctl replay captures/ --filter 'treezor:payin.*' --resign\n  hookctl replay captures/20261123T101500.000000Z-000001-stripe-charge.succeeded.json --dry-run"
    )]
    Replay(ReplayArgs),

    /// Verify captured deliveries offline with the configured secrets
    Verify(VerifyArgs),

    /// Audit a running receiver: send it genuine, forged, stale, replayed and tampered deliveries and grade each answer
    #[command(
        after_help = "Examples:\n  hookctl probe stripe:charge.succeeded --to :3000/webhooks --secret whsec_…\n  hookctl probe --provider github --to localhost:3000/hooks --skip oversized-body --junit probe.xml\n  hookctl probe payin.update --to :8000/treezor --oracle 'psql -tAc \"select count(*) from events where id = '\\''$HOOKCTL_DELIVERY_ID'\\''\"'"
    )]
    Probe(ProbeArgs),

    /// The whole loop with nothing set up: send every event, listen, verify, capture, replay
    Demo(DemoArgs),

    /// List providers and events, or show an event's rendered body
    Fixtures(FixturesArgs),

    /// Print a shell completion script
    #[command(hide = true)]
    Completions {
        /// The shell to write completions for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The event to build deliveries from: `event` or `provider:event` [default: --provider's first event]
    #[arg(value_name = "EVENT")]
    pub event: Option<String>,

    /// The receiver: localhost:3000/webhooks, :3000/hooks or a full URL (loopback only, unless --allow-remote)
    #[arg(
        long,
        short = 't',
        value_name = "URL",
        required_unless_present = "list"
    )]
    pub to: Option<String>,

    /// The provider whose deliveries to send (with no EVENT, its first event)
    #[arg(long, short = 'p', value_name = "PROVIDER")]
    pub provider: Option<String>,

    /// The receiver's secret (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file; never the built-in one unless named here)
    #[arg(long, short = 's', value_name = "SECRET")]
    pub secret: Option<String>,

    /// Run only these cases (repeatable; `hookctl probe --list` names them)
    #[arg(long, value_name = "CASE")]
    pub only: Vec<String>,

    /// Leave out these cases (repeatable)
    #[arg(long, value_name = "CASE")]
    pub skip: Vec<String>,

    /// List the cases and exit
    #[arg(long, conflicts_with_all = ["only", "skip"])]
    pub list: bool,

    /// A shell command that prints how many times the receiver processed $HOOKCTL_DELIVERY_ID
    #[arg(long, value_name = "COMMAND")]
    pub oracle: Option<String>,

    /// Also compare answer times of near and far signature misses (hundreds of requests)
    #[arg(long)]
    pub timing: bool,

    /// Write the results as JUnit XML to this file, for CI dashboards
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Count WARN as FAIL
    #[arg(long)]
    pub strict: bool,

    /// Allow a target that is not on this machine (probes are attacks: only your own receivers)
    #[arg(long)]
    pub allow_remote: bool,

    /// How long to wait for each answer
    #[arg(value_parser = values::duration, long, default_value = "10s", value_name = "DURATION")]
    pub timeout: Duration,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// Events to send: `event`, or `provider:event` where several providers have the name
    #[arg(value_name = "EVENT")]
    pub events: Vec<String>,

    /// Where to send: localhost, localhost:3000, :3000, 127.0.0.1:3000/hooks or a full URL [default: http://localhost:8080/]
    #[arg(long, short = 't', value_name = "URL")]
    pub to: Option<String>,

    /// The provider of the events (when a name alone is ambiguous), or the provider for --all
    #[arg(long, short = 'p', value_name = "PROVIDER")]
    pub provider: Option<String>,

    /// Send every event of --provider, or of every provider
    #[arg(long, conflicts_with = "events")]
    pub all: bool,

    /// Send a scenario's steps as one run with shared ids: `name` or `provider:name` (repeatable; `hookctl fixtures PROVIDER` lists them)
    #[arg(long = "scenario", value_name = "SCENARIO", conflicts_with_all = ["events", "all", "body"])]
    pub scenarios: Vec<String>,

    /// The signing secret (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)
    #[arg(long, short = 's', value_name = "SECRET")]
    pub secret: Option<String>,

    /// Change a field of the body: path=value, the value parsed as JSON where it parses (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,

    /// Send this file's bytes (or stdin's, with -) as the body, signed verbatim
    #[arg(long, value_name = "FILE", conflicts_with_all = ["all", "set"])]
    pub body: Option<PathBuf>,

    /// Add a header, replacing one of the same name (repeatable)
    #[arg(value_parser = values::header, long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<(String, String)>,

    /// Use this delivery id instead of a fresh one
    #[arg(long, value_name = "ID")]
    pub webhook_id: Option<String>,

    /// Sign and render with this time (Unix seconds or RFC 3339) instead of now
    #[arg(value_parser = values::timestamp, long, value_name = "TIME")]
    pub timestamp: Option<DateTime<Utc>>,

    /// How many times to send each event, each with fresh ids
    #[arg(long, short = 'n', default_value_t = 1, value_name = "N")]
    pub count: u64,

    /// How many requests may be in flight at once
    #[arg(long, short = 'c', default_value_t = 1, value_name = "C")]
    pub concurrency: usize,

    /// Give up on a request after this long (e.g. 500ms, 10s, 1m) [default: 30s; with --retry, the provider's timeout]
    #[arg(value_parser = values::duration, long, value_name = "DURATION")]
    pub timeout: Option<Duration>,

    /// Accept invalid TLS certificates (self-signed HTTPS)
    #[arg(long, short = 'k')]
    pub insecure: bool,

    /// Statuses that count as delivered, e.g. 200, 2xx, 200-299, 200,202 [default: the provider's own rule]
    #[arg(value_parser = values::status_rule, long, value_name = "STATUSES")]
    pub expect_status: Option<StatusRule>,

    /// Retry a failed delivery on the provider's schedule (`hookctl fixtures PROVIDER` shows it), re-signed where the scheme signs a timestamp
    #[arg(long)]
    pub retry: bool,

    /// With --retry: divide every wait by this (3600: an hour of the schedule in a second)
    #[arg(long, value_name = "F", default_value_t = 1.0, requires = "retry")]
    pub time_scale: f64,

    /// With --retry: at most this many attempts per delivery
    #[arg(long, value_name = "N", requires = "retry")]
    pub max_attempts: Option<u32>,

    /// With --retry: the wait before each attempt instead of the provider's, the first included (0,5s,1m)
    #[arg(long, value_name = "WAITS", requires = "retry")]
    pub schedule: Option<String>,

    /// Send this fraction of the deliveries twice, the second copy byte for byte, as providers do (0 to 1)
    #[arg(long, value_name = "R")]
    pub duplicate_rate: Option<f64>,

    /// Send the run's deliveries in a random order, as providers guarantee none
    #[arg(long)]
    pub shuffle: bool,

    /// Make --shuffle and --duplicate-rate reproducible [default: a random seed, reported]
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Print each request exactly as it would go, and send nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// The port to listen on; 0 picks a free one (the first line says which)
    #[arg(long, short = 'P', default_value_t = 8080, value_name = "PORT")]
    pub port: u16,

    /// The address to listen on; anything but loopback is reachable from other machines
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDRESS")]
    pub host: String,

    /// Accept deliveries on this path only (default: every path)
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,

    /// Treat every delivery as this provider's (default: recognise each from its headers and body)
    #[arg(long, short = 'p', value_name = "PROVIDER")]
    pub provider: Option<String>,

    /// The secret to verify with (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)
    #[arg(long, short = 's', value_name = "SECRET")]
    pub secret: Option<String>,

    /// The URL senders signed against, for MobilePay (default: rebuilt from the Host header and path)
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,

    /// Save every delivery, valid or not: a capture file each in this folder, or a line each in this journal (a path ending in .jsonl)
    #[arg(long, value_name = "DIR|FILE.jsonl")]
    pub save: Option<PathBuf>,

    /// With --save: answer a delivery only once its capture is on disk (fdatasync)
    #[arg(long, requires = "save")]
    pub sync: bool,

    /// The status to answer with
    #[arg(long, default_value_t = 200, value_name = "CODE", value_parser = clap::value_parser!(u16).range(100..=599))]
    pub status: u16,

    /// The body to answer with
    #[arg(long, value_name = "TEXT")]
    pub response_body: Option<String>,

    /// A header to answer with (repeatable)
    #[arg(value_parser = values::header, long, value_name = "NAME: VALUE")]
    pub response_header: Vec<(String, String)>,

    /// Wait this long before answering (e.g. 200ms)
    #[arg(value_parser = values::duration, long, value_name = "DURATION")]
    pub delay: Option<Duration>,

    /// Answer deliveries that fail verification with 401, or the provider's own failure status (Treezor: 500)
    #[arg(long)]
    pub reject_invalid: bool,

    /// How to answer CryptoMate card authorisations (which must be answered within 1,200 ms)
    #[arg(long, value_enum, default_value_t = Decision::Approve, value_name = "DECISION")]
    pub authorization: Decision,

    /// Pass each delivery on to your app, byte for byte, and give the app's answer back to the sender
    #[arg(long, value_name = "URL")]
    pub forward_to: Option<String>,

    /// How long to wait for the app behind --forward-to
    #[arg(value_parser = values::duration, long, default_value = "30s", value_name = "DURATION")]
    pub forward_timeout: Duration,

    /// Exit after this many deliveries
    #[arg(long, short = 'n', value_name = "N")]
    pub count: Option<u64>,

    /// With --count or --expect: exit with an error if they have not all arrived within this time
    #[arg(value_parser = values::duration, long, value_name = "DURATION")]
    pub timeout: Option<Duration>,

    /// Fail unless this event arrives: `event` or `provider:event` (repeatable); exits once all have
    #[arg(long, value_name = "EVENT")]
    pub expect: Vec<String>,

    /// The largest body accepted, e.g. 16MiB or 50MB; larger ones are answered 413
    #[arg(value_parser = values::size, long, default_value = "16MiB", value_name = "SIZE")]
    pub max_body: usize,

    /// How long a client may take to send its headers, and then its body
    #[arg(value_parser = values::duration, long, default_value = "30s", value_name = "DURATION")]
    pub read_timeout: Duration,

    /// How far a signed timestamp may be from now (Stripe, Standard Webhooks)
    #[arg(value_parser = values::duration, long, default_value = "5m", value_name = "DURATION")]
    pub tolerance: Duration,

    /// Mask card numbers, IBANs and e-mail addresses in what is printed
    #[arg(long)]
    pub redact: bool,

    /// Mask them in the captures too (their bodies then no longer verify)
    #[arg(long, requires = "save")]
    pub redact_saved: bool,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Capture files, or folders of them (every capture in a folder, in arrival order)
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Where to send; a path here replaces the captured one [default: http://localhost:8080/, with the captured path]
    #[arg(long, short = 't', value_name = "URL")]
    pub to: Option<String>,

    /// Replay only these: provider, event or provider:event, with * and ? globs (repeatable)
    #[arg(value_parser = values::filter, long, value_name = "PATTERN")]
    pub filter: Vec<crate::units::Filter>,

    /// Sign Stripe and Standard Webhooks deliveries again with a fresh timestamp, using the configured secrets
    #[arg(long)]
    pub resign: bool,

    /// The secret for --resign and for restoring CryptoMate's key (else the usual sources)
    #[arg(long, short = 's', value_name = "SECRET")]
    pub secret: Option<String>,

    /// How many requests may be in flight at once; 1 keeps strict order
    #[arg(long, short = 'c', default_value_t = 1, value_name = "C")]
    pub concurrency: usize,

    /// At most this many requests per second, e.g. 50 or 50/s or 600/m
    #[arg(value_parser = values::rate, long, value_name = "N/s")]
    pub rate: Option<f64>,

    /// Print each request exactly as it would go, and send nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Statuses that count as delivered [default: the provider's own rule]
    #[arg(value_parser = values::status_rule, long, value_name = "STATUSES")]
    pub expect_status: Option<StatusRule>,

    /// Give up on a request after this long
    #[arg(value_parser = values::duration, long, default_value = "30s", value_name = "DURATION")]
    pub timeout: Duration,

    /// Accept invalid TLS certificates (self-signed HTTPS)
    #[arg(long, short = 'k')]
    pub insecure: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Capture files, or folders of them
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// The secret to verify with (else HOOKCTL_<PROVIDER>_SECRET, HOOKCTL_SECRET, the config file, the built-in test secret)
    #[arg(long, short = 's', value_name = "SECRET")]
    pub secret: Option<String>,

    /// Treat every capture as this provider's
    #[arg(long, short = 'p', value_name = "PROVIDER")]
    pub provider: Option<String>,

    /// How far a signed timestamp may be from the time the delivery was received
    #[arg(value_parser = values::duration, long, default_value = "5m", value_name = "DURATION")]
    pub tolerance: Duration,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the captures in this folder (or journal, a path ending in .jsonl) instead of a temporary folder
    #[arg(long, value_name = "DIR|FILE.jsonl")]
    pub save: Option<PathBuf>,
}

pub use crate::catalogue::Decision;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct FixturesArgs {
    #[command(subcommand)]
    pub action: Option<FixturesAction>,

    /// List this provider's events
    #[arg(value_name = "PROVIDER")]
    pub provider: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum FixturesAction {
    /// Print an event's body, or a scenario's steps, rendered with fresh ids and timestamps (before signing or encryption)
    Show {
        /// `event` or `provider:event`
        #[arg(value_name = "EVENT", required_unless_present = "scenario")]
        event: Option<String>,

        /// Show a scenario's steps instead: `name` or `provider:name`
        #[arg(long, value_name = "SCENARIO", conflicts_with = "event")]
        scenario: Option<String>,

        /// The provider, when the name alone is ambiguous
        #[arg(long, short = 'p', value_name = "PROVIDER")]
        provider: Option<String>,

        /// Change a field: path=value (repeatable)
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
    },
}
