//! # alliance-sim: an agent-based simulator of international strategic alliances
//!
//! The source texts behind Entente (see THEORY.md in the shared folder) describe processes in
//! time: trust built before formation and evolving after it, eroding faster than it grows and
//! repaired slowly; partners racing to learn; mismatched motives drifting toward a match or
//! ending the alliance; bargaining power shifting as one side learns. This crate runs them.
//!
//! ## What is simulated
//! A dyad of partner firms A and B. Each has knowledge stocks over up to [`MAX_DOMAINS`]
//! domains, an exploration share from its motives, a learning intent (internalisation,
//! avoidance, substitution), transparency (its membrane), receptivity (absorptive capacity), a
//! reputation, prior experience with the partner, an opportunism propensity, a baseline
//! protectiveness and a cultural profile. The alliance has a governance form (integration
//! continuum), interdependence and an age; the environment a dynamism that sets the rate of
//! shocks devaluing existing knowledge. Scenarios may schedule crises, opportunism and
//! devaluation shocks.
//!
//! Each period, for each direction i <- j ([`model::Sim::simulate`]):
//! 1. **environment**: with probability `dynamism * shock_rate` one domain loses `shock_depth`
//!    of its value for both partners; scheduled shocks apply;
//! 2. **behaviour**: opportunism ([`rules::opportunism`]), cooperation
//!    ([`rules::cooperation`]) and protectiveness ([`rules::protectiveness`]) respond to trust,
//!    to the partner's lead in the learning race, to dependence and to incentives;
//! 3. **trust**: the TR-2 update of Pant & Yu (arXiv 2510.24909) with the post-formation
//!    drivers P5-P9 in the signal ([`rules::signal_argument`], [`rules::tr2_update`]); trust
//!    starts at trust1 from P2-P4 ([`rules::trust1`]);
//! 4. **learning**: flows through intent, receptivity, the partner's membrane, the knowledge gap
//!    and trust ([`rules::learning_flow`], P1); exploring dyads also create knowledge together
//!    ([`rules::joint_creation`]); substitution intent lets own skills atrophy
//!    ([`rules::atrophy`]);
//! 5. **performance**: exploitation returns on pooled knowledge plus exploration returns on new
//!    knowledge, weighted by the governance fit ([`rules::performance`]);
//! 6. **power**: dependence on the partner's knowledge ([`rules::dependence`]) sets bargaining
//!    power ([`rules::power`]); an obsolete bargain is renegotiated, or left by the side that no
//!    longer needs the other ([`rules::bargain_obsolete`]);
//! 7. **motives**: a mismatch drifts toward economies or synergies of knowledge according to the
//!    rationale, with a lag ([`rules::motive_drift`]), or ends the alliance
//!    ([`rules::mismatch_hazard`]); trust collapse ends it too; reaching the objective ends it
//!    with "objectives met".
//!
//! ## The behavioural game
//! [`game`] plays the alliance game of the Solinas et al. (2022) experiment: two or three
//! partners choose every period to contribute, withhold or exit, with logit noise, from their
//! trust in each other, which follows the same TR-2 update driven by the partners' observed
//! choices. `alliance-calib` estimates its parameters on the experiment's choices.
//!
//! ## Randomness and parallelism
//! Replication `r` of seed `s` draws only from ChaCha8 keyed by `s` on stream `r`
//! ([`runner::rep_rng`]). Replications run in parallel with rayon and are collected in order,
//! so results are bit-identical for any number of threads, and shards `i/N`
//! ([`runner::shard_range`]) concatenate to exactly the single run.
//!
//! ## What is not here
//! No I/O: the `entente sim` commands read scenario files and write the panel CSV, summary JSON
//! and SVG plots (the SVG text is built here, in [`plot`]).

#![deny(missing_docs)]

pub mod error;
pub mod game;
pub mod model;
pub mod plot;
pub mod population;
pub mod rules;
pub mod runner;
pub mod scenario;
pub mod summary;
pub mod survey;
pub mod sweep;

pub use error::SimError;
pub use model::{Outcome, PanelRow, Quadrant, Sim, Status};
pub use runner::{rep_rng, run_reps, shard_range, RepResult};
pub use scenario::{example, Scenario, EXAMPLES, MAX_DOMAINS};
pub use summary::{Quantiles, RunInfo, Summary};
