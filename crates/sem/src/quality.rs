//! Measurement quality of the factors of a fitted model, as `semTools` 0.5.6 reports it.
//!
//! For factor $f$ with indicators $I_f$, loadings $\lambda_i$, factor variance $\phi_f$ and the
//! sample covariance matrix $S$ (observed variances, semTools' default `obs.var = TRUE`):
//! - Cronbach's alpha (`compRelSEM(tau.eq = TRUE)`): $\frac{k}{k-1}\bigl(1 - \operatorname{tr}
//!   S_{II} / \mathbf 1^\top S_{II}\mathbf 1\bigr)$;
//! - composite reliability, omega (`compRelSEM()`): $(\sum_i\lambda_i)^2\phi_f / \mathbf 1^\top
//!   S_{II}\mathbf 1$;
//! - average variance extracted (`AVE()`): $\sum_i\lambda_i^2\phi_f / \operatorname{tr} S_{II}$
//!   (undefined when an indicator loads on several factors);
//! - HTMT (`htmt()`, whose default in 0.5.6 is HTMT2 of Roemer, Schuberth & Henseler 2021): the
//!   geometric mean of the absolute correlations between the indicators of two factors, over the
//!   geometric mean of their within-factor geometric means (absolute sample correlations);
//! - Fornell-Larcker: $\sqrt{\mathrm{AVE}_f}$ must exceed every correlation of $f$ with another
//!   factor.
//!
//! Thresholds flagged: alpha and omega $\ge 0.7$, AVE $\ge 0.5$, HTMT $< 0.85$.

use crate::Fit;
use sem_linalg::Mat;

/// Alpha and omega below this are flagged.
pub const RELIABILITY_MIN: f64 = 0.7;
/// AVE below this is flagged.
pub const AVE_MIN: f64 = 0.5;
/// HTMT at or above this is flagged.
pub const HTMT_MAX: f64 = 0.85;

/// Reliability and convergent validity of one factor.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorQuality {
    /// Factor name.
    pub name: String,
    /// Its indicators.
    pub indicators: Vec<String>,
    /// Cronbach's alpha.
    pub alpha: f64,
    /// Composite reliability (omega).
    pub omega: f64,
    /// Average variance extracted (NaN with cross-loadings).
    pub ave: f64,
    /// Whether $\sqrt{\mathrm{AVE}}$ exceeds every correlation with another factor.
    pub fornell_larcker: bool,
}

/// The measurement-quality report of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct Quality {
    /// Per factor (factors with at least two indicators).
    pub factors: Vec<FactorQuality>,
    /// Model-implied correlations among these factors.
    pub cor_lv: Mat,
    /// Heterotrait-monotrait ratios among these factors (1 on the diagonal).
    pub htmt: Mat,
}

/// The report for group `g` (0-based) of a fit.
pub fn quality(fit: &Fit, g: usize) -> Option<Quality> {
    let s = fit.sample_cov.get(g)?;
    let lvs = &fit.partable.vnames.lv;
    let psi = fit.cov_lv.get(g)?;
    let ov = &fit.ov_names;
    let group = g + 1;
    let loadings = |f: &str| -> Vec<(usize, f64)> {
        fit.parameters
            .iter()
            .filter(|r| r.op == "=~" && r.lhs == f && r.group.max(1) == group)
            .filter_map(|r| ov.iter().position(|v| *v == r.rhs).map(|i| (i, r.est)))
            .collect()
    };
    let mut keep = Vec::new();
    let mut factors = Vec::new();
    for (k, f) in lvs.iter().enumerate() {
        let l = loadings(f);
        if l.len() < 2 {
            continue;
        }
        let n = l.len() as f64;
        let (mut tr, mut sum) = (0.0, 0.0);
        for &(i, _) in &l {
            tr += s[(i, i)];
            for &(j, _) in &l {
                sum += s[(i, j)];
            }
        }
        let phi = psi[(k, k)];
        let sl: f64 = l.iter().map(|x| x.1).sum();
        let sl2: f64 = l.iter().map(|x| x.1 * x.1).sum();
        let cross = l.iter().any(|&(i, _)| {
            lvs.iter().filter(|o| *o != f).any(|o| loadings(o).iter().any(|&(j, e)| j == i && e.abs() > 1e-5))
        });
        factors.push(FactorQuality {
            name: f.clone(),
            indicators: l.iter().map(|&(i, _)| ov[i].clone()).collect(),
            alpha: n / (n - 1.0) * (1.0 - tr / sum),
            omega: sl * sl * phi / sum,
            ave: if cross { f64::NAN } else { sl2 * phi / tr },
            fornell_larcker: true,
        });
        keep.push((k, l));
    }
    let m = keep.len();
    let cor = |i: usize, j: usize| s[(i, j)] / (s[(i, i)] * s[(j, j)]).sqrt();
    let mono = |l: &[(usize, f64)]| -> f64 {
        let mut acc = (0.0, 0.0);
        for (a, &(i, _)) in l.iter().enumerate() {
            for &(j, _) in &l[a + 1..] {
                acc.0 += cor(i, j).abs().ln();
                acc.1 += 1.0;
            }
        }
        (acc.0 / acc.1).exp()
    };
    let mut cor_lv = Mat::zeros(m, m);
    let mut htmt = Mat::zeros(m, m);
    for a in 0..m {
        for b in 0..m {
            let (ka, kb) = (keep[a].0, keep[b].0);
            cor_lv[(a, b)] = psi[(ka, kb)] / (psi[(ka, ka)] * psi[(kb, kb)]).sqrt();
            htmt[(a, b)] = if a == b {
                1.0
            } else {
                let (la, lb) = (&keep[a].1, &keep[b].1);
                let pairs = la.iter().flat_map(|&(i, _)| lb.iter().map(move |&(j, _)| (i, j)));
                let het = (pairs.map(|(i, j)| cor(i, j).abs().ln()).sum::<f64>() / (la.len() * lb.len()) as f64).exp();
                het / (mono(la) * mono(lb)).sqrt()
            };
        }
    }
    for a in 0..m {
        let root = factors[a].ave.sqrt();
        factors[a].fornell_larcker =
            root.is_finite() && (0..m).filter(|&b| b != a).all(|b| root > cor_lv[(a, b)].abs());
    }
    Some(Quality { factors, cor_lv, htmt })
}
