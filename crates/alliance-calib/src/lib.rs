//! # alliance-calib: the simulator's behavioural game on a real alliance experiment
//!
//! A simulator of trust is only as good as its match to how real partners behave. This crate
//! fits the behavioural game of [`alliance_sim::game`] to the choices of the lab experiment of
//! Solinas et al., "Competition, formal governance and trust in alliances: an experimental
//! study", Long Range Planning 55(5), 2022 (data: MIT licence): about 1,000 alliances of two or
//! three partners playing a coordination game or a prisoner's dilemma, with or without an exit
//! cost, each partner choosing every period to contribute, withhold or exit. It then checks the
//! fit on held-out sessions.
//!
//! ## Pipeline
//! 1. [`data`]: `GAdata.csv` (plain or gzip) is checked (required columns, known labels for
//!    `GovStructure`, `Game` and `Choice`, consistent rows per alliance) and turned into
//!    alliances: the choice sequence of each partner until the horizon or the exit. The payoff
//!    table of each treatment is read off `Profit` (every pair of choices reveals one entry; a
//!    conflict is an error): e.g. the two-partner prisoner's dilemma pays 2.5 for mutual
//!    contribution, -2.5 / 3.0 when one withholds, 1.0 when both do, 1.5 per period after an
//!    exit, and the exit cost treatment charges every partner 10 in the period of the exit.
//! 2. [`mod@estimate`]: maximum likelihood on the choice sequences, subject by subject
//!    ([`estimate::Panel`]: each subject's alliances in the order of the interactions). Trust
//!    (and each partner's own previous choice, which the inertia term uses) is a deterministic
//!    function of the observed history given the parameters, so the likelihood is a product of
//!    logit choice probabilities, mixed over three types (persistent cooperators, conditional
//!    cooperators, free riders); in the extended model ([`estimate::EXTENSIONS`]) a subject's
//!    type persists between its alliances (a forward recursion over its alliances) and its
//!    trust carries over. BFGS on unconstrained coordinates; standard errors from the
//!    numerical Hessian (observed information) and from the subject-clustered sandwich, mapped
//!    to the natural scale by the delta method, also for the erosion/building ratio
//!    $\lambda_- / \lambda_+$.
//! 3. [`fitted`]: the fitted parameters as a TOML file: `[game]` is the simulator's
//!    [`alliance_sim::game::GameParams`] (TR-2 rates in `[game.trust]`, keys as in the
//!    simulator's scenarios), then the fit and the standard errors.
//! 4. [`validate`] and [`report`]: the held-out alliances are replayed many times with the
//!    fitted parameters (same treatments, horizons and matching of subjects, one seeded stream
//!    per replication) and compared with the observations per treatment cell: contribution
//!    rate, termination rate, contribution by period, the probability of contributing again
//!    after a partner withheld, the time to exit, and whether the observation lies inside the
//!    simulated 5-95 % band; a Markdown table, CSV files and SVG plots ([`plot`]).
//!
//! No I/O beyond reading the data file: the `entente sim calibrate|validate` commands write
//! the files.

#![deny(missing_docs)]

pub mod data;
pub mod error;
pub mod estimate;
pub mod fitted;
pub mod plot;
pub mod report;
pub mod validate;

pub use data::{Alliance, Experiment, Game, Treatment};
pub use error::CalibError;
pub use estimate::{estimate, Estimate, EstimateOptions};
pub use fitted::Fitted;
pub use report::Validation;
