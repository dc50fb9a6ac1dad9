//! One module per CLI verb. Exit codes: 0 ok, 1 model or data problem, 2 usage error.
use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod merge;
mod sim;

/// Entente: structural equation modelling and alliance analytics.
#[derive(Parser)]
#[command(name = "entente", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate alliance dynamics: trust, learning races, power, mismatch resolution.
    Sim(sim::SimArgs),
    /// Merge shard files (`--shard i/N`) into the result of a single run.
    Merge(merge::MergeArgs),
}

/// A usage error found after clap's own parsing (exit code 2).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Prints an error and maps it to an exit code: 2 for usage errors, 1 for everything else.
fn finish(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// Parse the command line, run the verb, map errors to exit codes.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Sim(args) => finish(sim::run(args)),
        Command::Merge(args) => finish(merge::run(args)),
    }
}
