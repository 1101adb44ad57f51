//! The committed completion scripts are what the current command line generates.

use clap_complete::Shell;
use hookctl::commands::completions::{file_name, script};

use crate::common::repo_path;

#[test]
fn committed_completions_are_current() {
    let update = std::env::var_os("HOOKCTL_UPDATE_COMPLETIONS").is_some();
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell, Shell::Elvish] {
        let path = repo_path("completions").join(file_name(shell));
        let generated = script(shell);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &generated).unwrap();
            continue;
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} is stale: run `HOOKCTL_UPDATE_COMPLETIONS=1 cargo test completions` and commit the result",
            path.display()
        );
    }
}
