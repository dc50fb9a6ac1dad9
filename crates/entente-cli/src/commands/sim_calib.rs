//! `entente sim calibrate|validate`: fit the behavioural game to the alliance experiment and
//! check the fit on held-out sessions (library: `alliance-calib`).
use super::UsageError;
use alliance_calib::data::parse_sessions;
use alliance_calib::estimate::NAMES;
use alliance_calib::{estimate, CalibError, EstimateOptions, Experiment, Fitted, Validation};
use anyhow::{Context, Result};
use clap::Args;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct CalibrateArgs {
    /// The experiment's choices, GAdata.csv (plain or .gz).
    #[arg(long)]
    data: PathBuf,
    /// Sessions to fit, e.g. `1-4,6,7,13,14`.
    #[arg(long)]
    train_sessions: String,
    /// Seed of the jittered starting points.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Starting points of the optimiser (the default one plus jittered ones).
    #[arg(long, default_value_t = 2)]
    starts: u32,
    /// Fit the extended model: also estimate the experience carried between alliances, the
    /// persistence of a subject's type, the exit cost's shift of the free-rider share and the
    /// three-partner exit-cost taste (held at 0 otherwise; see docs/calibration.md).
    #[arg(long)]
    extended: bool,
    /// Hold parameters fixed, e.g. `inertia=0,free_rider_share=0` (nested models).
    #[arg(long, value_name = "NAME=VALUE,...")]
    fix: Option<String>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Fitted-parameter file to write (TOML; default: stdout).
    #[arg(long, short)]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct ValidateArgs {
    /// The experiment's choices, GAdata.csv (plain or .gz).
    #[arg(long)]
    data: PathBuf,
    /// Held-out sessions, e.g. `5,8-12,15,16`.
    #[arg(long)]
    test_sessions: String,
    /// Fitted-parameter file written by `entente sim calibrate`.
    #[arg(long)]
    params: PathBuf,
    /// Replications of the held-out alliances.
    #[arg(long, default_value_t = 500)]
    reps: u32,
    /// Seed (default: the seed in the parameter file, else 1).
    #[arg(long)]
    seed: Option<u64>,
    /// Draw the parameters of every replication from their estimated (robust) sampling
    /// distribution, so the bands also hold the estimation uncertainty.
    #[arg(long)]
    parameter_uncertainty: bool,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Output directory for validation.md, cells.csv, by_period.csv and the SVG plots.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

fn threads(n: Option<usize>) -> Result<()> {
    if let Some(n) = n {
        if n == 0 {
            return Err(UsageError("`--threads` must be at least 1.".into()).into());
        }
        rayon::ThreadPoolBuilder::new().num_threads(n).build_global().context("Could not start the worker threads.")?;
    }
    Ok(())
}

/// Reads the data and selects sessions; a malformed list is a usage error.
fn load(data: &Path, spec: &str, flag: &str) -> Result<Experiment> {
    if let Err(e @ CalibError::SessionSpec { .. }) = parse_sessions(spec) {
        return Err(UsageError(format!("`{flag}`: {e}")).into());
    }
    let e = Experiment::read(data)?;
    e.select(spec)?;
    Ok(e)
}

/// Parses `--fix NAME=VALUE,...`; unknown names and malformed values are usage errors.
fn parse_fix(spec: &str) -> Result<Vec<(String, f64)>> {
    let mut out = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some((name, value)) = item.split_once('=') else {
            return Err(UsageError(format!("`--fix`: `{item}` is not of the form NAME=VALUE.")).into());
        };
        let name = name.trim();
        if !NAMES.contains(&name) {
            return Err(UsageError(format!(
                "`--fix`: `{name}` is not a parameter of the game; expected one of {}.",
                NAMES.join(", ")
            ))
            .into());
        }
        let value: f64 = value.trim().parse().ok().filter(|v: &f64| v.is_finite()).ok_or_else(|| {
            UsageError(format!("`--fix`: the value of `{name}` must be a finite number, not `{}`.", value.trim()))
        })?;
        out.push((name.to_string(), value));
    }
    Ok(out)
}

pub fn calibrate(a: CalibrateArgs) -> Result<()> {
    threads(a.threads)?;
    if a.starts == 0 {
        return Err(UsageError("`--starts` must be at least 1.".into()).into());
    }
    let fixed = parse_fix(a.fix.as_deref().unwrap_or(""))?;
    let clock = Instant::now();
    let e = load(&a.data, &a.train_sessions, "--train-sessions")?;
    let train = e.select(&a.train_sessions)?;
    let sample: Vec<_> = train.iter().filter_map(|al| Some((*al, e.payoffs.get(&al.treatment)?))).collect();
    let options = EstimateOptions { seed: a.seed, starts: a.starts, fixed, extended: a.extended, ..Default::default() };
    let est = estimate(&sample, &options)?;
    let fitted = Fitted::from_estimate(&est, &a.train_sessions, a.seed);
    let text = fitted.to_toml()?;
    match &a.out {
        Some(p) => std::fs::write(p, &text).with_context(|| format!("Could not write `{}`.", p.display()))?,
        None => print!("{text}"),
    }
    let v = alliance_calib::estimate::natural(&est.theta);
    eprintln!(
        "Fitted {} choices of {} alliances in {:.1} s: log-likelihood {:.1} (per-treatment shares: {:.1}), {} iterations{}.",
        est.choices,
        est.alliances,
        clock.elapsed().as_secs_f64(),
        est.loglik,
        est.loglik_null,
        est.iterations,
        if est.converged { "" } else { ", NOT converged" }
    );
    eprintln!("{:<32} {:>10} {:>10} {:>10}", "parameter", "estimate", "se", "robust se");
    let mut table = String::new();
    for (i, name) in NAMES.iter().enumerate() {
        if est.free[i] {
            let _ = writeln!(table, "{name:<32} {:>10.4} {:>10.4} {:>10.4}", v[i], est.se[i], est.se_robust[i]);
        } else {
            let _ = writeln!(table, "{name:<32} {:>10.4} {:>21}", v[i], "fixed");
        }
    }
    eprint!("{table}");
    eprintln!(
        "{:<32} {:>10.4} {:>10.4} {:>10.4}",
        "lambda_minus/lambda_plus", est.ratio, est.ratio_se, est.ratio_se_robust
    );
    Ok(())
}

pub fn validate(a: ValidateArgs) -> Result<()> {
    threads(a.threads)?;
    if a.reps == 0 {
        return Err(UsageError("`--reps` must be at least 1.".into()).into());
    }
    let text =
        std::fs::read_to_string(&a.params).with_context(|| format!("Could not read `{}`.", a.params.display()))?;
    let fitted = Fitted::from_toml(&text).with_context(|| format!("In `{}`", a.params.display()))?;
    let e = load(&a.data, &a.test_sessions, "--test-sessions")?;
    let test = e.select(&a.test_sessions)?;
    let seed = a.seed.or(fitted.fit.as_ref().map(|f| f.seed)).unwrap_or(1);
    let draws = if a.parameter_uncertainty {
        Some(fitted.draws().with_context(|| format!("`--parameter-uncertainty` with `{}`", a.params.display()))?)
    } else {
        None
    };
    let v = Validation::run_with(&fitted.params(), draws.as_ref(), &e.payoffs, &test, a.reps, seed);
    let md = v.markdown();
    print!("{md}");
    if let Some(dir) = &a.out {
        std::fs::create_dir_all(dir).with_context(|| format!("Could not create `{}`.", dir.display()))?;
        let mut files =
            vec![("validation.md", md.clone()), ("cells.csv", v.cells_csv()), ("by_period.csv", v.periods_csv())];
        files.extend(v.plots());
        for (name, body) in files {
            let p = dir.join(name);
            std::fs::write(&p, body).with_context(|| format!("Could not write `{}`.", p.display()))?;
        }
        eprintln!("Wrote the table, CSV files and plots to `{}`.", dir.display());
    }
    Ok(())
}
