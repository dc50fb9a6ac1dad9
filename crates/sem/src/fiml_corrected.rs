//! Robust CFI, TLI and RMSEA under missing data: the FIML-corrected versions of Zhang & Savalei
//! (2022) that lavaan 0.6.14 reports for `missing = "ml"` (`lav_fit_fiml_corrected()`), with and
//! without MLR (SEM-NOTES §12).
//!
//! Ingredients per group $g$ (moment coordinates $(\mu, \sigma_{ab})_{a\ge b}$, unit scale, i.e.
//! divided by $N_g$), with $\tilde S, \tilde m$ the EM (saturated) moments:
//! - $W_m$: the observed information of the casewise likelihood at $(\tilde m, \tilde S)$, $R = W_m^{-1}$;
//! - $J_m$: the mean cross-product of the saturated model's casewise scores at $(\tilde m, \tilde S)$;
//! - $W_c$: the complete-data information at $\tilde S$, $\mathrm{blockdiag}(\tilde S^{-1},
//!   \tfrac12 D^\top(\tilde S^{-1}\otimes\tilde S^{-1})D)$;
//! - $\Delta$: the Jacobian of the implied moments at the estimate; with $f_g = N_g/N$,
//!   $E = \sum_g f_g\Delta^\top W_m\Delta$ (lavaan's information with `observed.information = "h1"`
//!   and an unstructured h1), $M = E^{-1}$, or $K(K^\top EK)^{-1}K^\top$ under equality constraints.
//!
//! Then, with $C = \sum_g f_g\Delta^\top W_c\Delta$, $D = \sum_g f_g\Delta^\top J_m\Delta$ and
//! $F = \sum_g f_g\Delta^\top W_cRJ_m\Delta$, the trace $k$ that lavaan forms as
//! $\operatorname{tr}(W_cW_m^{-1}UW_m^{-1})$ (ML, "V6") or $\operatorname{tr}(UW_m^{-1}W_cW_m^{-1}U\Gamma)$
//! (MLR, "V3", $\Gamma = W_m^{-1}J_mW_m^{-1}$), $U = W_m - W_m\Delta M\Delta^\top W_m$, reduces to
//! - ML: $k = \sum_g\operatorname{tr}(W_cR) - \operatorname{tr}(MC)$;
//! - MLR: $k = \sum_g\operatorname{tr}(W_cRJ_mR) - 2\operatorname{tr}(MF) + \operatorname{tr}(MCMD)$,
//!
//! which needs no $d\times d$ product beyond $R$ (and, for MLR, $W_cR$ and $J_mR$). $\hat c = k/df$.
//! The statistic is $T_3 = \sum_g N_g F_{ML}(\hat\Sigma_g, \hat\mu_g; \tilde S_g, \tilde m_g)$, the
//! complete-data ML discrepancy of the FIML estimate from the EM moments. The baseline
//! (independence) model repeats this with its FIML estimate (available-case means and variances),
//! whose $\Delta$ selects the means and variances, so everything splits by group with $W_{m,s}$,
//! $W_{c,s}$, $J_{m,s}$, $(W_cRJ_m)_{s}$ the blocks on those coordinates.
//!
//! The robust indices then follow lavaan's formulas with $(T_3, \hat c, T_{3,0}, \hat c_0)$:
//! CFI $= 1 - \max(T_3 - \hat c\,df, 0)/\max(T_3 - \hat c\,df, T_{3,0} - \hat c_0 df_0, 0)$,
//! RMSEA $= \sqrt{G}\sqrt{\max(T_3/(N df) - \hat c/N, 0)}$, its interval and p-values from
//! $T_3/\hat c$ on $df$ degrees of freedom ([`crate::robust::robust_measures`]).

use sem_data::MissingGroup;
use sem_estimate::fiml::{moment_information, sidx, FimlProblem};
use sem_linalg::{self as la, Mat};
use sem_model::GroupState;

/// The saturated model's information pieces of one group at its EM moments (unit scale).
pub struct Saturated {
    /// Observed information $W_m$.
    pub wm: Mat,
    /// $R = W_m^{-1}$.
    pub r: Mat,
    /// First-order information $J_m$ (only computed for MLR).
    pub jm: Option<Mat>,
}

impl Saturated {
    /// $W_m$, $R$ and (with `first_order`) $J_m$; `None` when $W_m$ is singular.
    pub fn new(g: &MissingGroup, first_order: bool) -> Option<Saturated> {
        let n = g.nobs as f64;
        let mut wm = moment_information(g, &g.h1_cov, &g.h1_mean)?;
        wm.data_mut().iter_mut().for_each(|v| *v /= n);
        let r = la::spd_inverse(&wm).ok()?.0;
        let jm = if first_order {
            let mut b1 = scores_crossprod(g)?;
            b1.data_mut().iter_mut().for_each(|v| *v /= n);
            Some(b1)
        } else {
            None
        };
        Some(Saturated { wm, r, jm })
    }

    /// $\operatorname{tr}(A_1^{-1}B_1) = \operatorname{tr}(RJ_m)$, the saturated part of the
    /// Yuan-Bentler trace (NaN without $J_m$).
    pub fn trace_h1(&self) -> f64 {
        match &self.jm {
            Some(jm) => (0..jm.rows()).map(|i| la::dot(self.r.row(i), jm.row(i))).sum(),
            None => f64::NAN,
        }
    }
}

/// $\sum_i s_is_i^\top$ over the casewise scores $s_i = (w_i, \tfrac12(w_iw_i^\top - P))$ of the
/// saturated model at the EM moments ($P = \tilde S_{OO}^{-1}$, $w_i = P(y_{iO} - \tilde m_O)$,
/// off-diagonal covariance coordinates doubled).
fn scores_crossprod(g: &MissingGroup) -> Option<Mat> {
    let p = g.p;
    let dim = p + p * (p + 1) / 2;
    let mut b1 = Mat::zeros(dim, dim);
    let mut s = vec![0.0; dim];
    for pat in &g.patterns {
        let o = &pat.observed;
        let k = o.len();
        let (pm, _) = la::spd_inverse(&sem_data::missing::submatrix(&g.h1_cov, o, o)).ok()?;
        let mut w = vec![0.0; k];
        let mut nz: Vec<usize> = o.clone();
        for a in 0..k {
            for b in 0..=a {
                nz.push(sidx(p, o[a], o[b]));
            }
        }
        for r in 0..pat.nobs {
            let row = pat.data.row(r);
            let d: Vec<f64> = (0..k).map(|a| row[a] - g.h1_mean[o[a]]).collect();
            for a in 0..k {
                w[a] = la::dot(pm.row(a), &d);
            }
            for a in 0..k {
                s[o[a]] = w[a];
                for b in 0..=a {
                    let gab = 0.5 * (w[a] * w[b] - pm[(a, b)]);
                    s[sidx(p, o[a], o[b])] = if a == b { gab } else { 2.0 * gab };
                }
            }
            for &i in &nz {
                let si = s[i];
                let row = b1.row_mut(i);
                for &j in &nz {
                    row[j] += si * s[j];
                }
            }
        }
    }
    Some(b1)
}

/// Complete-data unit information at the covariance matrix `s` in the moment coordinates:
/// $S^{-1}$ for the means, $\tfrac12\operatorname{tr}(S^{-1}\delta_1S^{-1}\delta_2)$ for the
/// covariances (symmetric unit perturbations $\delta$).
fn complete_information(s: &Mat) -> Option<Mat> {
    let p = s.rows();
    let dim = p + p * (p + 1) / 2;
    let (si, _) = la::spd_inverse(s).ok()?;
    let mut w = Mat::zeros(dim, dim);
    for a in 0..p {
        for b in 0..p {
            w[(a, b)] = si[(a, b)];
        }
    }
    for a in 0..p {
        for b in 0..=a {
            let i = sidx(p, a, b);
            for c in 0..p {
                for d in 0..=c {
                    w[(i, sidx(p, c, d))] = half_trace_pair(&si, (a, b), (c, d));
                }
            }
        }
    }
    Some(w)
}

/// $\tfrac12\operatorname{tr}(P\delta_{ab}P\delta_{cd})$ for the symmetric unit perturbations
/// $\delta_{ab} = e_ae_b^\top + e_be_a^\top$ ($a \ne b$) and $\delta_{aa} = e_ae_a^\top$: the weight of
/// covariances $\sigma_{ab}$, $\sigma_{cd}$ in the normal information with precision $P$.
pub(crate) fn half_trace_pair(pm: &Mat, (a, b): (usize, usize), (c, d): (usize, usize)) -> f64 {
    let mult = |a: usize, b: usize| if a == b { 2.0 } else { 1.0 };
    let v = pm[(b, c)] * pm[(d, a)] + pm[(b, d)] * pm[(c, a)] + pm[(a, c)] * pm[(d, b)] + pm[(a, d)] * pm[(c, b)];
    0.5 * v / (mult(a, b) * mult(c, d))
}

/// The Jacobian $\Delta$ (`dim x q`) of $(\mu, \sigma_{ab})$ at a group's state.
pub(crate) fn delta(model: &sem_model::Model, g: usize, st: &GroupState, p: usize) -> Mat {
    let jac = model.jacobian(g, st);
    let dim = p + p * (p + 1) / 2;
    let mut d = Mat::zeros(dim, jac.len());
    for (j, (ds, dm)) in jac.iter().enumerate() {
        for a in 0..p {
            d[(a, j)] = dm[a];
            for b in 0..=a {
                d[(sidx(p, a, b), j)] = ds[(a, b)];
            }
        }
    }
    d
}

/// $\sum_{ij} A_{ij}B_{ji} = \operatorname{tr}(AB)$.
fn tr_prod(a: &Mat, b: &Mat) -> f64 {
    let n = a.rows();
    (0..n).map(|i| (0..a.cols()).map(|j| a[(i, j)] * b[(j, i)]).sum::<f64>()).sum()
}

/// The sub-matrix of `m` on the coordinates `s`.
fn block(m: &Mat, s: &[usize]) -> Mat {
    sem_data::missing::submatrix(m, s, s)
}

/// $T_3$, $\hat c$ and the baseline's $T_{3,0}$, $\hat c_0$.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Corrected {
    /// $T_3$.
    pub xx3: f64,
    /// $\hat c = k/df$.
    pub c: f64,
    /// $T_{3,0}$ of the independence model.
    pub xx3_null: f64,
    /// $\hat c_0 = k_0/df_0$.
    pub c_null: f64,
}

/// The FIML-corrected robust ingredients at the estimate (`states` evaluated at it). `sat[g]`
/// holds each group's [`Saturated`] pieces, with $J_m$ exactly when `scaled` (MLR, lavaan's "V3";
/// otherwise "V6"). `None` when an information matrix is singular.
pub fn corrected(
    fp: &FimlProblem,
    states: &[GroupState],
    k: Option<&Mat>,
    sat: &[Saturated],
    df: f64,
    dfb: f64,
) -> Option<Corrected> {
    let q = fp.model.nfree;
    let ntotal: f64 = fp.groups.iter().map(|g| g.nobs as f64).sum();
    let (mut e, mut c, mut d, mut f) = (Mat::zeros(q, q), Mat::zeros(q, q), Mat::zeros(q, q), Mat::zeros(q, q));
    let (mut k_sat, mut kb, mut xx3, mut xx3_null) = (0.0, 0.0, 0.0, 0.0);
    let scaled = sat.iter().all(|s| s.jm.is_some());
    let l_add = |acc: &mut Mat, w: f64, m: &Mat| {
        for (a, b) in acc.data_mut().iter_mut().zip(m.data()) {
            *a += w * b;
        }
    };
    for (gi, (mg, st)) in fp.groups.iter().zip(states).enumerate() {
        let s = &sat[gi];
        let p = mg.p;
        let (ng, fg) = (mg.nobs as f64, mg.nobs as f64 / ntotal);
        let wc = complete_information(&mg.h1_cov)?;
        let dl = delta(fp.model, gi, st, p);
        l_add(&mut e, fg, &dl.t_matmul(&s.wm.matmul(&dl)));
        l_add(&mut c, fg, &dl.t_matmul(&wc.matmul(&dl)));
        let sel: Vec<usize> = (0..p).chain((0..p).map(|j| sidx(p, j, j))).collect();
        let (ws_inv, _) = la::spd_inverse(&block(&s.wm, &sel)).ok()?;
        let cs = block(&wc, &sel);
        if let Some(jm) = &s.jm {
            let z = wc.matmul(&s.r); // W_c R
            let y = jm.matmul(&s.r); // J_m R
            let sat_tr = tr_prod(&z, &y);
            k_sat += sat_tr;
            let jd = jm.matmul(&dl);
            l_add(&mut d, fg, &dl.t_matmul(&jd));
            l_add(&mut f, fg, &dl.t_matmul(&z.matmul(&jd)));
            // baseline blocks: (W_c R J_m)[s, s] and J_m[s, s]
            let mut fs = Mat::zeros(sel.len(), sel.len());
            for (a, &i) in sel.iter().enumerate() {
                for (b, &j) in sel.iter().enumerate() {
                    fs[(a, b)] = (0..z.cols()).map(|t| z[(i, t)] * jm[(t, j)]).sum();
                }
            }
            let ds = block(jm, &sel);
            let wci = ws_inv.matmul(&cs);
            kb += sat_tr - 2.0 * tr_prod(&ws_inv, &fs) + tr_prod(&wci, &ws_inv.matmul(&ds));
        } else {
            let sat_tr = tr_prod(&wc, &s.r);
            k_sat += sat_tr;
            kb += sat_tr - tr_prod(&ws_inv, &cs);
        }
        // T3: complete-data ML discrepancy from the EM moments
        let (_, ld_s) = la::spd_inverse(&mg.h1_cov).ok()?;
        let dm: Vec<f64> = (0..p).map(|a| mg.h1_mean[a] - st.mu[a]).collect();
        let tr: f64 = (0..p).map(|a| la::dot(mg.h1_cov.row(a), st.sigma_inv.row(a))).sum();
        xx3 += ng * (st.logdet - ld_s + tr - p as f64 + la::dot(&dm, &st.sigma_inv.mul_vec(&dm)));
        let (mb, vb) = mg.available_case_moments();
        let fb: f64 = (0..p)
            .map(|j| vb[j].ln() + (mg.h1_cov[(j, j)] + (mg.h1_mean[j] - mb[j]).powi(2)) / vb[j] - 1.0)
            .sum::<f64>()
            - ld_s;
        xx3_null += ng * fb;
    }
    let m = match k {
        None => la::spd_inverse(&e).ok()?.0,
        Some(km) => {
            let inner = la::spd_inverse(&km.t_matmul(&e.matmul(km))).ok()?.0;
            km.matmul(&inner).matmul_t(km)
        }
    };
    let kk = if scaled {
        let mc = m.matmul(&c);
        k_sat - 2.0 * tr_prod(&m, &f) + tr_prod(&mc, &m.matmul(&d))
    } else {
        k_sat - tr_prod(&m, &c)
    };
    Some(Corrected { xx3, c: kk / df, xx3_null, c_null: kb / dfb })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_information_is_the_hessian_of_the_normal_likelihood() {
        // -1/2 (log|S| + tr(S0 S^-1)) at S = S0 has Hessian -W_c in the covariance coordinates.
        let s0 = Mat::from_vec(2, 2, vec![2.0, 0.6, 0.6, 1.5]);
        let w = complete_information(&s0).unwrap();
        let f = |v: &[f64]| {
            let s = Mat::from_vec(2, 2, vec![v[0], v[1], v[1], v[2]]);
            let (si, ld) = la::spd_inverse(&s).unwrap();
            -0.5 * (ld + tr_prod(&s0, &si))
        };
        // coordinates (s00, s10, s11) are sidx 2, 3, 4
        let v0 = [2.0, 0.6, 1.5];
        let h = 1e-4;
        for a in 0..3 {
            for b in 0..3 {
                let mut pp = v0;
                pp[a] += h;
                pp[b] += h;
                let mut pm = v0;
                pm[a] += h;
                pm[b] -= h;
                let mut mp = v0;
                mp[a] -= h;
                mp[b] += h;
                let mut mm = v0;
                mm[a] -= h;
                mm[b] -= h;
                let hess = (f(&pp) - f(&pm) - f(&mp) + f(&mm)) / (4.0 * h * h);
                let want = -w[(2 + a, 2 + b)];
                assert!((hess - want).abs() < 1e-5, "({a},{b}): {hess} vs {want}");
            }
        }
    }
}
