//! Sample statistics of ordinal (and mixed ordinal/continuous) data: thresholds, polychoric,
//! polyserial and Pearson correlations by two-step ML, and the casewise influence matrix whose
//! cross-product is their asymptotic covariance (Muthén 1984).
use crate::normal::{dnorm, pnorm, qnorm, BvnRho};
use crate::OrdinalError;
use rayon::prelude::*;
use sem_linalg::Mat;

/// Most categories an ordered variable may have.
pub const MAX_CATEGORIES: usize = 20;

/// One input column.
#[derive(Debug, Clone, PartialEq)]
pub enum Variable {
    /// An ordered variable: numeric codes; the categories are the distinct observed values.
    Ordered(Vec<f64>),
    /// A continuous variable.
    Numeric(Vec<f64>),
}

/// Where each statistic sits in the stacked vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Per variable, the range of its threshold entries (one entry, minus the mean, for a
    /// continuous variable).
    pub th: Vec<std::ops::Range<usize>>,
    /// Per variable, the index of its variance entry (continuous variables only).
    pub var: Vec<Option<usize>>,
    /// Index of the first correlation entry.
    pub cor_start: usize,
    /// Total number of statistics.
    pub len: usize,
    /// Number of variables.
    pub p: usize,
}

impl Layout {
    /// Index of the correlation (covariance) of variables `i != j`: lower triangle by columns,
    /// as lavaan's `vech(, diagonal = FALSE)`.
    pub fn cor(&self, i: usize, j: usize) -> usize {
        let (r, c) = if i > j { (i, j) } else { (j, i) };
        // entries of the columns before c: sum_{k<c} (p-1-k) = c(p-1) - c(c-1)/2
        self.cor_start + c * (self.p - 1) - c * c.saturating_sub(1) / 2 + (r - c - 1)
    }
}

/// Ordinal sample statistics of one group (lavaan: `lav_samplestats_step1/2`, `muthen1984`).
#[derive(Debug, Clone)]
pub struct OrdinalStats {
    /// Number of observations.
    pub nobs: usize,
    /// Whether each variable is ordered.
    pub ordered: Vec<bool>,
    /// Observed category values of each ordered variable (empty for continuous ones).
    pub levels: Vec<Vec<f64>>,
    /// Category counts of each ordered variable.
    pub counts: Vec<Vec<usize>>,
    /// Thresholds of each ordered variable (empty for continuous ones).
    pub th: Vec<Vec<f64>>,
    /// Means (0 for ordered variables).
    pub mean: Vec<f64>,
    /// Variances, N divisor (1 for ordered variables).
    pub var: Vec<f64>,
    /// Correlation matrix: polychoric, polyserial and Pearson.
    pub cor: Mat,
    /// Covariance matrix: `cor` rescaled by the standard deviations of continuous variables.
    pub cov: Mat,
    /// Layout of the stacked vector.
    pub layout: Layout,
    /// Stacked vector (lavaan's `WLS.obs`): thresholds (minus means), variances, correlations
    /// (covariances where a continuous variable is involved).
    pub wls_obs: Vec<f64>,
    /// Casewise influence rows `G` (`nobs x len`): $\Gamma$ (NACOV) $= N\,G^\top G$.
    pub influence: Mat,
    /// Warnings (sparse categories, empty cells).
    pub warnings: Vec<String>,
}

/// A variable's codes as category indices 0..K-1, with its levels.
fn categorize(name: &str, x: &[f64]) -> Result<(Vec<usize>, Vec<f64>), OrdinalError> {
    if let Some(v) = x.iter().find(|v| v.fract() != 0.0) {
        return Err(OrdinalError::NotInteger { name: name.into(), value: *v });
    }
    let mut levels: Vec<f64> = x.to_vec();
    levels.sort_by(|a, b| a.total_cmp(b));
    levels.dedup();
    if levels.len() < 2 {
        return Err(OrdinalError::OneCategory {
            name: name.into(),
            value: levels.first().copied().unwrap_or(f64::NAN),
        });
    }
    if levels.len() > MAX_CATEGORIES {
        return Err(OrdinalError::TooManyCategories { name: name.into(), k: levels.len(), max: MAX_CATEGORIES });
    }
    let codes = x.iter().map(|v| levels.partition_point(|l| l < v)).collect();
    Ok((codes, levels))
}

/// Thresholds with the infinite ends: `[-inf, t1, ..., t_{K-1}, +inf]`.
fn ext(th: &[f64]) -> Vec<f64> {
    let mut t = Vec::with_capacity(th.len() + 2);
    t.push(f64::NEG_INFINITY);
    t.extend_from_slice(th);
    t.push(f64::INFINITY);
    t
}

/// Per-cell quantities of one ordinal pair at correlation `rho`.
struct Cells {
    /// cell probabilities, K1 x K2
    pi: Vec<f64>,
    /// d pi / d rho
    dpi: Vec<f64>,
    /// d^2 pi / d rho^2
    d2pi: Vec<f64>,
}

fn cells(t1: &[f64], t2: &[f64], rho: f64) -> Cells {
    let (k1, k2) = (t1.len() - 1, t2.len() - 1);
    let n = (k1 + 1) * (k2 + 1);
    let mut f = vec![0.0; n];
    let mut d = vec![0.0; n];
    let mut d2 = vec![0.0; n];
    let bv = BvnRho::new(rho);
    let p1: Vec<f64> = t1.iter().map(|&t| pnorm(t)).collect();
    let p2: Vec<f64> = t2.iter().map(|&t| pnorm(t)).collect();
    let r2 = 1.0 - rho * rho;
    let c = 1.0 / (2.0 * std::f64::consts::PI * r2.sqrt());
    for a in 0..=k1 {
        for b in 0..=k2 {
            let idx = a * (k2 + 1) + b;
            let (x, y) = (t1[a], t2[b]);
            f[idx] = bv.cdf(x, y, p1[a], p2[b]);
            if x.is_finite() && y.is_finite() {
                let q = x * x - 2.0 * rho * x * y + y * y;
                let phi = c * (-q / (2.0 * r2)).exp();
                d[idx] = phi;
                d2[idx] = phi * (rho / r2 + (x * y * r2 - rho * q) / (r2 * r2));
            }
        }
    }
    let rect = |m: &[f64], a: usize, b: usize| {
        let w = k2 + 1;
        m[(a + 1) * w + b + 1] - m[a * w + b + 1] - m[(a + 1) * w + b] + m[a * w + b]
    };
    let mut pi = vec![0.0; k1 * k2];
    let mut dpi = vec![0.0; k1 * k2];
    let mut d2pi = vec![0.0; k1 * k2];
    for a in 0..k1 {
        for b in 0..k2 {
            pi[a * k2 + b] = rect(&f, a, b).max(f64::EPSILON);
            dpi[a * k2 + b] = rect(&d, a, b);
            d2pi[a * k2 + b] = rect(&d2, a, b);
        }
    }
    Cells { pi, dpi, d2pi }
}

/// Maximise a concave-ish 1-D log-likelihood in rho on (-1, 1) from its score and Hessian by
/// safeguarded Newton steps inside a shrinking bracket.
fn solve_rho(start: f64, mut score: impl FnMut(f64) -> (f64, f64)) -> f64 {
    let bound = 0.999_999;
    let (mut lo, mut hi) = (-bound, bound);
    let mut r = start.clamp(-0.99, 0.99);
    for _ in 0..200 {
        let (s, h) = score(r);
        if s > 0.0 {
            lo = r;
        } else {
            hi = r;
        }
        let mut next = if h < 0.0 { r - s / h } else { f64::NAN };
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        // Newton converges quadratically: after a step below 1e-8 the error is ~1e-16.
        if (next - r).abs() < 1e-8 && h < 0.0 || hi - lo < 1e-13 {
            return next;
        }
        r = next;
    }
    r
}

/// The frequency table the polychoric estimate maximises: lavaan's empty-cell correction
/// (`zero.add = c(0.5, 0.0)`, `zero.keep.margins = TRUE`). A 2 x 2 table (row-major `tab`) with
/// exactly one empty cell gets 0.5 added to that cell and to its diagonal partner, and 0.5 taken
/// from the two cells of the other diagonal, so both margins (and the thresholds) stay as observed. Any other
/// table is returned as it is (lavaan adds 0 to the empty cells of larger tables).
fn zero_cell_corrected(tab: &[f64], k1: usize, k2: usize) -> Vec<f64> {
    let mut out = tab.to_vec();
    if k1 != 2 || k2 != 2 || tab.len() != 4 {
        return out;
    }
    let empty: Vec<usize> = (0..4).filter(|&k| tab[k] < 0.5).collect();
    if let [k] = empty[..] {
        // cells 0 (1,1) and 3 (2,2) form the main diagonal, 1 and 2 the other one
        let sign = if k == 0 || k == 3 { 1.0 } else { -1.0 };
        for (c, v) in out.iter_mut().enumerate() {
            *v += if c == 0 || c == 3 { sign * 0.5 } else { -sign * 0.5 };
        }
    }
    out
}

/// lavaan evaluates the bivariate normal density at most at this |rho| (`dbinorm`'s
/// `RHO.limit`), which gives the scores of a correlation set to +-1.
const PERFECT_RHO_LIMIT: f64 = 0.9999;

/// A 2 x 2 table (row-major `tab`) with two empty cells on one diagonal, a perfect association:
/// lavaan sets the tetrachoric correlation to +1 when the first cell is filled, else to -1.
fn perfect_association(tab: &[f64], k1: usize, k2: usize) -> Option<f64> {
    if k1 != 2 || k2 != 2 || tab.len() != 4 || tab.iter().filter(|&&m| m < 0.5).count() != 2 {
        return None;
    }
    Some(if tab[0] > 0.5 { 1.0 } else { -1.0 })
}

impl OrdinalStats {
    /// Compute the statistics of complete data: `names` and `vars` parallel, all columns of the
    /// same length, no missing values.
    pub fn compute(names: &[String], vars: &[Variable]) -> Result<OrdinalStats, OrdinalError> {
        let p = vars.len();
        let n = match vars.first() {
            Some(Variable::Ordered(x) | Variable::Numeric(x)) => x.len(),
            None => return Err(OrdinalError::NoData("no variables".into())),
        };
        if n < 2 {
            return Err(OrdinalError::NoData(format!("{n} complete observations")));
        }
        let nf = n as f64;
        let mut warnings = Vec::new();
        let mut ordered = vec![false; p];
        let mut codes: Vec<Vec<usize>> = vec![Vec::new(); p];
        let mut levels = vec![Vec::new(); p];
        let mut counts = vec![Vec::new(); p];
        let mut th = vec![Vec::new(); p];
        let mut mean = vec![0.0; p];
        let mut var = vec![1.0; p];
        let mut z: Vec<Vec<f64>> = vec![Vec::new(); p];
        for (v, col) in vars.iter().enumerate() {
            match col {
                Variable::Ordered(x) => {
                    let (c, l) = categorize(&names[v], x)?;
                    let mut cnt = vec![0usize; l.len()];
                    for &k in &c {
                        cnt[k] += 1;
                    }
                    for (k, &m) in cnt.iter().enumerate() {
                        if m == 1 {
                            warnings.push(format!(
                                "Category {} of `{}` is observed once; its thresholds and correlations rest on one answer (consider merging it with a neighbour).",
                                l[k], names[v]
                            ));
                        }
                    }
                    let mut cum = 0usize;
                    th[v] = cnt[..cnt.len() - 1]
                        .iter()
                        .map(|&m| {
                            cum += m;
                            qnorm(cum as f64 / nf)
                        })
                        .collect();
                    ordered[v] = true;
                    codes[v] = c;
                    levels[v] = l;
                    counts[v] = cnt;
                }
                Variable::Numeric(x) => {
                    let m = x.iter().sum::<f64>() / nf;
                    let s2 = x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / nf;
                    if s2.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
                        return Err(OrdinalError::NoData(format!("`{}` has no variance", names[v])));
                    }
                    mean[v] = m;
                    var[v] = s2;
                    z[v] = x.iter().map(|v| (v - m) / s2.sqrt()).collect();
                }
            }
        }

        // Layout.
        let mut th_rng = Vec::with_capacity(p);
        let mut pos = 0;
        for v in 0..p {
            let k = if ordered[v] { th[v].len() } else { 1 };
            th_rng.push(pos..pos + k);
            pos += k;
        }
        let mut var_idx = vec![None; p];
        for v in 0..p {
            if !ordered[v] {
                var_idx[v] = Some(pos);
                pos += 1;
            }
        }
        let cor_start = pos;
        let npairs = p * (p - 1) / 2;
        let layout = Layout { th: th_rng, var: var_idx, cor_start, len: cor_start + npairs, p };
        let pair_index = |i: usize, j: usize| layout.cor(i, j);
        let nstat = layout.len;
        let n1 = cor_start; // size of the first (univariate) part

        // Univariate scores: sc1[i][..n1].
        let mut sc = Mat::zeros(n, nstat);
        for v in 0..p {
            let r0 = layout.th[v].start;
            if ordered[v] {
                let t = ext(&th[v]);
                let pk: Vec<f64> = counts[v].iter().map(|&m| m as f64 / nf).collect();
                for (i, &c) in codes[v].iter().enumerate() {
                    let row = sc.row_mut(i);
                    if c + 1 < t.len() - 1 {
                        row[r0 + c] = dnorm(t[c + 1]) / pk[c];
                    }
                    if c > 0 {
                        row[r0 + c - 1] = -dnorm(t[c]) / pk[c];
                    }
                }
            } else {
                let sd = var[v].sqrt();
                let vi = layout.var[v].unwrap_or(0);
                for i in 0..n {
                    let zi = z[v][i];
                    let row = sc.row_mut(i);
                    row[r0] = zi / sd;
                    row[vi] = (zi * zi - 1.0) / (2.0 * var[v]);
                }
            }
        }

        // Correlations and their scores.
        let mut cor = Mat::identity(p);
        // a21[q] = list of (column in the first part, value)
        let mut a21: Vec<Vec<(usize, f64)>> = vec![Vec::new(); npairs];
        let mut a22 = vec![0.0; npairs];
        // Each pair on its own (in parallel): correlation, its casewise scores, the row of A21 and A22.
        struct PairOut {
            rho: f64,
            entries: Vec<(usize, f64)>,
            a22: f64,
            score: Vec<f64>,
            warning: Option<String>,
        }
        let pair = |i: usize, j: usize| -> PairOut {
            let mut score = vec![0.0; n];
            let mut warning = None;
            let out_rho;
            let out_a22;
            let mut entries: Vec<(usize, f64)> = Vec::new();
            if ordered[i] && ordered[j] {
                let (t1, t2) = (ext(&th[i]), ext(&th[j]));
                let (k1, k2) = (counts[i].len(), counts[j].len());
                let mut tab = vec![0.0; k1 * k2];
                for (a, b) in codes[i].iter().zip(&codes[j]) {
                    tab[a * k2 + b] += 1.0;
                }
                // lavaan's empty-cell correction of a 2 x 2 table enters the estimate only; the
                // scores, A21 and A22 below use the observed table.
                let est_tab = zero_cell_corrected(&tab, k1, k2);
                let perfect = perfect_association(&tab, k1, k2);
                if let Some(r) = perfect {
                    warning = Some(format!(
                        "The 2 x 2 table of `{}` and `{}` has two empty cells (a perfect association); their tetrachoric correlation is set to {r}, as lavaan does.",
                        names[j], names[i]
                    ));
                }
                let start = {
                    let (ci, cj) = (&codes[i], &codes[j]);
                    let (mi, mj) = (ci.iter().sum::<usize>() as f64 / nf, cj.iter().sum::<usize>() as f64 / nf);
                    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
                    for (a, b) in ci.iter().zip(cj) {
                        let (dx, dy) = (*a as f64 - mi, *b as f64 - mj);
                        sxy += dx * dy;
                        sxx += dx * dx;
                        syy += dy * dy;
                    }
                    (sxy / (sxx * syy).sqrt()).clamp(-0.9, 0.9)
                };
                let rho = perfect.unwrap_or_else(|| {
                    solve_rho(start, |r| {
                        let c = cells(&t1, &t2, r);
                        let mut s = 0.0;
                        let mut h = 0.0;
                        for k in 0..est_tab.len() {
                            if est_tab[k] > 0.0 {
                                let u = c.dpi[k] / c.pi[k];
                                s += est_tab[k] * u;
                                h += est_tab[k] * (c.d2pi[k] / c.pi[k] - u * u);
                            }
                        }
                        (s, h)
                    })
                });
                out_rho = rho;
                let mut c = cells(&t1, &t2, rho);
                if perfect.is_some() {
                    // At rho = +-1 the bivariate density is infinite: lavaan takes d pi / d rho
                    // at rho = +-0.9999 (`RHO.limit` of its `dbinorm`).
                    c.dpi = cells(&t1, &t2, rho.signum() * PERFECT_RHO_LIMIT).dpi;
                }
                let s = (1.0 - rho * rho).sqrt();
                // d pi_ab / d tau for the upper (+) and lower (-) bound of each category
                let mut d1 = vec![0.0; (k1 - 1) * k1 * k2]; // [th k][cell]
                let mut d2 = vec![0.0; (k2 - 1) * k1 * k2];
                for a in 0..k1 {
                    for b in 0..k2 {
                        let cell = a * k2 + b;
                        let strip = |u: f64, lo: f64, hi: f64| {
                            if s > 0.0 {
                                dnorm(u) * (pnorm((hi - rho * u) / s) - pnorm((lo - rho * u) / s))
                            } else {
                                // lavaan's convention at rho = +-1 (`R == 0` in its scores)
                                0.5 * dnorm(u)
                            }
                        };
                        if a + 1 < k1 {
                            d1[a * k1 * k2 + cell] += strip(t1[a + 1], t2[b], t2[b + 1]);
                        }
                        if a > 0 {
                            d1[(a - 1) * k1 * k2 + cell] -= strip(t1[a], t2[b], t2[b + 1]);
                        }
                        if b + 1 < k2 {
                            d2[b * k1 * k2 + cell] += strip(t2[b + 1], t1[a], t1[a + 1]);
                        }
                        if b > 0 {
                            d2[(b - 1) * k1 * k2 + cell] -= strip(t2[b], t1[a], t1[a + 1]);
                        }
                    }
                }
                let srho: Vec<f64> = (0..k1 * k2).map(|k| c.dpi[k] / c.pi[k]).collect();
                out_a22 = (0..k1 * k2).map(|k| tab[k] * srho[k] * srho[k]).sum();
                for t in 0..k1 - 1 {
                    let v: f64 = (0..k1 * k2).map(|k| tab[k] * srho[k] * d1[t * k1 * k2 + k] / c.pi[k]).sum();
                    entries.push((layout.th[i].start + t, v));
                }
                for t in 0..k2 - 1 {
                    let v: f64 = (0..k1 * k2).map(|k| tab[k] * srho[k] * d2[t * k1 * k2 + k] / c.pi[k]).sum();
                    entries.push((layout.th[j].start + t, v));
                }
                for (r, (a, b)) in codes[i].iter().zip(&codes[j]).enumerate() {
                    score[r] = srho[a * k2 + b];
                }
            } else if !ordered[i] && !ordered[j] {
                let rho = z[i].iter().zip(&z[j]).map(|(a, b)| a * b).sum::<f64>() / nf;
                out_rho = rho;
                let r2 = 1.0 - rho * rho;
                let (sd1, sd2) = (var[i].sqrt(), var[j].sqrt());
                let mut acc = [0.0; 4];
                let mut aa = 0.0;
                for r in 0..n {
                    let (z1, z2) = (z[i][r], z[j][r]);
                    let srho = (rho * r2 + (1.0 + rho * rho) * z1 * z2 - rho * (z1 * z1 + z2 * z2)) / (r2 * r2);
                    score[r] = srho;
                    aa += srho * srho;
                    acc[0] += srho * (z1 - rho * z2) / (r2 * sd1);
                    acc[1] += srho * (z2 - rho * z1) / (r2 * sd2);
                    acc[2] += srho * (-1.0 + (z1 - rho * z2) * z1 / r2) / (2.0 * var[i]);
                    acc[3] += srho * (-1.0 + (z2 - rho * z1) * z2 / r2) / (2.0 * var[j]);
                }
                out_a22 = aa;
                entries.push((layout.th[i].start, acc[0]));
                entries.push((layout.th[j].start, acc[1]));
                entries.push((layout.var[i].unwrap_or(0), acc[2]));
                entries.push((layout.var[j].unwrap_or(0), acc[3]));
            } else {
                // polyserial: y1 continuous, y2 ordered
                let (c1, o2) = if ordered[i] { (j, i) } else { (i, j) };
                let t = ext(&th[o2]);
                let k2 = counts[o2].len();
                let zc = &z[c1];
                let cd = &codes[o2];
                let terms = |r: f64, obs: usize| {
                    let s = (1.0 - r * r).sqrt();
                    let (hi, lo) = (t[cd[obs] + 1], t[cd[obs]]);
                    let zi = zc[obs];
                    let uh = if hi.is_infinite() { hi } else { (hi - r * zi) / s };
                    let ul = if lo.is_infinite() { lo } else { (lo - r * zi) / s };
                    let pr = (pnorm(uh) - pnorm(ul)).max(f64::EPSILON);
                    (s, hi, lo, zi, uh, ul, pr)
                };
                let rho = solve_rho(0.0, |r| {
                    // score and a numerical Hessian from the analytic score
                    let score = |r: f64| -> f64 {
                        (0..n)
                            .map(|o| {
                                let (s, hi, lo, zi, uh, ul, pr) = terms(r, o);
                                let th_ = if hi.is_infinite() { 0.0 } else { dnorm(uh) * (r * hi - zi) };
                                let tl = if lo.is_infinite() { 0.0 } else { dnorm(ul) * (r * lo - zi) };
                                (th_ - tl) / (s * s * s * pr)
                            })
                            .sum()
                    };
                    let h = 1e-6;
                    (score(r), (score(r + h) - score(r - h)) / (2.0 * h))
                });
                out_rho = rho;
                let (sd1, v1) = (var[c1].sqrt(), var[c1]);
                let mut a_mu = 0.0;
                let mut a_var = 0.0;
                let mut a_th = vec![0.0; k2 - 1];
                let mut aa = 0.0;
                for o in 0..n {
                    let (s, hi, lo, zi, uh, ul, pr) = terms(rho, o);
                    let (fh, fl) = (dnorm(uh), dnorm(ul));
                    let th_ = if hi.is_infinite() { 0.0 } else { fh * (rho * hi - zi) };
                    let tl = if lo.is_infinite() { 0.0 } else { fl * (rho * lo - zi) };
                    let srho = (th_ - tl) / (s * s * s * pr);
                    score[o] = srho;
                    aa += srho * srho;
                    a_mu += srho * (zi + (rho / s) * (fh - fl) / pr) / sd1;
                    a_var += srho * ((zi * zi - 1.0) + (rho * zi / s) * (fh - fl) / pr) / (2.0 * v1);
                    let c = cd[o];
                    if c + 1 < k2 {
                        a_th[c] += srho * fh / (s * pr);
                    }
                    if c > 0 {
                        a_th[c - 1] -= srho * fl / (s * pr);
                    }
                }
                out_a22 = aa;
                entries.push((layout.th[c1].start, a_mu));
                entries.push((layout.var[c1].unwrap_or(0), a_var));
                for (t, v) in a_th.into_iter().enumerate() {
                    entries.push((layout.th[o2].start + t, v));
                }
            }
            PairOut { rho: out_rho, entries, a22: out_a22, score, warning }
        };
        let pairs: Vec<(usize, usize)> = (0..p).flat_map(|j| ((j + 1)..p).map(move |i| (i, j))).collect();
        let outs: Vec<PairOut> = pairs.par_iter().map(|&(i, j)| pair(i, j)).collect();
        for (&(i, j), o) in pairs.iter().zip(outs) {
            let q = pair_index(i, j) - cor_start;
            let col = cor_start + q;
            cor[(i, j)] = o.rho;
            cor[(j, i)] = o.rho;
            a22[q] = o.a22;
            a21[q] = o.entries;
            for (r, v) in o.score.into_iter().enumerate() {
                sc[(r, col)] = v;
            }
            warnings.extend(o.warning);
        }

        // A11 blocks (per variable: its thresholds, or mean and variance) and their inverses.
        let blocks: Vec<Vec<usize>> = (0..p)
            .map(|v| {
                let mut b: Vec<usize> = layout.th[v].clone().collect();
                if let Some(vi) = layout.var[v] {
                    b.push(vi);
                }
                b
            })
            .collect();
        let mut inv_blocks = Vec::with_capacity(p);
        for (v, b) in blocks.iter().enumerate() {
            let k = b.len();
            let mut a = Mat::zeros(k, k);
            for i in 0..n {
                let row = sc.row(i);
                for x in 0..k {
                    for y in 0..k {
                        a[(x, y)] += row[b[x]] * row[b[y]];
                    }
                }
            }
            let inv = sem_linalg::inverse(&a).map_err(|_| {
                OrdinalError::NoData(format!("the univariate information of `{}` is singular", names[v]))
            })?;
            inv_blocks.push(inv);
        }

        // Influence rows: g = B^{-1} sc, then the delta rule to covariances, then the sign of means.
        let mut g = Mat::zeros(n, nstat);
        let mut u = vec![0.0; n1];
        for i in 0..n {
            let row = sc.row(i);
            for (b, inv) in blocks.iter().zip(&inv_blocks) {
                for x in 0..b.len() {
                    u[b[x]] = (0..b.len()).map(|y| inv[(x, y)] * row[b[y]]).sum();
                }
            }
            let grow = g.row_mut(i);
            grow[..n1].copy_from_slice(&u);
            for q in 0..npairs {
                let mut v = row[cor_start + q];
                for &(c, a) in &a21[q] {
                    v -= a * u[c];
                }
                grow[cor_start + q] = v / a22[q];
            }
        }
        // Delta rule: cov_ij = rho_ij sd_i sd_j for pairs with a continuous variable.
        let mut cov = cor.clone();
        for j in 0..p {
            for i in (j + 1)..p {
                if ordered[i] && ordered[j] {
                    continue;
                }
                let col = pair_index(i, j);
                let (si, sj) = (var[i].sqrt(), var[j].sqrt());
                let rho = cor[(i, j)];
                cov[(i, j)] = rho * si * sj;
                cov[(j, i)] = cov[(i, j)];
                for r in 0..n {
                    let grow = g.row_mut(r);
                    let mut v = grow[col] * si * sj;
                    if let Some(vi) = layout.var[i] {
                        v += grow[vi] * sj * rho / (2.0 * si);
                    }
                    if let Some(vj) = layout.var[j] {
                        v += grow[vj] * si * rho / (2.0 * sj);
                    }
                    grow[col] = v;
                }
            }
        }
        for v in 0..p {
            if !ordered[v] {
                cov[(v, v)] = var[v];
                let c = layout.th[v].start;
                for r in 0..n {
                    g[(r, c)] = -g[(r, c)];
                }
            }
        }

        let mut wls_obs = vec![0.0; nstat];
        for v in 0..p {
            if ordered[v] {
                wls_obs[layout.th[v].clone()].copy_from_slice(&th[v]);
            } else {
                wls_obs[layout.th[v].start] = -mean[v];
                if let Some(vi) = layout.var[v] {
                    wls_obs[vi] = var[v];
                }
            }
        }
        for j in 0..p {
            for i in (j + 1)..p {
                wls_obs[pair_index(i, j)] = cov[(i, j)];
            }
        }
        Ok(OrdinalStats {
            nobs: n,
            ordered,
            levels,
            counts,
            th,
            mean,
            var,
            cor,
            cov,
            layout,
            wls_obs,
            influence: g,
            warnings,
        })
    }

    /// Diagonal of $\Gamma$ (NACOV): $N \sum_i g_{ik}^2$.
    pub fn nacov_diag(&self) -> Vec<f64> {
        let n = self.nobs as f64;
        let k = self.layout.len;
        let mut d = vec![0.0; k];
        for i in 0..self.nobs {
            for (dj, g) in d.iter_mut().zip(self.influence.row(i)) {
                *dj += g * g;
            }
        }
        d.iter_mut().for_each(|v| *v *= n);
        d
    }

    /// The full $\Gamma$ (NACOV) $= N\,G^\top G$; only for tests and small problems.
    pub fn nacov(&self) -> Mat {
        let mut m = self.influence.t_matmul(&self.influence);
        let n = self.nobs as f64;
        m.data_mut().iter_mut().for_each(|v| *v *= n);
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(k: usize) -> Vec<String> {
        (0..k).map(|i| format!("y{}", i + 1)).collect()
    }

    #[test]
    fn thresholds_are_normal_quantiles_of_cumulative_proportions() {
        let x = vec![1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0, 3.0];
        let y = vec![1.0, 2.0, 2.0, 1.0, 3.0, 3.0, 2.0, 3.0, 3.0, 2.0];
        let st = OrdinalStats::compute(&names(2), &[Variable::Ordered(x), Variable::Ordered(y)]).unwrap();
        assert!((st.th[0][0] - qnorm(0.2)).abs() < 1e-12);
        assert!((st.th[0][1] - qnorm(0.5)).abs() < 1e-12);
        assert_eq!(st.layout.len, 5);
        assert!(st.cor[(0, 1)] > 0.3 && st.cor[(0, 1)] < 1.0, "{}", st.cor[(0, 1)]);
    }

    #[test]
    fn polychoric_score_is_zero_at_the_estimate() {
        // the two-step ML estimate maximises the bivariate likelihood with thresholds fixed
        let x = vec![1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0, 3.0, 1.0, 2.0];
        let y = vec![1.0, 2.0, 2.0, 1.0, 3.0, 3.0, 2.0, 3.0, 3.0, 2.0, 1.0, 3.0];
        let st =
            OrdinalStats::compute(&names(2), &[Variable::Ordered(x.clone()), Variable::Ordered(y.clone())]).unwrap();
        let loglik = |r: f64| -> f64 {
            let (t1, t2) = (ext(&st.th[0]), ext(&st.th[1]));
            let c = cells(&t1, &t2, r);
            x.iter().zip(&y).map(|(a, b)| c.pi[(*a as usize - 1) * 3 + (*b as usize - 1)].ln()).sum()
        };
        let r = st.cor[(0, 1)];
        assert!(loglik(r) > loglik(r + 1e-4) && loglik(r) > loglik(r - 1e-4));
    }

    #[test]
    fn bad_ordinal_columns_are_refused_with_the_variable_named() {
        let ok = Variable::Ordered(vec![1.0, 2.0, 1.0, 2.0]);
        let e = OrdinalStats::compute(&names(2), &[ok.clone(), Variable::Ordered(vec![3.0; 4])]).unwrap_err();
        assert_eq!(e, OrdinalError::OneCategory { name: "y2".into(), value: 3.0 });
        let e =
            OrdinalStats::compute(&names(2), &[ok.clone(), Variable::Ordered(vec![1.0, 1.5, 2.0, 1.0])]).unwrap_err();
        assert_eq!(e, OrdinalError::NotInteger { name: "y2".into(), value: 1.5 });
        let many: Vec<f64> = (0..21).map(f64::from).collect();
        let e = OrdinalStats::compute(&names(2), &[Variable::Ordered(vec![1.0; 21]), Variable::Ordered(many)]);
        assert!(matches!(e, Err(OrdinalError::OneCategory { .. })), "{e:?}");
        let many: Vec<f64> = (0..21).map(f64::from).collect();
        let two: Vec<f64> = (0..21).map(|i| f64::from(i % 2)).collect();
        let e = OrdinalStats::compute(&names(2), &[Variable::Ordered(two), Variable::Ordered(many)]).unwrap_err();
        assert_eq!(e, OrdinalError::TooManyCategories { name: "y2".into(), k: 21, max: 20 });
        assert!(e.to_string().starts_with("The ordered variable `y2` has 21 categories"));
    }

    #[test]
    fn a_category_observed_once_warns() {
        let x = vec![1.0, 2.0, 2.0, 3.0, 3.0, 2.0, 3.0];
        let y = vec![1.0, 2.0, 1.0, 2.0, 2.0, 1.0, 2.0];
        let st = OrdinalStats::compute(&names(2), &[Variable::Ordered(x), Variable::Ordered(y)]).unwrap();
        assert!(st.warnings.iter().any(|w| w.contains("Category 1 of `y1` is observed once")), "{:?}", st.warnings);
    }

    #[test]
    fn one_empty_cell_of_a_2x2_table_gets_half_added_with_margins_kept() {
        // empty off-diagonal cell (2,1): off-diagonal +0.5, diagonal -0.5
        let c = zero_cell_corrected(&[2.0, 1.0, 0.0, 5.0], 2, 2);
        assert_eq!(c, vec![1.5, 1.5, 0.5, 4.5]);
        // empty diagonal cell (1,1): diagonal +0.5, off-diagonal -0.5
        let c = zero_cell_corrected(&[0.0, 3.0, 4.0, 2.0], 2, 2);
        assert_eq!(c, vec![0.5, 2.5, 3.5, 2.5]);
        // two empty cells, larger tables and full tables stay as they are
        assert_eq!(zero_cell_corrected(&[3.0, 0.0, 0.0, 5.0], 2, 2), vec![3.0, 0.0, 0.0, 5.0]);
        assert_eq!(zero_cell_corrected(&[1.0, 0.0, 2.0, 3.0, 4.0, 5.0], 2, 3), vec![1.0, 0.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(zero_cell_corrected(&[1.0, 2.0, 3.0, 4.0], 2, 2), vec![1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn two_empty_cells_of_a_2x2_table_are_a_perfect_association() {
        assert_eq!(perfect_association(&[3.0, 0.0, 0.0, 5.0], 2, 2), Some(1.0));
        assert_eq!(perfect_association(&[0.0, 2.0, 4.0, 0.0], 2, 2), Some(-1.0));
        assert_eq!(perfect_association(&[3.0, 1.0, 0.0, 5.0], 2, 2), None);
        assert_eq!(perfect_association(&[3.0, 0.0, 0.0, 5.0, 0.0, 1.0], 2, 3), None);
        // the correlation is +-1 exactly and the pair's scores stay finite
        let x = vec![1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0];
        let y: Vec<f64> = x.iter().map(|v| 3.0 - v).collect();
        let st = OrdinalStats::compute(&names(2), &[Variable::Ordered(x.clone()), Variable::Ordered(y)]).unwrap();
        assert!((st.cor[(0, 1)] + 1.0).abs() < 1e-15, "{}", st.cor[(0, 1)]);
        assert!(st.influence.data().iter().all(|g| g.is_finite()));
        let st = OrdinalStats::compute(&names(2), &[Variable::Ordered(x.clone()), Variable::Ordered(x)]).unwrap();
        assert!((st.cor[(0, 1)] - 1.0).abs() < 1e-15, "{}", st.cor[(0, 1)]);
        assert!(st.warnings[0].contains("set to 1"), "{:?}", st.warnings);
    }

    #[test]
    fn tetrachoric_with_an_empty_cell_maximises_the_corrected_table() {
        // table (2, 1; 0, 5): uncorrected ML runs to rho = 1; lavaan's estimate maximises the
        // likelihood of (1.5, 1.5; 0.5, 4.5) with the observed thresholds
        let x = vec![1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0];
        let y = vec![1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0];
        let st = OrdinalStats::compute(&names(2), &[Variable::Ordered(x), Variable::Ordered(y)]).unwrap();
        assert!(st.warnings.is_empty(), "{:?}", st.warnings);
        let (t1, t2) = (ext(&st.th[0]), ext(&st.th[1]));
        let loglik = |r: f64, tab: &[f64]| -> f64 {
            let c = cells(&t1, &t2, r);
            (0..4).map(|k| tab[k] * c.pi[k].ln()).sum()
        };
        let r = st.cor[(0, 1)];
        assert!(r > 0.5 && r < 0.99, "{r}");
        let corrected = [1.5, 1.5, 0.5, 4.5];
        assert!(loglik(r, &corrected) > loglik(r + 1e-4, &corrected));
        assert!(loglik(r, &corrected) > loglik(r - 1e-4, &corrected));
        // the observed table alone would prefer a larger correlation
        let observed = [2.0, 1.0, 0.0, 5.0];
        assert!(loglik(r + 1e-3, &observed) > loglik(r, &observed));
    }

    #[test]
    fn correlation_index_follows_lavaan_vech_order() {
        let lay = Layout { th: vec![], var: vec![], cor_start: 10, len: 16, p: 4 };
        let order: Vec<usize> =
            [(1, 0), (2, 0), (3, 0), (2, 1), (3, 1), (3, 2)].iter().map(|&(i, j)| lay.cor(i, j)).collect();
        assert_eq!(order, vec![10, 11, 12, 13, 14, 15]);
        assert_eq!(lay.cor(0, 3), 12);
    }
}
