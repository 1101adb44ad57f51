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
    without_huge_pages();
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

/// No transparent huge pages for this process. Its heaps are tens of megabytes; with huge pages the
/// kernel zeroes 2 MB at each first touch of fresh memory, again after the allocator returns
/// memory and takes it back, and in some replays that zeroing was a fifth of the CPU (`perf`,
/// BENCHMARKS.md). Where the call is refused nothing changes, so its result is not looked at.
/// It comes after the runtime's first allocations, so mimalloc is also built not to ask for huge
/// pages (`no_thp`): it asked for them on its first arena, and on a machine whose kernel gives
/// them only when asked, the first touches of that arena were zeroed 2 MB at a time.
fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}
