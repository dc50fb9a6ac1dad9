//! Univariate and bivariate standard normal functions.
//!
//! The bivariate distribution function is Genz's (2004) refinement of Drezner and Wesolowsky
//! (1990): Gauss-Legendre quadrature of Plackett's integral in $\arcsin\rho$ for
//! $|\rho| < 0.925$, and of the integral in $\sqrt{1-\rho^2}$ after an asymptotic expansion
//! otherwise; about 1e-15 absolute accuracy.
use std::f64::consts::PI;

pub use sem_fit::dist::{pnorm, qnorm};

/// Standard normal density $\phi(z)$ (0 at $\pm\infty$).
pub fn dnorm(z: f64) -> f64 {
    if z.is_infinite() {
        return 0.0;
    }
    (-0.5 * z * z).exp() / (2.0 * PI).sqrt()
}

// Gauss-Legendre nodes (negative half) and weights for 6, 12 and 20 points.
const W6: [f64; 3] = [0.1713244923791705, 0.3607615730481384, 0.4679139345726904];
const X6: [f64; 3] = [-0.9324695142031522, -0.6612093864662647, -0.238619186083197];
const W12: [f64; 6] = [
    0.04717533638651177,
    0.1069393259953183,
    0.1600783285433464,
    0.2031674267230659,
    0.2334925365383547,
    0.2491470458134029,
];
const X12: [f64; 6] = [
    -0.9815606342467191,
    -0.904117256370475,
    -0.769902674194305,
    -0.5873179542866171,
    -0.3678314989981802,
    -0.1252334085114692,
];
const W20: [f64; 10] = [
    0.01761400713915212,
    0.04060142980038694,
    0.06267204833410906,
    0.08327674157670475,
    0.1019301198172404,
    0.1181945319615184,
    0.1316886384491766,
    0.1420961093183821,
    0.1491729864726037,
    0.1527533871307259,
];
const X20: [f64; 10] = [
    -0.9931285991850949,
    -0.9639719272779138,
    -0.912_234_428_251_326,
    -0.8391169718222188,
    -0.7463319064601508,
    -0.636053680726515,
    -0.5108670019508271,
    -0.3737060887154196,
    -0.2277858511416451,
    -0.07652652113349733,
];

/// Upper orthant $P(X > h, Y > k)$ of the standard bivariate normal with correlation `r`
/// (finite `h`, `k`).
fn bvnu(h: f64, k: f64, r: f64) -> f64 {
    let (w, x): (&[f64], &[f64]) = if r.abs() < 0.3 {
        (&W6, &X6)
    } else if r.abs() < 0.75 {
        (&W12, &X12)
    } else {
        (&W20, &X20)
    };
    let mut hk = h * k;
    let mut bvn = 0.0;
    if r.abs() < 0.925 {
        let hs = (h * h + k * k) / 2.0;
        let asr = r.asin();
        for (wi, xi) in w.iter().zip(x) {
            for sgn in [-1.0, 1.0] {
                let sn = (asr * (sgn * xi + 1.0) / 2.0).sin();
                bvn += wi * ((sn * hk - hs) / (1.0 - sn * sn)).exp();
            }
        }
        return bvn * asr / (4.0 * PI) + pnorm(-h) * pnorm(-k);
    }
    let mut k = k;
    if r < 0.0 {
        k = -k;
        hk = -hk;
    }
    if r.abs() < 1.0 {
        let as_ = (1.0 - r) * (1.0 + r);
        let mut a = as_.sqrt();
        let bs = (h - k) * (h - k);
        let c = (4.0 - hk) / 8.0;
        let d = (12.0 - hk) / 16.0;
        bvn = a
            * (-(bs / as_ + hk) / 2.0).exp()
            * (1.0 - c * (bs - as_) * (1.0 - d * bs / 5.0) / 3.0 + c * d * as_ * as_ / 5.0);
        if hk > -160.0 {
            let b = bs.sqrt();
            bvn -=
                (-hk / 2.0).exp() * (2.0 * PI).sqrt() * pnorm(-b / a) * b * (1.0 - c * bs * (1.0 - d * bs / 5.0) / 3.0);
        }
        a /= 2.0;
        for (wi, xi) in w.iter().zip(x) {
            for sgn in [-1.0, 1.0] {
                let xs = (a * (sgn * xi + 1.0)).powi(2);
                let rs = (1.0 - xs).sqrt();
                bvn += a
                    * wi
                    * ((-bs / (2.0 * xs) - hk / (1.0 + rs)).exp() / rs
                        - (-(bs / xs + hk) / 2.0).exp() * (1.0 + c * xs * (1.0 + d * xs)));
            }
        }
        bvn = -bvn / (2.0 * PI);
    }
    if r > 0.0 {
        bvn + pnorm(-h.max(k))
    } else {
        let mut v = -bvn;
        if k > h {
            v += if h < 0.0 { pnorm(k) - pnorm(h) } else { pnorm(-h) - pnorm(-k) };
        }
        v.max(0.0)
    }
}

/// Precomputed quadrature terms for one correlation, to evaluate $\Phi_2$ on a grid of bounds
/// (all the cells of a contingency table share $\rho$): the sines of Plackett's integral are
/// computed once instead of once per cell.
#[derive(Debug, Clone)]
pub struct BvnRho {
    rho: f64,
    /// (weight * asr / (4 pi), sn, 1 / (1 - sn^2)) per node, when |rho| < 0.925.
    nodes: Vec<(f64, f64, f64)>,
}

impl BvnRho {
    /// Terms for correlation `rho`.
    pub fn new(rho: f64) -> BvnRho {
        let mut nodes = Vec::new();
        if rho.abs() < 0.925 {
            let (w, x): (&[f64], &[f64]) = if rho.abs() < 0.3 {
                (&W6, &X6)
            } else if rho.abs() < 0.75 {
                (&W12, &X12)
            } else {
                (&W20, &X20)
            };
            let asr = rho.asin();
            for (wi, xi) in w.iter().zip(x) {
                for sgn in [-1.0, 1.0] {
                    let sn = (asr * (sgn * xi + 1.0) / 2.0).sin();
                    nodes.push((wi * asr / (4.0 * PI), sn, 1.0 / (1.0 - sn * sn)));
                }
            }
        }
        BvnRho { rho, nodes }
    }

    /// $\Phi_2(x, y; \rho)$ given $\Phi(x)$ and $\Phi(y)$.
    pub fn cdf(&self, x: f64, y: f64, px: f64, py: f64) -> f64 {
        if x == f64::NEG_INFINITY || y == f64::NEG_INFINITY {
            return 0.0;
        }
        if x == f64::INFINITY {
            return py;
        }
        if y == f64::INFINITY {
            return px;
        }
        if self.nodes.is_empty() {
            return bvnu(-x, -y, self.rho);
        }
        let hk = x * y;
        let hs = (x * x + y * y) / 2.0;
        let mut bvn = 0.0;
        for &(w, sn, inv) in &self.nodes {
            bvn += w * ((sn * hk - hs) * inv).exp();
        }
        bvn + px * py
    }
}

/// Bivariate standard normal distribution function $\Phi_2(x, y; \rho) = P(X \le x, Y \le y)$;
/// either bound may be infinite.
pub fn pbinorm(x: f64, y: f64, rho: f64) -> f64 {
    if x == f64::NEG_INFINITY || y == f64::NEG_INFINITY {
        return 0.0;
    }
    if x == f64::INFINITY {
        return if y == f64::INFINITY { 1.0 } else { pnorm(y) };
    }
    if y == f64::INFINITY {
        return pnorm(x);
    }
    bvnu(-x, -y, rho)
}

/// Bivariate standard normal density $\phi_2(x, y; \rho)$ (0 when a bound is infinite).
pub fn dbinorm(x: f64, y: f64, rho: f64) -> f64 {
    if x.is_infinite() || y.is_infinite() {
        return 0.0;
    }
    let r2 = 1.0 - rho * rho;
    (-(x * x - 2.0 * rho * x * y + y * y) / (2.0 * r2)).exp() / (2.0 * PI * r2.sqrt())
}

/// $\partial \phi_2(x, y; \rho) / \partial \rho$ (0 when a bound is infinite).
pub fn dbinorm_drho(x: f64, y: f64, rho: f64) -> f64 {
    if x.is_infinite() || y.is_infinite() {
        return 0.0;
    }
    let r2 = 1.0 - rho * rho;
    let q = x * x - 2.0 * rho * x * y + y * y;
    let dlog = rho / r2 + (x * y * r2 - rho * q) / (r2 * r2);
    dbinorm(x, y, rho) * dlog
}

#[cfg(test)]
mod tests {
    use super::*;

    /// $\Phi_2$ by Simpson integration of $\phi(t)\Phi((y-\rho t)/\sqrt{1-\rho^2})$ over $t < x$.
    fn pbinorm_slow(x: f64, y: f64, rho: f64) -> f64 {
        let lo = -12.0;
        let n = 20000;
        let h = (x - lo) / n as f64;
        let s = (1.0 - rho * rho).sqrt();
        let f = |t: f64| dnorm(t) * pnorm((y - rho * t) / s);
        let mut acc = f(lo) + f(x);
        for i in 1..n {
            acc += f(lo + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        acc * h / 3.0
    }

    #[test]
    fn bivariate_cdf_matches_quadrature_over_the_correlation_range() {
        for &rho in &[-0.99, -0.93, -0.8, -0.5, -0.1, 0.0, 0.2, 0.6, 0.9, 0.95, 0.999] {
            for &(x, y) in &[(-1.3, 0.4), (0.0, 0.0), (1.1, 2.0), (-2.2, -0.5), (0.7, -1.9)] {
                let a = pbinorm(x, y, rho);
                let b = pbinorm_slow(x, y, rho);
                assert!((a - b).abs() < 1e-10, "rho {rho} x {x} y {y}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn grid_evaluation_equals_the_pointwise_cdf() {
        for &rho in &[-0.95, -0.5, 0.1, 0.4, 0.8, 0.93] {
            let bv = BvnRho::new(rho);
            for &(x, y) in &[(-1.3, 0.4), (0.2, -0.7), (1.5, 1.1), (f64::INFINITY, 0.3), (0.3, f64::NEG_INFINITY)] {
                let a = bv.cdf(x, y, pnorm(x), pnorm(y));
                assert!((a - pbinorm(x, y, rho)).abs() < 1e-15, "rho {rho} x {x} y {y}");
            }
        }
    }

    #[test]
    fn bivariate_cdf_limits_and_symmetry() {
        assert!((pbinorm(0.0, 0.0, 0.5) - (0.25 + 0.5f64.asin() / (2.0 * PI))).abs() < 1e-14);
        assert!((pbinorm(0.3, f64::INFINITY, 0.4) - pnorm(0.3)).abs() < 1e-15);
        assert!(pbinorm(f64::NEG_INFINITY, 1.0, 0.4).abs() < 1e-300);
        assert!((pbinorm(0.3, -0.8, 0.45) - pbinorm(-0.8, 0.3, 0.45)).abs() < 1e-15);
    }

    #[test]
    fn density_derivative_in_rho_matches_differences() {
        let (x, y, r) = (0.4, -1.1, 0.35);
        let h = 1e-6;
        let num = (dbinorm(x, y, r + h) - dbinorm(x, y, r - h)) / (2.0 * h);
        assert!((num - dbinorm_drho(x, y, r)).abs() < 1e-8);
        // d Phi2 / d rho = phi2 (Plackett)
        let num = (pbinorm(x, y, r + h) - pbinorm(x, y, r - h)) / (2.0 * h);
        assert!((num - dbinorm(x, y, r)).abs() < 1e-8);
    }
}
