//! `entente study power DIR --n 100,200,300`: Monte Carlo power of each proposition's test.
//! Data are simulated from the study's population ([`crate::model::population`]) with its
//! Likert cut points, the full-mediation model is fitted (ML, listwise), and the power of a
//! path is the share of converged replications whose Wald test rejects at `alpha`
//! (`sem_resample::power`).

use crate::config::StudyConfig;
use crate::error::StudyError;
use crate::model;
use alliance_core::constructs;
use serde::Serialize;

/// Power of one proposition path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathPower {
    /// Proposition.
    pub proposition: String,
    /// Predictor.
    pub from: String,
    /// Outcome.
    pub to: String,
    /// Population value of the (unstandardised) path in the analysis model's metric.
    pub population: f64,
    /// `(n, power)` per sample size.
    pub power: Vec<(usize, f64)>,
    /// Smallest listed sample size with power of at least `target`.
    pub n_needed: Option<usize>,
}

/// Power table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PowerReport {
    /// Replications per sample size.
    pub reps: u32,
    /// Target power.
    pub target: f64,
    /// Convergence rate per sample size.
    pub convergence: Vec<(usize, f64)>,
    /// Per proposition path.
    pub paths: Vec<PathPower>,
}

/// Run the power study.
pub fn power(cfg: &StudyConfig, ns: &[usize], reps: u32, seed: u64, target: f64) -> Result<PowerReport, StudyError> {
    if ns.is_empty() || ns.iter().any(|n| *n < 10) {
        return Err(StudyError::Config("give sample sizes of at least 10 (`--n 100,200,300`)".into()));
    }
    if reps == 0 {
        return Err(StudyError::Config("ask for at least one replication".into()));
    }
    let pop_src = model::population(cfg)?;
    let pop = sem_resample::Population::new(&pop_src)?;
    let meas: Vec<model::Measured> = model::full_measurement(cfg)
        .into_iter()
        .filter(|m| constructs::MODEL_CONSTRUCTS.contains(&m.id.as_str()))
        .collect();
    let models = model::study_models(cfg, &meas)?;
    let sem = sem::Sem::new(&models.full).map_err(|e| StudyError::sem("full_mediation", e))?;
    let prep = sem.prepare(1, &sem::FitOptions::default()).map_err(|e| StudyError::sem("full_mediation", e))?;
    let design = sem_resample::power::Design {
        likert: Some(sem_resample::Likert { thresholds: cfg.population.thresholds.clone() }),
        missing: 0.0,
    };
    let truth = sem_resample::power::true_values(&pop_src, &prep)?;
    let reps_out = sem_resample::power::run_reps(&pop, &prep, ns, &design, seed, 0..reps, &|| {})?;
    let summary = sem_resample::power::summarize(&prep, &truth, ns, &reps_out, cfg.analysis.alpha);
    let mut paths = Vec::new();
    for path in constructs::proposition_paths() {
        let name = format!("{} ~ {}", path.to, path.from);
        let mut pw = Vec::new();
        let mut popv = f64::NAN;
        for at in &summary {
            if let Some(p) = at.params.iter().find(|p| p.name.replace('`', "") == name) {
                pw.push((at.n, p.power));
                popv = p.population;
            }
        }
        if pw.is_empty() {
            continue;
        }
        let n_needed = pw.iter().find(|(_, p)| *p >= target).map(|(n, _)| *n);
        paths.push(PathPower {
            proposition: path.proposition.into(),
            from: path.from.into(),
            to: path.to.into(),
            population: popv,
            power: pw,
            n_needed,
        });
    }
    Ok(PowerReport { reps, target, convergence: summary.iter().map(|s| (s.n, s.convergence_rate)).collect(), paths })
}

/// The power table as text.
pub fn to_text(r: &PowerReport) -> String {
    let ns: Vec<usize> = r.convergence.iter().map(|c| c.0).collect();
    let mut s = format!("Power of each proposition's test ({} replications per n, target {:.2})\n\n", r.reps, r.target);
    s.push_str(&format!("{:<5}{:<12}{:>10}", "prop", "path", "pop."));
    for n in &ns {
        s.push_str(&format!("{:>9}", format!("n={n}")));
    }
    s.push_str("   n needed\n");
    for p in &r.paths {
        s.push_str(&format!("{:<5}{:<12}{:>10.3}", p.proposition, format!("{} -> {}", p.from, p.to), p.population));
        for (_, v) in &p.power {
            s.push_str(&format!("{v:>9.2}"));
        }
        s.push_str(&format!(
            "   {}\n",
            p.n_needed.map(|n| n.to_string()).unwrap_or_else(|| format!("> {}", ns.last().copied().unwrap_or(0)))
        ));
    }
    s.push_str("\nconvergence:");
    for (n, c) in &r.convergence {
        s.push_str(&format!(" n={n}: {:.0}%", c * 100.0));
    }
    s.push('\n');
    s
}
