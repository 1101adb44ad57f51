//! How `probe` shows its cases: rows grouped by category for people, one `probe_case` record each
//! with `--json`, a summary, and JUnit XML for CI dashboards.

use std::fmt;

use colored::Colorize;

use super::records::{
    Millis, ProbeCaseListing, ProbeCaseResult, ProbeSummaryShown, Record, Summary,
};
use super::{human_duration, Output};
use crate::error::sanitize;
use crate::probe::{CaseInfo, CaseResult, Category, Grade, ProbeSummary};

pub fn heading(
    output: &Output,
    provider: &str,
    event: &str,
    url: &url::Url,
) -> std::io::Result<()> {
    output.text(&format_args!(
        "Probing {} with {provider}:{event} deliveries",
        url.as_str().bold()
    ))
}

fn coloured(grade: Grade) -> String {
    let label = format!("{:<7}", grade.label());
    match grade {
        Grade::Pass => label.green().bold().to_string(),
        Grade::Fail => label.red().bold().to_string(),
        Grade::Warn | Grade::Interop => label.yellow().bold().to_string(),
        Grade::Info => label.cyan().to_string(),
        Grade::NotApplicable => label.dimmed().to_string(),
    }
}

/// Shows results as they come, with a heading whenever the category changes.
pub struct Rows {
    output: Output,
    provider: String,
    last: Option<Category>,
}

impl Rows {
    pub fn new(output: &Output, provider: &str) -> Self {
        Rows {
            output: output.clone(),
            provider: provider.to_string(),
            last: None,
        }
    }

    pub fn show(&mut self, result: &CaseResult) -> std::io::Result<()> {
        let category = result.info.category;
        let heading = (self.last != Some(category)).then(|| category.title());
        self.last = Some(category);
        let answer = result.answer.as_ref();
        self.output.emit(&Record::ProbeCase(ProbeCaseResult {
            case: result.info.id,
            grade: result.grade,
            provider: &self.provider,
            category,
            title: result.info.title,
            sent: &result.sent,
            expected: result.expected,
            status: answer.map(|a| a.status),
            elapsed_ms: answer.map(|a| Millis(a.elapsed)),
            excerpt: answer.map(|a| a.excerpt.as_str()),
            why: &result.why,
            advice: result.advice.as_deref(),
            elapsed: answer.map(|a| a.elapsed),
            heading,
        }))
    }
}

/// A row under its category's heading, with why, what was answered and the advice below.
impl fmt::Display for ProbeCaseResult<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(heading) = self.heading {
            writeln!(f, "\n{}", heading.bold())?;
        }
        let answer = match (self.status, self.elapsed) {
            (Some(status), Some(elapsed)) => format!("→ {status} in {}", human_duration(elapsed)),
            _ => String::new(),
        };
        let expected = if self.expected.is_empty() {
            String::new()
        } else {
            format!("expected {}", self.expected)
        };
        write!(
            f,
            "  {} {:<30} {:<28} {answer}",
            coloured(self.grade),
            self.case,
            expected
        )?;
        if !self.why.is_empty() {
            write!(f, "\n          {}", sanitize(self.why).dimmed())?;
        }
        if let Some(advice) = self.advice {
            if let Some(excerpt) = self.excerpt.filter(|e| !e.is_empty()) {
                write!(
                    f,
                    "\n          {} {}",
                    "answered:".dimmed(),
                    sanitize(excerpt)
                )?;
            }
            write!(f, "\n          {} {advice}", "advice:".bold())?;
        }
        Ok(())
    }
}

pub fn summary(output: &Output, summary: &ProbeSummary, strict: bool) -> std::io::Result<()> {
    output.emit(&Record::Summary(Summary::Probe(ProbeSummaryShown {
        pass: summary.pass,
        fail: summary.fail,
        warn: summary.warn,
        interop: summary.interop,
        info: summary.info,
        not_applicable: summary.not_applicable,
        stopped: summary.stopped.as_deref(),
        strict,
    })))
}

impl ProbeSummaryShown<'_> {
    pub(super) fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counted = |n: usize, colour: fn(String) -> String| {
            if n > 0 {
                colour(n.to_string())
            } else {
                "0".into()
            }
        };
        write!(
            f,
            "\n{} PASS, {} FAIL, {} WARN, {} INTEROP, {} INFO, {} N/A",
            self.pass.to_string().green(),
            counted(self.fail, |n| n.red().bold().to_string()),
            counted(self.warn, |n| n.yellow().to_string()),
            counted(self.interop, |n| n.yellow().to_string()),
            self.info,
            self.not_applicable,
        )?;
        if let Some(stopped) = self.stopped {
            write!(f, ". Stopped early: {stopped}")?;
        }
        Ok(())
    }
}

/// `probe --list`: every case, its group and what it checks.
pub fn cases(output: &Output, cases: &[CaseInfo]) -> std::io::Result<()> {
    for case in cases {
        output.emit(&Record::ProbeCaseInfo(ProbeCaseListing {
            case: case.id,
            category: case.category,
            title: case.title,
            category_title: case.category.title(),
        }))?;
    }
    Ok(())
}

impl fmt::Display for ProbeCaseListing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<30} {:<18} {}",
            self.case, self.category_title, self.title
        )
    }
}

/// The results as JUnit XML: a test case each; FAIL and INTEROP (and WARN with `strict`) are
/// failures, N/A is skipped.
pub fn junit(provider: &str, results: &[CaseResult], strict: bool) -> String {
    let failed = |grade: Grade| {
        matches!(grade, Grade::Fail | Grade::Interop) || (strict && grade == Grade::Warn)
    };
    let failures = results.iter().filter(|r| failed(r.grade)).count();
    let skipped = results
        .iter()
        .filter(|r| r.grade == Grade::NotApplicable)
        .count();
    let time: f64 = results
        .iter()
        .filter_map(|r| r.answer.as_ref())
        .map(|a| a.elapsed.as_secs_f64())
        .sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"hookctl probe\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{time:.3}\">\n",
        results.len()
    ));
    xml.push_str(&format!(
        "  <testsuite name=\"probe {}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{time:.3}\">\n",
        escape(provider),
        results.len()
    ));
    for result in results {
        let seconds = result
            .answer
            .as_ref()
            .map_or(0.0, |a| a.elapsed.as_secs_f64());
        xml.push_str(&format!(
            "    <testcase classname=\"probe.{}\" name=\"{}\" time=\"{seconds:.3}\">\n",
            result.info.category.slug(),
            escape(result.info.id)
        ));
        let message = format!("{}: {}", result.grade.label(), result.why);
        if failed(result.grade) {
            let advice = result.advice.as_deref().unwrap_or_default();
            xml.push_str(&format!(
                "      <failure message=\"{}\">{}</failure>\n",
                escape(&message),
                escape(advice)
            ));
        } else if result.grade == Grade::NotApplicable {
            xml.push_str(&format!(
                "      <skipped message=\"{}\"/>\n",
                escape(&result.why)
            ));
        }
        xml.push_str(&format!(
            "      <system-out>{}</system-out>\n",
            escape(&message)
        ));
        xml.push_str("    </testcase>\n");
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

/// Text for XML attributes and elements; characters XML 1.0 cannot hold are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junit_escapes_what_xml_cannot_hold() {
        assert_eq!(
            escape("a<b>&\"c\"'\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;"
        );
    }
}
