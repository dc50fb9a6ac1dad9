//! Four shipped example dyads, one per quadrant cell. They are stylised firms, not claims about
//! real companies. The answer files are embedded at compile time.

use super::{assess_texts, Diagnosis};
use crate::error::AssessError;

/// One example dyad.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// Name used with `entente assess --example NAME`.
    pub name: &'static str,
    /// What it illustrates.
    pub summary: &'static str,
    /// File name of partner A's answers.
    pub file_a: &'static str,
    /// Partner A's answers (TOML).
    pub text_a: &'static str,
    /// File name of partner B's answers.
    pub file_b: &'static str,
    /// Partner B's answers (TOML).
    pub text_b: &'static str,
}

macro_rules! example {
    ($name:literal, $summary:literal) => {
        Example {
            name: $name,
            summary: $summary,
            file_a: concat!($name, "/a.toml"),
            text_a: include_str!(concat!("../../data/examples/", $name, "/a.toml")),
            file_b: concat!($name, "/b.toml"),
            text_b: include_str!(concat!("../../data/examples/", $name, "/b.toml")),
        }
    };
}

/// The shipped examples.
pub const EXAMPLES: &[Example] = &[
    example!("economies", "Both partners exploit: a logistics cost-sharing alliance run as an equity JV (over-integrated, P1) in a dynamic market (competency trap, P6)."),
    example!("synergies", "Both partners explore: a joint research venture, loosely governed (under-integrated, P2), with convergent learning intents."),
    example!("mismatch-economic", "A explores, B exploits, economic rationale: resolves toward economies of knowledge; B races ahead in learning."),
    example!("mismatch-behavioural", "A exploits, B explores, behavioural rationale: resolves toward synergies of knowledge; A's open membrane risks a dependency spiral."),
];

/// Find an example by name.
pub fn example(name: &str) -> Result<&'static Example, AssessError> {
    EXAMPLES.iter().find(|e| e.name == name).ok_or_else(|| AssessError::UnknownExample {
        name: name.to_string(),
        available: EXAMPLES.iter().map(|e| e.name).collect::<Vec<_>>().join(", "),
    })
}

impl Example {
    /// Run the assessment on this example.
    pub fn assess(&self) -> Result<Diagnosis, AssessError> {
        assess_texts(self.file_a, self.text_a, self.file_b, self.text_b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_names_are_unique_and_files_differ() {
        let mut names: Vec<&str> = EXAMPLES.iter().map(|e| e.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EXAMPLES.len());
        assert!(EXAMPLES.iter().all(|e| e.text_a != e.text_b));
    }
}
