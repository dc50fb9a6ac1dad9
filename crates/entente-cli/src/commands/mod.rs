//! One module per CLI verb. Exit codes: 0 ok, 1 model or data problem, 2 usage error.
use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod assess;
mod assess_population;
mod bootstrap;
mod compare;
mod examples;
mod fit;
mod invariance;
mod merge;
mod power;
mod serve;
mod sim;
mod sim_calib;
mod simulate_data;
mod slurm;
mod study;

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
    /// Measurement invariance across groups: configural -> metric -> scalar -> strict.
    Invariance(invariance::InvarianceArgs),
    /// Likelihood-ratio test of nested models with AIC and BIC (lavaan's lavTestLRT).
    Compare(compare::CompareArgs),
    /// Diagnose one alliance: strategic match, learning race, trust-building.
    Assess(assess::AssessArgs),
    /// Test propositions P1-P6 on a population of alliances (one CSV row per alliance).
    AssessPopulation(assess_population::AssessPopulationArgs),
    /// Simulate alliance dynamics: trust, learning races, power, mismatch resolution.
    Sim(sim::SimArgs),
    /// Merge shard files (`--shard i/N`) into the result of a single run.
    Merge(merge::MergeArgs),
    /// Monte Carlo power: simulate from a population model, fit an analysis model, repeat.
    Power(power::PowerArgs),
    /// Write a CSV drawn from a fully specified population model (lavaan's simulateData).
    SimulateData(simulate_data::SimulateDataArgs),
    /// Run `power`, `sim run`, `sim sweep` or `fit --se bootstrap` as a Slurm job array.
    Slurm(slurm::SlurmArgs),
    /// The trust-learning study: init, simulate, run, power, distance.
    Study(study::StudyArgs),
    /// The alliance workspace web app: partners answer waves and share a dashboard.
    Serve(serve::ServeArgs),
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
        Command::Invariance(args) => invariance::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Assess(args) => return assess::run(args),
        Command::AssessPopulation(args) => return assess_population::run(args),
        Command::Sim(args) => return finish(sim::run(args)),
        Command::Merge(args) => return finish(merge::run(args)),
        Command::Power(args) => return finish(power::run(args)),
        Command::SimulateData(args) => return finish(simulate_data::run(args)),
        Command::Slurm(args) => return finish(slurm::run(args)),
        Command::Study(args) => return finish(study::run(args)),
        Command::Serve(args) => return finish(serve::run(args)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {:#}", f.error);
            ExitCode::from(f.code)
        }
    }
}

/// Writes `text` to standard output. A closed pipe (`entente fit ... | head`) ends the output quietly
/// instead of panicking as `print!` would; any other write error is a data failure.
pub fn emit(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::data(anyhow::anyhow!("cannot write to standard output: {e}"))),
    }
}
