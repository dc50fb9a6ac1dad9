//! Distribution functions: normal, central and noncentral chi-square, and Brent's root finder.
use statrs::function::erf::erfc;
use statrs::function::gamma::{gamma_lr, gamma_ur, ln_gamma};

/// Standard normal CDF $\Phi(z)$.
pub fn pnorm(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// Standard normal quantile $\Phi^{-1}(p)$ (Acklam's rational approximation refined by one
/// Halley step, accurate to about 1e-15).
pub fn qnorm(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] =
        [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    let pl = 0.02425;
    let x = if p < pl {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - pl {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let e = pnorm(x) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// Central chi-square CDF $P(\chi^2_{df} \le x)$.
pub fn pchisq(x: f64, df: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    gamma_lr(df / 2.0, x / 2.0)
}

/// Upper tail $P(\chi^2_{df} > x)$, accurate for small p-values.
pub fn pchisq_upper(x: f64, df: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    gamma_ur(df / 2.0, x / 2.0)
}

/// Noncentral chi-square CDF $P(\chi^2_{df}(\lambda) \le x)$ as the Poisson mixture
/// $\sum_j e^{-\lambda/2}(\lambda/2)^j/j!\; P(\chi^2_{df+2j} \le x)$, summed outward from the
/// Poisson mode with the recurrences $P(a+1, y) = P(a, y) - y^a e^{-y}/\Gamma(a+1)$, so that only
/// one incomplete gamma function is evaluated.
pub fn pchisq_nc(x: f64, df: f64, ncp: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if ncp <= 0.0 {
        return pchisq(x, df);
    }
    let h = ncp / 2.0;
    let y = x / 2.0;
    let j0 = h.floor();
    let a0 = df / 2.0 + j0;
    let w0 = (-h + j0 * h.ln() - ln_gamma(j0 + 1.0)).exp();
    let p0 = gamma_lr(a0, y);
    // d(a) = y^a e^{-y} / Gamma(a+1)
    let d0 = (a0 * y.ln() - y - ln_gamma(a0 + 1.0)).exp();
    let mut sum = w0 * p0;
    // upward
    let (mut w, mut p, mut d, mut a, mut j) = (w0, p0, d0, a0, j0);
    loop {
        p -= d;
        d *= y / (a + 1.0);
        a += 1.0;
        j += 1.0;
        w *= h / j;
        let t = w * p.max(0.0);
        sum += t;
        if w < 1e-17 && t < 1e-17 * sum.max(1e-300) || j > j0 + 10000.0 {
            break;
        }
    }
    // downward
    let (mut w, mut p, mut d, mut a, mut j) = (w0, p0, d0, a0, j0);
    while j > 0.0 {
        // d(a-1) = d(a) * a / y
        d *= a / y;
        a -= 1.0;
        p += d;
        w *= j / h;
        j -= 1.0;
        let t = w * p.min(1.0);
        sum += t;
        if w < 1e-17 {
            break;
        }
    }
    sum.clamp(0.0, 1.0)
}

/// Brent's method for a root of `f` in `[a, b]` (`f(a)` and `f(b)` of opposite sign).
// `a == c` tests whether the two bracket points are the same stored value (secant vs inverse
// quadratic step), an exact bookkeeping comparison.
#[allow(clippy::float_cmp)]
pub fn brent(mut f: impl FnMut(f64) -> f64, mut a: f64, mut b: f64, tol: f64) -> Option<f64> {
    let mut fa = f(a);
    let mut fb = f(b);
    if fa * fb > 0.0 {
        return None;
    }
    if fa == 0.0 {
        return Some(a);
    }
    if fb == 0.0 {
        return Some(b);
    }
    let mut c = a;
    let mut fc = fa;
    let mut d = b - a;
    let mut e = d;
    for _ in 0..200 {
        if fb * fc > 0.0 {
            c = a;
            fc = fa;
            d = b - a;
            e = d;
        }
        if fc.abs() < fb.abs() {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol1 = 2.0 * f64::EPSILON * b.abs() + 0.5 * tol;
        let xm = 0.5 * (c - b);
        if xm.abs() <= tol1 || fb == 0.0 {
            return Some(b);
        }
        if e.abs() >= tol1 && fa.abs() > fb.abs() {
            let s = fb / fa;
            let (mut p, mut q);
            if a == c {
                p = 2.0 * xm * s;
                q = 1.0 - s;
            } else {
                let qq = fa / fc;
                let r = fb / fc;
                p = s * (2.0 * xm * qq * (qq - r) - (b - a) * (r - 1.0));
                q = (qq - 1.0) * (r - 1.0) * (s - 1.0);
            }
            if p > 0.0 {
                q = -q;
            }
            p = p.abs();
            if 2.0 * p < (3.0 * xm * q - (tol1 * q).abs()).min((e * q).abs()) {
                e = d;
                d = p / q;
            } else {
                d = xm;
                e = d;
            }
        } else {
            d = xm;
            e = d;
        }
        a = b;
        fa = fb;
        b += if d.abs() > tol1 { d } else { tol1.copysign(xm) };
        fb = f(b);
    }
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal() {
        // statrs' erfc is accurate to about 1e-12 here, far below what p-values and CIs need.
        assert!((pnorm(1.959963984540054) - 0.975).abs() < 1e-11);
        assert!((qnorm(0.975) - 1.959963984540054).abs() < 1e-10);
        assert!((qnorm(1e-10) + 6.361340902404056).abs() < 1e-9);
    }

    #[test]
    fn noncentral_matches_r() {
        // R 4.2: pchisq(30, 10, ncp = 5) = 0.9774660233
        assert!((pchisq_nc(30.0, 10.0, 5.0) - 0.9774660233).abs() < 1e-9, "{}", pchisq_nc(30.0, 10.0, 5.0));
        assert!((pchisq_nc(10.0, 10.0, 0.0) - pchisq(10.0, 10.0)).abs() < 1e-15);
        // large ncp: mean df + ncp, so the cdf at the mean is about 0.5
        let v = pchisq_nc(1024.0, 24.0, 1000.0);
        assert!(v > 0.45 && v < 0.56, "{v}");
        // monotone in ncp
        assert!(pchisq_nc(50.0, 20.0, 10.0) > pchisq_nc(50.0, 20.0, 20.0));
    }

    #[test]
    fn brent_finds_root() {
        let r = brent(|x| x * x - 2.0, 0.0, 2.0, 1e-14).unwrap();
        assert!((r - 2f64.sqrt()).abs() < 1e-12);
    }
}
