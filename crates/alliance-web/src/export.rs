//! The owner's anonymised exports, in the formats the command-line tools read:
//!
//! - [`study_csv`]: the data file of `entente study run` (crate `alliance-study`): one row per
//!   submitted questionnaire (a case), the study's id column `alliance_id` holding an
//!   anonymised code (`A-R01`, `B-R03`, ...), a `partner` column (`A`/`B`, a grouping variable),
//!   and the items of the study catalogue's constructs the wave asked (trust2 `t2_k` and
//!   learning `le_k`), as answered (the study recodes reverse-keyed items itself).
//! - [`population_row`]: one row of the population file of `entente assess-population`
//!   (`alliance_core::population`): the wave's quadrant from both partners' exploitation-
//!   exploration indices, the governance form's integration level, the partners' mean
//!   environmental dynamism, dyadic learning (the mean of all submitted questionnaires'
//!   learning scores, 1-7, reverse-keyed items recoded) and the outcomes the workspace cannot
//!   observe, given by the owner at export: performance, failure, premature termination and the
//!   alliance's age.
//!
//! Both apply the workspace's privacy rule: each partner needs at least
//! [`MIN_RESPONDENTS`] submitted questionnaires in the wave.

use crate::analysis::{construct_mean, learning_construct, Answers, Part, MIN_RESPONDENTS};
use crate::error::WebError;
use alliance_core::assess::Diagnosis;
use alliance_core::population::data::write_population;
use alliance_core::population::{AllianceRecord, PopQuadrant};

/// Check the three-respondent rule for both partners.
fn enough(firms: [&str; 2], sides: [&[&Answers]; 2]) -> Result<(), WebError> {
    for (firm, answers) in firms.iter().zip(sides) {
        if answers.len() < MIN_RESPONDENTS {
            return Err(WebError::BadInput(format!(
                "Not enough answers yet: {} of {firm} submitted; {MIN_RESPONDENTS} or more per partner are needed to export anonymised data.",
                answers.len()
            )));
        }
    }
    Ok(())
}

/// The `entente study run` data file of one wave (see the module notes).
pub fn study_csv(firms: [&str; 2], parts: &[Part], sides: [&[&Answers]; 2]) -> Result<String, WebError> {
    enough(firms, sides)?;
    let items: Vec<&str> =
        parts.iter().filter(|p| matches!(p, Part::Trust | Part::Learning)).flat_map(|p| p.item_ids()).collect();
    if items.is_empty() {
        return Err(WebError::BadInput(
            "This wave asked no construct of the study catalogue: open a wave with trust in the partner or inter-partner learning.".into(),
        ));
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["alliance_id", "partner"];
    header.extend(items.iter().copied());
    // writing to a Vec cannot fail
    let _ = w.write_record(&header);
    for (side, answers) in sides.iter().enumerate() {
        let letter = if side == 0 { "A" } else { "B" };
        for (k, r) in answers.iter().enumerate() {
            let mut row = vec![format!("{letter}-R{:02}", k + 1), letter.to_string()];
            row.extend(items.iter().map(|id| r.get(*id).map_or(String::new(), |v| v.to_string())));
            let _ = w.write_record(&row);
        }
    }
    Ok(String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default())
}

/// What the owner tells at export: the outcomes no questionnaire of the workspace measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcomes {
    /// Performance of the alliance (any scale, e.g. 1-7 or a return figure).
    pub performance: f64,
    /// Failed: sub-optimal long-term performance.
    pub failed: bool,
    /// Terminated before meeting its objectives.
    pub terminated: bool,
    /// Age in years.
    pub age: f64,
}

impl Outcomes {
    /// Check the values a form gave.
    pub fn new(performance: f64, failed: u8, terminated: u8, age: f64) -> Result<Outcomes, WebError> {
        if !performance.is_finite() {
            return Err(WebError::BadInput("`performance` must be a number.".into()));
        }
        if failed > 1 || terminated > 1 {
            return Err(WebError::BadInput("`failed` and `terminated` are 0 (no) or 1 (yes).".into()));
        }
        if !(age.is_finite() && age >= 0.0) {
            return Err(WebError::BadInput("`age` is the alliance's age in years, 0 or more.".into()));
        }
        Ok(Outcomes { performance, failed: failed == 1, terminated: terminated == 1, age })
    }
}

/// The `entente assess-population` row of one wave (see the module notes); `id` names the row.
pub fn population_row(
    id: &str,
    firms: [&str; 2],
    diagnosis: &Diagnosis,
    sides: [&[&Answers]; 2],
    outcomes: Outcomes,
) -> Result<String, WebError> {
    enough(firms, sides)?;
    let le = learning_construct();
    let scores: Vec<f64> = sides.iter().flat_map(|s| s.iter()).filter_map(|r| construct_mean(&le, r)).collect();
    for (firm, answers) in firms.iter().zip(sides) {
        if answers.iter().filter(|r| construct_mean(&le, r).is_some()).count() < MIN_RESPONDENTS {
            return Err(WebError::BadInput(format!(
                "Not enough learning answers from {firm}: open a wave with inter-partner learning to export the population row."
            )));
        }
    }
    let facts = &diagnosis.facts;
    let record = AllianceRecord {
        id: id.to_string(),
        quadrant: PopQuadrant::from_indices(facts.profiles[0].index, facts.profiles[1].index),
        integration: f64::from(facts.integration),
        dynamism: facts.dynamism,
        performance: outcomes.performance,
        learning: scores.iter().sum::<f64>() / scores.len() as f64,
        failed: outcomes.failed,
        terminated: outcomes.terminated,
        age: outcomes.age,
    };
    Ok(write_population(&[record]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(pairs: &[(&str, i64)]) -> Answers {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn study_csv_keeps_catalogue_items_and_needs_three_per_partner() {
        let r = answers(&[("t2_1", 6), ("t2_4", 2), ("le_1", 5), ("RCS_IMP", 7)]);
        let three = [&r, &r, &r];
        let text = study_csv(["N", "S"], &Part::ALL, [&three, &three]).expect("export");
        let mut lines = text.lines();
        let header = lines.next().expect("header");
        assert!(header.starts_with("alliance_id,partner,t2_1,t2_2,t2_3,t2_4,le_1"), "{header}");
        assert!(!header.contains("RCS_IMP"), "{header}");
        assert_eq!(lines.next(), Some("A-R01,A,6,,,2,5,,,"));
        assert_eq!(text.lines().count(), 7);
        let err = study_csv(["N", "S"], &Part::ALL, [&three, &[&r, &r]]).unwrap_err();
        assert!(err.to_string().contains("2 of S"), "{err}");
        let err = study_csv(["N", "S"], &[Part::Motives], [&three, &three]).unwrap_err();
        assert!(err.to_string().contains("study catalogue"), "{err}");
    }

    #[test]
    fn outcomes_are_checked() {
        assert!(Outcomes::new(5.0, 0, 1, 3.5).is_ok());
        assert!(Outcomes::new(f64::NAN, 0, 0, 1.0).is_err());
        assert!(Outcomes::new(5.0, 2, 0, 1.0).is_err());
        assert!(Outcomes::new(5.0, 0, 0, -1.0).is_err());
    }
}
