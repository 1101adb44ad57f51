//! How `verify` and `demo` show what they checked: a table of captures and their verdicts, the
//! demo's table per provider, and their summaries.

use std::fmt;

use colored::Colorize;

use super::records::{DemoSummary, VerdictOf, VerificationResult, VerifySummary};
use super::table::{self, Row};
use crate::error::sanitize;
use crate::inspect::Inspection;

impl VerificationResult<'_> {
    pub fn of<'a>(
        file: String,
        name: String,
        inspection: &'a Inspection,
    ) -> VerificationResult<'a> {
        VerificationResult {
            file,
            provider: inspection.provider_name(),
            event: inspection.event.as_deref(),
            verdict: VerdictOf(inspection),
            name,
        }
    }
}

impl Row for VerificationResult<'_> {
    const HEADER: &'static [&'static str] = &["FILE", "PROVIDER", "EVENT", "VERDICT", "DETAIL"];

    fn cells(&self) -> Vec<String> {
        let verdict = self.verdict.0.stored_verdict();
        let shown = match &verdict.reason {
            Some(reason) => format!("{} ({reason})", verdict.status),
            None => verdict.status.clone(),
        };
        let coloured = match verdict.status.as_str() {
            "valid" => shown.green().to_string(),
            "invalid" => shown.red().bold().to_string(),
            _ => shown.yellow().to_string(),
        };
        vec![
            self.name.clone(),
            self.provider.unwrap_or("?").to_string(),
            sanitize(self.event.unwrap_or("?")).into_owned(),
            coloured,
            verdict.detail.dimmed().to_string(),
        ]
    }
}

impl fmt::Display for VerificationResult<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.cells().join("  "))
    }
}

impl VerifySummary {
    /// A note under the table; nothing with `--quiet`.
    pub(super) fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if super::Verbosity::of(f) == super::Verbosity::Quiet {
            return Ok(());
        }
        write!(
            f,
            "Verified {} captures: {} invalid",
            self.captures, self.invalid
        )?;
        if self.unreadable > 0 {
            write!(f, ", {} unreadable", self.unreadable)?;
        }
        Ok(())
    }
}

impl DemoSummary {
    /// The table per provider, then one line saying whether everything verified three times.
    pub(super) fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = self.providers.iter().map(|(name, row)| {
            // A count against the deliveries sent: green when all of them, red otherwise.
            let cell = |n: u64| {
                let text = format!("{n}/{}", row.sent);
                if n == row.sent {
                    text.green().to_string()
                } else {
                    text.red().bold().to_string()
                }
            };
            vec![
                name.clone(),
                row.sent.to_string(),
                cell(row.verified),
                cell(row.replayed),
                cell(row.reverified),
            ]
        });
        let header = ["PROVIDER", "SENT", "VERIFIED", "REPLAYED", "RE-VERIFIED"];
        writeln!(f, "\n{}\n", table::render(&header, rows))?;
        if self.passed {
            write!(
                f,
                "{} all {} deliveries were verified live, after capture, and again when replayed.",
                "✔".green().bold(),
                self.deliveries
            )
        } else {
            write!(
                f,
                "{} some deliveries did not verify: see above.",
                "✘".red().bold()
            )
        }
    }
}
