//! Bootstrap confidence intervals as `boot::boot.ci` computes them for lavaan (SEM-NOTES §17.3).
pub use sem_fit::dist::{pnorm, qnorm};

/// `boot`'s `norm.inter`: the `alpha` quantile of the sorted draws `t`, interpolated between
/// order statistics on the normal-quantile scale; the extremes beyond the first or last.
pub fn norm_inter(t: &[f64], alpha: f64) -> f64 {
    let r = t.len();
    if r == 0 {
        return f64::NAN;
    }
    let rk = (r as f64 + 1.0) * alpha;
    let k = rk.floor();
    if (rk - k).abs() < 1e-12 * rk.max(1.0) && k >= 1.0 && k <= r as f64 {
        return t[k as usize - 1];
    }
    if k < 1.0 {
        return t[0];
    }
    if k >= r as f64 {
        return t[r - 1];
    }
    let ki = k as usize;
    let n1 = r as f64 + 1.0;
    let (q, q0, q1) = (qnorm(alpha), qnorm(k / n1), qnorm((k + 1.0) / n1));
    t[ki - 1] + (q - q0) / (q1 - q0) * (t[ki] - t[ki - 1])
}

/// Percentile interval of level `level` from sorted draws.
pub fn percentile(sorted: &[f64], level: f64) -> (f64, f64) {
    let a = (1.0 - level) / 2.0;
    (norm_inter(sorted, a), norm_inter(sorted, 1.0 - a))
}

/// lavaan's `bca.simple`: bias-corrected percentile interval with acceleration 0, from sorted
/// draws and the original estimate.
pub fn bca_simple(sorted: &[f64], est: f64, level: f64) -> (f64, f64) {
    let b = sorted.len() as f64;
    let below = sorted.iter().filter(|t| **t < est).count() as f64;
    let w = qnorm(below / b);
    if !w.is_finite() {
        return (f64::NAN, f64::NAN);
    }
    let a = (1.0 - level) / 2.0;
    let lo = pnorm(2.0 * w + qnorm(a));
    let hi = pnorm(2.0 * w + qnorm(1.0 - a));
    (norm_inter(sorted, lo), norm_inter(sorted, hi))
}

/// Mean and standard deviation with divisor `n` (lavaan's bootstrap SE, SEM-NOTES §17.2).
pub fn mean_sd_n(t: &[f64]) -> (f64, f64) {
    let n = t.len() as f64;
    let m = t.iter().sum::<f64>() / n;
    let v = t.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n;
    (m, v.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm_inter_uses_exact_order_statistics_when_it_can() {
        // B = 39: (B+1) * 0.025 = 1 and (B+1) * 0.975 = 39 are order statistics.
        let t: Vec<f64> = (1..=39).map(f64::from).collect();
        assert!((norm_inter(&t, 0.025) - 1.0).abs() < 1e-12);
        assert!((norm_inter(&t, 0.975) - 39.0).abs() < 1e-12);
    }

    #[test]
    fn norm_inter_interpolates_on_the_normal_scale() {
        // B = 60: (B+1) * 0.025 = 1.525, between t1 and t2, not halfway as quantile() would be.
        let t: Vec<f64> = (1..=60).map(f64::from).collect();
        let v = norm_inter(&t, 0.025);
        let frac = (qnorm(0.025) - qnorm(1.0 / 61.0)) / (qnorm(2.0 / 61.0) - qnorm(1.0 / 61.0));
        assert!((v - (1.0 + frac)).abs() < 1e-12);
        assert!(v > 1.0 && v < 2.0 && (v - 1.525).abs() > 0.01);
    }

    #[test]
    fn bca_simple_without_bias_is_the_percentile_interval() {
        // Half the draws below the estimate: w = 0, so the interval is the percentile one.
        let t: Vec<f64> = (1..=100).map(f64::from).collect();
        let (a, b) = bca_simple(&t, 50.5, 0.95);
        let (c, d) = percentile(&t, 0.95);
        assert!((a - c).abs() < 1e-9 && (b - d).abs() < 1e-9);
        let (e, _) = bca_simple(&t, 70.5, 0.95);
        assert!(e > a, "a larger estimate shifts the interval up");
    }

    #[test]
    fn sd_uses_divisor_n() {
        let (m, s) = mean_sd_n(&[1.0, 3.0]);
        assert!((m - 2.0).abs() < 1e-12 && (s - 1.0).abs() < 1e-12);
    }
}
