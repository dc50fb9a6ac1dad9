//! Missing data for full-information ML (lavaan `missing = "ml"`): rows grouped by their
//! missing-data pattern, and the EM algorithm for the unrestricted (H1) model
//! (lavaan: `lav_data_missing_patterns()`, `lav_mvnorm_missing_h1_estimate_moments()`).
//!
//! - Rows with no observed model variable are dropped (lavaan does the same and says so).
//! - A **pattern** is the set $O_m$ of observed variables shared by $n_m$ rows; it keeps those rows'
//!   observed values (for casewise scores) and their mean and N-divisor covariance (the
//!   sufficient statistics of the pattern's likelihood).
//! - The casewise log-likelihood of a mean vector $\mu$ and covariance $\Sigma$ is
//!   $\log L = \sum_m -\tfrac12\bigl[n_m(|O_m|\log 2\pi + \log|\Sigma_{OO}|) +
//!   \sum_{i\in m}(y_{iO}-\mu_O)^\top\Sigma_{OO}^{-1}(y_{iO}-\mu_O)\bigr]$.
//! - **EM** for the saturated model starts from the available-case means and a diagonal of the
//!   available-case variances. The E-step fills in $E[y_M\mid y_O] = \mu_M + \Sigma_{MO}\Sigma_{OO}^{-1}(y_O-\mu_O)$
//!   and adds the conditional covariance $\Sigma_{MM} - \Sigma_{MO}\Sigma_{OO}^{-1}\Sigma_{OM}$ to the
//!   cross-products; the M-step sets $\mu = T_1/N$, $\Sigma = T_2/N - \mu\mu^\top$. It stops when
//!   no element of $(\mu, \Sigma)$ moves by more than $10^{-5}$, or after 500 iterations, as
//!   lavaan (`em.h1.tol`, `em.h1.iter.max`). Same start, same steps and the same rule reproduce
//!   lavaan's EM moments to rounding; they are not the exact maximum (a few EM steps short of it),
//!   and lavaan's chi-square, SRMR, GFI and FIML-corrected robust indices are computed from
//!   these moments, so stopping where lavaan stops is what makes those numbers agree.

use crate::{DataError, DataFrame, GroupStats};
use sem_linalg::{self as la, Mat};

/// Rows that share one missing-data pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// Indices (into the model's variables) of the observed variables, ascending.
    pub observed: Vec<usize>,
    /// Number of rows.
    pub nobs: usize,
    /// The rows' observed values (`nobs x observed.len()`).
    pub data: Mat,
    /// Mean of the observed values.
    pub mean: Vec<f64>,
    /// N-divisor covariance of the observed values.
    pub cov: Mat,
}

/// The missing-data view of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingGroup {
    /// Group label ("" for a single group).
    pub label: String,
    /// Rows used (at least one observed model variable).
    pub nobs: usize,
    /// Number of model variables.
    pub p: usize,
    /// The patterns, in order of first appearance.
    pub patterns: Vec<Pattern>,
    /// EM estimate of the saturated means.
    pub h1_mean: Vec<f64>,
    /// EM estimate of the saturated covariance matrix.
    pub h1_cov: Mat,
    /// Casewise log-likelihood of the saturated model at the EM estimate.
    pub h1_logl: f64,
    /// EM iterations used.
    pub em_iterations: usize,
    /// Per variable: number of rows where it is observed.
    pub n_observed: Vec<usize>,
}

impl MissingGroup {
    /// Available-case means and N-divisor variances: per variable, the mean and variance of the
    /// rows where it is observed (the FIML estimate of the independence model).
    pub fn available_case_moments(&self) -> (Vec<f64>, Vec<f64>) {
        let p = self.p;
        let (mut s1, mut s2) = (vec![0.0; p], vec![0.0; p]);
        for pat in &self.patterns {
            for r in 0..pat.nobs {
                for (a, &j) in pat.observed.iter().enumerate() {
                    let v = pat.data[(r, a)];
                    s1[j] += v;
                    s2[j] += v * v;
                }
            }
        }
        let mean: Vec<f64> = (0..p).map(|j| s1[j] / self.n_observed[j] as f64).collect();
        let var = (0..p).map(|j| s2[j] / self.n_observed[j] as f64 - mean[j] * mean[j]).collect();
        (mean, var)
    }

    /// lavaan's sample statistics under `missing = "ml"` (`lavInspect(fit, "wls.obs")`, used by
    /// GFI): the available-case means and the pairwise-complete covariance matrix, each element
    /// $s_{ab}$ from the rows where both variables are observed (their own means, divisor
    /// $n_{ab} - 1$, as R's `cov(use = "pairwise")`), rescaled by $(N-1)/N$. An element with fewer
    /// than two such rows is NaN.
    pub fn pairwise_moments(&self) -> (Vec<f64>, Mat) {
        let p = self.p;
        let (mut n, mut s) = (Mat::zeros(p, p), Mat::zeros(p, p));
        for pat in &self.patterns {
            let o = &pat.observed;
            for r in 0..pat.nobs {
                let row = pat.data.row(r);
                for (a, &i) in o.iter().enumerate() {
                    for &j in o {
                        n[(i, j)] += 1.0;
                        s[(i, j)] += row[a];
                    }
                }
            }
        }
        // s[(i, j)] / n[(i, j)]: mean of variable i over the rows where i and j are observed
        let mut cross = Mat::zeros(p, p);
        for pat in &self.patterns {
            let o = &pat.observed;
            for r in 0..pat.nobs {
                let row = pat.data.row(r);
                for (a, &i) in o.iter().enumerate() {
                    for (b, &j) in o.iter().enumerate() {
                        let (mi, mj) = (s[(i, j)] / n[(i, j)], s[(j, i)] / n[(j, i)]);
                        cross[(i, j)] += (row[a] - mi) * (row[b] - mj);
                    }
                }
            }
        }
        let nn = self.nobs as f64;
        for i in 0..p {
            for j in 0..p {
                let k = n[(i, j)];
                cross[(i, j)] = if k >= 2.0 { cross[(i, j)] / (k - 1.0) * (nn - 1.0) / nn } else { f64::NAN };
            }
        }
        (self.available_case_moments().0, cross)
    }
}

/// Sample statistics under missing data.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingStats {
    /// Model variables, in the order of the matrices.
    pub names: Vec<String>,
    /// Per group.
    pub groups: Vec<MissingGroup>,
    /// Rows in the input.
    pub norig: usize,
    /// Rows dropped because every model variable is missing.
    pub all_missing: usize,
    /// Rows dropped because the grouping value is missing.
    pub no_group: usize,
}

impl MissingStats {
    /// Total rows used.
    pub fn ntotal(&self) -> usize {
        self.groups.iter().map(|g| g.nobs).sum()
    }

    /// The EM (H1) moments as [`GroupStats`] (no raw data), for start values and residuals.
    pub fn group_stats(&self) -> Vec<GroupStats> {
        self.groups
            .iter()
            .map(|g| GroupStats {
                label: g.label.clone(),
                nobs: g.nobs,
                cov: g.h1_cov.clone(),
                mean: g.h1_mean.clone(),
                data: None,
            })
            .collect()
    }

    /// Patterns, pattern statistics and EM moments from a data frame: rows whose model variables
    /// are all missing are dropped, as are rows without a group value; a variable never observed
    /// in a group is an error.
    pub fn from_frame(frame: &DataFrame, vars: &[String], group: Option<&str>) -> Result<Self, DataError> {
        let (cols, glabels) = frame.model_columns(vars, group)?;
        let p = vars.len();
        let mut order: Vec<String> = Vec::new();
        let mut rows_of: Vec<Vec<usize>> = Vec::new();
        let (mut all_missing, mut no_group) = (0, 0);
        for i in 0..frame.nrows {
            if cols.iter().all(|c| c[i].is_nan()) {
                all_missing += 1;
                continue;
            }
            let g = match &glabels {
                None => String::new(),
                Some(l) => match &l[i] {
                    Some(g) => g.clone(),
                    None => {
                        no_group += 1;
                        continue;
                    }
                },
            };
            let k = match order.iter().position(|x| *x == g) {
                Some(k) => k,
                None => {
                    order.push(g);
                    rows_of.push(Vec::new());
                    order.len() - 1
                }
            };
            rows_of[k].push(i);
        }
        if order.is_empty() {
            return Err(DataError::Empty {
                source_name: frame.source_name.clone(),
                what: format!(
                    "every row has all {p} model variables missing{}",
                    if no_group > 0 { " or no group value" } else { "" }
                ),
            });
        }
        if let Some(gname) = group {
            if order.len() < 2 {
                return Err(DataError::Group(format!(
                    "The grouping column `{gname}` has {} group among the usable rows; multiple-group analysis needs at least 2.",
                    order.len()
                )));
            }
        }
        let mut groups = Vec::with_capacity(order.len());
        for (label, rows) in order.into_iter().zip(rows_of) {
            let what = if label.is_empty() { "The data".to_string() } else { format!("Group `{label}`") };
            if rows.len() < 2 {
                return Err(DataError::TooFewRows { what, n: rows.len(), p });
            }
            let n_observed: Vec<usize> =
                cols.iter().map(|c| rows.iter().filter(|&&i| !c[i].is_nan()).count()).collect();
            if let Some(j) = n_observed.iter().position(|&k| k == 0) {
                let place = match group {
                    Some(gname) => format!("in every row of group `{label}` (column `{gname}`)"),
                    None => "in every row".to_string(),
                };
                return Err(DataError::Group(format!(
                    "Variable `{}` is missing {place}; its variance and covariances cannot be estimated. Drop the variable{}.",
                    vars[j],
                    if group.is_some() { ", the group, or the grouping" } else { "" }
                )));
            }
            let patterns = patterns_of(&cols, &rows);
            let (h1_mean, h1_cov, em_iterations) =
                em(&patterns, p, &n_observed).ok_or_else(|| DataError::SingularCovariance {
                    group: if label.is_empty() { String::new() } else { format!(" of group `{label}`") },
                    name: vars[0].clone(),
                    zero: " (the EM estimate of the unrestricted model is singular)".into(),
                })?;
            let h1_logl = loglik(&patterns, &h1_mean, &h1_cov).ok_or_else(|| DataError::SingularCovariance {
                group: if label.is_empty() { String::new() } else { format!(" of group `{label}`") },
                name: vars[0].clone(),
                zero: " (the EM estimate of the unrestricted model is singular)".into(),
            })?;
            groups.push(MissingGroup {
                label,
                nobs: rows.len(),
                p,
                patterns,
                h1_mean,
                h1_cov,
                h1_logl,
                em_iterations,
                n_observed,
            });
        }
        Ok(MissingStats { names: vars.to_vec(), groups, norig: frame.nrows, all_missing, no_group })
    }
}

fn patterns_of(cols: &[&[f64]], rows: &[usize]) -> Vec<Pattern> {
    let mut keys: Vec<Vec<usize>> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for &i in rows {
        let obs: Vec<usize> = (0..cols.len()).filter(|&j| !cols[j][i].is_nan()).collect();
        match keys.iter().position(|k| *k == obs) {
            Some(k) => members[k].push(i),
            None => {
                keys.push(obs);
                members.push(vec![i]);
            }
        }
    }
    keys.into_iter()
        .zip(members)
        .map(|(observed, rows)| {
            let mut data = Mat::zeros(rows.len(), observed.len());
            for (r, &i) in rows.iter().enumerate() {
                for (a, &j) in observed.iter().enumerate() {
                    data[(r, a)] = cols[j][i];
                }
            }
            let (mean, cov) = crate::moments(&data);
            Pattern { observed, nobs: rows.len(), data, mean, cov }
        })
        .collect()
}

/// Sub-matrix of `m` on the index set `idx` (rows and columns).
pub fn submatrix(m: &Mat, rows: &[usize], cols: &[usize]) -> Mat {
    let mut out = Mat::zeros(rows.len(), cols.len());
    for (a, &i) in rows.iter().enumerate() {
        for (b, &j) in cols.iter().enumerate() {
            out[(a, b)] = m[(i, j)];
        }
    }
    out
}

/// Casewise log-likelihood of $(\mu, \Sigma)$ over the patterns; `None` when some $\Sigma_{OO}$
/// is not positive definite.
pub fn loglik(patterns: &[Pattern], mu: &[f64], sigma: &Mat) -> Option<f64> {
    let l2pi = (2.0 * std::f64::consts::PI).ln();
    let mut ll = 0.0;
    for pat in patterns {
        let o = &pat.observed;
        let (inv, logdet) = la::spd_inverse(&submatrix(sigma, o, o)).ok()?;
        let n = pat.nobs as f64;
        let d: Vec<f64> = o.iter().zip(&pat.mean).map(|(&j, m)| m - mu[j]).collect();
        let mut tr = 0.0;
        for a in 0..o.len() {
            tr += la::dot(inv.row(a), pat.cov.row(a));
        }
        let quad = la::dot(&d, &inv.mul_vec(&d));
        ll += -0.5 * n * (o.len() as f64 * l2pi + logdet + tr + quad);
    }
    Some(ll)
}

/// EM estimate of the saturated means and covariance matrix; `None` if an E-step meets a
/// singular matrix. Returns the iterations used.
fn em(patterns: &[Pattern], p: usize, n_observed: &[usize]) -> Option<(Vec<f64>, Mat, usize)> {
    // available-case start
    let mut sum = vec![0.0; p];
    let mut sq = vec![0.0; p];
    for pat in patterns {
        for r in 0..pat.nobs {
            for (a, &j) in pat.observed.iter().enumerate() {
                let v = pat.data[(r, a)];
                sum[j] += v;
                sq[j] += v * v;
            }
        }
    }
    let mut mu: Vec<f64> = (0..p).map(|j| sum[j] / n_observed[j] as f64).collect();
    let mut sigma = Mat::zeros(p, p);
    for j in 0..p {
        let v = sq[j] / n_observed[j] as f64 - mu[j] * mu[j];
        sigma[(j, j)] = if v > 0.0 { v } else { 1.0 };
    }
    let n: f64 = patterns.iter().map(|p| p.nobs as f64).sum();
    let complete = patterns.iter().all(|pt| pt.observed.len() == p);
    let max_iter = 500;
    for it in 1..=max_iter {
        let mut t1 = vec![0.0; p];
        let mut t2 = Mat::zeros(p, p);
        let (prec, _) = la::spd_inverse(&sigma).ok()?;
        for pat in patterns {
            e_step(pat, &mu, &prec, &mut t1, &mut t2)?;
        }
        let new_mu: Vec<f64> = t1.iter().map(|v| v / n).collect();
        let mut new_sigma = Mat::zeros(p, p);
        for i in 0..p {
            for j in 0..p {
                new_sigma[(i, j)] = t2[(i, j)] / n - new_mu[i] * new_mu[j];
            }
        }
        let mut delta = 0.0_f64;
        for i in 0..p {
            delta = delta.max((new_mu[i] - mu[i]).abs());
            for j in 0..=i {
                delta = delta.max((new_sigma[(i, j)] - sigma[(i, j)]).abs());
            }
        }
        mu = new_mu;
        sigma = new_sigma;
        if delta < 1e-5 || complete {
            return Some((mu, sigma, it));
        }
    }
    Some((mu, sigma, max_iter))
}

/// Add one pattern's expected sufficient statistics $\sum_i E[y_i]$ and $\sum_i E[y_i y_i^\top]$.
/// With the precision matrix $P = \Sigma^{-1}$, the regression of the missing on the observed
/// values is $\Sigma_{MO}\Sigma_{OO}^{-1} = -P_{MM}^{-1}P_{MO}$ and the conditional covariance is
/// $P_{MM}^{-1}$: only a $|M|\times|M|$ inverse per pattern.
fn e_step(pat: &Pattern, mu: &[f64], prec: &Mat, t1: &mut [f64], t2: &mut Mat) -> Option<()> {
    let p = mu.len();
    let o = &pat.observed;
    let n = pat.nobs as f64;
    // sums of observed values and cross-products
    let s1: Vec<f64> = pat.mean.iter().map(|m| m * n).collect();
    let mut s2 = pat.cov.clone();
    for a in 0..o.len() {
        for b in 0..o.len() {
            s2[(a, b)] = n * (pat.cov[(a, b)] + pat.mean[a] * pat.mean[b]);
        }
    }
    if o.len() == p {
        for a in 0..p {
            t1[o[a]] += s1[a];
            for b in 0..p {
                t2[(o[a], o[b])] += s2[(a, b)];
            }
        }
        return Some(());
    }
    let m: Vec<usize> = (0..p).filter(|j| !o.contains(j)).collect();
    let (c, _) = la::spd_inverse(&submatrix(prec, &m, &m)).ok()?; // conditional covariance
    let mut b = c.matmul(&submatrix(prec, &m, o)); // |M| x |O| regression of missing on observed
    for v in b.data_mut() {
        *v = -*v;
    }
    // intercept a = mu_M - B mu_O
    let mu_o: Vec<f64> = o.iter().map(|&j| mu[j]).collect();
    let bmu = b.mul_vec(&mu_o);
    let a: Vec<f64> = m.iter().zip(&bmu).map(|(&j, v)| mu[j] - v).collect();
    // sum yhat_M = n a + B s1
    let bs1 = b.mul_vec(&s1);
    let sum_m: Vec<f64> = a.iter().zip(&bs1).map(|(ai, v)| n * ai + v).collect();
    // sum yhat_M y_O' = a s1' + B s2
    let bs2 = b.matmul(&s2);
    let mut cross = bs2.clone();
    for i in 0..m.len() {
        for j in 0..o.len() {
            cross[(i, j)] += a[i] * s1[j];
        }
    }
    // sum yhat_M yhat_M' = n a a' + a (B s1)' + (B s1) a' + B s2 B' + n C
    let bs2bt = bs2.matmul_t(&b);
    for a_ in 0..o.len() {
        t1[o[a_]] += s1[a_];
        for b_ in 0..o.len() {
            t2[(o[a_], o[b_])] += s2[(a_, b_)];
        }
    }
    for i in 0..m.len() {
        t1[m[i]] += sum_m[i];
        for j in 0..o.len() {
            t2[(m[i], o[j])] += cross[(i, j)];
            t2[(o[j], m[i])] += cross[(i, j)];
        }
        for j in 0..m.len() {
            t2[(m[i], m[j])] += n * a[i] * a[j] + a[i] * bs1[j] + bs1[i] * a[j] + bs2bt[(i, j)] + n * c[(i, j)];
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(text: &str) -> DataFrame {
        DataFrame::from_csv_str(text, "t.csv").unwrap()
    }

    #[test]
    fn patterns_group_rows_and_drop_all_missing() {
        let f = frame("a,b,c\n1,2,3\nNA,NA,NA\n2,,4\n3,5,1\n4,,2\n,1,\n");
        let vars: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let ms = MissingStats::from_frame(&f, &vars, None).unwrap();
        assert_eq!(ms.all_missing, 1);
        assert_eq!(ms.ntotal(), 5);
        let g = &ms.groups[0];
        assert_eq!(g.patterns.len(), 3);
        assert_eq!(g.patterns[0].observed, vec![0, 1, 2]);
        assert_eq!(g.patterns[0].nobs, 2);
        assert_eq!(g.patterns[1].observed, vec![0, 2]);
        assert_eq!(g.patterns[2].observed, vec![1]);
        assert_eq!(g.n_observed, vec![4, 3, 4]);
    }

    #[test]
    fn em_on_complete_data_gives_sample_moments() {
        let f = frame("a,b\n1,2\n2,1\n3,5\n4,3\n");
        let vars: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        let ms = MissingStats::from_frame(&f, &vars, None).unwrap();
        let g = &ms.groups[0];
        assert!((g.h1_mean[0] - 2.5).abs() < 1e-12 && (g.h1_mean[1] - 2.75).abs() < 1e-12);
        assert!((g.h1_cov[(0, 0)] - 1.25).abs() < 1e-12);
    }

    #[test]
    fn em_maximises_the_casewise_likelihood() {
        let f = frame("a,b,c\n1,2,3\n2,,4\n3,5,1\n4,3,\n5,6,4\n,2,2\n2,2,2\n6,5,3\n1,,1\n3,4,4\n");
        let vars: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let ms = MissingStats::from_frame(&f, &vars, None).unwrap();
        let g = &ms.groups[0];
        let ll = g.h1_logl;
        // any perturbation of the EM estimate lowers the likelihood
        for j in 0..3 {
            for h in [-1e-3, 1e-3] {
                let mut mu = g.h1_mean.clone();
                mu[j] += h;
                assert!(loglik(&g.patterns, &mu, &g.h1_cov).unwrap() < ll);
                let mut s = g.h1_cov.clone();
                s[(j, j)] += h;
                assert!(loglik(&g.patterns, &g.h1_mean, &s).unwrap() < ll);
            }
        }
    }

    #[test]
    fn pairwise_moments_use_the_rows_where_both_are_observed() {
        let f = frame("a,b\n1,2\n2,\n3,5\n,1\n6,2\n");
        let vars: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        let g = &MissingStats::from_frame(&f, &vars, None).unwrap().groups[0];
        let (mean, cov) = g.pairwise_moments();
        // available-case means: a over {1,2,3,6}, b over {2,5,1,2}
        assert!((mean[0] - 3.0).abs() < 1e-12 && (mean[1] - 2.5).abs() < 1e-12);
        // cov(a, b) over the rows (1,2), (3,5), (6,2): means 10/3 and 3, divisor 2
        let want_ab = (7.0 / 3.0 - 2.0 / 3.0 - 8.0 / 3.0) / 2.0;
        let rescale = 4.0 / 5.0;
        assert!((cov[(0, 1)] - want_ab * rescale).abs() < 1e-12, "{}", cov[(0, 1)]);
        assert!((cov[(1, 0)] - cov[(0, 1)]).abs() < 1e-12);
        // var(a) over its four rows with divisor 3
        assert!((cov[(0, 0)] - 14.0 / 3.0 * rescale).abs() < 1e-12, "{}", cov[(0, 0)]);
        let (m2, v2) = g.available_case_moments();
        assert!((m2[1] - 2.5).abs() < 1e-12 && (v2[1] - 2.25).abs() < 1e-12);
    }

    #[test]
    fn every_row_missing_is_an_error() {
        let f = frame("a,b\n,\nNA,NA\n");
        let vars: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        let e = MissingStats::from_frame(&f, &vars, None).unwrap_err();
        assert!(e.to_string().contains("all 2 model variables missing"), "{e}");
    }

    #[test]
    fn variable_never_observed_in_a_group_is_an_error() {
        let f = frame("g,a,b\nx,1,2\nx,2,3\nx,3,1\ny,1,\ny,2,\ny,4,\n");
        let vars: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        let e = MissingStats::from_frame(&f, &vars, Some("g")).unwrap_err();
        assert!(e.to_string().contains("`b` is missing in every row of group `y`"), "{e}");
    }
}
