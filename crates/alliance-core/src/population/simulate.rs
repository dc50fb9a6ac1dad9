//! Simulated populations with planted effects, to check that the proposition tests recover the
//! signs they should (and find nothing where nothing was planted).
//!
//! Each alliance draws a quadrant (economies, synergies, mismatch with probabilities 0.3, 0.3,
//! 0.4), dynamism ~ U(0, 1), age ~ U(1, 15), then
//! - integration = clamp(round(2.5 + b1 exploit + b2 explore + N(0, 0.6)), 1, 4), a level of
//!   the continuum
//! - failed ~ Bernoulli(logistic(-1.2 + b3 mismatch + 0.03 age))
//! - terminated ~ Bernoulli(logistic(-1.5 + b4 mismatch))
//! - performance = 0.2 + b5 mismatch - 0.3 dynamism + b6 explore x dynamism + N(0, 0.5)
//! - learning = 0.1 + b7 explore + N(0, 0.5)

use super::data::{AllianceRecord, PopQuadrant};
use super::glm::logistic;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// Planted effects (see the module docs for where each enters).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Planted {
    /// b1: exploit-match on integration (P1 predicts < 0).
    pub exploit_integration: f64,
    /// b2: explore-match on integration (P2 predicts > 0).
    pub explore_integration: f64,
    /// b3: mismatch on the log odds of failure (P3 predicts > 0).
    pub mismatch_failure: f64,
    /// b4: mismatch on the log odds of premature termination (P3 predicts > 0).
    pub mismatch_termination: f64,
    /// b5: mismatch on performance (P4 predicts < 0).
    pub mismatch_performance: f64,
    /// b6: explore-match x dynamism on performance (P6 predicts > 0).
    pub explore_dynamism_performance: f64,
    /// b7: explore-match on learning (P5 predicts > 0).
    pub explore_learning: f64,
}

impl Planted {
    /// Effects with the signs the propositions predict.
    pub fn theory() -> Self {
        Planted {
            exploit_integration: -0.8,
            explore_integration: 0.8,
            mismatch_failure: 1.2,
            mismatch_termination: 1.0,
            mismatch_performance: -0.5,
            explore_dynamism_performance: 0.9,
            explore_learning: 0.6,
        }
    }

    /// No effects at all.
    pub fn null() -> Self {
        Planted {
            exploit_integration: 0.0,
            explore_integration: 0.0,
            mismatch_failure: 0.0,
            mismatch_termination: 0.0,
            mismatch_performance: 0.0,
            explore_dynamism_performance: 0.0,
            explore_learning: 0.0,
        }
    }

    /// Every effect with the sign opposite to the propositions.
    pub fn reversed() -> Self {
        let t = Planted::theory();
        Planted {
            exploit_integration: -t.exploit_integration,
            explore_integration: -t.explore_integration,
            mismatch_failure: -t.mismatch_failure,
            mismatch_termination: -t.mismatch_termination,
            mismatch_performance: -t.mismatch_performance,
            explore_dynamism_performance: -t.explore_dynamism_performance,
            explore_learning: -t.explore_learning,
        }
    }
}

/// Simulate `n` alliances from a seed.
pub fn simulate_population(n: usize, seed: u64, planted: &Planted) -> Vec<AllianceRecord> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let normal = |rng: &mut ChaCha8Rng, sd: f64| sd * rng.sample::<f64, _>(StandardNormal);
    (0..n)
        .map(|i| {
            let u: f64 = rng.random();
            let quadrant = if u < 0.3 {
                PopQuadrant::Economies
            } else if u < 0.6 {
                PopQuadrant::Synergies
            } else {
                PopQuadrant::Mismatch
            };
            let exploit = f64::from(u8::from(quadrant == PopQuadrant::Economies));
            let explore = f64::from(u8::from(quadrant == PopQuadrant::Synergies));
            let mismatch = f64::from(u8::from(quadrant == PopQuadrant::Mismatch));
            let dynamism: f64 = rng.random();
            let age = 1.0 + 14.0 * rng.random::<f64>();
            let integration = (2.5
                + planted.exploit_integration * exploit
                + planted.explore_integration * explore
                + normal(&mut rng, 0.6))
            .round()
            .clamp(1.0, 4.0);
            let failed = rng.random::<f64>() < logistic(-1.2 + planted.mismatch_failure * mismatch + 0.03 * age);
            let terminated = rng.random::<f64>() < logistic(-1.5 + planted.mismatch_termination * mismatch);
            let performance = 0.2 + planted.mismatch_performance * mismatch - 0.3 * dynamism
                + planted.explore_dynamism_performance * explore * dynamism
                + normal(&mut rng, 0.5);
            let learning = 0.1 + planted.explore_learning * explore + normal(&mut rng, 0.5);
            AllianceRecord {
                id: format!("S{:04}", i + 1),
                quadrant,
                integration,
                dynamism,
                performance,
                learning,
                failed,
                terminated,
                age,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_population() {
        let a = simulate_population(50, 7, &Planted::theory());
        let b = simulate_population(50, 7, &Planted::theory());
        assert_eq!(a, b);
        let c = simulate_population(50, 8, &Planted::theory());
        assert_ne!(a, c);
    }
}
