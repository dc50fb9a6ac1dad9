//! Dense matrix products on row-major data through nalgebra's `gemm`, which hands large products
//! to `matrixmultiply` (cache-blocked kernels with AVX2/FMA chosen at run time). The views only
//! reinterpret strides, so nothing is copied: a row-major `r x c` block is a matrix with row
//! stride `c` and column stride 1, its transpose the same data with the strides swapped.
use nalgebra::{Dyn, MatrixView, MatrixViewMut};
use sem_linalg::Mat;

/// Products with a dimension this small (nalgebra's cut-off is 5) are done by a plain loop.
const SMALL: usize = 6;

type View<'a> = MatrixView<'a, f64, Dyn, Dyn, Dyn, Dyn>;

/// The row-major `rows x cols` matrix held in `data`, or its transpose when `trans`.
pub(crate) fn view(data: &[f64], rows: usize, cols: usize, trans: bool) -> View<'_> {
    if trans {
        MatrixView::from_slice_with_strides_generic(data, Dyn(cols), Dyn(rows), Dyn(1), Dyn(cols.max(1)))
    } else {
        MatrixView::from_slice_with_strides_generic(data, Dyn(rows), Dyn(cols), Dyn(cols.max(1)), Dyn(1))
    }
}

/// `out = a b` with `out` row-major (`a.nrows() x b.ncols()`, overwritten).
pub(crate) fn gemm_into(out: &mut [f64], a: &View<'_>, b: &View<'_>) {
    let (m, n) = (a.nrows(), b.ncols());
    debug_assert_eq!(out.len(), m * n);
    if m == 0 || n == 0 {
        return;
    }
    let k = a.ncols();
    if m.min(n).min(k) <= SMALL {
        // nalgebra's own path for small products assumes column-major outputs: loop here.
        for i in 0..m {
            for j in 0..n {
                out[i * n + j] = (0..k).map(|l| a[(i, l)] * b[(l, j)]).sum();
            }
        }
        return;
    }
    let mut c = MatrixViewMut::from_slice_with_strides_generic(out, Dyn(m), Dyn(n), Dyn(n), Dyn(1));
    c.gemm(1.0, a, b, 0.0);
}

/// $\operatorname{op}(A)\operatorname{op}(B)$ of two [`Mat`]s (`ta`, `tb`: transpose).
pub(crate) fn product(a: &Mat, ta: bool, b: &Mat, tb: bool) -> Mat {
    let va = view(a.data(), a.rows(), a.cols(), ta);
    let vb = view(b.data(), b.rows(), b.cols(), tb);
    assert_eq!(va.ncols(), vb.nrows(), "product: inner dimensions differ");
    let mut out = Mat::zeros(va.nrows(), vb.ncols());
    gemm_into(out.data_mut(), &va, &vb);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mat(r: usize, c: usize, seed: f64) -> Mat {
        Mat::from_vec(r, c, (0..r * c).map(|k| ((k as f64 + seed) * 0.731).sin()).collect())
    }

    #[test]
    fn products_match_the_naive_ones_in_every_orientation() {
        // sizes above nalgebra's small-matrix cut-off, so that matrixmultiply runs, and below
        for (r, k, c) in [(9, 13, 11), (3, 13, 11), (9, 2, 11), (9, 13, 1)] {
            let (a, b) = (mat(r, k, 0.3), mat(k, c, 1.7));
            let naive = a.matmul(&b);
            let at = a.t();
            let bt = b.t();
            for (out, what) in [
                (product(&a, false, &b, false), "A B"),
                (product(&at, true, &b, false), "(A')' B"),
                (product(&a, false, &bt, true), "A (B')'"),
                (product(&at, true, &bt, true), "(A')' (B')'"),
            ] {
                assert_eq!((out.rows(), out.cols()), (r, c), "{what}");
                for (x, y) in out.data().iter().zip(naive.data()) {
                    assert!((x - y).abs() < 1e-12, "{what}: {x} vs {y}");
                }
            }
        }
    }
}
