//! `hookctl completions SHELL`: the completion script, generated from the command line definition.
//! The scripts in completions/ are this output, committed; a test fails when they go stale.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::error::exit;

/// The completion script for one shell.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "hookctl", &mut out);
    out
}

/// Where the committed script for a shell lives, relative to the repository root.
pub fn file_name(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "hookctl.bash",
        Shell::Zsh => "_hookctl",
        Shell::Fish => "hookctl.fish",
        Shell::PowerShell => "_hookctl.ps1",
        Shell::Elvish => "hookctl.elv",
        _ => "hookctl.completion",
    }
}

pub fn run(shell: Shell) -> anyhow::Result<u8> {
    use std::io::Write;
    std::io::stdout().lock().write_all(&script(shell))?;
    Ok(exit::SUCCESS)
}
