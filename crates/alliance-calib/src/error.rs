//! Typed errors of data loading, session selection, estimation and the fitted-parameter file.

use thiserror::Error;

/// Everything that can go wrong when calibrating or validating.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum CalibError {
    /// The data file could not be read or decompressed.
    #[error("Could not read `{path}`: {msg}.")]
    Io {
        /// The file.
        path: String,
        /// The operating system's or the decoder's message.
        msg: String,
    },
    /// Required columns are absent from the header.
    #[error("The data lack the column(s) {missing}; the experiment's GAdata.csv has `Session`, `Subject`, `GovStructure`, `Game`, `interaction`, `Period`, `Partnership`, `Profit` and `Choice` (see DATA_README.md).")]
    MissingColumns {
        /// The missing column names, each in backticks.
        missing: String,
    },
    /// A label that is not one of the experiment's.
    #[error("Line {line}: `{column}` = `{value}` is not a known label; expected one of {expected}.")]
    UnknownLabel {
        /// 1-based line in the file (the header is line 1).
        line: usize,
        /// Column name.
        column: String,
        /// The value found.
        value: String,
        /// The accepted labels.
        expected: String,
    },
    /// A cell that should hold a number.
    #[error("Line {line}: `{column}` = `{value}` is not a number.")]
    BadNumber {
        /// 1-based line.
        line: usize,
        /// Column name.
        column: String,
        /// The value found.
        value: String,
    },
    /// A malformed CSV line.
    #[error("Line {line}: {msg}.")]
    Csv {
        /// 1-based line.
        line: usize,
        /// The CSV reader's message.
        msg: String,
    },
    /// Rows of one alliance that do not fit together.
    #[error("Alliance session {session}, interaction {interaction}, partnership {partnership}: {msg}.")]
    Inconsistent {
        /// Session.
        session: u32,
        /// Interaction.
        interaction: u32,
        /// Partnership.
        partnership: u32,
        /// What does not fit.
        msg: String,
    },
    /// Two different profits for the same choices in the same treatment.
    #[error("Treatment `{treatment}`: the profit of {what} is {first} in one row and {second} in another; the payoffs cannot be read off the data.")]
    PayoffConflict {
        /// Treatment label.
        treatment: String,
        /// Which payoff.
        what: String,
        /// One value.
        first: f64,
        /// Another value.
        second: f64,
    },
    /// A payoff that no row of the data reveals.
    #[error("Treatment `{treatment}`: no row shows the profit of {what}, so its payoffs cannot be read off the data.")]
    PayoffMissing {
        /// Treatment label.
        treatment: String,
        /// Which payoff.
        what: String,
    },
    /// A malformed session list such as `1-x`.
    #[error("Session list `{spec}`: {msg}.")]
    SessionSpec {
        /// The list as given.
        spec: String,
        /// What is wrong.
        msg: String,
    },
    /// A session list that selects no alliance of the data.
    #[error("Session list `{spec}` selects no alliance; the data hold sessions {available}.")]
    EmptySelection {
        /// The list as given.
        spec: String,
        /// Sessions present in the data.
        available: String,
    },
    /// The fitted-parameter file is not valid.
    #[error("Fitted parameters: {msg}.")]
    Params {
        /// What is wrong.
        msg: String,
    },
    /// The optimiser could not evaluate the likelihood.
    #[error("Estimation failed: {msg}.")]
    Estimation {
        /// What went wrong.
        msg: String,
    },
}
