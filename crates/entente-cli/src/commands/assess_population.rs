//! `entente assess-population`: test propositions P1-P6 on many alliances.

use super::assess::print_data;
use alliance_core::population::data::write_population;
use alliance_core::population::simulate::{simulate_population, Planted};
use alliance_core::population::{read_population, results_text, test_propositions};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Output format.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// Plain-text table.
    Text,
    /// JSON with every fit.
    Json,
}

/// Effects planted in a simulated population.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PlantedEffects {
    /// The signs the propositions predict.
    Theory,
    /// No effects.
    Null,
    /// Every sign reversed.
    Reversed,
}

/// Arguments of `entente assess-population`.
#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  entente assess-population --simulate 500 --seed 1 > alliances.csv\n  entente assess-population alliances.csv\n  entente assess-population alliances.csv --format json"
)]
pub struct AssessPopulationArgs {
    /// CSV with one row per alliance (see docs/assess.md for the columns).
    #[arg(value_name = "ALLIANCES_CSV", required_unless_present = "simulate")]
    file: Option<PathBuf>,
    /// Significance level of the verdicts.
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Instead of testing, write a simulated population of N alliances as CSV.
    #[arg(long, value_name = "N", conflicts_with = "file")]
    simulate: Option<usize>,
    /// Seed of the simulation.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Effects planted in the simulation.
    #[arg(long, value_enum, default_value = "theory")]
    planted: PlantedEffects,
}

/// Run `entente assess-population`.
pub fn run(args: AssessPopulationArgs) -> ExitCode {
    if let Some(n) = args.simulate {
        let planted = match args.planted {
            PlantedEffects::Theory => Planted::theory(),
            PlantedEffects::Null => Planted::null(),
            PlantedEffects::Reversed => Planted::reversed(),
        };
        return print_data(&write_population(&simulate_population(n, args.seed, &planted)));
    }
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        eprintln!("error: `--alpha` must lie strictly between 0 and 1.");
        return ExitCode::from(2);
    }
    let Some(path) = args.file else {
        eprintln!("error: Give a CSV of alliances or `--simulate N`.");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: Cannot read `{}`: {e}.", path.display());
            return ExitCode::from(2);
        }
    };
    let result = read_population(&path.display().to_string(), &text)
        .and_then(|data| test_propositions(&data, args.alpha).map(|r| (data.len(), r)));
    let (n, results) = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    match args.format {
        Format::Text => print_data(&results_text(&results, n, args.alpha)),
        Format::Json => match serde_json::to_string_pretty(&results) {
            Ok(s) => print_data(&(s + "\n")),
            Err(e) => {
                eprintln!("error: {e}.");
                ExitCode::from(1)
            }
        },
    }
}
