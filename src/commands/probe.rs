//! `hookctl probe`: check the arguments, refuse what would prove nothing or reach another
//! machine, run the cases and show each as it is graded.

use std::time::Duration;

use super::Context;
use crate::cli::ProbeArgs;
use crate::config::{resolve_secret, SecretSource};
use crate::error::{exit, UsageError};
use crate::output::probe_view;
use crate::probe::{self, Probe, ProbeConfig};
use crate::target;

pub async fn run(args: ProbeArgs, ctx: &Context) -> anyhow::Result<u8> {
    let output = &ctx.output;
    if args.list {
        probe_view::cases(output, probe::CASES)?;
        return Ok(exit::SUCCESS);
    }
    let known = probe::case_ids();
    for (flag, ids) in [("--only", &args.only), ("--skip", &args.skip)] {
        if let Some(unknown) = ids.iter().find(|id| !known.contains(&id.as_str())) {
            let near = known.iter().copied().max_by(|a, b| {
                strsim::jaro_winkler(unknown, a).total_cmp(&strsim::jaro_winkler(unknown, b))
            });
            let hint = near
                .map(|n| format!("; did you mean {n}?"))
                .unwrap_or_default();
            return Err(UsageError::new(format!(
                "{flag}: no case {unknown:?}{hint} (`hookctl probe --list` names them)"
            ))
            .into());
        }
    }
    let (provider, event) =
        match (&args.event, &args.provider) {
            (Some(event), provider) => ctx.catalogue.resolve(event, provider.as_deref())?,
            (None, Some(name)) => {
                let provider = ctx.catalogue.provider(name)?;
                let event = provider
                    .events
                    .first()
                    .ok_or_else(|| anyhow::anyhow!("{} has no events", provider.name))?;
                (provider, event)
            }
            (None, None) => return Err(UsageError::new(
                "name an event (`hookctl probe stripe:charge.succeeded --to …`) or a --provider",
            )
            .into()),
        };
    let to = args.to.as_deref().unwrap_or_default();
    let url = target::parse(to).map_err(|e| UsageError::new(format!("--to: {e}")))?;
    probe::check_target(&url, args.allow_remote)
        .await
        .map_err(UsageError::new)?;
    let timeout = args.timeout;
    let secret = resolve_secret(provider, args.secret.as_deref(), &ctx.config);
    if let Some(secret) = &secret {
        if secret.source == SecretSource::BuiltIn {
            return Err(UsageError::new(format!(
                "no secret for {}: probing with the built-in test secret proves nothing about your receiver; give its secret with --secret (or {} or the config file), or name the built-in one with --secret if the receiver really uses it",
                provider.name,
                crate::config::secret_env_name(&provider.name)
            ))
            .into());
        }
        crate::config::check_usable(provider, secret)?;
    }
    probe_view::heading(output, &provider.name, &event.name, &url)?;
    let config = ProbeConfig {
        url,
        provider: provider.clone(),
        event: event.clone(),
        secret,
        oracle: args.oracle.clone(),
        timing: args.timing,
        only: args.only.clone(),
        skip: args.skip.clone(),
        timeout: timeout.max(Duration::from_millis(1)),
    };
    let mut rows = probe_view::Rows::new(output, &provider.name);
    // A row that cannot be written (a closed pipe) leaves the rest of the run to finish.
    let (results, summary) = Probe::new(config)
        .run(move |result| rows.show(result).unwrap_or(()))
        .await;
    probe_view::summary(output, &summary, args.strict)?;
    if let Some(file) = &args.junit {
        std::fs::write(
            file,
            probe_view::junit(&provider.name, &results, args.strict),
        )
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", file.display()))?;
        output.note(&format_args!("JUnit report written to {}", file.display()))?;
    }
    Ok(summary.exit_code(args.strict))
}
