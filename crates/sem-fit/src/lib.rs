//! Inference after estimation (lavaan: `lav_model_vcov()`, `lav_model_test()`,
//! `lav_object_independence()`, `fitMeasures()`, `standardizedSolution()`).
//!
//! - **Standard errors** from the expected information, $\operatorname{vcov}(\hat\theta) =
//!   K (K^\top \mathcal I K)^{-1} K^\top / N$ ([`vcov_from_information`]); $z = \hat\theta/\mathrm{se}$,
//!   $p = 2(1-\Phi(|z|))$, 95% CI $\hat\theta \pm \Phi^{-1}(0.975)\,\mathrm{se}$.
//! - **Defined parameters** by the delta method with the exact gradient of the expression.
//! - **Test**: $\chi^2 = 2 N f_{min}$, df = sample moments − free parameters + equality constraints.
//! - **Baseline**: the independence model, $\Sigma_0 = \operatorname{diag}(S_{yy}) \oplus S_{xx}$,
//!   which has a closed-form ML solution.
//! - **Fit measures** with lavaan's names and formulas ([`fit_measures`]), including RMSEA's
//!   confidence interval by inverting the noncentral chi-square distribution.
//! - **Standardised solutions** `std.lv` and `std.all` from model-implied variances ([`standardize`]).
#![deny(missing_docs)]

pub mod dist;

use sem_linalg::{self as la, Mat};
use sem_model::{GroupState, Model};
use sem_partable::{Op, ParTable};

/// Errors of inference.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    /// The information matrix cannot be inverted.
    #[error("The information matrix is singular, so standard errors cannot be computed: the model is probably not identified (check parameter {0}).")]
    SingularInformation(String),
}

/// Sample moments of one group.
#[derive(Debug, Clone)]
pub struct Moments<'a> {
    /// Covariance (divisor N).
    pub cov: &'a Mat,
    /// Means.
    pub mean: &'a [f64],
    /// Observations.
    pub nobs: usize,
}

/// $\operatorname{vcov} = K (K^\top \mathcal I K)^{-1} K^\top / N$ from the unit information.
/// `describe` names a free parameter for the error message.
pub fn vcov_from_information(
    info: &Mat,
    k: Option<&Mat>,
    ntotal: f64,
    describe: &dyn Fn(usize) -> String,
) -> Result<Mat, FitError> {
    let (iz, kk) = match k {
        None => (info.clone(), None),
        Some(km) => (km.t_matmul(&info.matmul(km)), Some(km)),
    };
    // Scale to unit diagonal before inverting, for a meaningful singularity test.
    let n = iz.rows();
    let d: Vec<f64> = iz.diag().iter().map(|v| if *v > 0.0 { 1.0 / v.sqrt() } else { 1.0 }).collect();
    let mut sc = iz.clone();
    for i in 0..n {
        for j in 0..n {
            sc[(i, j)] *= d[i] * d[j];
        }
    }
    // A pivot that vanishes relative to the unit diagonal marks a parameter that the others
    // determine: the model is not identified there.
    let mut l = Mat::zeros(n, n);
    let singular_at = match la::cholesky_into(&sc, &mut l) {
        Err(la::LinalgError::NotPositiveDefinite { index, .. }) => Some(index),
        Err(_) => Some(0),
        Ok(()) => (0..n).find(|&i| l[(i, i)] * l[(i, i)] < 1e-10),
    };
    if let Some(best) = singular_at {
        let which = match kk {
            None => best,
            Some(km) => {
                let mut b = 0;
                for r in 0..km.rows() {
                    if km[(r, best)].abs() > km[(b, best)].abs() {
                        b = r;
                    }
                }
                b
            }
        };
        return Err(FitError::SingularInformation(describe(which)));
    }
    let mut inv = Mat::zeros(n, n);
    let mut work = Mat::zeros(n, n);
    la::chol_inverse_into(&l, &mut inv, &mut work);
    let mut invz = inv;
    for i in 0..n {
        for j in 0..n {
            invz[(i, j)] *= d[i] * d[j] / ntotal;
        }
    }
    Ok(match kk {
        None => invz,
        Some(km) => km.matmul(&invz).matmul_t(km),
    })
}

/// Value, gradient, and delta-method SE of each defined parameter.
pub fn defined_params(pt: &ParTable, x: &[f64], vcov: Option<&Mat>) -> Vec<(f64, Option<f64>)> {
    let mut defs: Vec<(f64, Vec<f64>)> = Vec::new();
    let mut out = Vec::new();
    for d in &pt.defined {
        let (v, g) = d.expr.eval_grad(x, &defs);
        let se = vcov.map(|vc| {
            let vg = vc.mul_vec(&g);
            let var = la::dot(&g, &vg);
            if var >= 0.0 {
                var.sqrt()
            } else {
                f64::NAN
            }
        });
        out.push((v, se));
        defs.push((v, g));
    }
    out
}

/// Test statistic and degrees of freedom.
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    /// $\chi^2$.
    pub chisq: f64,
    /// Degrees of freedom.
    pub df: f64,
    /// Upper-tail p-value (NaN when df = 0).
    pub pvalue: f64,
    /// Per-group contributions.
    pub chisq_group: Vec<f64>,
}

/// Per-group $\log|S|$ and the ML fit of the independence model.
fn baseline_f(pt: &ParTable, m: &Moments) -> f64 {
    let p = m.cov.rows();
    let ov = &pt.vnames.ov;
    let exo = pt.rows.iter().any(|r| r.exo);
    let is_x: Vec<bool> = ov.iter().map(|v| exo && pt.vnames.is_ov_x(v)).collect();
    let mut sb = Mat::zeros(p, p);
    for i in 0..p {
        for j in 0..p {
            if i == j || (is_x[i] && is_x[j]) {
                sb[(i, j)] = m.cov[(i, j)];
            }
        }
    }
    let (sbi, ld_b) = match la::spd_inverse(&sb) {
        Ok(v) => v,
        Err(_) => return f64::NAN,
    };
    let ld_s = la::spd_inverse(m.cov).map(|v| v.1).unwrap_or(f64::NAN);
    let tr: f64 = (0..p).map(|i| la::dot(m.cov.row(i), sbi.row(i))).sum();
    ld_b + tr - ld_s - p as f64
}

/// Number of fixed exogenous covariates (0 without `fixed.x` rows).
fn n_exo(pt: &ParTable) -> usize {
    if pt.rows.iter().any(|r| r.exo) {
        pt.vnames.ov_x.len()
    } else {
        0
    }
}

/// Inputs of the fit measures.
pub struct FitInput<'a> {
    /// Parameter table.
    pub pt: &'a ParTable,
    /// Model.
    pub model: &'a Model,
    /// States at the estimate.
    pub states: &'a [GroupState],
    /// Sample moments.
    pub moments: &'a [Moments<'a>],
    /// $f_{min}$.
    pub fmin: f64,
    /// Per-group $\frac12 F_g$.
    pub fx_group: &'a [f64],
    /// Number of free parameters minus independent equality constraints.
    pub npar: usize,
}

fn ntotal(m: &[Moments]) -> f64 {
    m.iter().map(|g| g.nobs as f64).sum()
}

/// The model test (lavaan's "standard" test).
pub fn model_test(inp: &FitInput) -> Test {
    let chisq_group: Vec<f64> =
        inp.moments.iter().zip(inp.fx_group).map(|(m, fx)| (2.0 * m.nobs as f64 * fx).max(0.0)).collect();
    let chisq = chisq_group.iter().sum::<f64>();
    let ndat = inp.pt.ndat_per_group() * inp.pt.ngroups;
    let df = ndat as f64 - inp.npar as f64;
    let pvalue = if df > 0.0 { dist::pchisq_upper(chisq, df) } else { f64::NAN };
    Test { chisq, df, pvalue, chisq_group }
}

/// Fit measures in lavaan's order and names.
pub fn fit_measures(inp: &FitInput, test: &Test) -> Vec<(String, f64)> {
    let pt = inp.pt;
    let n = ntotal(inp.moments);
    let g = pt.ngroups as f64;
    let p = pt.vnames.ov.len();
    let px = n_exo(pt);
    let mut out: Vec<(String, f64)> = Vec::new();
    let mut put = |k: &str, v: f64| out.push((k.to_string(), v));
    let (x2, df) = (test.chisq, test.df);
    put("npar", inp.npar as f64);
    put("fmin", inp.fmin);
    put("chisq", x2);
    put("df", df);
    put("pvalue", test.pvalue);
    // baseline
    let x2b: f64 = inp.moments.iter().map(|m| m.nobs as f64 * baseline_f(pt, m)).sum::<f64>().max(0.0);
    let ndat_g = pt.ndat_per_group();
    let kb = (p - px) * if pt.meanstructure { 2 } else { 1 };
    let dfb = ((ndat_g - kb) * pt.ngroups) as f64;
    put("baseline.chisq", x2b);
    put("baseline.df", dfb);
    put("baseline.pvalue", if dfb > 0.0 { dist::pchisq_upper(x2b, dfb) } else { f64::NAN });
    for (k, v) in incremental_measures(x2, df, x2b, dfb) {
        put(k, v);
    }
    // log-likelihoods
    let l2pi = (2.0 * std::f64::consts::PI).ln();
    let mut logl = 0.0;
    let mut logl_h1 = 0.0;
    for (gi, m) in inp.moments.iter().enumerate() {
        let ng = m.nobs as f64;
        let st = &inp.states[gi];
        let tr: f64 = (0..p).map(|i| la::dot(m.cov.row(i), st.sigma_inv.row(i))).sum();
        let mut quad = 0.0;
        if pt.meanstructure {
            let d: Vec<f64> = m.mean.iter().zip(&st.mu).map(|(a, b)| a - b).collect();
            quad = la::dot(&d, &st.sigma_inv.mul_vec(&d));
        }
        let ld_s = la::spd_inverse(m.cov).map(|v| v.1).unwrap_or(f64::NAN);
        logl += -ng / 2.0 * (p as f64 * l2pi + st.logdet + tr + quad);
        logl_h1 += -ng / 2.0 * (p as f64 * l2pi + ld_s + p as f64);
        if px > 0 {
            // condition on the fixed covariates: subtract their marginal log-likelihood
            let xi: Vec<usize> =
                pt.vnames.ov_x.iter().filter_map(|v| pt.vnames.ov.iter().position(|o| o == v)).collect();
            let mut sxx = Mat::zeros(px, px);
            for (a, &ia) in xi.iter().enumerate() {
                for (b, &ib) in xi.iter().enumerate() {
                    sxx[(a, b)] = m.cov[(ia, ib)];
                }
            }
            let ld_x = la::spd_inverse(&sxx).map(|v| v.1).unwrap_or(f64::NAN);
            let lx = -ng / 2.0 * (px as f64 * l2pi + ld_x + px as f64);
            logl -= lx;
            logl_h1 -= lx;
        }
    }
    put("logl", logl);
    put("unrestricted.logl", logl_h1);
    let k = inp.npar as f64;
    put("aic", -2.0 * logl + 2.0 * k);
    put("bic", -2.0 * logl + k * n.ln());
    put("ntotal", n);
    put("bic2", -2.0 * logl + k * ((n + 2.0) / 24.0).ln());
    // RMSEA
    let rmsea = if df > 0.0 { ((x2 / (n * df) - 1.0 / n).max(0.0)).sqrt() * g.sqrt() } else { 0.0 };
    put("rmsea", rmsea);
    let (lo, hi) = rmsea_ci(x2, df, n, g);
    put("rmsea.ci.lower", lo);
    put("rmsea.ci.upper", hi);
    put("rmsea.ci.level", 0.90);
    let pclose = if df > 0.0 { 1.0 - dist::pchisq_nc(x2, df, n * df * 0.05 * 0.05 / g) } else { f64::NAN };
    put("rmsea.pvalue", pclose);
    put("rmsea.close.h0", 0.05);
    let pnot = if df > 0.0 { dist::pchisq_nc(x2, df, n * df * 0.08 * 0.08 / g) } else { f64::NAN };
    put("rmsea.notclose.pvalue", pnot);
    put("rmsea.notclose.h0", 0.08);
    // residual-based
    let (rmr, srmr) = residual_measures(inp);
    put("rmr", rmr);
    put("srmr", srmr);
    // GFI family: lavaan's weight is the normal-theory h1 information at the implied moments,
    // which gives zero weight to the moments of fixed exogenous covariates.
    let xi: Vec<bool> = pt.vnames.ov.iter().map(|v| px > 0 && pt.vnames.is_ov_x(v)).collect();
    let mut gfi = 0.0;
    for (gi, m) in inp.moments.iter().enumerate() {
        let st = &inp.states[gi];
        let si = &st.sigma_inv;
        let mut s_obs = m.cov.clone();
        let mut e = m.cov.clone();
        for i in 0..p {
            for j in 0..p {
                e[(i, j)] -= st.sigma[(i, j)];
                if xi[i] && xi[j] {
                    s_obs[(i, j)] = 0.0;
                    e[(i, j)] = 0.0;
                }
            }
        }
        let a = si.matmul(&e);
        let b = si.matmul(&s_obs);
        let mut num = 0.5 * a.matmul(&a).trace();
        let mut den = 0.5 * b.matmul(&b).trace();
        if pt.meanstructure {
            let d: Vec<f64> = (0..p).map(|i| if xi[i] { 0.0 } else { m.mean[i] - st.mu[i] }).collect();
            let y: Vec<f64> = (0..p).map(|i| if xi[i] { 0.0 } else { m.mean[i] }).collect();
            num += la::dot(&d, &si.mul_vec(&d));
            den += la::dot(&y, &si.mul_vec(&y));
        }
        gfi += m.nobs as f64 / n * (1.0 - num / den);
    }
    let nel = ((p * (p + 1) / 2 + if pt.meanstructure { p } else { 0 }) * pt.ngroups) as f64;
    put("gfi", gfi);
    put("agfi", if df > 0.0 { 1.0 - (nel / df) * (1.0 - gfi) } else { 1.0 });
    put("pgfi", (df / nel) * gfi);
    put("mfi", (-0.5 * (x2 - df) / n).exp());
    put("ecvi", x2 / n + 2.0 * k / n);
    out
}

/// The incremental fit indices from the model's and the baseline model's $\chi^2$ and df, in
/// lavaan's order: `cfi`, `tli`, `nnfi`, `rfi`, `nfi`, `pnfi`, `ifi`, `rni` (lavaan's
/// `lav_fit_cfi()` and friends, including their conventions at the boundaries).
pub fn incremental_measures(x2: f64, df: f64, x2b: f64, dfb: f64) -> [(&'static str, f64); 8] {
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
    [
        ("cfi", cfi),
        ("tli", tli),
        ("nnfi", tli),
        ("rfi", rfi),
        ("nfi", nfi),
        ("pnfi", (df / dfb) * nfi),
        ("ifi", ifi),
        ("rni", 1.0 - (x2 - df) / (x2b - dfb)),
    ]
}

/// RMSEA 90% confidence interval by inverting the noncentral chi-square (lavaan's
/// `lav_fit_rmsea_ci`, with a tighter root tolerance).
pub fn rmsea_ci(x2: f64, df: f64, n: f64, g: f64) -> (f64, f64) {
    if df < 1.0 {
        return (0.0, 0.0);
    }
    let lower = if dist::pchisq(x2, df) < 0.95 {
        0.0
    } else {
        let lam = dist::brent(|l| dist::pchisq_nc(x2, df, l) - 0.95, 0.0, x2, 1e-10).unwrap_or(0.0);
        (lam / (n * df)).sqrt() * g.sqrt()
    };
    let nstar = n.max(4.0 * x2);
    let upper = if dist::pchisq_nc(x2, df, nstar) > 0.05 || dist::pchisq(x2, df) < 0.05 {
        0.0
    } else {
        let lam = dist::brent(|l| dist::pchisq_nc(x2, df, l) - 0.05, 0.0, nstar, 1e-10).unwrap_or(0.0);
        (lam / (n * df)).sqrt() * g.sqrt()
    };
    (lower, upper)
}

/// RMR and Bentler's SRMR, N-weighted over groups (means included with a mean structure).
fn residual_measures(inp: &FitInput) -> (f64, f64) {
    let n = ntotal(inp.moments);
    let p = inp.pt.vnames.ov.len();
    let (mut rmr, mut srmr) = (0.0, 0.0);
    for (gi, m) in inp.moments.iter().enumerate() {
        let st = &inp.states[gi];
        let (mut s1, mut s2, mut cnt) = (0.0, 0.0, 0.0);
        for i in 0..p {
            for j in 0..=i {
                let r = m.cov[(i, j)] - st.sigma[(i, j)];
                s1 += r * r;
                s2 += r * r / (m.cov[(i, i)] * m.cov[(j, j)]);
                cnt += 1.0;
            }
        }
        if inp.pt.meanstructure {
            for i in 0..p {
                let r = m.mean[i] - st.mu[i];
                s1 += r * r;
                s2 += r * r / m.cov[(i, i)];
                cnt += 1.0;
            }
        }
        let w = m.nobs as f64 / n;
        rmr += w * (s1 / cnt).sqrt();
        srmr += w * (s2 / cnt).sqrt();
    }
    (rmr, srmr)
}

/// Standardised values of every parameter-table row: `(std.lv, std.all, std.nox)`.
/// `est` holds the estimate of every row.
pub fn standardize(pt: &ParTable, model: &Model, states: &[GroupState], est: &[f64]) -> Vec<(f64, f64, f64)> {
    let ov = &pt.vnames.ov;
    let mut out = vec![(f64::NAN, f64::NAN, f64::NAN); pt.rows.len()];
    for (gi, st) in states.iter().enumerate() {
        let g = gi + 1;
        let lay = &model.groups[gi];
        let sd_lv = |s: &str| -> f64 {
            match pt.vnames.lv.iter().position(|x| x == s) {
                Some(k) => {
                    let v = st.veta[(k, k)];
                    if v >= 0.0 {
                        v.sqrt()
                    } else {
                        f64::NAN
                    }
                }
                None => 1.0,
            }
        };
        let sd_ov = |s: &str| -> f64 {
            match ov.iter().position(|x| x == s) {
                Some(i) => st.sigma[(i, i)].sqrt(),
                None => 1.0,
            }
        };
        let _ = lay;
        let var_param = |s: &str| -> f64 {
            pt.rows
                .iter()
                .enumerate()
                .find(|(_, r)| r.group == g && r.op == Op::Covariance && r.lhs == s && r.rhs == s)
                .map(|(i, _)| est[i].abs().sqrt())
                .unwrap_or(f64::NAN)
        };
        let is_lv = |s: &str| pt.vnames.is_lv(s);
        for (ri, r) in pt.rows.iter().enumerate().filter(|(_, r)| r.group == g) {
            let e = est[ri];
            let (lv, all, nox) = match r.op {
                Op::Loading => {
                    let lvv = e * sd_lv(&r.lhs) / sd_lv(&r.rhs);
                    let a = if is_lv(&r.rhs) { lvv } else { lvv / sd_ov(&r.rhs) };
                    (lvv, a, a)
                }
                Op::Regression => {
                    let lvv = e * sd_lv(&r.rhs) / sd_lv(&r.lhs);
                    let ylhs = if is_lv(&r.lhs) { 1.0 } else { sd_ov(&r.lhs) };
                    let xrhs = if is_lv(&r.rhs) { 1.0 } else { sd_ov(&r.rhs) };
                    let a = lvv * xrhs / ylhs;
                    let nx = if pt.vnames.is_ov_x(&r.rhs) { lvv / ylhs } else { a };
                    (lvv, a, nx)
                }
                Op::Covariance if r.lhs == r.rhs => {
                    if is_lv(&r.lhs) {
                        let v = e / (sd_lv(&r.lhs) * sd_lv(&r.lhs));
                        (v, v, v)
                    } else {
                        let a = e / (sd_ov(&r.lhs) * sd_ov(&r.lhs));
                        let nx = if pt.vnames.is_ov_x(&r.lhs) { e } else { a };
                        (e, a, nx)
                    }
                }
                Op::Covariance => {
                    let (l_lv, r_lv) = (is_lv(&r.lhs), is_lv(&r.rhs));
                    let mut lvv = e;
                    if l_lv {
                        lvv /= var_param(&r.lhs);
                    }
                    if r_lv {
                        lvv /= var_param(&r.rhs);
                    }
                    let mut a = lvv;
                    if !l_lv {
                        a /= var_param(&r.lhs);
                    }
                    if !r_lv {
                        a /= var_param(&r.rhs);
                    }
                    let nx = if pt.vnames.is_ov_x(&r.lhs) && pt.vnames.is_ov_x(&r.rhs) { e } else { a };
                    (lvv, a, nx)
                }
                Op::Intercept => {
                    if is_lv(&r.lhs) {
                        let v = e / sd_lv(&r.lhs);
                        (v, v, v)
                    } else {
                        let a = e / sd_ov(&r.lhs);
                        let nx = if pt.vnames.is_ov_x(&r.lhs) { e } else { a };
                        (e, a, nx)
                    }
                }
                _ => (e, e, e),
            };
            out[ri] = (lv, all, nox);
        }
    }
    out
}

/// Standardised defined parameters: the definitions evaluated at the standardised free values.
pub fn standardize_defined(pt: &ParTable, std_rows: &[f64]) -> Vec<f64> {
    let mut xs = vec![0.0; pt.nfree];
    let mut seen = vec![false; pt.nfree];
    for (r, v) in pt.rows.iter().zip(std_rows) {
        if r.free > 0 && !seen[r.free - 1] {
            xs[r.free - 1] = *v;
            seen[r.free - 1] = true;
        }
    }
    let mut defs = Vec::new();
    for d in &pt.defined {
        let v = d.expr.eval(&xs, &defs);
        defs.push(v);
    }
    defs
}
