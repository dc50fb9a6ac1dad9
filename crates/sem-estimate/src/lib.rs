//! Estimation: start values, the maximum-likelihood discrepancy and its minimisation
//! (lavaan: `lav_start()`, `lav_model_objective()`, `lav_model_estimate()`).
//!
//! The objective is lavaan's
//! $$f_{min}(\theta) = \sum_g \frac{N_g}{N}\,\tfrac12 F_g, \quad F_g = \log|\Sigma_g| +
//! \operatorname{tr}(S_g\Sigma_g^{-1}) - \log|S_g| - p + (\bar y_g-\mu_g)^\top\Sigma_g^{-1}(\bar y_g-\mu_g),$$
//! so that $\chi^2 = 2 N f_{min}$. Linear equality constraints $H\theta = h$ are removed by the
//! reparameterisation $\theta = K z + \theta_0$ with $K$ an orthonormal basis of the null space of
//! $H$ (as lavaan does). The optimiser starts with Fisher scoring: each step solves
//! $(K^\top \mathcal I K)\,\delta = -K^\top\nabla f_{min}$ with the expected information
//! $\mathcal I$ (the expected Hessian of $f_{min}$), followed by a backtracking (Armijo) line
//! search. Once the gradient is small ($\max|g| < 10^{-3}$) it switches to limited-memory BFGS
//! whose base matrix is that information: Fisher scoring alone converges only linearly when the
//! model does not fit exactly, because the observed and expected information then differ.
//! Convergence requires the gradient's largest element to fall below `grad_tol` (or the objective
//! to stop moving at machine precision with $\max|g| < 10^{-6}$, far inside lavaan's own
//! $10^{-3}$ check).
//!
//! Many refits near one solution (bootstrap draws, Monte Carlo replications) use
//! [`estimate_warm`]: from a [`Warm`] start (a point and the observed Hessian there, computed once)
//! the first step is a Newton step with that Hessian and L-BFGS on that base finishes (no
//! information matrix per refit); the objective and gradient take the $O(p^2)$ structured path
//! of [`sem_model::Model::evaluate_structured`] where the model allows; a refit stops after a full step that moves no parameter
//! by more than $3\cdot10^{-7}$ while $\max|g| < 10^{-5}$ (its estimates then agree with a fit to
//! $\max|g| < 10^{-8}$ within about $10^{-7}$). If that path fails, the ordinary [`estimate`] runs.
//!
//! Setting the environment variable `ENTENTE_TRACE` prints $f_{min}$ and the largest gradient
//! element of every iteration to stderr.
//!
//! Inequality constraints (`a > 0`) are handled by an active set: when the unconstrained optimum
//! violates one, it is made an equality and the model is refitted.
#![deny(missing_docs)]

pub mod fiml;

use sem_linalg::{self as la, Mat};
use sem_model::{GroupState, Model};
use sem_partable::{Op, ParTable};

/// Errors of estimation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EstimateError {
    /// The implied covariance matrix is not positive definite at the start values.
    #[error("The model-implied covariance matrix is not positive definite at the start values; give start values with `start(...)` or check fixed values.")]
    BadStart,
    /// The information matrix is singular: the model is not identified.
    #[error("The information matrix is singular: the model is not identified{0}.")]
    NotIdentified(String),
    /// The constraints cannot be satisfied.
    #[error("The equality constraints are inconsistent: no parameter values satisfy them all.")]
    InconsistentConstraints,
}

/// Sample moments of one group as the estimator sees them.
#[derive(Debug, Clone)]
pub struct GroupData<'a> {
    /// Covariance matrix (divisor N).
    pub cov: &'a Mat,
    /// Means.
    pub mean: &'a [f64],
    /// Number of observations.
    pub nobs: usize,
}

/// Options of the optimiser.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateOptions {
    /// Maximum number of Fisher-scoring iterations.
    pub max_iter: usize,
    /// Convergence: largest absolute gradient element (of $f_{min}$, in the optimiser's space).
    pub grad_tol: f64,
}

impl Default for EstimateOptions {
    fn default() -> Self {
        EstimateOptions { max_iter: 500, grad_tol: 1e-8 }
    }
}

/// The fitted parameter vector and diagnostics.
#[derive(Debug, Clone)]
pub struct Estimate {
    /// Free parameters.
    pub x: Vec<f64>,
    /// $f_{min}$ at the estimate.
    pub fmin: f64,
    /// Per-group $\tfrac12 F_g$.
    pub fx_group: Vec<f64>,
    /// Iterations used.
    pub iterations: usize,
    /// Whether the convergence criterion was met.
    pub converged: bool,
    /// Largest absolute gradient element at the end.
    pub grad_max: f64,
    /// The null-space basis $K$ of the active equality constraints (`nfree x nz`), if any.
    pub k: Option<Mat>,
    /// Number of independent equality constraints (incl. active inequalities).
    pub n_eq: usize,
    /// Indices of inequality constraints that ended active.
    pub active: Vec<usize>,
    /// Model states at the estimate.
    pub states: Vec<GroupState>,
}

/// Values of all parameter-table rows (fixed values, exogenous sample moments) and start values
/// of the free parameters.
///
/// Start values follow lavaan where it matters for the path to the optimum: residual variances
/// $\tfrac12 s_{ii}$, intercepts at the sample means, regressions and covariances 0, exogenous
/// covariates at their sample moments. Loadings use lavaan's closed forms (the three-indicator
/// solution $\lambda_2 = s_{32}/s_{31}$, $\lambda_3 = s_{32}/s_{21}$ and FABIN3 for four or more
/// indicators); factor variances start at the variance implied by the marker's covariances instead
/// of lavaan's 0.05, which gives Fisher scoring a shorter path.
pub fn start_values(pt: &ParTable, groups: &[GroupData]) -> (Vec<f64>, Vec<f64>) {
    let ov = &pt.vnames.ov;
    let oi = |s: &str| ov.iter().position(|x| x == s);
    let mut values = vec![0.0; pt.rows.len()];
    let mut x = vec![f64::NAN; pt.nfree];
    // per (group, factor): (loadings by indicator, variance)
    let mut lam: std::collections::HashMap<(usize, String, String), f64> = Default::default();
    let mut fvar: std::collections::HashMap<(usize, String), f64> = Default::default();
    for g in 1..=pt.ngroups {
        let s = groups[g - 1].cov;
        for f in &pt.vnames.lv {
            let inds: Vec<usize> =
                pt.group_rows(g).filter(|r| r.op == Op::Loading && &r.lhs == f).filter_map(|r| oi(&r.rhs)).collect();
            let n_all = pt.group_rows(g).filter(|r| r.op == Op::Loading && &r.lhs == f).count();
            if inds.is_empty() || inds.len() != n_all {
                continue;
            }
            let l = factor_loadings(s, &inds);
            let psi = if inds.len() >= 2 {
                let est: Vec<f64> = (1..inds.len())
                    .filter(|&k| l[k].abs() > 1e-8)
                    .map(|k| s[(inds[0], inds[k])] / l[k])
                    .filter(|v| v.is_finite())
                    .collect();
                let v = if est.is_empty() { 0.05 } else { est.iter().sum::<f64>() / est.len() as f64 };
                v.clamp(0.05 * s[(inds[0], inds[0])].min(1.0), s[(inds[0], inds[0])])
            } else {
                0.05_f64.max(s[(inds[0], inds[0])] * 0.5)
            };
            for (k, &i) in inds.iter().enumerate() {
                lam.insert((g, f.clone(), ov[i].clone()), l[k]);
            }
            fvar.insert((g, f.clone()), psi);
        }
    }
    for (ri, r) in pt.rows.iter().enumerate() {
        let gd = &groups[r.group - 1];
        let s = gd.cov;
        let v = match r.op {
            Op::Loading => {
                let base = lam.get(&(r.group, r.lhs.clone(), r.rhs.clone())).copied().unwrap_or(1.0);
                if pt.rows.iter().any(|q| {
                    q.group == r.group && q.op == Op::Covariance && q.lhs == r.lhs && q.rhs == r.lhs && q.free == 0
                }) {
                    // factor variance fixed (std.lv): rescale the marker-metric loading
                    base * fvar.get(&(r.group, r.lhs.clone())).copied().unwrap_or(1.0).sqrt()
                } else {
                    base
                }
            }
            Op::Covariance if r.lhs == r.rhs => match oi(&r.lhs) {
                Some(i) if !pt.vnames.is_lv(&r.lhs) => {
                    if r.exo {
                        s[(i, i)]
                    } else if pt.vnames.ov_x.contains(&r.lhs) || is_regression_only(pt, &r.lhs) {
                        s[(i, i)] * if is_regression_only(pt, &r.lhs) { 0.5 } else { 1.0 }
                    } else {
                        0.5 * s[(i, i)]
                    }
                }
                _ => fvar.get(&(r.group, r.lhs.clone())).copied().unwrap_or(0.05),
            },
            Op::Covariance => match (oi(&r.lhs), oi(&r.rhs)) {
                (Some(i), Some(j)) if r.exo || (pt.vnames.is_ov_x(&r.lhs) && pt.vnames.is_ov_x(&r.rhs)) => s[(i, j)],
                _ => 0.0,
            },
            Op::Intercept => match oi(&r.lhs) {
                Some(i) if !pt.vnames.is_lv(&r.lhs) => gd.mean[i],
                _ => 0.0,
            },
            _ => 0.0,
        };
        let v = if r.exo { v } else { r.ustart.unwrap_or(v) };
        values[ri] = v;
        if r.free > 0 && x[r.free - 1].is_nan() {
            x[r.free - 1] = v;
        }
    }
    for xi in x.iter_mut() {
        if !xi.is_finite() {
            *xi = 0.5;
        }
    }
    (x, values)
}

fn is_regression_only(pt: &ParTable, name: &str) -> bool {
    pt.rows.iter().any(|r| r.op == Op::Regression && r.lhs == name) && !pt.vnames.ov_ind.iter().any(|x| x == name)
}

/// Marker-metric loadings of one factor from the indicators' sample covariances (lavaan's
/// `lav_cfa_1fac_3ind` closed form for up to three indicators, FABIN3 beyond).
pub fn factor_loadings(s: &Mat, inds: &[usize]) -> Vec<f64> {
    let k = inds.len();
    let c = |a: usize, b: usize| s[(inds[a], inds[b])];
    let mut l = vec![1.0; k];
    if k == 2 {
        // lavaan pads a third indicator; with two, the marker solution is l2 = 1 (covariances only identify the product)
        return l;
    }
    if k == 3 {
        let (s21, s31, s32) = (c(1, 0), c(2, 0), c(2, 1));
        if s21 * s31 * s32 < 0.0 {
            return l;
        }
        l[1] = s32 / s31;
        l[2] = s32 / s21;
    } else if k >= 4 {
        for i in 1..k {
            let j: Vec<usize> = (1..k).filter(|&t| t != i).collect();
            let n = j.len();
            let mut sjj = Mat::zeros(n, n);
            for (a, &ja) in j.iter().enumerate() {
                for (b, &jb) in j.iter().enumerate() {
                    sjj[(a, b)] = c(ja, jb);
                }
            }
            let sj1: Vec<f64> = j.iter().map(|&t| c(t, 0)).collect();
            let sij: Vec<f64> = j.iter().map(|&t| c(i, t)).collect();
            let v = match la::spd_inverse(&sjj) {
                Ok((inv, _)) => {
                    let w = inv.mul_vec(&sj1);
                    la::dot(&sij, &w) / la::dot(&sj1, &w)
                }
                Err(_) => {
                    let num: f64 = sij.iter().zip(&sj1).map(|(a, b)| a * b).sum();
                    num / sj1.iter().map(|b| b * b).sum::<f64>()
                }
            };
            l[i] = v;
        }
    }
    for i in 1..k {
        let bound = (c(i, i) / (0.1 * c(0, 0))).sqrt();
        if !l[i].is_finite() {
            l[i] = 1.0;
        }
        l[i] = l[i].clamp(-bound, bound);
    }
    l
}

/// The estimation problem: model, fixed values and data.
pub struct Problem<'a> {
    /// The model.
    pub model: &'a Model,
    /// Values of every parameter-table row (used for fixed rows).
    pub values: &'a [f64],
    /// Sample moments per group.
    pub groups: Vec<GroupData<'a>>,
    /// $\log|S_g|$ per group.
    pub logdet_s: Vec<f64>,
}

impl<'a> Problem<'a> {
    /// Set up, computing $\log|S_g|$.
    pub fn new(model: &'a Model, values: &'a [f64], groups: Vec<GroupData<'a>>) -> Self {
        let logdet_s =
            groups.iter().map(|g| la::cholesky(g.cov).map(|l| la::chol_logdet(&l)).unwrap_or(f64::NAN)).collect();
        Problem { model, values, groups, logdet_s }
    }

    fn ntotal(&self) -> f64 {
        self.groups.iter().map(|g| g.nobs as f64).sum()
    }

    /// Evaluate all groups at `x`; returns $f_{min}$ and the per-group $\frac12F_g$, or `None` if
    /// some implied covariance matrix is not positive definite.
    pub fn fmin(&self, x: &[f64], states: &mut [GroupState]) -> Option<(f64, Vec<f64>)> {
        let n = self.ntotal();
        let mut f = 0.0;
        let mut fx = Vec::with_capacity(self.groups.len());
        for (g, gd) in self.groups.iter().enumerate() {
            self.model.evaluate(g, x, self.values, &mut states[g]).ok()?;
            let fg = 0.5 * self.model.f_ml(&states[g], gd.cov, gd.mean, self.logdet_s[g]);
            if !fg.is_finite() {
                return None;
            }
            fx.push(fg);
            f += gd.nobs as f64 / n * fg;
        }
        Some((f, fx))
    }

    /// Gradient of $f_{min}$ at the states last evaluated.
    pub fn gradient(&self, states: &[GroupState]) -> Vec<f64> {
        let n = self.ntotal();
        let mut grad = vec![0.0; self.model.nfree];
        for (g, gd) in self.groups.iter().enumerate() {
            self.model.add_gradient(g, &states[g], gd.cov, gd.mean, 0.5 * gd.nobs as f64 / n, &mut grad);
        }
        grad
    }

    /// [`Problem::fmin`] through the factor structure where the model allows
    /// ([`Model::evaluate_structured`]): $O(p^2)$ instead of $O(p^3)$ per group. Only
    /// [`Problem::gradient_structured`] may read the states afterwards; [`Problem::fmin`] makes
    /// them complete again.
    pub fn fmin_structured(&self, x: &[f64], states: &mut [GroupState]) -> Option<(f64, Vec<f64>)> {
        for (g, st) in states.iter_mut().enumerate().take(self.groups.len()) {
            self.model.evaluate_structured(g, x, self.values, st).ok()?;
        }
        self.fmin_structured_evaluated(states)
    }

    /// [`Problem::fmin_structured`] for states that [`Model::evaluate_structured`] has already
    /// brought to the point (with this problem's fixed values): only the parts that depend on the
    /// sample moments are computed.
    fn fmin_structured_evaluated(&self, states: &mut [GroupState]) -> Option<(f64, Vec<f64>)> {
        let n = self.ntotal();
        let mut f = 0.0;
        let mut fx = Vec::with_capacity(self.groups.len());
        for (g, gd) in self.groups.iter().enumerate() {
            let fg = 0.5 * self.model.f_ml_structured(&mut states[g], gd.cov, gd.mean, self.logdet_s[g]);
            if !fg.is_finite() {
                return None;
            }
            fx.push(fg);
            f += gd.nobs as f64 / n * fg;
        }
        Some((f, fx))
    }

    /// Gradient of $f_{min}$ at the states last evaluated by [`Problem::fmin_structured`] (or
    /// [`Problem::fmin`]).
    pub fn gradient_structured(&self, states: &[GroupState]) -> Vec<f64> {
        let n = self.ntotal();
        let mut grad = vec![0.0; self.model.nfree];
        for (g, gd) in self.groups.iter().enumerate() {
            self.model.add_gradient_structured(g, &states[g], gd.cov, gd.mean, 0.5 * gd.nobs as f64 / n, &mut grad);
        }
        grad
    }

    /// Unit expected information $\sum_g (N_g/N)\,\Delta_g^\top W_g \Delta_g$ at the states.
    pub fn information(&self, states: &[GroupState]) -> Mat {
        let n = self.ntotal();
        let q = self.model.nfree;
        let mut info = Mat::zeros(q, q);
        for (g, gd) in self.groups.iter().enumerate() {
            self.model.add_expected_information(g, &states[g], gd.nobs as f64 / n, &mut info);
        }
        info
    }
}

/// Linear constraints $a^\top\theta + b$ (`== 0`, or `> 0` / `< 0` for inequalities).
#[derive(Debug, Clone, PartialEq)]
pub struct LinearConstraint {
    /// Coefficients over the free parameters.
    pub a: Vec<f64>,
    /// Constant.
    pub b: f64,
    /// `Op::Equal`, `Op::Greater` (lhs > rhs, i.e. value > 0) or `Op::Less`.
    pub op: Op,
}

impl LinearConstraint {
    /// From the parameter table's constraints (which are linear by construction).
    pub fn from_partable(pt: &ParTable) -> Vec<LinearConstraint> {
        let q = pt.nfree;
        pt.constraints
            .iter()
            .map(|c| {
                let zero = vec![0.0; q];
                let (b, a) = c.expr.eval_grad(&zero, &[]);
                LinearConstraint { a, b, op: c.op }
            })
            .collect()
    }
    fn value(&self, x: &[f64]) -> f64 {
        la::dot(&self.a, x) + self.b
    }
    fn violated(&self, x: &[f64]) -> bool {
        let v = self.value(x);
        match self.op {
            Op::Greater => v < -1e-12,
            Op::Less => v > 1e-12,
            _ => false,
        }
    }
}

/// The expected information in the optimiser's space, $K^\top \mathcal I K$.
fn projected_information(problem: &Problem, states: &[GroupState], k: Option<&Mat>) -> Mat {
    let info = problem.information(states);
    match k {
        None => info,
        Some(km) => km.t_matmul(&info.matmul(km)),
    }
}

/// Largest parameter change of the final full step of a warm refit ([`estimate_warm`]).
const WARM_STEP_TOL: f64 = 3e-7;

/// An accepted step of [`line_search`].
pub(crate) struct LineStep {
    /// Step length.
    pub(crate) t: f64,
    /// The new point in the optimiser's space.
    pub(crate) z: Vec<f64>,
    /// The new free parameters.
    pub(crate) x: Vec<f64>,
    /// $f_{min}$ there.
    pub(crate) f: f64,
    /// Per-group parts of $f_{min}$ there.
    pub(crate) fx: Vec<f64>,
}

/// Backtracking (Armijo) line search from `z` along `step`: `t = 1, 1/2, 1/4, ...` (at most 40
/// halvings) until `objective(z + t step)`, which returns `(x, f, per-group f)` or `None` where
/// the model is not admissible, satisfies $f \le f_0 + 10^{-4} t\,\text{slope}$ or no longer
/// changes at machine precision. `None` when no step length is accepted.
pub(crate) fn line_search(
    z: &[f64],
    step: &[f64],
    f0: f64,
    slope: f64,
    mut objective: impl FnMut(&[f64]) -> Option<(Vec<f64>, f64, Vec<f64>)>,
) -> Option<LineStep> {
    let mut t = 1.0;
    for _ in 0..40 {
        let zn: Vec<f64> = z.iter().zip(step).map(|(a, b)| a + t * b).collect();
        if let Some((x, f, fx)) = objective(&zn) {
            if f <= f0 + 1e-4 * t * slope || (f - f0).abs() <= 1e-15 * f0.abs().max(1e-300) {
                return Some(LineStep { t, z: zn, x, f, fx });
            }
        }
        t *= 0.5;
    }
    None
}

/// Most recent step pairs kept by the limited-memory quasi-Newton phase.
const MAX_PAIRS: usize = 30;

/// $-H g$ by the L-BFGS two-loop recursion over the stored pairs, with the inverse expected
/// information as the base matrix ($H_0 v$ solved with its Cholesky factor) or a warm start's
/// inverse Hessian (a matrix-vector product). Without pairs it is the Fisher-scoring (or
/// Newton) direction.
fn quasi_newton_direction(base: &Base, pairs: &[(Vec<f64>, Vec<f64>, f64)], g: &[f64]) -> Vec<f64> {
    let mut q = g.to_vec();
    let mut alphas = Vec::with_capacity(pairs.len());
    for (sv, yv, rho) in pairs.iter().rev() {
        let a = rho * la::dot(sv, &q);
        la::axpy(-a, yv, &mut q);
        alphas.push(a);
    }
    match base {
        Base::Factor(l) => la::chol_solve(l, &mut q),
        Base::Inverse(hinv) => q = (0..hinv.rows()).map(|i| la::dot(hinv.row(i), &q)).collect(),
    }
    for ((sv, yv, rho), a) in pairs.iter().zip(alphas.iter().rev()) {
        let b = rho * la::dot(yv, &q);
        la::axpy(a - b, sv, &mut q);
    }
    q.iter_mut().for_each(|v| *v = -*v);
    q
}

/// Cholesky factor of a symmetric matrix, ridged along the diagonal until it factors (far from
/// the optimum the information can be nearly singular).
pub(crate) fn factor_with_ridge(iz: &Mat) -> Mat {
    if let Ok(l) = la::cholesky(iz) {
        return l;
    }
    let scale = iz.diag().iter().fold(0.0_f64, |m, v| m.max(v.abs())).max(1e-8);
    let mut ridge = 1e-8 * scale;
    loop {
        let mut r = iz.clone();
        for i in 0..r.rows() {
            r[(i, i)] += ridge;
        }
        if let Ok(l) = la::cholesky(&r) {
            return l;
        }
        if ridge > 1e8 * scale {
            // Fall back to a scaled steepest-descent step.
            let mut l = Mat::identity(iz.rows());
            for i in 0..iz.rows() {
                l[(i, i)] = scale.sqrt();
            }
            return l;
        }
        ridge *= 10.0;
    }
}

/// Number of independent equality constraints among `constraints` (the rank of their Jacobian);
/// inequalities do not count. `npar` and the degrees of freedom subtract this number.
pub fn equality_rank(constraints: &[LinearConstraint], nfree: usize) -> usize {
    let eqs: Vec<&LinearConstraint> = constraints.iter().filter(|c| c.op == Op::Equal).collect();
    if eqs.is_empty() {
        return 0;
    }
    let mut h = Mat::zeros(eqs.len(), nfree);
    for (i, c) in eqs.iter().enumerate() {
        h.row_mut(i).copy_from_slice(&c.a);
    }
    la::null_space(&h, 1e-10).1
}

/// A starting point for many refits near one solution (bootstrap draws, Monte Carlo
/// replications): the point and the Cholesky factor of the observed Hessian of $f_{min}$ there
/// (in the optimiser's space of the equality constraints), used as a fixed quasi-Newton base.
#[derive(Debug, Clone)]
pub struct Warm {
    /// The starting point (free parameters).
    pub x: Vec<f64>,
    /// The inverse of that Hessian (applied by a matrix-vector product, cheaper than two
    /// triangular solves).
    hinv: Mat,
    /// The fixed values the states were evaluated with.
    values: Vec<f64>,
    /// The model evaluated at `x` ([`Model::evaluate_structured`]), the first iterate of every
    /// refit: only the parts that depend on the refit's sample moments are left to compute.
    states: Vec<GroupState>,
}

/// The base matrix of the quasi-Newton steps: a Cholesky factor or an explicit inverse.
enum Base {
    Factor(Mat),
    Inverse(Mat),
}

/// The observed Hessian of $f_{min}$ at `x` by central differences of the analytic gradient,
/// symmetrised. `None` when the implied covariance matrix is not positive definite nearby.
pub fn observed_hessian(problem: &Problem, x: &[f64]) -> Option<Mat> {
    let q = x.len();
    let mut states = vec![GroupState::default(); problem.groups.len()];
    let mut hess = Mat::zeros(q, q);
    let mut xs = x.to_vec();
    for j in 0..q {
        let h = 1e-5 * x[j].abs().max(1.0);
        xs[j] = x[j] + h;
        problem.fmin_structured(&xs, &mut states)?;
        let gp = problem.gradient_structured(&states);
        xs[j] = x[j] - h;
        problem.fmin_structured(&xs, &mut states)?;
        let gm = problem.gradient_structured(&states);
        xs[j] = x[j];
        for i in 0..q {
            hess[(i, j)] = (gp[i] - gm[i]) / (2.0 * h);
        }
    }
    for i in 0..q {
        for j in 0..i {
            let v = 0.5 * (hess[(i, j)] + hess[(j, i)]);
            hess[(i, j)] = v;
            hess[(j, i)] = v;
        }
    }
    Some(hess)
}

impl Warm {
    /// The warm start at `x` (usually an estimate of `problem`) for the equality constraints
    /// among `constraints`; `None` when the Hessian cannot be computed.
    pub fn new(problem: &Problem, x: &[f64], constraints: &[LinearConstraint]) -> Option<Warm> {
        let eqs: Vec<&LinearConstraint> = constraints.iter().filter(|c| c.op == Op::Equal).collect();
        let (k, _, _) = reparameterise(&eqs, x.len()).ok()?;
        let hess = observed_hessian(problem, x)?;
        let hz = match &k {
            None => hess,
            Some(km) => km.t_matmul(&hess.matmul(km)),
        };
        let l = factor_with_ridge(&hz);
        let (mut hinv, mut work) = (Mat::default(), Mat::default());
        la::chol_inverse_into(&l, &mut hinv, &mut work);
        let mut states = vec![GroupState::default(); problem.groups.len()];
        for (g, st) in states.iter_mut().enumerate() {
            problem.model.evaluate_structured(g, x, problem.values, st).ok()?;
        }
        Some(Warm { x: x.to_vec(), hinv, values: problem.values.to_vec(), states })
    }
}

/// Minimise $f_{min}$ from `warm.x` subject to `constraints`, with the warm start's Hessian as
/// the quasi-Newton base from the first step (no expected information per iteration). The
/// convergence criterion is that of [`estimate`]; when this path fails (a step that does not
/// descend twice, no convergence, or an inequality constraint that becomes active) it falls
/// back to [`estimate`] from the same point, so the result is the same optimum either way.
pub fn estimate_warm(
    problem: &Problem,
    warm: &Warm,
    constraints: &[LinearConstraint],
    opts: &EstimateOptions,
) -> Result<Estimate, EstimateError> {
    estimate_warm_with(problem, warm, constraints, opts, true)
}

/// [`estimate_warm`] for callers that need only the estimates and $f_{min}$ (bootstrap draws):
/// the returned [`Estimate::states`] may be incomplete (only $\log|\Sigma|$, $\Phi$ and the
/// model matrices are current when the structured path of [`Problem::fmin_structured`] was
/// taken) and may belong to the point before the last, tiny step (as may $f_{min}$, which then
/// differs by less than that step's predicted decrease), which saves one dense evaluation and
/// one objective evaluation per refit.
pub fn estimate_warm_lean(
    problem: &Problem,
    warm: &Warm,
    constraints: &[LinearConstraint],
    opts: &EstimateOptions,
) -> Result<Estimate, EstimateError> {
    estimate_warm_with(problem, warm, constraints, opts, false)
}

fn estimate_warm_with(
    problem: &Problem,
    warm: &Warm,
    constraints: &[LinearConstraint],
    opts: &EstimateOptions,
    complete: bool,
) -> Result<Estimate, EstimateError> {
    let eqs: Vec<&LinearConstraint> = constraints.iter().filter(|c| c.op == Op::Equal).collect();
    if warm.x.len() == problem.model.nfree {
        // The warm states are those of the first iterate when the fixed values are the same.
        let init = (warm.values.as_slice() == problem.values && warm.states.len() == problem.groups.len())
            .then_some(warm.states.as_slice());
        if let Ok(est) = estimate_eq_base(problem, &warm.x, &eqs, opts, Some((&warm.hinv, init)), complete) {
            if est.converged && !constraints.iter().any(|c| c.violated(&est.x)) {
                return Ok(est);
            }
        }
    }
    estimate(problem, &warm.x, constraints, opts)
}

/// Minimise $f_{min}$ from `start` subject to `constraints`.
pub fn estimate(
    problem: &Problem,
    start: &[f64],
    constraints: &[LinearConstraint],
    opts: &EstimateOptions,
) -> Result<Estimate, EstimateError> {
    let mut active: Vec<usize> = Vec::new();
    loop {
        let eqs: Vec<&LinearConstraint> = constraints
            .iter()
            .enumerate()
            .filter(|(i, c)| c.op == Op::Equal || active.contains(i))
            .map(|(_, c)| c)
            .collect();
        let mut est = estimate_eq(problem, start, &eqs, opts)?;
        let newly: Vec<usize> = constraints
            .iter()
            .enumerate()
            .filter(|(i, c)| !active.contains(i) && c.violated(&est.x))
            .map(|(i, _)| i)
            .collect();
        if newly.is_empty() {
            est.active = active;
            return Ok(est);
        }
        active.extend(newly);
    }
}

fn estimate_eq(
    problem: &Problem,
    start: &[f64],
    eqs: &[&LinearConstraint],
    opts: &EstimateOptions,
) -> Result<Estimate, EstimateError> {
    estimate_eq_base(problem, start, eqs, opts, None, true)
}

/// The reparameterisation $x = K z + x_0$ of the equality constraints `eqs` over `q` free
/// parameters: `(K, x0, rank)`, `K = None` without constraints.
fn reparameterise(eqs: &[&LinearConstraint], q: usize) -> Result<(Option<Mat>, Vec<f64>, usize), EstimateError> {
    Ok(if eqs.is_empty() {
        (None, vec![0.0; q], 0)
    } else {
        let mut h = Mat::zeros(eqs.len(), q);
        for (i, c) in eqs.iter().enumerate() {
            h.row_mut(i).copy_from_slice(&c.a);
        }
        let (kmat, rank) = la::null_space(&h, 1e-10);
        // particular solution x0 = H' (H H')^+ (-b)
        let hht = h.matmul_t(&h);
        let (pinv, _) = la::sym_pinv(&hht, 1e-12);
        let negb: Vec<f64> = eqs.iter().map(|c| -c.b).collect();
        let y = pinv.mul_vec(&negb);
        let x0 = h.t().mul_vec(&y);
        let resid: f64 = eqs.iter().map(|c| c.value(&x0).abs()).fold(0.0, f64::max);
        if resid > 1e-8 * (1.0 + x0.iter().fold(0.0_f64, |m, v| m.max(v.abs()))) {
            return Err(EstimateError::InconsistentConstraints);
        }
        (Some(kmat), x0, rank)
    })
}

/// [`estimate_eq`] with an optional fixed quasi-Newton base `base` (the inverse of a Hessian in
/// the optimiser's space); `complete` asks for complete (dense) states at the estimate: quasi-Newton steps from the first iteration, no expected
/// information unless a step fails.
fn estimate_eq_base(
    problem: &Problem,
    start: &[f64],
    eqs: &[&LinearConstraint],
    opts: &EstimateOptions,
    base: Option<(&Mat, Option<&[GroupState]>)>,
    complete: bool,
) -> Result<Estimate, EstimateError> {
    let q = start.len();
    let ng = problem.groups.len();
    let mut states = vec![GroupState::default(); ng];
    // Reparameterise: x = K z + x0.
    let (k, x0, n_eq) = reparameterise(eqs, q)?;
    let to_x = |z: &[f64]| -> Vec<f64> {
        match &k {
            None => z.to_vec(),
            Some(km) => {
                let mut x = km.mul_vec(z);
                for (xi, x0i) in x.iter_mut().zip(&x0) {
                    *xi += x0i;
                }
                x
            }
        }
    };
    let mut z: Vec<f64> = match &k {
        None => start.to_vec(),
        Some(km) => {
            let d: Vec<f64> = start.iter().zip(&x0).map(|(s, o)| s - o).collect();
            km.t().mul_vec(&d)
        }
    };
    let mut x = to_x(&z);
    // A warm start's states are at `start`, which is `x` exactly when there is no
    // reparameterisation.
    let evaluated = match base {
        Some((_, Some(init))) if k.is_none() => {
            states.clone_from_slice(init);
            problem.fmin_structured_evaluated(&mut states)
        }
        _ => problem.fmin_structured(&x, &mut states),
    };
    let (mut f, mut fx) = evaluated.ok_or(EstimateError::BadStart)?;
    let trace = std::env::var_os("ENTENTE_TRACE").is_some();
    let mut iterations = 0;
    let mut converged = false;
    let mut grad_max = f64::INFINITY;
    // Fisher scoring while far from the optimum; then limited-memory BFGS whose base matrix is the
    // last expected information. Fisher scoring alone converges only linearly when the model does
    // not fit exactly (expected and observed information differ); the quasi-Newton pairs restore
    // superlinear convergence at O(q^2) per iteration, with no new information matrix.
    let mut h0: Option<Base> = None; // the quasi-Newton base: the information's factor or a warm inverse
    let mut pairs: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::new(); // (s, y, 1/y's), oldest first
    let mut prev: Option<(Vec<f64>, Vec<f64>)> = None; // (z, gz) at the previous iterate
    let mut f_change = f64::INFINITY;
    let mut fresh = true;
    // With a base, quasi-Newton from the start; a failed step drops back to Fisher scoring.
    let mut use_base = base.is_some();
    let use_base_run = base.is_some();
    if let Some((b, _)) = base {
        h0 = Some(Base::Inverse(b.clone()));
        fresh = false;
    }
    // The information needs the complete (dense) states at the current point.
    let information = |x: &[f64], states: &mut [GroupState]| -> Mat {
        let _ = problem.fmin(x, states);
        factor_with_ridge(&projected_information(problem, states, k.as_ref()))
    };
    while iterations < opts.max_iter {
        let g = problem.gradient_structured(&states);
        let gz = match &k {
            None => g,
            Some(km) => km.t().mul_vec(&g),
        };
        grad_max = gz.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        if trace {
            eprintln!("iter {iterations} f {f:.15e} gmax {grad_max:.3e}");
        }
        // Converged: a small gradient, or an objective that no longer moves at machine precision
        // while the gradient is far inside lavaan's own check (1e-3).
        if grad_max < opts.grad_tol || (iterations > 0 && f_change <= 4.0 * f64::EPSILON * f.abs() && grad_max < 1e-6) {
            converged = true;
            break;
        }
        // Fisher scoring while far from the optimum (fresh information each iteration, solved
        // by its Cholesky factor), then quasi-Newton refinement from the inverse information at
        // the switch point.
        // With a warm base: quasi-Newton on that base from the first step (an expected
        // information at the first iterate costs a factorisation and saves fewer iterations
        // than it costs).
        let fisher = if use_base { false } else { iterations < 3 || grad_max > 1e-3 };
        if fisher {
            h0 = Some(Base::Factor(information(&x, &mut states)));
            pairs.clear();
            fresh = true;
        } else {
            if let Some((zp, gp)) = &prev {
                let sv: Vec<f64> = z.iter().zip(zp).map(|(a, b)| a - b).collect();
                let yv: Vec<f64> = gz.iter().zip(gp).map(|(a, b)| a - b).collect();
                let ys = la::dot(&yv, &sv);
                if ys > 1e-12 * la::dot(&yv, &yv).sqrt() * la::dot(&sv, &sv).sqrt() && ys.is_finite() {
                    if pairs.len() == MAX_PAIRS {
                        pairs.remove(0);
                    }
                    pairs.push((sv, yv, 1.0 / ys));
                }
            }
            if h0.is_none() {
                h0 = Some(Base::Factor(information(&x, &mut states)));
                pairs.clear();
                fresh = true;
            }
        }
        let mut step = quasi_newton_direction(h0.as_ref().expect("set above"), &pairs, &gz);
        let mut slope = la::dot(&gz, &step);
        if slope >= 0.0 {
            // not a descent direction: restart from the information
            use_base = false;
            h0 = Some(Base::Factor(information(&x, &mut states)));
            pairs.clear();
            step = quasi_newton_direction(h0.as_ref().expect("set above"), &pairs, &gz);
            slope = la::dot(&gz, &step);
            fresh = true;
        }
        iterations += 1;
        // Warm refits stop after a full step that moves no parameter by more than
        // `WARM_STEP_TOL` while the gradient is already small: with a Newton-quality direction
        // the remaining distance to the optimum is a fraction of that step.
        let last = use_base_run && grad_max < 1e-5 && step.iter().fold(0.0_f64, |m, v| m.max(v.abs())) < WARM_STEP_TOL;
        if last && slope > -1e-12 * f.abs().max(1.0) {
            // The last step is taken without evaluating the objective there: it moves no
            // parameter by more than `WARM_STEP_TOL` and its predicted decrease is below the
            // precision of f, so the line search would accept it anyway. f (and its parts) keep
            // their value at the previous point, which differs by less than that decrease; the
            // states are brought to the new point below when the caller needs them.
            for (zi, si) in z.iter_mut().zip(&step) {
                *zi += si;
            }
            x = to_x(&z);
            converged = true;
            break;
        }
        let found = line_search(&z, &step, f, slope, |zn| {
            let xn = to_x(zn);
            problem.fmin_structured(&xn, &mut states).map(|(fnew, fxn)| (xn, fnew, fxn))
        });
        let accepted = found.is_some();
        let mut t = 0.0;
        if let Some(ls) = found {
            prev = Some((z.clone(), gz.clone()));
            z = ls.z;
            x = ls.x;
            f_change = (f - ls.f).abs();
            f = ls.f;
            fx = ls.fx;
            t = ls.t;
        }
        if !accepted {
            let _ = problem.fmin_structured(&x, &mut states);
            if !fresh {
                // a poor quasi-Newton matrix: restart from the information once
                use_base = false;
                h0 = None;
                pairs.clear();
                prev = None;
                continue;
            }
            break;
        }
        fresh = false;
        if last && t >= 1.0 {
            converged = true;
            break;
        }
    }
    // The states are at x (every exit follows an accepted step, a restored point or the
    // convergence check at x), except after a last step taken without evaluation. Make them
    // complete (dense) and current for the caller.
    if complete || !converged {
        if let Some((fd, fxd)) = problem.fmin(&x, &mut states) {
            f = fd;
            fx = fxd;
        }
    }
    if !converged {
        let g = problem.gradient(&states);
        let gz = match &k {
            None => g,
            Some(km) => km.t().mul_vec(&g),
        };
        grad_max = gz.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        // Converged to working precision when lavaan's own criterion is met by a wide margin.
        converged = grad_max < 1e-6;
    }
    Ok(Estimate { x, fmin: f, fx_group: fx, iterations, converged, grad_max, k, n_eq, active: Vec::new(), states })
}
