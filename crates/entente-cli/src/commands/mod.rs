//! One module per CLI verb. Exit codes: 0 ok, 1 model or data problem, 2 usage error.
use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod assess;
mod assess_population;
mod examples;
mod fit;

/// Entente: structural equation modelling and alliance analytics.
#[derive(Parser)]
#[command(name = "entente", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fit a structural equation model written in lavaan syntax (ML, lavaan's defaults).
    Fit(fit::FitArgs),
    /// Diagnose one alliance: strategic match, learning race, trust-building.
    Assess(assess::AssessArgs),
    /// Test propositions P1-P6 on a population of alliances (one CSV row per alliance).
    AssessPopulation(assess_population::AssessPopulationArgs),
}

/// A failure with its exit code: 1 for model or data problems, 2 for usage errors.
pub struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl Failure {
    /// A model or data problem (exit code 1).
    pub fn data(error: impl Into<anyhow::Error>) -> Self {
        Failure { code: 1, error: error.into() }
    }
    /// A usage problem (exit code 2).
    pub fn usage(error: impl Into<anyhow::Error>) -> Self {
        Failure { code: 2, error: error.into() }
    }
}

/// Parse the command line, run the verb, map errors to exit codes.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Fit(args) => fit::run(args),
        Command::Assess(args) => return assess::run(args),
        Command::AssessPopulation(args) => return assess_population::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {:#}", f.error);
            ExitCode::from(f.code)
        }
    }
}
