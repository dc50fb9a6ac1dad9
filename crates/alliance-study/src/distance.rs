//! Cultural distance between the partners' countries, usable as an observed CD instead of the
//! perceived-distance items.
//!
//! **Kogut-Singh index** (Kogut & Singh 1988; THEORY.md section 1): for countries $a$ and $b$
//! scored on $n$ cultural dimensions (e.g. Hofstede's),
//! $$CD_{ab} = \frac{1}{n}\sum_{i=1}^{n} \frac{(I_{ia} - I_{ib})^2}{V_i},$$
//! with $V_i$ the variance (divisor $m - 1$) of dimension $i$ across the $m$ countries of the
//! scores file.
//!
//! **Mahalanobis variant** (Berry, Guillén & Zhou 2010): with $S$ the covariance matrix
//! (divisor $m - 1$) of the dimensions across the countries,
//! $$D_{ab} = \sqrt{(I_a - I_b)^\top S^{-1} (I_a - I_b)},$$
//! which accounts for correlated dimensions; it needs more countries than dimensions. With
//! uncorrelated dimensions $D_{ab}^2 = n \cdot CD_{ab}$.

use crate::error::StudyError;
use serde::Serialize;

/// Country scores: one row per country, one column per dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct CountryScores {
    /// Dimension names.
    pub dimensions: Vec<String>,
    /// Country names (first column).
    pub countries: Vec<String>,
    /// Scores, one row per country.
    pub scores: Vec<Vec<f64>>,
}

fn parse_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|c| c.trim().trim_matches('"').to_string()).collect())
        .collect()
}

impl CountryScores {
    /// Read CSV text: first column the country, then one numeric column per dimension.
    pub fn from_csv_str(text: &str, source: &str) -> Result<CountryScores, StudyError> {
        let rows = parse_rows(text);
        let header = rows.first().ok_or_else(|| StudyError::Distance(format!("`{source}` is empty")))?;
        if header.len() < 2 {
            return Err(StudyError::Distance(format!("`{source}` needs a country column and at least one dimension")));
        }
        let dimensions = header[1..].to_vec();
        let mut countries = Vec::new();
        let mut scores = Vec::new();
        for (k, r) in rows.iter().enumerate().skip(1) {
            if r.len() != header.len() {
                return Err(StudyError::Distance(format!(
                    "line {} of `{source}` has {} fields, the header has {}",
                    k + 1,
                    r.len(),
                    header.len()
                )));
            }
            let v: Result<Vec<f64>, _> = r[1..].iter().map(|c| c.parse::<f64>()).collect();
            let v = v.map_err(|_| {
                StudyError::Distance(format!("line {} of `{source}` has a score that is not a number", k + 1))
            })?;
            countries.push(r[0].clone());
            scores.push(v);
        }
        if countries.len() < 2 {
            return Err(StudyError::Distance(format!("`{source}` needs at least two countries")));
        }
        Ok(CountryScores { dimensions, countries, scores })
    }

    fn index(&self, c: &str) -> Result<usize, StudyError> {
        self.countries
            .iter()
            .position(|x| x.eq_ignore_ascii_case(c))
            .ok_or_else(|| StudyError::Distance(format!("country `{c}` is not in the scores file")))
    }

    fn mean_cov(&self) -> (Vec<f64>, Vec<Vec<f64>>) {
        let (m, n) = (self.scores.len() as f64, self.dimensions.len());
        let mean: Vec<f64> = (0..n).map(|i| self.scores.iter().map(|r| r[i]).sum::<f64>() / m).collect();
        let cov = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| self.scores.iter().map(|r| (r[i] - mean[i]) * (r[j] - mean[j])).sum::<f64>() / (m - 1.0))
                    .collect()
            })
            .collect();
        (mean, cov)
    }

    /// Kogut-Singh index of countries `a` and `b`.
    pub fn kogut_singh(&self, a: &str, b: &str) -> Result<f64, StudyError> {
        let (ia, ib) = (self.index(a)?, self.index(b)?);
        let (_, cov) = self.mean_cov();
        let n = self.dimensions.len();
        let mut sum = 0.0;
        for i in 0..n {
            if cov[i][i] <= 0.0 {
                return Err(StudyError::Distance(format!(
                    "dimension `{}` does not vary across countries",
                    self.dimensions[i]
                )));
            }
            sum += (self.scores[ia][i] - self.scores[ib][i]).powi(2) / cov[i][i];
        }
        Ok(sum / n as f64)
    }

    /// Mahalanobis distance of countries `a` and `b`.
    pub fn mahalanobis(&self, a: &str, b: &str) -> Result<f64, StudyError> {
        let (ia, ib) = (self.index(a)?, self.index(b)?);
        let n = self.dimensions.len();
        if self.scores.len() <= n {
            return Err(StudyError::Distance(format!(
                "the Mahalanobis distance needs more countries ({}) than dimensions ({n})",
                self.scores.len()
            )));
        }
        let (_, cov) = self.mean_cov();
        let d: Vec<f64> = (0..n).map(|i| self.scores[ia][i] - self.scores[ib][i]).collect();
        // solve S x = d by Cholesky
        let mut l = vec![vec![0.0; n]; n];
        for i in 0..n {
            for j in 0..=i {
                let s = cov[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
                if i == j {
                    if s <= 1e-12 {
                        return Err(StudyError::Distance("the dimensions' covariance matrix is singular".into()));
                    }
                    l[i][i] = s.sqrt();
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        let mut y = vec![0.0; n];
        for i in 0..n {
            y[i] = (d[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
        }
        Ok(y.iter().map(|v| v * v).sum::<f64>().sqrt())
    }
}

/// Distances of one dyad.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DyadDistance {
    /// Alliance id.
    pub alliance_id: String,
    /// Country of partner A.
    pub country_a: String,
    /// Country of partner B.
    pub country_b: String,
    /// Kogut-Singh index.
    pub kogut_singh: f64,
    /// Mahalanobis distance (NaN when not computable).
    pub mahalanobis: f64,
}

/// Distances for a dyads CSV with columns `alliance_id,country_a,country_b`.
pub fn dyads(scores: &CountryScores, text: &str, source: &str) -> Result<Vec<DyadDistance>, StudyError> {
    let rows = parse_rows(text);
    let header = rows.first().ok_or_else(|| StudyError::Distance(format!("`{source}` is empty")))?;
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| StudyError::Distance(format!("`{source}` has no column `{name}`")))
    };
    let (ci, ca, cb) = (col("alliance_id")?, col("country_a")?, col("country_b")?);
    let mut out = Vec::new();
    for r in rows.iter().skip(1) {
        let get = |k: usize| r.get(k).cloned().unwrap_or_default();
        let (a, b) = (get(ca), get(cb));
        out.push(DyadDistance {
            alliance_id: get(ci),
            kogut_singh: scores.kogut_singh(&a, &b)?,
            mahalanobis: scores.mahalanobis(&a, &b).unwrap_or(f64::NAN),
            country_a: a,
            country_b: b,
        });
    }
    Ok(out)
}

/// CSV text of dyad distances.
pub fn to_csv(rows: &[DyadDistance]) -> String {
    let mut s = String::from("alliance_id,country_a,country_b,cd_kogut_singh,cd_mahalanobis\n");
    for r in rows {
        s.push_str(&format!(
            "{},{},{},{:.6},{}\n",
            r.alliance_id,
            r.country_a,
            r.country_b,
            r.kogut_singh,
            if r.mahalanobis.is_finite() { format!("{:.6}", r.mahalanobis) } else { "NA".into() }
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCORES: &str = "country,pdi,idv\nA,10,20\nB,20,40\nC,30,30\nD,40,10\n";

    #[test]
    fn kogut_singh_by_hand() {
        // pdi: mean 25, var = (225+25+25+225)/3 = 500/3; idv: mean 25, var = (25+225+25+225)/3 = 500/3
        // A-B: ((10-20)^2 / (500/3) + (20-40)^2 / (500/3)) / 2 = (0.6 + 2.4) / 2 = 1.5
        let s = CountryScores::from_csv_str(SCORES, "s.csv").expect("scores");
        assert!((s.kogut_singh("A", "B").expect("ks") - 1.5).abs() < 1e-12);
        assert!(s.kogut_singh("A", "A").expect("ks").abs() < 1e-12);
    }

    #[test]
    fn mahalanobis_by_hand() {
        // S = [[500/3, cov], [cov, 500/3]], cov = ((-15)(-5) + (-5)(15) + 5*5 + 15*(-15))/3 = -200/3
        // d = (-10, -20); S = (100/3) [[5, -2], [-2, 5]], S^-1 = (3/100)(1/21) [[5, 2], [2, 5]]
        // d' S^-1 d = (3/2100) (5*100 + 2*2*200 + 5*400) = (3/2100) * 3300 = 33/7
        let s = CountryScores::from_csv_str(SCORES, "s.csv").expect("scores");
        let d = s.mahalanobis("A", "B").expect("md");
        assert!((d - (33.0f64 / 7.0).sqrt()).abs() < 1e-12, "{d}");
    }

    #[test]
    fn unknown_country_is_named() {
        let s = CountryScores::from_csv_str(SCORES, "s.csv").expect("scores");
        let e = s.kogut_singh("A", "Z").expect_err("unknown").to_string();
        assert!(e.contains("`Z`"), "{e}");
        let rows = dyads(&s, "alliance_id,country_a,country_b\nx,A,C\n", "d.csv").expect("dyads");
        assert_eq!(rows.len(), 1);
        assert!(to_csv(&rows).contains("x,A,C,"));
    }
}
