//! The rule table: every diagnostic rule of the dyad assessment, in one place.
//!
//! Each [`Rule`] names its inputs, its threshold (the value its test receives), the proposition
//! or theory section behind it, the effect it has on the diagnosis, the finding it reports and
//! the recommendation it makes. [`crate::assess::diagnose`] evaluates every rule on the
//! [`DyadFacts`] and assembles the diagnosis only from the rules that fired; no other code
//! decides anything. `entente assess --rules` prints this table.

use super::diagnosis::{DyadFacts, Quadrant};
use super::scoring::IntentKind;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The proposition or theory section a rule rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Basis {
    /// Mismatch model P1: exploit-match -> low integration.
    P1,
    /// Mismatch model P2: explore-match -> high integration.
    P2,
    /// Mismatch model P3: mismatch -> higher predisposition to failure.
    P3,
    /// Mismatch model P4: matches perform better than mismatches.
    P4,
    /// Mismatch model P5: explore-match -> more dyadic learning than exploit-match.
    P5,
    /// Mismatch model P6: in dynamic environments explore-matches perform better.
    P6,
    /// Mismatch transition (THEORY.md section 2: mismatches are transitional).
    Transition,
    /// Learning race (THEORY.md section 3, Hamel).
    LearningRace,
    /// Trust-building (THEORY.md section 4).
    TrustBuilding,
    /// Measurement quality (not a proposition).
    Measurement,
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Basis::P1 => "P1",
            Basis::P2 => "P2",
            Basis::P3 => "P3",
            Basis::P4 => "P4",
            Basis::P5 => "P5",
            Basis::P6 => "P6",
            Basis::Transition => "THEORY 2 (transition)",
            Basis::LearningRace => "THEORY 3 (learning race)",
            Basis::TrustBuilding => "THEORY 4 (trust-building)",
            Basis::Measurement => "measurement",
        })
    }
}

/// An ordinal grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    /// Low.
    Low,
    /// Moderate.
    Moderate,
    /// High.
    High,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Low => "low",
            Level::Moderate => "moderate",
            Level::High => "high",
        })
    }
}

/// Where a mismatch is predicted to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Resolution {
    /// Economic rationale: toward economies of knowledge.
    TowardEconomies,
    /// Behavioural rationale: toward synergies of knowledge.
    TowardSynergies,
    /// Mixed rationale: no resolution; distrust, protection, failure risk.
    Unresolved,
}

impl fmt::Display for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Resolution::TowardEconomies => "toward economies of knowledge",
            Resolution::TowardSynergies => "toward synergies of knowledge",
            Resolution::Unresolved => "unresolved: high failure risk",
        })
    }
}

/// Governance fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GovernanceFit {
    /// The form fits the quadrant.
    Fits,
    /// More integrated than the quadrant calls for.
    OverIntegrated,
    /// Less integrated than the quadrant calls for.
    UnderIntegrated,
}

/// What a fired rule does to the diagnosis. Grades combine by taking the worst (failure,
/// spiral risk: highest; performance, learning: lowest) over the fired rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    /// Predicted resolution of a mismatch.
    Resolve(Resolution),
    /// Governance fit (P1, P2).
    Governance(GovernanceFit),
    /// Predisposition to failure (P3).
    Failure(Level),
    /// Expected performance (P4, P6).
    Performance(Level),
    /// Expected dyadic learning (P5).
    Learning(Level),
    /// Competency-trap warning (P6).
    CompetencyTrap,
    /// Dependency-spiral risk for the slower learner.
    Spiral(Level),
    /// The quadrant is too close to call.
    Borderline,
    /// A finding with no graded effect.
    Note,
}

/// Who a fired rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Subject {
    /// The alliance as a whole.
    Dyad,
    /// One partner (0 = first file, 1 = second).
    Partner(usize),
}

/// One diagnostic rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable id.
    pub id: &'static str,
    /// Proposition or section behind it.
    pub basis: Basis,
    /// Facts it reads.
    pub inputs: &'static str,
    /// Threshold description and value (passed to `test`); `None` when the rule is categorical.
    pub threshold: Option<(&'static str, f64)>,
    /// Effect on the diagnosis.
    pub effect: Effect,
    /// The finding; `{p}` is replaced by the subject partner, `{o}` by the other partner.
    pub finding: &'static str,
    /// The recommendation, with the same placeholders.
    pub recommendation: &'static str,
    /// Which subjects the rule fires for (empty: it does not fire).
    pub test: fn(&DyadFacts, f64) -> Vec<Subject>,
}

impl Rule {
    /// The subjects this rule fires for on these facts, with the rule's own threshold.
    pub fn fires(&self, facts: &DyadFacts) -> Vec<Subject> {
        (self.test)(facts, self.threshold.map_or(0.0, |t| t.1))
    }
}

fn dyad_if(cond: bool) -> Vec<Subject> {
    if cond {
        vec![Subject::Dyad]
    } else {
        Vec::new()
    }
}

fn partners_where(pred: impl Fn(usize) -> bool) -> Vec<Subject> {
    (0..2).filter(|&i| pred(i)).map(Subject::Partner).collect()
}

/// Index of the slower learner when the learning gap reaches `t`.
fn slower_learner(f: &DyadFacts, t: f64) -> Option<usize> {
    let gap = f.learning[0] - f.learning[1];
    if gap.abs() < t {
        None
    } else if gap > 0.0 {
        Some(1)
    } else {
        Some(0)
    }
}

/// Gap between the learning potentials at which the race counts as asymmetric.
pub const ASYMMETRY_GAP: f64 = 0.15;

/// The rule table.
pub const RULES: &[Rule] = &[
    Rule {
        id: "BORDERLINE",
        basis: Basis::Measurement,
        inputs: "|E| of each partner",
        threshold: Some(("|E| < 0.15", 0.15)),
        effect: Effect::Borderline,
        finding: "{p}'s overall exploitation-exploration index is too close to zero to call: the quadrant is borderline.",
        recommendation: "Discuss {p}'s motives explicitly with both teams before acting on the quadrant; re-assess with more respondents.",
        test: |f, t| partners_where(|i| f.profiles[i].index.abs() < t),
    },
    Rule {
        id: "GOV_P1_FIT",
        basis: Basis::P1,
        inputs: "quadrant, governance form",
        threshold: Some(("integration <= 2 (non-equity JV)", 2.0)),
        effect: Effect::Governance(GovernanceFit::Fits),
        finding: "Both partners exploit and the alliance is loosely integrated, as P1 expects.",
        recommendation: "Keep governance light; write the complementary exchange into the contract.",
        test: |f, t| dyad_if(f.quadrant == Quadrant::EconomiesOfKnowledge && f64::from(f.integration) <= t),
    },
    Rule {
        id: "GOV_P1_OVER",
        basis: Basis::P1,
        inputs: "quadrant, governance form",
        threshold: Some(("integration > 2 (equity JV or more)", 2.0)),
        effect: Effect::Governance(GovernanceFit::OverIntegrated),
        finding: "Both partners exploit, but the alliance is organised as a highly integrated form; P1 expects low integration.",
        recommendation: "Consider a licence or non-equity JV: the complementary exchange needs little joint control, and equity ties add cost.",
        test: |f, t| dyad_if(f.quadrant == Quadrant::EconomiesOfKnowledge && f64::from(f.integration) > t),
    },
    Rule {
        id: "GOV_P2_FIT",
        basis: Basis::P2,
        inputs: "quadrant, governance form",
        threshold: Some(("integration >= 3 (equity JV)", 3.0)),
        effect: Effect::Governance(GovernanceFit::Fits),
        finding: "Both partners explore and the alliance is highly integrated, as P2 expects.",
        recommendation: "Use the joint structure to run the venture as an independent business with its own learning goals.",
        test: |f, t| dyad_if(f.quadrant == Quadrant::SynergiesOfKnowledge && f64::from(f.integration) >= t),
    },
    Rule {
        id: "GOV_P2_UNDER",
        basis: Basis::P2,
        inputs: "quadrant, governance form",
        threshold: Some(("integration < 3 (below equity JV)", 3.0)),
        effect: Effect::Governance(GovernanceFit::UnderIntegrated),
        finding: "Both partners explore, but the alliance is loosely integrated; P2 expects high integration to safeguard deep knowledge exchange.",
        recommendation: "Move toward an equity JV (a minority stake can create mutual destiny) to secure the control and coordination exploration needs.",
        test: |f, t| dyad_if(f.quadrant == Quadrant::SynergiesOfKnowledge && f64::from(f.integration) < t),
    },
    Rule {
        id: "MATCH_P3",
        basis: Basis::P3,
        inputs: "quadrant",
        threshold: None,
        effect: Effect::Failure(Level::Low),
        finding: "The partners' motives match: predisposition to failure is lower than in a mismatch (P3).",
        recommendation: "Keep the shared motive explicit in the alliance's objectives and reviews.",
        test: |f, _| dyad_if(f.quadrant.is_match()),
    },
    Rule {
        id: "MISMATCH_P3",
        basis: Basis::P3,
        inputs: "quadrant",
        threshold: None,
        effect: Effect::Failure(Level::Moderate),
        finding: "{p} explores while {o} exploits: the motives mismatch, which raises the predisposition to failure (P3).",
        recommendation: "Communicate each partner's objectives explicitly and agree which quadrant the alliance is in; structure the venture accordingly.",
        test: |f, _| match f.quadrant {
            Quadrant::Mismatch { explorer } => vec![Subject::Partner(explorer)],
            _ => Vec::new(),
        },
    },
    Rule {
        id: "MATCH_P4",
        basis: Basis::P4,
        inputs: "quadrant",
        threshold: None,
        effect: Effect::Performance(Level::High),
        finding: "Matching motives: the alliance is expected to perform better than a mismatched one (P4).",
        recommendation: "Set performance goals that fit the quadrant (short-term returns for economies, new capabilities for synergies).",
        test: |f, _| dyad_if(f.quadrant.is_match()),
    },
    Rule {
        id: "MISMATCH_P4",
        basis: Basis::P4,
        inputs: "quadrant",
        threshold: None,
        effect: Effect::Performance(Level::Low),
        finding: "Mismatched motives: until the mismatch resolves, the adjustment lag costs performance (P4).",
        recommendation: "Shorten the lag: review motives now rather than waiting for the incongruity to surface in results.",
        test: |f, _| dyad_if(!f.quadrant.is_match()),
    },
    Rule {
        id: "MISMATCH_TO_ECONOMIES",
        basis: Basis::Transition,
        inputs: "quadrant, dyad economic share of rationale",
        threshold: Some(("economic share >= 0.60", 0.60)),
        effect: Effect::Resolve(Resolution::TowardEconomies),
        finding: "The dyad's rationale is economic (TCE, RD, SP): the mismatch is likely to resolve toward economies of knowledge, after a lag.",
        recommendation: "{p} should expect exploration goals to give way to short-term returns; plan for low integration (licence or non-equity JV) once resolved.",
        test: |f, t| match f.quadrant {
            Quadrant::Mismatch { explorer } if f.economic_share >= t => vec![Subject::Partner(explorer)],
            _ => Vec::new(),
        },
    },
    Rule {
        id: "MISMATCH_TO_SYNERGIES",
        basis: Basis::Transition,
        inputs: "quadrant, dyad economic share of rationale",
        threshold: Some(("economic share <= 0.40", 0.40)),
        effect: Effect::Resolve(Resolution::TowardSynergies),
        finding: "The dyad's rationale is behavioural (OL, IT, PE): the mismatch is likely to resolve toward synergies of knowledge, after a lag.",
        recommendation: "{p} (the exploiting partner) can be drawn into joint learning: widen the exchange along the value chain and prepare for higher integration.",
        test: |f, t| match f.quadrant {
            Quadrant::Mismatch { explorer } if f.economic_share <= t => vec![Subject::Partner(1 - explorer)],
            _ => Vec::new(),
        },
    },
    Rule {
        id: "MISMATCH_UNRESOLVED",
        basis: Basis::Transition,
        inputs: "quadrant, dyad economic share of rationale",
        threshold: Some(("0.40 < economic share < 0.60", 0.40)),
        effect: Effect::Failure(Level::High),
        finding: "The dyad's rationale is mixed: no resolution is predicted; expect distrust, protection of knowledge, low learning and a risk of premature termination.",
        recommendation: "Renegotiate the alliance's purpose now, or plan an orderly exit before knowledge protection erodes both partners' gains.",
        test: |f, t| dyad_if(!f.quadrant.is_match() && f.economic_share > t && f.economic_share < 1.0 - t),
    },
    Rule {
        id: "MISMATCH_LEARNING",
        basis: Basis::Transition,
        inputs: "quadrant",
        threshold: None,
        effect: Effect::Learning(Level::Low),
        finding: "While motives mismatch, each partner protects its knowledge against the other, so knowledge transfer stays low.",
        recommendation: "Agree a limited, explicit knowledge-sharing scope both partners can accept during the transition.",
        test: |f, _| dyad_if(!f.quadrant.is_match()),
    },
    Rule {
        id: "P5_SYNERGIES",
        basis: Basis::P5,
        inputs: "quadrant",
        threshold: None,
        effect: Effect::Learning(Level::High),
        finding: "Both partners explore: more dyadic learning is expected than in an exploit-match (P5).",
        recommendation: "Set explicit joint learning goals and measure them.",
        test: |f, _| dyad_if(f.quadrant == Quadrant::SynergiesOfKnowledge),
    },
    Rule {
        id: "P5_ECONOMIES",
        basis: Basis::P5,
        inputs: "quadrant",
        threshold: None,
        effect: Effect::Learning(Level::Moderate),
        finding: "Both partners exploit: the alliance transfers complementary knowledge but is expected to create less new learning than an explore-match (P5).",
        recommendation: "Do not expect new capabilities from this alliance; source them elsewhere.",
        test: |f, _| dyad_if(f.quadrant == Quadrant::EconomiesOfKnowledge),
    },
    Rule {
        id: "P6_COMPETENCY_TRAP",
        basis: Basis::P6,
        inputs: "quadrant, mean dynamism",
        threshold: Some(("dynamism >= 0.60", 0.60)),
        effect: Effect::CompetencyTrap,
        finding: "Both partners exploit in a dynamic environment: routinised exchange risks a competency trap when success criteria change (P6).",
        recommendation: "Add an explorative component (joint scanning, option projects) or shorten the alliance's review cycle.",
        test: |f, t| dyad_if(f.quadrant == Quadrant::EconomiesOfKnowledge && f.dynamism >= t),
    },
    Rule {
        id: "P6_TRAP_PERFORMANCE",
        basis: Basis::P6,
        inputs: "quadrant, mean dynamism",
        threshold: Some(("dynamism >= 0.60", 0.60)),
        effect: Effect::Performance(Level::Moderate),
        finding: "In this dynamic environment an exploit-match is expected to perform worse than an explore-match would (P6).",
        recommendation: "Track whether the alliance's success criteria are shifting; revisit motives if they are.",
        test: |f, t| dyad_if(f.quadrant == Quadrant::EconomiesOfKnowledge && f.dynamism >= t),
    },
    Rule {
        id: "P6_FIT",
        basis: Basis::P6,
        inputs: "quadrant, mean dynamism",
        threshold: Some(("dynamism >= 0.60", 0.60)),
        effect: Effect::Note,
        finding: "Both partners explore in a dynamic environment: the fit P6 expects to perform best.",
        recommendation: "Protect the exploration budget against pressure for short-term returns.",
        test: |f, t| dyad_if(f.quadrant == Quadrant::SynergiesOfKnowledge && f.dynamism >= t),
    },
    Rule {
        id: "RACE_ASYMMETRY",
        basis: Basis::LearningRace,
        inputs: "learning potentials L = intent x receptivity x partner transparency",
        threshold: Some(("|L_A - L_B| >= 0.15", ASYMMETRY_GAP)),
        effect: Effect::Spiral(Level::Moderate),
        finding: "{o} is the faster learner: as it internalises {p}'s skills it needs {p} less, and bargaining power shifts toward {o}.",
        recommendation: "{p}: raise internalisation intent and receptivity (learning goals, benchmarking, internal diffusion) to close the learning gap.",
        test: |f, t| slower_learner(f, t).map(Subject::Partner).into_iter().collect(),
    },
    Rule {
        id: "RACE_DEPENDENCY_SPIRAL",
        basis: Basis::LearningRace,
        inputs: "learning gap, slower learner's transparency",
        threshold: Some(("slower learner's transparency >= 0.60", 0.60)),
        effect: Effect::Spiral(Level::High),
        finding: "{p} learns more slowly and keeps an open membrane: it risks a dependency spiral, revealing ever more to keep {o} interested.",
        recommendation: "{p}: manage the membrane: limit the scope of sharing, release knowledge contingent on {o}'s delivery, appoint gatekeepers.",
        test: |f, t| {
            slower_learner(f, ASYMMETRY_GAP)
                .filter(|&i| f.profiles[i].transparency >= t)
                .map(Subject::Partner)
                .into_iter()
                .collect()
        },
    },
    Rule {
        id: "RACE_CONVERGENT_INTENT",
        basis: Basis::LearningRace,
        inputs: "internalisation intent of both partners",
        threshold: Some(("both internalisation >= 0.67", 0.67)),
        effect: Effect::Note,
        finding: "Both partners intend to internalise each other's skills: the paradox of convergent intentions makes disputes and distrust likely.",
        recommendation: "Make the learning race explicit: agree what each side may learn, and seek divergent long-term goals so the partners learn different things.",
        test: |f, t| dyad_if(f.profiles.iter().all(|p| p.intent.internalisation >= t)),
    },
    Rule {
        id: "RACE_PLACID_DEPENDENCE",
        basis: Basis::LearningRace,
        inputs: "intent of both partners",
        threshold: Some(("internaliser's internalisation >= 0.67", 0.67)),
        effect: Effect::Note,
        finding: "{o} intends to internalise while {p} only seeks access or substitution: the relationship looks placid, but {p}'s dependence deepens unseen.",
        recommendation: "{p}: decide whether the dependence is acceptable long-term; if not, add internalisation goals of your own.",
        test: |f, t| {
            partners_where(|i| {
                f.profiles[i].intent.kind != IntentKind::Internalise
                    && f.profiles[1 - i].intent.internalisation >= t
            })
        },
    },
    Rule {
        id: "RACE_LOW_RECEPTIVITY",
        basis: Basis::LearningRace,
        inputs: "intent kind, receptivity",
        threshold: Some(("receptivity < 0.40", 0.40)),
        effect: Effect::Note,
        finding: "{p} intends to internalise but its receptivity is low: intent alone will not deliver the learning.",
        recommendation: "{p}: invest in receptivity: language and cultural training, benchmarking against {o}, routines to diffuse what is learned.",
        test: |f, t| {
            partners_where(|i| {
                f.profiles[i].intent.kind == IntentKind::Internalise && f.profiles[i].receptivity < t
            })
        },
    },
    Rule {
        id: "TRUST_PRACTICES_LOW",
        basis: Basis::TrustBuilding,
        inputs: "trust-building practices",
        threshold: Some(("trust-building < 0.50", 0.50)),
        effect: Effect::Note,
        finding: "{p} reports few trust-building practices: without trust the alliance needs more resources to monitor and control.",
        recommendation: "{p}: build trust step by step: personal relationships between the people who run the alliance, explained intent, kept commitments, joint adaptation ('trust but verify').",
        test: |f, t| partners_where(|i| f.profiles[i].trust_building < t),
    },
];

/// The rule table as Markdown (rule, basis, inputs, threshold, effect).
pub fn rules_markdown() -> String {
    let mut out = String::from("| rule | proposition | inputs | threshold | effect |\n|---|---|---|---|---|\n");
    let cell = |s: &str| s.replace('|', "\\|");
    for r in RULES {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {:?} |\n",
            r.id,
            r.basis,
            cell(r.inputs),
            cell(r.threshold.map_or("categorical", |t| t.0)),
            r.effect
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    //! One test per rule on a constructed dyad: the rule fires where it should and stays silent
    //! just across its threshold.
    use super::*;
    use crate::assess::answers::GovernanceForm;
    use crate::assess::diagnosis::{diagnose, DyadFacts};
    use crate::assess::scoring::{Intent, PartnerProfile, Rationale, Stance};
    use crate::instruments::dyad::Root;
    use std::collections::BTreeMap;

    #[derive(Clone)]
    struct P {
        name: &'static str,
        index: f64,
        economic: f64,
        internalisation: f64,
        kind: IntentKind,
        transparency: f64,
        receptivity: f64,
        trust: f64,
        dynamism: f64,
    }

    fn p(name: &'static str, index: f64) -> P {
        P {
            name,
            index,
            economic: 0.5,
            internalisation: 0.5,
            kind: IntentKind::Internalise,
            transparency: 0.5,
            receptivity: 0.5,
            trust: 0.7,
            dynamism: 0.3,
        }
    }

    fn profile(x: &P, governance: GovernanceForm) -> PartnerProfile {
        let weights: BTreeMap<Root, f64> = [(Root::Tce, x.economic), (Root::Ol, 1.0 - x.economic)].into();
        PartnerProfile {
            partner: x.name.into(),
            source: format!("{}.toml", x.name),
            governance,
            equity_share: None,
            motives: Vec::new(),
            index: x.index,
            stance: Stance::of(x.index),
            rationale: Rationale { weights, dominant: Root::Tce, economic_share: x.economic },
            dynamism: x.dynamism,
            intent: Intent { internalisation: x.internalisation, access: 0.3, substitution: 0.3, kind: x.kind },
            transparency: x.transparency,
            receptivity: x.receptivity,
            trust_building: x.trust,
            missing: Vec::new(),
            respondents: 1,
            agreement: Vec::new(),
        }
    }

    fn facts(a: &P, b: &P, g: GovernanceForm) -> DyadFacts {
        DyadFacts::new(profile(a, g), profile(b, g)).expect("valid dyad")
    }

    fn fires(id: &str, f: &DyadFacts) -> Vec<Subject> {
        RULES.iter().find(|r| r.id == id).expect("rule exists").fires(f)
    }

    const LIC: GovernanceForm = GovernanceForm::Licensing;
    const NEJV: GovernanceForm = GovernanceForm::NonEquityJv;
    const EJV: GovernanceForm = GovernanceForm::EquityJv;

    #[test]
    fn rule_ids_are_unique_and_every_rule_has_a_test_here() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        let me = include_str!("rules.rs");
        let tests = &me[me.find("mod tests").unwrap_or(0)..];
        for id in ids {
            assert!(tests.matches(&format!("\"{id}\"")).count() >= 2, "rule {id} lacks a test");
        }
    }

    #[test]
    fn borderline() {
        let f = facts(&p("A", 0.1), &p("B", -0.5), EJV);
        assert_eq!(fires("BORDERLINE", &f), vec![Subject::Partner(0)]);
        assert!(diagnose(f).borderline);
        let f = facts(&p("A", 0.2), &p("B", -0.5), EJV);
        assert!(fires("BORDERLINE", &f).is_empty());
    }

    #[test]
    fn gov_p1_fit_and_over() {
        let f = facts(&p("A", -0.6), &p("B", -0.4), NEJV);
        assert_eq!(fires("GOV_P1_FIT", &f), vec![Subject::Dyad]);
        assert!(fires("GOV_P1_OVER", &f).is_empty());
        let f = facts(&p("A", -0.6), &p("B", -0.4), EJV);
        assert!(fires("GOV_P1_FIT", &f).is_empty());
        assert_eq!(fires("GOV_P1_OVER", &f), vec![Subject::Dyad]);
        assert_eq!(diagnose(f).governance_fit, Some(GovernanceFit::OverIntegrated));
    }

    #[test]
    fn gov_p2_fit_and_under() {
        let f = facts(&p("A", 0.6), &p("B", 0.4), EJV);
        assert_eq!(fires("GOV_P2_FIT", &f), vec![Subject::Dyad]);
        assert!(fires("GOV_P2_UNDER", &f).is_empty());
        let f = facts(&p("A", 0.6), &p("B", 0.4), NEJV);
        assert!(fires("GOV_P2_FIT", &f).is_empty());
        assert_eq!(fires("GOV_P2_UNDER", &f), vec![Subject::Dyad]);
        let d = diagnose(f);
        assert_eq!(d.governance_fit, Some(GovernanceFit::UnderIntegrated));
        assert_eq!(d.fitting_forms, vec![EJV, GovernanceForm::MergerAcquisition]);
    }

    #[test]
    fn match_and_mismatch_p3() {
        let m = facts(&p("A", 0.5), &p("B", 0.5), EJV);
        assert_eq!(fires("MATCH_P3", &m), vec![Subject::Dyad]);
        assert!(fires("MISMATCH_P3", &m).is_empty());
        let x = facts(&p("A", -0.5), &p("B", 0.5), EJV);
        assert!(fires("MATCH_P3", &x).is_empty());
        assert_eq!(fires("MISMATCH_P3", &x), vec![Subject::Partner(1)]);
        assert!(diagnose(x).failure > diagnose(m).failure);
    }

    #[test]
    fn match_and_mismatch_p4() {
        let m = facts(&p("A", -0.5), &p("B", -0.5), LIC);
        assert_eq!(fires("MATCH_P4", &m), vec![Subject::Dyad]);
        assert!(fires("MISMATCH_P4", &m).is_empty());
        let x = facts(&p("A", 0.5), &p("B", -0.5), LIC);
        assert_eq!(fires("MISMATCH_P4", &x), vec![Subject::Dyad]);
        assert!(fires("MATCH_P4", &x).is_empty());
        assert!(diagnose(x).performance < diagnose(m).performance);
    }

    #[test]
    fn mismatch_to_economies() {
        let mut a = p("A", 0.5);
        let mut b = p("B", -0.5);
        a.economic = 0.7;
        b.economic = 0.6;
        let f = facts(&a, &b, EJV);
        assert_eq!(fires("MISMATCH_TO_ECONOMIES", &f), vec![Subject::Partner(0)]);
        let d = diagnose(f);
        assert_eq!(d.resolution, Some(Resolution::TowardEconomies));
        assert_eq!(d.fitting_forms, vec![LIC, NEJV]);
        a.economic = 0.55;
        b.economic = 0.55;
        assert!(fires("MISMATCH_TO_ECONOMIES", &facts(&a, &b, EJV)).is_empty());
    }

    #[test]
    fn mismatch_to_synergies() {
        let mut a = p("A", -0.5);
        let mut b = p("B", 0.5);
        a.economic = 0.2;
        b.economic = 0.3;
        let f = facts(&a, &b, EJV);
        // the recommendation addresses the exploiting partner, A
        assert_eq!(fires("MISMATCH_TO_SYNERGIES", &f), vec![Subject::Partner(0)]);
        assert_eq!(diagnose(f).resolution, Some(Resolution::TowardSynergies));
        a.economic = 0.45;
        b.economic = 0.45;
        assert!(fires("MISMATCH_TO_SYNERGIES", &facts(&a, &b, EJV)).is_empty());
    }

    #[test]
    fn mismatch_unresolved() {
        let f = facts(&p("A", -0.5), &p("B", 0.5), EJV);
        assert_eq!(fires("MISMATCH_UNRESOLVED", &f), vec![Subject::Dyad]);
        let d = diagnose(f);
        assert_eq!(d.resolution, Some(Resolution::Unresolved));
        assert_eq!(d.failure, Level::High);
        assert!(d.fitting_forms.is_empty());
        let mut a = p("A", -0.5);
        a.economic = 0.9;
        assert!(fires("MISMATCH_UNRESOLVED", &facts(&a, &p("B", 0.5), EJV)).is_empty());
        // a match is never "unresolved"
        assert!(fires("MISMATCH_UNRESOLVED", &facts(&p("A", 0.5), &p("B", 0.5), EJV)).is_empty());
    }

    #[test]
    fn mismatch_learning() {
        let f = facts(&p("A", -0.5), &p("B", 0.5), EJV);
        assert_eq!(fires("MISMATCH_LEARNING", &f), vec![Subject::Dyad]);
        assert_eq!(diagnose(f).learning, Level::Low);
        assert!(fires("MISMATCH_LEARNING", &facts(&p("A", 0.5), &p("B", 0.5), EJV)).is_empty());
    }

    #[test]
    fn p5_synergies_and_economies() {
        let syn = facts(&p("A", 0.5), &p("B", 0.5), EJV);
        let eco = facts(&p("A", -0.5), &p("B", -0.5), LIC);
        assert_eq!(fires("P5_SYNERGIES", &syn), vec![Subject::Dyad]);
        assert!(fires("P5_SYNERGIES", &eco).is_empty());
        assert_eq!(fires("P5_ECONOMIES", &eco), vec![Subject::Dyad]);
        assert!(fires("P5_ECONOMIES", &syn).is_empty());
        assert!(diagnose(syn).learning > diagnose(eco).learning);
    }

    #[test]
    fn p6_competency_trap() {
        let mut a = p("A", -0.5);
        let mut b = p("B", -0.5);
        a.dynamism = 0.7;
        b.dynamism = 0.6;
        let f = facts(&a, &b, LIC);
        assert_eq!(fires("P6_COMPETENCY_TRAP", &f), vec![Subject::Dyad]);
        assert_eq!(fires("P6_TRAP_PERFORMANCE", &f), vec![Subject::Dyad]);
        let d = diagnose(f);
        assert!(d.competency_trap);
        assert_eq!(d.performance, Level::Moderate);
        b.dynamism = 0.4;
        let calm = facts(&a, &b, LIC);
        assert!(fires("P6_COMPETENCY_TRAP", &calm).is_empty());
        assert!(fires("P6_TRAP_PERFORMANCE", &calm).is_empty());
        assert!(!diagnose(calm).competency_trap);
    }

    #[test]
    fn p6_fit() {
        let mut a = p("A", 0.5);
        let mut b = p("B", 0.5);
        a.dynamism = 0.8;
        b.dynamism = 0.6;
        assert_eq!(fires("P6_FIT", &facts(&a, &b, EJV)), vec![Subject::Dyad]);
        b.dynamism = 0.3;
        assert!(fires("P6_FIT", &facts(&a, &b, EJV)).is_empty());
    }

    #[test]
    fn race_asymmetry() {
        let mut a = p("A", 0.5);
        a.internalisation = 1.0;
        a.receptivity = 1.0;
        let b = p("B", 0.5);
        // L_A = 1 * 1 * 0.5 = 0.5, L_B = 0.5 * 0.5 * 0.5 = 0.125: B is slower
        let f = facts(&a, &b, EJV);
        assert_eq!(fires("RACE_ASYMMETRY", &f), vec![Subject::Partner(1)]);
        let d = diagnose(f);
        assert_eq!(d.learning_balance.faster.as_deref(), Some("A"));
        assert_eq!(d.learning_balance.spiral_risk, Level::Moderate);
        assert!(fires("RACE_ASYMMETRY", &facts(&p("A", 0.5), &p("B", 0.5), EJV)).is_empty());
    }

    #[test]
    fn race_dependency_spiral() {
        let mut a = p("A", 0.5);
        a.internalisation = 1.0;
        a.receptivity = 1.0;
        let mut b = p("B", 0.5);
        b.transparency = 0.8;
        let f = facts(&a, &b, EJV);
        assert_eq!(fires("RACE_DEPENDENCY_SPIRAL", &f), vec![Subject::Partner(1)]);
        assert_eq!(diagnose(f).learning_balance.spiral_risk, Level::High);
        b.transparency = 0.5;
        assert!(fires("RACE_DEPENDENCY_SPIRAL", &facts(&a, &b, EJV)).is_empty());
    }

    #[test]
    fn race_convergent_intent() {
        let mut a = p("A", 0.5);
        let mut b = p("B", 0.5);
        a.internalisation = 0.8;
        b.internalisation = 0.7;
        assert_eq!(fires("RACE_CONVERGENT_INTENT", &facts(&a, &b, EJV)), vec![Subject::Dyad]);
        b.internalisation = 0.6;
        assert!(fires("RACE_CONVERGENT_INTENT", &facts(&a, &b, EJV)).is_empty());
    }

    #[test]
    fn race_placid_dependence() {
        let mut a = p("A", 0.5);
        a.internalisation = 0.8;
        let mut b = p("B", 0.5);
        b.kind = IntentKind::Substitute;
        assert_eq!(fires("RACE_PLACID_DEPENDENCE", &facts(&a, &b, EJV)), vec![Subject::Partner(1)]);
        b.kind = IntentKind::Internalise;
        assert!(fires("RACE_PLACID_DEPENDENCE", &facts(&a, &b, EJV)).is_empty());
    }

    #[test]
    fn race_low_receptivity() {
        let mut a = p("A", 0.5);
        a.receptivity = 0.3;
        let f = facts(&a, &p("B", 0.5), EJV);
        assert_eq!(fires("RACE_LOW_RECEPTIVITY", &f), vec![Subject::Partner(0)]);
        a.kind = IntentKind::Access;
        assert!(fires("RACE_LOW_RECEPTIVITY", &facts(&a, &p("B", 0.5), EJV)).is_empty());
    }

    #[test]
    fn trust_practices_low() {
        let mut b = p("B", 0.5);
        b.trust = 0.4;
        let f = facts(&p("A", 0.5), &b, EJV);
        assert_eq!(fires("TRUST_PRACTICES_LOW", &f), vec![Subject::Partner(1)]);
        let d = diagnose(f);
        let finding = d.findings.iter().find(|x| x.rule == "TRUST_PRACTICES_LOW").expect("fired");
        assert!(finding.recommendation.starts_with("B:"));
        b.trust = 0.6;
        assert!(fires("TRUST_PRACTICES_LOW", &facts(&p("A", 0.5), &b, EJV)).is_empty());
    }

    #[test]
    fn same_partner_and_governance_disagreement_are_refused() {
        let err = DyadFacts::new(profile(&p("Acme", 0.5), EJV), profile(&p("acme ", 0.5), EJV)).unwrap_err();
        assert!(err.to_string().contains("`Acme`"));
        let err = DyadFacts::new(profile(&p("A", 0.5), EJV), profile(&p("B", 0.5), LIC)).unwrap_err();
        assert!(err.to_string().contains("A.toml") && err.to_string().contains("licensing"));
    }

    #[test]
    fn lag_grows_with_distance() {
        use crate::assess::diagnosis::{lag_of, Lag};
        assert_eq!(lag_of(0.3), Lag::Short);
        assert_eq!(lag_of(0.8), Lag::Medium);
        assert_eq!(lag_of(1.5), Lag::Long);
    }
}
