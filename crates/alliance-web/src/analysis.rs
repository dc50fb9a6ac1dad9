//! From stored answers to the joint picture: which instruments a wave can carry, the
//! respondents CSV of `entente assess` (one row per anonymised respondent), partner trust per
//! wave, and the dyad diagnosis of `alliance-core` for each wave where both partners have
//! enough respondents.
//!
//! Privacy rule of the workspace: a partner-level number is computed only from at least
//! [`MIN_RESPONDENTS`] submitted questionnaires of that partner, so no individual answer can be
//! read off a dashboard.

use alliance_core::assess::{assess_answers, Diagnosis, GovernanceForm, PartnerAnswers};
use alliance_core::constructs::study_construct;
use alliance_core::instruments::dyad::dyad_instrument;
use alliance_core::instruments::{Construct, Instrument, Item};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Fewest submitted questionnaires of a partner before its aggregates are shown.
pub const MIN_RESPONDENTS: usize = 3;

/// The parts of the questionnaire an owner can put into a wave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The seven motives (importance and exploitation-exploration placement) and environmental
    /// dynamism (THEORY.md section 2).
    Motives,
    /// Hamel's determinants of learning: intent, transparency, receptivity (section 3).
    Hamel,
    /// Trust in the partner during the running alliance, trust2 (section 1; construct `T2` of
    /// the study catalogue).
    Trust,
    /// Trust-building practices (section 4).
    Practices,
    /// Inter-partner learning, the outcome of the trust-learning model (construct `LE` of the
    /// study catalogue).
    Learning,
}

impl Part {
    /// Every part, in questionnaire order.
    pub const ALL: [Part; 5] = [Part::Motives, Part::Hamel, Part::Trust, Part::Practices, Part::Learning];

    /// The key stored with a wave and used in forms.
    pub fn key(self) -> &'static str {
        match self {
            Part::Motives => "motives",
            Part::Hamel => "hamel",
            Part::Trust => "trust",
            Part::Practices => "practices",
            Part::Learning => "learning",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Part::Motives => "Motives and environmental dynamism",
            Part::Hamel => "Hamel's determinants: intent, transparency, receptivity",
            Part::Trust => "Trust in the partner",
            Part::Practices => "Trust-building practices",
            Part::Learning => "Inter-partner learning (outcome)",
        }
    }

    /// The part with this key.
    pub fn parse(key: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.key() == key)
    }

    /// The constructs the part asks about.
    pub fn constructs(self) -> Vec<Construct> {
        self.cached().to_vec()
    }

    /// The item ids the part asks about, in questionnaire order.
    pub fn item_ids(self) -> impl Iterator<Item = &'static str> {
        self.cached().iter().flat_map(|c| c.items.iter()).map(|i| i.id.as_str())
    }

    fn cached(self) -> &'static [Construct] {
        &parts_cache()[self as usize]
    }
}

/// The constructs of every part, built once (the instruments are fixed at compile time).
fn parts_cache() -> &'static [Vec<Construct>] {
    static CACHE: OnceLock<Vec<Vec<Construct>>> = OnceLock::new();
    CACHE.get_or_init(|| {
        let dyad = dyad_instrument();
        let from_dyad = |ids: &[&str]| ids.iter().filter_map(|id| dyad.construct(id).cloned()).collect::<Vec<_>>();
        Part::ALL
            .iter()
            .map(|p| match p {
                Part::Motives => from_dyad(&["RCS", "TKC", "SHC", "MKT", "INTL", "LNK", "LEG", "ENV"]),
                Part::Hamel => from_dyad(&["INT", "TRN", "REC"]),
                Part::Practices => from_dyad(&["TBP"]),
                Part::Trust => vec![trust_construct()],
                Part::Learning => vec![learning_construct()],
            })
            .collect()
    })
}

/// Parse a stored list of parts (`motives,hamel`).
pub fn parse_parts(text: &str) -> Vec<Part> {
    text.split(',').filter_map(Part::parse).collect()
}

/// Trust in the partner during the running alliance: construct `T2` (trust2, THEORY.md
/// section 1) of the study catalogue, so that answers collected here are the study's `t2_k`
/// items.
pub fn trust_construct() -> Construct {
    catalogue_construct("T2")
}

/// Inter-partner learning: construct `LE` of the study catalogue (the model's outcome).
pub fn learning_construct() -> Construct {
    catalogue_construct("LE")
}

fn catalogue_construct(id: &str) -> Construct {
    // both ids are in the catalogue (alliance-core's own tests list them); an empty construct
    // would only make the part empty, never fail a request
    study_construct(id).map(|c| c.construct).unwrap_or_else(|| Construct {
        id: id.into(),
        name: id.into(),
        definition: String::new(),
        items: Vec::new(),
        source: alliance_core::instruments::SourceScale { citation: String::new(), adapted: false },
    })
}

/// Every item the workspace can ask: the dyad instrument, trust2 and learning.
pub fn workspace_instrument() -> Instrument {
    let mut inst = dyad_instrument();
    inst.constructs.push(trust_construct());
    inst.constructs.push(learning_construct());
    inst
}

/// Mean of a respondent's answers to a construct's items on its own direction (reverse-keyed
/// items as `8 - answer`); `None` when no item was answered.
pub fn construct_mean(c: &Construct, answers: &Answers) -> Option<f64> {
    let vals: Vec<f64> = c.items.iter().filter_map(|i: &Item| answers.get(&i.id).map(|&v| i.keyed(v as f64))).collect();
    (!vals.is_empty()).then(|| vals.iter().sum::<f64>() / vals.len() as f64)
}

/// One submitted questionnaire: item id -> answer 1-7.
pub type Answers = BTreeMap<String, i64>;

/// The respondents CSV that `entente assess` reads for one partner: columns `partner`,
/// `respondent` (anonymised `R01`, `R02`, ...), `governance`, then the items of the dyad
/// instrument that anyone answered; empty cells are missing answers. Items outside the dyad
/// instrument (trust2) are left out, as `entente assess` does not know them.
pub fn assess_csv(partner: &str, governance: GovernanceForm, respondents: &[&Answers]) -> String {
    let dyad = dyad_instrument();
    let items: Vec<&str> =
        dyad.items().map(|i| i.id.as_str()).filter(|id| respondents.iter().any(|r| r.contains_key(*id))).collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["partner", "respondent", "governance"];
    header.extend(items.iter().copied());
    // writing to a Vec cannot fail
    let _ = w.write_record(&header);
    for (k, r) in respondents.iter().enumerate() {
        let mut row = vec![partner.to_string(), format!("R{:02}", k + 1), governance.key().to_string()];
        row.extend(items.iter().map(|id| r.get(*id).map_or(String::new(), |v| v.to_string())));
        let _ = w.write_record(&row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Mean trust2 of a partner's respondents on 0-1 ((mean - 1)/6, reverse-keyed items recoded),
/// when at least [`MIN_RESPONDENTS`] answered the trust items.
pub fn partner_trust(respondents: &[&Answers]) -> Option<f64> {
    let trust = &Part::Trust.cached()[0];
    let per_respondent: Vec<f64> = respondents.iter().filter_map(|r| construct_mean(trust, r)).collect();
    (per_respondent.len() >= MIN_RESPONDENTS)
        .then(|| (per_respondent.iter().sum::<f64>() / per_respondent.len() as f64 - 1.0) / 6.0)
}

/// What one wave shows on the dashboard.
#[derive(Debug, Clone)]
pub struct WaveView {
    /// Wave number.
    pub number: i64,
    /// `open` or `closed`.
    pub status: String,
    /// Submitted questionnaires of partners A and B.
    pub submitted: [usize; 2],
    /// Trust of A in B and of B in A (0-1), when enough answered.
    pub trust: [Option<f64>; 2],
    /// The diagnosis, or why there is none.
    pub diagnosis: Result<Box<Diagnosis>, String>,
}

/// The diagnosis of one wave from both partners' submitted questionnaires.
pub fn diagnose_wave(
    firms: [&str; 2],
    governance: GovernanceForm,
    sides: [&[&Answers]; 2],
) -> Result<Box<Diagnosis>, String> {
    for (firm, answers) in firms.iter().zip(sides) {
        if answers.len() < MIN_RESPONDENTS {
            return Err(format!("Not enough answers yet from {firm} ({} of {MIN_RESPONDENTS}).", answers.len()));
        }
    }
    let dyad = dyad_instrument();
    let parse = |k: usize| {
        let text = assess_csv(firms[k], governance, sides[k]);
        PartnerAnswers::from_csv(&format!("{}.csv", firms[k]), &text, &dyad).map_err(|e| e.to_string())
    };
    let (a, b) = (parse(0)?, parse(1)?);
    assess_answers(&a, &b).map(Box::new).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(pairs: &[(&str, i64)]) -> Answers {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn parts_round_trip_and_cover_the_dyad_instrument() {
        assert_eq!(parse_parts("motives,trust,bogus"), vec![Part::Motives, Part::Trust]);
        let asked: usize = Part::ALL.iter().map(|p| p.constructs().len()).sum();
        assert_eq!(asked, dyad_instrument().constructs.len() + 2);
        for p in Part::ALL {
            assert_eq!(Part::parse(p.key()), Some(p));
            assert_eq!(p.item_ids().count(), p.constructs().iter().map(|c| c.items.len()).sum::<usize>());
        }
    }

    #[test]
    fn trust_and_learning_are_the_study_catalogue_constructs() {
        let ids: Vec<&str> = Part::Trust.item_ids().collect();
        assert_eq!(ids, study_construct("T2").expect("T2").item_ids());
        let ids: Vec<&str> = Part::Learning.item_ids().collect();
        assert_eq!(ids, study_construct("LE").expect("LE").item_ids());
        // no item id of the workspace is asked twice
        let mut all: Vec<&str> = Part::ALL.iter().flat_map(|p| p.item_ids()).collect();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n);
    }

    #[test]
    fn trust_needs_three_respondents_scales_to_unit_and_recodes_reverse_items() {
        let items = trust_construct().items;
        assert!(items.iter().any(|i| i.reverse), "the catalogue's trust2 has a reverse-keyed item");
        // full trust: 7 on every item, 1 on the reverse-keyed one
        let full: Answers = items.iter().map(|i| (i.id.clone(), if i.reverse { 1 } else { 7 })).collect();
        assert!(partner_trust(&[&full, &full]).is_none());
        let t = partner_trust(&[&full, &full, &full]).expect("three");
        assert!((t - 1.0).abs() < 1e-12, "{t}");
        // every item at 4 is the midpoint whatever the keying
        let mid: Answers = items.iter().map(|i| (i.id.clone(), 4)).collect();
        let t = partner_trust(&[&mid, &mid, &full]).expect("three");
        assert!((t - (0.5 + 0.5 + 1.0) / 3.0).abs() < 1e-12, "{t}");
    }

    #[test]
    fn assess_csv_is_read_back_by_alliance_core() {
        let r1 = answers(&[("RCS_IMP", 7), ("RCS_X1", 2), ("t2_1", 5)]);
        let r2 = answers(&[("RCS_IMP", 5), ("RCS_X1", 4)]);
        let text = assess_csv("North, Inc.", GovernanceForm::EquityJv, &[&r1, &r2]);
        assert!(!text.contains("t2_1"), "{text}");
        let parsed = PartnerAnswers::from_csv("n.csv", &text, &dyad_instrument()).expect("reads");
        assert_eq!(parsed.partner, "North, Inc.");
        assert_eq!(parsed.respondents, 2);
        assert!((parsed.answers["RCS_IMP"] - 6.0).abs() < 1e-12);
    }

    #[test]
    fn too_few_respondents_give_no_diagnosis() {
        let r = answers(&[("RCS_IMP", 7)]);
        let err = diagnose_wave(["A", "B"], GovernanceForm::EquityJv, [&[&r, &r, &r], &[&r]]).unwrap_err();
        assert!(err.contains("Not enough answers yet from B"), "{err}");
    }
}
