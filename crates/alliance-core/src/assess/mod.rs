//! The dyad assessment: answers -> partner profiles -> facts -> rule table -> diagnosis ->
//! text, JSON or HTML report.

pub mod answers;
pub mod diagnosis;
pub mod examples;
pub mod report;
pub mod rules;
pub mod scoring;

pub use answers::{GovernanceForm, PartnerAnswers};
pub use diagnosis::{diagnose, Diagnosis, DyadFacts, Quadrant};
pub use scoring::{score_partner, PartnerProfile};

use crate::error::AssessError;
use crate::instruments::dyad::dyad_instrument;

/// Assess a dyad from two answer texts (TOML, or CSV of respondents when the name ends in
/// `.csv`); `source_a` and `source_b` name them in messages.
pub fn assess_texts(source_a: &str, text_a: &str, source_b: &str, text_b: &str) -> Result<Diagnosis, AssessError> {
    let inst = dyad_instrument();
    let a = PartnerAnswers::from_file_text(source_a, text_a, &inst)?;
    let b = PartnerAnswers::from_file_text(source_b, text_b, &inst)?;
    assess_answers(&a, &b)
}

/// Assess a dyad from two partners' parsed answers.
pub fn assess_answers(a: &PartnerAnswers, b: &PartnerAnswers) -> Result<Diagnosis, AssessError> {
    let inst = dyad_instrument();
    let pa = score_partner(a, &inst)?;
    let pb = score_partner(b, &inst)?;
    Ok(diagnose(DyadFacts::new(pa, pb)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assess::examples::example;

    #[test]
    fn same_partner_is_refused() {
        let e = example("economies").expect("example");
        let err = assess_texts("a.toml", e.text_a, "b.toml", e.text_a).unwrap_err();
        assert!(matches!(err, AssessError::SamePartner { .. }));
    }

    #[test]
    fn csv_and_toml_are_told_apart_by_extension() {
        let e = example("economies").expect("example");
        // TOML text under a .csv name is read as CSV and fails there, naming the file
        let err = assess_texts("a.csv", e.text_a, "b.toml", e.text_b).unwrap_err();
        assert!(err.to_string().contains("`a.csv`"), "{err}");
    }
}
