//! `hookctl verify`: check captured deliveries offline, as of the moment each was received.

use colored::Colorize;
use serde_json::json;

use super::Context;
use crate::capture;
use crate::cli::VerifyArgs;
use crate::error::{exit, sanitize};
use crate::inspect::Inspector;
use crate::output::send_view;

pub fn run(args: VerifyArgs, ctx: &Context) -> anyhow::Result<u8> {
    let output = &ctx.output;
    if let Some(provider) = &args.provider {
        ctx.catalogue.provider(provider)?;
    }
    let tolerance = args.tolerance.as_secs();
    let inspector = Inspector::new(
        ctx.catalogue.clone(),
        args.provider.clone(),
        args.secret.as_deref(),
        &ctx.config,
        tolerance,
    );
    let (items, listing) = capture::collect(&args.paths);
    for warning in &listing.warnings {
        send_view::warning(output, "", warning)?;
    }
    let unreadable = listing.unreadable;
    send_view::skipped(output, &unreadable)?;

    let mut rows = Vec::with_capacity(items.len());
    let broken = unreadable.len();
    for (path, capture) in &items {
        let name = path.name();
        rows.push((name, path, inspector.inspect_capture(capture)));
    }
    let invalid = rows.iter().filter(|(_, _, i)| i.is_invalid()).count();
    if output.json {
        for (_, path, inspection) in &rows {
            output.record(
                "verification",
                json!({
                    "file": path.to_string(),
                    "provider": inspection.provider_name(),
                    "event": inspection.event,
                    "verdict": inspection.stored_verdict(),
                }),
            )?;
        }
        output.record(
            "summary",
            json!({"captures": rows.len(), "invalid": invalid, "unreadable": broken, "valid": rows.iter().filter(|(_, _, i)| i.verdict.as_ref().is_some_and(|v| v.is_valid())).count()}),
        )?;
    } else if !rows.is_empty() {
        let file_width = rows
            .iter()
            .map(|(n, _, _)| n.len())
            .max()
            .unwrap_or(4)
            .max(4);
        let event_width = rows
            .iter()
            .map(|(_, _, i)| i.event.as_deref().unwrap_or("?").len())
            .max()
            .unwrap_or(5)
            .max(5);
        let shown_verdict = |inspection: &crate::inspect::Inspection| {
            let verdict = inspection.stored_verdict();
            match verdict.reason {
                Some(reason) => format!("{} ({reason})", verdict.status),
                None => verdict.status,
            }
        };
        let verdict_width = rows
            .iter()
            .map(|(_, _, i)| shown_verdict(i).len())
            .max()
            .unwrap_or(7)
            .max(7);
        output.line(
            &format!(
                "{:<file_width$}  {:<13}  {:<event_width$}  {:<verdict_width$}  {}",
                "FILE", "PROVIDER", "EVENT", "VERDICT", "DETAIL"
            )
            .bold()
            .to_string(),
        )?;
        for (name, _, inspection) in &rows {
            let shown = format!("{:<verdict_width$}", shown_verdict(inspection));
            let coloured = match inspection.stored_verdict().status.as_str() {
                "valid" => shown.green().to_string(),
                "invalid" => shown.red().bold().to_string(),
                _ => shown.yellow().to_string(),
            };
            output.line(&format!(
                "{name:<file_width$}  {:<13}  {:<event_width$}  {coloured}  {}",
                inspection.provider_name().unwrap_or("?"),
                sanitize(inspection.event.as_deref().unwrap_or("?")),
                inspection.detail().dimmed()
            ))?;
        }
    }
    if !output.json {
        output.note(&format!(
            "Verified {} captures: {} invalid{}",
            rows.len(),
            invalid,
            if broken > 0 {
                format!(", {broken} unreadable")
            } else {
                String::new()
            }
        ));
    }
    Ok(if invalid > 0 {
        exit::VERIFICATION
    } else if broken > 0 {
        exit::RUNTIME
    } else {
        exit::SUCCESS
    })
}
