//! # alliance-core: instruments, the dyad diagnosis and population tests
//!
//! This crate turns the alliance theories of THEORY.md sections 2-4 into measurement and
//! diagnosis. It does not fit SEMs (that is the `sem` facade's job); it scores questionnaires,
//! applies the propositions to one alliance, and tests them on many.
//!
//! ## Instruments ([`instruments`])
//! A catalogue format shared by every Entente instrument: [`instruments::Construct`]s with id,
//! name, definition, source scale and 7-point [`instruments::Item`]s (anchors, reverse flags),
//! grouped into an [`instruments::Instrument`] that exports as a Markdown questionnaire or a TOML
//! answers template. [`instruments::dyad::dyad_instrument`] is the partner questionnaire: the
//! seven motives (importance and exploitation-exploration placement), environmental dynamism,
//! Hamel's intent, transparency (membrane) and receptivity, and trust-building practices.
//!
//! ## The trust-learning construct catalogue ([`constructs`])
//! The eleven constructs of the trust-learning model (THEORY.md section 1: PE, TR, RE, T1, RO,
//! PR, ID, LO, CD, T2, LE) and its four moderators, each with wave, role, four 7-point items and
//! the published scale it adapts; propositions P1-P9 with their expected signs. The study
//! pipeline (`alliance-study`, `entente study`) builds its models and questionnaires from it.
//!
//! ## The dyad assessment ([`assess`])
//! Each partner's answers are scored ([`assess::scoring`]): motive indices
//! $e_m = (\bar x_m - 4)/3$, the importance-weighted overall index
//! $E = \sum w_m e_m / \sum w_m$, the dominant rationale from the motives' roots (TCE, RD, SP
//! economic; OL, IT, PE behavioural), and the learning potential $L_i = q_i \rho_i \tau_j$
//! (internalisation intent x own receptivity x partner's transparency). The two profiles give
//! the dyad's facts (quadrant, match score, economic share, dynamism, learning gap), and one rule
//! table ([`assess::rules::RULES`]) turns facts into findings tied to propositions P1-P6 of the
//! strategic-mismatch model, to Hamel's learning race and to trust-building, each with a
//! recommendation. Reports: text, JSON, self-contained HTML with SVG charts.
//!
//! ## Population tests ([`population`])
//! One row per alliance; propositions P1-P6 become regressions (logistic for failure and
//! premature termination, linear for integration, performance and learning, proportional odds
//! for integration levels, a dynamism x quadrant interaction for P6), estimated by a small IRLS
//! GLM ([`population::glm`]) checked against R's `glm()` and a cumulative-logit model
//! ([`population::ordinal`]) checked against `MASS::polr()`; each gets an estimate, a confidence
//! interval, a p-value and a verdict.
//!
//! Sources: Hamel (1991) on inter-partner learning; the strategic-mismatch explanation of IJV
//! failure (exploitation/exploration, March 1991); Kotelnikov on building trust; see
//! THEORY.md for the working summary. Scales: James, Demaree & Wolf (1984) for `r_wg(J)`.
#![deny(missing_docs)]

pub mod assess;
pub mod constructs;
pub mod error;
pub mod instruments;
pub mod population;

pub use error::AssessError;
