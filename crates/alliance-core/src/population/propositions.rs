//! Propositions P1-P6 of the strategic-mismatch model as regressions on a population of
//! alliances, each with the term whose sign the proposition predicts.
//!
//! | proposition | model | family | term | expected sign |
//! |---|---|---|---|---|
//! | P1 | integration ~ exploit_match + explore_match (reference: mismatch) | linear | exploit_match | - |
//! | P2 | integration ~ exploit_match + explore_match | linear | explore_match | + |
//! | P1 | integration ~ exploit_match + explore_match | ordinal (proportional odds) | exploit_match | - |
//! | P2 | integration ~ exploit_match + explore_match | ordinal (proportional odds) | explore_match | + |
//! | P3 | failed ~ mismatch + age | logistic | mismatch | + |
//! | P3 | terminated ~ mismatch + age (premature termination) | logistic | mismatch | + |
//! | P4 | performance ~ mismatch + dynamism + age | linear | mismatch | - |
//! | P5 | learning ~ explore_match + mismatch (reference: exploit-match) | linear | explore_match | + |
//! | P6 | performance ~ explore_match * dynamism + age, matches only | linear | explore_match:dynamism | + |
//!
//! The ordinal models run only when every integration value is a whole level (1-4); for
//! continuous integration scores only the linear models are fitted.
//!
//! Verdict: **supported** when the estimate has the predicted sign and $p < \alpha$;
//! **contradicted** when it has the opposite sign and $p < \alpha$; **not supported** otherwise.

use super::data::{AllianceRecord, PopQuadrant};
use super::glm::{fit_glm, Family, GlmFit, GlmOptions};
use crate::error::AssessError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A regressor built from an alliance record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Term {
    /// Constant.
    Intercept,
    /// 1 for a mismatch.
    Mismatch,
    /// 1 for synergies of knowledge.
    ExploreMatch,
    /// 1 for economies of knowledge.
    ExploitMatch,
    /// Environmental dynamism.
    Dynamism,
    /// Alliance age.
    Age,
    /// Explore-match x dynamism.
    ExploreMatchXDynamism,
}

impl Term {
    /// R-style name.
    pub fn name(self) -> &'static str {
        match self {
            Term::Intercept => "(Intercept)",
            Term::Mismatch => "mismatch",
            Term::ExploreMatch => "explore_match",
            Term::ExploitMatch => "exploit_match",
            Term::Dynamism => "dynamism",
            Term::Age => "age",
            Term::ExploreMatchXDynamism => "explore_match:dynamism",
        }
    }

    /// Value for one alliance.
    pub fn value(self, r: &AllianceRecord) -> f64 {
        let ind = |q: PopQuadrant| if r.quadrant == q { 1.0 } else { 0.0 };
        match self {
            Term::Intercept => 1.0,
            Term::Mismatch => ind(PopQuadrant::Mismatch),
            Term::ExploreMatch => ind(PopQuadrant::Synergies),
            Term::ExploitMatch => ind(PopQuadrant::Economies),
            Term::Dynamism => r.dynamism,
            Term::Age => r.age,
            Term::ExploreMatchXDynamism => ind(PopQuadrant::Synergies) * r.dynamism,
        }
    }
}

/// The outcome of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Integration level.
    Integration,
    /// Performance.
    Performance,
    /// Dyadic learning.
    Learning,
    /// Failure (0/1).
    Failed,
    /// Premature termination (0/1).
    Terminated,
}

impl Outcome {
    /// Column name.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Integration => "integration",
            Outcome::Performance => "performance",
            Outcome::Learning => "learning",
            Outcome::Failed => "failed",
            Outcome::Terminated => "terminated",
        }
    }

    /// Value for one alliance.
    pub fn value(self, r: &AllianceRecord) -> f64 {
        match self {
            Outcome::Integration => r.integration,
            Outcome::Performance => r.performance,
            Outcome::Learning => r.learning,
            Outcome::Failed => f64::from(u8::from(r.failed)),
            Outcome::Terminated => f64::from(u8::from(r.terminated)),
        }
    }
}

/// Predicted sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sign {
    /// Positive.
    Positive,
    /// Negative.
    Negative,
}

impl fmt::Display for Sign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Sign::Positive => "+",
            Sign::Negative => "-",
        })
    }
}

/// The test's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Predicted sign and significant.
    Supported,
    /// Not significant.
    NotSupported,
    /// Opposite sign and significant.
    Contradicted,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Supported => "supported",
            Verdict::NotSupported => "not supported",
            Verdict::Contradicted => "contradicted",
        })
    }
}

/// One proposition as a regression.
#[derive(Debug, Clone, Copy)]
pub struct PropositionSpec {
    /// P1 .. P6.
    pub id: &'static str,
    /// The proposition in words.
    pub hypothesis: &'static str,
    /// Outcome.
    pub outcome: Outcome,
    /// Family.
    pub family: Family,
    /// Regressors (intercept first).
    pub terms: &'static [Term],
    /// The term whose sign is tested.
    pub target: Term,
    /// Predicted sign.
    pub expected: Sign,
    /// Fit on matches only (economies and synergies).
    pub matches_only: bool,
}

/// The table of proposition tests.
pub const SPECS: &[PropositionSpec] = &[
    PropositionSpec {
        id: "P1",
        hypothesis: "Exploit-matches involve a low level of integration.",
        outcome: Outcome::Integration,
        family: Family::Gaussian,
        terms: &[Term::Intercept, Term::ExploitMatch, Term::ExploreMatch],
        target: Term::ExploitMatch,
        expected: Sign::Negative,
        matches_only: false,
    },
    PropositionSpec {
        id: "P2",
        hypothesis: "Explore-matches involve a high level of integration.",
        outcome: Outcome::Integration,
        family: Family::Gaussian,
        terms: &[Term::Intercept, Term::ExploitMatch, Term::ExploreMatch],
        target: Term::ExploreMatch,
        expected: Sign::Positive,
        matches_only: false,
    },
    PropositionSpec {
        id: "P1",
        hypothesis: "Exploit-matches involve a low level of integration (ordinal model).",
        outcome: Outcome::Integration,
        family: Family::CumulativeLogit,
        terms: &[Term::ExploitMatch, Term::ExploreMatch],
        target: Term::ExploitMatch,
        expected: Sign::Negative,
        matches_only: false,
    },
    PropositionSpec {
        id: "P2",
        hypothesis: "Explore-matches involve a high level of integration (ordinal model).",
        outcome: Outcome::Integration,
        family: Family::CumulativeLogit,
        terms: &[Term::ExploitMatch, Term::ExploreMatch],
        target: Term::ExploreMatch,
        expected: Sign::Positive,
        matches_only: false,
    },
    PropositionSpec {
        id: "P3",
        hypothesis: "Mismatches have a higher predisposition to failure.",
        outcome: Outcome::Failed,
        family: Family::Binomial,
        terms: &[Term::Intercept, Term::Mismatch, Term::Age],
        target: Term::Mismatch,
        expected: Sign::Positive,
        matches_only: false,
    },
    PropositionSpec {
        id: "P3",
        hypothesis: "Mismatches are more often terminated prematurely.",
        outcome: Outcome::Terminated,
        family: Family::Binomial,
        terms: &[Term::Intercept, Term::Mismatch, Term::Age],
        target: Term::Mismatch,
        expected: Sign::Positive,
        matches_only: false,
    },
    PropositionSpec {
        id: "P4",
        hypothesis: "Matches perform better than mismatches.",
        outcome: Outcome::Performance,
        family: Family::Gaussian,
        terms: &[Term::Intercept, Term::Mismatch, Term::Dynamism, Term::Age],
        target: Term::Mismatch,
        expected: Sign::Negative,
        matches_only: false,
    },
    PropositionSpec {
        id: "P5",
        hypothesis: "Explore-matches learn more than exploit-matches.",
        outcome: Outcome::Learning,
        family: Family::Gaussian,
        terms: &[Term::Intercept, Term::ExploreMatch, Term::Mismatch],
        target: Term::ExploreMatch,
        expected: Sign::Positive,
        matches_only: false,
    },
    PropositionSpec {
        id: "P6",
        hypothesis: "In dynamic environments explore-matches perform better than exploit-matches.",
        outcome: Outcome::Performance,
        family: Family::Gaussian,
        terms: &[Term::Intercept, Term::ExploreMatch, Term::Dynamism, Term::ExploreMatchXDynamism, Term::Age],
        target: Term::ExploreMatchXDynamism,
        expected: Sign::Positive,
        matches_only: true,
    },
];

impl PropositionSpec {
    /// R-style formula.
    pub fn formula(&self) -> String {
        let kind = match (self.family, self.matches_only) {
            (Family::CumulativeLogit, _) => " (ordinal)",
            (_, true) => " (matches only)",
            _ => "",
        };
        let rhs: Vec<&str> = self.terms.iter().filter(|t| **t != Term::Intercept).map(|t| t.name()).collect();
        format!("{} ~ {}{}", self.outcome.name(), rhs.join(" + "), kind)
    }
}

/// Result of one proposition test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropositionResult {
    /// P1 .. P6.
    pub proposition: String,
    /// The proposition in words.
    pub hypothesis: String,
    /// Model formula.
    pub model: String,
    /// Tested term.
    pub term: String,
    /// Predicted sign.
    pub expected: Sign,
    /// Estimate of the term.
    pub estimate: f64,
    /// Standard error.
    pub std_error: f64,
    /// 95% confidence interval.
    pub ci: [f64; 2],
    /// Two-sided p-value.
    pub p_value: f64,
    /// Verdict.
    pub verdict: Verdict,
    /// The full fit.
    pub fit: GlmFit,
}

/// Verdict from the estimate, its p-value and the predicted sign.
pub fn verdict(estimate: f64, p_value: f64, expected: Sign, alpha: f64) -> Verdict {
    let right_sign = match expected {
        Sign::Positive => estimate > 0.0,
        Sign::Negative => estimate < 0.0,
    };
    match (p_value < alpha, right_sign) {
        (true, true) => Verdict::Supported,
        (true, false) => Verdict::Contradicted,
        (false, _) => Verdict::NotSupported,
    }
}

/// Run one specification.
pub fn run_spec(spec: &PropositionSpec, data: &[AllianceRecord], alpha: f64) -> Result<PropositionResult, AssessError> {
    let rows: Vec<&AllianceRecord> =
        data.iter().filter(|r| !spec.matches_only || r.quadrant != PopQuadrant::Mismatch).collect();
    let y: Vec<f64> = rows.iter().map(|r| spec.outcome.value(r)).collect();
    let columns: Vec<Vec<f64>> = spec.terms.iter().map(|t| rows.iter().map(|r| t.value(r)).collect()).collect();
    let names: Vec<String> = spec.terms.iter().map(|t| t.name().to_string()).collect();
    let label = format!("{}: {}", spec.id, spec.formula());
    let fit = fit_glm(&label, spec.family, &y, &columns, &names, &GlmOptions::default())?;
    let k = spec.terms.iter().position(|t| *t == spec.target).ok_or_else(|| AssessError::Estimation {
        model: label.clone(),
        message: "the tested term is not in the model".into(),
    })?;
    Ok(PropositionResult {
        proposition: spec.id.into(),
        hypothesis: spec.hypothesis.into(),
        model: spec.formula(),
        term: spec.target.name().into(),
        expected: spec.expected,
        estimate: fit.estimate[k],
        std_error: fit.std_error[k],
        ci: [fit.ci_lower[k], fit.ci_upper[k]],
        p_value: fit.p_value[k],
        verdict: verdict(fit.estimate[k], fit.p_value[k], spec.expected, alpha),
        fit,
    })
}

/// Run every proposition test on a population.
pub fn test_propositions(data: &[AllianceRecord], alpha: f64) -> Result<Vec<PropositionResult>, AssessError> {
    let levels = data.iter().all(|r| (r.integration - r.integration.round()).abs() < 1e-9);
    SPECS.iter().filter(|s| levels || s.family != Family::CumulativeLogit).map(|s| run_spec(s, data, alpha)).collect()
}

/// Text table of the results.
pub fn results_text(results: &[PropositionResult], n: usize, alpha: f64) -> String {
    let mut s = format!("Population tests of the mismatch propositions ({n} alliances, alpha = {alpha})\n\n");
    let w = results.iter().map(|r| r.model.len()).max().unwrap_or(5) + 2;
    s.push_str(&format!(
        "{:<4}{:<w$}{:<24}{:>4}{:>10}{:>22}{:>11}  {}\n",
        "P", "model", "term", "exp", "estimate", "95% CI", "p", "verdict"
    ));
    for r in results {
        s.push_str(&format!(
            "{:<4}{:<w$}{:<24}{:>4}{:>10.4}{:>22}{:>11.2e}  {}\n",
            r.proposition,
            r.model,
            r.term,
            r.expected.to_string(),
            r.estimate,
            format!("[{:.4}, {:.4}]", r.ci[0], r.ci[1]),
            r.p_value,
            r.verdict
        ));
    }
    s.push('\n');
    for r in results {
        s.push_str(&format!("{} {} -> {}\n", r.proposition, r.hypothesis, r.verdict));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_rules() {
        assert_eq!(verdict(0.5, 0.01, Sign::Positive, 0.05), Verdict::Supported);
        assert_eq!(verdict(-0.5, 0.01, Sign::Positive, 0.05), Verdict::Contradicted);
        assert_eq!(verdict(0.5, 0.2, Sign::Positive, 0.05), Verdict::NotSupported);
        assert_eq!(verdict(-0.5, 0.01, Sign::Negative, 0.05), Verdict::Supported);
    }

    #[test]
    fn formulas_read_like_r() {
        assert_eq!(SPECS[0].formula(), "integration ~ exploit_match + explore_match");
        assert_eq!(SPECS[2].formula(), "integration ~ exploit_match + explore_match (ordinal)");
        assert_eq!(
            SPECS[SPECS.len() - 1].formula(),
            "performance ~ explore_match + dynamism + explore_match:dynamism + age (matches only)"
        );
    }
}
