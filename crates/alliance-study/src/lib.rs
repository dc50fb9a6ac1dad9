//! # alliance-study: the trust-learning study, from questionnaire to proposition verdicts
//!
//! One study folder, one command. The folder holds `study.toml` (constructs in use, moderators,
//! competing models, population effects for simulation and power), the lavaan model files the
//! study generates ([`model`]), a codebook, questionnaires per wave and a data template
//! ([`init`]). [`simulate`] draws Likert responses from a population that follows the
//! propositions' signs; [`analysis::run`] screens the data ([`screen`]: ranges, reverse coding,
//! missing patterns, Mardia's tests that choose ML or MLR), fits the CFA with measurement
//! quality, the full-mediation SEM and its competitors (likelihood-ratio tests, AIC, BIC), gives
//! the P1-P9 verdict table, bootstraps the indirect effects, tests each moderator (multi-group
//! equal versus free paths; latent interaction by double-mean-centred product indicators) and
//! the longitudinal invariance of trust; [`report`] writes HTML (with an SVG path diagram), JSON
//! and Markdown. [`power`] gives the power of each proposition's test by sample size and
//! [`distance`] the Kogut-Singh index and its Mahalanobis variant.
//!
//! Every SEM number comes from the `sem` facade (`Sem::fit`), so it equals `entente fit` on the
//! same model file and the analysed data (`analysis_data.csv`, written next to the report).
//!
//! ## Verdicts
//! For a path with expected sign $s$, estimate $\hat\beta$ and two-sided p-value $p$:
//! **supported** when $p < \alpha$ and $\operatorname{sign}\hat\beta = s$; **opposite sign**
//! when $p < \alpha$ and $\operatorname{sign}\hat\beta = -s$; **not significant** otherwise;
//! **not tested** when a construct of the path is missing from the data.
//!
//! ## Missing data
//! Listwise deletion today ([`config::MissingData::Listwise`]); the option is a setting of
//! `study.toml` so that FIML can be switched on when the engine offers it.
//!
//! Sources: the trust-learning model (THEORY.md section 1); Mardia (1970) for multivariate
//! skewness and kurtosis; Marsh, Wen & Hau (2004) and Lin et al. (2010) for double-mean-centred
//! product indicators; Kogut & Singh (1988) for cultural distance.
#![deny(missing_docs)]

pub mod analysis;
pub mod config;
pub mod distance;
pub mod error;
pub mod init;
pub mod model;
pub mod power;
pub mod report;
pub mod responses;
pub mod screen;
pub mod simulate;

pub use config::StudyConfig;
pub use error::StudyError;
