use std::process::ExitCode;

use clap::Parser;
use hookctl::cli::Cli;
use hookctl::error::{exit_code, is_broken_pipe, sanitize};

// The listener and sender allocate per request; mimalloc is markedly faster than the system
// allocator under that load (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Parse before anything else, so --help and usage errors cost nothing.
    let cli = Cli::parse();
    // The output is written out before the result comes back (a closed pipe is not an error).
    let result = hookctl::commands::run(cli);
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hookctl: error: {}", sanitize(&format!("{error:#}")));
            ExitCode::from(exit_code(&error))
        }
    }
}
