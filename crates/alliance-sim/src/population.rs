//! Populations of heterogeneous alliances, for the mismatch propositions (THEORY.md section 2).
//!
//! Each alliance `a` draws its characteristics from stream `a` of the seed and is then simulated
//! on the same stream, so a population is reproducible and independent of the thread count.

use crate::error::SimError;
use crate::model::{Quadrant, Sim, Status};
use crate::rules::{Governance, Intent, Rationale, TrustParams};
use crate::runner::rep_rng;
use crate::scenario::{Alliance, Environment, ModelParams, Partner, Scenario};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One simulated alliance of a population, with the variables the mismatch propositions need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationRow {
    /// Alliance index.
    pub id: u32,
    /// Quadrant at formation.
    pub quadrant: Quadrant,
    /// Exploration share of A and of B at formation.
    pub exploration_a: f64,
    /// Exploration share of B at formation.
    pub exploration_b: f64,
    /// Rationale that resolves a mismatch.
    pub rationale: Rationale,
    /// Governance form.
    pub governance: Governance,
    /// Integration level of the governance form.
    pub integration: f64,
    /// Environmental dynamism.
    pub dynamism: f64,
    /// Mean trust at formation (trust1).
    pub trust_formation: f64,
    /// Mean trust in the last period.
    pub trust_final: f64,
    /// Dyadic learning.
    pub learning: f64,
    /// Mean performance per period over the horizon.
    pub performance: f64,
    /// How it ended (`active` if it ran to the horizon).
    pub termination: Status,
    /// Last period.
    pub end_period: u32,
    /// Quadrant at the end.
    pub final_quadrant: Quadrant,
}

fn unif(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// Draws one alliance's scenario (without shocks) from its stream.
///
/// Orientation: each partner exploits (share U(0.1, 0.4)) or explores (U(0.6, 0.9)) with
/// probability 1/2. Governance follows P1/P2 with noise: with probability 0.7 an exploit-match
/// chooses licensing or a non-equity JV and an explore-match an equity JV or a merger; otherwise,
/// and for mismatches, the form is uniform. Rationale, intent and all partner traits are drawn
/// independently of the quadrant, so that differences between quadrants come from the mechanism.
pub fn draw_scenario(rng: &mut ChaCha8Rng, periods: u32) -> Scenario {
    let forms = [Governance::Licensing, Governance::NonEquityJv, Governance::EquityJv, Governance::Merger];
    let explores = [rng.random_bool(0.5), rng.random_bool(0.5)];
    let exploration = explores.map(|e| if e { unif(rng, 0.6, 0.9) } else { unif(rng, 0.1, 0.4) });
    let fitted = rng.random_bool(0.7);
    let pick: usize = rng.random_range(0..2);
    let governance = match (explores, fitted) {
        ([false, false], true) => forms[pick],
        ([true, true], true) => forms[2 + pick],
        _ => forms[rng.random_range(0..4)],
    };
    let rationale = [Rationale::Economic, Rationale::Behavioural, Rationale::None][rng.random_range(0..3)];
    let dynamism = rng.random::<f64>();
    let interdependence = unif(rng, 0.2, 0.8);
    let partner = |name: &str, exploration: f64, rng: &mut ChaCha8Rng| {
        let u = rng.random::<f64>();
        let intent = if u < 0.5 {
            Intent::Internalisation
        } else if u < 0.85 {
            Intent::Avoidance
        } else {
            Intent::Substitution
        };
        Partner {
            name: name.into(),
            knowledge: (0..3).map(|_| unif(rng, 0.2, 0.9)).collect(),
            motives: BTreeMap::new(),
            exploration: Some(exploration),
            intent,
            transparency: unif(rng, 0.3, 0.9),
            receptivity: unif(rng, 0.3, 0.9),
            reputation: unif(rng, 0.3, 0.9),
            prior_experience: unif(rng, 0.0, 0.8),
            opportunism: unif(rng, 0.0, 0.3),
            protectiveness: unif(rng, 0.05, 0.35),
            culture: (0..4).map(|_| unif(rng, 30.0, 70.0)).collect(),
        }
    };
    let a = partner("A", exploration[0], rng);
    let b = partner("B", exploration[1], rng);
    Scenario {
        name: "population".into(),
        description: String::new(),
        periods,
        replications: 1,
        seed: 0,
        trust: TrustParams::default(),
        model: ModelParams::default(),
        environment: Environment { dynamism, culture_variances: None },
        alliance: Alliance { governance, interdependence, age: 0, rationale: Some(rationale), objective: None },
        partners: vec![a, b],
        shocks: Vec::new(),
    }
}

/// Draws and runs `n` alliances over `periods` periods, in parallel, in index order.
pub fn population(
    n: u32,
    seed: u64,
    periods: u32,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<PopulationRow>, SimError> {
    (0..n)
        .into_par_iter()
        .map(|id| {
            let mut rng = rep_rng(seed, id);
            let s = draw_scenario(&mut rng, periods);
            let sim = Sim::new(&s)?;
            let o = sim.simulate(&mut rng, None);
            progress();
            let e = [Scenario::exploration(&s.partners[0]), Scenario::exploration(&s.partners[1])];
            Ok(PopulationRow {
                id,
                quadrant: Quadrant::of(e[0], e[1]),
                exploration_a: e[0],
                exploration_b: e[1],
                rationale: s.rationale(),
                governance: s.alliance.governance,
                integration: s.alliance.governance.integration(),
                dynamism: s.environment.dynamism,
                trust_formation: 0.5 * (o.trust1[0] + o.trust1[1]),
                trust_final: 0.5 * (o.final_trust[0] + o.final_trust[1]),
                learning: o.dyadic_learning(),
                performance: o.performance,
                termination: o.status,
                end_period: o.end_period,
                final_quadrant: o.final_quadrant,
            })
        })
        .collect()
}
