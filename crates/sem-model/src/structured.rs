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
//! enters only through $W\Lambda$ and $\operatorname{diag} W$ (see the crate essay):
//! $\Sigma^{-1}\Lambda = D\Lambda E$ with $E = M^{-1}\Phi^{-1}$, so
//! $W\Lambda = D(\Lambda F - Q E)$ with $F = E + M^{-1} N E$, and with $h_i = \lambda_i M^{-1}$
//! ($\lambda_i$ row $i$ of $\Lambda$)
//! $W_{ii} = d_i - d_i^2(h_i\lambda_i^\top + \tilde s_{ii} - 2 Q_i h_i^\top + h_i N h_i^\top)$.
//! Loadings take $2(W\Lambda\Phi)_{ij}$, residual variances $W_{ii}$, latent covariances
//! $2c\,(A^\top\Lambda^\top W\Lambda A)_{kl}$ and regressions $2(A^\top\Lambda^\top W\Lambda\Phi)_{kl}$;
//! the mean parts use $z = \Sigma^{-1}\delta = D(\delta - \Lambda M^{-1}\Lambda^\top D\delta)$.
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
    minv: Mat,
    /// $E = M^{-1}\Phi^{-1}$.
    e: Mat,
    /// $Q = \tilde S D \Lambda$ (`p x m`).
    q: Mat,
    /// $N = \Lambda^\top D Q$.
    n: Mat,
    /// $\tilde s_{ii}$.
    s_diag: Vec<f64>,
    /// $z = \Sigma^{-1}\delta$ (empty without a mean structure).
    z: Vec<f64>,
    l: Mat,
    work: Mat,
}

fn mul_small(a: &Mat, b: &Mat, out: &mut Mat) {
    la::matmul_into(a, b, out);
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
        if !self.woodbury(st) {
            return self.evaluate(g, x, values, st);
        }
        Ok(())
    }

    /// The Woodbury pieces from the filled matrices; `false` when the conditions fail.
    fn woodbury(&self, st: &mut GroupState) -> bool {
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
        st.veta = st.a.matmul(&st.psi).matmul_t(&st.a);
        st.eeta = st.a.mul_vec(&st.alpha);
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
        // M = Phi^-1 + Lambda' D Lambda
        let mut mm = wb.phi_inv.clone();
        for i in 0..p {
            let r = &wb.nz[wb.row_start[i]..wb.row_start[i + 1]];
            for &(_, a, va) in r {
                for &(_, b, vb) in r {
                    mm[(a, b)] += wb.d[i] * va * vb;
                }
            }
        }
        if la::cholesky_into(&mm, &mut wb.l).is_err() {
            return false;
        }
        let logdet_m = la::chol_logdet(&wb.l);
        la::chol_inverse_into(&wb.l, &mut wb.minv, &mut wb.work);
        mul_small(&wb.minv, &wb.phi_inv, &mut wb.e);
        wb.logdet = logdet_theta + logdet_phi + logdet_m;
        if !wb.logdet.is_finite() {
            return false;
        }
        if self.meanstructure {
            st.mu = st.nu.clone();
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
        let m = st.lambda.cols();
        let wb = &mut st.wb;
        // Q = S D Lambda (p x m), by rows of S against the sparse columns of D Lambda.
        wb.q.reset(p, m);
        wb.s_diag.clear();
        for i in 0..p {
            let si = s.row(i);
            let qi = wb.q.row_mut(i);
            for &(k, a, v) in &wb.nz {
                qi[a] += si[k] * wb.d[k] * v;
            }
            wb.s_diag.push(si[i]);
        }
        wb.z.clear();
        if self.meanstructure {
            // S~ = S + delta delta': Q += delta (Lambda' D delta)'.
            let delta: Vec<f64> = ybar.iter().zip(&st.mu).map(|(y, m)| y - m).collect();
            let mut ld = vec![0.0; m];
            for &(k, a, v) in &wb.nz {
                ld[a] += v * wb.d[k] * delta[k];
            }
            for i in 0..p {
                la::axpy(delta[i], &ld, wb.q.row_mut(i));
                wb.s_diag[i] += delta[i] * delta[i];
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
        // N = Lambda' D Q
        wb.n.reset(m, m);
        for &(k, a, v) in &wb.nz {
            la::axpy(v * wb.d[k], wb.q.row(k), wb.n.row_mut(a));
        }
        let mut tr = 0.0;
        for i in 0..p {
            tr += wb.d[i] * wb.s_diag[i];
        }
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
        let p = s.rows();
        let m = st.lambda.cols();
        // F = E + M^-1 N E; W Lambda = D (Lambda F - Q E)
        let ne = wb.n.matmul(&wb.e);
        let mut f = wb.minv.matmul(&ne);
        for (fv, ev) in f.data_mut().iter_mut().zip(wb.e.data()) {
            *fv += ev;
        }
        let mut wl = Mat::zeros(p, m);
        let mut wdiag = vec![0.0; p];
        let mut h = vec![0.0; m];
        let mut nh = vec![0.0; m];
        for i in 0..p {
            let row = &wb.nz[wb.row_start[i]..wb.row_start[i + 1]];
            let qi = wb.q.row(i);
            let wli = wl.row_mut(i);
            // - Q_i E
            for (a, &qa) in qi.iter().enumerate() {
                la::axpy(-qa, wb.e.row(a), wli);
            }
            h.iter_mut().for_each(|v| *v = 0.0);
            let mut hl = 0.0;
            for &(_, a, v) in row {
                la::axpy(v, f.row(a), wli);
                la::axpy(v, wb.minv.row(a), &mut h);
            }
            for &(_, a, v) in row {
                hl += h[a] * v;
            }
            let di = wb.d[i];
            wli.iter_mut().for_each(|x| *x *= di);
            for (b, nb) in nh.iter_mut().enumerate() {
                *nb = la::dot(wb.n.row(b), &h);
            }
            let quad = la::dot(&h, &nh);
            let qh = la::dot(qi, &h);
            wdiag[i] = di - di * di * (hl + wb.s_diag[i] - 2.0 * qh + quad);
        }
        // L = Lambda' W Lambda (m x m)
        let mut lwl = Mat::zeros(m, m);
        for &(i, a, v) in &wb.nz {
            la::axpy(v, wl.row(i), lwl.row_mut(a));
        }
        let phi = &st.veta;
        let at = st.a.t();
        let atl = at.matmul(&lwl);
        let gwg = atl.matmul(&st.a);
        let gwc = atl.matmul(phi);
        // G'z = A' Lambda' z
        let gz: Vec<f64> = if self.meanstructure {
            let mut lz = vec![0.0; m];
            for &(i, a, v) in &wb.nz {
                lz[a] += v * wb.z[i];
            }
            at.mul_vec(&lz)
        } else {
            Vec::new()
        };
        for sl in self.groups[g].slots.iter().filter(|s| s.free > 0) {
            let v = match sl.kind {
                MatKind::Lambda => {
                    let mut v = 0.0;
                    let wli = wl.row(sl.i);
                    for (k, w) in wli.iter().enumerate() {
                        v += w * phi[(k, sl.j)];
                    }
                    let mut v = 2.0 * v;
                    if self.meanstructure {
                        v -= 2.0 * st.eeta[sl.j] * wb.z[sl.i];
                    }
                    v
                }
                MatKind::Theta => wdiag[sl.i],
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
