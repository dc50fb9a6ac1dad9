//! MLR: robust (Huber-White sandwich) standard errors and the Yuan-Bentler (Mplus) scaled test,
//! as lavaan computes them for `estimator = "MLR"` with complete data (SEM-NOTES §11).
//!
//! - $H$: the observed unit information, the 4-point numerical derivative of the analytic
//!   gradient of $f_{min}$ ($h = 10^{-6}$), symmetrised.
//! - Casewise scores in parameter space, at the model-implied moments
//!   ($d_i = y_i - \hat\mu$, $w_i = \hat\Sigma^{-1} d_i$):
//!   $s_{ij} = \partial\mu/\partial\theta_j^\top w_i + \tfrac12\bigl(w_i^\top
//!   \partial\Sigma/\partial\theta_j\, w_i - \operatorname{tr}(\hat\Sigma^{-1}\partial\Sigma/\partial\theta_j)\bigr)$;
//!   without a mean structure $\hat\mu = \bar y$.
//! - $B_0 = \frac1N\sum_i s_i s_i^\top$; with the constraint basis $K$, $M = K(K^\top HK)^{-1}K^\top$
//!   and $\mathrm{vcov} = M B_0 M / N$.
//! - Scaling factor $c = \bigl[\sum_g \operatorname{tr}(A_{1g}^{-1}B_{1g}) - \operatorname{tr}(M B_0)\bigr]/df$,
//!   where for the saturated model $\operatorname{tr}(A_1^{-1}B_1)$ is the mean over cases of
//!   $\tfrac12(a_i^2 - 2a_i + p)$ (+ $a_i$ with means), $a_i = (y_i-\bar y)^\top S^{-1}(y_i-\bar y)$.
//! - The baseline (independence) model's factor uses the same formula with its diagonal
//!   $\hat\Sigma = \operatorname{diag}(S)$: $\operatorname{tr}(E^{-1}B_0) = \sum_j \overline{\tfrac12(d_{ij}^2/s_{jj} - 1)^2}$
//!   (+ 1 per mean).

use sem_estimate::Problem;
use sem_linalg::Mat;
use sem_model::GroupState;

/// The robust pieces of an MLR fit.
pub struct Robust {
    /// Sandwich covariance matrix of the estimates.
    pub vcov: Mat,
    /// $\operatorname{tr}(M B_0)$.
    pub tr_model: f64,
    /// $\sum_g \operatorname{tr}(A_{1g}^{-1} B_{1g})$.
    pub tr_h1: f64,
    /// The baseline model's $\operatorname{tr}(E^{-1}B_0)$.
    pub tr_baseline: f64,
}

fn observed_information(problem: &Problem, x: &[f64], states: &mut [GroupState]) -> Option<Mat> {
    let q = x.len();
    let h = 1e-6;
    let mut hess = Mat::zeros(q, q);
    let mut xs = x.to_vec();
    let grad_at = |xs: &[f64], states: &mut [GroupState]| -> Option<Vec<f64>> {
        problem.fmin(xs, states)?;
        Some(problem.gradient(states))
    };
    for j in 0..q {
        let mut g = [vec![], vec![], vec![], vec![]];
        for (k, step) in [-2.0, -1.0, 1.0, 2.0].iter().enumerate() {
            xs[j] = x[j] + step * h;
            g[k] = grad_at(&xs, states)?;
        }
        xs[j] = x[j];
        for i in 0..q {
            hess[(i, j)] = (g[0][i] - 8.0 * g[1][i] + 8.0 * g[2][i] - g[3][i]) / (12.0 * h);
        }
    }
    problem.fmin(x, states)?;
    for i in 0..q {
        for j in 0..i {
            let v = 0.5 * (hess[(i, j)] + hess[(j, i)]);
            hess[(i, j)] = v;
            hess[(j, i)] = v;
        }
    }
    Some(hess)
}

/// The non-zeros $(a, b, \partial\Sigma_{ab}/\partial\theta_j)$ of each parameter's
/// $\partial\Sigma/\partial\theta_j$ (a loading touches one row and column only).
pub(crate) fn sparse_jacobian(jac: &[(Mat, Vec<f64>)], p: usize) -> Vec<Vec<(usize, usize, f64)>> {
    jac.iter()
        .map(|(ds, _)| {
            let mut v = Vec::new();
            for a in 0..p {
                for b in 0..p {
                    if ds[(a, b)] != 0.0 {
                        v.push((a, b, ds[(a, b)]));
                    }
                }
            }
            v
        })
        .collect()
}

/// Compute the sandwich and the traces. `data[g]` holds the complete cases of group `g`;
/// `k` is the constraint basis of the estimate (if any). `None` when the observed information
/// is singular.
///
/// `x_idx` lists fixed exogenous covariates (fixed.x): lavaan drops their means and covariances
/// from the saturated model's information before inverting, and the baseline's trace runs over
/// the other variables only.
pub fn robust(
    problem: &Problem,
    x: &[f64],
    k: Option<&Mat>,
    data: &[&Mat],
    meanstructure: bool,
    x_idx: &[usize],
    states: &mut [GroupState],
) -> Option<Robust> {
    let q = x.len();
    let hess = observed_information(problem, x, states)?;
    let m = match k {
        None => sem_linalg::spd_inverse(&hess).ok()?.0,
        Some(km) => {
            let inner = sem_linalg::spd_inverse(&km.t_matmul(&hess.matmul(km))).ok()?.0;
            km.matmul(&inner).matmul_t(km)
        }
    };
    let ntotal: f64 = data.iter().map(|d| d.rows() as f64).sum();
    let mut b0 = Mat::zeros(q, q);
    let (mut tr_h1, mut tr_baseline) = (0.0, 0.0);
    for (g, y) in data.iter().enumerate() {
        let st = &states[g];
        let (n, p) = (y.rows(), y.cols());
        let jac = problem.model.jacobian(g, st);
        let ybar: Vec<f64> = (0..p).map(|j| (0..n).map(|i| y[(i, j)]).sum::<f64>() / n as f64).collect();
        let mu: &[f64] = if meanstructure { &st.mu } else { &ybar };
        let tr_sd: Vec<f64> = jac
            .iter()
            .map(|(ds, _)| (0..p).map(|a| (0..p).map(|b| st.sigma_inv[(a, b)] * ds[(b, a)]).sum::<f64>()).sum())
            .collect();
        let nz = sparse_jacobian(&jac, p);
        let mut s_cov = Mat::zeros(p, p);
        for i in 0..n {
            for a in 0..p {
                for b in 0..p {
                    s_cov[(a, b)] += (y[(i, a)] - ybar[a]) * (y[(i, b)] - ybar[b]) / n as f64;
                }
            }
        }
        let s_inv = sem_linalg::spd_inverse(&s_cov).ok()?.0;
        let mut score = vec![0.0; q];
        let mut w = vec![0.0; p];
        let mut d = vec![0.0; p];
        for i in 0..n {
            for a in 0..p {
                d[a] = y[(i, a)] - mu[a];
            }
            for a in 0..p {
                w[a] = (0..p).map(|b| st.sigma_inv[(a, b)] * d[b]).sum();
            }
            for (j, (_, dm)) in jac.iter().enumerate() {
                let quad: f64 = nz[j].iter().map(|&(a, b, v)| v * w[a] * w[b]).sum();
                let mean_part: f64 = if meanstructure { (0..p).map(|a| dm[a] * w[a]).sum() } else { 0.0 };
                score[j] = mean_part + 0.5 * (quad - tr_sd[j]);
            }
            for a in 0..q {
                let sa = score[a] / ntotal;
                for b in 0..=a {
                    b0[(a, b)] += sa * score[b];
                }
            }
            // saturated and baseline models at the sample moments
            let e: Vec<f64> = (0..p).map(|a| y[(i, a)] - ybar[a]).collect();
            let mut ai = 0.0;
            for a in 0..p {
                let row: f64 = (0..p).map(|b| s_inv[(a, b)] * e[b]).sum();
                ai += e[a] * row;
            }
            if x_idx.is_empty() {
                tr_h1 += (0.5 * (ai * ai - 2.0 * ai + p as f64) + if meanstructure { ai } else { 0.0 }) / n as f64;
            }
            for a in (0..p).filter(|a| !x_idx.contains(a)) {
                let r = e[a] * e[a] / s_cov[(a, a)] - 1.0;
                tr_baseline += 0.5 * r * r / n as f64;
            }
        }
        if meanstructure {
            tr_baseline += (p - x_idx.len()) as f64;
        }
        if !x_idx.is_empty() {
            tr_h1 += trace_h1_reduced(y, &ybar, &s_inv, meanstructure, x_idx)?;
        }
    }
    for a in 0..q {
        for b in 0..a {
            b0[(b, a)] = b0[(a, b)];
        }
    }
    let mb = m.matmul(&b0);
    let tr_model: f64 = (0..q).map(|i| mb[(i, i)]).sum();
    let vcov = mb.matmul(&m);
    let mut vcov = vcov;
    for i in 0..q {
        for j in 0..q {
            vcov[(i, j)] /= ntotal;
        }
    }
    Some(Robust { vcov, tr_model, tr_h1, tr_baseline })
}

/// $\operatorname{tr}(A_1^{-1}B_1)$ of the saturated model at the sample moments over the
/// coordinates that remain when the means and covariances among the fixed covariates `x_idx`
/// are dropped: $A_1$ = blockdiag($S^{-1}$, $\tfrac12\operatorname{tr}(S^{-1}\delta_1S^{-1}\delta_2)$),
/// $B_1$ the mean cross-product of the casewise scores $(w_i, \tfrac12(w_iw_i^\top - S^{-1}))$,
/// $w_i = S^{-1}(y_i - \bar y)$.
fn trace_h1_reduced(y: &Mat, ybar: &[f64], s_inv: &Mat, meanstructure: bool, x_idx: &[usize]) -> Option<f64> {
    let (n, p) = (y.rows(), y.cols());
    let is_x = |a: usize| x_idx.contains(&a);
    let means: Vec<usize> = if meanstructure { (0..p).filter(|&a| !is_x(a)).collect() } else { Vec::new() };
    let covs: Vec<(usize, usize)> =
        (0..p).flat_map(|a| (0..=a).map(move |b| (a, b))).filter(|&(a, b)| !(is_x(a) && is_x(b))).collect();
    let dim = means.len() + covs.len();
    let mut a1 = Mat::zeros(dim, dim);
    for (i, &a) in means.iter().enumerate() {
        for (j, &b) in means.iter().enumerate() {
            a1[(i, j)] = s_inv[(a, b)];
        }
    }
    let m0 = means.len();
    for (i, &ab) in covs.iter().enumerate() {
        for (j, &cd) in covs.iter().enumerate() {
            a1[(m0 + i, m0 + j)] = crate::fiml_corrected::half_trace_pair(s_inv, ab, cd);
        }
    }
    let mut b1 = Mat::zeros(dim, dim);
    let mut sc = vec![0.0; dim];
    for r in 0..n {
        let e: Vec<f64> = (0..p).map(|a| y[(r, a)] - ybar[a]).collect();
        let w = s_inv.mul_vec(&e);
        for (i, &a) in means.iter().enumerate() {
            sc[i] = w[a];
        }
        for (i, &(a, b)) in covs.iter().enumerate() {
            let g = 0.5 * (w[a] * w[b] - s_inv[(a, b)]);
            sc[m0 + i] = if a == b { g } else { 2.0 * g };
        }
        for i in 0..dim {
            let si = sc[i] / n as f64;
            sem_linalg::axpy(si, &sc, b1.row_mut(i));
        }
    }
    let (inv, _) = sem_linalg::spd_inverse(&a1).ok()?;
    Some((0..dim).map(|i| sem_linalg::dot(inv.row(i), b1.row(i))).sum())
}

/// The MLR fit measures from the standard ones: chisq.scaled and friends, scaled and robust
/// CFI, TLI and RMSEA with their confidence intervals and close-fit p-values (SEM-NOTES §11.3-11.5).
pub fn scaled_measures(fm: &[(String, f64)], r: &Robust, ngroups: f64) -> Vec<(String, f64)> {
    let get = |k: &str| fm.iter().find(|(n, _)| n == k).map(|(_, v)| *v).unwrap_or(f64::NAN);
    let (x2, df, x2b, dfb, n) = (get("chisq"), get("df"), get("baseline.chisq"), get("baseline.df"), get("ntotal"));
    let c = if df > 0.0 { (r.tr_h1 - r.tr_model) / df } else { f64::NAN };
    let cb = (r.tr_h1 - r.tr_baseline) / dfb;
    let c = if c < 0.0 { f64::NAN } else { c };
    let (t, tb) = (x2 / c, x2b / cb);
    let pv = |t: f64, df: f64| sem_fit::dist::pchisq_upper(t, df);
    let cfi = |t: f64, df: f64, tb: f64, dfb: f64| {
        let num = (t - df).max(0.0);
        let den = (t - df).max(tb - dfb).max(0.0);
        if den > 0.0 {
            1.0 - num / den
        } else {
            1.0
        }
    };
    let tli = |t: f64, df: f64, tb: f64, dfb: f64| 1.0 - ((t - df) * dfb) / ((tb - dfb) * df);
    let g = ngroups;
    let (lo_s, hi_s) = sem_fit::rmsea_ci(x2, c * df, n, g);
    let nc = sem_fit::dist::pchisq_nc;
    let mut out: Vec<(String, f64)> = vec![
        ("chisq.scaled".into(), t),
        ("df.scaled".into(), df),
        ("pvalue.scaled".into(), pv(t, df)),
        ("chisq.scaling.factor".into(), c),
        ("baseline.chisq.scaled".into(), tb),
        ("baseline.df.scaled".into(), dfb),
        ("baseline.pvalue.scaled".into(), pv(tb, dfb)),
        ("baseline.chisq.scaling.factor".into(), cb),
        ("cfi.scaled".into(), cfi(t, df, tb, dfb)),
        ("tli.scaled".into(), tli(t, df, tb, dfb)),
        ("rmsea.scaled".into(), ((x2 / (n * c * df) - 1.0 / n).max(0.0)).sqrt() * g.sqrt()),
        ("rmsea.ci.lower.scaled".into(), lo_s),
        ("rmsea.ci.upper.scaled".into(), hi_s),
        ("rmsea.pvalue.scaled".into(), 1.0 - nc(x2, c * df, n * c * df * 0.05 * 0.05 / g)),
        ("rmsea.notclose.pvalue.scaled".into(), nc(x2, c * df, n * c * df * 0.08 * 0.08 / g)),
    ];
    out.extend(robust_measures((x2, c), (x2b, cb), (df, dfb), n, g));
    out
}

/// lavaan's robust CFI, TLI (= NNFI), RNI and RMSEA with its interval and close-fit p-values from
/// a statistic and its scaling factor `(x2, c)`, the baseline's `(x2b, cb)`, the degrees of
/// freedom `(df, dfb)`, $N$ and the number of groups (Brosseau-Liard & Savalei; SEM-NOTES §11.5):
/// CFI $= 1 - \max(x_2 - c\,df, 0)/\max(x_2 - c\,df, x_{2b} - c_b df_b, 0)$, RMSEA
/// $= \sqrt{G\max(x_2/(N df) - c/N, 0)}$, the interval and p-values from $x_2/c$ on $df$.
/// Complete-data MLR passes the standard $\chi^2$ and the Yuan-Bentler factors; FIML passes
/// the corrected $T_3$ and $\hat c$ (lavaan's `lav_fit_fiml_corrected`).
pub fn robust_measures(
    (x2, c): (f64, f64),
    (x2b, cb): (f64, f64),
    (df, dfb): (f64, f64),
    n: f64,
    g: f64,
) -> Vec<(String, f64)> {
    let t1 = (x2 - c * df).max(0.0);
    let t2 = (x2 - c * df).max(x2b - cb * dfb).max(0.0);
    let cfi = if t2 > 0.0 { 1.0 - t1 / t2 } else { 1.0 };
    let tli = 1.0 - ((x2 - c * df) * dfb) / ((x2b - cb * dfb) * df);
    let (lo_r, hi_r) = sem_fit::rmsea_ci(x2 / c, df, n, g);
    let nc = sem_fit::dist::pchisq_nc;
    vec![
        ("cfi.robust".into(), cfi),
        ("tli.robust".into(), tli),
        ("nnfi.robust".into(), tli),
        ("rni.robust".into(), 1.0 - (x2 - c * df) / (x2b - cb * dfb)),
        ("rmsea.robust".into(), ((x2 - c * df) / (n * df)).max(0.0).sqrt() * g.sqrt()),
        ("rmsea.ci.lower.robust".into(), lo_r * c.sqrt()),
        ("rmsea.ci.upper.robust".into(), hi_r * c.sqrt()),
        ("rmsea.pvalue.robust".into(), 1.0 - nc(x2 / c, df, n * df * 0.05 * 0.05 / (c * g))),
        ("rmsea.notclose.pvalue.robust".into(), nc(x2 / c, df, n * df * 0.08 * 0.08 / (c * g))),
    ]
}
