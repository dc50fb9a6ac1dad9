//! Nonparametric bootstrap of a fitted model: case resampling within groups (lavaan:
//! `se = "bootstrap"`, `test = "bollen.stine"`, SEM-NOTES §17), of complete cases with ML
//! refits ([`run_draws`]) or of incomplete rows with full-information ML refits
//! ([`run_draws_fiml`], lavaan's `se = "bootstrap"` with `missing = "ml"`).
use crate::ci::{bca_simple, mean_sd_n, percentile};
use crate::{draw_rng, ResampleError};
use rand::Rng;
use rayon::prelude::*;
use sem::{DataFrame, GroupStats, Mat, MissingStats, Prepared, SampleStats};
use sem_data::Column;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// One bootstrap draw: the estimates of every row (parameter-table rows, then `:=`) and the
/// Bollen-Stine statistic, or `None` where the refit failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draw {
    /// 0-based draw index, global across shards.
    pub draw: u32,
    /// Estimates, `None` for a failed or non-converged draw.
    #[serde(with = "crate::nan_serde::opt_vec")]
    pub est: Option<Vec<f64>>,
    /// $\chi^2$ of the refit to the Bollen-Stine transformed data, when asked (and converged).
    pub chisq_bs: Option<f64>,
}

/// The data a bootstrap resamples: raw complete cases per group and, for the Bollen-Stine test,
/// the transformed data.
#[derive(Debug, Clone)]
pub struct BootData {
    groups: Vec<Mat>,
    bollen_stine: Option<Vec<Mat>>,
}

impl BootData {
    /// From sample statistics that kept their raw data; `implied` (per group, $\hat\Sigma$) adds
    /// the Bollen-Stine transformed data $(X - \bar y) S^{-1/2} \hat\Sigma^{1/2} + \bar y$.
    pub fn new(stats: &SampleStats, implied: Option<&[Mat]>) -> Result<BootData, ResampleError> {
        let groups: Vec<Mat> =
            stats.groups.iter().map(|g| g.data.clone().ok_or(ResampleError::NoRawData)).collect::<Result<_, _>>()?;
        let bollen_stine = match implied {
            None => None,
            Some(sig) => {
                let mut out = Vec::with_capacity(groups.len());
                for ((x, g), sigma) in groups.iter().zip(&stats.groups).zip(sig) {
                    let (sinv, _) = sem_linalg::spd_inverse(&g.cov).map_err(|_| {
                        ResampleError::Options("The sample covariance matrix is singular; no Bollen-Stine test.".into())
                    })?;
                    let m = sem_linalg::sym_sqrt(&sinv).matmul(&sem_linalg::sym_sqrt(sigma));
                    let (n, p) = (x.rows(), x.cols());
                    let mut xc = Mat::zeros(n, p);
                    for i in 0..n {
                        for j in 0..p {
                            xc[(i, j)] = x[(i, j)] - g.mean[j];
                        }
                    }
                    let mut t = xc.matmul(&m);
                    for i in 0..n {
                        for j in 0..p {
                            t[(i, j)] += g.mean[j];
                        }
                    }
                    out.push(t);
                }
                Some(out)
            }
        };
        Ok(BootData { groups, bollen_stine })
    }
}

/// One group's data centred at its mean and stored by column, for weighted cross-products.
struct Centred {
    n: usize,
    mean: Vec<f64>,
    /// `p x n`: column `j` of the centred data in row `j`.
    xt: Mat,
}

impl Centred {
    fn new(x: &Mat) -> Centred {
        let (n, p) = (x.rows(), x.cols());
        let (mean, _) = sem_data::moments(x);
        let mut xt = Mat::zeros(p, n);
        for i in 0..n {
            for (j, v) in x.row(i).iter().enumerate() {
                xt[(j, i)] = v - mean[j];
            }
        }
        Centred { n, mean, xt }
    }

    /// Moments of the resample that takes row `i` `counts[i]` times: with $c_i = x_i - \bar x$,
    /// $\bar x^* = \bar x + \frac1n\sum_i w_i c_i$ and
    /// $S^* = \frac1n\sum_i w_i c_i c_i^\top - (\bar x^* - \bar x)(\bar x^* - \bar x)^\top$, summed over the
    /// rows drawn at least once (about 63% of them).
    fn moments(&self, counts: &[u32]) -> GroupStats {
        let p = self.xt.rows();
        let drawn: Vec<usize> = (0..self.n).filter(|&i| counts[i] > 0).collect();
        let u = drawn.len();
        let nf = self.n as f64;
        // Z = [sqrt(w_i) c_i] over the rows drawn: Z Z' = sum_i w_i c_i c_i' = n (S* + dm dm').
        let root: Vec<f64> = drawn.iter().map(|&i| f64::from(counts[i]).sqrt()).collect();
        let w: Vec<f64> = counts.iter().map(|&c| f64::from(c)).collect();
        let mut z = Mat::zeros(p, u);
        let mut dm = Vec::with_capacity(p);
        for j in 0..p {
            let col = self.xt.row(j);
            dm.push(sem_linalg::dot(&w, col) / nf);
            for ((zt, &i), r) in z.row_mut(j).iter_mut().zip(&drawn).zip(&root) {
                *zt = r * col[i];
            }
        }
        let mut cov = Mat::zeros(p, p);
        for j in 0..p {
            for k in 0..=j {
                let v = sem_linalg::dot(z.row(j), z.row(k)) / nf - dm[j] * dm[k];
                cov[(j, k)] = v;
                cov[(k, j)] = v;
            }
        }
        let mean = self.mean.iter().zip(&dm).map(|(m, d)| m + d).collect();
        GroupStats { label: String::new(), nobs: self.n, cov, mean, data: None }
    }
}

fn resample(data: &[Centred], counts: &[Vec<u32>]) -> Vec<GroupStats> {
    data.iter().zip(counts).map(|(c, w)| c.moments(w)).collect()
}

/// Runs draws `range` of a bootstrap with `seed` in parallel, in draw order, refitting from
/// `start` (the original estimates). `progress` is called once per finished draw.
pub fn run_draws(
    prep: &Prepared,
    data: &BootData,
    start: &[f64],
    seed: u64,
    range: Range<u32>,
    progress: &(dyn Fn() + Sync),
) -> Vec<Draw> {
    // Every draw starts from the original estimates with the observed Hessian there as its
    // quasi-Newton base (computed once): a bootstrap sample is close to the original one.
    let original: Vec<GroupStats> = data
        .groups
        .iter()
        .map(|x| {
            let (mean, cov) = sem_data::moments(x);
            GroupStats { label: String::new(), nobs: x.rows(), cov, mean, data: None }
        })
        .collect();
    let warm = prep.warm_start(&original, start);
    let centred: Vec<Centred> = data.groups.iter().map(Centred::new).collect();
    let centred_bs: Option<Vec<Centred>> = data.bollen_stine.as_ref().map(|b| b.iter().map(Centred::new).collect());
    range
        .into_par_iter()
        .map(|draw| {
            let mut rng = draw_rng(seed, u64::from(draw));
            // The draw as a multiset: how often each row is taken (same random stream as drawing
            // the row indices one by one).
            let idx: Vec<Vec<u32>> = data
                .groups
                .iter()
                .map(|x| {
                    let n = x.rows();
                    let mut counts = vec![0_u32; n];
                    for _ in 0..n {
                        counts[rng.random_range(0..n)] += 1;
                    }
                    counts
                })
                .collect();
            let stats = resample(&centred, &idx);
            let refit = |stats: &[GroupStats]| match &warm {
                Some(w) => prep.refit_warm(stats, w, false),
                None => prep.refit(stats, Some(start), false),
            };
            let est = refit(&stats).ok().map(|r| r.est);
            let chisq_bs = centred_bs.as_ref().and_then(|bs| {
                let stats = resample(bs, &idx);
                refit(&stats).ok().map(|r| r.chisq)
            });
            progress();
            Draw { draw, est, chisq_bs }
        })
        .collect()
}

/// The data of a full-information ML bootstrap: the usable rows of each group (the model
/// variables, `NaN` where missing), resampled whole, incomplete rows included. Usable rows are
/// those [`MissingStats::from_frame`] keeps: at least one model variable observed and, with
/// groups, a group value.
#[derive(Debug, Clone)]
pub struct FimlBootData {
    vars: Vec<String>,
    group: Option<String>,
    /// Per group (in order of first appearance, as [`MissingStats::from_frame`]): its label and
    /// its rows.
    groups: Vec<(String, Vec<Vec<f64>>)>,
}

impl FimlBootData {
    /// The usable rows of `frame` for the model variables `vars`, split by the column `group`.
    pub fn new(frame: &DataFrame, vars: &[String], group: Option<&str>) -> Result<FimlBootData, ResampleError> {
        // The same checks (and errors) as the fit of the original data.
        MissingStats::from_frame(frame, vars, group).map_err(sem::SemError::from)?;
        let (cols, labels) = frame.model_columns(vars, group).map_err(sem::SemError::from)?;
        let mut groups: Vec<(String, Vec<Vec<f64>>)> = Vec::new();
        for i in 0..frame.nrows {
            if cols.iter().all(|c| c[i].is_nan()) {
                continue;
            }
            let label = match &labels {
                None => String::new(),
                Some(l) => match &l[i] {
                    Some(g) => g.clone(),
                    None => continue,
                },
            };
            let row: Vec<f64> = cols.iter().map(|c| c[i]).collect();
            match groups.iter_mut().find(|(l, _)| *l == label) {
                Some((_, rows)) => rows.push(row),
                None => groups.push((label, vec![row])),
            }
        }
        Ok(FimlBootData { vars: vars.to_vec(), group: group.map(str::to_string), groups })
    }

    /// The resample that takes row `i` of group `g` `counts[g][i]` times, as missing-data
    /// patterns (with the EM moments of the unrestricted model, as for the original data).
    fn patterns(&self, counts: &[Vec<u32>]) -> Result<MissingStats, sem::SemError> {
        let n: usize = counts.iter().flatten().map(|&c| c as usize).sum();
        let mut columns: Vec<Vec<f64>> = vec![Vec::with_capacity(n); self.vars.len()];
        let mut labels: Vec<Option<String>> = Vec::with_capacity(n);
        for ((label, rows), w) in self.groups.iter().zip(counts) {
            for (row, &c) in rows.iter().zip(w) {
                for _ in 0..c {
                    for (col, v) in columns.iter_mut().zip(row) {
                        col.push(*v);
                    }
                    labels.push(Some(label.clone()));
                }
            }
        }
        let mut names = self.vars.clone();
        let mut cols: Vec<Column> = columns.into_iter().map(Column::Numeric).collect();
        if let Some(g) = &self.group {
            names.push(g.clone());
            cols.push(Column::Text { cells: labels, first_bad_line: 0 });
        }
        let frame = DataFrame { names, columns: cols, nrows: n, source_name: "bootstrap sample".into() };
        Ok(MissingStats::from_frame(&frame, &self.vars, self.group.as_deref())?)
    }
}

/// [`run_draws`] for full-information ML (`missing = "ml"`): each draw resamples the usable rows
/// of each group (complete or not) with replacement, keeping the group sizes, and refits by FIML
/// from `start` (the original estimates) with a model prepared for `missing = ml`. A draw
/// whose resample cannot be analysed (e.g. a variable never observed in it) or whose refit does
/// not converge is a failed draw. The random streams are those of [`run_draws`]: with the same
/// seed, a complete data set gets the same resamples.
pub fn run_draws_fiml(
    prep: &Prepared,
    data: &FimlBootData,
    start: &[f64],
    seed: u64,
    range: Range<u32>,
    progress: &(dyn Fn() + Sync),
) -> Vec<Draw> {
    range
        .into_par_iter()
        .map(|draw| {
            let mut rng = draw_rng(seed, u64::from(draw));
            let counts: Vec<Vec<u32>> = data
                .groups
                .iter()
                .map(|(_, rows)| {
                    let n = rows.len();
                    let mut counts = vec![0_u32; n];
                    for _ in 0..n {
                        counts[rng.random_range(0..n)] += 1;
                    }
                    counts
                })
                .collect();
            let est = data.patterns(&counts).ok().and_then(|ms| prep.refit_fiml(&ms, start).ok()).map(|r| r.est);
            progress();
            Draw { draw, est, chisq_bs: None }
        })
        .collect()
}

/// Bootstrap results per row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Draws asked for.
    pub draws: usize,
    /// Draws that converged (used).
    pub successful: usize,
    /// Bootstrap SE (divisor B) per row; 0 for rows that do not vary.
    pub se: Vec<f64>,
    /// Percentile (`norm.inter`) interval per row.
    pub perc: Vec<(f64, f64)>,
    /// `bca.simple` interval per row.
    pub bca_simple: Vec<(f64, f64)>,
    /// Bollen-Stine p-value $\#\{T^* > T\}/B$, when run.
    pub bollen_stine_pvalue: Option<f64>,
    /// Successful Bollen-Stine draws.
    pub bollen_stine_successful: usize,
}

/// Summarises draws given the original estimates `est0` and test statistic `chisq0`.
pub fn summarize(est0: &[f64], chisq0: f64, draws: &[Draw], level: f64) -> Summary {
    let ok: Vec<&Vec<f64>> = draws.iter().filter_map(|d| d.est.as_ref()).filter(|e| e.len() == est0.len()).collect();
    let mut se = Vec::with_capacity(est0.len());
    let mut perc = Vec::with_capacity(est0.len());
    let mut bca = Vec::with_capacity(est0.len());
    for (j, e0) in est0.iter().enumerate() {
        let mut t: Vec<f64> = ok.iter().map(|e| e[j]).filter(|v| v.is_finite()).collect();
        if t.is_empty() {
            se.push(f64::NAN);
            perc.push((f64::NAN, f64::NAN));
            bca.push((f64::NAN, f64::NAN));
            continue;
        }
        t.sort_by(f64::total_cmp);
        se.push(mean_sd_n(&t).1);
        perc.push(percentile(&t, level));
        bca.push(bca_simple(&t, *e0, level));
    }
    let bs: Vec<f64> = draws.iter().filter_map(|d| d.chisq_bs).collect();
    let any_bs = draws.iter().any(|d| d.chisq_bs.is_some());
    let bollen_stine_pvalue =
        any_bs.then(|| bs.iter().filter(|t| **t > chisq0).count() as f64 / bs.len().max(1) as f64);
    Summary {
        draws: draws.len(),
        successful: ok.len(),
        se,
        perc,
        bca_simple: bca,
        bollen_stine_pvalue,
        bollen_stine_successful: bs.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_draws_are_excluded_and_se_uses_divisor_b() {
        let draws = vec![
            Draw { draw: 0, est: Some(vec![1.0]), chisq_bs: Some(5.0) },
            Draw { draw: 1, est: None, chisq_bs: None },
            Draw { draw: 2, est: Some(vec![3.0]), chisq_bs: Some(1.0) },
        ];
        let s = summarize(&[2.0], 2.0, &draws, 0.95);
        assert_eq!((s.draws, s.successful), (3, 2));
        assert!((s.se[0] - 1.0).abs() < 1e-12);
        assert!((s.bollen_stine_pvalue.unwrap() - 0.5).abs() < 1e-12);
    }
}
