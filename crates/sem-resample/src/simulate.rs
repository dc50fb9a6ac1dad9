//! Data from a fully specified population model (lavaan: `simulateData`).
use crate::ResampleError;
use rand::Rng;
use rand_distr::StandardNormal;
use sem::{FitOptions, Mat, Sem};

/// Likert discretisation: the same increasing cut points for every variable; a value becomes
/// `1 + #{cut points below it}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Likert {
    /// Increasing thresholds.
    pub thresholds: Vec<f64>,
}

/// The implied moments of a population model, ready to draw from.
#[derive(Debug, Clone)]
pub struct Population {
    names: Vec<String>,
    mu: Vec<f64>,
    chol: Mat,
    sigma: Mat,
}

impl Population {
    /// Parse a population model in which every parameter has a fixed value. Exogenous
    /// variables are random (their variances must be given too).
    pub fn new(src: &str) -> Result<Population, ResampleError> {
        let sem = Sem::new(src)?;
        let prep = sem.prepare(1, &FitOptions { random_x: true, ..Default::default() })?;
        let pt = prep.partable();
        let free: Vec<String> =
            pt.rows.iter().filter(|r| r.free > 0).map(|r| format!("`{} {} {}`", r.lhs, r.op.as_str(), r.rhs)).collect();
        if !free.is_empty() {
            return Err(ResampleError::FreeParameters(free.join(", ")));
        }
        let values: Vec<f64> = pt.rows.iter().map(|r| r.ustart.unwrap_or(0.0)).collect();
        let model = sem_model_moments(pt, &values)?;
        let chol = sem_linalg::cholesky(&model.0).map_err(|_| ResampleError::NotPositiveDefinite)?;
        Ok(Population { names: pt.vnames.ov.clone(), mu: model.1, chol, sigma: model.0 })
    }

    /// Observed variable names, in column order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The population covariance matrix.
    pub fn sigma(&self) -> &Mat {
        &self.sigma
    }

    /// The population means.
    pub fn mu(&self) -> &[f64] {
        &self.mu
    }

    /// `n` rows drawn from $N(\mu, \Sigma)$, then discretised and made missing (NaN) completely
    /// at random with probability `missing`.
    pub fn draw(&self, n: usize, likert: Option<&Likert>, missing: f64, rng: &mut impl Rng) -> Mat {
        let p = self.names.len();
        let mut out = Mat::zeros(n, p);
        let mut z = vec![0.0; p];
        for i in 0..n {
            for v in z.iter_mut() {
                *v = rng.sample(StandardNormal);
            }
            let row = out.row_mut(i);
            for j in 0..p {
                let lj = &self.chol.row(j)[..=j];
                row[j] = self.mu[j] + sem_linalg::dot(lj, &z[..=j]);
            }
            if let Some(lk) = likert {
                for v in row.iter_mut() {
                    *v = 1.0 + lk.thresholds.iter().filter(|t| **t < *v).count() as f64;
                }
            }
            if missing > 0.0 {
                for v in row.iter_mut() {
                    if rng.random::<f64>() < missing {
                        *v = f64::NAN;
                    }
                }
            }
        }
        out
    }
}

/// Implied $\Sigma$ and $\mu$ of a one-group table at the given row values.
fn sem_model_moments(pt: &sem::ParTable, values: &[f64]) -> Result<(Mat, Vec<f64>), ResampleError> {
    let (sigma, mu) = sem::implied_moments(pt, values).map_err(|_| ResampleError::NotPositiveDefinite)?;
    Ok((sigma, mu))
}

/// CSV text of simulated rows (NaN written as `NA`), 6 significant digits after the point.
pub fn to_csv(names: &[String], data: &Mat) -> String {
    let mut s = names.join(",");
    s.push('\n');
    for i in 0..data.rows() {
        let row: Vec<String> = data
            .row(i)
            .iter()
            .map(|v| {
                if v.is_nan() {
                    "NA".into()
                } else if v.fract().abs() < f64::EPSILON {
                    format!("{v}")
                } else {
                    format!("{v:.6}")
                }
            })
            .collect();
        s.push_str(&row.join(","));
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draw_rng;

    const POP: &str = "f =~ 1*x1 + 0.8*x2 + 0.6*x3\nf ~~ 1*f\nx1 ~~ 0.5*x1\nx2 ~~ 0.5*x2\nx3 ~~ 0.5*x3";

    #[test]
    fn implied_covariance_is_lambda_psi_lambda_plus_theta() {
        let pop = Population::new(POP).unwrap();
        let s = pop.sigma();
        assert!((s[(0, 0)] - 1.5).abs() < 1e-12);
        assert!((s[(1, 2)] - 0.48).abs() < 1e-12);
    }

    #[test]
    fn sample_covariance_approaches_sigma() {
        let pop = Population::new(POP).unwrap();
        let d = pop.draw(20000, None, 0.0, &mut draw_rng(1, 0));
        let (_, cov) = sem_data::moments(&d);
        // SE of a covariance near 0.5 at n = 20000 is about 0.01; allow 5 SEs.
        assert!((cov[(1, 2)] - 0.48).abs() < 0.05, "{}", cov[(1, 2)]);
        assert!((cov[(0, 0)] - 1.5).abs() < 0.08, "{}", cov[(0, 0)]);
    }

    #[test]
    fn free_parameters_are_refused() {
        let e = Population::new("f =~ x1 + 0.8*x2 + 0.6*x3").unwrap_err();
        assert!(matches!(e, ResampleError::FreeParameters(_)));
        assert!(e.to_string().contains("`x1 ~~ x1`"), "{e}");
    }

    #[test]
    fn non_pd_population_is_refused() {
        let e = Population::new("x1 ~~ 1*x1\nx2 ~~ 1*x2\nx1 ~~ 2*x2").unwrap_err();
        assert_eq!(e, ResampleError::NotPositiveDefinite);
    }

    #[test]
    fn likert_cuts_give_categories() {
        let pop = Population::new(POP).unwrap();
        let lk = Likert { thresholds: vec![-1.0, 0.0, 1.0] };
        let d = pop.draw(200, Some(&lk), 0.0, &mut draw_rng(2, 0));
        assert!(d.data().iter().all(|v| [1.0, 2.0, 3.0, 4.0].iter().any(|c| (c - v).abs() < 1e-12)));
    }
}
