//! How `probe` shows its cases: rows grouped by category for people, one `probe_case` record each
//! with `--json`, a summary, and JUnit XML for CI dashboards.

use colored::Colorize;
use serde_json::json;

use super::{human_duration, millis, Output};
use crate::error::sanitize;
use crate::probe::{CaseInfo, CaseResult, Category, Grade, ProbeSummary};

pub fn heading(
    output: &Output,
    provider: &str,
    event: &str,
    url: &url::Url,
) -> std::io::Result<()> {
    if output.json {
        return Ok(());
    }
    output.line(&format!(
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
        let output = &self.output;
        if output.json {
            let answer = result.answer.as_ref();
            return output.record(
                "probe_case",
                json!({
                    "case": result.info.id,
                    "grade": result.grade,
                    "provider": self.provider,
                    "category": result.info.category,
                    "title": result.info.title,
                    "sent": result.sent,
                    "expected": result.expected,
                    "status": answer.map(|a| a.status),
                    "elapsed_ms": answer.map(|a| millis(a.elapsed)),
                    "excerpt": answer.map(|a| a.excerpt.as_str()),
                    "why": result.why,
                    "advice": result.advice,
                }),
            );
        }
        if self.last != Some(result.info.category) {
            self.last = Some(result.info.category);
            output.line(&format!("\n{}", result.info.category.title().bold()))?;
        }
        let answer = match &result.answer {
            Some(a) => format!("→ {} in {}", a.status, human_duration(a.elapsed)),
            None => String::new(),
        };
        let expected = if result.expected.is_empty() {
            String::new()
        } else {
            format!("expected {}", result.expected)
        };
        output.line(&format!(
            "  {} {:<30} {:<28} {answer}",
            coloured(result.grade),
            result.info.id,
            expected
        ))?;
        if !result.why.is_empty() {
            output.line(&format!("          {}", sanitize(&result.why).dimmed()))?;
        }
        if let Some(advice) = &result.advice {
            if let Some(excerpt) = result
                .answer
                .as_ref()
                .map(|a| &a.excerpt)
                .filter(|e| !e.is_empty())
            {
                output.line(&format!(
                    "          {} {}",
                    "answered:".dimmed(),
                    sanitize(excerpt)
                ))?;
            }
            output.line(&format!("          {} {advice}", "advice:".bold()))?;
        }
        Ok(())
    }
}

pub fn summary(output: &Output, summary: &ProbeSummary, strict: bool) -> std::io::Result<()> {
    if output.json {
        return output.record(
            "summary",
            json!({
                "pass": summary.pass,
                "fail": summary.fail,
                "warn": summary.warn,
                "interop": summary.interop,
                "info": summary.info,
                "not_applicable": summary.not_applicable,
                "stopped": summary.stopped,
                "strict": strict,
            }),
        );
    }
    let mut line = format!(
        "\n{} PASS, {} FAIL, {} WARN, {} INTEROP, {} INFO, {} N/A",
        summary.pass.to_string().green(),
        if summary.fail > 0 {
            summary.fail.to_string().red().bold().to_string()
        } else {
            "0".into()
        },
        if summary.warn > 0 {
            summary.warn.to_string().yellow().to_string()
        } else {
            "0".into()
        },
        if summary.interop > 0 {
            summary.interop.to_string().yellow().to_string()
        } else {
            "0".into()
        },
        summary.info,
        summary.not_applicable,
    );
    if let Some(stopped) = &summary.stopped {
        line.push_str(&format!(". Stopped early: {stopped}"));
    }
    output.line(&line)
}

/// `probe --list`: every case, its group and what it checks.
pub fn cases(output: &Output, cases: &[CaseInfo]) -> std::io::Result<()> {
    for case in cases {
        if output.json {
            output.record(
                "probe_case_info",
                json!({"case": case.id, "category": case.category, "title": case.title}),
            )?;
        } else {
            output.line(&format!(
                "{:<30} {:<18} {}",
                case.id,
                case.category.title(),
                case.title
            ))?;
        }
    }
    Ok(())
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
