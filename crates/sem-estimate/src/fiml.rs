//! Full-information ML with missing data (lavaan `missing = "ml"`; SEM-NOTES §12).
//!
//! Per group $g$ with missing-data patterns $m$ (observed set $O_m$, $n_m$ rows), the casewise
//! discrepancy without the $2\pi$ constant is
//! $$F_g(\theta) = \frac1{N_g}\sum_m\Bigl[n_m\log|\Sigma_{OO}| + \sum_{i\in m} d_i^\top\Sigma_{OO}^{-1}d_i\Bigr],
//! \quad d_i = y_{iO} - \mu_O,$$
//! i.e. $-2\log L_g/N_g$ up to a constant. lavaan's objective is
//! $f_{min} = \sum_g \frac{N_g}{N}\tfrac12(F_g - F_g^{h1})$ with $F_g^{h1}$ the same quantity at the
//! EM estimate of the unrestricted model, so that $2Nf_{min} = 2(\log L_{h1} - \log L_0)$ is the
//! likelihood-ratio test against the saturated model.
//!
//! **Gradient.** With $w_i = \Sigma_{OO}^{-1}d_i$, each pattern adds
//! $n_m\Sigma_{OO}^{-1} - \sum_i w_iw_i^\top$ to $W_g = N_g\,\partial F_g/\partial\Sigma$ and
//! $\sum_i w_i$ to $z_g$ (with $\partial F_g/\partial\mu = -2z_g/N_g$), scattered into the
//! observed rows and columns; [`sem_model::Model::add_gradient_wz`] chains them to $\theta$.
//!
//! **Optimiser.** Scoring steps with the complete-data expected information at the implied
//! moments as the metric (it bounds the FIML information from above, so steps are never too
//! long), a backtracking line search, and linear equality constraints by the null-space
//! reparameterisation $\theta = Kz + \theta_0$ as in the complete-data estimator.
//!
//! **Observed information.** The Hessian of $f_{min}$ by central differences of the analytic
//! gradient, symmetrised: lavaan's default `information = "observed"` under FIML.

use crate::{Estimate, EstimateError, EstimateOptions, LinearConstraint};
use sem_data::MissingGroup;
use sem_linalg::{self as la, Mat};
use sem_model::{GroupState, Model};
use sem_partable::Op;

/// The FIML estimation problem.
pub struct FimlProblem<'a> {
    /// The model (with a mean structure).
    pub model: &'a Model,
    /// Values of every parameter-table row (used for fixed rows).
    pub values: &'a [f64],
    /// Patterns and EM moments per group.
    pub groups: Vec<&'a MissingGroup>,
    /// $F_g^{h1}$ per group.
    pub h1: Vec<f64>,
}

fn l2pi_terms(g: &MissingGroup) -> f64 {
    let l2pi = (2.0 * std::f64::consts::PI).ln();
    g.patterns.iter().map(|p| p.nobs as f64 * p.observed.len() as f64 * l2pi).sum()
}

/// $(W_g, z_g)$: the derivatives of $N_gF_g$ with respect to $\Sigma$ and $-\mu/2$.
type MomentGradient = (Mat, Vec<f64>);

/// Scratch buffers for one pattern.
struct Scratch {
    sub: Mat,
    chol: Mat,
    inv: Mat,
    work: Mat,
    missing: Vec<usize>,
}

/// $\Sigma_{OO}^{-1}$ into `sc.inv` and $\log|\Sigma_{OO}|$, from the full inverse by the
/// block identity $\Sigma_{OO}^{-1} = P_{OO} - P_{OM}P_{MM}^{-1}P_{MO}$ with $P = \Sigma^{-1}$ and
/// $\log|\Sigma_{OO}| = \log|\Sigma| + \log|P_{MM}|$: $O(|O|^2|M|)$ instead of $O(|O|^3)$ when
/// few values are missing.
fn pattern_inverse(st: &GroupState, o: &[usize], p: usize, sc: &mut Scratch) -> Option<f64> {
    let k = o.len();
    let si = &st.sigma_inv;
    sc.inv.reset(k, k);
    for (a, &i) in o.iter().enumerate() {
        for (b, &j) in o.iter().enumerate() {
            sc.inv[(a, b)] = si[(i, j)];
        }
    }
    if k == p {
        return Some(st.logdet);
    }
    sc.missing.clear();
    sc.missing.extend((0..p).filter(|j| !o.contains(j)));
    let r = sc.missing.len();
    sc.sub.reset(r, r);
    for (a, &i) in sc.missing.iter().enumerate() {
        for (b, &j) in sc.missing.iter().enumerate() {
            sc.sub[(a, b)] = si[(i, j)];
        }
    }
    sc.chol.reset(r, r);
    la::cholesky_into(&sc.sub, &mut sc.chol).ok()?;
    let logdet = st.logdet + la::chol_logdet(&sc.chol);
    // B = L^-1 P_MO (r x k), then P_OO - B'B
    sc.work.reset(r, k);
    for (b, &j) in o.iter().enumerate() {
        for a in 0..r {
            let mut v = si[(sc.missing[a], j)];
            for c in 0..a {
                v -= sc.chol[(a, c)] * sc.work[(c, b)];
            }
            sc.work[(a, b)] = v / sc.chol[(a, a)];
        }
    }
    for c in 0..r {
        let bc = sc.work.row(c);
        for a in 0..k {
            la::axpy(-bc[a], bc, sc.inv.row_mut(a));
        }
    }
    // A pattern block that is not positive definite shows as a non-positive diagonal.
    if (0..k).any(|a| sc.inv[(a, a)] <= 0.0 || !sc.inv[(a, a)].is_finite()) {
        return None;
    }
    Some(logdet)
}

impl<'a> FimlProblem<'a> {
    /// Set up, with $F^{h1}_g$ from each group's EM log-likelihood.
    pub fn new(model: &'a Model, values: &'a [f64], groups: Vec<&'a MissingGroup>) -> Self {
        let h1 = groups.iter().map(|g| (-2.0 * g.h1_logl - l2pi_terms(g)) / g.nobs as f64).collect();
        FimlProblem { model, values, groups, h1 }
    }

    fn ntotal(&self) -> f64 {
        self.groups.iter().map(|g| g.nobs as f64).sum()
    }

    /// $N_g F_g$ of one group at its state, and optionally $(W_g, z_g)$.
    fn group_eval(&self, g: usize, st: &GroupState, grad: bool) -> Option<(f64, Option<MomentGradient>)> {
        let mg = self.groups[g];
        let p = mg.p;
        let mut sc = Scratch {
            sub: Mat::zeros(0, 0),
            chol: Mat::zeros(0, 0),
            inv: Mat::zeros(0, 0),
            work: Mat::zeros(0, 0),
            missing: Vec::new(),
        };
        let mut total = 0.0;
        let mut wz = if grad { Some((Mat::zeros(p, p), vec![0.0; p])) } else { None };
        let mut d = Vec::new();
        let mut w = Vec::new();
        let mut local = Mat::zeros(0, 0);
        for pat in &mg.patterns {
            let o = &pat.observed;
            let k = o.len();
            let logdet = pattern_inverse(st, o, p, &mut sc)?;
            let n = pat.nobs as f64;
            total += n * logdet;
            d.resize(k, 0.0);
            w.resize(k, 0.0);
            if grad {
                // this pattern's n P - sum_i w_i w_i', accumulated contiguously, scattered once
                local.reset(k, k);
                for a in 0..k {
                    la::axpy(n, sc.inv.row(a), local.row_mut(a));
                }
            }
            for r in 0..pat.nobs {
                let row = pat.data.row(r);
                for a in 0..k {
                    d[a] = row[a] - st.mu[o[a]];
                }
                for a in 0..k {
                    w[a] = la::dot(sc.inv.row(a), &d);
                }
                total += la::dot(&d, &w);
                if let Some((_, z)) = wz.as_mut() {
                    for a in 0..k {
                        z[o[a]] += w[a];
                        la::axpy(-w[a], &w, local.row_mut(a));
                    }
                }
            }
            if let Some((wm, _)) = wz.as_mut() {
                for a in 0..k {
                    let (row, oa) = (local.row(a), o[a]);
                    let target = wm.row_mut(oa);
                    for b in 0..k {
                        target[o[b]] += row[b];
                    }
                }
            }
        }
        Some((total, wz))
    }

    /// Evaluate all groups at `x`: $f_{min}$ and the per-group $\tfrac12(F_g - F^{h1}_g)$, or
    /// `None` if an implied covariance matrix (or a pattern's block of it) is not positive definite.
    pub fn fmin(&self, x: &[f64], states: &mut [GroupState]) -> Option<(f64, Vec<f64>)> {
        let n = self.ntotal();
        let mut f = 0.0;
        let mut fx = Vec::with_capacity(self.groups.len());
        for (g, mg) in self.groups.iter().enumerate() {
            self.model.evaluate(g, x, self.values, &mut states[g]).ok()?;
            let (ng_f, _) = self.group_eval(g, &states[g], false)?;
            let fg = 0.5 * (ng_f / mg.nobs as f64 - self.h1[g]);
            if !fg.is_finite() {
                return None;
            }
            fx.push(fg);
            f += mg.nobs as f64 / n * fg;
        }
        Some((f, fx))
    }

    /// Gradient of $f_{min}$ at the states last evaluated (zeros if a pattern block is singular).
    pub fn gradient(&self, states: &[GroupState]) -> Vec<f64> {
        let n = self.ntotal();
        let mut grad = vec![0.0; self.model.nfree];
        for g in 0..self.groups.len() {
            if let Some((_, Some((w, z)))) = self.group_eval(g, &states[g], true) {
                self.model.add_gradient_wz(g, &states[g], &w, &z, 0.5 / n, &mut grad);
            }
        }
        grad
    }

    /// Casewise log-likelihood per group at the states (with the $2\pi$ constant).
    pub fn logl(&self, states: &[GroupState]) -> Vec<f64> {
        self.groups
            .iter()
            .enumerate()
            .map(|(g, mg)| match self.group_eval(g, &states[g], false) {
                Some((t, _)) => -0.5 * (t + l2pi_terms(mg)),
                None => f64::NAN,
            })
            .collect()
    }

    /// Complete-data unit expected information at the states: the optimiser's metric.
    fn metric(&self, states: &[GroupState]) -> Mat {
        let n = self.ntotal();
        let q = self.model.nfree;
        let mut info = Mat::zeros(q, q);
        for (g, mg) in self.groups.iter().enumerate() {
            self.model.add_expected_information(g, &states[g], mg.nobs as f64 / n, &mut info);
        }
        info
    }

    /// Observed unit information at `x` by central differences of the analytic gradient
    /// ($h = 10^{-5}$), symmetrised (lavaan: the 4-point rule with $h = 10^{-6}$; both are exact
    /// to about $10^{-9}$). [`FimlProblem::observed_information`] gives the same matrix faster.
    pub fn observed_information_numeric(&self, x: &[f64], states: &mut [GroupState]) -> Option<Mat> {
        let q = x.len();
        let h = 1e-5;
        let mut hess = Mat::zeros(q, q);
        let mut xs = x.to_vec();
        for j in 0..q {
            xs[j] = x[j] + h;
            self.fmin(&xs, states)?;
            let gp = self.gradient(states);
            xs[j] = x[j] - h;
            self.fmin(&xs, states)?;
            let gm = self.gradient(states);
            xs[j] = x[j];
            for i in 0..q {
                hess[(i, j)] = (gp[i] - gm[i]) / (2.0 * h);
            }
        }
        self.fmin(x, states)?;
        symmetrise(&mut hess);
        Some(hess)
    }

    /// Observed unit information (the Hessian of $f_{min}$) at `x`:
    /// $\frac1N\sum_g \Delta_g^\top A_g \Delta_g$ with $A_g$ the observed information of the
    /// casewise likelihood in the moments ([`moment_information`]) and $\Delta_g$ the Jacobian of
    /// $(\mu, \sigma_{ab})$, plus the curvature of the model itself,
    /// $\sum_c \partial f/\partial m_c\,\partial^2 m_c/\partial\theta\partial\theta^\top$, by central
    /// differences of the chain rule with the moment gradient held fixed (no pattern work).
    pub fn observed_information(&self, x: &[f64], states: &mut [GroupState]) -> Option<Mat> {
        let q = x.len();
        let n = self.ntotal();
        self.fmin(x, states)?;
        let mut hess = Mat::zeros(q, q);
        let mut wz = Vec::with_capacity(self.groups.len());
        for (g, mg) in self.groups.iter().enumerate() {
            let st = &states[g];
            let p = mg.p;
            let a = moment_information(mg, &st.sigma, &st.mu)?;
            let dim = a.rows();
            let jac = self.model.jacobian(g, st);
            // Delta: dim x q
            let mut delta = Mat::zeros(dim, q);
            for (j, (ds, dm)) in jac.iter().enumerate() {
                for i in 0..p {
                    delta[(i, j)] = dm[i];
                    for b in 0..=i {
                        delta[(sidx(p, i, b), j)] = ds[(i, b)];
                    }
                }
            }
            let ad = a.matmul(&delta);
            let dad = delta.t_matmul(&ad);
            for i in 0..q {
                for j in 0..q {
                    hess[(i, j)] += dad[(i, j)] / n;
                }
            }
            let (_, w) = self.group_eval(g, st, true)?;
            wz.push(w?);
        }
        // curvature of the model: d/dtheta of the chain rule at fixed (W, z)
        let h = 1e-5;
        let mut xs = x.to_vec();
        let chain = |xs: &[f64], states: &mut [GroupState]| -> Option<Vec<f64>> {
            let mut grad = vec![0.0; q];
            for (g, (w, z)) in wz.iter().enumerate() {
                self.model.evaluate(g, xs, self.values, &mut states[g]).ok()?;
                self.model.add_gradient_wz(g, &states[g], w, z, 0.5 / n, &mut grad);
            }
            Some(grad)
        };
        for j in 0..q {
            xs[j] = x[j] + h;
            let gp = chain(&xs, states)?;
            xs[j] = x[j] - h;
            let gm = chain(&xs, states)?;
            xs[j] = x[j];
            for i in 0..q {
                hess[(i, j)] += (gp[i] - gm[i]) / (2.0 * h);
            }
        }
        self.fmin(x, states)?;
        symmetrise(&mut hess);
        Some(hess)
    }
}

fn symmetrise(m: &mut Mat) {
    for i in 0..m.rows() {
        for j in 0..i {
            let v = 0.5 * (m[(i, j)] + m[(j, i)]);
            m[(i, j)] = v;
            m[(j, i)] = v;
        }
    }
}

/// Index of $\sigma_{ab}$ (either order) after the $p$ means in the moment coordinates
/// $(\mu, \sigma_{ab})_{a \ge b}$.
pub fn sidx(p: usize, a: usize, b: usize) -> usize {
    let (a, b) = if a >= b { (a, b) } else { (b, a) };
    p + a * (a + 1) / 2 + b
}

/// Observed information (negative Hessian) of one group's casewise log-likelihood with respect
/// to the moments $(\mu, \sigma_{ab})_{a\ge b}$ at $(\mu, \Sigma)$, summed over rows (not divided
/// by $N_g$). Per pattern, with $P = \Sigma_{OO}^{-1}$, $e = \bar y_m - \mu_O$, $f = Pe$,
/// $T = P(S_m + ee^\top)P$, $U = T - \tfrac12P$ and symmetric unit perturbations $\delta$:
/// means $n_mP$; means-covariances $n_m\,\delta\mu^\top P\,\delta\Sigma\,f$; covariances
/// $n_m\operatorname{tr}(\delta\Sigma_1 P\,\delta\Sigma_2 U)$.
pub fn moment_information(g: &MissingGroup, sigma: &Mat, mu: &[f64]) -> Option<Mat> {
    let p = g.p;
    let dim = p + p * (p + 1) / 2;
    let mut a1 = Mat::zeros(dim, dim);
    for pat in &g.patterns {
        let o = &pat.observed;
        let k = o.len();
        let sub = sem_data::missing::submatrix(sigma, o, o);
        let (pm, _) = la::spd_inverse(&sub).ok()?;
        let n = pat.nobs as f64;
        let e: Vec<f64> = (0..k).map(|a| pat.mean[a] - mu[o[a]]).collect();
        let f = pm.mul_vec(&e);
        let mut st = pat.cov.clone();
        for a in 0..k {
            for b in 0..k {
                st[(a, b)] += e[a] * e[b];
            }
        }
        let mut u = pm.matmul(&st).matmul(&pm);
        for a in 0..k {
            for b in 0..k {
                u[(a, b)] -= 0.5 * pm[(a, b)];
            }
        }
        for a in 0..k {
            for b in 0..k {
                a1[(o[a], o[b])] += n * pm[(a, b)];
            }
        }
        for a in 0..k {
            for c in 0..k {
                for d in 0..=c {
                    let v = if c == d { n * pm[(a, c)] * f[c] } else { n * (pm[(a, c)] * f[d] + pm[(a, d)] * f[c]) };
                    let j = sidx(p, o[c], o[d]);
                    a1[(o[a], j)] += v;
                    a1[(j, o[a])] += v;
                }
            }
        }
        // tr(sym(a,b) P sym(c,d) U) = [P_bc U_da + P_bd U_ca + P_ac U_db + P_ad U_cb] / (m_ab m_cd),
        // m = 2 on the diagonal (the four terms then coincide in pairs). The observed indices are
        // ascending, so (c,d) <= (a,b) maps to j <= i: fill the lower triangle, mirror at the end.
        let idx: Vec<usize> =
            (0..k).flat_map(|a| (0..k).map(move |b| (a, b))).map(|(a, b)| sidx(p, o[a], o[b])).collect();
        for a in 0..k {
            for b in 0..=a {
                let i = idx[a * k + b];
                let scale = if a == b { 0.5 * n } else { n };
                let (pa, pb, ua, ub) = (pm.row(a), pm.row(b), u.row(a), u.row(b));
                let row = a1.row_mut(i);
                for c in 0..=a {
                    let dmax = if c == a { b } else { c };
                    let (pbc, uac, pac, ubc) = (pb[c], ua[c], pa[c], ub[c]);
                    for d in 0..=dmax {
                        let v = pbc * ua[d] + pb[d] * uac + pac * ub[d] + pa[d] * ubc;
                        let v = if c == d { 0.5 * scale * v } else { scale * v };
                        row[idx[c * k + d]] += v;
                    }
                }
            }
        }
    }
    for i in p..dim {
        for j in p..i {
            a1[(j, i)] = a1[(i, j)];
        }
    }
    Some(a1)
}

/// Minimise the FIML $f_{min}$ from `start` subject to linear equality constraints
/// (inequalities are not supported under FIML and are refused by the caller).
pub fn estimate_fiml(
    problem: &FimlProblem,
    start: &[f64],
    constraints: &[LinearConstraint],
    opts: &EstimateOptions,
) -> Result<Estimate, EstimateError> {
    let q = start.len();
    let eqs: Vec<&LinearConstraint> = constraints.iter().filter(|c| c.op == Op::Equal).collect();
    let (k, x0, n_eq) = if eqs.is_empty() {
        (None, vec![0.0; q], 0)
    } else {
        let mut h = Mat::zeros(eqs.len(), q);
        for (i, c) in eqs.iter().enumerate() {
            h.row_mut(i).copy_from_slice(&c.a);
        }
        let (kmat, rank) = la::null_space(&h, 1e-10);
        let hht = h.matmul_t(&h);
        let (pinv, _) = la::sym_pinv(&hht, 1e-12);
        let negb: Vec<f64> = eqs.iter().map(|c| -c.b).collect();
        let x0 = h.t().mul_vec(&pinv.mul_vec(&negb));
        let resid: f64 = eqs.iter().map(|c| c.value(&x0).abs()).fold(0.0, f64::max);
        if resid > 1e-8 * (1.0 + x0.iter().fold(0.0_f64, |m, v| m.max(v.abs()))) {
            return Err(EstimateError::InconsistentConstraints);
        }
        (Some(kmat), x0, rank)
    };
    let to_x = |z: &[f64]| -> Vec<f64> {
        match &k {
            None => z.to_vec(),
            Some(km) => {
                let mut x = km.mul_vec(z);
                la::axpy(1.0, &x0, &mut x);
                x
            }
        }
    };
    let project = |v: Vec<f64>| -> Vec<f64> {
        match &k {
            None => v,
            Some(km) => km.t().mul_vec(&v),
        }
    };
    let mut z: Vec<f64> = match &k {
        None => start.to_vec(),
        Some(km) => {
            let d: Vec<f64> = start.iter().zip(&x0).map(|(s, o)| s - o).collect();
            km.t().mul_vec(&d)
        }
    };
    let ng = problem.groups.len();
    let mut states = vec![GroupState::default(); ng];
    let mut x = to_x(&z);
    let (mut f, mut fx) = problem.fmin(&x, &mut states).ok_or(EstimateError::BadStart)?;
    let trace = std::env::var_os("ENTENTE_TRACE").is_some();
    let (mut iterations, mut converged, mut grad_max) = (0, false, f64::INFINITY);
    let mut f_change = f64::INFINITY;
    // quasi-Newton pairs on top of the scoring metric once close to the optimum
    let mut pairs: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::new();
    let mut prev: Option<(Vec<f64>, Vec<f64>)> = None;
    let mut base: Option<Mat> = None;
    while iterations < opts.max_iter {
        let gz = project(problem.gradient(&states));
        grad_max = gz.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        if trace {
            eprintln!("fiml iter {iterations} f {f:.15e} gmax {grad_max:.3e}");
        }
        if grad_max < opts.grad_tol || (iterations > 0 && f_change <= 4.0 * f64::EPSILON * f.abs() && grad_max < 1e-6) {
            converged = true;
            break;
        }
        let scoring = iterations < 3 || grad_max > 1e-3 || base.is_none();
        if scoring {
            let info = problem.metric(&states);
            let iz = match &k {
                None => info,
                Some(km) => km.t_matmul(&info.matmul(km)),
            };
            base = Some(crate::factor_with_ridge(&iz));
            pairs.clear();
        } else if let Some((zp, gp)) = &prev {
            let sv: Vec<f64> = z.iter().zip(zp).map(|(a, b)| a - b).collect();
            let yv: Vec<f64> = gz.iter().zip(gp).map(|(a, b)| a - b).collect();
            let ys = la::dot(&yv, &sv);
            if ys > 1e-12 * la::dot(&yv, &yv).sqrt() * la::dot(&sv, &sv).sqrt() && ys.is_finite() {
                if pairs.len() == 30 {
                    pairs.remove(0);
                }
                pairs.push((sv, yv, 1.0 / ys));
            }
        }
        let l = base.as_ref().ok_or(EstimateError::BadStart)?;
        let mut step = lbfgs_direction(l, &pairs, &gz);
        let mut slope = la::dot(&gz, &step);
        if slope >= 0.0 {
            pairs.clear();
            step = lbfgs_direction(l, &pairs, &gz);
            slope = la::dot(&gz, &step);
        }
        iterations += 1;
        let found = crate::line_search(&z, &step, f, slope, |zn| {
            let xn = to_x(zn);
            problem.fmin(&xn, &mut states).map(|(fnew, fxn)| (xn, fnew, fxn))
        });
        let accepted = found.is_some();
        if let Some(ls) = found {
            prev = Some((z.clone(), gz.clone()));
            z = ls.z;
            x = ls.x;
            f_change = (f - ls.f).abs();
            f = ls.f;
            fx = ls.fx;
        }
        if !accepted {
            let _ = problem.fmin(&x, &mut states);
            if !pairs.is_empty() {
                pairs.clear();
                base = None;
                prev = None;
                continue;
            }
            break;
        }
    }
    let _ = problem.fmin(&x, &mut states);
    if !converged {
        let gz = project(problem.gradient(&states));
        grad_max = gz.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        converged = grad_max < 1e-6;
    }
    Ok(Estimate { x, fmin: f, fx_group: fx, iterations, converged, grad_max, k, n_eq, active: Vec::new(), states })
}

/// $-Hg$ by the L-BFGS two-loop recursion with base matrix $(LL^\top)^{-1}$.
fn lbfgs_direction(l: &Mat, pairs: &[(Vec<f64>, Vec<f64>, f64)], g: &[f64]) -> Vec<f64> {
    let mut q = g.to_vec();
    let mut alphas = Vec::with_capacity(pairs.len());
    for (sv, yv, rho) in pairs.iter().rev() {
        let a = rho * la::dot(sv, &q);
        la::axpy(-a, yv, &mut q);
        alphas.push(a);
    }
    la::chol_solve(l, &mut q);
    for ((sv, yv, rho), a) in pairs.iter().zip(alphas.iter().rev()) {
        let b = rho * la::dot(yv, &q);
        la::axpy(a - b, sv, &mut q);
    }
    q.iter_mut().for_each(|v| *v = -*v);
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use sem_data::{DataFrame, MissingStats};
    use sem_partable::{ParTable, PartableOptions};

    fn setup() -> (ParTable, MissingStats) {
        let pt = ParTable::build(
            &sem_syntax::parse("f =~ a + b + c + d").unwrap(),
            &PartableOptions { meanstructure: true, ..Default::default() },
        )
        .unwrap();
        let mut csv = String::from("a,b,c,d\n");
        // deterministic pseudo-data with a common factor and holes
        let mut s: u64 = 7;
        let mut u = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        };
        for i in 0..80 {
            let f = 2.0 * u();
            let vals: Vec<String> = (0..4)
                .map(|j| {
                    if (i + j) % 7 == 0 && j > 0 {
                        String::new()
                    } else {
                        format!("{:.4}", (1.0 + 0.2 * j as f64) * f + u())
                    }
                })
                .collect();
            csv.push_str(&vals.join(","));
            csv.push('\n');
        }
        let frame = DataFrame::from_csv_str(&csv, "t.csv").unwrap();
        let vars: Vec<String> = pt.vnames.ov.clone();
        (pt, MissingStats::from_frame(&frame, &vars, None).unwrap())
    }

    #[test]
    fn gradient_matches_finite_differences_and_optimum_is_stationary() {
        let (pt, ms) = setup();
        let model = Model::new(&pt);
        let gs = ms.group_stats();
        let gd: Vec<crate::GroupData> =
            gs.iter().map(|g| crate::GroupData { cov: &g.cov, mean: &g.mean, nobs: g.nobs }).collect();
        let (start, values) = crate::start_values(&pt, &gd);
        let problem = FimlProblem::new(&model, &values, ms.groups.iter().collect());
        let mut states = vec![GroupState::default()];
        problem.fmin(&start, &mut states).unwrap();
        let g = problem.gradient(&states);
        for j in 0..start.len() {
            let h = 1e-6;
            let (mut xp, mut xm) = (start.clone(), start.clone());
            xp[j] += h;
            xm[j] -= h;
            let fp = problem.fmin(&xp, &mut states).unwrap().0;
            let fm = problem.fmin(&xm, &mut states).unwrap().0;
            let fd = (fp - fm) / (2.0 * h);
            assert!((fd - g[j]).abs() < 1e-6 * (1.0 + fd.abs()), "param {j}: fd {fd} analytic {}", g[j]);
        }
        let est = estimate_fiml(&problem, &start, &[], &EstimateOptions::default()).unwrap();
        assert!(est.converged);
        let mut st = est.states.clone();
        let ha = problem.observed_information(&est.x, &mut st).unwrap();
        let hn = problem.observed_information_numeric(&est.x, &mut st).unwrap();
        for i in 0..ha.rows() {
            for j in 0..ha.cols() {
                assert!((ha[(i, j)] - hn[(i, j)]).abs() < 1e-6 * (1.0 + hn[(i, j)].abs()), "H({i},{j})");
            }
        }
        // the fit cannot beat the saturated model: f >= 0 and logl <= h1 logl
        assert!(est.fmin >= -1e-10);
        let ll = problem.logl(&est.states)[0];
        assert!(ll <= ms.groups[0].h1_logl + 1e-8);
        assert!(((ms.groups[0].h1_logl - ll) / 80.0 - est.fmin).abs() < 1e-10);
    }
}
