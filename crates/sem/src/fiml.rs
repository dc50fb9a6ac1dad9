//! Full-information ML (`missing = "ml"`) in the facade: the fit measures that change under
//! missing data (SEM-NOTES §12).
//!
//! - `logl` is the casewise log-likelihood of the model, `unrestricted.logl` that of the EM
//!   (saturated) estimate; AIC, BIC and the sample-size adjusted BIC follow from `logl`.
//! - The baseline (independence) model has free means and variances and no covariances. Its
//!   FIML estimate factorises over the variables: each mean and variance is the available-case
//!   mean and N-divisor variance of that variable, so
//!   $\log L_b = \sum_j -\tfrac{n_j}2(\log 2\pi + \log\hat\sigma_j^2 + 1)$ and
//!   $\chi^2_b = 2(\log L_{h1} - \log L_b)$.
//! - CFI, TLI and the other incremental indices are recomputed from that baseline; RMSEA and its
//!   interval use the FIML $\chi^2$ unchanged; SRMR is taken against the EM moments (the caller
//!   passes them as the sample moments).
//! - GFI, AGFI and PGFI follow lavaan's `lav_fit_gfi()` with the ingredients it uses under
//!   `missing = "ml"`: the "observed" moments $o = (\bar y, \operatorname{vech} S)$ are the
//!   available-case means and the pairwise-complete covariances rescaled by $(N-1)/N$
//!   ([`MissingGroup::pairwise_moments`]), not the EM estimates; the weight is the expected
//!   information under missing data at the model-implied moments,
//!   $W = \frac1N\sum_m n_m\,\mathrm{blockdiag}(\tilde P_m, \tfrac12 D^\top(\tilde P_m\otimes\tilde P_m)D)$
//!   with $\tilde P_m$ the inverse of the pattern's block $\hat\Sigma_{OO}$ padded with zeros.
//!   Per group $\mathrm{GFI}_g = 1 - e^\top We / o^\top Wo$, $e = o - (\hat\mu, \operatorname{vech}\hat\Sigma)$,
//!   i.e. $e^\top We = \frac1N\sum_m n_m[e_\mu^\top\tilde P_m e_\mu + \tfrac12\operatorname{tr}(\tilde P_m E\tilde P_m E)]$;
//!   groups are weighted by $N_g/N$. AGFI and PGFI use the $p + p(p+1)/2$ moments per group.

use sem_data::MissingGroup;
use sem_linalg::{self as la, Mat};
use sem_model::GroupState;

/// Casewise log-likelihood of the independence model fitted by FIML to one group.
pub fn baseline_logl(g: &MissingGroup) -> f64 {
    let (_, var) = g.available_case_moments();
    let l2pi = (2.0 * std::f64::consts::PI).ln();
    (0..g.p)
        .map(|j| {
            let n = g.n_observed[j] as f64;
            -0.5 * n * (l2pi + var[j].ln() + 1.0)
        })
        .sum()
}

/// $(e^\top W e, o^\top W o)$ of one group (both times $N_g$); `None` when a pattern's block of
/// $\hat\Sigma$ is not positive definite.
fn gfi_terms(g: &MissingGroup, st: &GroupState) -> Option<(f64, f64)> {
    let (mean, cov) = g.pairwise_moments();
    let (mut num, mut den) = (0.0, 0.0);
    for pat in &g.patterns {
        let o = &pat.observed;
        let (pm, _) = la::spd_inverse(&sem_data::missing::submatrix(&st.sigma, o, o)).ok()?;
        let obs = sem_data::missing::submatrix(&cov, o, o);
        let mut res = obs.clone();
        for (a, &i) in o.iter().enumerate() {
            for (b, &j) in o.iter().enumerate() {
                res[(a, b)] -= st.sigma[(i, j)];
            }
        }
        let quad = |v: &[f64]| la::dot(v, &pm.mul_vec(v));
        let k = o.len();
        let half_tr = |m: &Mat| {
            let a = pm.matmul(m);
            0.5 * (0..k).map(|i| (0..k).map(|j| a[(i, j)] * a[(j, i)]).sum::<f64>()).sum::<f64>()
        };
        let y: Vec<f64> = o.iter().map(|&j| mean[j]).collect();
        let e: Vec<f64> = o.iter().map(|&j| mean[j] - st.mu[j]).collect();
        let n = pat.nobs as f64;
        num += n * (quad(&e) + half_tr(&res));
        den += n * (quad(&y) + half_tr(&obs));
    }
    Some((num, den))
}

/// lavaan's GFI under FIML over all groups (NaN when it cannot be computed).
pub fn gfi(groups: &[&MissingGroup], states: &[GroupState]) -> f64 {
    let n: f64 = groups.iter().map(|g| g.nobs as f64).sum();
    let mut out = 0.0;
    for (g, st) in groups.iter().zip(states) {
        match gfi_terms(g, st) {
            Some((num, den)) => out += g.nobs as f64 / n * (1.0 - num / den),
            None => return f64::NAN,
        }
    }
    out
}

/// The FIML quantities that replace their complete-data versions in the fit measures.
pub struct FimlMeasures {
    /// Casewise log-likelihood of the model, summed over groups.
    pub logl: f64,
    /// Log-likelihood of the EM (saturated) estimate.
    pub h1: f64,
    /// Log-likelihood of the independence model.
    pub baseline: f64,
    /// Free parameters minus independent equality constraints.
    pub npar: f64,
    /// [`gfi`].
    pub gfi: f64,
    /// Modelled sample statistics over all groups, $G(p + p(p+1)/2)$.
    pub nel: f64,
}

/// Replace the complete-data likelihood, baseline, incremental and GFI-family measures in `fm`
/// by their FIML versions.
pub fn patch_measures(fm: &mut [(String, f64)], m: &FimlMeasures) {
    let get = |fm: &[(String, f64)], k: &str| fm.iter().find(|(n, _)| n == k).map(|(_, v)| *v).unwrap_or(f64::NAN);
    let (x2, df, n, dfb) = (get(fm, "chisq"), get(fm, "df"), get(fm, "ntotal"), get(fm, "baseline.df"));
    let x2b = (2.0 * (m.h1 - m.baseline)).max(0.0);
    let set = |fm: &mut [(String, f64)], k: &str, v: f64| {
        if let Some(e) = fm.iter_mut().find(|(name, _)| name == k) {
            e.1 = v;
        }
    };
    set(fm, "baseline.chisq", x2b);
    set(fm, "baseline.pvalue", if dfb > 0.0 { sem_fit::dist::pchisq_upper(x2b, dfb) } else { f64::NAN });
    for (k, v) in sem_fit::incremental_measures(x2, df, x2b, dfb) {
        set(fm, k, v);
    }
    let (logl, k) = (m.logl, m.npar);
    set(fm, "logl", logl);
    set(fm, "unrestricted.logl", m.h1);
    set(fm, "aic", -2.0 * logl + 2.0 * k);
    set(fm, "bic", -2.0 * logl + k * n.ln());
    set(fm, "bic2", -2.0 * logl + k * ((n + 2.0) / 24.0).ln());
    set(fm, "gfi", m.gfi);
    set(fm, "agfi", if df > 0.0 { 1.0 - (m.nel / df) * (1.0 - m.gfi) } else { 1.0 });
    set(fm, "pgfi", (df / m.nel) * m.gfi);
}

#[cfg(test)]
mod tests {
    use super::*;
    use sem_data::{DataFrame, MissingStats};

    #[test]
    fn baseline_is_the_product_of_univariate_fits() {
        let f = DataFrame::from_csv_str("a,b\n1,2\n2,\n3,5\n,1\n6,2\n", "t.csv").unwrap();
        let ms = MissingStats::from_frame(&f, &["a".to_string(), "b".to_string()], None).unwrap();
        let ll = baseline_logl(&ms.groups[0]);
        let uni = |v: &[f64]| {
            let n = v.len() as f64;
            let m = v.iter().sum::<f64>() / n;
            let s = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n;
            v.iter().map(|x| -0.5 * ((2.0 * std::f64::consts::PI * s).ln() + (x - m) * (x - m) / s)).sum::<f64>()
        };
        let want = uni(&[1.0, 2.0, 3.0, 6.0]) + uni(&[2.0, 5.0, 1.0, 2.0]);
        assert!((ll - want).abs() < 1e-12, "{ll} vs {want}");
    }
}
