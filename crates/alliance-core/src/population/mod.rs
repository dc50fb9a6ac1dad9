//! Population tests of the mismatch propositions P1-P6: read one row per alliance, fit the
//! regressions of [`propositions::SPECS`] with the IRLS GLM of [`glm`], report estimates,
//! confidence intervals, p-values and verdicts. [`simulate`] builds populations with planted
//! effects to check that the tests recover them.

pub mod data;
pub mod glm;
pub mod ordinal;
pub mod propositions;
pub mod simulate;

pub use data::{read_population, AllianceRecord, PopQuadrant};
pub use propositions::{results_text, test_propositions, PropositionResult, Verdict};
