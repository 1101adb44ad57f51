//! The committed completion scripts are what the current command line generates.

use clap_complete::Shell;
use hookctl::commands::completions::{file_name, man_pages, script};

use crate::common::repo_path;

#[test]
fn committed_completions_are_current() {
    let update = std::env::var_os("HOOKCTL_UPDATE_COMPLETIONS").is_some();
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::PowerShell,
        Shell::Elvish,
    ] {
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

#[test]
fn committed_man_pages_are_current() {
    let update = std::env::var_os("HOOKCTL_UPDATE_COMPLETIONS").is_some();
    let dir = repo_path("docs/man");
    let pages = man_pages().unwrap();
    assert!(
        pages.iter().any(|(name, _)| name == "hookctl-probe.1"),
        "a page per subcommand"
    );
    for (name, generated) in &pages {
        let path = dir.join(name);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, generated).unwrap();
            continue;
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == *generated,
            "{} is stale: run `HOOKCTL_UPDATE_COMPLETIONS=1 cargo test completions` and commit the result",
            path.display()
        );
    }
    if !update {
        let mut committed: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        committed.sort();
        let mut expected: Vec<String> = pages.iter().map(|(name, _)| name.clone()).collect();
        expected.sort();
        assert_eq!(
            committed, expected,
            "docs/man holds exactly the generated pages"
        );
    }
}
