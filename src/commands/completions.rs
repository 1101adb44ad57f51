//! `hookctl completions SHELL`: the completion script, generated from the command line definition.
//! The scripts in completions/ are this output, committed, and so are the man pages in docs/man/
//! ([`man_pages`]); a test fails when either goes stale.

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

/// The man pages: `hookctl.1`, and `hookctl-COMMAND.1` for each subcommand, by file name.
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let command = Cli::command();
    let mut pages = Vec::new();
    let mut render = |name: String, command: clap::Command| -> std::io::Result<()> {
        let mut out = Vec::new();
        clap_mangen::Man::new(command)
            .title(name.clone())
            .render(&mut out)?;
        pages.push((format!("{name}.1"), out));
        Ok(())
    };
    render("hookctl".into(), command.clone())?;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("hookctl-{}", sub.get_name());
        // clap takes a command's name as a static string; a page is generated once, for docs/man.
        let named: &'static str = Box::leak(name.clone().into_boxed_str());
        render(
            name,
            sub.clone()
                .name(named)
                .bin_name(format!("hookctl {}", sub.get_name())),
        )?;
    }
    Ok(pages)
}

pub fn run(shell: Shell, output: &crate::output::Output) -> anyhow::Result<u8> {
    output.bytes(&script(shell))?;
    Ok(exit::SUCCESS)
}
