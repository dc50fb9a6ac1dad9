//! Invariants of scoring and diagnosis on random answers.

use alliance_core::assess::answers::{rwg_j, GovernanceForm, PartnerAnswers};
use alliance_core::assess::{assess_answers, Quadrant};
use alliance_core::instruments::dyad::dyad_instrument;
use proptest::prelude::*;

fn partner(name: &str, values: &[u8]) -> PartnerAnswers {
    let inst = dyad_instrument();
    PartnerAnswers {
        source: format!("{name}.toml"),
        partner: name.into(),
        governance: GovernanceForm::EquityJv,
        equity_share: None,
        answers: inst.items().zip(values).map(|(i, &v)| (i.id.clone(), f64::from(v))).collect(),
        respondents: 1,
        agreement: Vec::new(),
    }
}

fn n_items() -> usize {
    dyad_instrument().items().count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn scores_stay_in_range_and_swapping_partners_mirrors_the_diagnosis(
        a in prop::collection::vec(1u8..=7, n_items()),
        b in prop::collection::vec(1u8..=7, n_items()),
    ) {
        let (pa, pb) = (partner("A", &a), partner("B", &b));
        // all importances could be 1 by chance: then scoring refuses, which is correct
        let Ok(ab) = assess_answers(&pa, &pb) else { return Ok(()) };
        let ba = assess_answers(&pb, &pa).expect("same answers, other order");
        for p in &ab.facts.profiles {
            prop_assert!((-1.0..=1.0).contains(&p.index));
            for s in [p.dynamism, p.transparency, p.receptivity, p.trust_building, p.intent.internalisation] {
                prop_assert!((0.0..=1.0).contains(&s));
            }
        }
        for l in ab.facts.learning {
            prop_assert!((0.0..=1.0).contains(&l));
        }
        prop_assert!((0.0..=1.0).contains(&ab.facts.match_score));
        prop_assert!((ab.facts.match_score - ba.facts.match_score).abs() < 1e-12);
        let mirrored = match ab.facts.quadrant {
            Quadrant::Mismatch { explorer } => Quadrant::Mismatch { explorer: 1 - explorer },
            q => q,
        };
        prop_assert_eq!(ba.facts.quadrant, mirrored);
        prop_assert_eq!(ab.failure, ba.failure);
        prop_assert_eq!(ab.resolution, ba.resolution);
        prop_assert_eq!(ab.learning_balance.faster, ba.learning_balance.faster);
    }

    #[test]
    fn rwg_is_a_proportion_and_falls_with_disagreement(s1 in 0.0f64..4.0, extra in 0.01f64..2.0, j in 1usize..8) {
        let (lo, hi) = (rwg_j(s1, j, 4.0), rwg_j(s1 + extra, j, 4.0));
        prop_assert!((0.0..=1.0).contains(&lo) && (0.0..=1.0).contains(&hi));
        prop_assert!(hi <= lo);
    }
}
