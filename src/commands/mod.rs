//! One file per subcommand, each wiring the steps together; `run` dispatches.

pub mod completions;
pub mod demo;
pub mod fixtures;
pub mod listen;
pub mod pick;
pub mod probe;
pub mod replay;
pub mod send;
pub mod verify;

use crate::catalogue::Catalogue;
use crate::cli::{Cli, Command};
use crate::config::Config;
use crate::error::{exit_code, is_broken_pipe, sanitize};
use crate::output::records::{ErrorShown, Record};
use crate::output::Output;

/// What every command gets: the output decision, the catalogue and the settings.
pub struct Context {
    pub output: Output,
    pub catalogue: Catalogue,
    pub config: Config,
}

/// Run the parsed command line on the terminal; the result is the exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    let output = Output::from_args(&cli.global);
    run_with(cli, &output)
}

/// Run the parsed command line, writing to `output` (a test's buffers, say). With `--json` a
/// failure also ends the output with an `error` record; whatever is buffered is written out.
pub fn run_with(cli: Cli, output: &Output) -> anyhow::Result<u8> {
    let result = dispatch(cli, output.clone());
    if let Err(error) = &result {
        if output.json && !is_broken_pipe(error) {
            let message = sanitize(&format!("{error:#}")).into_owned();
            let record = Record::Error(ErrorShown {
                file: None,
                message: &message,
                exit_code: Some(exit_code(error)),
            });
            // The error itself is what matters; a failure to write it is not news.
            let _ = output.emit(&record);
        }
    }
    match output.flush() {
        Err(error) if result.is_ok() && error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(error.into())
        }
        _ => result,
    }
}

fn dispatch(cli: Cli, output: Output) -> anyhow::Result<u8> {
    if let Command::Completions { shell } = cli.command {
        return completions::run(shell, &output);
    }
    let catalogue = Catalogue::load(cli.global.fixtures.as_deref())?;
    let config = Config::load(cli.global.config.as_deref())?;
    let ctx = Context {
        output,
        catalogue,
        config,
    };
    match cli.command {
        Command::Send(args) => single_thread_runtime()?.block_on(send::run(args, &ctx)),
        // The listener serves on this thread and on one thread per other core (listen::bind).
        Command::Listen(args) => single_thread_runtime()?.block_on(listen::run(args, &ctx)),
        Command::Replay(args) => single_thread_runtime()?.block_on(replay::run(args, &ctx)),
        Command::Verify(args) => verify::run(args, &ctx),
        Command::Probe(args) => single_thread_runtime()?.block_on(probe::run(args, &ctx)),
        Command::Demo(args) => runtime()?.block_on(demo::run(args, &ctx)),
        Command::Fixtures(args) => fixtures::run(args, &ctx),
        Command::Completions { .. } => unreachable!("handled above"),
    }
}

/// The async runtime, built only for commands that do network work.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// The runtime of `send`, `replay` and `probe`, and of the listener's first serving thread: one
/// thread. On it no request, body or outcome crosses threads, and the allocator does not hold
/// memory freed on another thread. Where more threads pay (a long plain `send`, the listener),
/// each further one gets a single-threaded runtime of its own, as this one (`dispatch::run_spread`,
/// `listen::bind`). BENCHMARKS.md has the figures; `bench/run`'s RSS rows keep the memory.
fn single_thread_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}
