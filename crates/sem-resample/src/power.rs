//! Monte Carlo power analysis: simulate from a population model, fit an analysis model, repeat.
use crate::ci::mean_sd_n;
use crate::simulate::{Likert, Population};
use crate::{draw_rng, ResampleError};
use rayon::prelude::*;
use sem::{GroupStats, Mat, Prepared};
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// How the data of each replication are made.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Likert discretisation, if any.
    pub likert: Option<Likert>,
    /// Probability that a value is missing (MCAR); incomplete rows are deleted listwise.
    pub missing: f64,
}

/// One replication at one sample size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rep {
    /// Index of the sample size.
    pub n_index: u32,
    /// 0-based replication index, global across shards.
    pub rep: u32,
    /// Estimates and SEs per reported row, `None` if the fit failed.
    pub fit: Option<RepFit>,
}

/// Estimates of a converged replication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepFit {
    /// Estimates per row of [`Prepared::row_keys`].
    #[serde(with = "crate::nan_serde::vec")]
    pub est: Vec<f64>,
    /// Standard errors per row.
    #[serde(with = "crate::nan_serde::vec")]
    pub se: Vec<f64>,
    /// p-value of the $\chi^2$ test (NaN when df = 0).
    #[serde(with = "crate::nan_serde::num")]
    pub pvalue: f64,
}

/// Column indices of the analysis variables in the population's data.
pub fn columns(pop: &Population, prep: &Prepared) -> Result<Vec<usize>, ResampleError> {
    prep.partable()
        .vnames
        .ov
        .iter()
        .map(|v| pop.names().iter().position(|n| n == v).ok_or_else(|| ResampleError::UnknownVariable(v.clone())))
        .collect()
}

/// The stream of replication `rep` at sample-size index `k`.
fn stream(k: u32, rep: u32) -> u64 {
    (u64::from(k) << 32) | u64::from(rep)
}

/// What every replication shares.
struct Study<'a> {
    pop: &'a Population,
    prep: &'a Prepared,
    cols: Vec<usize>,
    design: &'a Design,
    seed: u64,
    /// Warm start at the analysis model's fit to the population moments (normal data only).
    warm: Option<sem::Warm>,
}

fn one(st: &Study, n: usize, k: u32, rep: u32) -> Rep {
    let Study { pop, prep, cols, design, seed, warm } = st;
    let (seed, prep) = (*seed, *prep);
    let mut rng = draw_rng(seed, stream(k, rep));
    let full = pop.draw(n, design.likert.as_ref(), design.missing, &mut rng);
    let rows: Vec<usize> = (0..n).filter(|i| cols.iter().all(|c| full[(*i, *c)].is_finite())).collect();
    let mut d = Mat::zeros(rows.len(), cols.len());
    for (a, i) in rows.iter().enumerate() {
        for (b, c) in cols.iter().enumerate() {
            d[(a, b)] = full[(*i, *c)];
        }
    }
    let fit = if rows.len() > cols.len() {
        let (mean, cov) = sem_data::moments(&d);
        let g = GroupStats { label: String::new(), nobs: rows.len(), cov, mean, data: None };
        let refit = match warm {
            Some(w) => prep.refit_warm(&[g], w, true),
            None => prep.refit(&[g], None, true),
        };
        refit.ok().and_then(|r| {
            let se = r.se?;
            let df = prep.df();
            let pvalue = if df > 0.0 { sem_fit::dist::pchisq_upper(r.chisq, df) } else { f64::NAN };
            Some(RepFit { est: r.est, se, pvalue })
        })
    } else {
        None
    };
    Rep { n_index: k, rep, fit }
}

/// Every replication of continuous data estimates the same pseudo-true parameters: the analysis
/// model fitted to the population moments. Starting there, with the Hessian there as the
/// quasi-Newton base, shortens each fit (the optimum reached is the same).
fn population_warm_start(pop: &Population, prep: &Prepared, cols: &[usize], ns: &[usize]) -> Option<sem::Warm> {
    let p = cols.len();
    let mut cov = Mat::zeros(p, p);
    for (a, &i) in cols.iter().enumerate() {
        for (b, &j) in cols.iter().enumerate() {
            cov[(a, b)] = pop.sigma()[(i, j)];
        }
    }
    let mean: Vec<f64> = cols.iter().map(|&i| pop.mu()[i]).collect();
    let nobs = ns.iter().copied().max().unwrap_or(500).max(p + 1);
    let g = GroupStats { label: String::new(), nobs, cov, mean, data: None };
    let fit = prep.refit(std::slice::from_ref(&g), None, false).ok()?;
    prep.warm_start(&[g], &fit.x)
}

/// Runs replications `reps` at every sample size in `ns`, in parallel, ordered by replication
/// then sample size.
pub fn run_reps(
    pop: &Population,
    prep: &Prepared,
    ns: &[usize],
    design: &Design,
    seed: u64,
    reps: Range<u32>,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<Rep>, ResampleError> {
    let cols = columns(pop, prep)?;
    let warm = if design.likert.is_none() { population_warm_start(pop, prep, &cols, ns) } else { None };
    let study = Study { pop, prep, cols, design, seed, warm };
    let jobs: Vec<(u32, u32)> = reps.flat_map(|r| (0..ns.len() as u32).map(move |k| (r, k))).collect();
    Ok(jobs
        .into_par_iter()
        .map(|(r, k)| {
            let out = one(&study, ns[k as usize], k, r);
            progress();
            out
        })
        .collect())
}

/// One ordinal replication: the Likert data of the design fitted by WLSMV with every analysis
/// variable ordered; estimates and SEs matched to [`Prepared::row_keys`] by `lhs op rhs` (NaN for
/// rows the ordinal fit does not estimate, such as the computed residual variances), the
/// p-value of the scaled-shifted test.
fn one_ordinal(st: &Study, model: &sem::Sem, n: usize, k: u32, rep: u32) -> Rep {
    let Study { pop, prep, cols, design, seed, .. } = st;
    let mut rng = draw_rng(*seed, stream(k, rep));
    let full = pop.draw(n, design.likert.as_ref(), design.missing, &mut rng);
    let names = prep.partable().vnames.ov.clone();
    let columns = cols.iter().map(|&c| sem_data::Column::Numeric((0..n).map(|i| full[(i, c)]).collect())).collect();
    let frame = sem::DataFrame { names: names.clone(), columns, nrows: n, source_name: "simulated".into() };
    let opts = sem::FitOptions { ordered: names, estimator: sem::Estimator::Wlsmv, ..Default::default() };
    let fit = model.fit(&sem::Data::Frame(&frame), &opts).ok().map(|f| {
        let (est, se) = prep
            .row_keys()
            .iter()
            .map(|key| {
                // rows the ML model estimates but WLSMV computes (residual variances of
                // ordered items, delta) have no standard error: NaN, not a test
                f.parameters
                    .iter()
                    .find(|r| r.lhs == key.0 && r.op == key.1 && r.rhs == key.2 && (r.free || !key.5))
                    .map_or((f64::NAN, f64::NAN), |r| (r.est, r.se))
            })
            .unzip();
        RepFit { est, se, pvalue: f.measure("pvalue.scaled").unwrap_or(f64::NAN) }
    });
    Rep { n_index: k, rep, fit }
}

/// [`run_reps`] for ordinal data: each replication's Likert answers (the design must have
/// cut points) are fitted by WLSMV with every analysis variable ordered (`model` is the
/// analysis model, the same syntax as `prep`).
#[allow(clippy::too_many_arguments)]
pub fn run_reps_ordinal(
    pop: &Population,
    prep: &Prepared,
    model: &sem::Sem,
    ns: &[usize],
    design: &Design,
    seed: u64,
    reps: Range<u32>,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<Rep>, ResampleError> {
    if design.likert.is_none() {
        return Err(ResampleError::Sem(sem::SemError::Unsupported(
            "Ordinal power analysis needs Likert cut points to make ordered answers.".into(),
        )));
    }
    let cols = columns(pop, prep)?;
    let study = Study { pop, prep, cols, design, seed, warm: None };
    let jobs: Vec<(u32, u32)> = reps.flat_map(|r| (0..ns.len() as u32).map(move |k| (r, k))).collect();
    Ok(jobs
        .into_par_iter()
        .map(|(r, k)| {
            let out = one_ordinal(&study, model, ns[k as usize], k, r);
            progress();
            out
        })
        .collect())
}

/// Population values of the analysis model's rows: rows matched by `lhs op rhs` (and group),
/// `:=` rows evaluated at the matched free parameters.
pub fn true_values(pop_src: &str, prep: &Prepared) -> Result<Vec<f64>, ResampleError> {
    let pop = sem::Sem::new(pop_src)?.prepare(1, &sem::FitOptions { random_x: true, ..Default::default() })?;
    let ppt = pop.partable();
    let pt = prep.partable();
    let find = |lhs: &str, op: sem::Op, rhs: &str| -> f64 {
        ppt.rows
            .iter()
            .find(|r| {
                r.op == op
                    && ((r.lhs == lhs && r.rhs == rhs) || (op == sem::Op::Covariance && r.lhs == rhs && r.rhs == lhs))
            })
            .map(|r| r.ustart.unwrap_or(0.0))
            .unwrap_or(0.0)
    };
    let row_vals: Vec<f64> = pt.rows.iter().map(|r| find(&r.lhs, r.op, &r.rhs)).collect();
    let mut x = vec![0.0; pt.nfree];
    for (r, v) in pt.rows.iter().zip(&row_vals) {
        if r.free > 0 {
            x[r.free - 1] = *v;
        }
    }
    let mut out = row_vals;
    out.extend(sem_fit::defined_params(pt, &x, None).iter().map(|d| d.0));
    Ok(out)
}

/// Monte Carlo results of one parameter at one sample size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamPower {
    /// `lhs op rhs`.
    pub name: String,
    /// Population value.
    pub population: f64,
    /// Share of converged replications with $|z| > z_{1-\alpha/2}$.
    pub power: f64,
    /// Mean estimate.
    pub mean_est: f64,
    /// Mean estimate minus the population value.
    pub bias: f64,
    /// Bias over the population value (NaN when it is 0).
    pub rel_bias: f64,
    /// Mean SE over the SD of the estimates.
    pub se_ratio: f64,
    /// Share of 95% Wald intervals that cover the population value.
    pub coverage: f64,
}

/// Monte Carlo results at one sample size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerAtN {
    /// Sample size.
    pub n: usize,
    /// Replications.
    pub reps: usize,
    /// Share of replications that converged.
    pub convergence_rate: f64,
    /// Share of converged replications whose $\chi^2$ test rejects at `alpha`.
    pub chisq_rejection: f64,
    /// Per free or `:=` parameter.
    pub params: Vec<ParamPower>,
}

/// Summarises replications per sample size.
pub fn summarize(prep: &Prepared, truth: &[f64], ns: &[usize], reps: &[Rep], alpha: f64) -> Vec<PowerAtN> {
    let keys = prep.row_keys();
    let zc = sem_fit::dist::qnorm(1.0 - alpha / 2.0);
    let z95 = sem_fit::dist::qnorm(0.975);
    ns.iter()
        .enumerate()
        .map(|(k, n)| {
            let all: Vec<&Rep> = reps.iter().filter(|r| r.n_index as usize == k).collect();
            let ok: Vec<&RepFit> = all.iter().filter_map(|r| r.fit.as_ref()).collect();
            let nok = ok.len() as f64;
            let pv: Vec<f64> = ok.iter().map(|f| f.pvalue).filter(|p| p.is_finite()).collect();
            let chisq_rejection = pv.iter().filter(|p| **p < alpha).count() as f64 / pv.len().max(1) as f64;
            let params = keys
                .iter()
                .enumerate()
                .filter(|(_, key)| key.5 || key.1 == ":=")
                .map(|(j, key)| {
                    let t = truth[j];
                    let est: Vec<f64> = ok.iter().map(|f| f.est[j]).collect();
                    let (mean_est, sd) = mean_sd_n(&est);
                    let sd = sd * (nok / (nok - 1.0)).sqrt();
                    let mean_se = ok.iter().map(|f| f.se[j]).sum::<f64>() / nok;
                    // rows no replication estimates with a standard error (e.g. residual variances of
                    // ordered items under delta) have no test: NaN, not a power of 0
                    let testable = ok.iter().any(|f| f.est[j].is_finite() && f.se[j].is_finite());
                    let (power, coverage) = if testable {
                        (
                            ok.iter().filter(|f| (f.est[j] / f.se[j]).abs() > zc).count() as f64 / nok,
                            ok.iter().filter(|f| (f.est[j] - t).abs() <= z95 * f.se[j]).count() as f64 / nok,
                        )
                    } else {
                        (f64::NAN, f64::NAN)
                    };
                    let bias = mean_est - t;
                    ParamPower {
                        name: format!("{} {} {}", key.0, key.1, key.2),
                        population: t,
                        power,
                        mean_est,
                        bias,
                        rel_bias: if t.abs() > 1e-12 { bias / t } else { f64::NAN },
                        se_ratio: mean_se / sd,
                        coverage,
                    }
                })
                .collect();
            PowerAtN {
                n: *n,
                reps: all.len(),
                convergence_rate: nok / all.len().max(1) as f64,
                chisq_rejection,
                params,
            }
        })
        .collect()
}
