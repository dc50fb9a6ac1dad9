//! Data screening: item columns present, answers in range (1-7, whole numbers), reverse coding,
//! missing-data patterns, and Mardia's tests of multivariate normality, which choose the
//! estimator: ML when neither skewness nor kurtosis departs from normality at `alpha`, MLR
//! (robust SEs, Yuan-Bentler scaled test) otherwise.
//!
//! Mardia (1970), with $S$ the covariance matrix (divisor $n$) of the $n$ complete cases and
//! $d_{ij} = (x_i - \bar x)^\top S^{-1} (x_j - \bar x)$:
//! skewness $b_{1,p} = n^{-2}\sum_{i,j} d_{ij}^3$, $n b_{1,p}/6 \sim \chi^2_{p(p+1)(p+2)/6}$;
//! kurtosis $b_{2,p} = n^{-1}\sum_i d_{ii}^2$,
//! $z = (b_{2,p} - p(p+2))/\sqrt{8p(p+2)/n} \sim N(0,1)$.

use crate::config::StudyConfig;
use crate::model::Measured;
use crate::responses::Responses;
use alliance_core::constructs;
use serde::Serialize;

/// Mardia's tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mardia {
    /// Variables.
    pub p: usize,
    /// Complete cases.
    pub n: usize,
    /// $b_{1,p}$.
    pub skewness: f64,
    /// $n b_{1,p}/6$.
    pub skew_chisq: f64,
    /// Its df.
    pub skew_df: f64,
    /// Its p-value.
    pub skew_p: f64,
    /// $b_{2,p}$.
    pub kurtosis: f64,
    /// Its z statistic.
    pub kurt_z: f64,
    /// Two-sided p-value.
    pub kurt_p: f64,
}

/// Mardia's tests on complete rows of `cols` (column-major).
pub fn mardia(cols: &[&[f64]]) -> Option<Mardia> {
    let p = cols.len();
    let nall = cols.first()?.len();
    let rows: Vec<usize> = (0..nall).filter(|&i| cols.iter().all(|c| c[i].is_finite())).collect();
    let n = rows.len();
    if p == 0 || n <= p + 1 {
        return None;
    }
    let mean: Vec<f64> = cols.iter().map(|c| rows.iter().map(|&i| c[i]).sum::<f64>() / n as f64).collect();
    let mut s = vec![0.0; p * p];
    for a in 0..p {
        for b in 0..=a {
            let v = rows.iter().map(|&i| (cols[a][i] - mean[a]) * (cols[b][i] - mean[b])).sum::<f64>() / n as f64;
            s[a * p + b] = v;
            s[b * p + a] = v;
        }
    }
    // Cholesky S = L L^T; whitened rows y_i = L^{-1}(x_i - mean), d_ij = y_i . y_j
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let mut sum = s[i * p + j];
            for k in 0..j {
                sum -= l[i * p + k] * l[j * p + k];
            }
            if i == j {
                if sum <= 1e-12 {
                    return None;
                }
                l[i * p + i] = sum.sqrt();
            } else {
                l[i * p + j] = sum / l[j * p + j];
            }
        }
    }
    let mut y = vec![0.0; n * p];
    for (r, &i) in rows.iter().enumerate() {
        for a in 0..p {
            let mut v = cols[a][i] - mean[a];
            for k in 0..a {
                v -= l[a * p + k] * y[r * p + k];
            }
            y[r * p + a] = v / l[a * p + a];
        }
    }
    let (mut b1, mut b2) = (0.0, 0.0);
    for i in 0..n {
        let yi = &y[i * p..(i + 1) * p];
        let dii: f64 = yi.iter().map(|v| v * v).sum();
        b2 += dii * dii;
        b1 += dii.powi(3);
        for j in 0..i {
            let yj = &y[j * p..(j + 1) * p];
            let d: f64 = yi.iter().zip(yj).map(|(a, b)| a * b).sum();
            b1 += 2.0 * d.powi(3);
        }
    }
    let nf = n as f64;
    let pf = p as f64;
    let b1 = b1 / (nf * nf);
    let b2 = b2 / nf;
    let skew_chisq = nf * b1 / 6.0;
    let skew_df = pf * (pf + 1.0) * (pf + 2.0) / 6.0;
    let kurt_z = (b2 - pf * (pf + 2.0)) / (8.0 * pf * (pf + 2.0) / nf).sqrt();
    let kurt_p = 2.0 * (1.0 - sem_fit::dist::pnorm(kurt_z.abs()));
    Some(Mardia {
        p,
        n,
        skewness: b1,
        skew_chisq,
        skew_df,
        skew_p: sem_fit::dist::pchisq_upper(skew_chisq, skew_df),
        kurtosis: b2,
        kurt_z,
        kurt_p,
    })
}

/// Missing-data summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MissingSummary {
    /// Rows.
    pub rows: usize,
    /// Rows with every analysed item answered.
    pub complete: usize,
    /// Distinct patterns of answered/missing items.
    pub patterns: usize,
    /// Items with missing answers: `(item, share missing)`, largest first.
    pub by_item: Vec<(String, f64)>,
}

/// The result of screening.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Screening {
    /// Item columns the study expects but the data lack.
    pub missing_columns: Vec<String>,
    /// Constructs left out (fewer than two items in the data).
    pub dropped_constructs: Vec<String>,
    /// Answers outside 1-7 or not whole numbers, set to missing: `(item, count)`.
    pub out_of_range: Vec<(String, usize)>,
    /// Reverse-keyed items recoded as `8 - answer`.
    pub reversed: Vec<String>,
    /// Reverse-keyed items that correlate positively with the rest of their scale before
    /// recoding (perhaps recoded already).
    pub reverse_suspect: Vec<String>,
    /// Missing-data summary over the analysed items.
    pub missing: MissingSummary,
    /// Mardia's tests, when computable.
    pub mardia: Option<Mardia>,
    /// `ML` or `MLR`.
    pub estimator: String,
    /// Why.
    pub estimator_reason: String,
    /// Constructs measured, with the items present.
    pub measured: Vec<Measured>,
    /// Plain-language notes, in order.
    pub notes: Vec<String>,
}

fn corr(a: &[f64], b: &[f64]) -> f64 {
    let idx: Vec<usize> = (0..a.len()).filter(|&i| a[i].is_finite() && b[i].is_finite()).collect();
    let n = idx.len() as f64;
    if n < 3.0 {
        return f64::NAN;
    }
    let ma = idx.iter().map(|&i| a[i]).sum::<f64>() / n;
    let mb = idx.iter().map(|&i| b[i]).sum::<f64>() / n;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for &i in &idx {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma).powi(2);
        sbb += (b[i] - mb).powi(2);
    }
    sab / (saa * sbb).sqrt()
}

/// Screen `resp` in place (out-of-range answers become missing, reverse-keyed items are
/// recoded) and decide what can be analysed.
pub fn screen(cfg: &StudyConfig, resp: &mut Responses) -> Screening {
    let mut out = Screening {
        missing_columns: Vec::new(),
        dropped_constructs: Vec::new(),
        out_of_range: Vec::new(),
        reversed: Vec::new(),
        reverse_suspect: Vec::new(),
        missing: MissingSummary { rows: resp.nrows(), complete: 0, patterns: 0, by_item: Vec::new() },
        mardia: None,
        estimator: "ML".into(),
        estimator_reason: String::new(),
        measured: Vec::new(),
        notes: resp.notes.clone(),
    };
    for c in constructs::catalogue().into_iter().filter(|c| cfg.uses(c.id())) {
        if let (true, Some(col)) = (c.id() == "CD", &cfg.analysis.observed_cd) {
            if resp.column(col).is_some() {
                out.notes.push(format!(
                    "Cultural distance is the observed score `{col}` (a single indicator without measurement error), not the perceived-distance items."
                ));
                out.measured.push(Measured { id: "CD".into(), items: vec![col.clone()] });
            } else {
                out.missing_columns.push(col.clone());
                out.dropped_constructs.push("CD".into());
            }
            continue;
        }
        let mut present = Vec::new();
        for item in &c.construct.items {
            let Some(col) = resp.column_mut(&item.id) else {
                out.missing_columns.push(item.id.clone());
                continue;
            };
            let mut bad = 0;
            for v in col.iter_mut() {
                if v.is_finite() && (*v < 1.0 || *v > 7.0 || (*v - v.round()).abs() > 1e-9) {
                    *v = f64::NAN;
                    bad += 1;
                }
            }
            if bad > 0 {
                out.out_of_range.push((item.id.clone(), bad));
            }
            present.push(item.clone());
        }
        // reverse-keyed items: check the sign against the rest of the scale, then recode
        for item in present.iter().filter(|i| i.reverse) {
            let others: Vec<&str> = present.iter().filter(|o| !o.reverse).map(|o| o.id.as_str()).collect();
            if let (Some(col), false) = (resp.column(&item.id), others.is_empty()) {
                let n = col.len();
                let rest: Vec<f64> = (0..n)
                    .map(|i| {
                        let vals: Vec<f64> = others
                            .iter()
                            .filter_map(|o| resp.column(o))
                            .map(|c| c[i])
                            .filter(|v| v.is_finite())
                            .collect();
                        if vals.is_empty() {
                            f64::NAN
                        } else {
                            vals.iter().sum::<f64>() / vals.len() as f64
                        }
                    })
                    .collect();
                if corr(col, &rest) > 0.1 {
                    out.reverse_suspect.push(item.id.clone());
                }
            }
            if let Some(col) = resp.column_mut(&item.id) {
                for v in col.iter_mut() {
                    *v = 8.0 - *v;
                }
            }
            out.reversed.push(item.id.clone());
        }
        if present.len() < 2 {
            out.dropped_constructs.push(c.id().to_string());
            continue;
        }
        out.measured.push(Measured { id: c.id().to_string(), items: present.iter().map(|i| i.id.clone()).collect() });
    }
    if !out.missing_columns.is_empty() {
        out.notes.push(format!(
            "The data have no column for item(s) {}; the affected constructs are measured by the remaining items.",
            out.missing_columns.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    for c in &out.dropped_constructs {
        out.notes.push(format!(
            "Construct `{c}` has fewer than two items in the data and is left out; propositions on it are not tested."
        ));
    }
    for (item, n) in &out.out_of_range {
        out.notes.push(format!(
            "Item `{item}` has {n} answer(s) outside 1-7 or not whole numbers; they are treated as missing."
        ));
    }
    for item in &out.reverse_suspect {
        out.notes.push(format!(
            "Reverse-keyed item `{item}` correlates positively with the rest of its scale before recoding; check whether it was recoded already."
        ));
    }
    let items: Vec<&str> = out.measured.iter().flat_map(|m| m.items.iter().map(|s| s.as_str())).collect();
    let cols: Vec<&[f64]> = items.iter().filter_map(|i| resp.column(i)).collect();
    let n = resp.nrows();
    let mut patterns = std::collections::BTreeSet::new();
    let mut complete = 0;
    for i in 0..n {
        let pat: Vec<bool> = cols.iter().map(|c| c[i].is_finite()).collect();
        if pat.iter().all(|b| *b) {
            complete += 1;
        }
        patterns.insert(pat);
    }
    let mut by_item: Vec<(String, f64)> = items
        .iter()
        .zip(&cols)
        .map(|(i, c)| (i.to_string(), c.iter().filter(|v| !v.is_finite()).count() as f64 / n.max(1) as f64))
        .filter(|(_, s)| *s > 0.0)
        .collect();
    by_item.sort_by(|a, b| b.1.total_cmp(&a.1));
    out.missing = MissingSummary { rows: n, complete, patterns: patterns.len(), by_item };
    if complete < n {
        out.notes.push(format!(
            "{} of {n} rows are complete; incomplete rows are deleted listwise ({} missing-data pattern(s)).",
            complete,
            patterns.len()
        ));
    }
    out.mardia = mardia(&cols);
    let alpha = cfg.analysis.alpha;
    match &out.mardia {
        Some(m) if m.skew_p < alpha || m.kurt_p < alpha => {
            out.estimator = "MLR".into();
            out.estimator_reason = format!(
                "Mardia's tests reject multivariate normality (skewness p = {}, kurtosis p = {}), so the study uses MLR: robust (Huber-White) standard errors and the Yuan-Bentler scaled chi-square.",
                fmt_p(m.skew_p),
                fmt_p(m.kurt_p)
            );
        }
        Some(m) => {
            out.estimator_reason = format!(
                "Mardia's tests do not reject multivariate normality (skewness p = {}, kurtosis p = {}), so the study uses ML.",
                fmt_p(m.skew_p),
                fmt_p(m.kurt_p)
            );
        }
        None => {
            out.estimator_reason =
                "Mardia's tests cannot be computed (too few complete rows or a singular covariance matrix); the study uses ML.".into();
        }
    }
    out
}

/// A p-value for text: `< .001` or three decimals.
pub fn fmt_p(p: f64) -> String {
    if !p.is_finite() {
        "NA".into()
    } else if p < 0.001 {
        "< .001".into()
    } else {
        format!("{p:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mardia_matches_hand_computed_bivariate_case() {
        // four points (+-1, +-1) in the plane: S = I, d_ii = 2, d_ij in {-2, 0, 2}
        let x = [1.0, 1.0, -1.0, -1.0];
        let y = [1.0, -1.0, 1.0, -1.0];
        let m = mardia(&[&x, &y]).expect("computable");
        // b2 = mean of d_ii^2 = 4; b1 = (1/16) * sum_ij d_ij^3 = (1/16)(4*8 + 4*(-8) + 8*0) = 0
        assert!((m.kurtosis - 4.0).abs() < 1e-12);
        assert!(m.skewness.abs() < 1e-12);
        assert!((m.skew_df - 4.0).abs() < 1e-12);
    }

    #[test]
    fn skewed_data_reject_normality() {
        let a: Vec<f64> = (0..200).map(|i| ((i % 17) as f64 / 4.0).exp()).collect();
        let b: Vec<f64> = (0..200).map(|i| ((i % 13) as f64 / 3.0).exp()).collect();
        let m = mardia(&[&a, &b]).expect("computable");
        assert!(m.skew_p < 0.001, "{m:?}");
    }
}
