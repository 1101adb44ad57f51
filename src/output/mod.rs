//! The only place that writes to the terminal: the colour decision, human and JSON Lines views,
//! progress bars. Commands hand it results; it decides how they look.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{json, Value};

use crate::cli::{ColorChoice, GlobalArgs};

pub mod json_view;
pub mod listen_view;
pub mod probe_view;
pub mod send_view;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// Everything written to stdout goes through one buffer, so that a stream of results can be written
/// with one system call per batch instead of one per line.
static STDOUT: LazyLock<Mutex<BufWriter<io::Stdout>>> =
    LazyLock::new(|| Mutex::new(BufWriter::with_capacity(64 * 1024, io::stdout())));

/// Write out whatever is buffered for stdout.
pub fn flush_stdout() -> io::Result<()> {
    STDOUT.lock().unwrap_or_else(|e| e.into_inner()).flush()
}

/// How results are shown, decided once from the global flags and the environment.
#[derive(Debug, Clone)]
pub struct Output {
    pub json: bool,
    pub verbosity: Verbosity,
    /// Whether a person can answer prompts: stdin and stderr are terminals, and JSON was not asked for.
    pub interactive: bool,
    stderr_is_terminal: bool,
    /// Leave lines in the buffer until [`Output::flush`]; for loops that print many results.
    deferred: bool,
}

impl Output {
    pub fn from_args(global: &GlobalArgs) -> Self {
        let colour = decide_colour(global.color, io::stdout().is_terminal());
        colored::control::set_override(colour);
        let stderr_is_terminal = io::stderr().is_terminal();
        Output {
            json: global.json,
            verbosity: if global.quiet {
                Verbosity::Quiet
            } else if global.verbose {
                Verbosity::Verbose
            } else {
                Verbosity::Normal
            },
            interactive: !global.json && stderr_is_terminal && io::stdin().is_terminal(),
            stderr_is_terminal,
            deferred: false,
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

    /// Write out what is buffered.
    pub fn flush(&self) -> io::Result<()> {
        STDOUT.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }

    fn write(
        &self,
        write: impl FnOnce(&mut BufWriter<io::Stdout>) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut out = STDOUT.lock().unwrap_or_else(|e| e.into_inner());
        write(&mut out)?;
        if self.deferred {
            Ok(())
        } else {
            out.flush()
        }
    }

    /// Whether outcomes are shown with the request as sent (`--json --verbose`).
    pub fn shows_requests(&self) -> bool {
        self.json && self.verbosity == Verbosity::Verbose
    }

    /// Write one line of human output to stdout.
    pub fn line(&self, text: &str) -> io::Result<()> {
        self.write(|out| {
            out.write_all(text.as_bytes())?;
            out.write_all(b"\n")
        })
    }

    /// Write one line of human output to stdout, formatted straight into the buffer.
    pub fn line_from(&self, text: &dyn std::fmt::Display) -> io::Result<()> {
        self.write(|out| writeln!(out, "{text}"))
    }

    /// Write one JSON Lines record `{"type": kind, "data": data}` to stdout.
    pub fn record(&self, kind: &str, data: Value) -> io::Result<()> {
        self.write(|out| {
            serde_json::to_writer(&mut *out, &json!({"type": kind, "data": data}))?;
            out.write_all(b"\n")
        })
    }

    /// A note for the person at the terminal (stderr), suppressed by --quiet and --json.
    pub fn note(&self, text: &str) {
        if self.verbosity != Verbosity::Quiet && !self.json {
            eprintln!("{text}");
        }
    }

    /// A progress bar on stderr, shown only on a terminal and never with --json or --quiet.
    pub fn progress(&self, total: u64) -> ProgressBar {
        if !self.stderr_is_terminal || self.json || total < 2 {
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

/// Colour on stdout: `--color always|never` wins; otherwise `NO_COLOR`, `TERM=dumb` or a
/// non-terminal stdout turn it off.
pub fn decide_colour(choice: ColorChoice, stdout_is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
            stdout_is_terminal && !no_color && !dumb
        }
    }
}

/// A body for JSON output: `{"text": …}` when it is UTF-8, else `{"base64": …}`.
pub fn body_json(body: &[u8]) -> Value {
    match std::str::from_utf8(body) {
        Ok(text) => json!({ "text": text }),
        Err(_) => json!({ "base64": B64.encode(body) }),
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
        assert_eq!(body_json(&[0xff]), json!({"base64": "/w=="}));
        assert_eq!(body_json(b"{}"), json!({"text": "{}"}));
    }

    #[test]
    fn colour_follows_the_flag_first() {
        assert!(decide_colour(ColorChoice::Always, false));
        assert!(!decide_colour(ColorChoice::Never, true));
        assert!(!decide_colour(ColorChoice::Auto, false));
    }
}
