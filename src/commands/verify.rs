//! `hookctl verify`: check captured deliveries offline, as of the moment each was received.

use super::Context;
use crate::capture;
use crate::cli::VerifyArgs;
use crate::error::exit;
use crate::inspect::Inspector;
use crate::output::records::{Record, Summary, VerificationResult, VerifySummary};
use crate::output::{send_view, Verbosity};

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

    let broken = unreadable.len();
    let inspections: Vec<_> = items
        .iter()
        .map(|(_, capture)| inspector.inspect_capture(capture))
        .collect();
    let rows: Vec<VerificationResult<'_>> = items
        .iter()
        .zip(&inspections)
        .map(|((path, _), inspection)| {
            VerificationResult::of(path.to_string(), path.name(), inspection)
        })
        .collect();
    let invalid = inspections.iter().filter(|i| i.is_invalid()).count();
    let valid = inspections
        .iter()
        .filter(|i| i.verdict.as_ref().is_some_and(|v| v.is_valid()))
        .count();
    // With --quiet people see only the captures that did not verify, as `send` shows only failures.
    let shown: Vec<VerificationResult<'_>> = if output.verbosity == Verbosity::Quiet && !output.json
    {
        rows.iter()
            .filter(|row| !row.verdict.0.verdict.as_ref().is_some_and(|v| v.is_valid()))
            .cloned()
            .collect()
    } else {
        rows.clone()
    };
    output.emit_table(&shown, |row| Record::Verification(row.clone()))?;
    let summary = VerifySummary {
        captures: rows.len(),
        valid,
        invalid,
        unreadable: broken,
    };
    output.emit(&Record::Summary(Summary::Verify(summary)))?;
    Ok(if invalid > 0 {
        exit::VERIFICATION
    } else if broken > 0 {
        exit::RUNTIME
    } else {
        exit::SUCCESS
    })
}
