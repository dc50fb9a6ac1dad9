//! `entente simulate-data`: a CSV drawn from a fully specified population model.
use super::UsageError;
use anyhow::{Context, Result};
use clap::Args;
use sem_resample::{draw_rng, simulate, Likert, Population};
use std::io::Write;
use std::path::PathBuf;

/// The `simulate-data` verb.
#[derive(Args)]
pub struct SimulateDataArgs {
    /// Population model in lavaan syntax with every parameter fixed (e.g. `f =~ 0.7*x1`).
    #[arg(long, value_name = "POP.lav")]
    population: PathBuf,
    /// Number of rows.
    #[arg(long, value_name = "N")]
    n: usize,
    /// Seed of the random stream.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Cut points of a Likert discretisation, comma separated and increasing (e.g. -1,0,1 gives 4 categories).
    #[arg(long, value_name = "T1,T2,...", value_delimiter = ',')]
    likert: Vec<f64>,
    /// Probability that a value is missing (completely at random), written as NA.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    missing: f64,
    /// Output file (default: stdout).
    #[arg(long, short)]
    out: Option<PathBuf>,
}

/// Checks the Likert and missingness options shared with `power`.
pub(super) fn design(likert: &[f64], missing: f64) -> Result<(Option<Likert>, f64)> {
    if !(0.0..1.0).contains(&missing) {
        return Err(UsageError(format!("`--missing {missing}`: give a probability in [0, 1).")).into());
    }
    if likert.windows(2).any(|w| w[0] >= w[1]) {
        return Err(UsageError("`--likert`: the cut points must increase.".into()).into());
    }
    Ok(((!likert.is_empty()).then(|| Likert { thresholds: likert.to_vec() }), missing))
}

/// Runs the verb.
pub fn run(a: SimulateDataArgs) -> Result<()> {
    if a.n == 0 {
        return Err(UsageError("`--n 0`: ask for at least one row.".into()).into());
    }
    let (likert, missing) = design(&a.likert, a.missing)?;
    let src = std::fs::read_to_string(&a.population)
        .with_context(|| format!("Could not read `{}`.", a.population.display()))?;
    let pop = Population::new(&src).with_context(|| format!("In `{}`", a.population.display()))?;
    let data = pop.draw(a.n, likert.as_ref(), missing, &mut draw_rng(a.seed, 0));
    let csv = simulate::to_csv(pop.names(), &data);
    match &a.out {
        Some(p) => std::fs::write(p, csv).with_context(|| format!("Could not write `{}`.", p.display()))?,
        None => std::io::stdout().lock().write_all(csv.as_bytes())?,
    }
    Ok(())
}
