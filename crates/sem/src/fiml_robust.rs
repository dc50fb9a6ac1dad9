//! MLR on top of full-information ML (lavaan `missing = "ml", estimator = "MLR"`; SEM-NOTES §12.7).
//!
//! - **Sandwich**: $\mathrm{vcov} = M B_0 M / N$ with $M = K(K^\top H K)^{-1}K^\top$, $H$ the observed
//!   FIML information and $B_0 = \frac1N\sum_i s_is_i^\top$ over the casewise scores of the
//!   observed part of each row: with $P = \Sigma_{OO}^{-1}$, $d_i = y_{iO}-\mu_O$, $w_i = Pd_i$,
//!   $s_{ij} = \dot\mu_{jO}^\top w_i + \tfrac12(w_i^\top\dot\Sigma_{jOO}w_i - \operatorname{tr}(P\dot\Sigma_{jOO}))$.
//! - **Yuan-Bentler (Mplus) factor** $c = [\sum_g\operatorname{tr}(A_{1g}^{-1}B_{1g}) - \operatorname{tr}(MB_0)]/df$.
//!   $A_1$ is the observed information of the saturated model at the EM moments in the
//!   coordinates $(\mu, \sigma_{ab})_{a\ge b}$: per pattern, with $e = \bar y_m - \mu_O$,
//!   $T = P(S_m + ee^\top)P$ and $\delta\Sigma$ the symmetric unit perturbations,
//!   $n_mP$ (means), $n_m\,\delta\mu^\top P\,\delta\Sigma\,Pe$ (means-covariances) and
//!   $n_m[\operatorname{tr}(\delta\Sigma_1P\delta\Sigma_2T) - \tfrac12\operatorname{tr}(\delta\Sigma_1P\delta\Sigma_2P)]$
//!   (covariances); $B_1$ sums the saturated casewise scores $(w_i, \tfrac12(w_iw_i^\top - P))$.
//!   The trace is invariant to the choice of coordinates.
//! - The baseline (independence) model factorises over variables: its trace is
//!   $\sum_j[1 + \frac1{2n_j}\sum_i(e_{ij}^2/\hat\sigma_j^2 - 1)^2]$ over the observed values.

use crate::fiml_corrected::Saturated;
use crate::robust::Robust;
use sem_data::MissingGroup;
use sem_estimate::fiml::FimlProblem;
use sem_linalg::{self as la, Mat};
use sem_model::GroupState;

/// The baseline (independence) model's trace: per variable $1 + \frac1{2n_j}\sum_i(e^2/\hat\sigma^2-1)^2$.
fn trace_baseline(g: &MissingGroup) -> f64 {
    let p = g.p;
    let n: Vec<f64> = g.n_observed.iter().map(|&v| v as f64).collect();
    let (mean, var) = g.available_case_moments();
    let mut tr = p as f64;
    for pat in &g.patterns {
        for r in 0..pat.nobs {
            for (a, &j) in pat.observed.iter().enumerate() {
                let e = pat.data[(r, a)] - mean[j];
                let q = e * e / var[j] - 1.0;
                tr += 0.5 * q * q / n[j];
            }
        }
    }
    tr
}

/// Sandwich and traces for MLR under FIML. `hess` is the observed unit information at `x`;
/// `sat[g]` holds group `g`'s saturated information with $J_m$.
pub fn robust_fiml(
    fp: &FimlProblem,
    x: &[f64],
    k: Option<&Mat>,
    hess: &Mat,
    sat: &[Saturated],
    states: &mut [GroupState],
) -> Option<Robust> {
    let q = x.len();
    let m = match k {
        None => la::spd_inverse(hess).ok()?.0,
        Some(km) => {
            let inner = la::spd_inverse(&km.t_matmul(&hess.matmul(km))).ok()?.0;
            km.matmul(&inner).matmul_t(km)
        }
    };
    fp.fmin(x, states)?;
    let ntotal: f64 = fp.groups.iter().map(|g| g.nobs as f64).sum();
    let mut b0 = Mat::zeros(q, q);
    let (mut tr_h1, mut tr_baseline) = (0.0, 0.0);
    for (g, mg) in fp.groups.iter().enumerate() {
        let st = &states[g];
        let p = mg.p;
        let jac = fp.model.jacobian(g, st);
        let nz = crate::robust::sparse_jacobian(&jac, p);
        let mut pos = vec![usize::MAX; p];
        let mut score = vec![0.0; q];
        for pat in &mg.patterns {
            let o = &pat.observed;
            let kk = o.len();
            pos.iter_mut().for_each(|v| *v = usize::MAX);
            for (a, &j) in o.iter().enumerate() {
                pos[j] = a;
            }
            let sub = sem_data::missing::submatrix(&st.sigma, o, o);
            let (pm, _) = la::spd_inverse(&sub).ok()?;
            // per parameter: observed non-zeros of dSigma in pattern indices, and tr(P dSigma_OO)
            let loc: Vec<Vec<(usize, usize, f64)>> = nz
                .iter()
                .map(|v| {
                    v.iter()
                        .filter(|&&(a, b, _)| pos[a] != usize::MAX && pos[b] != usize::MAX)
                        .map(|&(a, b, val)| (pos[a], pos[b], val))
                        .collect()
                })
                .collect();
            let tr: Vec<f64> = loc.iter().map(|v| v.iter().map(|&(a, b, val)| pm[(b, a)] * val).sum()).collect();
            let mut w = vec![0.0; kk];
            let mut d = vec![0.0; kk];
            for r in 0..pat.nobs {
                let row = pat.data.row(r);
                for a in 0..kk {
                    d[a] = row[a] - st.mu[o[a]];
                }
                for a in 0..kk {
                    w[a] = la::dot(pm.row(a), &d);
                }
                for (j, (_, dm)) in jac.iter().enumerate() {
                    let quad: f64 = loc[j].iter().map(|&(a, b, v)| v * w[a] * w[b]).sum();
                    let mean_part: f64 = (0..kk).map(|a| dm[o[a]] * w[a]).sum();
                    score[j] = mean_part + 0.5 * (quad - tr[j]);
                }
                for a in 0..q {
                    let sa = score[a] / ntotal;
                    if sa == 0.0 {
                        continue;
                    }
                    let row = b0.row_mut(a);
                    for b in 0..=a {
                        row[b] += sa * score[b];
                    }
                }
            }
        }
        tr_h1 += sat[g].trace_h1();
        tr_baseline += trace_baseline(mg);
    }
    for a in 0..q {
        for b in 0..a {
            b0[(b, a)] = b0[(a, b)];
        }
    }
    let mb = m.matmul(&b0);
    let tr_model: f64 = (0..q).map(|i| mb[(i, i)]).sum();
    let mut vcov = mb.matmul(&m);
    for v in vcov.data_mut() {
        *v /= ntotal;
    }
    Some(Robust { vcov, tr_model, tr_h1, tr_baseline })
}
