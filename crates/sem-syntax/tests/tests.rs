//! Integration tests of `sem-syntax`, one module per area.

mod errors;
mod performance;
mod properties;
mod tutorial;
