//! The only place that writes to the terminal: the colour decision, human and JSON Lines views,
//! progress bars. Commands hand it results; it decides how they look.

use std::fmt;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::{ColorChoice, GlobalArgs};

pub mod catalogue_view;
pub mod json_view;
pub mod listen_view;
pub mod probe_view;
pub mod records;
pub mod send_view;
pub mod table;
pub mod verify_view;

pub use records::Record;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

impl Verbosity {
    /// The form a record's `Display` is asked for: `{:-}` quiet, `{}` normal, `{:#}` verbose.
    pub fn of(f: &fmt::Formatter<'_>) -> Verbosity {
        if f.sign_minus() {
            Verbosity::Quiet
        } else if f.alternate() {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        }
    }
}

/// One of the two streams, buffered: a stream of results goes out with one system call per
/// batch instead of one per line.
struct Stream {
    writer: Mutex<BufWriter<Box<dyn Write + Send>>>,
    /// Colour codes are made for the other stream; this one gets them taken out.
    strip: bool,
}

impl Stream {
    fn new(writer: Box<dyn Write + Send>, strip: bool) -> Arc<Stream> {
        Arc::new(Stream {
            writer: Mutex::new(BufWriter::with_capacity(64 * 1024, writer)),
            strip,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BufWriter<Box<dyn Write + Send>>> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How results are shown, decided once from the global flags and the environment, and where they
/// go. Clones share the streams.
#[derive(Clone)]
pub struct Output {
    pub json: bool,
    pub verbosity: Verbosity,
    /// Whether a person can answer prompts: stdin and stderr are terminals, and JSON was not asked for.
    pub interactive: bool,
    stderr_is_terminal: bool,
    /// Leave lines in the buffer until [`Output::flush`]; for loops that print many results.
    deferred: bool,
    out: Arc<Stream>,
    err: Arc<Stream>,
}

impl Output {
    /// The terminal's streams. Colour is decided per stream (`hookctl send > log` keeps colour on
    /// stderr); `colored` makes codes when either stream wants them and the other strips them.
    pub fn from_args(global: &GlobalArgs) -> Self {
        let stdout_colour = decide_colour(global.color, io::stdout().is_terminal());
        let stderr_is_terminal = io::stderr().is_terminal();
        let stderr_colour = decide_colour(global.color, stderr_is_terminal);
        colored::control::set_override(stdout_colour || stderr_colour);
        Output {
            json: global.json,
            verbosity: verbosity(global),
            interactive: !global.json && stderr_is_terminal && io::stdin().is_terminal(),
            stderr_is_terminal,
            deferred: false,
            out: Stream::new(Box::new(io::stdout()), stderr_colour && !stdout_colour),
            err: Stream::new(Box::new(io::stderr()), stdout_colour && !stderr_colour),
        }
    }

    /// Output into two writers of the caller's, without colour: for running a command in-process.
    pub fn to_writers(
        global: &GlobalArgs,
        stdout: Box<dyn Write + Send>,
        stderr: Box<dyn Write + Send>,
    ) -> Self {
        Output {
            json: global.json,
            verbosity: verbosity(global),
            interactive: false,
            stderr_is_terminal: false,
            deferred: false,
            out: Stream::new(stdout, true),
            err: Stream::new(stderr, true),
        }
    }

    /// The same view, writing lines only when [`Output::flush`] is called: the caller flushes after
    /// each batch of results, so a busy listener makes one write per batch, not per delivery.
    pub fn deferred(&self) -> Output {
        Output {
            deferred: true,
            ..self.clone()
        }
    }

    /// The same streams, shown at another verbosity (the demo's one-line deliveries).
    pub fn with_verbosity(&self, verbosity: Verbosity) -> Output {
        Output {
            verbosity,
            ..self.clone()
        }
    }

    /// Write out what is buffered on both streams.
    pub fn flush(&self) -> io::Result<()> {
        self.out.lock().flush()?;
        self.err.lock().flush()
    }

    /// Show one record: a JSON line on stdout with `--json`, else its human form (in the form the
    /// verbosity asks for) on the record's stream; a form that writes nothing shows nothing.
    pub fn emit(&self, record: &Record<'_>) -> io::Result<()> {
        if self.json {
            let mut out = self.out.lock();
            serde_json::to_writer(&mut *out, record)?;
            out.write_all(b"\n")?;
            return self.finish(out, false);
        }
        self.show(record, record.to_stderr())
    }

    /// Records shown as one table for people (a JSON line each with `--json`).
    pub fn emit_table<T: table::Row>(
        &self,
        rows: &[T],
        record: impl Fn(&T) -> Record<'_>,
    ) -> io::Result<()> {
        if self.json {
            for row in rows {
                self.emit(&record(row))?;
            }
            return Ok(());
        }
        if rows.is_empty() {
            return Ok(());
        }
        self.text(&table::render(T::HEADER, rows.iter().map(T::cells)))
    }

    /// Bytes for a program rather than a person (a completion script), to stdout as they are.
    pub fn bytes(&self, bytes: &[u8]) -> io::Result<()> {
        let mut out = self.out.lock();
        out.write_all(bytes)?;
        self.finish(out, false)
    }

    /// Human text that belongs to no record (a heading, a table); nothing with `--json`.
    pub fn text(&self, text: &dyn fmt::Display) -> io::Result<()> {
        if self.json {
            return Ok(());
        }
        self.show(text, false)
    }

    /// A note for the person at the terminal (stderr), suppressed by --quiet and --json.
    pub fn note(&self, text: &dyn fmt::Display) -> io::Result<()> {
        if self.verbosity == Verbosity::Quiet || self.json {
            return Ok(());
        }
        self.show(text, true)
    }

    fn show(&self, shown: &dyn fmt::Display, to_stderr: bool) -> io::Result<()> {
        let stream = if to_stderr { &self.err } else { &self.out };
        // Formatted first, outside the lock, and written with one call: written piece by piece
        // into the locked buffer, a listener's line cost more (callgrind, BENCHMARKS.md).
        let mut text = self.formatted(shown);
        if !text.is_empty() {
            text.push('\n');
        }
        let mut out = stream.lock();
        if stream.strip {
            for piece in anstream::adapter::strip_str(&text) {
                out.write_all(piece.as_bytes())?;
            }
        } else {
            out.write_all(text.as_bytes())?;
        }
        self.finish(out, to_stderr)
    }

    fn formatted(&self, shown: &dyn fmt::Display) -> String {
        // Room for a listener's line, so that it is not grown on the way.
        use std::fmt::Write as _;
        let mut text = String::with_capacity(160);
        let _ = match self.verbosity {
            Verbosity::Quiet => write!(text, "{shown:-}"),
            Verbosity::Normal => write!(text, "{shown}"),
            Verbosity::Verbose => write!(text, "{shown:#}"),
        };
        text
    }

    /// Flush now unless deferred; stderr is never left waiting.
    fn finish(
        &self,
        mut out: std::sync::MutexGuard<'_, BufWriter<Box<dyn Write + Send>>>,
        stderr: bool,
    ) -> io::Result<()> {
        if self.deferred && !stderr {
            Ok(())
        } else {
            out.flush()
        }
    }

    /// Whether outcomes are shown with the request as sent (`--json --verbose`).
    pub fn shows_requests(&self) -> bool {
        self.json && self.verbosity == Verbosity::Verbose
    }

    /// A progress bar on stderr, shown only on a terminal and never with --json or --quiet.
    /// Whether a progress bar is drawn at all (on a terminal, without --json).
    pub fn draws_progress(&self) -> bool {
        self.stderr_is_terminal && !self.json
    }

    pub fn progress(&self, total: u64) -> ProgressBar {
        if !self.draws_progress() || total < 2 {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {per_sec} {msg}",
            )
            .expect("the progress template is valid"),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        bar
    }
}

fn verbosity(global: &GlobalArgs) -> Verbosity {
    if global.quiet {
        Verbosity::Quiet
    } else if global.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    }
}

impl fmt::Display for records::Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            records::Summary::Send(summary) => summary.write(f, "Sent"),
            records::Summary::Replay(summary) => summary.write(f, "Replayed"),
            records::Summary::Listen(summary) => summary.write(f),
            records::Summary::Verify(summary) => summary.write(f),
            records::Summary::Probe(summary) => summary.write(f),
            records::Summary::Demo(summary) => summary.write(f),
        }
    }
}

impl fmt::Display for records::ErrorShown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use colored::Colorize;
        match self.file {
            Some(file) => write!(f, "{} {file}: {}", "error:".red().bold(), self.message),
            None => write!(f, "{} {}", "error:".red().bold(), self.message),
        }
    }
}

/// Colour on a stream: `--color always|never` wins; otherwise `NO_COLOR`, `TERM=dumb` or a
/// stream that is not a terminal turn it off.
pub fn decide_colour(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
            is_terminal && !no_color && !dumb
        }
    }
}

/// A header value as it may be shown: a header that carries a secret itself shows only that it is there.
pub fn shown_value<'a>(name: &str, value: &'a str) -> std::borrow::Cow<'a, str> {
    if crate::scheme::SECRET_HEADERS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
    {
        std::borrow::Cow::Owned(format!(
            "<the secret, {} characters, not shown>",
            value.chars().count()
        ))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

/// A body for a terminal: text with control characters escaped, or a note for binary bytes.
pub fn body_text(body: &[u8]) -> String {
    match std::str::from_utf8(body) {
        Ok(text) => {
            let mut shown = String::with_capacity(text.len());
            for c in text.chars() {
                escape_control(c, &mut shown);
            }
            shown
        }
        Err(_) => format!(
            "[{} bytes of binary data; base64: {}]",
            body.len(),
            B64.encode(body)
        ),
    }
}

/// A character as it may reach a terminal: control characters (but newline and tab) escaped.
fn escape_control(c: char, out: &mut String) {
    if c == '\n' || c == '\t' || !c.is_control() {
        out.push(c);
    } else {
        use std::fmt::Write;
        let _ = write!(out, "\\u{{{:04x}}}", c as u32);
    }
}

/// A duration for people: `850 µs`, `3.2 ms`, `1.45 s`.
pub fn human_duration(d: Duration) -> HumanDuration {
    HumanDuration(d)
}

/// A duration as [`human_duration`] writes it, formatted where it is written.
#[derive(Debug, Clone, Copy)]
pub struct HumanDuration(Duration);

impl std::fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let micros = self.0.as_micros();
        if micros < 1000 {
            // The common case on a busy listener, written without the formatter's padding logic.
            f.write_str(itoa::Buffer::new().format(micros as u32))?;
            f.write_str(" µs")
        } else if micros < 1_000_000 {
            write!(f, "{:.1} ms", micros as f64 / 1000.0)
        } else {
            write!(f, "{:.2} s", self.0.as_secs_f64())
        }
    }
}

/// Milliseconds with three decimals, for JSON.
pub fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_control_bytes_never_reach_the_terminal_raw() {
        assert_eq!(body_text(b"ok\x1b[31m\n"), "ok\\u{001b}[31m\n");
        assert!(body_text(&[0xff, 0xfe]).starts_with("[2 bytes of binary data"));
        let json = |b: &[u8]| serde_json::to_string(&records::Bytes(b)).unwrap();
        assert_eq!(json(&[0xff]), r#"{"base64":"/w=="}"#);
        assert_eq!(json(b"{}"), r#"{"text":"{}"}"#);
    }

    #[test]
    fn colour_follows_the_flag_first() {
        assert!(decide_colour(ColorChoice::Always, false));
        assert!(!decide_colour(ColorChoice::Never, true));
        assert!(!decide_colour(ColorChoice::Auto, false));
    }
}
