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
//! - GFI, AGFI and PGFI are left out: lavaan weights them with an information matrix that the
//!   complete-data formula does not reproduce under missing data.

use sem_data::MissingGroup;

/// Casewise log-likelihood of the independence model fitted by FIML to one group.
pub fn baseline_logl(g: &MissingGroup) -> f64 {
    let p = g.p;
    let (mut s1, mut s2) = (vec![0.0; p], vec![0.0; p]);
    for pat in &g.patterns {
        for r in 0..pat.nobs {
            for (a, &j) in pat.observed.iter().enumerate() {
                let v = pat.data[(r, a)];
                s1[j] += v;
                s2[j] += v * v;
            }
        }
    }
    let l2pi = (2.0 * std::f64::consts::PI).ln();
    (0..p)
        .map(|j| {
            let n = g.n_observed[j] as f64;
            let m = s1[j] / n;
            let var = s2[j] / n - m * m;
            -0.5 * n * (l2pi + var.ln() + 1.0)
        })
        .sum()
}

/// Replace the complete-data likelihood, baseline and incremental measures in `fm` by their
/// FIML versions. `logl` and `h1` are summed over groups; `baseline` likewise.
pub fn patch_measures(fm: &mut Vec<(String, f64)>, logl: f64, h1: f64, baseline: f64, npar: f64) {
    let get = |fm: &[(String, f64)], k: &str| fm.iter().find(|(n, _)| n == k).map(|(_, v)| *v).unwrap_or(f64::NAN);
    let (x2, df, n, dfb) = (get(fm, "chisq"), get(fm, "df"), get(fm, "ntotal"), get(fm, "baseline.df"));
    let x2b = (2.0 * (h1 - baseline)).max(0.0);
    let t1 = (x2 - df).max(0.0);
    let t2 = (x2 - df).max(x2b - dfb).max(0.0);
    let cfi = if t1.abs() < 1e-12 && t2.abs() < 1e-12 { 1.0 } else { 1.0 - t1 / t2 };
    let tli = if df > 0.0 && (x2b - dfb).abs() > 0.0 { 1.0 - ((x2 - df) * dfb) / ((x2b - dfb) * df) } else { 1.0 };
    let rfi = if df > 0.0 && dfb > 0.0 {
        let (a, b) = (x2b / dfb, x2 / df);
        if a - b < 0.0 {
            1.0
        } else {
            (a - b) / a
        }
    } else {
        f64::NAN
    };
    let nfi = if df > dfb { f64::NAN } else { (x2b - x2) / x2b };
    let ifi = if x2b - df < 0.0 { 1.0 } else { (x2b - x2) / (x2b - df) };
    let set = |fm: &mut Vec<(String, f64)>, k: &str, v: f64| {
        if let Some(e) = fm.iter_mut().find(|(name, _)| name == k) {
            e.1 = v;
        }
    };
    set(fm, "baseline.chisq", x2b);
    set(fm, "baseline.pvalue", if dfb > 0.0 { sem_fit::dist::pchisq_upper(x2b, dfb) } else { f64::NAN });
    set(fm, "cfi", cfi);
    set(fm, "tli", tli);
    set(fm, "nnfi", tli);
    set(fm, "rfi", rfi);
    set(fm, "nfi", nfi);
    set(fm, "pnfi", (df / dfb) * nfi);
    set(fm, "ifi", ifi);
    set(fm, "rni", 1.0 - (x2 - df) / (x2b - dfb));
    set(fm, "logl", logl);
    set(fm, "unrestricted.logl", h1);
    set(fm, "aic", -2.0 * logl + 2.0 * npar);
    set(fm, "bic", -2.0 * logl + npar * n.ln());
    set(fm, "bic2", -2.0 * logl + npar * ((n + 2.0) / 24.0).ln());
    fm.retain(|(k, _)| !matches!(k.as_str(), "gfi" | "agfi" | "pgfi"));
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
