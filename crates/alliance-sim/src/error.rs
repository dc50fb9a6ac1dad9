//! Typed errors of the simulator.

use thiserror::Error;

/// Everything that can go wrong when reading a scenario or setting up a run.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SimError {
    /// TOML syntax error, unknown key, missing key or wrong type, with its position.
    #[error("Scenario line {line}, column {column}: {msg}.")]
    Toml {
        /// 1-based line (0 when toml gives no position).
        line: usize,
        /// 1-based column.
        column: usize,
        /// toml's message.
        msg: String,
    },
    /// A validation error located in the scenario text.
    #[error("Scenario line {line}, column {column}: {error}")]
    At {
        /// 1-based line of the offending value.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        error: Box<SimError>,
    },
    /// A number outside its range.
    #[error("`{key}` = {value} is outside its range {range}.")]
    OutOfRange {
        /// Dotted key.
        key: String,
        /// The value given.
        value: f64,
        /// The allowed range.
        range: String,
    },
    /// A value that is not acceptable for another reason.
    #[error("`{key}`: {msg}.")]
    Invalid {
        /// Dotted key.
        key: String,
        /// What is wrong.
        msg: String,
    },
    /// A scheduled shock that ends after the last period.
    #[error("Shock `shocks[{index}]` ends in period {end}, beyond the horizon of {periods} periods.")]
    ShockBeyondHorizon {
        /// Index of the shock.
        index: usize,
        /// Its last period.
        end: u32,
        /// The scenario's horizon.
        periods: u32,
    },
    /// A parameter path that names no numeric parameter of a scenario.
    #[error("`{key}` is not a numeric parameter of the scenario.")]
    UnknownParameter {
        /// Dotted key as given.
        key: String,
    },
    /// An example name that is not shipped.
    #[error("There is no example scenario `{name}`; the examples are `{available}`.")]
    UnknownExample {
        /// Name asked for.
        name: String,
        /// Names shipped.
        available: String,
    },
    /// A shard specification that does not fit the run.
    #[error("Shard {index}/{count} is not valid: use 1 <= i <= N and N <= the number of replications ({reps}).")]
    Shard {
        /// 1-based shard index.
        index: u32,
        /// Number of shards.
        count: u32,
        /// Replications.
        reps: u32,
    },
}
