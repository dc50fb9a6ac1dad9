//! Comparing fitted models: lavaan's `lavTestLRT` for nested models and the measurement
//! invariance ladder (configural → metric → scalar → strict) as researchers report it
//! (`semTools::compareFit`).
//!
//! The likelihood-ratio table sorts the models by df (least restricted first) and, between
//! consecutive models, gives $\Delta\chi^2 = \chi^2_{m+1} - \chi^2_m$ on
//! $\Delta df = df_{m+1} - df_m$ with its upper-tail p-value and the RMSEA of the difference,
//! $\sqrt{\max(0, \Delta\chi^2 - \Delta df) / (N\,\Delta df)}\,\sqrt{G}$ (SEM-NOTES §15).
//! For MLR fits the difference is the Satorra-Bentler (2001) scaled difference
//! $(T_0 - T_1)/c_d$, $c_d = (r_0c_0 - r_1c_1)/(r_0 - r_1)$, from the standard statistics $T$,
//! their df $r$ and scaling factors $c$ (lavaan's default for MLR; no RMSEA column).
//! The invariance table adds $\Delta\mathrm{CFI}$ and $\Delta\mathrm{RMSEA}$ (restricted minus
//! less restricted) with the customary cut-offs of Chen (2007) and Cheung & Rensvold (2002):
//! a drop in CFI of more than 0.01 or a rise in RMSEA of more than 0.015 flags non-invariance.

use crate::{Data, Fit, FitOptions, GroupEqual, Sem, SemError};

/// A drop in CFI larger than this flags non-invariance (Cheung & Rensvold 2002).
pub const DELTA_CFI_CUTOFF: f64 = -0.01;
/// A rise in RMSEA larger than this flags non-invariance (Chen 2007).
pub const DELTA_RMSEA_CUTOFF: f64 = 0.015;

/// Why two models cannot be compared.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareError {
    /// Fewer than two models.
    #[error("A comparison needs at least two models; got {0}.")]
    TooFewModels(usize),
    /// The models use different observed variables or observations.
    #[error("Models `{a}` and `{b}` are not fitted to the same data: {why}; nested models share the observed variables and the rows.")]
    DifferentData {
        /// First model.
        a: String,
        /// Second model.
        b: String,
        /// What differs.
        why: String,
    },
    /// The nesting of two models cannot be established.
    #[error("Models `{a}` and `{b}` are not nested: {why}.")]
    NotNested {
        /// First model.
        a: String,
        /// Second model.
        b: String,
        /// Why not.
        why: String,
    },
}

/// One row of the likelihood-ratio table (lavaan's `lavTestLRT`).
#[derive(Debug, Clone, PartialEq)]
pub struct LrtRow {
    /// Model name.
    pub name: String,
    /// Degrees of freedom.
    pub df: f64,
    /// AIC.
    pub aic: f64,
    /// BIC.
    pub bic: f64,
    /// Chi-square.
    pub chisq: f64,
    /// Chi-square difference with the row before (`None` on the first row).
    pub chisq_diff: Option<f64>,
    /// RMSEA of the difference.
    pub rmsea_diff: Option<f64>,
    /// df difference.
    pub df_diff: Option<f64>,
    /// p-value of the difference.
    pub pvalue_diff: Option<f64>,
}

fn m(fit: &Fit, name: &str) -> f64 {
    fit.measure(name).unwrap_or(f64::NAN)
}

/// $\sqrt{\max(0, \Delta\chi^2 - \Delta df)/(N\Delta df)}\sqrt{G}$.
pub fn rmsea_diff(dchisq: f64, ddf: f64, n: f64, groups: f64) -> f64 {
    ((dchisq - ddf).max(0.0) / (n * ddf)).sqrt() * groups.sqrt()
}

/// The likelihood-ratio table of nested models, sorted by df. The models must share the
/// observed variables and the observations, and each more restricted model must fit no better
/// than the less restricted one before it; otherwise their nesting cannot be established.
pub fn lrt(models: &[(String, &Fit)]) -> Result<Vec<LrtRow>, CompareError> {
    if models.len() < 2 {
        return Err(CompareError::TooFewModels(models.len()));
    }
    let mut sorted: Vec<&(String, &Fit)> = models.iter().collect();
    sorted.sort_by(|a, b| m(a.1, "df").total_cmp(&m(b.1, "df")));
    let mut rows = Vec::with_capacity(sorted.len());
    for (k, (name, fit)) in sorted.iter().enumerate() {
        let (chisq, df) = (m(fit, "chisq"), m(fit, "df"));
        let mut row = LrtRow {
            name: name.clone(),
            df,
            aic: m(fit, "aic"),
            bic: m(fit, "bic"),
            chisq,
            chisq_diff: None,
            rmsea_diff: None,
            df_diff: None,
            pvalue_diff: None,
        };
        if k > 0 {
            let (pname, prev) = (&sorted[k - 1].0, sorted[k - 1].1);
            check_same_data(pname, prev, name, fit)?;
            let ddf = df - m(prev, "df");
            let dchisq = chisq - m(prev, "chisq");
            if ddf < 0.5 {
                return Err(CompareError::NotNested {
                    a: pname.clone(),
                    b: name.clone(),
                    why: format!("both have {df} degrees of freedom, so neither restricts the other"),
                });
            }
            // lavaan warns below -eps^(1/3); a clearly better fit of the restricted model
            // means the restriction is not a restriction of the other model.
            if dchisq < -1e-4 * chisq.max(1.0) {
                return Err(CompareError::NotNested {
                    a: pname.clone(),
                    b: name.clone(),
                    why: format!(
                        "`{name}` has more degrees of freedom ({df}) yet a smaller chi-square ({chisq:.4} < {:.4}), which a model nested in `{pname}` cannot have",
                        m(prev, "chisq")
                    ),
                });
            }
            let n = fit.nobs.iter().sum::<usize>() as f64;
            row.df_diff = Some(ddf);
            match (prev.measure("chisq.scaling.factor"), fit.measure("chisq.scaling.factor")) {
                (Some(c1), Some(c0)) => {
                    // Satorra-Bentler (2001) from the standard statistics (SEM-NOTES §15.3).
                    let c1 = if m(prev, "df") == 0.0 { 1.0 } else { c1 };
                    let cd = (df * c0 - m(prev, "df") * c1) / ddf;
                    let td = if cd > 0.0 { dchisq / cd } else { f64::NAN };
                    row.chisq_diff = Some(td);
                    row.pvalue_diff = Some(sem_fit::dist::pchisq_upper(td.max(0.0), ddf));
                }
                (None, None) => {
                    row.chisq_diff = Some(dchisq);
                    row.rmsea_diff = Some(rmsea_diff(dchisq, ddf, n, fit.nobs.len() as f64));
                    row.pvalue_diff = Some(sem_fit::dist::pchisq_upper(dchisq.max(0.0), ddf));
                }
                _ => {
                    return Err(CompareError::DifferentData {
                        a: pname.clone(),
                        b: name.clone(),
                        why: "one has a scaled (MLR) test and the other not".into(),
                    })
                }
            }
        }
        rows.push(row);
    }
    Ok(rows)
}

fn check_same_data(a: &str, fa: &Fit, b: &str, fb: &Fit) -> Result<(), CompareError> {
    let mut va = fa.ov_names.clone();
    let mut vb = fb.ov_names.clone();
    va.sort();
    vb.sort();
    let diff =
        |x: &[String], y: &[String]| x.iter().filter(|v| !y.contains(v)).cloned().collect::<Vec<_>>().join("`, `");
    let why = if va != vb {
        let (only_a, only_b) = (diff(&va, &vb), diff(&vb, &va));
        let mut parts = Vec::new();
        if !only_a.is_empty() {
            parts.push(format!("only `{a}` uses `{only_a}`"));
        }
        if !only_b.is_empty() {
            parts.push(format!("only `{b}` uses `{only_b}`"));
        }
        parts.join(" and ")
    } else if fa.nobs != fb.nobs {
        format!("`{a}` uses {:?} observations and `{b}` {:?}", fa.nobs, fb.nobs)
    } else if fa.meanstructure != fb.meanstructure {
        "one has a mean structure and the other not".to_string()
    } else {
        return Ok(());
    };
    Err(CompareError::DifferentData { a: a.into(), b: b.into(), why })
}

/// One step of the invariance ladder with its comparison to the step before.
#[derive(Debug, Clone, PartialEq)]
pub struct InvarianceRow {
    /// `configural`, `metric`, `scalar` or `strict`.
    pub step: &'static str,
    /// Parameter types held equal.
    pub group_equal: Vec<GroupEqual>,
    /// Chi-square.
    pub chisq: f64,
    /// Degrees of freedom.
    pub df: f64,
    /// p-value.
    pub pvalue: f64,
    /// CFI (`cfi.robust` under MLR).
    pub cfi: f64,
    /// RMSEA (`rmsea.robust` under MLR).
    pub rmsea: f64,
    /// SRMR.
    pub srmr: f64,
    /// AIC.
    pub aic: f64,
    /// BIC.
    pub bic: f64,
    /// Chi-square difference (Satorra-Bentler 2001 under MLR), df difference, its p-value and
    /// the RMSEA of the difference (NaN under MLR); `None` on the first step.
    pub lrt: Option<(f64, f64, f64, f64)>,
    /// CFI minus the CFI of the step before.
    pub delta_cfi: Option<f64>,
    /// RMSEA minus the RMSEA of the step before.
    pub delta_rmsea: Option<f64>,
    /// Whether `delta_cfi` passes the cut-off ([`DELTA_CFI_CUTOFF`]).
    pub flag_cfi: bool,
    /// Whether `delta_rmsea` passes the cut-off ([`DELTA_RMSEA_CUTOFF`]).
    pub flag_rmsea: bool,
}

/// The steps of the ladder and the parameter types each holds equal.
pub fn invariance_steps() -> Vec<(&'static str, Vec<GroupEqual>)> {
    use GroupEqual::*;
    vec![
        ("configural", vec![]),
        ("metric", vec![Loadings]),
        ("scalar", vec![Loadings, Intercepts]),
        ("strict", vec![Loadings, Intercepts, Residuals]),
    ]
}

/// Fit the ladder configural → metric → scalar → strict to `data` grouped by `group`, and
/// compare each step with the one before. `opts.group` and `opts.group_equal` are overridden;
/// with `opts.estimator` MLR the differences are scaled and CFI/RMSEA are the robust ones.
pub fn invariance(sem: &Sem, data: &Data, group: &str, opts: &FitOptions) -> Result<Vec<InvarianceRow>, SemError> {
    let mut rows: Vec<InvarianceRow> = Vec::new();
    let mut prev: Option<Fit> = None;
    for (step, eq) in invariance_steps() {
        let o = FitOptions { group: Some(group.to_string()), group_equal: eq.clone(), ..opts.clone() };
        let fit = sem.fit(data, &o)?;
        let mut row = InvarianceRow {
            step,
            group_equal: eq,
            chisq: m(&fit, "chisq"),
            df: m(&fit, "df"),
            pvalue: m(&fit, "pvalue"),
            cfi: fit.measure("cfi.robust").unwrap_or_else(|| m(&fit, "cfi")),
            rmsea: fit.measure("rmsea.robust").unwrap_or_else(|| m(&fit, "rmsea")),
            srmr: m(&fit, "srmr"),
            aic: m(&fit, "aic"),
            bic: m(&fit, "bic"),
            lrt: None,
            delta_cfi: None,
            delta_rmsea: None,
            flag_cfi: false,
            flag_rmsea: false,
        };
        if let (Some(p), Some(last)) = (&prev, rows.last()) {
            let pair = lrt(&[(last.step.to_string(), p), (step.to_string(), &fit)])?;
            let d = &pair[1];
            row.lrt = Some((
                d.chisq_diff.unwrap_or(f64::NAN),
                d.df_diff.unwrap_or(f64::NAN),
                d.pvalue_diff.unwrap_or(f64::NAN),
                d.rmsea_diff.unwrap_or(f64::NAN),
            ));
            let (dc, dr) = (row.cfi - last.cfi, row.rmsea - last.rmsea);
            row.delta_cfi = Some(dc);
            row.delta_rmsea = Some(dr);
            row.flag_cfi = dc < DELTA_CFI_CUTOFF;
            row.flag_rmsea = dr > DELTA_RMSEA_CUTOFF;
        }
        rows.push(row);
        prev = Some(fit);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rmsea_of_a_difference() {
        // lavaan 0.6.14, HS metric vs configural: 8.19220 on 6 df, N = 301, 2 groups -> 0.0492716
        assert!((rmsea_diff(8.19220030443354, 6.0, 301.0, 2.0) - 0.0492715519335192).abs() < 1e-9);
        // a difference below its df gives 0
        assert!(rmsea_diff(3.0, 6.0, 301.0, 2.0).abs() < 1e-15);
    }
}
