//! One replication of one alliance: the state, the period step, the outcome.
//!
//! A [`Sim`] is a validated scenario compiled into flat arrays; [`Sim::simulate`] runs one
//! replication with its own random stream and, if asked, records the panel. The step does not
//! allocate: knowledge lives in fixed arrays of [`MAX_DOMAINS`].

use crate::error::SimError;
use crate::rules::{self, Rationale, Trust2Drivers, TrustParams};
use crate::scenario::{ModelParams, Scenario, ShockKind, MAX_DOMAINS};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

/// Quadrant of the dyad's motives (THEORY.md section 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quadrant {
    /// Both exploit.
    EconomiesOfKnowledge,
    /// Both explore.
    SynergiesOfKnowledge,
    /// One exploits, one explores.
    Mismatch,
}

impl Quadrant {
    /// Quadrant of two exploration shares (a partner explores when its share is at least 1/2).
    pub fn of(explore_a: f64, explore_b: f64) -> Self {
        match (explore_a >= 0.5, explore_b >= 0.5) {
            (false, false) => Quadrant::EconomiesOfKnowledge,
            (true, true) => Quadrant::SynergiesOfKnowledge,
            _ => Quadrant::Mismatch,
        }
    }

    /// Name as written in output.
    pub fn name(self) -> &'static str {
        match self {
            Quadrant::EconomiesOfKnowledge => "economies_of_knowledge",
            Quadrant::SynergiesOfKnowledge => "synergies_of_knowledge",
            Quadrant::Mismatch => "mismatch",
        }
    }
}

/// Status of the alliance in a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Running.
    Active,
    /// Running; the bargain was renegotiated this period.
    Renegotiated,
    /// Ended this period: objectives met.
    ObjectivesMet,
    /// Ended this period: a partner's trust fell below `model.exit_trust`.
    PrematureLowTrust,
    /// Ended this period: an unresolved mismatch.
    PrematureMismatch,
    /// Ended this period: the partner who gained power left an obsolete bargain.
    PrematureBargainObsolete,
}

impl Status {
    /// Name as written in output.
    pub fn name(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Renegotiated => "renegotiated",
            Status::ObjectivesMet => "objectives_met",
            Status::PrematureLowTrust => "premature_low_trust",
            Status::PrematureMismatch => "premature_mismatch",
            Status::PrematureBargainObsolete => "premature_bargain_obsolete",
        }
    }

    /// True when the alliance ended.
    pub fn ended(self) -> bool {
        !matches!(self, Status::Active | Status::Renegotiated)
    }

    /// True when the alliance ended before its objectives were met.
    pub fn premature(self) -> bool {
        self.ended() && self != Status::ObjectivesMet
    }
}

/// One period of one replication: index 0 is partner A's view of B, 1 is B's view of A.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PanelRow {
    /// Period, 1-based.
    pub period: u32,
    /// Trust in the partner.
    pub trust: [f64; 2],
    /// Reputation damage of the partner in this partner's eyes.
    pub damage: [f64; 2],
    /// Own knowledge (mean over domains).
    pub knowledge: [f64; 2],
    /// Learned from the partner this period (mean over domains).
    pub learning: [f64; 2],
    /// Bargaining power over the partner.
    pub power: [f64; 2],
    /// Status after this period.
    pub status: Status,
}

/// How one replication ended.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Last period simulated (the horizon if the alliance survived).
    pub end_period: u32,
    /// Final status: active (survived the horizon) or how it ended.
    pub status: Status,
    /// Trust at formation (trust1) of A in B and B in A.
    pub trust1: [f64; 2],
    /// Trust in the last period.
    pub final_trust: [f64; 2],
    /// Cumulative learning from the partner (mean over domains).
    pub learning: [f64; 2],
    /// Cumulative joint creation (per domain, shared).
    pub joint: f64,
    /// Mean performance per period over the horizon (zero after termination).
    pub performance: f64,
    /// Number of renegotiations.
    pub renegotiations: u32,
    /// Quadrant at the end (mismatches may have drifted into a match).
    pub final_quadrant: Quadrant,
    /// Final bargaining power of A over B.
    pub final_power: f64,
}

impl Outcome {
    /// Learning balance: what A learned from B minus what B learned from A.
    pub fn learning_balance(&self) -> f64 {
        self.learning[0] - self.learning[1]
    }

    /// Dyadic learning: both learning flows plus twice the joint creation (each partner gains it).
    pub fn dyadic_learning(&self) -> f64 {
        self.learning[0] + self.learning[1] + 2.0 * self.joint
    }
}

/// One partner, compiled.
#[derive(Debug, Clone, Copy)]
struct Firm {
    knowledge: [f64; MAX_DOMAINS],
    explore: f64,
    intent: f64,
    substitution: bool,
    transparency: f64,
    receptivity: f64,
    opportunism: f64,
    protectiveness: f64,
}

/// A compiled shock.
#[derive(Debug, Clone, Copy)]
struct CShock {
    kind: ShockKind,
    start: u32,
    end: u32,
    severity: f64,
    /// Which partners it hits.
    hits: [bool; 2],
}

/// A validated scenario compiled for fast replication.
#[derive(Debug, Clone)]
pub struct Sim {
    periods: u32,
    domains: usize,
    trust: TrustParams,
    model: ModelParams,
    dynamism: f64,
    integration: f64,
    interdependence: f64,
    age: u32,
    rationale: Rationale,
    objective: f64,
    cultural_distance: f64,
    trust1: [f64; 2],
    firms: [Firm; 2],
    shocks: Vec<CShock>,
    names: [String; 2],
}

impl Sim {
    /// Validates and compiles a scenario.
    pub fn new(s: &Scenario) -> Result<Self, SimError> {
        s.validate()?;
        let domains = s.partners[0].knowledge.len();
        let firm = |i: usize| {
            let p = &s.partners[i];
            let mut knowledge = [0.0; MAX_DOMAINS];
            knowledge[..domains].copy_from_slice(&p.knowledge);
            Firm {
                knowledge,
                explore: Scenario::exploration(p),
                intent: p.intent.strength(),
                substitution: p.intent == rules::Intent::Substitution,
                transparency: p.transparency,
                receptivity: p.receptivity,
                opportunism: p.opportunism,
                protectiveness: p.protectiveness,
            }
        };
        let (a, b) = (&s.partners[0], &s.partners[1]);
        let variances = s.environment.culture_variances.clone().unwrap_or_else(|| vec![400.0; a.culture.len()]);
        let (_, cd) = rules::kogut_singh(&a.culture, &b.culture, &variances);
        let shocks = s
            .shocks
            .iter()
            .map(|sh| CShock {
                kind: sh.kind,
                start: sh.start,
                end: sh.end.unwrap_or(sh.start),
                severity: sh.severity,
                hits: match &sh.partner {
                    None => [true, true],
                    Some(n) => [&a.name == n, &b.name == n],
                },
            })
            .collect();
        Ok(Sim {
            periods: s.periods,
            domains,
            trust: s.trust,
            model: s.model,
            dynamism: s.environment.dynamism,
            integration: s.alliance.governance.integration(),
            interdependence: s.alliance.interdependence,
            age: s.alliance.age,
            rationale: s.rationale(),
            objective: s.alliance.objective.unwrap_or(f64::INFINITY),
            cultural_distance: cd,
            trust1: [
                rules::trust1(a.prior_experience, b.transparency, b.reputation),
                rules::trust1(b.prior_experience, a.transparency, a.reputation),
            ],
            firms: [firm(0), firm(1)],
            shocks,
            names: [a.name.clone(), b.name.clone()],
        })
    }

    /// Number of periods.
    pub fn periods(&self) -> u32 {
        self.periods
    }

    /// Partner names, A then B.
    pub fn names(&self) -> &[String; 2] {
        &self.names
    }

    /// Normalised cultural distance CD / (1 + CD) of the dyad.
    pub fn cultural_distance(&self) -> f64 {
        self.cultural_distance
    }

    /// Dependence of A on B and of B on A.
    fn dependences(&self, firms: &[Firm; 2]) -> [f64; 2] {
        let nd = self.domains;
        [0, 1]
            .map(|i| rules::dependence(&firms[i].knowledge[..nd], &firms[1 - i].knowledge[..nd], self.interdependence))
    }

    /// Runs one replication with the given random stream. When `panel` is given, one row per
    /// period is pushed to it (up to and including the period the alliance ends).
    // Loops over the dyad index both partner `i` and partner `j = 1 - i`; iterators would hide it.
    #[allow(clippy::needless_range_loop)]
    pub fn simulate(&self, rng: &mut ChaCha8Rng, mut panel: Option<&mut Vec<PanelRow>>) -> Outcome {
        let m = &self.model;
        let nd = self.domains;
        let ndf = nd as f64;
        let mut firms = self.firms;
        let mut trust = self.trust1;
        let mut damage = [0.0f64; 2];
        let mut cum_learning = [0.0f64; 2];
        let mut joint_total = 0.0;
        let mut cum_perf = 0.0;
        let mut renegotiations = 0u32;
        let mut dep = self.dependences(&firms);
        // Partners start expecting the cooperation that the other's trust1 implies.
        let mut expected = [0.0f64; 2];
        for i in 0..2 {
            let j = 1 - i;
            let o = rules::opportunism(firms[j].opportunism, self.integration, rules::longevity(f64::from(self.age)));
            expected[i] = rules::cooperation(trust[j], 0.0, o, 0.0);
        }
        let mut agreed_power = rules::power(dep[0], dep[1]);
        let mut status = Status::Active;
        let mut end_period = self.periods;

        for t in 1..=self.periods {
            let lo = rules::longevity(f64::from(self.age + t - 1));

            // Environment: a random shock devalues one domain; scheduled devaluations all of them.
            let u: f64 = rng.random();
            if u < self.dynamism * m.shock_rate {
                let d = rng.random_range(0..nd);
                for f in &mut firms {
                    f.knowledge[d] *= 1.0 - m.shock_depth;
                }
            }
            let mut crisis = [0.0f64; 2];
            let mut extra_opp = [0.0f64; 2];
            for sh in &self.shocks {
                if t < sh.start || t > sh.end {
                    continue;
                }
                for i in 0..2 {
                    if !sh.hits[i] {
                        continue;
                    }
                    match sh.kind {
                        ShockKind::Crisis => crisis[i] += sh.severity,
                        ShockKind::Opportunism => extra_opp[i] += sh.severity,
                        ShockKind::Devaluation if t == sh.start => {
                            for k in &mut firms[i].knowledge[..nd] {
                                *k *= 1.0 - sh.severity;
                            }
                        }
                        ShockKind::Devaluation => {}
                    }
                }
            }

            // Behaviour.
            let mismatched = Quadrant::of(firms[0].explore, firms[1].explore) == Quadrant::Mismatch;
            let lead = [
                cum_learning[1] - cum_learning[0], // B's lead, seen by A
                cum_learning[0] - cum_learning[1],
            ];
            let mut opp = [0.0f64; 2];
            let mut coop = [0.0f64; 2];
            let mut prot = [0.0f64; 2];
            for i in 0..2 {
                let f = &firms[i];
                opp[i] = (rules::opportunism(f.opportunism, self.integration, lo) + extra_opp[i]).min(1.0);
                let noise: f64 = rng.sample::<f64, _>(StandardNormal) * m.noise;
                coop[i] = (rules::cooperation(trust[i], lead[i], opp[i], noise) - crisis[i]).max(0.0);
                prot[i] = rules::protectiveness(
                    f.protectiveness,
                    trust[i],
                    lead[i],
                    dep[i],
                    dep[1 - i],
                    if mismatched { m.mismatch_protection } else { 0.0 },
                );
            }

            // Trust (TR-2 with the P5-P9 drivers).
            for i in 0..2 {
                let j = 1 - i;
                let drivers = Trust2Drivers {
                    opportunism_risk: opp[j],
                    protectiveness: prot[j],
                    interdependence: self.interdependence,
                    longevity: lo,
                    cultural_distance: self.cultural_distance,
                };
                let x = rules::signal_argument(m.goodwill, coop[j], expected[i], &drivers);
                expected[i] = rules::update_expectation(expected[i], coop[j], m.adaptation);
                let s = rules::signal(self.trust.kappa, x);
                (trust[i], damage[i]) = rules::tr2_update(&self.trust, trust[i], damage[i], s, dep[i]);
            }

            // Learning (both directions from the same start-of-period stocks), then joint creation.
            let mut flow = [0.0f64; 2];
            let mut next = [firms[0].knowledge, firms[1].knowledge];
            for i in 0..2 {
                let j = 1 - i;
                let (fi, fj) = (&firms[i], &firms[j]);
                let mut total = 0.0;
                for d in 0..nd {
                    let (own, other) = (fi.knowledge[d], fj.knowledge[d]);
                    let l = rules::learning_flow(
                        m.learning_rate,
                        fi.intent,
                        fi.receptivity,
                        fj.transparency,
                        prot[j],
                        own,
                        other,
                        trust[i],
                    );
                    let kept = if fi.substitution { rules::atrophy(own, other, m.atrophy_rate) } else { own };
                    next[i][d] = kept + l;
                    total += l;
                }
                flow[i] = total / ndf;
                cum_learning[i] += flow[i];
            }
            firms[0].knowledge = next[0];
            firms[1].knowledge = next[1];
            let stock = [
                firms[0].knowledge[..nd].iter().sum::<f64>() / ndf,
                firms[1].knowledge[..nd].iter().sum::<f64>() / ndf,
            ];
            let mean_coop = 0.5 * (coop[0] + coop[1]);
            let mean_trust = 0.5 * (trust[0] + trust[1]);
            let joint = rules::joint_creation(
                m.creation_rate,
                firms[0].explore,
                firms[1].explore,
                stock[0],
                stock[1],
                mean_coop,
                mean_trust,
                self.integration,
            );
            // New knowledge fills the headroom below 1: creation cannot compound without bound,
            // and what counts as created (for learning and performance) is what was added.
            let mut added = 0.0;
            for f in &mut firms {
                for k in &mut f.knowledge[..nd] {
                    let a = joint * (1.0 - *k).max(0.0);
                    *k += a;
                    added += a;
                }
            }
            let joint = added / (2.0 * ndf);
            joint_total += joint;

            // Performance.
            let mean_explore = 0.5 * (firms[0].explore + firms[1].explore);
            let fit = rules::governance_fit(self.integration, mean_explore);
            cum_perf +=
                rules::performance(fit, mean_explore, mean_coop, 0.5 * (stock[0] + stock[1]), joint, m.creation_scale);

            // Dependence, power, the bargain.
            dep = self.dependences(&firms);
            let power_a = rules::power(dep[0], dep[1]);
            if rules::bargain_obsolete(power_a, agreed_power, m.obsolescence) {
                let winner = if power_a > agreed_power { 0 } else { 1 };
                let still_needs =
                    rules::knowledge_gap_share(&firms[winner].knowledge[..nd], &firms[1 - winner].knowledge[..nd]);
                if still_needs < m.exit_dependence {
                    status = Status::PrematureBargainObsolete;
                } else {
                    agreed_power = power_a;
                    renegotiations += 1;
                    status = Status::Renegotiated;
                }
            } else {
                status = Status::Active;
            }

            // Motives: a mismatch drifts toward its rationale with a lag, or ends the alliance.
            if !status.ended() && mismatched {
                for f in &mut firms {
                    f.explore = rules::motive_drift(f.explore, self.rationale, m.motive_lag);
                }
                let h = rules::mismatch_hazard(m.mismatch_hazard, mean_trust);
                let u: f64 = rng.random();
                if u < h {
                    status = Status::PrematureMismatch;
                }
            }
            if !status.ended() && trust[0].min(trust[1]) < m.exit_trust {
                status = Status::PrematureLowTrust;
            }
            if !status.ended() && cum_perf >= self.objective {
                status = Status::ObjectivesMet;
            }

            if let Some(rows) = panel.as_deref_mut() {
                rows.push(PanelRow {
                    period: t,
                    trust,
                    damage,
                    knowledge: stock,
                    learning: flow,
                    power: [power_a, 1.0 - power_a],
                    status,
                });
            }
            if status.ended() {
                end_period = t;
                break;
            }
        }
        Outcome {
            end_period,
            status,
            trust1: self.trust1,
            final_trust: trust,
            learning: cum_learning,
            joint: joint_total,
            performance: cum_perf / f64::from(self.periods),
            renegotiations,
            final_quadrant: Quadrant::of(firms[0].explore, firms[1].explore),
            final_power: rules::power(dep[0], dep[1]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::example;
    use rand::SeedableRng;

    fn run(s: &Scenario, rep: u64) -> (Outcome, Vec<PanelRow>) {
        let sim = Sim::new(s).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        rng.set_stream(rep);
        let mut rows = Vec::new();
        let o = sim.simulate(&mut rng, Some(&mut rows));
        (o, rows)
    }

    #[test]
    fn same_stream_same_path() {
        let s = example("synergies-of-knowledge").unwrap();
        let (a, ra) = run(&s, 3);
        let (b, rb) = run(&s, 3);
        assert_eq!(a, b);
        assert_eq!(ra, rb);
        let (c, _) = run(&s, 4);
        assert_ne!(a, c);
    }

    #[test]
    fn panel_stops_at_termination() {
        let s = example("mismatch-behavioural").unwrap();
        for rep in 0..20 {
            let (o, rows) = run(&s, rep);
            assert_eq!(rows.len() as u32, o.end_period);
            let last = rows.last().unwrap();
            assert_eq!(last.status, o.status);
            assert!(rows[..rows.len() - 1].iter().all(|r| !r.status.ended()));
        }
    }

    #[test]
    fn states_stay_in_range() {
        for (name, _) in crate::scenario::EXAMPLES {
            let s = example(name).unwrap();
            for rep in 0..10 {
                let (_, rows) = run(&s, rep);
                for r in rows {
                    for i in 0..2 {
                        assert!((0.0..=1.0).contains(&r.trust[i]), "{name}");
                        assert!((0.0..=1.0).contains(&r.damage[i]), "{name}");
                        assert!(r.knowledge[i] >= 0.0 && r.learning[i] >= 0.0, "{name}");
                        assert!((0.0..=1.0).contains(&r.power[i]), "{name}");
                    }
                }
            }
        }
    }
}
