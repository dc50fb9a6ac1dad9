//! A small generalised linear model: Gaussian (identity link) and binomial (logit link), fitted
//! by iteratively reweighted least squares as R's `glm.fit()` does.
//!
//! Each iteration forms the working response $z = \eta + (y - \mu)/\mu'(\eta)$ and weights
//! $w = \mu'(\eta)^2 / V(\mu)$, and solves $(X^\top W X)\beta = X^\top W z$ by Cholesky. It stops
//! when the deviance changes by less than `tol` relative ($|D - D_{old}|/(|D| + 0.1)$, R's
//! criterion). Start values follow R: binomial $\mu_0 = (y + 0.5)/2$, Gaussian $\eta_0 = y$.
//!
//! Inference as R's `summary.glm()`: $\widehat{\mathrm{Var}}(\hat\beta) = \phi (X^\top W X)^{-1}$
//! with $\phi = 1$ (binomial) or $\phi = \mathrm{RSS}/(n-p)$ (Gaussian); Wald $z$ with normal
//! p-values for the binomial, $t$ with $n - p$ df for the Gaussian; 95% intervals
//! $\hat\beta \pm q\,\mathrm{se}$ with the matching quantile. AIC: binomial $D + 2p$; Gaussian
//! $n(\log(2\pi \mathrm{RSS}/n) + 1) + 2(p + 1)$. Tested against R's `glm()` (see
//! `tests/reference/glm_reference.R`).

use crate::error::AssessError;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Error distribution and link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Normal errors, identity link (linear regression).
    Gaussian,
    /// Bernoulli outcomes, logit link (logistic regression).
    Binomial,
    /// Ordered outcome, cumulative logit with proportional odds (see [`super::ordinal`]).
    #[serde(rename = "ordinal")]
    CumulativeLogit,
}

/// The link of an IRLS fit (the GLM families this driver handles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Gaussian, identity link.
    Identity,
    /// Binomial, logit link.
    Logit,
}

/// Options of the IRLS driver.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlmOptions {
    /// Relative deviance change at which IRLS stops.
    pub tol: f64,
    /// Iteration limit.
    pub max_iter: usize,
    /// Confidence level of the intervals.
    pub level: f64,
}

impl Default for GlmOptions {
    fn default() -> Self {
        GlmOptions { tol: 1e-12, max_iter: 100, level: 0.95 }
    }
}

/// A fitted GLM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlmFit {
    /// Family.
    pub family: Family,
    /// Term names, `(Intercept)` first when present.
    pub terms: Vec<String>,
    /// Estimates.
    pub estimate: Vec<f64>,
    /// Standard errors.
    pub std_error: Vec<f64>,
    /// z (binomial) or t (Gaussian) statistics.
    pub statistic: Vec<f64>,
    /// Two-sided p-values.
    pub p_value: Vec<f64>,
    /// Lower confidence limits.
    pub ci_lower: Vec<f64>,
    /// Upper confidence limits.
    pub ci_upper: Vec<f64>,
    /// Residual deviance.
    pub deviance: f64,
    /// Deviance of the intercept-only model.
    pub null_deviance: f64,
    /// Akaike information criterion.
    pub aic: f64,
    /// Residual degrees of freedom, $n - p$.
    pub df_residual: usize,
    /// Dispersion $\phi$.
    pub dispersion: f64,
    /// IRLS iterations used.
    pub iterations: usize,
    /// Observations.
    pub n: usize,
}

fn est_err(model: &str, message: impl Into<String>) -> AssessError {
    AssessError::Estimation { model: model.to_string(), message: message.into() }
}

/// In-place Cholesky factor (lower triangle) of a symmetric positive definite `p x p` matrix
/// stored row-major; `None` when it is not positive definite.
pub(crate) fn cholesky(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= l[i * p + k] * l[j * p + k];
            }
            if i == j {
                if s <= 1e-12 * a[i * p + i].abs().max(1e-300) {
                    return None;
                }
                l[i * p + i] = s.sqrt();
            } else {
                l[i * p + j] = s / l[j * p + j];
            }
        }
    }
    Some(l)
}

/// Solve $L L^\top x = b$.
pub(crate) fn chol_solve(l: &[f64], p: usize, b: &[f64]) -> Vec<f64> {
    let mut y = b.to_vec();
    for i in 0..p {
        for k in 0..i {
            y[i] -= l[i * p + k] * y[k];
        }
        y[i] /= l[i * p + i];
    }
    for i in (0..p).rev() {
        for k in i + 1..p {
            y[i] -= l[k * p + i] * y[k];
        }
        y[i] /= l[i * p + i];
    }
    y
}

/// The logistic function $1/(1 + e^{-\eta})$, inverse of the logit link.
pub fn logistic(eta: f64) -> f64 {
    1.0 / (1.0 + (-eta).exp())
}

/// Binomial deviance contribution of one 0/1 observation.
fn binomial_dev(y: f64, mu: f64) -> f64 {
    let term = |a: f64, b: f64| if a > 0.0 { a * (a / b).ln() } else { 0.0 };
    2.0 * (term(y, mu) + term(1.0 - y, 1.0 - mu))
}

fn deviance(link: Link, y: &[f64], mu: &[f64]) -> f64 {
    match link {
        Link::Identity => y.iter().zip(mu).map(|(a, b)| (a - b).powi(2)).sum(),
        Link::Logit => y.iter().zip(mu).map(|(&a, &b)| binomial_dev(a, b)).sum(),
    }
}

/// Accumulate $X^\top W X$ (full, symmetric) and $X^\top W z$ at the current $\eta$, $\mu$.
fn normal_equations(
    link: Link,
    columns: &[Vec<f64>],
    y: &[f64],
    eta: &[f64],
    mu: &[f64],
    xtwx: &mut [f64],
    xtwz: &mut [f64],
) {
    let p = columns.len();
    xtwx.iter_mut().for_each(|v| *v = 0.0);
    xtwz.iter_mut().for_each(|v| *v = 0.0);
    for i in 0..y.len() {
        // d mu / d eta and the variance function coincide for the logit link
        let d_mu = match link {
            Link::Identity => 1.0,
            Link::Logit => mu[i] * (1.0 - mu[i]),
        };
        let w = match link {
            Link::Identity => 1.0,
            Link::Logit => d_mu,
        };
        let z = eta[i] + (y[i] - mu[i]) / d_mu;
        for a in 0..p {
            let xa = columns[a][i] * w;
            xtwz[a] += xa * z;
            for b in 0..=a {
                xtwx[a * p + b] += xa * columns[b][i];
            }
        }
    }
    for a in 0..p {
        for b in 0..a {
            xtwx[b * p + a] = xtwx[a * p + b];
        }
    }
}

fn factor(model: &str, xtwx: &[f64], p: usize) -> Result<Vec<f64>, AssessError> {
    cholesky(xtwx, p)
        .ok_or_else(|| est_err(model, "the design matrix is singular (a term is constant or collinear with others)"))
}

/// Fit a GLM. `columns` are the design matrix's columns (include a column of ones for the
/// intercept), `terms` their names; `model` labels errors. [`Family::CumulativeLogit`] is
/// handed to [`super::ordinal::fit_ordinal`] (its columns must not include an intercept).
pub fn fit_glm(
    model: &str,
    family: Family,
    y: &[f64],
    columns: &[Vec<f64>],
    terms: &[String],
    opts: &GlmOptions,
) -> Result<GlmFit, AssessError> {
    let link = match family {
        Family::Gaussian => Link::Identity,
        Family::Binomial => Link::Logit,
        Family::CumulativeLogit => return super::ordinal::fit_ordinal(model, y, columns, terms, opts),
    };
    let n = y.len();
    let p = columns.len();
    if p == 0 || terms.len() != p || columns.iter().any(|c| c.len() != n) {
        return Err(est_err(model, "the design matrix and the outcome do not have matching sizes"));
    }
    if n <= p {
        return Err(est_err(model, format!("{n} observations are too few for {p} coefficients")));
    }
    if y.iter().chain(columns.iter().flatten()).any(|v| !v.is_finite()) {
        return Err(est_err(model, "the data contain a value that is not a finite number"));
    }
    if link == Link::Logit && y.iter().any(|&v| v.abs() > 1e-12 && (v - 1.0).abs() > 1e-12) {
        return Err(est_err(model, "a logistic outcome must be 0 or 1"));
    }
    let mut eta: Vec<f64> = match link {
        Link::Identity => y.to_vec(),
        Link::Logit => y
            .iter()
            .map(|&v| {
                let mu = (v + 0.5) / 2.0;
                (mu / (1.0 - mu)).ln()
            })
            .collect(),
    };
    let mu_of = |eta: &[f64]| -> Vec<f64> {
        match link {
            Link::Identity => eta.to_vec(),
            Link::Logit => eta.iter().map(|&e| logistic(e)).collect(),
        }
    };
    let mut mu = mu_of(&eta);
    let mut dev_old = deviance(link, y, &mu);
    let mut beta = vec![0.0; p];
    let mut chol = Vec::new();
    let mut xtwx = vec![0.0; p * p];
    let mut xtwz = vec![0.0; p];
    let mut iterations = 0;
    let mut converged = false;
    while iterations < opts.max_iter {
        iterations += 1;
        normal_equations(link, columns, y, &eta, &mu, &mut xtwx, &mut xtwz);
        chol = factor(model, &xtwx, p)?;
        beta = chol_solve(&chol, p, &xtwz);
        for (i, e) in eta.iter_mut().enumerate() {
            *e = (0..p).map(|a| columns[a][i] * beta[a]).sum();
        }
        mu = mu_of(&eta);
        let dev = deviance(link, y, &mu);
        if (dev - dev_old).abs() / (dev.abs() + 0.1) < opts.tol || link == Link::Identity {
            // one weighted least-squares step is exact for the Gaussian identity model
            dev_old = dev;
            converged = true;
            break;
        }
        dev_old = dev;
    }
    if !converged {
        return Err(est_err(model, format!("IRLS did not converge in {} iterations (separation?)", opts.max_iter)));
    }
    if link == Link::Logit && mu.iter().any(|&m| !(1e-10..=1.0 - 1e-10).contains(&m)) {
        return Err(est_err(model, "fitted probabilities of 0 or 1 occurred (complete separation)"));
    }
    let deviance = dev_old;
    let df_residual = n - p;
    let dispersion = match link {
        Link::Identity => deviance / df_residual as f64,
        Link::Logit => 1.0,
    };
    // (X'WX)^{-1} at the solution: the binomial weights are recomputed at the final estimates
    // (R's summary.glm uses those of the last iteration, equal at convergence)
    if link == Link::Logit {
        normal_equations(link, columns, y, &eta, &mu, &mut xtwx, &mut xtwz);
        chol = factor(model, &xtwx, p)?;
    }
    let mut inv_diag = vec![0.0; p];
    for (a, d) in inv_diag.iter_mut().enumerate() {
        let mut e = vec![0.0; p];
        e[a] = 1.0;
        *d = chol_solve(&chol, p, &e)[a];
    }
    let std_error: Vec<f64> = inv_diag.iter().map(|d| (dispersion * d).sqrt()).collect();
    let statistic: Vec<f64> = beta.iter().zip(&std_error).map(|(b, s)| b / s).collect();
    let alpha = 1.0 - opts.level;
    let (p_value, q): (Vec<f64>, f64) = match link {
        Link::Logit => {
            let norm = Normal::new(0.0, 1.0).map_err(|e| est_err(model, e.to_string()))?;
            (statistic.iter().map(|z| 2.0 * norm.cdf(-z.abs())).collect(), norm.inverse_cdf(1.0 - alpha / 2.0))
        }
        Link::Identity => {
            let t = StudentsT::new(0.0, 1.0, df_residual as f64).map_err(|e| est_err(model, e.to_string()))?;
            (statistic.iter().map(|s| 2.0 * t.cdf(-s.abs())).collect(), t.inverse_cdf(1.0 - alpha / 2.0))
        }
    };
    let ci_lower = beta.iter().zip(&std_error).map(|(b, s)| b - q * s).collect();
    let ci_upper = beta.iter().zip(&std_error).map(|(b, s)| b + q * s).collect();
    let has_intercept = columns.iter().any(|c| c.iter().all(|&v| (v - 1.0).abs() < 1e-15));
    // the null model is the intercept-only fit, or eta = 0 without an intercept (as in R)
    let null_mean = match (has_intercept, link) {
        (true, _) => y.iter().sum::<f64>() / n as f64,
        (false, Link::Identity) => 0.0,
        (false, Link::Logit) => 0.5,
    };
    let null_deviance = self::deviance(link, y, &vec![null_mean; n]);
    let aic = match link {
        Link::Logit => deviance + 2.0 * p as f64,
        Link::Identity => {
            let nf = n as f64;
            nf * ((2.0 * std::f64::consts::PI * deviance / nf).ln() + 1.0) + 2.0 * (p as f64 + 1.0)
        }
    };
    Ok(GlmFit {
        family,
        terms: terms.to_vec(),
        estimate: beta,
        std_error,
        statistic,
        p_value,
        ci_lower,
        ci_upper,
        deviance,
        null_deviance,
        aic,
        df_residual,
        dispersion,
        iterations,
        n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn linear_fit_recovers_an_exact_line() {
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| 1.5 + 2.0 * v).collect();
        let fit = fit_glm(
            "line",
            Family::Gaussian,
            &y,
            &[vec![1.0; 10], x],
            &names(&["(Intercept)", "x"]),
            &GlmOptions::default(),
        )
        .expect("fits");
        assert!((fit.estimate[0] - 1.5).abs() < 1e-10);
        assert!((fit.estimate[1] - 2.0).abs() < 1e-10);
        assert!(fit.deviance < 1e-18);
    }

    #[test]
    fn logistic_with_one_binary_term_matches_log_odds() {
        // group 0: 2 of 8 events; group 1: 6 of 8 -> log odds ln(1/3) and ln(3) - ln(1/3)
        let g: Vec<f64> = (0..16).map(|i| if i < 8 { 0.0 } else { 1.0 }).collect();
        let y: Vec<f64> = (0..16).map(|i| if i < 2 || (8..14).contains(&i) { 1.0 } else { 0.0 }).collect();
        let fit = fit_glm(
            "lo",
            Family::Binomial,
            &y,
            &[vec![1.0; 16], g],
            &names(&["(Intercept)", "g"]),
            &GlmOptions::default(),
        )
        .expect("fits");
        assert!((fit.estimate[0] - (1.0f64 / 3.0).ln()).abs() < 1e-9);
        assert!((fit.estimate[1] - 2.0 * 3.0f64.ln()).abs() < 1e-9);
        // se of a log odds ratio: sqrt(1/2 + 1/6 + 1/6 + 1/2)
        assert!((fit.std_error[1] - (4.0f64 / 3.0).sqrt()).abs() < 1e-8);
    }

    #[test]
    fn collinear_design_is_refused() {
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let err = fit_glm(
            "c",
            Family::Gaussian,
            &x,
            &[vec![1.0; 10], x.clone(), x.clone()],
            &names(&["a", "b", "c"]),
            &GlmOptions::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("singular"), "{err}");
    }

    #[test]
    fn separation_is_refused() {
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|&v| if v < 5.0 { 0.0 } else { 1.0 }).collect();
        assert!(fit_glm("s", Family::Binomial, &y, &[vec![1.0; 10], x], &names(&["a", "b"]), &GlmOptions::default())
            .is_err());
    }
}
