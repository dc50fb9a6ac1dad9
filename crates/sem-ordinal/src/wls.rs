//! DWLS / WLS / ULS estimation on ordinal sample statistics, robust standard errors, the
//! mean-and-variance adjusted (scaled-shifted) test and the fit measures lavaan reports.
use crate::{OrdinalError, OrdinalStats};
use rayon::prelude::*;
use sem_fit::dist::{pchisq_nc, pchisq_upper};
use sem_linalg::Mat;
use sem_model::{GroupState, Model, ModelError};
use sem_partable::{Op, ParTable};

/// The weight matrix of the fit function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WlsEstimator {
    /// Diagonal weights $1/\operatorname{diag}\Gamma$, robust SEs, scaled-shifted test (WLSMV).
    #[default]
    Dwls,
    /// Full weights $\Gamma^{-1}$, standard SEs and test (WLS).
    Wls,
    /// Unit weights, robust SEs, scaled-shifted test (ULSMV).
    Uls,
}

/// How the latent responses $y^*$ are scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Parameterization {
    /// $\operatorname{var}(y^*) = 1$; residual variances follow ($1 - R^2$).
    #[default]
    Delta,
    /// Residual variances of $y^*$ fixed to 1; scale factors follow.
    Theta,
}

/// Options of [`fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct WlsOptions {
    /// Estimator.
    pub estimator: WlsEstimator,
    /// Parameterisation.
    pub parameterization: Parameterization,
    /// Iteration limit.
    pub max_iter: usize,
}

impl Default for WlsOptions {
    fn default() -> Self {
        WlsOptions { estimator: WlsEstimator::Dwls, parameterization: Parameterization::Delta, max_iter: 500 }
    }
}

/// One estimated parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// A free parameter of the parameter table (0-based free index).
    Table(usize),
    /// Threshold `k` (0-based) of variable `v` (index into the observed variables).
    Threshold(usize, usize),
}

/// The result of [`fit`].
#[derive(Debug, Clone)]
pub struct WlsFit {
    /// The estimated parameters, in the order of `x` and `vcov`.
    pub params: Vec<Param>,
    /// Estimates.
    pub x: Vec<f64>,
    /// Their covariance matrix.
    pub vcov: Mat,
    /// The parameter table's free vector with every entry set: estimates, and the computed
    /// residual variances (delta) or the fixed ones (theta) and intercepts of ordered variables.
    pub x_table: Vec<f64>,
    /// Thresholds of each variable (empty for continuous ones), estimates or fixed values.
    pub thresholds: Vec<Vec<f64>>,
    /// Scale factors $\Delta$ of each variable (1 for continuous ones and under delta).
    pub scale: Vec<f64>,
    /// Model state at the estimates (with the delta residual variances, so that
    /// $\operatorname{diag}\Sigma = 1$ for ordered variables under delta).
    pub state: GroupState,
    /// Implied stacked vector.
    pub implied: Vec<f64>,
    /// Gauss-Newton iterations.
    pub iterations: usize,
    /// Fit measures with lavaan's names.
    pub fit_measures: Vec<(String, f64)>,
    /// Number of free parameters.
    pub npar: usize,
    /// Degrees of freedom.
    pub df: f64,
    /// The ingredients of the tests and fit measures (to combine groups).
    pub parts: TestParts,
    /// Milliseconds in the Gauss-Newton iterations.
    pub estimate_ms: f64,
    /// Milliseconds for standard errors, tests and fit measures.
    pub inference_ms: f64,
}

/// Weights.
enum Weight {
    Diag(Vec<f64>),
    Full(Mat),
}

impl Weight {
    fn apply(&self, r: &[f64]) -> Vec<f64> {
        match self {
            Weight::Diag(d) => r.iter().zip(d).map(|(a, b)| a * b).collect(),
            Weight::Full(m) => m.mul_vec(r),
        }
    }
    /// V * M for a matrix with `len` rows.
    fn apply_mat(&self, m: &Mat) -> Mat {
        match self {
            Weight::Diag(d) => {
                let mut out = m.clone();
                for i in 0..m.rows() {
                    let di = d[i];
                    out.row_mut(i).iter_mut().for_each(|v| *v *= di);
                }
                out
            }
            Weight::Full(w) => w.matmul(m),
        }
    }
}

/// Implied stacked vector, table free vector, scale factors.
type Implied = (Vec<f64>, Vec<f64>, Vec<f64>);

struct Setup<'a> {
    model: &'a Model,
    stats: &'a OrdinalStats,
    values: &'a [f64],
    params: Vec<Param>,
    /// Base free vector of the table (computed entries filled).
    base: Vec<f64>,
    /// Threshold values (fixed ones stay).
    th: Vec<Vec<f64>>,
    /// Free indices of ordered residual variances (per variable).
    resvar: Vec<Option<usize>>,
    theta_param: bool,
    /// Linear equality constraints as $x = K z + x_0$ over the leading `ntab` (table)
    /// parameters; the optimiser works on $z$ and the thresholds.
    reparam: Option<(Mat, Vec<f64>)>,
    ntab: usize,
}

impl Setup<'_> {
    /// Fill the table vector and thresholds from `x`; evaluate; return the implied vector and scales.
    fn implied(&self, x: &[f64], st: &mut GroupState) -> Result<Implied, OrdinalError> {
        let x = self.expand(x);
        let x = &x[..];
        let mut xt = self.base.clone();
        let mut th = self.th.clone();
        for (p, v) in self.params.iter().zip(x) {
            match *p {
                Param::Table(k) => xt[k] = *v,
                Param::Threshold(var, k) => th[var][k] = *v,
            }
        }
        match self.model.evaluate(0, &xt, self.values, st) {
            Ok(()) | Err(ModelError::NotPositiveDefinite(_)) => {}
            Err(e) => return Err(OrdinalError::Unsupported(format!("The model cannot be evaluated: {e}."))),
        }
        let lay = &self.stats.layout;
        let p = lay.p;
        let mut scale = vec![1.0; p];
        if self.theta_param {
            for v in 0..p {
                if self.stats.ordered[v] {
                    scale[v] = 1.0 / st.sigma[(v, v)].max(1e-300).sqrt();
                }
            }
        }
        let mut s = vec![0.0; lay.len];
        for v in 0..p {
            if self.stats.ordered[v] {
                for (k, t) in th[v].iter().enumerate() {
                    s[lay.th[v].start + k] = (t - st.mu[v]) * scale[v];
                }
            } else {
                s[lay.th[v].start] = -st.mu[v];
                if let Some(vi) = lay.var[v] {
                    s[vi] = st.sigma[(v, v)];
                }
            }
        }
        for j in 0..p {
            for i in (j + 1)..p {
                s[lay.cor(i, j)] = scale[i] * st.sigma[(i, j)] * scale[j];
            }
        }
        Ok((s, xt, scale))
    }

    /// Jacobian of the implied vector, analytic: the model's $\partial\Sigma/\partial\theta$ and
    /// $\partial\mu/\partial\theta$ (`st` must hold the state at the current estimates), with the
    /// chain rule through the scale factors under theta.
    fn jacobian(&self, implied: &[f64], scale: &[f64], st: &GroupState) -> Mat {
        let j = self.jacobian_full(implied, scale, st);
        match &self.reparam {
            None => j,
            Some((k, _)) => {
                // columns of the table parameters times K, threshold columns as they are
                let (nz, nth) = (k.cols(), j.cols() - self.ntab);
                let mut out = Mat::zeros(j.rows(), nz + nth);
                for r in 0..j.rows() {
                    let (jr, or) = (j.row(r), out.row_mut(r));
                    for (a, &v) in jr[..self.ntab].iter().enumerate() {
                        if v.abs() > 0.0 {
                            sem_linalg::axpy(v, k.row(a), &mut or[..nz]);
                        }
                    }
                    or[nz..].copy_from_slice(&jr[self.ntab..]);
                }
                out
            }
        }
    }

    /// The parameters with the table part expanded from $z$ (a copy only under constraints).
    fn expand<'x>(&self, x: &'x [f64]) -> std::borrow::Cow<'x, [f64]> {
        match &self.reparam {
            None => std::borrow::Cow::Borrowed(x),
            Some((k, x0)) => {
                let nz = k.cols();
                let mut out = k.mul_vec(&x[..nz]);
                out.iter_mut().zip(x0).for_each(|(a, b)| *a += b);
                out.extend_from_slice(&x[nz..]);
                std::borrow::Cow::Owned(out)
            }
        }
    }

    /// [`Setup::jacobian`] with respect to every (unconstrained) parameter.
    fn jacobian_full(&self, implied: &[f64], scale: &[f64], st: &GroupState) -> Mat {
        if !self.theta_param {
            return self.jacobian_delta(st);
        }
        let lay = &self.stats.layout;
        let p = lay.p;
        let mut j = Mat::zeros(lay.len, self.params.len());
        let jac = self.model.jacobian(0, st);
        for (c, prm) in self.params.iter().enumerate() {
            match *prm {
                Param::Threshold(v, k) => j[(lay.th[v].start + k, c)] = scale[v],
                Param::Table(k) => {
                    let (ds, dm) = &jac[k];
                    // relative change of the y* variance of each ordered variable (theta only)
                    let rel = |v: usize| {
                        if self.theta_param && self.stats.ordered[v] {
                            ds[(v, v)] / st.sigma[(v, v)]
                        } else {
                            0.0
                        }
                    };
                    for v in 0..p {
                        if self.stats.ordered[v] {
                            for r in lay.th[v].clone() {
                                j[(r, c)] = -dm[v] * scale[v] - 0.5 * implied[r] * rel(v);
                            }
                        } else {
                            j[(lay.th[v].start, c)] = -dm[v];
                            if let Some(vi) = lay.var[v] {
                                j[(vi, c)] = ds[(v, v)];
                            }
                        }
                    }
                    for jj in 0..p {
                        for i in (jj + 1)..p {
                            let r = lay.cor(i, jj);
                            j[(r, c)] = scale[i] * scale[jj] * ds[(i, jj)] - 0.5 * implied[r] * (rel(i) + rel(jj));
                        }
                    }
                }
            }
        }
        j
    }
}

impl Setup<'_> {
    /// [`Setup::jacobian`] under delta (all scale factors 1) from the model's rank-two terms,
    /// visiting only the nonzero entries of each term's vectors.
    fn jacobian_delta(&self, st: &GroupState) -> Mat {
        let lay = &self.stats.layout;
        let mut j = Mat::zeros(lay.len, self.params.len());
        let mut col_of = vec![usize::MAX; self.base.len()];
        for (c, prm) in self.params.iter().enumerate() {
            match *prm {
                Param::Threshold(v, k) => j[(lay.th[v].start + k, c)] = 1.0,
                Param::Table(k) => col_of[k] = c,
            }
        }
        let nz = |x: &[f64]| -> Vec<(usize, f64)> {
            x.iter().enumerate().filter(|(_, v)| v.abs() > 0.0).map(|(i, v)| (i, *v)).collect()
        };
        for t in self.model.jacobian_terms(0, st) {
            let col = col_of[t.free];
            if col == usize::MAX {
                continue;
            }
            if t.c != 0.0 {
                let (u, v) = (nz(&t.u), nz(&t.v));
                for &(a, ua) in &u {
                    for &(b, vb) in &v {
                        let x = t.c * ua * vb;
                        if a != b {
                            j[(lay.cor(a, b), col)] += x;
                        } else if let Some(vi) = lay.var[a] {
                            j[(vi, col)] += 2.0 * x;
                        }
                    }
                }
            }
            if let (Some(w), true) = (&t.w, t.s != 0.0) {
                for (v, wv) in nz(w) {
                    for r in lay.th[v].clone() {
                        j[(r, col)] -= t.s * wv;
                    }
                }
            }
        }
        j
    }
}

/// $J^\top V J$, using the sparsity of `J` when `V` is diagonal.
fn information(j: &Mat, w: &Weight) -> Mat {
    match w {
        Weight::Full(_) => j.t_matmul(&w.apply_mat(j)),
        Weight::Diag(d) => {
            let q = j.cols();
            let mut e = Mat::zeros(q, q);
            let mut nz: Vec<(usize, f64)> = Vec::with_capacity(q);
            for r in 0..j.rows() {
                nz.clear();
                nz.extend(j.row(r).iter().enumerate().filter(|(_, v)| v.abs() > 0.0).map(|(c, v)| (c, *v)));
                let dr = d[r];
                for (a, &(ca, va)) in nz.iter().enumerate() {
                    let wa = dr * va;
                    for &(cb, vb) in &nz[..=a] {
                        e[(ca, cb)] += wa * vb;
                    }
                }
            }
            for a in 0..q {
                for b in 0..a {
                    e[(b, a)] = e[(a, b)];
                }
            }
            e
        }
    }
}

fn wsum(r: &[f64], w: &Weight) -> f64 {
    r.iter().zip(w.apply(r)).map(|(a, b)| a * b).sum()
}

/// Solve $E\,\delta = g$ by Cholesky; when the trailing `nt` parameters have a diagonal block
/// $D$, through the Schur complement $A - C^\top D^{-1} C$ of the leading block.
fn solve_normal(e: &Mat, g: &[f64], nt: usize) -> Option<Vec<f64>> {
    let q = e.rows();
    let ns = q - nt;
    if nt == 0 {
        let l = sem_linalg::cholesky(e).ok()?;
        let mut step = g.to_vec();
        sem_linalg::chol_solve(&l, &mut step);
        return Some(step);
    }
    let dinv: Vec<f64> = (ns..q).map(|k| 1.0 / e[(k, k)]).collect();
    if dinv.iter().any(|v| !v.is_finite()) {
        return None;
    }
    // S = A - C' D^-1 C through the nonzeros of each row of C (under delta C is zero).
    let mut s = Mat::zeros(ns, ns);
    for a in 0..ns {
        s.row_mut(a)[..ns].copy_from_slice(&e.row(a)[..ns]);
    }
    let mut rhs = g[..ns].to_vec();
    let mut nz: Vec<(usize, f64)> = Vec::with_capacity(ns);
    for k in 0..nt {
        nz.clear();
        nz.extend(e.row(ns + k)[..ns].iter().enumerate().filter(|(_, v)| v.abs() > 0.0).map(|(a, v)| (a, *v)));
        for &(a, va) in &nz {
            let w = va * dinv[k];
            for &(b, vb) in &nz {
                s[(a, b)] -= w * vb;
            }
            rhs[a] -= w * g[ns + k];
        }
    }
    let mut ds = rhs;
    if ns > 0 {
        let l = sem_linalg::cholesky(&s).ok()?;
        sem_linalg::chol_solve(&l, &mut ds);
    }
    let mut step = ds.clone();
    for k in 0..nt {
        let cd: f64 = (0..ns).map(|a| e[(ns + k, a)] * ds[a]).sum();
        step.push(dinv[k] * (g[ns + k] - cd));
    }
    Some(step)
}

/// Robust pieces of a fit with Jacobian `j`: $E^{-1}$, $\Delta^\top V\Gamma V\Delta$ and,
/// for diagonal weights, $\operatorname{tr}(U\Gamma)$ and $\operatorname{tr}(U\Gamma)^2$ of the model
/// and of the baseline (whose $U$ is $V$ restricted to the correlations).
struct Robust {
    e_inv: Mat,
    meat: Mat,
    tr_ug: f64,
    tr_ug2: f64,
    tr_ub: f64,
    tr_ub2: f64,
}

fn robust(j: &Mat, w: &Weight, g: &Mat, n: f64, nuni: usize) -> Result<Robust, OrdinalError> {
    let e = information(j, w);
    let e_inv =
        sem_linalg::inverse(&e).map_err(|_| OrdinalError::Singular("information matrix (Delta' V Delta)".into()))?;
    let Weight::Diag(d) = w else {
        return Ok(Robust { e_inv, meat: Mat::zeros(0, 0), tr_ug: 0.0, tr_ug2: 0.0, tr_ub: 0.0, tr_ub2: 0.0 });
    };
    let (nobs, len, q) = (g.rows(), g.cols(), j.cols());
    // M = G V J through the nonzeros of V J, column by column.
    let mut cols: Vec<Vec<(usize, f64)>> = vec![Vec::new(); q];
    let mut row_nz = vec![0usize; len];
    for r in 0..len {
        for (c, v) in j.row(r).iter().enumerate() {
            if v.abs() > 0.0 {
                cols[c].push((r, v * d[r]));
                row_nz[r] += 1;
            }
        }
    }
    let mut m = Mat::zeros(nobs, q);
    for i in 0..nobs {
        let gi = g.row(i);
        let mi = m.row_mut(i);
        for (c, nz) in cols.iter().enumerate() {
            mi[c] = nz.iter().map(|&(r, v)| gi[r] * v).sum();
        }
    }
    let mut meat = crate::gemm::product(&m, true, &m, false);
    meat.data_mut().iter_mut().for_each(|v| *v *= n);

    // Gamma = N G'G, so tr(U Gamma) = N tr K and tr((U Gamma)^2) = N^2 ||K||^2 with the N x N
    // matrix K = G U G'. With P = G V^(1/2) and Q = G V J L^-T (E = L L'), K = P P' - Q Q'.
    // A parameter whose Jacobian column has one nonzero, in a row with no other nonzero (a
    // threshold under delta, an intercept), splits off a block of E and cancels that row of P
    // exactly: U has a zero row there. Dropping both leaves K = C + X with C = P_c P_c' (the
    // correlation rows, also the baseline's K) and X = P_x P_x' - P_s P_s' - Q' Q' (x: kept
    // univariate rows, s: split-off correlation rows, Q' on the kept parameters).
    let mut split_row = vec![false; len];
    let mut split_col = vec![false; q];
    for (c, nz) in cols.iter().enumerate() {
        if let [(r, _)] = nz[..] {
            if row_nz[r] == 1 {
                split_row[r] = true;
                split_col[c] = true;
            }
        }
    }
    let keep: Vec<usize> = (0..q).filter(|&c| !split_col[c]).collect();
    let mut e_keep = Mat::zeros(keep.len(), keep.len());
    for (a, &ca) in keep.iter().enumerate() {
        for (b, &cb) in keep.iter().enumerate() {
            e_keep[(a, b)] = e[(ca, cb)];
        }
    }
    let l = sem_linalg::cholesky(&e_keep)
        .map_err(|_| OrdinalError::Singular("information matrix (Delta' V Delta)".into()))?;
    let plus: Vec<usize> = (0..nuni).filter(|&r| !split_row[r]).collect();
    let minus: Vec<usize> = (nuni..len).filter(|&r| split_row[r]).collect();
    let ncor = len - nuni;
    let nz = plus.len() + minus.len() + keep.len();
    let sqd: Vec<f64> = d.iter().map(|v| v.sqrt()).collect();
    let mut pc = Mat::zeros(nobs, ncor);
    let mut z = Mat::zeros(nobs, nz);
    let mut zs = Mat::zeros(nobs, nz);
    for i in 0..nobs {
        let gi = g.row(i);
        for (o, (gv, s)) in pc.row_mut(i).iter_mut().zip(gi[nuni..].iter().zip(&sqd[nuni..])) {
            *o = gv * s;
        }
        // Q' row: solve L y = m_keep
        let mi = m.row(i);
        let zi = z.row_mut(i);
        for (k, &r) in plus.iter().chain(&minus).enumerate() {
            zi[k] = gi[r] * sqd[r];
        }
        let off = plus.len() + minus.len();
        for a in 0..keep.len() {
            let la = l.row(a);
            let s = mi[keep[a]] - sem_linalg::dot(&la[..a], &zi[off..off + a]);
            zi[off + a] = s / la[a];
        }
        let zsi = zs.row_mut(i);
        for k in 0..nz {
            zsi[k] = if k < plus.len() { zi[k] } else { -zi[k] };
        }
    }
    // Lower-triangular blocks of rows, in parallel; each block's C and X through gemm.
    const B: usize = 48;
    let sums = (0..nobs.div_ceil(B))
        .into_par_iter()
        .map(|blk| {
            use crate::gemm::{gemm_into, view};
            let i0 = blk * B;
            let i1 = (i0 + B).min(nobs);
            let rows = i1 - i0;
            let mut cb = vec![0.0; rows * i1];
            let mut xb = vec![0.0; rows * i1];
            gemm_into(
                &mut cb,
                &view(&pc.data()[i0 * ncor..i1 * ncor], rows, ncor, false),
                &view(&pc.data()[..i1 * ncor], i1, ncor, true),
            );
            gemm_into(
                &mut xb,
                &view(&z.data()[i0 * nz..i1 * nz], rows, nz, false),
                &view(&zs.data()[..i1 * nz], i1, nz, true),
            );
            let mut acc = [0.0f64; 4];
            for a in 0..rows {
                let i = i0 + a;
                let (crow, xrow) = (&cb[a * i1..a * i1 + i], &xb[a * i1..a * i1 + i]);
                let (mut kk, mut cc) = (0.0, 0.0);
                for (cv, xv) in crow.iter().zip(xrow) {
                    let k = cv + xv;
                    kk += k * k;
                    cc += cv * cv;
                }
                let (cdiag, kdiag) = (cb[a * i1 + i], cb[a * i1 + i] + xb[a * i1 + i]);
                acc[0] += 2.0 * kk + kdiag * kdiag;
                acc[1] += 2.0 * cc + cdiag * cdiag;
                acc[2] += kdiag;
                acc[3] += cdiag;
            }
            acc
        })
        .reduce(|| [0.0; 4], |a, b| [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]]);
    Ok(Robust { e_inv, meat, tr_ug: n * sums[2], tr_ug2: n * n * sums[0], tr_ub: n * sums[3], tr_ub2: n * n * sums[1] })
}

/// The ingredients of lavaan's "robust" CFI/TLI/RMSEA for categorical data (Savalei 2021,
/// lavaan's `lav_fit_catml_dwls`): the ML discrepancy of the implied correlations from the
/// polychoric matrix (catML, at the DWLS estimates), its scaling factor from the DWLS sandwich,
/// and the same for the independence model. Only with every variable ordered and a positive
/// definite polychoric matrix, as in lavaan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CatMl {
    /// catML statistic.
    pub x3: f64,
    /// Its degrees of freedom.
    pub df3: f64,
    /// Its scaling factor $k/df_3$, $k = \operatorname{tr}(U_c^\top V U_c \Gamma_c)$.
    pub c3: f64,
    /// Baseline statistic.
    pub x3_null: f64,
    /// Baseline degrees of freedom.
    pub df3_null: f64,
    /// Baseline scaling factor $\operatorname{tr}\Gamma_c/df$.
    pub c3_null: f64,
}

/// The ingredients of the test statistics and fit measures of one group, from which
/// [`fit_measures`] computes lavaan's measures for one or several groups.
#[derive(Debug, Clone, PartialEq)]
pub struct TestParts {
    /// Observations.
    pub nobs: usize,
    /// Free parameters.
    pub npar: usize,
    /// Sample statistics.
    pub len: usize,
    /// $X^2 = (N - 1)F$.
    pub chisq: f64,
    /// Degrees of freedom.
    pub df: f64,
    /// Baseline $X^2$.
    pub chisq_b: f64,
    /// Baseline degrees of freedom.
    pub df_b: f64,
    /// $\operatorname{tr}(U\Gamma)$, $\operatorname{tr}(U\Gamma)^2$ of the model and of the baseline
    /// (robust estimators only).
    pub traces: Option<[f64; 4]>,
    /// catML ingredients of the robust CFI/TLI/RMSEA, when available.
    pub catml: Option<CatMl>,
    /// SRMR of the group.
    pub srmr: f64,
}

#[allow(clippy::too_many_arguments)]
fn catml(
    stats: &OrdinalStats,
    implied: &[f64],
    j: &Mat,
    d: &[f64],
    e_inv: &Mat,
    nmodel: usize,
    n: f64,
) -> Option<CatMl> {
    let lay = &stats.layout;
    let p = lay.p;
    if p < 2 || stats.ordered.iter().any(|o| !o) {
        return None;
    }
    let r = &stats.cor;
    let (ev, _) = sem_linalg::sym_eigen(r);
    if ev.iter().any(|v| *v < f64::EPSILON.sqrt()) {
        return None;
    }
    let mut sigma = Mat::identity(p);
    for jj in 0..p {
        for i in (jj + 1)..p {
            sigma[(i, jj)] = implied[lay.cor(i, jj)];
            sigma[(jj, i)] = implied[lay.cor(i, jj)];
        }
    }
    let (a, logdet_sigma) = sem_linalg::spd_inverse(&sigma).ok()?;
    let (_, logdet_r) = sem_linalg::spd_inverse(r).ok()?;
    let tr_ra: f64 = (0..p).map(|i| sem_linalg::dot(r.row(i), a.row(i))).sum();
    let f = logdet_sigma + tr_ra - logdet_r - p as f64;
    let nuni = lay.cor_start;
    let ncor = lay.len - nuni;
    let (nobs, q) = (stats.nobs, j.cols());
    let g = &stats.influence;
    // M_c = G_c W_c J_c, T = M_c E^-1, Y = G_c - T J_c' (the rows of U_c' applied to each case)
    let mut cols: Vec<Vec<(usize, f64)>> = vec![Vec::new(); q];
    for row in nuni..lay.len {
        for (c, v) in j.row(row).iter().enumerate() {
            if v.abs() > 0.0 {
                cols[c].push((row, *v));
            }
        }
    }
    let mut m = Mat::zeros(nobs, q);
    for i in 0..nobs {
        let gi = g.row(i);
        let mi = m.row_mut(i);
        for (c, nz) in cols.iter().enumerate() {
            mi[c] = nz.iter().map(|&(row, v)| gi[row] * d[row] * v).sum();
        }
    }
    let t = crate::gemm::product(&m, false, e_inv, false);
    // Y_i as p x p symmetric matrices side by side: ycat[k, i p + l] = Y_i[k, l].
    let mut ycat = Mat::zeros(p, nobs * p);
    let mut kbs = 0.0;
    let mut y = vec![0.0; ncor];
    for i in 0..nobs {
        let gi = g.row(i);
        y.copy_from_slice(&gi[nuni..]);
        kbs += sem_linalg::dot(&y, &y);
        let ti = t.row(i);
        for (c, nz) in cols.iter().enumerate() {
            let tc = ti[c];
            for &(row, v) in nz {
                y[row - nuni] -= tc * v;
            }
        }
        for jj in 0..p {
            for k in (jj + 1)..p {
                let v = y[lay.cor(k, jj) - nuni];
                ycat[(k, i * p + jj)] = v;
                ycat[(jj, i * p + k)] = v;
            }
        }
    }
    let b = crate::gemm::product(&a, false, &ycat, false);
    let mut ks = 0.0;
    for i in 0..nobs {
        for k in 0..p {
            for l in 0..p {
                ks += b[(k, i * p + l)] * b[(l, i * p + k)];
            }
        }
    }
    let ks = 0.5 * n * ks;
    let kbs = n * kbs;
    let df3 = ncor as f64 - nmodel as f64;
    let df3_null = ncor as f64;
    Some(CatMl {
        // the catML statistic is N F_ML (lavaan's ML convention, not the N - 1 of DWLS)
        x3: n * f,
        df3,
        c3: ks / df3,
        x3_null: -n * logdet_r,
        df3_null,
        c3_null: kbs / df3_null,
    })
}

/// The linear equality constraints of `pt` over the leading `ntab` parameters (`params` holds
/// `Param::Table` entries first) as $x = K z + x_0$ with orthonormal $K$; `None` without
/// constraints. Constraints on computed entries (residual variances and intercepts of ordered
/// variables) are refused.
fn equality_basis(
    pt: &ParTable,
    params: &[Param],
    ntab: usize,
    computed: &[bool],
) -> Result<Option<(Mat, Vec<f64>)>, OrdinalError> {
    if pt.constraints.is_empty() {
        return Ok(None);
    }
    let mut col_of = vec![usize::MAX; pt.nfree];
    for (c, p) in params[..ntab].iter().enumerate() {
        if let Param::Table(k) = *p {
            col_of[k] = c;
        }
    }
    let zero = vec![0.0; pt.nfree];
    let mut h = Mat::zeros(pt.constraints.len(), ntab);
    let mut b = vec![0.0; pt.constraints.len()];
    for (i, c) in pt.constraints.iter().enumerate() {
        let (v, a) = c.expr.eval_grad(&zero, &[]);
        b[i] = v;
        for (k, &ak) in a.iter().enumerate() {
            if ak == 0.0 {
                continue;
            }
            if computed[k] || col_of[k] == usize::MAX {
                return Err(OrdinalError::Unsupported(format!(
                    "The constraint `{} == {}` involves a residual variance or intercept of an ordered variable, which are not free parameters with ordered indicators.",
                    c.lhs_text, c.rhs_text
                )));
            }
            h[(i, col_of[k])] = ak;
        }
    }
    let (k, _) = sem_linalg::null_space(&h, 1e-10);
    let hht = h.matmul_t(&h);
    let (pinv, _) = sem_linalg::sym_pinv(&hht, 1e-12);
    let negb: Vec<f64> = b.iter().map(|v| -v).collect();
    let x0 = h.t().mul_vec(&pinv.mul_vec(&negb));
    let resid = (0..h.rows()).map(|i| (sem_linalg::dot(h.row(i), &x0) + b[i]).abs()).fold(0.0, f64::max);
    if resid > 1e-8 * (1.0 + x0.iter().fold(0.0_f64, |m, v| m.max(v.abs()))) {
        return Err(OrdinalError::Unsupported(
            "The equality constraints are inconsistent: no parameter values satisfy them all.".into(),
        ));
    }
    Ok(Some((k, x0)))
}

/// lavaan's fit measures of a DWLS/WLS/ULS fit from the [`TestParts`] of each group (groups
/// estimated jointly, or independently when nothing is shared): statistics, df and traces add up
/// over groups; the scaled-shifted test is $aX^2 + b$ with $a = \sqrt{df/\sum_g
/// \operatorname{tr}(U_g\Gamma_g)^2}$; RMSEA uses $N - G$ and $\sqrt G$; SRMR is the
/// $N_g/N$-weighted mean; WRMR divides by the statistics of one group (as lavaan 0.6.14); the
/// catML baseline scaling sums $\operatorname{tr}\Gamma_g / (N_g/N)$ (lavaan's
/// `lav_fit_catml_dwls`).
pub fn fit_measures(parts: &[TestParts]) -> Vec<(String, f64)> {
    let ng = parts.len() as f64;
    let ntot: usize = parts.iter().map(|g| g.nobs).sum();
    let n = ntot as f64;
    let chisq: f64 = parts.iter().map(|g| g.chisq).sum();
    let df: f64 = parts.iter().map(|g| g.df).sum();
    let chisq_b: f64 = parts.iter().map(|g| g.chisq_b).sum();
    let df_b: f64 = parts.iter().map(|g| g.df_b).sum();
    let npar: usize = parts.iter().map(|g| g.npar).sum();
    let len = parts.first().map(|g| g.len).unwrap_or(0);
    let traces: Option<[f64; 4]> = parts
        .iter()
        .try_fold([0.0; 4], |acc, g| g.traces.map(|t| [acc[0] + t[0], acc[1] + t[1], acc[2] + t[2], acc[3] + t[3]]));
    let scaled = traces.is_some();
    let mut fm: Vec<(String, f64)> = Vec::new();
    let mut push = |k: &str, v: f64| fm.push((k.to_string(), v));
    push("npar", npar as f64);
    push("fmin", chisq / (2.0 * n));
    push("chisq", chisq);
    push("df", df);
    push("pvalue", if df > 0.0 { pchisq_upper(chisq, df) } else { f64::NAN });
    let (mut t_ss, mut t_ss_b) = (f64::NAN, f64::NAN);
    if scaled {
        let t = traces.unwrap_or_default();
        let a = (df / t[1]).sqrt();
        let b = df - a * t[0];
        t_ss = a * chisq + b;
        let ab = (df_b / t[3]).sqrt();
        let bb = df_b - ab * t[2];
        t_ss_b = ab * chisq_b + bb;
        push("chisq.scaled", t_ss);
        push("df.scaled", df);
        push("pvalue.scaled", if df > 0.0 { pchisq_upper(t_ss, df) } else { f64::NAN });
        push("chisq.scaling.factor", 1.0 / a);
        push("baseline.chisq", chisq_b);
        push("baseline.df", df_b);
        push("baseline.pvalue", pchisq_upper(chisq_b, df_b));
        push("baseline.chisq.scaled", t_ss_b);
        push("baseline.df.scaled", df_b);
        push("baseline.pvalue.scaled", pchisq_upper(t_ss_b, df_b));
        push("baseline.chisq.scaling.factor", 1.0 / ab);
    } else {
        push("baseline.chisq", chisq_b);
        push("baseline.df", df_b);
        push("baseline.pvalue", pchisq_upper(chisq_b, df_b));
    }
    let incremental = |x2: f64, x2b: f64| -> [f64; 7] {
        let t1 = (x2 - df).max(0.0);
        let t2 = (x2 - df).max(x2b - df_b).max(0.0);
        let cfi = if t1.abs() < 1e-12 && t2.abs() < 1e-12 { 1.0 } else { 1.0 - t1 / t2 };
        let tli = if df > 0.0 { 1.0 - ((x2 - df) * df_b) / ((x2b - df_b) * df) } else { 1.0 };
        let nfi = (x2b - x2) / x2b;
        let rfi = {
            let v = (x2b / df_b - x2 / df) / (x2b / df_b);
            if v.is_finite() {
                v.clamp(f64::NEG_INFINITY, 1.0)
            } else {
                1.0
            }
        };
        let pnfi = (df / df_b) * nfi;
        let ifi = if x2b - df < 0.0 { 1.0 } else { (x2b - x2) / (x2b - df) };
        let rni = 1.0 - (x2 - df) / (x2b - df_b);
        [cfi, tli, rfi, nfi, pnfi, ifi, rni]
    };
    let inc = incremental(chisq, chisq_b);
    // lavaan's order: cfi, tli, their scaled versions, then nnfi ... rni and theirs.
    let incs = scaled.then(|| incremental(t_ss, t_ss_b));
    push("cfi", inc[0]);
    push("tli", inc[1]);
    if let Some(incs) = &incs {
        push("cfi.scaled", incs[0]);
        push("tli.scaled", incs[1]);
    }
    let rest = [
        (1, "nnfi", "nnfi.scaled"),
        (2, "rfi", "rfi.scaled"),
        (3, "nfi", "nfi.scaled"),
        (4, "pnfi", "pnfi.scaled"),
        (5, "ifi", "ifi.scaled"),
        (6, "rni", "rni.scaled"),
    ];
    for &(k, name, _) in &rest {
        push(name, inc[k]);
    }
    if let Some(incs) = &incs {
        for &(k, _, name) in &rest {
            push(name, incs[k]);
        }
    }
    let nr = n - ng; // N - G
    let rmsea = |x2: f64| if df > 0.0 { ((x2 / (nr * df) - 1.0 / nr).max(0.0)).sqrt() * ng.sqrt() } else { 0.0 };
    let rmsea_block = |x2: f64, suffix: &str, out: &mut Vec<(String, f64)>| {
        let (lo, hi) = sem_fit::rmsea_ci(x2, df, nr, ng);
        out.push((format!("rmsea{suffix}"), rmsea(x2)));
        out.push((format!("rmsea.ci.lower{suffix}"), lo));
        out.push((format!("rmsea.ci.upper{suffix}"), hi));
        let pv = if df > 0.0 { 1.0 - pchisq_nc(x2, df, nr * df * 0.05 * 0.05 / ng) } else { f64::NAN };
        let pnc = if df > 0.0 { pchisq_nc(x2, df, nr * df * 0.08 * 0.08 / ng) } else { f64::NAN };
        out.push((format!("rmsea.pvalue{suffix}"), pv));
        out.push((format!("rmsea.notclose.pvalue{suffix}"), pnc));
    };
    rmsea_block(chisq, "", &mut fm);
    if scaled {
        rmsea_block(t_ss, ".scaled", &mut fm);
    }
    if scaled {
        let cats: Option<Vec<CatMl>> = parts.iter().map(|g| g.catml).collect();
        if let Some(c) = cats.map(|cs| {
            let sum = |f: &dyn Fn(&CatMl) -> f64| cs.iter().map(f).sum::<f64>();
            let (df3, df3_null) = (sum(&|c| c.df3), sum(&|c| c.df3_null));
            let kbs: f64 = cs.iter().zip(parts).map(|(c, g)| c.c3_null * c.df3_null * n / g.nobs as f64).sum();
            CatMl {
                x3: sum(&|c| c.x3),
                df3,
                c3: sum(&|c| c.c3 * c.df3) / df3,
                x3_null: sum(&|c| c.x3_null),
                df3_null,
                c3_null: kbs / df3_null,
            }
        }) {
            let cfi = {
                let t1 = (c.x3 - c.c3 * c.df3).max(0.0);
                let t2 = (c.x3 - c.c3 * c.df3).max(c.x3_null - c.c3_null * c.df3_null).max(0.0);
                if t1.abs() < 1e-12 && t2.abs() < 1e-12 {
                    1.0
                } else {
                    1.0 - t1 / t2
                }
            };
            let tli = {
                let t1 = (c.x3 - c.c3 * c.df3) * c.df3_null;
                let t2 = (c.x3_null - c.c3_null * c.df3_null) * c.df3;
                if c.df3 > 0.0 && t2.abs() > 0.0 {
                    1.0 - t1 / t2
                } else {
                    1.0
                }
            };
            let rni = 1.0 - (c.x3 - c.c3 * c.df3) / (c.x3_null - c.c3_null * c.df3_null);
            fm.push(("cfi.robust".into(), cfi));
            fm.push(("tli.robust".into(), tli));
            fm.push(("nnfi.robust".into(), tli));
            fm.push(("rni.robust".into(), rni));
            let df3 = c.df3;
            let rm = if df3 > 0.0 { ((c.x3 / nr) / df3 - c.c3 / nr).max(0.0).sqrt() * ng.sqrt() } else { 0.0 };
            let x3s = c.x3 / c.c3;
            let (lo, hi) = sem_fit::rmsea_ci(x3s, df3, nr, c.c3 * ng);
            fm.push(("rmsea.robust".into(), rm));
            fm.push(("rmsea.ci.lower.robust".into(), lo));
            fm.push(("rmsea.ci.upper.robust".into(), hi));
            if df3 > 0.0 {
                let close = 1.0 - pchisq_nc(x3s, df3, nr * df3 * 0.05 * 0.05 / (c.c3 * ng));
                let notclose = pchisq_nc(x3s, df3, nr * df3 * 0.08 * 0.08 / (c.c3 * ng));
                fm.push(("rmsea.pvalue.robust".into(), close));
                fm.push(("rmsea.notclose.pvalue.robust".into(), notclose));
            }
        }
    }
    let srmr: f64 = parts.iter().map(|g| g.nobs as f64 / n * g.srmr).sum();
    fm.push(("srmr".into(), srmr));
    fm.push(("wrmr".into(), (chisq / len as f64).sqrt()));
    fm
}

/// Fit the single-group model `pt`/`model` to the ordinal statistics `stats` (variables in the
/// order of `pt.vnames.ov`). `start` is the table's free vector of start values, `values` the
/// per-row fixed values, `fixed_th` user-fixed thresholds `(variable, k, value)`.
pub fn fit(
    pt: &ParTable,
    model: &Model,
    stats: &OrdinalStats,
    start: &[f64],
    values: &[f64],
    fixed_th: &[(usize, usize, f64)],
    opts: &WlsOptions,
) -> Result<WlsFit, OrdinalError> {
    if pt.ngroups != 1 {
        return Err(OrdinalError::Unsupported("Ordinal estimation supports one group in this version.".into()));
    }
    if let Some(c) = pt.constraints.iter().find(|c| c.op != Op::Equal) {
        return Err(OrdinalError::Unsupported(format!(
            "Ordinal estimation does not support inequality constraints (`{} {} {}`) in this version.",
            c.lhs_text,
            c.op.as_str(),
            c.rhs_text
        )));
    }
    let ov = &pt.vnames.ov;
    let p = ov.len();
    if stats.layout.p != p {
        return Err(OrdinalError::Unsupported("The statistics do not match the model's observed variables.".into()));
    }
    let theta_param = opts.parameterization == Parameterization::Theta;
    // Table entries that are computed rather than estimated.
    let mut computed = vec![false; pt.nfree];
    let mut base = start.to_vec();
    let mut resvar = vec![None; p];
    for r in &pt.rows {
        let Some(v) = ov.iter().position(|o| o == &r.lhs) else { continue };
        if !stats.ordered[v] || r.free == 0 {
            continue;
        }
        if r.op == Op::Intercept {
            computed[r.free - 1] = true;
            base[r.free - 1] = 0.0;
        } else if r.is_variance() {
            computed[r.free - 1] = true;
            base[r.free - 1] = 1.0;
            resvar[v] = Some(r.free - 1);
        }
    }
    let mut th = stats.th.clone();
    let mut th_fixed: Vec<Vec<bool>> = th.iter().map(|t| vec![false; t.len()]).collect();
    for &(v, k, val) in fixed_th {
        if v < p && k < th[v].len() {
            th[v][k] = val;
            th_fixed[v][k] = true;
        }
    }
    let mut params: Vec<Param> = (0..pt.nfree).filter(|&k| !computed[k]).map(Param::Table).collect();
    let mut x: Vec<f64> = params.iter().map(|p| if let Param::Table(k) = p { start[*k] } else { 0.0 }).collect();
    for v in 0..p {
        for k in 0..th[v].len() {
            if !th_fixed[v][k] {
                params.push(Param::Threshold(v, k));
                x.push(th[v][k]);
            }
        }
    }
    if theta_param {
        // start thresholds on the y* scale of the start values
        let setup0 = Setup {
            model,
            stats,
            values,
            params: params.clone(),
            base: base.clone(),
            th: th.clone(),
            resvar: resvar.clone(),
            theta_param,
            reparam: None,
            ntab: 0,
        };
        let mut st = GroupState::default();
        let (_, _, scale) = setup0.implied(&x, &mut st)?;
        for (c, prm) in params.iter().enumerate() {
            if let Param::Threshold(v, _) = *prm {
                x[c] /= scale[v];
            }
        }
    }
    let ntab = params.iter().filter(|p| matches!(p, Param::Table(_))).count();
    let reparam = equality_basis(pt, &params, ntab, &computed)?;
    if let Some((k, x0)) = &reparam {
        // start in the constrained space: z = K'(x - x0), K orthonormal
        let d: Vec<f64> = x[..ntab].iter().zip(x0).map(|(a, b)| a - b).collect();
        let z = k.t().mul_vec(&d);
        x.splice(..ntab, z);
    }
    let setup = Setup { model, stats, values, params: params.clone(), base, th, resvar, theta_param, reparam, ntab };
    let s = &stats.wls_obs;
    let len = s.len();
    let nacov_diag = stats.nacov_diag();
    let weight = match opts.estimator {
        WlsEstimator::Dwls => Weight::Diag(nacov_diag.iter().map(|v| 1.0 / v).collect()),
        WlsEstimator::Uls => Weight::Diag(vec![1.0; len]),
        WlsEstimator::Wls => {
            let gamma = stats.nacov();
            Weight::Full(
                sem_linalg::inverse(&gamma)
                    .map_err(|_| OrdinalError::Singular("asymptotic covariance matrix Gamma (needed by WLS)".into()))?,
            )
        }
    };
    let q = x.len();
    let npar = q;
    let df = len as f64 - npar as f64;
    if df < 0.0 {
        return Err(OrdinalError::Unsupported(format!(
            "The model is not identified: {npar} free parameters but {len} sample statistics."
        )));
    }

    // With diagonal weights the threshold block of J'VJ (the trailing parameters) is diagonal.
    let nt_diag = if matches!(weight, Weight::Diag(_)) {
        params.iter().filter(|p| matches!(p, Param::Threshold(..))).count()
    } else {
        0
    };
    // Gauss-Newton with step halving.
    let t0 = std::time::Instant::now();
    let mut st = GroupState::default();
    let resid = |sig: &[f64]| -> Vec<f64> { s.iter().zip(sig).map(|(a, b)| a - b).collect() };
    let (mut sig, _, mut scale) = setup.implied(&x, &mut st)?;
    let mut f = wsum(&resid(&sig), &weight);
    let mut iterations = 0;
    let mut converged = false;
    let mut last_grad = f64::INFINITY;
    while iterations < opts.max_iter {
        iterations += 1;
        let j = setup.jacobian(&sig, &scale, &st);
        let r = resid(&sig);
        let vr = weight.apply(&r);
        let e = information(&j, &weight);
        let mut grad = vec![0.0; q];
        for (k, vk) in vr.iter().enumerate() {
            sem_linalg::axpy(*vk, j.row(k), &mut grad);
        }
        last_grad = grad.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let step = solve_normal(&e, &grad, nt_diag)
            .ok_or_else(|| OrdinalError::Singular("information matrix (Delta' V Delta)".into()))?;
        let mut alpha = 1.0;
        let mut accepted = false;
        for _ in 0..40 {
            let xn: Vec<f64> = x.iter().zip(&step).map(|(a, b)| a + alpha * b).collect();
            if let Ok((sn, _, scn)) = setup.implied(&xn, &mut st) {
                let fnew = wsum(&resid(&sn), &weight);
                if fnew.is_finite() && fnew <= f * (1.0 + 1e-12) {
                    let dmax = step.iter().fold(0.0f64, |m, v| m.max((alpha * v).abs()));
                    x = xn;
                    sig = sn;
                    scale = scn;
                    let small = dmax < 1e-9 || (f - fnew).abs() <= 1e-15 * f.max(1e-300);
                    f = fnew;
                    accepted = true;
                    if small {
                        converged = true;
                    }
                    break;
                }
            }
            alpha *= 0.5;
        }
        if !accepted {
            // no decrease possible: at the optimum to machine precision when the gradient is tiny
            converged = last_grad < 1e-6;
            break;
        }
        if converged {
            break;
        }
    }
    let estimate_ms = t0.elapsed().as_secs_f64() * 1e3;
    if !converged {
        return Err(OrdinalError::NotConverged { iterations, grad: last_grad });
    }

    // Final state with the computed residual variances (delta) so that diag(Sigma*) = 1.
    let (sig, mut x_table, scale) = setup.implied(&x, &mut st)?;
    if !theta_param {
        for v in 0..p {
            if let Some(k) = setup.resvar[v] {
                // Sigma_vv was evaluated with theta_vv = 1
                x_table[k] = 1.0 - (st.sigma[(v, v)] - 1.0);
            }
        }
    }
    let mut state = GroupState::default();
    match model.evaluate(0, &x_table, values, &mut state) {
        Ok(()) | Err(ModelError::NotPositiveDefinite(_)) => {}
        Err(e) => return Err(OrdinalError::Unsupported(format!("The model cannot be evaluated: {e}."))),
    }
    let x_opt = x.clone();
    let x = setup.expand(&x_opt).into_owned();
    let mut thresholds = setup.th.clone();
    for (prm, v) in params.iter().zip(&x) {
        if let Param::Threshold(var, k) = *prm {
            thresholds[var][k] = *v;
        }
    }

    // Standard errors and tests.
    let n = stats.nobs as f64;
    let j = setup.jacobian(&sig, &scale, &st);
    let nmodel = j.cols() - (params.len() - setup.ntab);
    let lay = &stats.layout;
    let nuni = lay.cor_start;
    let t1 = std::time::Instant::now();
    let rob = robust(&j, &weight, &stats.influence, n, nuni)?;
    let vcov = if opts.estimator == WlsEstimator::Wls {
        let mut v = rob.e_inv.clone();
        v.data_mut().iter_mut().for_each(|a| *a /= n - 1.0);
        v
    } else {
        let half = crate::gemm::product(&rob.e_inv, false, &rob.meat, false);
        let mut v = crate::gemm::product(&half, false, &rob.e_inv, false);
        v.data_mut().iter_mut().for_each(|a| *a /= n - 1.0);
        v
    };
    // back to every parameter: V_x = M V_z M', M = diag(K, I)
    let vcov = match &setup.reparam {
        None => vcov,
        Some((k, _)) => {
            let (nz, qx) = (k.cols(), params.len());
            let mut m = Mat::zeros(qx, vcov.rows());
            for a in 0..setup.ntab {
                m.row_mut(a)[..nz].copy_from_slice(k.row(a));
            }
            for t in setup.ntab..qx {
                m[(t, nz + t - setup.ntab)] = 1.0;
            }
            m.matmul(&vcov).matmul_t(&m)
        }
    };
    let r = resid(&sig);
    let fval = wsum(&r, &weight);
    let chisq = (n - 1.0) * fval;

    // Baseline: thresholds, means and variances free, correlations zero (a linear model):
    // with diagonal weights the univariate statistics fit exactly.
    let chisq_b = match &weight {
        Weight::Diag(d) => (n - 1.0) * (nuni..len).map(|k| d[k] * s[k] * s[k]).sum::<f64>(),
        Weight::Full(_) => {
            let mut jb = Mat::zeros(len, nuni);
            for k in 0..nuni {
                jb[(k, k)] = 1.0;
            }
            let vjb = weight.apply_mat(&jb);
            let eb = jb.t_matmul(&vjb);
            let eb_inv = sem_linalg::inverse(&eb).map_err(|_| OrdinalError::Singular("baseline information".into()))?;
            let tb = eb_inv.mul_vec(&vjb.t().mul_vec(s));
            let sb: Vec<f64> = (0..len).map(|k| s[k] - if k < nuni { tb[k] } else { 0.0 }).collect();
            (n - 1.0) * wsum(&sb, &weight)
        }
    };
    let df_b = (len - nuni) as f64;

    let scaled = opts.estimator != WlsEstimator::Wls;
    let mut cat = None;
    if scaled {
        let d = match &weight {
            Weight::Diag(d) => d.clone(),
            Weight::Full(_) => Vec::new(),
        };
        cat = catml(stats, &sig, &j, &d, &rob.e_inv, nmodel, n);
    }
    // SRMR on the correlation metric (off-diagonal residuals, p(p+1)/2 in the denominator).
    let mut ss = 0.0;
    let sd: Vec<f64> = (0..p).map(|v| stats.var[v].sqrt()).collect();
    for jj in 0..p {
        for i in (jj + 1)..p {
            let k = lay.cor(i, jj);
            let (sdi, sdj) = (sd[i], sd[jj]);
            let obs = s[k] / (sdi * sdj);
            let imp_sd_i = if stats.ordered[i] { 1.0 } else { sig[lay.var[i].unwrap_or(0)].sqrt() };
            let imp_sd_j = if stats.ordered[jj] { 1.0 } else { sig[lay.var[jj].unwrap_or(0)].sqrt() };
            let imp = sig[k] / (imp_sd_i * imp_sd_j);
            ss += (obs - imp) * (obs - imp);
        }
    }
    let parts = TestParts {
        nobs: stats.nobs,
        npar,
        len,
        chisq,
        df,
        chisq_b,
        df_b,
        traces: scaled.then_some([rob.tr_ug, rob.tr_ug2, rob.tr_ub, rob.tr_ub2]),
        catml: cat,
        srmr: (ss / (p * (p + 1) / 2) as f64).sqrt(),
    };
    let fm = fit_measures(std::slice::from_ref(&parts));

    let inference_ms = t1.elapsed().as_secs_f64() * 1e3;
    Ok(WlsFit {
        estimate_ms,
        inference_ms,
        params,
        x,
        vcov,
        x_table,
        thresholds,
        scale,
        state,
        implied: sig,
        iterations,
        fit_measures: fm,
        npar,
        df,
        parts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schur_step_equals_the_full_cholesky_step() {
        // 2 leading parameters, 3 trailing ones with a diagonal block
        let e = Mat::from_vec(
            5,
            5,
            vec![
                4.0, 1.0, 0.5, 0.2, 0.0, //
                1.0, 3.0, 0.0, 0.3, 0.1, //
                0.5, 0.0, 2.0, 0.0, 0.0, //
                0.2, 0.3, 0.0, 1.5, 0.0, //
                0.0, 0.1, 0.0, 0.0, 1.0,
            ],
        );
        let g = [1.0, -2.0, 0.5, 0.25, -1.0];
        let full = solve_normal(&e, &g, 0).unwrap();
        let schur = solve_normal(&e, &g, 3).unwrap();
        for (a, b) in full.iter().zip(&schur) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        let back = e.mul_vec(&schur);
        for (a, b) in back.iter().zip(&g) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    /// tr(U Gamma), tr((U Gamma)^2) and the baseline's from dense p* x p* matrices.
    fn dense_traces(j: &Mat, d: &[f64], g: &Mat, n: f64, nuni: usize) -> [f64; 4] {
        let len = d.len();
        let mut vj = j.clone();
        for r in 0..len {
            vj.row_mut(r).iter_mut().for_each(|v| *v *= d[r]);
        }
        let e_inv = sem_linalg::inverse(&j.t_matmul(&vj)).unwrap();
        let h = vj.matmul(&e_inv).matmul(&vj.t());
        let mut u = Mat::zeros(len, len);
        let mut ub = Mat::zeros(len, len);
        for r in 0..len {
            u[(r, r)] = d[r];
            if r >= nuni {
                ub[(r, r)] = d[r];
            }
            for c in 0..len {
                u[(r, c)] -= h[(r, c)];
            }
        }
        let mut gamma = g.t_matmul(g);
        gamma.data_mut().iter_mut().for_each(|v| *v *= n);
        let (ug, ubg) = (u.matmul(&gamma), ub.matmul(&gamma));
        [ug.trace(), ug.matmul(&ug).trace(), ubg.trace(), ubg.matmul(&ubg).trace()]
    }

    #[test]
    fn traces_by_case_products_equal_the_dense_ones() {
        // 100 cases (three row blocks), 2 univariate and 5 correlation statistics, 4 parameters:
        // column 0 and column 3 split off (one nonzero each, alone in its row), the others dense.
        let (nobs, len, nuni) = (100, 7, 2);
        let g = Mat::from_vec(nobs, len, (0..nobs * len).map(|k| ((k * k) as f64 * 0.0137).sin() * 0.1).collect());
        let d: Vec<f64> = (0..len).map(|r| 0.5 + r as f64 * 0.3).collect();
        let mut j = Mat::zeros(len, 4);
        j[(0, 0)] = 1.0;
        j[(6, 3)] = 0.7;
        for r in 1..6 {
            j[(r, 1)] = 0.2 + 0.1 * r as f64;
            j[(r, 2)] = (r as f64).cos();
        }
        let n = nobs as f64;
        for jj in [j.clone(), {
            let mut dense = j.clone();
            dense[(3, 0)] = 0.4; // nothing splits off any more
            dense[(2, 3)] = -0.3;
            dense
        }] {
            let rob = robust(&jj, &Weight::Diag(d.clone()), &g, n, nuni).unwrap();
            let want = dense_traces(&jj, &d, &g, n, nuni);
            let got = [rob.tr_ug, rob.tr_ug2, rob.tr_ub, rob.tr_ub2];
            for (a, b) in got.iter().zip(&want) {
                assert!((a - b).abs() < 1e-9 * b.abs().max(1.0), "{got:?} vs {want:?}");
            }
        }
    }

    #[test]
    fn sparse_information_equals_the_dense_product() {
        let j = Mat::from_vec(4, 3, vec![1.0, 0.0, 2.0, 0.0, 3.0, 0.0, 0.5, 0.0, 1.0, 0.0, 0.0, 4.0]);
        let d = vec![1.0, 2.0, 0.5, 0.25];
        let sparse = information(&j, &Weight::Diag(d.clone()));
        let mut vj = j.clone();
        for r in 0..4 {
            vj.row_mut(r).iter_mut().for_each(|v| *v *= d[r]);
        }
        let dense = j.t_matmul(&vj);
        for (a, b) in sparse.data().iter().zip(dense.data()) {
            assert!((a - b).abs() < 1e-14);
        }
    }
}
