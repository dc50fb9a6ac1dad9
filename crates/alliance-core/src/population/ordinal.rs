//! Proportional-odds (cumulative logit) model for an ordered outcome such as the integration
//! level (1 licensing .. 4 merger/acquisition), as R's `MASS::polr()`:
//!
//! $\mathrm{logit}\,P(Y \le k \mid x) = \theta_k - x^\top\beta$, $k = 1, \dots, K-1$,
//!
//! with no intercept in $x$ (the thresholds $\theta$ play its part). Fitted by Newton-Raphson
//! on $(\beta, \theta)$ with the analytic gradient and Hessian of
//! $\ell = \sum_i \log\{F(\theta_{y_i} - \eta_i) - F(\theta_{y_i - 1} - \eta_i)\}$
//! ($F$ logistic, $\theta_0 = -\infty$, $\theta_K = +\infty$), halving steps that do not raise
//! $\ell$. Standard errors from the observed information $(-\nabla^2\ell)^{-1}$; Wald $z$,
//! normal p-values and intervals. The outcome's levels are its distinct observed values.

use super::glm::{chol_solve, cholesky, logistic, Family, GlmFit, GlmOptions};
use crate::error::AssessError;
use statrs::distribution::{ContinuousCDF, Normal};

fn err(model: &str, message: impl Into<String>) -> AssessError {
    AssessError::Estimation { model: model.to_string(), message: message.into() }
}

/// Density of the logistic distribution and its derivative at `x` (0 at infinities).
fn density(x: f64) -> (f64, f64) {
    if x.is_infinite() {
        return (0.0, 0.0);
    }
    let f = logistic(x);
    let d = f * (1.0 - f);
    (d, d * (1.0 - 2.0 * f))
}

struct Eval {
    loglik: f64,
    grad: Vec<f64>,
    hess: Vec<f64>,
}

/// Log-likelihood, gradient and Hessian at `par = (beta, theta)`.
fn evaluate(level: &[usize], columns: &[Vec<f64>], k: usize, par: &[f64]) -> Option<Eval> {
    let p = columns.len();
    let m = p + k - 1;
    let (beta, theta) = par.split_at(p);
    if theta.windows(2).any(|w| w[1] <= w[0]) {
        return None;
    }
    let mut loglik = 0.0;
    let mut grad = vec![0.0; m];
    let mut hess = vec![0.0; m * m];
    let mut dp = vec![0.0; m];
    let mut x = vec![0.0; p];
    for (i, &y) in level.iter().enumerate() {
        for (a, xa) in x.iter_mut().enumerate() {
            *xa = columns[a][i];
        }
        let eta: f64 = x.iter().zip(beta).map(|(xa, b)| xa * b).sum();
        let upper = if y + 1 < k { theta[y] - eta } else { f64::INFINITY };
        let lower = if y > 0 { theta[y - 1] - eta } else { f64::NEG_INFINITY };
        let cdf = |v: f64| {
            if v.is_infinite() {
                f64::from(u8::from(v > 0.0))
            } else {
                logistic(v)
            }
        };
        let prob = cdf(upper) - cdf(lower);
        if prob <= 0.0 {
            return None;
        }
        loglik += prob.ln();
        let ((fu, du), (fl, dl)) = (density(upper), density(lower));
        // gradient of prob
        dp.iter_mut().for_each(|v| *v = 0.0);
        for a in 0..p {
            dp[a] = -x[a] * (fu - fl);
        }
        let tu = (y + 1 < k).then_some(p + y);
        let tl = (y > 0).then(|| p + y - 1);
        if let Some(t) = tu {
            dp[t] = fu;
        }
        if let Some(t) = tl {
            dp[t] = -fl;
        }
        for a in 0..m {
            grad[a] += dp[a] / prob;
        }
        // second derivatives of prob, then d2 log prob = d2 prob / prob - dp dp' / prob^2
        let mut add = |a: usize, b: usize, v: f64| {
            hess[a * m + b] += v / prob;
        };
        for a in 0..p {
            for b in 0..p {
                add(a, b, x[a] * x[b] * (du - dl));
            }
            if let Some(t) = tu {
                add(a, t, -x[a] * du);
                add(t, a, -x[a] * du);
            }
            if let Some(t) = tl {
                add(a, t, x[a] * dl);
                add(t, a, x[a] * dl);
            }
        }
        if let Some(t) = tu {
            add(t, t, du);
        }
        if let Some(t) = tl {
            add(t, t, -dl);
        }
        for a in 0..m {
            for b in 0..m {
                hess[a * m + b] -= dp[a] * dp[b] / (prob * prob);
            }
        }
    }
    Some(Eval { loglik, grad, hess })
}

/// Fit the proportional-odds model. `columns` must not contain an intercept; `terms` names
/// them. The result's terms are the slopes followed by the thresholds `1|2`, `2|3`, ...
/// (named after the outcome's levels, as `polr` does).
pub fn fit_ordinal(
    model: &str,
    y: &[f64],
    columns: &[Vec<f64>],
    terms: &[String],
    opts: &GlmOptions,
) -> Result<GlmFit, AssessError> {
    let n = y.len();
    let p = columns.len();
    if terms.len() != p || columns.iter().any(|c| c.len() != n) {
        return Err(err(model, "the design matrix and the outcome do not have matching sizes"));
    }
    if y.iter().chain(columns.iter().flatten()).any(|v| !v.is_finite()) {
        return Err(err(model, "the data contain a value that is not a finite number"));
    }
    let mut levels: Vec<f64> = y.to_vec();
    levels.sort_by(f64::total_cmp);
    levels.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    let k = levels.len();
    if k < 2 {
        return Err(err(model, "the ordered outcome has a single level"));
    }
    let level: Vec<usize> = y.iter().map(|v| levels.iter().position(|l| (l - v).abs() < 1e-9).unwrap_or(0)).collect();
    let m = p + k - 1;
    if n <= m {
        return Err(err(model, format!("{n} observations are too few for {m} parameters")));
    }
    // start: beta = 0, thresholds at the logits of the cumulative proportions
    let mut par = vec![0.0; m];
    let mut cum = 0.0;
    for j in 0..k - 1 {
        cum += level.iter().filter(|&&l| l == j).count() as f64 / n as f64;
        par[p + j] = (cum / (1.0 - cum)).ln();
    }
    let null_loglik: f64 = (0..k)
        .map(|j| {
            let c = level.iter().filter(|&&l| l == j).count() as f64;
            c * (c / n as f64).ln()
        })
        .sum();
    let singular = || err(model, "the information matrix is singular (collinear terms or separation)");
    let mut cur = evaluate(&level, columns, k, &par).ok_or_else(singular)?;
    let mut iterations = 0;
    loop {
        iterations += 1;
        if iterations > opts.max_iter {
            return Err(err(model, format!("Newton-Raphson did not converge in {} iterations", opts.max_iter)));
        }
        let info: Vec<f64> = cur.hess.iter().map(|h| -h).collect();
        let chol = cholesky(&info, m).ok_or_else(singular)?;
        let step = chol_solve(&chol, m, &cur.grad);
        let mut scale = 1.0;
        let next = loop {
            let trial: Vec<f64> = par.iter().zip(&step).map(|(a, s)| a + scale * s).collect();
            if let Some(e) = evaluate(&level, columns, k, &trial) {
                if e.loglik >= cur.loglik - 1e-12 * cur.loglik.abs() {
                    break Some((trial, e));
                }
            }
            scale /= 2.0;
            if scale < 1e-10 {
                break None;
            }
        };
        let (trial, e) = next.ok_or_else(singular)?;
        let change = (e.loglik - cur.loglik).abs();
        let max_step = step.iter().fold(0.0f64, |a, s| a.max((scale * s).abs()));
        par = trial;
        cur = e;
        if change < opts.tol * (cur.loglik.abs() + 0.1) && max_step < 1e-8 {
            break;
        }
    }
    let info: Vec<f64> = cur.hess.iter().map(|h| -h).collect();
    let chol = cholesky(&info, m).ok_or_else(singular)?;
    let std_error: Vec<f64> = (0..m)
        .map(|a| {
            let mut e = vec![0.0; m];
            e[a] = 1.0;
            chol_solve(&chol, m, &e)[a].sqrt()
        })
        .collect();
    let norm = Normal::new(0.0, 1.0).map_err(|e| err(model, e.to_string()))?;
    let q = norm.inverse_cdf(1.0 - (1.0 - opts.level) / 2.0);
    let statistic: Vec<f64> = par.iter().zip(&std_error).map(|(b, s)| b / s).collect();
    let label = |v: f64| {
        if (v - v.round()).abs() < 1e-9 {
            format!("{v:.0}")
        } else {
            format!("{v}")
        }
    };
    let mut names = terms.to_vec();
    for j in 0..k - 1 {
        names.push(format!("{}|{}", label(levels[j]), label(levels[j + 1])));
    }
    let deviance = -2.0 * cur.loglik;
    Ok(GlmFit {
        family: Family::CumulativeLogit,
        terms: names,
        p_value: statistic.iter().map(|z| 2.0 * norm.cdf(-z.abs())).collect(),
        ci_lower: par.iter().zip(&std_error).map(|(b, s)| b - q * s).collect(),
        ci_upper: par.iter().zip(&std_error).map(|(b, s)| b + q * s).collect(),
        statistic,
        estimate: par,
        std_error,
        deviance,
        null_deviance: -2.0 * null_loglik,
        aic: deviance + 2.0 * m as f64,
        df_residual: n - m,
        dispersion: 1.0,
        iterations,
        n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_levels_reduce_to_logistic_regression_with_flipped_sign_intercept() {
        // With K = 2, logit P(Y = 2) = eta - theta: a logistic regression with intercept -theta.
        let g: Vec<f64> = (0..16).map(|i| if i < 8 { 0.0 } else { 1.0 }).collect();
        let y: Vec<f64> = (0..16).map(|i| if i < 2 || (8..14).contains(&i) { 2.0 } else { 1.0 }).collect();
        let fit = fit_ordinal("k2", &y, &[g], &["g".to_string()], &GlmOptions::default()).expect("fits");
        assert!((fit.estimate[0] - 2.0 * 3.0f64.ln()).abs() < 1e-8);
        assert!((fit.estimate[1] - 3.0f64.ln()).abs() < 1e-8);
        assert_eq!(fit.terms[1], "1|2");
        assert!((fit.std_error[0] - (4.0f64 / 3.0).sqrt()).abs() < 1e-7);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let x: Vec<f64> = (0..30).map(|i| f64::from(i % 7) / 3.0).collect();
        let level: Vec<usize> = (0..30).map(|i| (i * 7 + i / 3) % 3).collect();
        let cols = [x];
        let par = [0.3, -0.5, 0.8];
        let e = evaluate(&level, &cols, 3, &par).expect("valid");
        for a in 0..3 {
            let h = 1e-6;
            let mut up = par;
            up[a] += h;
            let mut dn = par;
            dn[a] -= h;
            let fd = (evaluate(&level, &cols, 3, &up).expect("valid").loglik
                - evaluate(&level, &cols, 3, &dn).expect("valid").loglik)
                / (2.0 * h);
            // central differences: error O(h^2) plus rounding ~1e-10 / h
            assert!((fd - e.grad[a]).abs() < 1e-6, "d/d{a}: {fd} vs {}", e.grad[a]);
            let fdh: Vec<f64> = (0..3)
                .map(|b| {
                    let gu = evaluate(&level, &cols, 3, &up).expect("valid").grad[b];
                    let gd = evaluate(&level, &cols, 3, &dn).expect("valid").grad[b];
                    (gu - gd) / (2.0 * h)
                })
                .collect();
            for (b, fd_ab) in fdh.iter().enumerate() {
                assert!((fd_ab - e.hess[a * 3 + b]).abs() < 1e-5, "H[{a},{b}]");
            }
        }
    }
}
