//! Exit codes, and the errors that carry them.
//!
//! Expected failures are typed and carry their code; anything else is a runtime error (1) with the
//! context gathered on the way up.

/// Exit codes, as documented in the README.
pub mod exit {
    pub const SUCCESS: u8 = 0;
    /// Network, I/O, a bad fixture or file.
    pub const RUNTIME: u8 = 1;
    /// The command line or a setting is wrong.
    pub const USAGE: u8 = 2;
    /// A signature failed verification.
    pub const VERIFICATION: u8 = 3;
    /// A target answered with a status that was not expected (for probe: a genuine delivery was
    /// rejected).
    pub const UNEXPECTED_STATUS: u8 = 4;
    /// probe: the receiver accepted a forgery or a replay, or leaked a signature or its secret.
    pub const PROBE_FAILED: u8 = 5;
    /// Stopped by Ctrl-C.
    pub const INTERRUPTED: u8 = 130;
}

/// A mistake in how hookctl was called: reported with exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

impl UsageError {
    pub fn new(message: impl Into<String>) -> Self {
        UsageError(message.into())
    }
}

/// The exit code an error should end the process with.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    let is_usage = |cause: &(dyn std::error::Error + 'static)| {
        cause.is::<UsageError>() || cause.is::<crate::catalogue::ResolveError>()
    };
    if error.chain().any(is_usage) {
        exit::USAGE
    } else {
        exit::RUNTIME
    }
}

/// Whether the error is a closed stdout (`hookctl fixtures | head`), which is not worth reporting.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Remove control characters from text that may have come from a remote peer before it reaches
/// a terminal.
pub fn sanitize(text: &str) -> std::borrow::Cow<'_, str> {
    let shown_raw = |c: char| !c.is_control() || c == '\n' || c == '\t';
    if text.chars().all(shown_raw) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| {
            if shown_raw(c) {
                c
            } else {
                char::REPLACEMENT_CHARACTER
            }
        })
        .collect()
}

/// An error and its causes on one line, each cause once (many errors repeat their source's text).
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
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
