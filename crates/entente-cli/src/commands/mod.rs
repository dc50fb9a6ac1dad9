//! One module per CLI verb. Exit codes: 0 ok, 1 model or data problem, 2 usage error.
use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod assess;
mod assess_population;

/// Entente: structural equation modelling and alliance analytics.
#[derive(Parser)]
#[command(name = "entente", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Diagnose one alliance: strategic match, learning race, trust-building.
    Assess(assess::AssessArgs),
    /// Test propositions P1-P6 on a population of alliances (one CSV row per alliance).
    AssessPopulation(assess_population::AssessPopulationArgs),
}

/// Parse the command line, run the verb, map errors to exit codes.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Assess(args) => assess::run(args),
        Command::AssessPopulation(args) => assess_population::run(args),
    }
}
