//! Scoring one partner: motive indices, rationale, Hamel's determinants, learning potential.
//!
//! All item answers are first keyed (`8 - x` for reverse-keyed items).
//!
//! - **Motive index** $e_m = (\bar x_m - 4)/3 \in [-1, 1]$ from the motive's two placement items:
//!   -1 pure exploitation, +1 pure exploration.
//! - **Importance weight** $w_m = (imp_m - 1)/6 \in [0, 1]$.
//! - **Overall index** $E = \sum_m w_m e_m / \sum_m w_m$ (importance-weighted mean).
//! - **Rationale**: each motive's weight is split equally over its theoretical roots
//!   (THEORY.md section 2 table); the root with the largest total is the dominant rationale, and
//!   the economic share is the weight on TCE, RD, SP over the total.
//! - **Construct scores** (dynamism, intent, transparency, receptivity, trust-building):
//!   $(\bar x - 1)/6 \in [0, 1]$ over the answered items.
//! - **Learning potential** of partner $i$ learning from partner $j$:
//!   $L_i = q_i \cdot \rho_i \cdot \tau_j$ with $q_i$ the internalisation intent, $\rho_i$ the
//!   receptivity of $i$ and $\tau_j$ the transparency of $j$, all in [0, 1]. The product encodes
//!   Hamel's reading that intent is the foundation: without internalisation intent, or without
//!   receptivity, or facing an opaque partner, little is learned whatever the other two.
//!
//! Missing answers: a construct is scored on its answered items when at least half of them
//! ([`MIN_ANSWERED_SHARE`]) are answered, and refused otherwise; a motive needs its importance and
//! at least one placement item, and at least [`MIN_MOTIVES`] of the seven motives must be scored.
//! Every missing answer is reported in [`PartnerProfile::missing`].

use super::answers::{Agreement, GovernanceForm, PartnerAnswers};
use crate::error::AssessError;
use crate::instruments::dyad::{Motive, RationaleClass, Root};
use crate::instruments::{Instrument, SCALE_MID, SCALE_MIN};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Share of a construct's items that must be answered for it to be scored.
pub const MIN_ANSWERED_SHARE: f64 = 0.5;
/// Motives (of seven) that must be scorable for the overall index.
pub const MIN_MOTIVES: usize = 4;

/// One scored motive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MotiveScore {
    /// Which motive.
    pub motive: Motive,
    /// Importance answer, 1-7.
    pub importance: f64,
    /// Importance weight in [0, 1].
    pub weight: f64,
    /// Exploitation (-1) to exploration (+1).
    pub index: f64,
}

/// The partner's stance from the sign of its overall index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stance {
    /// Overall index below zero.
    Exploitation,
    /// Overall index zero or above.
    Exploration,
}

impl Stance {
    /// Stance of an overall index.
    pub fn of(index: f64) -> Self {
        if index < 0.0 {
            Stance::Exploitation
        } else {
            Stance::Exploration
        }
    }
}

impl fmt::Display for Stance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stance::Exploitation => "exploitation",
            Stance::Exploration => "exploration",
        })
    }
}

/// The partner's rationale from its motives' roots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rationale {
    /// Importance weight per root.
    pub weights: BTreeMap<Root, f64>,
    /// Root with the largest weight.
    pub dominant: Root,
    /// Economic (TCE, RD, SP) weight over total weight, in [0, 1].
    pub economic_share: f64,
}

impl Rationale {
    /// Class of the larger side (economic on ties).
    pub fn class(&self) -> RationaleClass {
        if self.economic_share >= 0.5 {
            RationaleClass::Economic
        } else {
            RationaleClass::Behavioural
        }
    }
}

/// Kind of learning intent (Hamel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IntentKind {
    /// Acquire the partner's skills.
    Internalise,
    /// Avoid investment and share risk; use access only.
    Access,
    /// Use the partner's skills instead of building one's own.
    Substitute,
}

impl fmt::Display for IntentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IntentKind::Internalise => "internalise",
            IntentKind::Access => "access",
            IntentKind::Substitute => "substitute",
        })
    }
}

/// Intent scores in [0, 1] and the resulting kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    /// Internalisation intent (mean of the two internalise items).
    pub internalisation: f64,
    /// Access (avoidance) intent.
    pub access: f64,
    /// Substitution intent.
    pub substitution: f64,
    /// The strongest of the three (internalise wins ties, then substitute).
    pub kind: IntentKind,
}

/// A scored partner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerProfile {
    /// Partner name.
    pub partner: String,
    /// Answers source.
    pub source: String,
    /// Governance form reported.
    pub governance: GovernanceForm,
    /// Equity share, if reported.
    pub equity_share: Option<f64>,
    /// Scored motives.
    pub motives: Vec<MotiveScore>,
    /// Overall exploitation-exploration index in [-1, 1].
    pub index: f64,
    /// Stance from the index sign.
    pub stance: Stance,
    /// Dominant rationale.
    pub rationale: Rationale,
    /// Environmental dynamism in [0, 1].
    pub dynamism: f64,
    /// Learning intent.
    pub intent: Intent,
    /// Own transparency in [0, 1] (high = open membrane).
    pub transparency: f64,
    /// Receptivity in [0, 1].
    pub receptivity: f64,
    /// Trust-building practices in [0, 1].
    pub trust_building: f64,
    /// Item ids not answered.
    pub missing: Vec<String>,
    /// Respondents aggregated.
    pub respondents: usize,
    /// Inter-rater agreement per construct (CSV input).
    pub agreement: Vec<Agreement>,
}

/// $(\bar x - 1)/6$: a 1-7 mean mapped to [0, 1].
pub fn unit(mean: f64) -> f64 {
    (mean - SCALE_MIN) / 6.0
}

/// $(\bar x - 4)/3$: a 1-7 mean mapped to [-1, 1].
pub fn bipolar(mean: f64) -> f64 {
    (mean - SCALE_MID) / 3.0
}

/// Learning potential $L = q \cdot \rho \cdot \tau_{partner}$ (see the module docs).
pub fn learning_potential(internalisation: f64, receptivity: f64, partner_transparency: f64) -> f64 {
    internalisation * receptivity * partner_transparency
}

struct Scorer<'a> {
    answers: &'a PartnerAnswers,
    inst: &'a Instrument,
}

impl Scorer<'_> {
    /// Mean keyed answer over the given items, refusing when fewer than half are answered.
    fn mean_of(&self, construct: &str, ids: &[&str]) -> Result<f64, AssessError> {
        let mut given = Vec::new();
        for id in ids {
            if let (Some(item), Some(&x)) = (self.inst.item(id), self.answers.answers.get(*id)) {
                given.push(item.keyed(x));
            }
        }
        let needed = ((ids.len() as f64 * MIN_ANSWERED_SHARE).ceil() as usize).max(1);
        if given.len() < needed {
            return Err(AssessError::TooFewAnswers {
                source_name: self.answers.source.clone(),
                construct: construct.into(),
                answered: given.len(),
                total: ids.len(),
                needed,
            });
        }
        Ok(given.iter().sum::<f64>() / given.len() as f64)
    }

    fn construct_mean(&self, construct: &str) -> Result<f64, AssessError> {
        let c = self
            .inst
            .construct(construct)
            .ok_or_else(|| AssessError::UnknownItem { source_name: "instrument".into(), item: construct.into() })?;
        let ids: Vec<&str> = c.items.iter().map(|i| i.id.as_str()).collect();
        self.mean_of(construct, &ids)
    }
}

/// Score one partner's answers.
pub fn score_partner(answers: &PartnerAnswers, inst: &Instrument) -> Result<PartnerProfile, AssessError> {
    let s = Scorer { answers, inst };
    let missing: Vec<String> =
        inst.items().filter(|i| !answers.answers.contains_key(&i.id)).map(|i| i.id.clone()).collect();

    let mut motives = Vec::new();
    for m in Motive::ALL {
        let [imp, x1, x2] = m.item_ids();
        let Some(&importance) = answers.answers.get(&imp) else {
            continue;
        };
        let Ok(mean) = s.mean_of(m.code(), &[&x1, &x2]) else {
            continue;
        };
        motives.push(MotiveScore { motive: m, importance, weight: unit(importance), index: bipolar(mean) });
    }
    if motives.len() < MIN_MOTIVES {
        return Err(AssessError::TooFewAnswers {
            source_name: answers.source.clone(),
            construct: "motives".into(),
            answered: motives.len(),
            total: Motive::ALL.len(),
            needed: MIN_MOTIVES,
        });
    }
    let total_weight: f64 = motives.iter().map(|m| m.weight).sum();
    if total_weight <= 0.0 {
        return Err(AssessError::NoImportantMotive { source_name: answers.source.clone() });
    }
    let index = motives.iter().map(|m| m.weight * m.index).sum::<f64>() / total_weight;

    let mut weights: BTreeMap<Root, f64> = Root::ALL.iter().map(|&r| (r, 0.0)).collect();
    for ms in &motives {
        let roots = ms.motive.roots();
        for r in roots {
            *weights.entry(*r).or_insert(0.0) += ms.weight / roots.len() as f64;
        }
    }
    let dominant =
        weights.iter().fold((Root::Tce, f64::NEG_INFINITY), |best, (&r, &w)| if w > best.1 { (r, w) } else { best }).0;
    let economic: f64 = weights.iter().filter(|(r, _)| r.class() == RationaleClass::Economic).map(|(_, w)| w).sum();
    let rationale = Rationale { weights, dominant, economic_share: economic / total_weight };

    let internalisation = unit(s.mean_of("INT", &["INT_INTERNALISE_1", "INT_INTERNALISE_2"])?);
    let access = unit(s.mean_of("INT", &["INT_ACCESS"])?);
    let substitution = unit(s.mean_of("INT", &["INT_SUBSTITUTE"])?);
    let kind = if internalisation >= access && internalisation >= substitution {
        IntentKind::Internalise
    } else if substitution >= access {
        IntentKind::Substitute
    } else {
        IntentKind::Access
    };

    Ok(PartnerProfile {
        partner: answers.partner.clone(),
        source: answers.source.clone(),
        governance: answers.governance,
        equity_share: answers.equity_share,
        motives,
        index,
        stance: Stance::of(index),
        rationale,
        dynamism: unit(s.construct_mean("ENV")?),
        intent: Intent { internalisation, access, substitution, kind },
        transparency: unit(s.construct_mean("TRN")?),
        receptivity: unit(s.construct_mean("REC")?),
        trust_building: unit(s.construct_mean("TBP")?),
        missing,
        respondents: answers.respondents,
        agreement: answers.agreement.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instruments::dyad::dyad_instrument;

    fn answers(pairs: &[(&str, f64)]) -> PartnerAnswers {
        PartnerAnswers {
            source: "t.toml".into(),
            partner: "T".into(),
            governance: GovernanceForm::EquityJv,
            equity_share: None,
            answers: pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            respondents: 1,
            agreement: Vec::new(),
        }
    }

    fn full(motive_x1: f64, motive_x2: f64) -> Vec<(String, f64)> {
        let inst = dyad_instrument();
        inst.items()
            .map(|i| {
                let v = if i.id.ends_with("_X1") {
                    motive_x1
                } else if i.id.ends_with("_X2") {
                    motive_x2
                } else {
                    4.0
                };
                (i.id.clone(), v)
            })
            .collect()
    }

    fn to_answers(v: &[(String, f64)]) -> PartnerAnswers {
        let pairs: Vec<(&str, f64)> = v.iter().map(|(k, x)| (k.as_str(), *x)).collect();
        answers(&pairs)
    }

    #[test]
    fn reverse_item_is_keyed_before_the_index() {
        // X1 = 7 (exploration) and X2 = 1 (reverse: exploration) -> index +1
        let p = score_partner(&to_answers(&full(7.0, 1.0)), &dyad_instrument()).expect("scores");
        assert!((p.index - 1.0).abs() < 1e-12);
        assert_eq!(p.stance, Stance::Exploration);
        let q = score_partner(&to_answers(&full(1.0, 7.0)), &dyad_instrument()).expect("scores");
        assert!((q.index + 1.0).abs() < 1e-12);
    }

    #[test]
    fn overall_index_is_importance_weighted() {
        let mut v = full(7.0, 1.0);
        for (k, x) in v.iter_mut() {
            *x = match k.as_str() {
                "RCS_IMP" => 7.0,
                "TKC_IMP" => 4.0,
                "RCS_X1" => 1.0,
                "RCS_X2" => 7.0,
                _ if k.ends_with("_IMP") => 1.0,
                _ => *x,
            };
        }
        let p = score_partner(&to_answers(&v), &dyad_instrument()).expect("scores");
        // RCS: weight 1, index -1; TKC: weight 0.5, index +1; others weight 0
        assert!((p.index - (-1.0 + 0.5) / 1.5).abs() < 1e-12);
        // roots: RCS -> TCE 1; TKC -> TCE 0.25, OL 0.25
        assert_eq!(p.rationale.dominant, Root::Tce);
        assert!((p.rationale.economic_share - 1.25 / 1.5).abs() < 1e-12);
    }

    #[test]
    fn too_few_motives_are_refused_and_some_missing_are_reported() {
        let mut v = full(5.0, 3.0);
        v.retain(|(k, _)| !(k.starts_with("RCS") || k.starts_with("TKC") || k.starts_with("SHC")));
        let p = score_partner(&to_answers(&v), &dyad_instrument()).expect("4 motives remain");
        assert_eq!(p.motives.len(), 4);
        assert_eq!(p.missing.len(), 9);
        v.retain(|(k, _)| !k.starts_with("MKT"));
        let err = score_partner(&to_answers(&v), &dyad_instrument()).unwrap_err();
        assert!(matches!(err, AssessError::TooFewAnswers { ref construct, .. } if construct == "motives"));
    }

    #[test]
    fn construct_with_too_few_items_is_refused() {
        let mut v = full(5.0, 3.0);
        v.retain(|(k, _)| !(k == "TRN_SCOPE" || k == "TRN_CONTINGENT" || k == "TRN_GATEKEEPERS"));
        let err = score_partner(&to_answers(&v), &dyad_instrument()).unwrap_err();
        assert!(err.to_string().contains("`TRN`"), "{err}");
    }

    #[test]
    fn no_important_motive_is_refused() {
        let mut v = full(5.0, 3.0);
        for (k, x) in v.iter_mut() {
            if k.ends_with("_IMP") {
                *x = 1.0;
            }
        }
        let err = score_partner(&to_answers(&v), &dyad_instrument()).unwrap_err();
        assert!(matches!(err, AssessError::NoImportantMotive { .. }));
    }

    #[test]
    fn learning_potential_vanishes_without_intent() {
        assert!(learning_potential(0.0, 1.0, 1.0).abs() < 1e-12);
        assert!((learning_potential(0.5, 0.5, 1.0) - 0.25).abs() < 1e-12);
    }
}
