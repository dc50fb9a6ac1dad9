//! The fitted-parameter file written by `entente sim calibrate` and read by `sim validate`: a
//! TOML file whose `[game]` table is the simulator's [`GameParams`] (with the TR-2 parameters in
//! `[game.trust]`, as in the simulator's scenarios), followed by the fit's diagnostics and
//! standard errors.

use crate::error::CalibError;
use crate::estimate::{Estimate, ParamDraws, NAMES};
use alliance_sim::game::GameParams;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Diagnostics of the fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitTable {
    /// How the parameters were estimated.
    pub estimator: String,
    /// Parameters held fixed (not estimated), comma-separated.
    #[serde(default)]
    pub fixed: String,
    /// Sessions used.
    pub train_sessions: String,
    /// Seed of the jittered starts.
    pub seed: u64,
    /// Log-likelihood.
    pub log_likelihood: f64,
    /// Log-likelihood of the per-treatment choice shares.
    pub log_likelihood_null: f64,
    /// Choices fitted.
    pub choices: usize,
    /// Alliances fitted.
    pub alliances: usize,
    /// Subjects fitted (each followed over its alliances; types are per subject).
    #[serde(default)]
    pub subjects: usize,
    /// BFGS iterations.
    pub iterations: u32,
    /// Whether the gradient tolerance was met.
    pub converged: bool,
    /// Largest absolute gradient entry at the optimum.
    pub max_gradient: f64,
    /// Erosion/building ratio `lambda_minus / lambda_plus`.
    pub erosion_building_ratio: f64,
    /// Its standard error from the Hessian.
    pub erosion_building_ratio_se: f64,
    /// Its subject-clustered sandwich standard error.
    pub erosion_building_ratio_se_robust: f64,
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fitted {
    /// The game's behavioural and TR-2 parameters.
    pub game: GameParams,
    /// Fit diagnostics (optional when reading).
    #[serde(default)]
    pub fit: Option<FitTable>,
    /// Standard errors from the Hessian by parameter name (nan: on a boundary, not identified).
    #[serde(default)]
    pub standard_errors: BTreeMap<String, f64>,
    /// Subject-clustered sandwich standard errors by parameter name.
    #[serde(default)]
    pub robust_standard_errors: BTreeMap<String, f64>,
    /// Subject-clustered sandwich covariance of the unconstrained coordinates (logit of shares
    /// and rates, log of `beta` and `cooperator_bias`, log of minus `free_rider_bias`, the rest
    /// as they are), rows and columns in the order of `parameters`; used by `sim validate
    /// --parameter-uncertainty`.
    #[serde(default)]
    pub robust_covariance: Option<Covariance>,
}

/// A covariance matrix with its row names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Covariance {
    /// Parameter names, the order of the rows and columns.
    pub parameters: Vec<String>,
    /// The matrix, row by row.
    pub rows: Vec<Vec<f64>>,
}

impl Fitted {
    /// The file of an estimate.
    pub fn from_estimate(est: &Estimate, train_sessions: &str, seed: u64) -> Fitted {
        Fitted {
            game: est.params,
            fit: Some(FitTable {
                estimator: "maximum likelihood on the choice sequences (BFGS)".into(),
                fixed: NAMES
                    .iter()
                    .zip(&est.free)
                    .filter(|(_, f)| !**f)
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", "),
                train_sessions: train_sessions.into(),
                seed,
                log_likelihood: est.loglik,
                log_likelihood_null: est.loglik_null,
                choices: est.choices,
                alliances: est.alliances,
                subjects: est.subjects,
                iterations: est.iterations,
                converged: est.converged,
                max_gradient: est.max_gradient,
                erosion_building_ratio: est.ratio,
                erosion_building_ratio_se: est.ratio_se,
                erosion_building_ratio_se_robust: est.ratio_se_robust,
            }),
            standard_errors: NAMES.iter().zip(&est.se).map(|(n, v)| ((*n).to_string(), *v)).collect(),
            robust_standard_errors: NAMES.iter().zip(&est.se_robust).map(|(n, v)| ((*n).to_string(), *v)).collect(),
            robust_covariance: Some(Covariance {
                parameters: NAMES.iter().map(|n| (*n).to_string()).collect(),
                rows: est.cov_robust.clone(),
            }),
        }
    }

    /// The game parameters.
    pub fn params(&self) -> GameParams {
        self.game
    }

    /// Draws of the parameters from their robust sampling distribution; an error when the file
    /// has no covariance or one that does not match the parameters.
    pub fn draws(&self) -> Result<ParamDraws, CalibError> {
        let cov = self.robust_covariance.as_ref().ok_or_else(|| CalibError::Params {
            msg: "the file has no `[robust_covariance]` (written by `entente sim calibrate`)".into(),
        })?;
        if cov.parameters.iter().map(String::as_str).ne(NAMES.iter().copied()) {
            return Err(CalibError::Params {
                msg: format!("`robust_covariance.parameters` must list {}", NAMES.join(", ")),
            });
        }
        ParamDraws::new(&self.game, &cov.rows)
    }

    /// The TOML text, with a header comment.
    pub fn to_toml(&self) -> Result<String, CalibError> {
        let body = toml::to_string(self).map_err(|e| CalibError::Params { msg: e.to_string() })?;
        Ok(format!(
            "# Game and TR-2 parameters fitted by `entente sim calibrate` to the alliance experiment\n# (Solinas et al. 2022); read by `entente sim validate --params`.\n\n{body}"
        ))
    }

    /// Reads the TOML text and checks the ranges of the parameters.
    pub fn from_toml(text: &str) -> Result<Fitted, CalibError> {
        let f: Fitted = toml::from_str(text)
            .map_err(|e| CalibError::Params { msg: e.message().trim_end_matches('.').to_string() })?;
        let (g, t) = (&f.game, &f.game.trust);
        for (name, v) in [
            ("game.trust.lambda_plus", t.lambda_plus),
            ("game.trust.lambda_minus", t.lambda_minus),
            ("game.trust.mu_r", t.mu_r),
            ("game.trust.delta_r", t.delta_r),
            ("game.initial_trust", g.initial_trust),
            ("game.cooperator_share", g.cooperator_share),
            ("game.free_rider_share", g.free_rider_share),
            ("game.experience_weight", g.experience_weight),
            ("game.type_persistence", g.type_persistence),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(CalibError::Params { msg: format!("`{name}` = {v} is outside its range [0, 1]") });
            }
        }
        for (name, v) in [
            ("game.beta", g.beta),
            ("game.bias_contribute", g.bias_contribute),
            ("game.bias_contribute_three", g.bias_contribute_three),
            ("game.bias_contribute_exit_cost", g.bias_contribute_exit_cost),
            ("game.bias_contribute_three_exit_cost", g.bias_contribute_three_exit_cost),
            ("game.bias_exit", g.bias_exit),
            ("game.bias_exit_three", g.bias_exit_three),
            ("game.exit_cost_weight", g.exit_cost_weight),
            ("game.cooperator_bias", g.cooperator_bias),
            ("game.free_rider_bias", g.free_rider_bias),
            ("game.free_rider_shift_exit_cost", g.free_rider_shift_exit_cost),
            ("game.inertia", g.inertia),
        ] {
            if !v.is_finite() {
                return Err(CalibError::Params { msg: format!("`{name}` is not a finite number") });
            }
        }
        if g.beta < 0.0 {
            return Err(CalibError::Params { msg: format!("`game.beta` = {} must not be negative", g.beta) });
        }
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Fitted {
        Fitted {
            game: GameParams {
                initial_trust: 0.6,
                beta: 1.1,
                bias_contribute: 2.0,
                bias_contribute_three: -0.5,
                bias_contribute_exit_cost: 0.7,
                bias_exit: -3.0,
                bias_exit_three: 0.4,
                exit_cost_weight: 0.3,
                cooperator_share: 0.2,
                cooperator_bias: 1.5,
                free_rider_share: 0.1,
                free_rider_bias: -2.5,
                inertia: 0.8,
                ..GameParams::default()
            },
            fit: None,
            standard_errors: [("beta".to_string(), f64::NAN)].into_iter().collect(),
            robust_standard_errors: BTreeMap::new(),
            robust_covariance: Some(Covariance {
                parameters: NAMES.iter().map(|n| (*n).to_string()).collect(),
                rows: (0..NAMES.len())
                    .map(|i| (0..NAMES.len()).map(|j| if i == j && i == 5 { 0.01 } else { 0.0 }).collect())
                    .collect(),
            }),
        }
    }

    /// Draws from the file's covariance: `beta` (log link, variance 0.01) varies with the
    /// right spread on the log scale, everything else stays; a bad covariance is refused.
    #[test]
    fn parameter_draws_follow_the_covariance() {
        let f = sample();
        let draws = f.draws().unwrap();
        let mut rng = alliance_sim::rep_rng(9, 0);
        let logs: Vec<f64> = (0..4000)
            .map(|_| {
                let p = draws.draw(&mut rng);
                assert!((p.inertia - 0.8).abs() < 1e-15 && (p.initial_trust - f.game.initial_trust).abs() < 1e-15);
                p.beta.ln()
            })
            .collect();
        let mean = logs.iter().sum::<f64>() / 4000.0;
        let sd = (logs.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 3999.0).sqrt();
        assert!((mean - f.game.beta.ln()).abs() < 0.01, "{mean}");
        assert!((sd - 0.1).abs() < 0.006, "{sd}");
        let mut bad = f.clone();
        if let Some(c) = bad.robust_covariance.as_mut() {
            c.rows[5][5] = 1.0;
            c.rows[6][6] = 1.0;
            c.rows[5][6] = 2.0;
            c.rows[6][5] = 2.0;
        }
        assert!(bad.draws().unwrap_err().to_string().contains("positive definite"));
        if let Some(c) = bad.robust_covariance.as_mut() {
            c.rows[5][6] = 0.0;
            c.rows[6][5] = 0.0;
            c.rows[6][6] = -1.0;
        }
        assert!(bad.draws().unwrap_err().to_string().contains("negative variance"));
        let mut none = f.clone();
        none.robust_covariance = None;
        assert!(none.draws().unwrap_err().to_string().contains("robust_covariance"));
    }

    #[test]
    fn round_trips_through_toml_including_nan() {
        let f = sample();
        let text = f.to_toml().unwrap();
        let back = Fitted::from_toml(&text).unwrap();
        assert_eq!(back.params(), f.params());
        assert!(back.standard_errors["beta"].is_nan());
    }

    #[test]
    fn rejects_out_of_range_and_unknown_keys() {
        let text = sample().to_toml().unwrap().replace("lambda_minus = 0.3", "lambda_minus = 1.3");
        let err = Fitted::from_toml(&text).unwrap_err().to_string();
        assert_eq!(err, "Fitted parameters: `game.trust.lambda_minus` = 1.3 is outside its range [0, 1].");
        let text = sample().to_toml().unwrap().replace("beta = ", "betta = ");
        assert!(Fitted::from_toml(&text).unwrap_err().to_string().contains("betta"));
    }
}
