//! From stored answers to the joint picture: which instruments a wave can carry, the
//! respondents CSV of `entente assess` (one row per anonymised respondent), partner trust per
//! wave, and the dyad diagnosis of `alliance-core` for each wave where both partners have
//! enough respondents.
//!
//! Privacy rule of the workspace: a partner-level number is computed only from at least
//! [`MIN_RESPONDENTS`] submitted questionnaires of that partner, so no individual answer can be
//! read off a dashboard.

use alliance_core::assess::{assess_answers, Diagnosis, GovernanceForm, PartnerAnswers};
use alliance_core::instruments::dyad::dyad_instrument;
use alliance_core::instruments::{Anchors, Construct, Instrument, Item, SourceScale};
use std::collections::BTreeMap;

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
    /// Trust in the partner during the running alliance, trust2 (section 1).
    Trust,
    /// Trust-building practices (section 4).
    Practices,
}

impl Part {
    /// Every part, in questionnaire order.
    pub const ALL: [Part; 4] = [Part::Motives, Part::Hamel, Part::Trust, Part::Practices];

    /// The key stored with a wave and used in forms.
    pub fn key(self) -> &'static str {
        match self {
            Part::Motives => "motives",
            Part::Hamel => "hamel",
            Part::Trust => "trust",
            Part::Practices => "practices",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Part::Motives => "Motives and environmental dynamism",
            Part::Hamel => "Hamel's determinants: intent, transparency, receptivity",
            Part::Trust => "Trust in the partner",
            Part::Practices => "Trust-building practices",
        }
    }

    /// The part with this key.
    pub fn parse(key: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.key() == key)
    }

    /// The constructs the part asks about.
    pub fn constructs(self) -> Vec<Construct> {
        let dyad = dyad_instrument();
        let ids: &[&str] = match self {
            Part::Motives => &["RCS", "TKC", "SHC", "MKT", "INTL", "LNK", "LEG", "ENV"],
            Part::Hamel => &["INT", "TRN", "REC"],
            Part::Practices => &["TBP"],
            Part::Trust => return vec![trust_construct()],
        };
        ids.iter().filter_map(|id| dyad.construct(id).cloned()).collect()
    }
}

/// Parse a stored list of parts (`motives,hamel`).
pub fn parse_parts(text: &str) -> Vec<Part> {
    text.split(',').filter_map(Part::parse).collect()
}

/// Trust in the partner during the running alliance (trust2 of THEORY.md section 1): three
/// agreement items in the spirit of the commitment-trust literature (section 5).
pub fn trust_construct() -> Construct {
    Construct {
        id: "T2".into(),
        name: "trust in the partner (trust2)".into(),
        definition: "Trust a partner has in the other during the running alliance: confidence that the partner is reliable, keeps its commitments and will not exploit the alliance's vulnerabilities.".into(),
        items: vec![
            Item::new("T2_RELIABLE", "We can rely on the partner to keep the commitments it makes in this alliance.", Anchors::agreement()),
            Item::new("T2_FAIR", "The partner would not take unfair advantage of us, even if the chance arose.", Anchors::agreement()),
            Item::new("T2_GOODFAITH", "When something unforeseen happens, the partner acts in good faith.", Anchors::agreement()),
        ],
        source: SourceScale {
            citation: "Written for Entente from THEORY.md sections 1 and 5 (trust2; Morgan & Hunt 1994).".into(),
            adapted: false,
        },
    }
}

/// Every item the workspace can ask: the dyad instrument and the trust construct.
pub fn workspace_instrument() -> Instrument {
    let mut inst = dyad_instrument();
    inst.constructs.push(trust_construct());
    inst
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

/// Mean trust2 of a partner's respondents on 0-1 ((mean - 1)/6), when at least
/// [`MIN_RESPONDENTS`] answered the trust items.
pub fn partner_trust(respondents: &[&Answers]) -> Option<f64> {
    let ids: Vec<String> = trust_construct().items.iter().map(|i| i.id.clone()).collect();
    let per_respondent: Vec<f64> = respondents
        .iter()
        .filter_map(|r| {
            let vals: Vec<f64> = ids.iter().filter_map(|id| r.get(id)).map(|&v| v as f64).collect();
            (!vals.is_empty()).then(|| vals.iter().sum::<f64>() / vals.len() as f64)
        })
        .collect();
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
        assert_eq!(asked, dyad_instrument().constructs.len() + 1);
    }

    #[test]
    fn trust_needs_three_respondents_and_scales_to_unit() {
        let r = answers(&[("T2_RELIABLE", 7), ("T2_FAIR", 7), ("T2_GOODFAITH", 4)]);
        assert!(partner_trust(&[&r, &r]).is_none());
        let t = partner_trust(&[&r, &r, &r]).expect("three");
        assert!((t - 5.0 / 6.0).abs() < 1e-12, "{t}");
    }

    #[test]
    fn assess_csv_is_read_back_by_alliance_core() {
        let r1 = answers(&[("RCS_IMP", 7), ("RCS_X1", 2), ("T2_FAIR", 5)]);
        let r2 = answers(&[("RCS_IMP", 5), ("RCS_X1", 4)]);
        let text = assess_csv("North, Inc.", GovernanceForm::EquityJv, &[&r1, &r2]);
        assert!(!text.contains("T2_FAIR"), "{text}");
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
