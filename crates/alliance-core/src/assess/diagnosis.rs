//! The dyad diagnosis: facts from two scored partners, the rule table applied to them, and the
//! diagnosis assembled from the rules that fired.
//!
//! Facts: the **quadrant** from the signs of the two overall indices (both < 0: economies of
//! knowledge; both >= 0: synergies of knowledge; otherwise a mismatch, named by the exploring
//! partner); the **match score** $1 - |E_A - E_B|/2 \in [0, 1]$; the dyad's **economic share** of
//! rationale (both partners' root weights pooled); mean **dynamism**; and the **learning
//! potentials** $L_A = q_A \rho_A \tau_B$, $L_B = q_B \rho_B \tau_A$.
//!
//! The mismatch **lag** is graded from the distance between the partners' indices: the further
//! apart, the more the partners must adjust before the mismatch resolves (THEORY.md says only
//! that resolution takes time; the grading is Entente's): $|E_A - E_B| <$ [`LAG_SHORT_BELOW`]
//! short, $<$ [`LAG_MEDIUM_BELOW`] medium, otherwise long.

use super::answers::GovernanceForm;
use super::rules::{Effect, GovernanceFit, Level, Resolution, Subject, RULES};
use super::scoring::{learning_potential, PartnerProfile};
use crate::error::AssessError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Index distance below which a mismatch's lag is short.
pub const LAG_SHORT_BELOW: f64 = 0.5;
/// Index distance below which a mismatch's lag is medium (otherwise long).
pub const LAG_MEDIUM_BELOW: f64 = 1.0;

/// The four cells of the partner dyad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quadrant {
    /// Both exploit.
    EconomiesOfKnowledge,
    /// Both explore.
    SynergiesOfKnowledge,
    /// One explores (index of the explorer: 0 or 1), the other exploits.
    Mismatch {
        /// Which partner explores.
        explorer: usize,
    },
}

impl Quadrant {
    /// Quadrant from the two overall indices.
    pub fn of(a: f64, b: f64) -> Self {
        match (a >= 0.0, b >= 0.0) {
            (false, false) => Quadrant::EconomiesOfKnowledge,
            (true, true) => Quadrant::SynergiesOfKnowledge,
            (true, false) => Quadrant::Mismatch { explorer: 0 },
            (false, true) => Quadrant::Mismatch { explorer: 1 },
        }
    }

    /// Economies or synergies of knowledge.
    pub fn is_match(self) -> bool {
        !matches!(self, Quadrant::Mismatch { .. })
    }
}

impl fmt::Display for Quadrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Quadrant::EconomiesOfKnowledge => "economies of knowledge (both exploit)",
            Quadrant::SynergiesOfKnowledge => "synergies of knowledge (both explore)",
            Quadrant::Mismatch { .. } => "mismatch (one explores, one exploits)",
        })
    }
}

/// Everything the rules read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DyadFacts {
    /// The two scored partners, in input order.
    pub profiles: [PartnerProfile; 2],
    /// Quadrant.
    pub quadrant: Quadrant,
    /// $1 - |E_A - E_B|/2$.
    pub match_score: f64,
    /// Pooled economic share of rationale, in [0, 1].
    pub economic_share: f64,
    /// Mean dynamism, in [0, 1].
    pub dynamism: f64,
    /// Learning potentials of partner 0 and 1.
    pub learning: [f64; 2],
    /// Integration level of the governance form, 1-4.
    pub integration: u8,
    /// Governance form.
    pub governance: GovernanceForm,
}

impl DyadFacts {
    /// Facts from two profiles; refuses partners with the same name or disagreeing governance.
    pub fn new(a: PartnerProfile, b: PartnerProfile) -> Result<Self, AssessError> {
        if a.partner.trim().eq_ignore_ascii_case(b.partner.trim()) {
            return Err(AssessError::SamePartner { name: a.partner.clone() });
        }
        if a.governance != b.governance {
            return Err(AssessError::GovernanceDisagreement {
                first: a.source.clone(),
                first_form: a.governance.key().into(),
                second: b.source.clone(),
                second_form: b.governance.key().into(),
            });
        }
        if let (Some(x), Some(y)) = (a.equity_share, b.equity_share) {
            if x + y > 1.0 + 1e-9 {
                return Err(AssessError::EquityShares {
                    first: a.source.clone(),
                    second: b.source.clone(),
                    total: x + y,
                });
            }
        }
        let total_a: f64 = a.rationale.weights.values().sum();
        let total_b: f64 = b.rationale.weights.values().sum();
        let economic_share =
            (a.rationale.economic_share * total_a + b.rationale.economic_share * total_b) / (total_a + total_b);
        let learning = [
            learning_potential(a.intent.internalisation, a.receptivity, b.transparency),
            learning_potential(b.intent.internalisation, b.receptivity, a.transparency),
        ];
        Ok(DyadFacts {
            quadrant: Quadrant::of(a.index, b.index),
            match_score: 1.0 - (a.index - b.index).abs() / 2.0,
            economic_share,
            dynamism: (a.dynamism + b.dynamism) / 2.0,
            learning,
            integration: a.governance.integration(),
            governance: a.governance,
            profiles: [a, b],
        })
    }
}

/// A fired rule, with its text filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule id.
    pub rule: String,
    /// Proposition or section.
    pub basis: String,
    /// Partner the finding is about, if any.
    pub partner: Option<String>,
    /// The finding.
    pub finding: String,
    /// The recommendation tied to it.
    pub recommendation: String,
}

/// Lag before a mismatch resolves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lag {
    /// Partners close together.
    Short,
    /// Moderately apart.
    Medium,
    /// Far apart.
    Long,
}

impl fmt::Display for Lag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lag::Short => "short",
            Lag::Medium => "medium",
            Lag::Long => "long",
        })
    }
}

/// Lag grade from the index distance (see the module docs).
pub fn lag_of(distance: f64) -> Lag {
    if distance < LAG_SHORT_BELOW {
        Lag::Short
    } else if distance < LAG_MEDIUM_BELOW {
        Lag::Medium
    } else {
        Lag::Long
    }
}

/// Learning balance between the partners.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearningBalance {
    /// Learning potential per partner, in input order.
    pub potentials: [f64; 2],
    /// Faster learner, when the race is asymmetric.
    pub faster: Option<String>,
    /// Dependency-spiral risk for the slower learner.
    pub spiral_risk: Level,
}

/// The assembled diagnosis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// Facts the rules read.
    pub facts: DyadFacts,
    /// Some partner's index is too close to zero to call.
    pub borderline: bool,
    /// Predicted resolution of a mismatch.
    pub resolution: Option<Resolution>,
    /// Lag of the resolution.
    pub lag: Option<Lag>,
    /// Governance fit; `None` for a mismatch (P1 and P2 are about matches).
    pub governance_fit: Option<GovernanceFit>,
    /// Governance forms that fit the (expected) quadrant.
    pub fitting_forms: Vec<GovernanceForm>,
    /// Predisposition to failure (P3).
    pub failure: Level,
    /// Expected performance (P4, P6).
    pub performance: Level,
    /// Expected dyadic learning (P5).
    pub learning: Level,
    /// Competency-trap warning (P6).
    pub competency_trap: bool,
    /// Learning race.
    pub learning_balance: LearningBalance,
    /// Fired rules, in table order.
    pub findings: Vec<Finding>,
}

/// Evaluate the rule table on the facts and assemble the diagnosis.
pub fn diagnose(facts: DyadFacts) -> Diagnosis {
    let names = [facts.profiles[0].partner.clone(), facts.profiles[1].partner.clone()];
    let mut d = Diagnosis {
        borderline: false,
        resolution: None,
        lag: None,
        governance_fit: None,
        fitting_forms: Vec::new(),
        failure: Level::Low,
        performance: Level::High,
        learning: Level::High,
        competency_trap: false,
        learning_balance: LearningBalance { potentials: facts.learning, faster: None, spiral_risk: Level::Low },
        findings: Vec::new(),
        facts,
    };
    for rule in RULES {
        let subjects = rule.fires(&d.facts);
        for subject in &subjects {
            let (partner, other) = match *subject {
                Subject::Dyad => (None, None),
                Subject::Partner(i) => (Some(names[i].clone()), Some(names[1 - i].clone())),
            };
            let fill = |s: &str| {
                s.replace("{p}", partner.as_deref().unwrap_or("the partner"))
                    .replace("{o}", other.as_deref().unwrap_or("the other partner"))
            };
            d.findings.push(Finding {
                rule: rule.id.to_string(),
                basis: rule.basis.to_string(),
                partner: partner.clone(),
                finding: fill(rule.finding),
                recommendation: fill(rule.recommendation),
            });
            if let (Effect::Spiral(_), Subject::Partner(slow)) = (rule.effect, subject) {
                d.learning_balance.faster = Some(names[1 - slow].clone());
            }
        }
        if subjects.is_empty() {
            continue;
        }
        match rule.effect {
            Effect::Resolve(r) => d.resolution = Some(r),
            Effect::Governance(g) => d.governance_fit = Some(g),
            Effect::Failure(l) => d.failure = d.failure.max(l),
            Effect::Performance(l) => d.performance = d.performance.min(l),
            Effect::Learning(l) => d.learning = d.learning.min(l),
            Effect::CompetencyTrap => d.competency_trap = true,
            Effect::Borderline => d.borderline = true,
            Effect::Spiral(l) => d.learning_balance.spiral_risk = d.learning_balance.spiral_risk.max(l),
            Effect::Note => {}
        }
    }
    if !d.facts.quadrant.is_match() && d.resolution.is_none() {
        d.resolution = Some(Resolution::Unresolved);
    }
    if d.resolution.is_some() {
        d.lag = Some(lag_of((d.facts.profiles[0].index - d.facts.profiles[1].index).abs()));
    }
    let low = vec![GovernanceForm::Licensing, GovernanceForm::NonEquityJv];
    let high = vec![GovernanceForm::EquityJv, GovernanceForm::MergerAcquisition];
    d.fitting_forms = match (d.facts.quadrant, d.resolution) {
        (Quadrant::EconomiesOfKnowledge, _) | (_, Some(Resolution::TowardEconomies)) => low,
        (Quadrant::SynergiesOfKnowledge, _) | (_, Some(Resolution::TowardSynergies)) => high,
        _ => Vec::new(),
    };
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadrant_from_signs() {
        assert_eq!(Quadrant::of(-0.2, -0.9), Quadrant::EconomiesOfKnowledge);
        assert_eq!(Quadrant::of(0.2, 0.0), Quadrant::SynergiesOfKnowledge);
        assert_eq!(Quadrant::of(0.3, -0.3), Quadrant::Mismatch { explorer: 0 });
        assert_eq!(Quadrant::of(-0.3, 0.3), Quadrant::Mismatch { explorer: 1 });
        assert!(!Quadrant::of(-0.3, 0.3).is_match());
    }

    #[test]
    fn lag_boundaries() {
        assert_eq!(lag_of(LAG_SHORT_BELOW - 1e-9), Lag::Short);
        assert_eq!(lag_of(LAG_SHORT_BELOW), Lag::Medium);
        assert_eq!(lag_of(LAG_MEDIUM_BELOW), Lag::Long);
    }
}
