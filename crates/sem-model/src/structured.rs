//! The objective and gradient through the factor structure, in $O(p^2 + p m^2)$ instead of the
//! $O(p^3)$ of a dense $\Sigma^{-1}$.
//!
//! When $\Theta$ is diagonal and positive and $\Phi = A\Psi A^\top$ is positive definite,
//! $\Sigma = \Lambda\Phi\Lambda^\top + \Theta$ has the Woodbury inverse and determinant
//!
//! $$\Sigma^{-1} = D - D\Lambda M^{-1}\Lambda^\top D,\quad M = \Phi^{-1} + K,\quad K = \Lambda^\top D\Lambda,
//! \quad D = \Theta^{-1},\qquad \log|\Sigma| = \log|\Theta| + \log|\Phi| + \log|M|,$$
//!
//! with $M$ only `m x m`. With $\tilde S = S + \delta\delta^\top$, $\delta = \bar y - \mu$, and
//! the `p x m` product $Q = \tilde S D\Lambda$ (one pass over $\tilde S$ since $\Lambda$ is sparse),
//! $N = \Lambda^\top D Q$ gives $\operatorname{tr}(\tilde S\Sigma^{-1}) = \sum_i d_i\tilde s_{ii} -
//! \operatorname{tr}(M^{-1}N)$. For the gradient, $W = \Sigma^{-1} - \Sigma^{-1}\tilde S\Sigma^{-1}$
//! enters only through $W\Lambda$ and $\operatorname{diag} W$ (see the crate essay), and these
//! reduce to `m x m` products: with $E = M^{-1}\Phi^{-1}$ (so $\Sigma^{-1}\Lambda = D\Lambda E$),
//! $P = M^{-1}NM^{-1}$ and $\lambda_i$ the (sparse) row $i$ of $\Lambda$,
//!
//! $$\Lambda^\top W\Lambda = KE - E^\top N E,\qquad (W\Lambda\Phi)_{ij} = d_i\big(\lambda_i (M^{-1} + P)_{\cdot j}
//! - Q_i M^{-1}_{\cdot j}\big),\qquad W_{ii} = d_i - d_i^2\big(\lambda_i M^{-1}\lambda_i^\top + \tilde s_{ii}
//! - 2 Q_i M^{-1}\lambda_i^\top + \lambda_i P \lambda_i^\top\big).$$
//!
//! Loadings take $2(W\Lambda\Phi)_{ij}$, residual variances $W_{ii}$, latent covariances
//! $2c\,(A^\top\Lambda^\top W\Lambda A)_{kl}$ and regressions $2(A^\top\Lambda^\top W\Lambda\Phi)_{kl}$;
//! the mean parts use $z = \Sigma^{-1}\delta = D(\delta - \Lambda M^{-1}\Lambda^\top D\delta)$. Only
//! $Q$ costs $O(p^2)$; the gradient is $O(pm + m^3)$.
//!
//! Models outside these conditions (correlated residuals, phantom variables with zero residual
//! variance, a Heywood case, an indefinite $\Phi$) take the dense path transparently.
use crate::{GroupState, MatKind, Model, ModelError};
use sem_linalg::{self as la, Mat};

/// Quantities of the structured path of one group, kept between the objective and the gradient.
#[derive(Debug, Clone, Default)]
pub(crate) struct Woodbury {
    /// Whether the last [`Model::evaluate_structured`] took this path.
    pub(crate) active: bool,
    /// Whether the S-dependent part ([`Model::f_ml_structured`]) is current.
    s_ready: bool,
    logdet: f64,
    /// $1/\theta_{ii}$.
    d: Vec<f64>,
    /// Nonzeros of $\Lambda$ by row: `(row, column, value)`, rows ascending.
    nz: Vec<(usize, usize, f64)>,
    /// Start of each row's nonzeros in `nz` (`p + 1` entries).
    row_start: Vec<usize>,
    phi_inv: Mat,
    /// $K = \Lambda^\top D\Lambda$.
    k: Mat,
    /// $M = \Phi^{-1} + K$, then its inverse.
    mm: Mat,
    minv: Mat,
    /// $Q^\top = (\tilde S D \Lambda)^\top$ (`m x p`).
    qt: Mat,
    /// $N = \Lambda^\top D Q$.
    n: Mat,
    /// $\tilde s_{ii}$.
    s_diag: Vec<f64>,
    /// $z = \Sigma^{-1}\delta$ (empty without a mean structure).
    z: Vec<f64>,
    l: Mat,
    work: Mat,
    t1: Mat,
}

impl Model {
    /// Whether group `g` can take the structured path at all (no residual covariances).
    fn structured_layout(&self, g: usize) -> bool {
        self.groups[g].slots.iter().all(|s| s.kind != MatKind::Theta || s.i == s.j)
    }

    /// Like [`Model::evaluate`], but when the structure allows (diagonal positive $\Theta$,
    /// positive-definite latent covariance $\Phi$) it computes only what the objective and
    /// gradient need through the Woodbury identity, leaving $\Sigma$, $\Sigma^{-1}$, $C$ and
    /// $G$ of `st` stale; otherwise it runs [`Model::evaluate`]. Use with
    /// [`Model::f_ml_structured`] and [`Model::add_gradient_structured`]; call
    /// [`Model::evaluate`] before anything else that reads the state.
    pub fn evaluate_structured(
        &self,
        g: usize,
        x: &[f64],
        values: &[f64],
        st: &mut GroupState,
    ) -> Result<(), ModelError> {
        st.wb.active = false;
        st.wb.s_ready = false;
        if !self.structured_layout(g) {
            return self.evaluate(g, x, values, st);
        }
        self.fill(g, x, values, st)?;
        if !self.woodbury(g, st) {
            return self.evaluate(g, x, values, st);
        }
        Ok(())
    }

    /// The Woodbury pieces from the filled matrices; `false` when the conditions fail.
    fn woodbury(&self, g: usize, st: &mut GroupState) -> bool {
        let p = st.lambda.rows();
        let wb = &mut st.wb;
        wb.d.clear();
        let mut logdet_theta = 0.0;
        for i in 0..p {
            let t = st.theta[(i, i)];
            if t <= 0.0 || !t.is_finite() {
                return false;
            }
            wb.d.push(1.0 / t);
            logdet_theta += t.ln();
        }
        // veta = A Psi A'
        if self.groups[g].has_beta {
            // A (A Psi)' = A Psi A', both products skipping the zeros of A.
            la::matmul_into(&st.a, &st.psi, &mut wb.t1);
            let t1t = wb.t1.t();
            la::matmul_into(&st.a, &t1t, &mut st.veta);
            st.eeta = st.a.mul_vec(&st.alpha);
        } else {
            st.veta.clone_from(&st.psi);
            st.eeta.clone_from(&st.alpha);
        }
        if la::cholesky_into(&st.veta, &mut wb.l).is_err() {
            return false;
        }
        let logdet_phi = la::chol_logdet(&wb.l);
        la::chol_inverse_into(&wb.l, &mut wb.phi_inv, &mut wb.work);
        wb.nz.clear();
        wb.row_start.clear();
        for i in 0..p {
            wb.row_start.push(wb.nz.len());
            for (j, &v) in st.lambda.row(i).iter().enumerate() {
                if v != 0.0 {
                    wb.nz.push((i, j, v));
                }
            }
        }
        wb.row_start.push(wb.nz.len());
        // K = Lambda' D Lambda; M = Phi^-1 + K
        let m = st.veta.rows();
        wb.k.reset(m, m);
        for i in 0..p {
            let r = &wb.nz[wb.row_start[i]..wb.row_start[i + 1]];
            for &(_, a, va) in r {
                for &(_, b, vb) in r {
                    wb.k[(a, b)] += wb.d[i] * va * vb;
                }
            }
        }
        wb.mm.clone_from(&wb.phi_inv);
        for (x, k) in wb.mm.data_mut().iter_mut().zip(wb.k.data()) {
            *x += k;
        }
        if la::cholesky_into(&wb.mm, &mut wb.l).is_err() {
            return false;
        }
        let logdet_m = la::chol_logdet(&wb.l);
        la::chol_inverse_into(&wb.l, &mut wb.minv, &mut wb.work);
        wb.logdet = logdet_theta + logdet_phi + logdet_m;
        if !wb.logdet.is_finite() {
            return false;
        }
        if self.meanstructure {
            st.mu.clone_from(&st.nu);
            for &(i, j, v) in &wb.nz {
                st.mu[i] += v * st.eeta[j];
            }
        }
        st.logdet = wb.logdet;
        wb.active = true;
        true
    }

    /// $F_{ML}$ as [`Model::f_ml`], through the structured path when the last
    /// [`Model::evaluate_structured`] took it. Keeps the products with $S$ for
    /// [`Model::add_gradient_structured`], which must get the same sample moments.
    pub fn f_ml_structured(&self, st: &mut GroupState, s: &Mat, ybar: &[f64], logdet_s: f64) -> f64 {
        if !st.wb.active {
            return self.f_ml(st, s, ybar, logdet_s);
        }
        let p = s.rows();
        let m = st.veta.rows();
        let wb = &mut st.wb;
        // Q' = (S D Lambda)': row a gathers the rows of S of the indicators of column a.
        wb.qt.reset(m, p);
        for &(k, a, v) in &wb.nz {
            la::axpy(wb.d[k] * v, s.row(k), wb.qt.row_mut(a));
        }
        wb.s_diag.clear();
        wb.s_diag.extend((0..p).map(|i| s[(i, i)]));
        wb.z.clear();
        if self.meanstructure {
            // S~ = S + delta delta': Q' += (Lambda' D delta) delta'.
            let delta: Vec<f64> = ybar.iter().zip(&st.mu).map(|(y, m)| y - m).collect();
            let mut ld = vec![0.0; m];
            for &(k, a, v) in &wb.nz {
                ld[a] += v * wb.d[k] * delta[k];
            }
            for (a, &l) in ld.iter().enumerate() {
                la::axpy(l, &delta, wb.qt.row_mut(a));
            }
            for (sd, dl) in wb.s_diag.iter_mut().zip(&delta) {
                *sd += dl * dl;
            }
            // z = D (delta - Lambda M^-1 Lambda' D delta)
            let t = wb.minv.mul_vec(&ld);
            wb.z = delta;
            for i in 0..p {
                let mut lt = 0.0;
                for &(_, a, v) in &wb.nz[wb.row_start[i]..wb.row_start[i + 1]] {
                    lt += v * t[a];
                }
                wb.z[i] = wb.d[i] * (wb.z[i] - lt);
            }
        }
        // N = Lambda' D Q (symmetric)
        wb.n.reset(m, m);
        for &(k, a, v) in &wb.nz {
            let w = v * wb.d[k];
            for b in 0..m {
                wb.n[(a, b)] += w * wb.qt[(b, k)];
            }
        }
        let mut tr = la::dot(&wb.d, &wb.s_diag);
        for a in 0..m {
            tr -= la::dot(wb.minv.row(a), wb.n.row(a));
        }
        wb.s_ready = true;
        wb.logdet + tr - logdet_s - p as f64
    }

    /// Add `weight` $\times\,\partial F_{ML}/\partial\theta$ of group `g` as
    /// [`Model::add_gradient`], through the structured path when the last
    /// [`Model::evaluate_structured`] and [`Model::f_ml_structured`] took it.
    pub fn add_gradient_structured(
        &self,
        g: usize,
        st: &GroupState,
        s: &Mat,
        ybar: &[f64],
        weight: f64,
        grad: &mut [f64],
    ) {
        let wb = &st.wb;
        if !wb.active || !wb.s_ready {
            return self.add_gradient(g, st, s, ybar, weight, grad);
        }
        let m = st.veta.rows();
        let has_beta = self.groups[g].has_beta;
        // P = M^-1 N M^-1; G2 = M^-1 + P; R = I - Phi^-1 G2;
        // Lambda' W Lambda = K E - E' N E = R Phi^-1, so G'WC = A' R and G'WG = A' R Phi^-1 A.
        let nm = wb.n.matmul(&wb.minv);
        let pm = wb.minv.matmul(&nm);
        let mut g2 = pm.clone();
        for (x, y) in g2.data_mut().iter_mut().zip(wb.minv.data()) {
            *x += y;
        }
        let mut r = wb.phi_inv.matmul(&g2);
        r.data_mut().iter_mut().for_each(|x| *x = -*x);
        for a in 0..m {
            r[(a, a)] += 1.0;
        }
        let lwl = r.matmul(&wb.phi_inv);
        // Q_i M^-1_a: column i of Q' against row a of M^-1.
        let qm = |i: usize, a: usize| -> f64 { (0..m).map(|b| wb.qt[(b, i)] * wb.minv[(a, b)]).sum() };
        let wdiag = |i: usize| -> f64 {
            let row = &wb.nz[wb.row_start[i]..wb.row_start[i + 1]];
            let (mut hl, mut quad, mut qh) = (0.0, 0.0, 0.0);
            for &(_, a, va) in row {
                for &(_, b, vb) in row {
                    hl += va * vb * wb.minv[(a, b)];
                    quad += va * vb * pm[(a, b)];
                }
                qh += va * qm(i, a);
            }
            let di = wb.d[i];
            di - di * di * (hl + wb.s_diag[i] - 2.0 * qh + quad)
        };
        let (gwg, gwc) = if has_beta {
            // A' X by rows of X for the nonzeros of A (A is sparse in path models).
            let at_mul = |x: &Mat| -> Mat {
                let mut out = Mat::zeros(m, m);
                for i in 0..m {
                    for (k, &aik) in st.a.row(i).iter().enumerate() {
                        if aik != 0.0 {
                            la::axpy(aik, x.row(i), out.row_mut(k));
                        }
                    }
                }
                out
            };
            // G'WG = A' (A' L)' with L symmetric.
            (at_mul(&at_mul(&lwl).t()), at_mul(&r))
        } else {
            (lwl, r)
        };
        // G'z = A' Lambda' z
        let gz: Vec<f64> = if self.meanstructure {
            let mut lz = vec![0.0; m];
            for &(i, a, v) in &wb.nz {
                lz[a] += v * wb.z[i];
            }
            if has_beta {
                st.a.t().mul_vec(&lz)
            } else {
                lz
            }
        } else {
            Vec::new()
        };
        for sl in self.groups[g].slots.iter().filter(|s| s.free > 0) {
            let v = match sl.kind {
                MatKind::Lambda => {
                    let (i, j) = (sl.i, sl.j);
                    let mut lg = 0.0;
                    for &(_, a, va) in &wb.nz[wb.row_start[i]..wb.row_start[i + 1]] {
                        lg += va * g2[(a, j)];
                    }
                    let mut v = 2.0 * wb.d[i] * (lg - qm(i, j));
                    if self.meanstructure {
                        v -= 2.0 * st.eeta[j] * wb.z[i];
                    }
                    v
                }
                MatKind::Theta => wdiag(sl.i),
                MatKind::Psi => {
                    let c = if sl.i == sl.j { 0.5 } else { 1.0 };
                    2.0 * c * gwg[(sl.i, sl.j)]
                }
                MatKind::Beta => {
                    let mut v = 2.0 * gwc[(sl.i, sl.j)];
                    if self.meanstructure {
                        v -= 2.0 * st.eeta[sl.j] * gz[sl.i];
                    }
                    v
                }
                MatKind::Nu => {
                    if self.meanstructure {
                        -2.0 * wb.z[sl.i]
                    } else {
                        0.0
                    }
                }
                MatKind::Alpha => {
                    if self.meanstructure {
                        -2.0 * gz[sl.i]
                    } else {
                        0.0
                    }
                }
            };
            grad[sl.free - 1] += weight * v;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{GroupState, Model};
    use sem_linalg as la;
    use sem_partable::{Op, ParTable, PartableOptions};

    /// The structured objective and gradient equal the dense ones, and the path is taken
    /// (or not) as expected.
    fn check(src: &str, ms: bool, expect_fast: bool) {
        let pt = ParTable::build(
            &sem_syntax::parse(src).unwrap(),
            &PartableOptions { meanstructure: ms, ..Default::default() },
        )
        .unwrap();
        let model = Model::new(&pt);
        let values: Vec<f64> =
            pt.rows.iter().map(|r| r.ustart.unwrap_or(if r.exo && r.is_variance() { 1.0 } else { 0.0 })).collect();
        let mut x = vec![0.0; pt.nfree];
        for r in &pt.rows {
            if r.free > 0 {
                x[r.free - 1] = match r.op {
                    Op::Loading => 0.7 + 0.05 * (r.id % 5) as f64,
                    Op::Covariance if r.lhs == r.rhs => 0.8 + 0.1 * (r.id % 3) as f64,
                    Op::Covariance => 0.25,
                    Op::Intercept => 0.1 * r.id as f64,
                    _ => 0.2 + 0.05 * (r.id % 4) as f64,
                };
            }
        }
        let mut dense = GroupState::default();
        model.evaluate(0, &x, &values, &mut dense).unwrap();
        let p = dense.sigma.rows();
        let mut s = dense.sigma.clone();
        for i in 0..p {
            s[(i, i)] += 0.3 + 0.01 * i as f64;
            if i + 1 < p {
                s[(i, i + 1)] -= 0.07;
                s[(i + 1, i)] -= 0.07;
            }
        }
        let ybar: Vec<f64> = (0..p).map(|i| 0.2 - 0.05 * i as f64).collect();
        let lds = la::spd_inverse(&s).unwrap().1;
        let f_dense = model.f_ml(&dense, &s, &ybar, lds);
        let mut g_dense = vec![0.0; x.len()];
        model.add_gradient(0, &dense, &s, &ybar, 0.7, &mut g_dense);
        let mut fast = GroupState::default();
        model.evaluate_structured(0, &x, &values, &mut fast).unwrap();
        assert_eq!(fast.wb.active, expect_fast);
        let f_fast = model.f_ml_structured(&mut fast, &s, &ybar, lds);
        let mut g_fast = vec![0.0; x.len()];
        model.add_gradient_structured(0, &fast, &s, &ybar, 0.7, &mut g_fast);
        assert!((f_fast - f_dense).abs() < 1e-11 * (1.0 + f_dense.abs()), "f {f_fast} vs {f_dense}");
        for k in 0..x.len() {
            assert!(
                (g_fast[k] - g_dense[k]).abs() < 1e-10 * (1.0 + g_dense[k].abs()),
                "grad {k}: {} vs {}",
                g_fast[k],
                g_dense[k]
            );
        }
    }

    #[test]
    fn structured_equals_dense_cfa() {
        check("f1 =~ x1 + x2 + x3\nf2 =~ x4 + x5 + x6 + x1", false, true);
        check("f1 =~ x1 + x2 + x3\nf2 =~ x4 + x5 + x6\nf2 ~~ 0.4*f1", true, true);
    }

    #[test]
    fn structured_equals_dense_sem_with_means_and_labels() {
        check(
            "f1 =~ x1 + a*x2 + b*x3\nf2 =~ x4 + a*x5 + b*x6\nf3 =~ x7 + x8 + x9\nf2 ~ f1\nf3 ~ f1 + f2\nf1 ~ 1\nx2 ~~ v*x2\nx5 ~~ v*x5",
            true,
            true,
        );
    }

    #[test]
    fn residual_covariances_and_phantoms_fall_back_to_dense() {
        check("f1 =~ x1 + x2 + x3\nf2 =~ x4 + x5 + x6\nx1 ~~ x4", false, false);
        check("f1 =~ x1 + x2 + x3\nf2 =~ x4 + x5 + x6\nf2 ~ f1 + z1\nx7 ~ f2 + z1", true, false);
    }
}
