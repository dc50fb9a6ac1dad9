//! Small dense linear algebra for structural equation models.
//!
//! SEM matrices are small (a few dozen rows) and the engine evaluates them thousands of times per
//! second, so a general-purpose library's dispatch and allocation costs would dominate. This crate
//! keeps a plain row-major [`Mat`] and the handful of kernels the engine needs:
//!
//! - Cholesky factorisation $A = L L^\top$ with $\log|A| = 2\sum_i \log L_{ii}$ ([`cholesky`]),
//!   inversion of a symmetric positive-definite matrix from it ([`spd_inverse`]);
//! - general inversion by Gauss-Jordan with partial pivoting ([`inverse`]), used for
//!   $(I - B)^{-1}$, which is not symmetric;
//! - products $AB$, $AB^\top$, $A^\top B$ ([`Mat::matmul`] and friends);
//! - the orthonormal null space of a constraint matrix $H$ by Householder QR of $H^\top$
//!   ([`null_space`]), which is how linear equality constraints become a reparameterisation
//!   $\theta = K z + k_0$;
//! - a symmetric eigen-decomposition by cyclic Jacobi rotations ([`sym_eigen`]) for matrix square
//!   roots and rank checks.
//!
//! Kernels that are called in the optimiser's inner loop write into caller-owned buffers.
#![deny(missing_docs)]

use std::ops::{Index, IndexMut};

/// Errors of the kernels.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinalgError {
    /// The matrix is not (numerically) positive definite; `index` is the first failing pivot.
    #[error("The matrix is not positive definite (pivot {index} is {pivot:.3e}).")]
    NotPositiveDefinite {
        /// Zero-based row of the failing pivot.
        index: usize,
        /// The value of the failing pivot.
        pivot: f64,
    },
    /// The matrix is singular to working precision.
    #[error("The matrix is singular (pivot {index}).")]
    Singular {
        /// Zero-based column of the failing pivot.
        index: usize,
    },
}

/// A dense row-major matrix of `f64`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mat {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Mat {
    /// An all-zero `rows x cols` matrix.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Mat { rows, cols, data: vec![0.0; rows * cols] }
    }
    /// The `n x n` identity.
    pub fn identity(n: usize) -> Self {
        let mut m = Mat::zeros(n, n);
        for i in 0..n {
            m[(i, i)] = 1.0;
        }
        m
    }
    /// A matrix from row-major data. Panics if the length does not match (a programming error).
    pub fn from_vec(rows: usize, cols: usize, data: Vec<f64>) -> Self {
        assert_eq!(data.len(), rows * cols, "Mat::from_vec: wrong data length");
        Mat { rows, cols, data }
    }
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// Row-major data.
    pub fn data(&self) -> &[f64] {
        &self.data
    }
    /// Mutable row-major data.
    pub fn data_mut(&mut self) -> &mut [f64] {
        &mut self.data
    }
    /// Row `i` as a slice.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }
    /// Mutable row `i`.
    pub fn row_mut(&mut self, i: usize) -> &mut [f64] {
        let c = self.cols;
        &mut self.data[i * c..(i + 1) * c]
    }
    /// Set every element to zero, keeping the shape.
    pub fn fill_zero(&mut self) {
        self.data.iter_mut().for_each(|x| *x = 0.0);
    }
    /// Resize to `rows x cols` and zero.
    pub fn reset(&mut self, rows: usize, cols: usize) {
        self.rows = rows;
        self.cols = cols;
        self.data.clear();
        self.data.resize(rows * cols, 0.0);
    }
    /// The transpose.
    pub fn t(&self) -> Mat {
        let mut out = Mat::zeros(self.cols, self.rows);
        for i in 0..self.rows {
            for j in 0..self.cols {
                out[(j, i)] = self[(i, j)];
            }
        }
        out
    }
    /// The diagonal.
    pub fn diag(&self) -> Vec<f64> {
        (0..self.rows.min(self.cols)).map(|i| self[(i, i)]).collect()
    }
    /// $A B$.
    pub fn matmul(&self, b: &Mat) -> Mat {
        let mut out = Mat::zeros(self.rows, b.cols);
        matmul_into(self, b, &mut out);
        out
    }
    /// $A B^\top$.
    pub fn matmul_t(&self, b: &Mat) -> Mat {
        assert_eq!(self.cols, b.cols);
        let mut out = Mat::zeros(self.rows, b.rows);
        for i in 0..self.rows {
            let ai = self.row(i);
            for j in 0..b.rows {
                out[(i, j)] = dot(ai, b.row(j));
            }
        }
        out
    }
    /// $A^\top B$.
    pub fn t_matmul(&self, b: &Mat) -> Mat {
        assert_eq!(self.rows, b.rows);
        let mut out = Mat::zeros(self.cols, b.cols);
        for k in 0..self.rows {
            let ak = self.row(k);
            let bk = b.row(k);
            for (i, &a) in ak.iter().enumerate() {
                if a != 0.0 {
                    axpy(a, bk, out.row_mut(i));
                }
            }
        }
        out
    }
    /// $A x$.
    pub fn mul_vec(&self, x: &[f64]) -> Vec<f64> {
        (0..self.rows).map(|i| dot(self.row(i), x)).collect()
    }
    /// Symmetrise in place: $(A + A^\top)/2$.
    pub fn symmetrize(&mut self) {
        let n = self.rows;
        for i in 0..n {
            for j in 0..i {
                let v = 0.5 * (self[(i, j)] + self[(j, i)]);
                self[(i, j)] = v;
                self[(j, i)] = v;
            }
        }
    }
    /// Largest absolute element.
    pub fn max_abs(&self) -> f64 {
        self.data.iter().fold(0.0_f64, |m, x| m.max(x.abs()))
    }
    /// Trace.
    pub fn trace(&self) -> f64 {
        (0..self.rows.min(self.cols)).map(|i| self[(i, i)]).sum()
    }
}

impl Index<(usize, usize)> for Mat {
    type Output = f64;
    #[inline]
    fn index(&self, (i, j): (usize, usize)) -> &f64 {
        &self.data[i * self.cols + j]
    }
}

impl IndexMut<(usize, usize)> for Mat {
    #[inline]
    fn index_mut(&mut self, (i, j): (usize, usize)) -> &mut f64 {
        &mut self.data[i * self.cols + j]
    }
}

/// A chunk of `chunks_exact(N)` as a fixed-size array (the length is known, so no checks remain).
#[inline(always)]
fn chunk<const N: usize>(a: &[f64]) -> &[f64; N] {
    a.try_into().unwrap_or(&[0.0; N])
}

/// $x^\top y$.
#[inline]
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    // Eight independent accumulators over fixed-size chunks, which the compiler keeps in SIMD
    // registers (no bounds checks inside the loop), then a scalar tail.
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let mut acc = [0.0_f64; 8];
    let xc = x.chunks_exact(8);
    let yc = y.chunks_exact(8);
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (a, b) in xc.zip(yc) {
        let (a, b) = (chunk::<8>(a), chunk::<8>(b));
        for k in 0..8 {
            acc[k] += a[k] * b[k];
        }
    }
    let mut s = ((acc[0] + acc[2]) + (acc[4] + acc[6])) + ((acc[1] + acc[3]) + (acc[5] + acc[7]));
    for (a, b) in xr.iter().zip(yr) {
        s += a * b;
    }
    s
}

/// $y \mathrel{+}= a x$.
#[inline]
pub fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &mut y[..n]);
    let mut yc = y.chunks_exact_mut(4);
    let mut xc = x.chunks_exact(4);
    for (yv, xv) in (&mut yc).zip(&mut xc) {
        let xv = chunk::<4>(xv);
        let yv: &mut [f64; 4] = match yv.try_into() {
            Ok(v) => v,
            Err(_) => continue,
        };
        for k in 0..4 {
            yv[k] += a * xv[k];
        }
    }
    for (yi, xi) in yc.into_remainder().iter_mut().zip(xc.remainder()) {
        *yi += a * xi;
    }
}

/// $C = A B$ into a preallocated `out` of shape `a.rows x b.cols`.
pub fn matmul_into(a: &Mat, b: &Mat, out: &mut Mat) {
    assert_eq!(a.cols, b.rows);
    out.reset(a.rows, b.cols);
    for i in 0..a.rows {
        let orow = &mut out.data[i * b.cols..(i + 1) * b.cols];
        for k in 0..a.cols {
            let aik = a.data[i * a.cols + k];
            if aik != 0.0 {
                axpy(aik, &b.data[k * b.cols..(k + 1) * b.cols], orow);
            }
        }
    }
}

/// Cholesky factor $L$ (lower triangle, row-major; the upper triangle is zero) of a symmetric
/// positive-definite matrix, written into `l`.
pub fn cholesky_into(a: &Mat, l: &mut Mat) -> Result<(), LinalgError> {
    let n = a.rows;
    l.reset(n, n);
    for j in 0..n {
        let mut d = a[(j, j)];
        {
            let lj = &l.data[j * n..j * n + j];
            d -= dot(lj, lj);
        }
        if d <= 0.0 || !d.is_finite() {
            return Err(LinalgError::NotPositiveDefinite { index: j, pivot: d });
        }
        let djj = d.sqrt();
        l.data[j * n + j] = djj;
        for i in (j + 1)..n {
            let s = {
                let (li, lj) = (&l.data[i * n..i * n + j], &l.data[j * n..j * n + j]);
                dot(li, lj)
            };
            l.data[i * n + j] = (a[(i, j)] - s) / djj;
        }
    }
    Ok(())
}

/// Cholesky factor of a symmetric positive-definite matrix.
pub fn cholesky(a: &Mat) -> Result<Mat, LinalgError> {
    let mut l = Mat::zeros(a.rows, a.rows);
    cholesky_into(a, &mut l)?;
    Ok(l)
}

/// $\log|A|$ from its Cholesky factor.
pub fn chol_logdet(l: &Mat) -> f64 {
    2.0 * (0..l.rows).map(|i| l[(i, i)].ln()).sum::<f64>()
}

/// $A^{-1}$ from the Cholesky factor $L$ of $A$, into `out` (uses `work` as scratch, both `n x n`).
///
/// `work` receives $W^\top$ with $W = L^{-1}$, so that both the forward substitution and the
/// product $A^{-1} = W^\top W$ run over contiguous rows.
pub fn chol_inverse_into(l: &Mat, out: &mut Mat, work: &mut Mat) {
    let n = l.rows;
    work.reset(n, n);
    // Wt[j][i] = W[i][j]; W[i][j] = -(sum_{k=j}^{i-1} L[i][k] W[k][j]) / L[i][i]
    for j in 0..n {
        let wrow = &mut work.data[j * n..(j + 1) * n];
        wrow[j] = 1.0 / l.data[j * n + j];
        for i in (j + 1)..n {
            let li = &l.data[i * n + j..i * n + i];
            let s = dot(li, &wrow[j..i]);
            wrow[i] = -s / l.data[i * n + i];
        }
    }
    // A^{-1}[i][j] = sum_{k >= max(i,j)} W[k][i] W[k][j] = dot(Wt[i][m..], Wt[j][m..]), m = max(i, j)
    out.reset(n, n);
    for i in 0..n {
        for j in 0..=i {
            let s = dot(&work.data[i * n + i..(i + 1) * n], &work.data[j * n + i..(j + 1) * n]);
            out.data[i * n + j] = s;
            out.data[j * n + i] = s;
        }
    }
}

/// Inverse of a symmetric positive-definite matrix and its log-determinant.
pub fn spd_inverse(a: &Mat) -> Result<(Mat, f64), LinalgError> {
    let l = cholesky(a)?;
    let mut inv = Mat::zeros(a.rows, a.rows);
    let mut work = Mat::zeros(a.rows, a.rows);
    chol_inverse_into(&l, &mut inv, &mut work);
    Ok((inv, chol_logdet(&l)))
}

/// Solve $L L^\top x = b$ in place given the Cholesky factor.
pub fn chol_solve(l: &Mat, b: &mut [f64]) {
    let n = l.rows;
    for i in 0..n {
        let s = dot(&l.data[i * n..i * n + i], &b[..i]);
        b[i] = (b[i] - s) / l.data[i * n + i];
    }
    // L' x = y by rows of L: once x_i is known, remove its share from the earlier equations.
    for i in (0..n).rev() {
        b[i] /= l.data[i * n + i];
        let xi = b[i];
        axpy(-xi, &l.data[i * n..i * n + i], &mut b[..i]);
    }
}

/// General inverse by Gauss-Jordan elimination with partial pivoting.
pub fn inverse(a: &Mat) -> Result<Mat, LinalgError> {
    let n = a.rows;
    let mut m = a.clone();
    let mut inv = Mat::identity(n);
    let scale = a.max_abs().max(f64::MIN_POSITIVE);
    for c in 0..n {
        let mut piv = c;
        let mut best = m[(c, c)].abs();
        for r in (c + 1)..n {
            if m[(r, c)].abs() > best {
                best = m[(r, c)].abs();
                piv = r;
            }
        }
        if best <= 1e-14 * scale {
            return Err(LinalgError::Singular { index: c });
        }
        if piv != c {
            for j in 0..n {
                m.data.swap(c * n + j, piv * n + j);
                inv.data.swap(c * n + j, piv * n + j);
            }
        }
        let d = m[(c, c)];
        for j in 0..n {
            m[(c, j)] /= d;
            inv[(c, j)] /= d;
        }
        for r in 0..n {
            if r != c {
                let f = m[(r, c)];
                if f != 0.0 {
                    for j in 0..n {
                        m.data[r * n + j] -= f * m.data[c * n + j];
                        inv.data[r * n + j] -= f * inv.data[c * n + j];
                    }
                }
            }
        }
    }
    Ok(inv)
}

/// Symmetric eigen-decomposition $A = V \operatorname{diag}(w) V^\top$ by cyclic Jacobi rotations.
/// Returns eigenvalues in ascending order and the eigenvectors as the columns of $V$.
pub fn sym_eigen(a: &Mat) -> (Vec<f64>, Mat) {
    let n = a.rows;
    let mut m = a.clone();
    let mut v = Mat::identity(n);
    for _sweep in 0..100 {
        let mut off = 0.0;
        for i in 0..n {
            for j in 0..i {
                off += m[(i, j)] * m[(i, j)];
            }
        }
        if off <= 1e-30 * (1.0 + m.max_abs().powi(2)) {
            break;
        }
        for p in 0..n {
            for q in (p + 1)..n {
                let apq = m[(p, q)];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (m[(q, q)] - m[(p, p)]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let mkp = m[(k, p)];
                    let mkq = m[(k, q)];
                    m[(k, p)] = c * mkp - s * mkq;
                    m[(k, q)] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let mpk = m[(p, k)];
                    let mqk = m[(q, k)];
                    m[(p, k)] = c * mpk - s * mqk;
                    m[(q, k)] = s * mpk + c * mqk;
                }
                for k in 0..n {
                    let vkp = v[(k, p)];
                    let vkq = v[(k, q)];
                    v[(k, p)] = c * vkp - s * vkq;
                    v[(k, q)] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| m[(a, a)].total_cmp(&m[(b, b)]));
    let w = idx.iter().map(|&i| m[(i, i)]).collect();
    let mut vs = Mat::zeros(n, n);
    for (new, &old) in idx.iter().enumerate() {
        for k in 0..n {
            vs[(k, new)] = v[(k, old)];
        }
    }
    (w, vs)
}

/// Symmetric square root $A^{1/2}$ of a positive semi-definite matrix (negative eigenvalues are
/// clipped to zero).
pub fn sym_sqrt(a: &Mat) -> Mat {
    let (w, v) = sym_eigen(a);
    let n = a.rows;
    let mut out = Mat::zeros(n, n);
    for k in 0..n {
        let s = w[k].max(0.0).sqrt();
        for i in 0..n {
            for j in 0..n {
                out[(i, j)] += v[(i, k)] * s * v[(j, k)];
            }
        }
    }
    out
}

/// Moore-Penrose pseudo-inverse of a symmetric matrix via its eigen-decomposition; eigenvalues
/// below `tol * max|eigenvalue|` count as zero. Returns the pseudo-inverse and the rank.
pub fn sym_pinv(a: &Mat, tol: f64) -> (Mat, usize) {
    let (w, v) = sym_eigen(a);
    let n = a.rows;
    let wmax = w.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    let mut out = Mat::zeros(n, n);
    let mut rank = 0;
    for k in 0..n {
        if w[k].abs() > tol * wmax && wmax > 0.0 {
            rank += 1;
            let s = 1.0 / w[k];
            for i in 0..n {
                for j in 0..n {
                    out[(i, j)] += v[(i, k)] * s * v[(j, k)];
                }
            }
        }
    }
    (out, rank)
}

/// Orthonormal basis of the null space of $H$ (`m x n`, one constraint per row) as the columns of
/// an `n x (n - rank)` matrix, and the rank of $H$. Computed from the Householder QR of
/// $H^\top$: the trailing columns of $Q$ span the orthogonal complement of the row space of $H$.
pub fn null_space(h: &Mat, tol: f64) -> (Mat, usize) {
    let n = h.cols;
    let m = h.rows;
    // Work on A = H^T (n x m); accumulate Q (n x n).
    let mut a = h.t();
    let mut q = Mat::identity(n);
    let mut rank = 0;
    let scale = h.max_abs().max(1.0);
    for k in 0..m.min(n) {
        // Column pivoting: pick the remaining column with the largest norm below row `rank`.
        let mut best = 0.0;
        let mut best_col = k;
        for c in k..m {
            let s: f64 = (rank..n).map(|r| a[(r, c)] * a[(r, c)]).sum();
            if s > best {
                best = s;
                best_col = c;
            }
        }
        if best.sqrt() <= tol * scale {
            break;
        }
        if best_col != k {
            for r in 0..n {
                let tmp = a[(r, k)];
                a[(r, k)] = a[(r, best_col)];
                a[(r, best_col)] = tmp;
            }
        }
        let norm = best.sqrt();
        let alpha = if a[(rank, k)] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = vec![0.0; n];
        for r in rank..n {
            v[r] = a[(r, k)];
        }
        v[rank] -= alpha;
        let vnorm2: f64 = v.iter().map(|x| x * x).sum();
        if vnorm2 > 0.0 {
            // A <- (I - 2vv'/v'v) A ; Q <- Q (I - 2vv'/v'v)
            for c in 0..m {
                let s: f64 = (rank..n).map(|r| v[r] * a[(r, c)]).sum::<f64>() * 2.0 / vnorm2;
                for r in rank..n {
                    a[(r, c)] -= s * v[r];
                }
            }
            for r in 0..n {
                let s: f64 = (rank..n).map(|c| q[(r, c)] * v[c]).sum::<f64>() * 2.0 / vnorm2;
                for c in rank..n {
                    q[(r, c)] -= s * v[c];
                }
            }
        }
        rank += 1;
    }
    let mut k = Mat::zeros(n, n - rank);
    for r in 0..n {
        for c in rank..n {
            k[(r, c - rank)] = q[(r, c)];
        }
    }
    (k, rank)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spd(n: usize) -> Mat {
        let mut a = Mat::zeros(n, n);
        for i in 0..n {
            for j in 0..n {
                a[(i, j)] = 1.0 / (1.0 + (i as f64 - j as f64).abs()) + if i == j { n as f64 } else { 0.0 };
            }
        }
        a
    }

    #[test]
    fn cholesky_inverse_roundtrip() {
        let a = spd(7);
        let (inv, logdet) = spd_inverse(&a).unwrap();
        let prod = a.matmul(&inv);
        for i in 0..7 {
            for j in 0..7 {
                let e = if i == j { 1.0 } else { 0.0 };
                assert!((prod[(i, j)] - e).abs() < 1e-12);
            }
        }
        let (w, _) = sym_eigen(&a);
        let ld: f64 = w.iter().map(|x| x.ln()).sum();
        assert!((ld - logdet).abs() < 1e-10);
    }

    #[test]
    fn not_positive_definite_is_reported() {
        let a = Mat::from_vec(2, 2, vec![1.0, 2.0, 2.0, 1.0]);
        assert!(matches!(cholesky(&a), Err(LinalgError::NotPositiveDefinite { index: 1, .. })));
    }

    #[test]
    fn general_inverse() {
        let a = Mat::from_vec(3, 3, vec![1.0, 0.0, 0.0, -0.4, 1.0, 0.0, -0.2, -0.7, 1.0]);
        let inv = inverse(&a).unwrap();
        let p = a.matmul(&inv);
        assert!((p.trace() - 3.0).abs() < 1e-14);
        assert!(inverse(&Mat::zeros(2, 2)).is_err());
    }

    #[test]
    fn chol_solve_matches_inverse() {
        let a = spd(5);
        let l = cholesky(&a).unwrap();
        let mut b = vec![1.0, -2.0, 0.5, 3.0, 0.0];
        let x0 = spd_inverse(&a).unwrap().0.mul_vec(&b);
        chol_solve(&l, &mut b);
        for (x, y) in b.iter().zip(&x0) {
            assert!((x - y).abs() < 1e-12);
        }
    }

    #[test]
    fn null_space_of_equality_constraint() {
        // theta_1 == theta_2 among three parameters.
        let h = Mat::from_vec(1, 3, vec![1.0, -1.0, 0.0]);
        let (k, rank) = null_space(&h, 1e-10);
        assert_eq!(rank, 1);
        assert_eq!(k.cols(), 2);
        let hk = h.matmul(&k);
        assert!(hk.max_abs() < 1e-14);
        let ktk = k.t_matmul(&k);
        assert!((ktk.trace() - 2.0).abs() < 1e-14);
        // Redundant constraints do not count twice.
        let h2 = Mat::from_vec(2, 3, vec![1.0, -1.0, 0.0, 2.0, -2.0, 0.0]);
        assert_eq!(null_space(&h2, 1e-10).1, 1);
    }

    #[test]
    fn sqrt_and_pinv() {
        let a = spd(4);
        let s = sym_sqrt(&a);
        let back = s.matmul(&s);
        for (x, y) in back.data().iter().zip(a.data()) {
            assert!((x - y).abs() < 1e-10);
        }
        let (p, r) = sym_pinv(&a, 1e-12);
        assert_eq!(r, 4);
        let id = p.matmul(&a);
        assert!((id.trace() - 4.0).abs() < 1e-10);
    }
}
