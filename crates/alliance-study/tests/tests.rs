//! Integration tests of alliance-study: one binary, one module per area.
mod bad_input;
mod engine;
mod recovery;
mod render;

use alliance_study::analysis::{self, RunOptions, StudyReport};
use alliance_study::responses::Responses;
use alliance_study::{simulate, StudyConfig};

/// Simulated responses and the report of a run without moderators and with few draws.
pub fn run_on(cfg: &StudyConfig, resp: Responses, draws: u32, moderators: bool) -> (StudyReport, Responses) {
    let ro = RunOptions { draws: Some(draws), skip_moderators: !moderators, ordinal: false };
    analysis::run(cfg, resp, &ro).expect("study runs")
}

/// `n` simulated respondents of `cfg`.
pub fn sim(cfg: &StudyConfig, n: usize, seed: u64) -> Responses {
    simulate::simulate(cfg, n, seed, 0.0).expect("simulate")
}
