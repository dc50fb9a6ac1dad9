//! Typed errors of the crate. Each message names the file (or source) and the field it is about.

use thiserror::Error;

/// Everything that can go wrong while reading answers, scoring, diagnosing or testing propositions.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum AssessError {
    /// The answers file could not be parsed (TOML or CSV syntax).
    #[error("Cannot read `{source_name}`: {message}.")]
    Parse {
        /// File or source the answers came from.
        source_name: String,
        /// What the parser reported.
        message: String,
    },
    /// A required field (partner name, governance form) is absent.
    #[error("`{source_name}` has no `{field}`; it is required.")]
    MissingField {
        /// File or source the answers came from.
        source_name: String,
        /// The missing field.
        field: String,
    },
    /// An answer is outside the item's 7-point scale.
    #[error("Answer `{item}` = {value} in `{source_name}` is out of range: answers run from 1 to 7.")]
    OutOfRange {
        /// File or source the answers came from.
        source_name: String,
        /// Item id.
        item: String,
        /// The offending value.
        value: f64,
    },
    /// An answer names an item that the instrument does not have.
    #[error(
        "`{source_name}` answers item `{item}`, which is not in the instrument (see `entente assess --questionnaire`)."
    )]
    UnknownItem {
        /// File or source the answers came from.
        source_name: String,
        /// The unknown item id.
        item: String,
    },
    /// The governance form is not one of the four forms of the integration continuum.
    #[error("Unknown governance form `{value}` in `{source_name}`: use `licensing`, `non-equity-jv`, `equity-jv` or `merger-acquisition`.")]
    UnknownGovernance {
        /// File or source the answers came from.
        source_name: String,
        /// The value given.
        value: String,
    },
    /// The equity share of an equity joint venture is not a fraction.
    #[error("Equity share {value} in `{source_name}` is out of range: give the partner's share as a fraction between 0 and 1.")]
    EquityShare {
        /// File or source the answers came from.
        source_name: String,
        /// The value given.
        value: f64,
    },
    /// Too few answers remain to score a construct.
    #[error("Too few answers in `{source_name}` to score `{construct}`: {answered} of {total} items answered, at least {needed} needed.")]
    TooFewAnswers {
        /// File or source the answers came from.
        source_name: String,
        /// Construct id (or `motives` for the motive set).
        construct: String,
        /// Items (or motives) answered.
        answered: usize,
        /// Items (or motives) in the construct.
        total: usize,
        /// Minimum required.
        needed: usize,
    },
    /// No motive is rated as important, so no overall index can be weighted.
    #[error("Every motive in `{source_name}` has importance 1 (not important): the overall exploitation-exploration index needs at least one important motive.")]
    NoImportantMotive {
        /// File or source the answers came from.
        source_name: String,
    },
    /// Both answer files name the same partner.
    #[error("Both answer files name the partner `{name}`: a dyad needs two different partners.")]
    SamePartner {
        /// The shared name.
        name: String,
    },
    /// The partners report different governance forms for the same alliance.
    #[error(
        "The partners disagree on the governance form: `{first}` says `{first_form}`, `{second}` says `{second_form}`."
    )]
    GovernanceDisagreement {
        /// First source.
        first: String,
        /// Form in the first source.
        first_form: String,
        /// Second source.
        second: String,
        /// Form in the second source.
        second_form: String,
    },
    /// The partners' equity shares add up to more than the whole.
    #[error("The equity shares in `{first}` and `{second}` add up to {total}, more than 1.")]
    EquityShares {
        /// First source.
        first: String,
        /// Second source.
        second: String,
        /// Sum of the shares.
        total: f64,
    },
    /// A CSV of respondents mixes several partners.
    #[error("`{source_name}` mixes partners `{first}` and `{other}`: give one file per partner.")]
    MixedPartners {
        /// File or source.
        source_name: String,
        /// First partner name seen.
        first: String,
        /// Another partner name.
        other: String,
    },
    /// No example dyad has this name.
    #[error("There is no example dyad `{name}`; the examples are: {available}.")]
    UnknownExample {
        /// Requested name.
        name: String,
        /// Comma-separated list of names.
        available: String,
    },
    /// Population data problem (missing column, bad value).
    #[error("Population data `{source_name}`, row {row}, column `{column}`: {message}.")]
    PopulationData {
        /// File or source.
        source_name: String,
        /// 1-based data row (0 for the header).
        row: usize,
        /// Column name.
        column: String,
        /// What is wrong.
        message: String,
    },
    /// The regression could not be estimated.
    #[error("Cannot estimate `{model}`: {message}.")]
    Estimation {
        /// Model label.
        model: String,
        /// What went wrong.
        message: String,
    },
}
