//! Model matrices, implied moments and their derivatives (lavaan: `lav_model()`,
//! `computeSigmaHat()`, `computeDelta()`, `lav_model_gradient()`, `lav_model_information()`).
//!
//! # Representation
//! Each group uses the LISREL "all-y" form with $p$ observed and $m$ latent variables:
//!
//! $$\Sigma = \Lambda A \Psi A^\top \Lambda^\top + \Theta, \qquad \mu = \nu + \Lambda A \alpha,
//! \qquad A = (I - B)^{-1}.$$
//!
//! Observed variables that take part in regressions (or covary with latent variables) get a
//! "phantom" latent variable with a unit loading and zero residual variance, as in lavaan, so that
//! every regression lives in $B$ and every (residual) covariance in $\Theta$ or $\Psi$.
//!
//! # Derivatives without the duplication matrix
//! Every parameter enters $\Sigma$ as a symmetric rank-two update
//! $\partial\Sigma/\partial\theta_r = c_r (u_r v_r^\top + v_r u_r^\top)$ and $\mu$ as
//! $\partial\mu/\partial\theta_r = s_r w_r$, where $u, v, w$ are drawn from a small basis: the unit
//! vectors $e_i$, the columns of $C = \Lambda A \Psi A^\top$ and of $G = \Lambda A$. For example a
//! loading $\lambda_{ij}$ has $u = e_i$, $v = C_{\cdot j}$; a regression $\beta_{kl}$ has
//! $u = G_{\cdot k}$, $v = C_{\cdot l}$; a latent covariance $\psi_{kl}$ has
//! $u = G_{\cdot k}, v = G_{\cdot l}$. With the table $Q = [I\;C\;G]^\top \Sigma^{-1} [I\;C\;G]$
//! the normal-theory expected information of two parameters is
//!
//! $$\tfrac12\operatorname{tr}(\Sigma^{-1}\dot\Sigma_r\Sigma^{-1}\dot\Sigma_s) + \dot\mu_r^\top
//! \Sigma^{-1}\dot\mu_s = c_r c_s\,[Q_{v_r u_s} Q_{v_s u_r} + Q_{v_r v_s} Q_{u_r u_s}] + s_r s_s
//! Q_{w_r w_s},$$
//!
//! an $O(1)$ lookup per pair instead of the $O(p^4)$ product $\Delta^\top W \Delta$. The gradient
//! of $F_{ML}$ is $\partial F/\partial\theta_r = 2 c_r u_r^\top W v_r - 2 s_r d^\top\Sigma^{-1}
//! w_r$ with $W = \Sigma^{-1} - \Sigma^{-1}(S + dd^\top)\Sigma^{-1}$ and $d = \bar y - \mu$.
#![deny(missing_docs)]

use sem_linalg::{self as la, Mat};
use sem_partable::{Op, ParTable};

mod structured;

/// Errors building the model representation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// The implied covariance matrix is not positive definite.
    #[error("The model-implied covariance matrix{0} is not positive definite.")]
    NotPositiveDefinite(String),
    /// $(I - B)$ is singular (a non-recursive model with a unit cycle).
    #[error("The regression matrix makes (I - B) singular; check cyclic regressions.")]
    SingularBeta,
}

/// Which matrix a parameter-table row lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatKind {
    /// Loadings $\Lambda$ (`p x m`).
    Lambda,
    /// Residual covariances $\Theta$ (`p x p`, symmetric).
    Theta,
    /// Latent covariances $\Psi$ (`m x m`, symmetric).
    Psi,
    /// Regressions $B$ (`m x m`), row = dependent.
    Beta,
    /// Observed intercepts $\nu$.
    Nu,
    /// Latent intercepts $\alpha$.
    Alpha,
}

/// A matrix element fed by a parameter-table row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slot {
    /// The matrix.
    pub kind: MatKind,
    /// Row.
    pub i: usize,
    /// Column (0 for vectors).
    pub j: usize,
    /// 1-based free index, 0 when fixed.
    pub free: usize,
    /// Index of the parameter-table row.
    pub row: usize,
}

/// Basis vector ids used by the derivative structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Basis {
    E(usize),
    C(usize),
    G(usize),
}

/// Structure of one group's matrices.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupLayout {
    /// Number of observed variables.
    pub p: usize,
    /// Number of latent variables incl. phantoms.
    pub m: usize,
    /// Names of the latent dimension (latent variables, then phantoms named after their observed variable).
    pub eta_names: Vec<String>,
    /// For each observed variable, its phantom latent index, if any.
    pub phantom: Vec<Option<usize>>,
    /// Element slots.
    pub slots: Vec<Slot>,
    /// Whether $B$ has any non-zero element.
    pub has_beta: bool,
}

/// The model: layouts of all groups and the mapping from free parameters to matrices.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Per-group layout.
    pub groups: Vec<GroupLayout>,
    /// Observed variable names (matrix order).
    pub ov_names: Vec<String>,
    /// Number of distinct free parameters.
    pub nfree: usize,
    /// Whether the model has means.
    pub meanstructure: bool,
}

/// Numerical state of one group at a parameter vector.
#[derive(Debug, Clone, Default)]
pub struct GroupState {
    /// $\Lambda$.
    pub lambda: Mat,
    /// $\Theta$.
    pub theta: Mat,
    /// $\Psi$.
    pub psi: Mat,
    /// $B$.
    pub beta: Mat,
    /// $\nu$.
    pub nu: Vec<f64>,
    /// $\alpha$.
    pub alpha: Vec<f64>,
    /// $A = (I-B)^{-1}$.
    pub a: Mat,
    /// $G = \Lambda A$.
    pub g: Mat,
    /// $C = \Lambda A \Psi A^\top$.
    pub c: Mat,
    /// Implied covariance of the latent dimension, $A \Psi A^\top$.
    pub veta: Mat,
    /// $A\alpha$, the implied latent means.
    pub eeta: Vec<f64>,
    /// $\Sigma$.
    pub sigma: Mat,
    /// $\mu$.
    pub mu: Vec<f64>,
    /// $\Sigma^{-1}$ (valid after [`Model::evaluate`] succeeded).
    pub sigma_inv: Mat,
    /// $\log|\Sigma|$.
    pub logdet: f64,
    chol: Mat,
    work: Mat,
    wb: structured::Woodbury,
}

impl Model {
    /// Build the layout from the parameter table.
    pub fn new(pt: &ParTable) -> Model {
        let vn = &pt.vnames;
        let ov = &vn.ov;
        let p = ov.len();
        let lv_index = |s: &str| vn.lv.iter().position(|x| x == s);
        let ov_index = |s: &str| ov.iter().position(|x| x == s);
        // Phantoms: observed variables in regressions, then closure over covariances with eta-type variables.
        let mut is_phantom = vec![false; p];
        for r in &pt.rows {
            if r.op == Op::Regression {
                for s in [&r.lhs, &r.rhs] {
                    if let Some(i) = ov_index(s) {
                        is_phantom[i] = true;
                    }
                }
            }
        }
        loop {
            let mut changed = false;
            for r in &pt.rows {
                if r.op == Op::Covariance && r.lhs != r.rhs {
                    let eta_like =
                        |s: &str, ph: &[bool]| lv_index(s).is_some() || ov_index(s).map(|i| ph[i]).unwrap_or(false);
                    let (l, rr) = (eta_like(&r.lhs, &is_phantom), eta_like(&r.rhs, &is_phantom));
                    if l != rr {
                        for s in [&r.lhs, &r.rhs] {
                            if let Some(i) = ov_index(s) {
                                if !is_phantom[i] {
                                    is_phantom[i] = true;
                                    changed = true;
                                }
                            }
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let mut eta_names = vn.lv.clone();
        let mut phantom = vec![None; p];
        for i in 0..p {
            if is_phantom[i] {
                phantom[i] = Some(eta_names.len());
                eta_names.push(ov[i].clone());
            }
        }
        let m = eta_names.len();
        let eta = |s: &str| -> Option<usize> { lv_index(s).or_else(|| ov_index(s).and_then(|i| phantom[i])) };
        let mut groups = Vec::with_capacity(pt.ngroups);
        for g in 1..=pt.ngroups {
            let mut slots = Vec::new();
            let mut has_beta = false;
            for (row, r) in pt.rows.iter().enumerate().filter(|(_, r)| r.group == g) {
                let slot = match r.op {
                    Op::Loading => {
                        let f = lv_index(&r.lhs).unwrap_or(0);
                        match (ov_index(&r.rhs), eta(&r.rhs)) {
                            (Some(i), None) => Slot { kind: MatKind::Lambda, i, j: f, free: r.free, row },
                            (_, Some(k)) => {
                                has_beta = true;
                                Slot { kind: MatKind::Beta, i: k, j: f, free: r.free, row }
                            }
                            _ => continue,
                        }
                    }
                    Op::Regression => {
                        let (Some(y), Some(x)) = (eta(&r.lhs), eta(&r.rhs)) else { continue };
                        has_beta = true;
                        Slot { kind: MatKind::Beta, i: y, j: x, free: r.free, row }
                    }
                    Op::Covariance => match (eta(&r.lhs), eta(&r.rhs)) {
                        (Some(a), Some(b)) => Slot { kind: MatKind::Psi, i: a, j: b, free: r.free, row },
                        _ => {
                            let (Some(a), Some(b)) = (ov_index(&r.lhs), ov_index(&r.rhs)) else { continue };
                            Slot { kind: MatKind::Theta, i: a, j: b, free: r.free, row }
                        }
                    },
                    Op::Intercept => match eta(&r.lhs) {
                        Some(k) => Slot { kind: MatKind::Alpha, i: k, j: 0, free: r.free, row },
                        None => {
                            let Some(i) = ov_index(&r.lhs) else { continue };
                            Slot { kind: MatKind::Nu, i, j: 0, free: r.free, row }
                        }
                    },
                    _ => continue,
                };
                slots.push(slot);
            }
            groups.push(GroupLayout { p, m, eta_names: eta_names.clone(), phantom: phantom.clone(), slots, has_beta });
        }
        Model { groups, ov_names: ov.clone(), nfree: pt.nfree, meanstructure: pt.meanstructure }
    }

    /// Fill the matrices of group `g` from the free vector `x` and the fixed `values` (one per
    /// parameter-table row; used for fixed rows), then compute the implied moments.
    pub fn evaluate(&self, g: usize, x: &[f64], values: &[f64], st: &mut GroupState) -> Result<(), ModelError> {
        st.wb.active = false;
        self.fill(g, x, values, st)?;
        self.implied(g, self.groups[g].p, st)
    }

    /// Fill the model matrices of group `g` and $A = (I - B)^{-1}$.
    fn fill(&self, g: usize, x: &[f64], values: &[f64], st: &mut GroupState) -> Result<(), ModelError> {
        let lay = &self.groups[g];
        let (p, m) = (lay.p, lay.m);
        st.lambda.reset(p, m);
        st.theta.reset(p, p);
        st.psi.reset(m, m);
        st.beta.reset(m, m);
        st.nu.clear();
        st.nu.resize(p, 0.0);
        st.alpha.clear();
        st.alpha.resize(m, 0.0);
        for (i, ph) in lay.phantom.iter().enumerate() {
            if let Some(k) = ph {
                st.lambda[(i, *k)] = 1.0;
            }
        }
        for s in &lay.slots {
            let v = if s.free > 0 { x[s.free - 1] } else { values[s.row] };
            match s.kind {
                MatKind::Lambda => st.lambda[(s.i, s.j)] = v,
                MatKind::Theta => {
                    st.theta[(s.i, s.j)] = v;
                    st.theta[(s.j, s.i)] = v;
                }
                MatKind::Psi => {
                    st.psi[(s.i, s.j)] = v;
                    st.psi[(s.j, s.i)] = v;
                }
                MatKind::Beta => st.beta[(s.i, s.j)] = v,
                MatKind::Nu => st.nu[s.i] = v,
                MatKind::Alpha => st.alpha[s.i] = v,
            }
        }
        if lay.has_beta {
            if !recursive_inverse(&st.beta, &mut st.a) {
                let mut ib = Mat::identity(m);
                for (d, b) in ib.data_mut().iter_mut().zip(st.beta.data()) {
                    *d -= b;
                }
                st.a = la::inverse(&ib).map_err(|_| ModelError::SingularBeta)?;
            }
        } else {
            st.a = Mat::identity(m);
        }
        Ok(())
    }

    /// The dense implied moments, $\Sigma^{-1}$ and $\log|\Sigma|$ from the filled matrices.
    fn implied(&self, g: usize, p: usize, st: &mut GroupState) -> Result<(), ModelError> {
        // G = Lambda A; H = G Psi; Sigma = H G' + Theta; C = H A'; veta = A Psi A'.
        la::matmul_into(&st.lambda, &st.a, &mut st.g);
        let h = st.g.matmul(&st.psi);
        // Sigma = H G' + Theta, symmetric: lower triangle by row dots, mirrored.
        st.sigma.reset(p, p);
        for i in 0..p {
            let hi = h.row(i);
            for j in 0..=i {
                let v = la::dot(hi, st.g.row(j)) + st.theta[(i, j)];
                st.sigma[(i, j)] = v;
                st.sigma[(j, i)] = v;
            }
        }
        st.c = h.matmul_t(&st.a);
        st.veta = st.a.matmul(&st.psi).matmul_t(&st.a);
        st.eeta = st.a.mul_vec(&st.alpha);
        st.mu = st.lambda.mul_vec(&st.eeta);
        for (mu, nu) in st.mu.iter_mut().zip(&st.nu) {
            *mu += nu;
        }
        let mut chol = std::mem::take(&mut st.chol);
        let res = la::cholesky_into(&st.sigma, &mut chol);
        st.chol = chol;
        if res.is_err() {
            return Err(ModelError::NotPositiveDefinite(if self.groups.len() > 1 {
                format!(" of group {}", g + 1)
            } else {
                String::new()
            }));
        }
        st.logdet = la::chol_logdet(&st.chol);
        let mut inv = std::mem::take(&mut st.sigma_inv);
        let mut work = std::mem::take(&mut st.work);
        la::chol_inverse_into(&st.chol, &mut inv, &mut work);
        st.sigma_inv = inv;
        st.work = work;
        Ok(())
    }

    /// Derivative specs of the slots of group `g` at the current state:
    /// `(free index, c, u, v, s, w)`.
    fn derivs(&self, g: usize, st: &GroupState) -> Vec<Deriv> {
        let lay = &self.groups[g];
        let mut out = Vec::with_capacity(lay.slots.len());
        for s in lay.slots.iter().filter(|s| s.free > 0) {
            let d = match s.kind {
                MatKind::Lambda => Deriv {
                    free: s.free - 1,
                    c: 1.0,
                    u: Basis::E(s.i),
                    v: Basis::C(s.j),
                    s: st.eeta[s.j],
                    w: Some(Basis::E(s.i)),
                },
                MatKind::Theta => Deriv {
                    free: s.free - 1,
                    c: if s.i == s.j { 0.5 } else { 1.0 },
                    u: Basis::E(s.i),
                    v: Basis::E(s.j),
                    s: 0.0,
                    w: None,
                },
                MatKind::Psi => Deriv {
                    free: s.free - 1,
                    c: if s.i == s.j { 0.5 } else { 1.0 },
                    u: Basis::G(s.i),
                    v: Basis::G(s.j),
                    s: 0.0,
                    w: None,
                },
                MatKind::Beta => Deriv {
                    free: s.free - 1,
                    c: 1.0,
                    u: Basis::G(s.i),
                    v: Basis::C(s.j),
                    s: st.eeta[s.j],
                    w: Some(Basis::G(s.i)),
                },
                MatKind::Nu => {
                    Deriv { free: s.free - 1, c: 0.0, u: Basis::E(0), v: Basis::E(0), s: 1.0, w: Some(Basis::E(s.i)) }
                }
                MatKind::Alpha => {
                    Deriv { free: s.free - 1, c: 0.0, u: Basis::E(0), v: Basis::E(0), s: 1.0, w: Some(Basis::G(s.i)) }
                }
            };
            out.push(d);
        }
        out
    }

    /// $\partial\Sigma/\partial\theta$ and $\partial\mu/\partial\theta$ of group `g` as dense
    /// matrices: `(dsigma[r]` (`p x p`), `dmu[r]`) per free parameter (summed over tied slots).
    /// Used by robust (sandwich) computations and tests; the optimiser uses the basis form.
    pub fn jacobian(&self, g: usize, st: &GroupState) -> Vec<(Mat, Vec<f64>)> {
        let p = self.groups[g].p;
        let mut out = vec![(Mat::zeros(p, p), vec![0.0; p]); self.nfree];
        for d in self.derivs(g, st) {
            let (ds, dm) = &mut out[d.free];
            if d.c != 0.0 {
                let u = basis_vec(d.u, st, p);
                let v = basis_vec(d.v, st, p);
                for i in 0..p {
                    for j in 0..p {
                        ds[(i, j)] += d.c * (u[i] * v[j] + v[i] * u[j]);
                    }
                }
            }
            if let Some(w) = d.w {
                if d.s != 0.0 {
                    let w = basis_vec(w, st, p);
                    la::axpy(d.s, &w, dm);
                }
            }
        }
        out
    }

    /// The rank-two terms behind [`Model::jacobian`], for callers that use their sparsity (a
    /// loading's term touches one row and column of $\Sigma$): over the terms with `free == k`,
    /// $\partial\Sigma/\partial\theta_k = \sum c\,(u v^\top + v u^\top)$ and
    /// $\partial\mu/\partial\theta_k = \sum s\,w$.
    pub fn jacobian_terms(&self, g: usize, st: &GroupState) -> Vec<JacobianTerm> {
        let p = self.groups[g].p;
        self.derivs(g, st)
            .into_iter()
            .map(|d| JacobianTerm {
                free: d.free,
                c: d.c,
                u: basis_vec(d.u, st, p),
                v: basis_vec(d.v, st, p),
                s: d.s,
                w: d.w.map(|w| basis_vec(w, st, p)),
            })
            .collect()
    }

    /// $F_{ML}$ of group `g` (without the ½), given sample moments:
    /// $\log|\Sigma| + \operatorname{tr}(S\Sigma^{-1}) - \log|S| - p + (\bar y-\mu)^\top\Sigma^{-1}(\bar y-\mu)$.
    pub fn f_ml(&self, st: &GroupState, s: &Mat, ybar: &[f64], logdet_s: f64) -> f64 {
        let p = s.rows();
        let mut tr = 0.0;
        for i in 0..p {
            tr += la::dot(s.row(i), st.sigma_inv.row(i));
        }
        let mut f = st.logdet + tr - logdet_s - p as f64;
        if self.meanstructure {
            let d: Vec<f64> = ybar.iter().zip(&st.mu).map(|(y, m)| y - m).collect();
            let z = st.sigma_inv.mul_vec(&d);
            f += la::dot(&d, &z);
        }
        f
    }

    /// Add `weight` $\times\, \partial F_{ML}/\partial\theta$ of group `g` into `grad`.
    pub fn add_gradient(&self, g: usize, st: &GroupState, s: &Mat, ybar: &[f64], weight: f64, grad: &mut [f64]) {
        let p = s.rows();
        let si = &st.sigma_inv;
        // W = Sigma^-1 - Sigma^-1 (S + dd') Sigma^-1
        let mut st_ = s.clone();
        let mut z = vec![0.0; p];
        if self.meanstructure {
            let d: Vec<f64> = ybar.iter().zip(&st.mu).map(|(y, m)| y - m).collect();
            z = si.mul_vec(&d);
            for i in 0..p {
                for j in 0..p {
                    st_[(i, j)] += d[i] * d[j];
                }
            }
        }
        // Every product below is a dot of two contiguous rows, using the symmetry of S~ and
        // Sigma^-1: R = Sigma^-1 S~ (R_ik = <si_i, s~_k>), P = R Sigma^-1 (P_ij = <r_i, si_j>,
        // symmetric, lower triangle only), W = Sigma^-1 - P.
        let mut r = Mat::zeros(p, p);
        for i in 0..p {
            let si_i = si.row(i);
            for k in 0..p {
                r[(i, k)] = la::dot(si_i, st_.row(k));
            }
        }
        let mut w = Mat::zeros(p, p);
        for i in 0..p {
            for j in 0..=i {
                let v = si[(i, j)] - la::dot(r.row(i), si.row(j));
                w[(i, j)] = v;
                w[(j, i)] = v;
            }
        }
        self.add_gradient_wz(g, st, &w, &z, weight, grad);
    }

    /// Add `weight` $\times\, \partial F/\partial\theta$ of group `g` into `grad` for any
    /// discrepancy $F$ whose derivatives with respect to the implied moments are
    /// $\partial F/\partial\Sigma = W$ (symmetric, $dF = \operatorname{tr}(W\,d\Sigma)$) and
    /// $\partial F/\partial\mu = -2z$: $\partial F/\partial\theta_r = 2c_r u_r^\top W v_r - 2 s_r z^\top w_r$.
    /// The casewise (FIML) objective sums its patterns' $W$ and $z$ and uses this chain rule.
    pub fn add_gradient_wz(&self, g: usize, st: &GroupState, w: &Mat, z: &[f64], weight: f64, grad: &mut [f64]) {
        let p = w.rows();
        let (ct, gt) = (st.c.t(), st.g.t());
        let m = ct.rows();
        let mut wc = Mat::zeros(p, m);
        let mut wg = Mat::zeros(p, m);
        for i in 0..p {
            let wi = w.row(i);
            for j in 0..m {
                wc[(i, j)] = la::dot(wi, ct.row(j));
                wg[(i, j)] = la::dot(wi, gt.row(j));
            }
        }
        let bil = |u: Basis, v: Basis| -> f64 {
            match (u, v) {
                (Basis::E(i), Basis::E(j)) => w[(i, j)],
                (Basis::E(i), Basis::C(j)) | (Basis::C(j), Basis::E(i)) => wc[(i, j)],
                (Basis::E(i), Basis::G(j)) | (Basis::G(j), Basis::E(i)) => wg[(i, j)],
                (a, b) => {
                    let av = match a {
                        Basis::C(k) => ct.row(k),
                        Basis::G(k) => gt.row(k),
                        Basis::E(_) => unreachable_basis(),
                    };
                    (0..p)
                        .map(|i| {
                            av[i]
                                * match b {
                                    Basis::C(j) => wc[(i, j)],
                                    Basis::G(j) => wg[(i, j)],
                                    Basis::E(_) => 0.0,
                                }
                        })
                        .sum()
                }
            }
        };
        for d in self.derivs(g, st) {
            let mut v = 0.0;
            if d.c != 0.0 {
                v += 2.0 * d.c * bil(d.u, d.v);
            }
            if self.meanstructure {
                if let Some(wb) = d.w {
                    if d.s != 0.0 {
                        v -= 2.0 * d.s * basis_dot(wb, st, z);
                    }
                }
            }
            grad[d.free] += weight * v;
        }
    }

    /// Add `weight` $\times$ the unit expected information of group `g` (for $\tfrac12 F_{ML}$)
    /// into the `nfree x nfree` matrix `info`.
    pub fn add_expected_information(&self, g: usize, st: &GroupState, weight: f64, info: &mut Mat) {
        let p = self.groups[g].p;
        let m = st.c.cols();
        let nb = p + 2 * m;
        // Q = [I C G]' Sigma^-1 [I C G]
        let si = &st.sigma_inv;
        let mut cg = Mat::zeros(p, 2 * m);
        for i in 0..p {
            for j in 0..m {
                cg[(i, j)] = st.c[(i, j)];
                cg[(i, m + j)] = st.g[(i, j)];
            }
        }
        let t = si.matmul(&cg); // p x 2m
        let tt = cg.t_matmul(&t); // 2m x 2m
        let mut q = Mat::zeros(nb, nb);
        for i in 0..p {
            q.row_mut(i)[..p].copy_from_slice(si.row(i));
            for j in 0..2 * m {
                q[(i, p + j)] = t[(i, j)];
                q[(p + j, i)] = t[(i, j)];
            }
        }
        for i in 0..2 * m {
            for j in 0..2 * m {
                q[(p + i, p + j)] = tt[(i, j)];
            }
        }
        let idx = |b: Basis| match b {
            Basis::E(i) => i,
            Basis::C(j) => p + j,
            Basis::G(k) => p + m + k,
        };
        let ds = self.derivs(g, st);
        let lut: Vec<(usize, f64, usize, usize, f64, Option<usize>)> =
            ds.iter().map(|d| (d.free, d.c, idx(d.u), idx(d.v), d.s, d.w.map(idx))).collect();
        for (a, &(fa, ca, ua, va, sa, wa)) in lut.iter().enumerate() {
            for &(fb, cb, ub, vb, sb, wb) in &lut[..=a] {
                let mut v = 0.0;
                if ca != 0.0 && cb != 0.0 {
                    v += ca * cb * (q[(va, ub)] * q[(vb, ua)] + q[(va, vb)] * q[(ua, ub)]);
                }
                if self.meanstructure {
                    if let (Some(wa), Some(wb)) = (wa, wb) {
                        v += sa * sb * q[(wa, wb)];
                    }
                }
                let v = weight * v;
                info[(fa, fb)] += v;
                if fa != fb {
                    info[(fb, fa)] += v;
                }
            }
        }
        // Pairs (a, b) with a > b were added once into both (fa, fb) and (fb, fa); when two
        // different slots share a free index (fa == fb, a != b), the pair must count twice.
        for (a, &(fa, ca, ua, va, sa, wa)) in lut.iter().enumerate() {
            for &(fb, cb, ub, vb, sb, wb) in &lut[..a] {
                if fa == fb {
                    let mut v = 0.0;
                    if ca != 0.0 && cb != 0.0 {
                        v += ca * cb * (q[(va, ub)] * q[(vb, ua)] + q[(va, vb)] * q[(ua, ub)]);
                    }
                    if self.meanstructure {
                        if let (Some(wa), Some(wb)) = (wa, wb) {
                            v += sa * sb * q[(wa, wb)];
                        }
                    }
                    info[(fa, fb)] += weight * v;
                }
            }
        }
    }
}

/// $A = (I - B)^{-1}$ for a recursive $B$ (no cycles): with the variables in an order where
/// every predictor comes before its outcome, $a_{\cdot c}$ solves $a_i = \delta_{ic} + \sum_j
/// B_{ij} a_j$ by forward substitution over the nonzeros of $B$. `false` (and `a` unspecified)
/// when $B$ has a cycle.
fn recursive_inverse(b: &Mat, a: &mut Mat) -> bool {
    let m = b.rows();
    let nz: Vec<Vec<(usize, f64)>> = (0..m)
        .map(|i| b.row(i).iter().enumerate().filter(|(_, v)| **v != 0.0).map(|(j, v)| (j, *v)).collect())
        .collect();
    // Kahn's order: a variable is placed once all its predictors are.
    let mut order = Vec::with_capacity(m);
    let mut placed = vec![false; m];
    while order.len() < m {
        let before = order.len();
        for i in 0..m {
            if !placed[i] && nz[i].iter().all(|&(j, _)| j != i && placed[j]) {
                placed[i] = true;
                order.push(i);
            }
        }
        if order.len() == before {
            return false;
        }
    }
    a.reset(m, m);
    for &i in &order {
        // row i of A = e_i' + sum_j B_ij row j of A (rows of predictors are complete)
        a[(i, i)] = 1.0;
        for &(j, v) in &nz[i] {
            for c in 0..m {
                let t = a[(j, c)];
                a[(i, c)] += v * t;
            }
        }
    }
    true
}

fn unreachable_basis() -> &'static [f64] {
    // (E, E) pairs are matched before this arm.
    &[]
}

/// One term of [`Model::jacobian_terms`].
#[derive(Debug, Clone, PartialEq)]
pub struct JacobianTerm {
    /// 0-based free parameter index.
    pub free: usize,
    /// Coefficient of $u v^\top + v u^\top$.
    pub c: f64,
    /// First vector (length p).
    pub u: Vec<f64>,
    /// Second vector (length p).
    pub v: Vec<f64>,
    /// Coefficient of `w` in the mean derivative.
    pub s: f64,
    /// Mean-derivative vector, if any.
    pub w: Option<Vec<f64>>,
}

#[derive(Debug, Clone, Copy)]
struct Deriv {
    free: usize,
    c: f64,
    u: Basis,
    v: Basis,
    s: f64,
    w: Option<Basis>,
}

fn basis_vec(b: Basis, st: &GroupState, p: usize) -> Vec<f64> {
    match b {
        Basis::E(i) => {
            let mut v = vec![0.0; p];
            v[i] = 1.0;
            v
        }
        Basis::C(j) => (0..p).map(|i| st.c[(i, j)]).collect(),
        Basis::G(k) => (0..p).map(|i| st.g[(i, k)]).collect(),
    }
}

fn basis_dot(b: Basis, st: &GroupState, z: &[f64]) -> f64 {
    match b {
        Basis::E(i) => z[i],
        Basis::C(j) => (0..z.len()).map(|i| st.c[(i, j)] * z[i]).sum(),
        Basis::G(k) => (0..z.len()).map(|i| st.g[(i, k)] * z[i]).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sem_partable::{ParTable, PartableOptions};

    fn setup(src: &str, ms: bool) -> (Model, Vec<f64>, Vec<f64>) {
        let pt = ParTable::build(
            &sem_syntax::parse(src).unwrap(),
            &PartableOptions { meanstructure: ms, ..Default::default() },
        )
        .unwrap();
        let model = Model::new(&pt);
        let values: Vec<f64> =
            pt.rows.iter().map(|r| r.ustart.unwrap_or(if r.exo && r.is_variance() { 1.0 } else { 0.0 })).collect();
        // a plausible parameter vector: loadings ~0.8, variances 1, covariances 0.3, others 0.2
        let mut x = vec![0.0; pt.nfree];
        for r in &pt.rows {
            if r.free > 0 {
                x[r.free - 1] = match r.op {
                    Op::Loading => 0.8,
                    Op::Covariance if r.lhs == r.rhs => 1.0 + 0.1 * (r.id % 3) as f64,
                    Op::Covariance => 0.3,
                    Op::Intercept => 0.1 * r.id as f64,
                    _ => 0.2 + 0.05 * (r.id % 4) as f64,
                };
            }
        }
        (model, x, values)
    }

    /// Finite-difference checks of the analytic gradient and of the information against the
    /// Jacobian form $\frac12 \mathrm{tr}(\Sigma^{-1}\dot\Sigma_r\Sigma^{-1}\dot\Sigma_s) + \dot\mu_r^\top\Sigma^{-1}\dot\mu_s$.
    fn check(src: &str, ms: bool) {
        let (model, x, values) = setup(src, ms);
        let p = model.ov_names.len();
        let mut st = GroupState::default();
        model.evaluate(0, &x, &values, &mut st).unwrap();
        // sample moments: a perturbed Sigma
        let mut s = st.sigma.clone();
        for i in 0..p {
            s[(i, i)] += 0.2;
            if i + 1 < p {
                s[(i, i + 1)] += 0.05;
                s[(i + 1, i)] += 0.05;
            }
        }
        let ybar: Vec<f64> = (0..p).map(|i| 0.3 - 0.07 * i as f64).collect();
        let lds = la::spd_inverse(&s).unwrap().1;
        let mut grad = vec![0.0; x.len()];
        model.add_gradient(0, &st, &s, &ybar, 1.0, &mut grad);
        for k in 0..x.len() {
            let h = 1e-6;
            let mut xp = x.clone();
            xp[k] += h;
            let mut xm = x.clone();
            xm[k] -= h;
            let mut sp = GroupState::default();
            model.evaluate(0, &xp, &values, &mut sp).unwrap();
            let mut sm = GroupState::default();
            model.evaluate(0, &xm, &values, &mut sm).unwrap();
            let fd = (model.f_ml(&sp, &s, &ybar, lds) - model.f_ml(&sm, &s, &ybar, lds)) / (2.0 * h);
            assert!((fd - grad[k]).abs() < 1e-6 * (1.0 + fd.abs()), "grad {k}: fd {fd} analytic {}", grad[k]);
        }
        // the same gradient from W = Sigma^-1 - Sigma^-1 (S + dd') Sigma^-1 and z = Sigma^-1 d
        let si0 = &st.sigma_inv;
        let d: Vec<f64> = if ms { ybar.iter().zip(&st.mu).map(|(y, m)| y - m).collect() } else { vec![0.0; p] };
        let mut st_ = s.clone();
        for i in 0..p {
            for j in 0..p {
                st_[(i, j)] += d[i] * d[j];
            }
        }
        let mut w = si0.matmul(&st_).matmul(si0);
        for i in 0..p {
            for j in 0..p {
                w[(i, j)] = si0[(i, j)] - w[(i, j)];
            }
        }
        let z = si0.mul_vec(&d);
        let mut grad_wz = vec![0.0; x.len()];
        model.add_gradient_wz(0, &st, &w, &z, 1.0, &mut grad_wz);
        for k in 0..x.len() {
            assert!((grad_wz[k] - grad[k]).abs() < 1e-10 * (1.0 + grad[k].abs()), "wz grad {k}");
        }
        let mut info = Mat::zeros(x.len(), x.len());
        model.add_expected_information(0, &st, 1.0, &mut info);
        let jac = model.jacobian(0, &st);
        let si = &st.sigma_inv;
        for a in 0..x.len() {
            for b in 0..x.len() {
                let ta = si.matmul(&jac[a].0);
                let tb = si.matmul(&jac[b].0);
                let tr = ta.matmul(&tb).trace();
                let mut v = 0.5 * tr;
                if ms {
                    v += la::dot(&jac[a].1, &si.mul_vec(&jac[b].1));
                }
                assert!((v - info[(a, b)]).abs() < 1e-9 * (1.0 + v.abs()), "info ({a},{b}): {v} vs {}", info[(a, b)]);
            }
        }
    }

    #[test]
    fn recursive_inverse_matches_gauss_jordan_and_refuses_cycles() {
        let mut b = Mat::zeros(4, 4);
        b[(1, 0)] = 0.5;
        b[(3, 1)] = -0.7;
        b[(3, 0)] = 0.2;
        b[(2, 3)] = 1.3;
        let mut a = Mat::default();
        assert!(recursive_inverse(&b, &mut a));
        let mut ib = Mat::identity(4);
        for (d, v) in ib.data_mut().iter_mut().zip(b.data()) {
            *d -= v;
        }
        let inv = la::inverse(&ib).unwrap();
        for (x, y) in a.data().iter().zip(inv.data()) {
            assert!((x - y).abs() < 1e-14);
        }
        b[(0, 2)] = 0.1;
        assert!(!recursive_inverse(&b, &mut a));
    }

    #[test]
    fn derivatives_cfa() {
        check("f1 =~ x1 + x2 + x3\nf2 =~ x4 + x5 + x6\nx1 ~~ x4", false);
    }

    #[test]
    fn derivatives_sem_with_means_and_phantoms() {
        check("f1 =~ x1 + x2 + x3\nf2 =~ x4 + x5 + x6\nf2 ~ f1 + z1\nx7 ~ f2 + z1\nx3 ~~ x6\nf1 ~ 1", true);
    }

    #[test]
    fn derivatives_with_shared_labels() {
        check("f1 =~ x1 + a*x2 + b*x3\nf2 =~ x4 + a*x5 + b*x6\nf2 ~ f1\nx2 ~~ v*x2\nx5 ~~ v*x5", true);
    }
}
