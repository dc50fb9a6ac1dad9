//! Integration tests of `sem-syntax`, one module per area.

mod errors;
mod lavaan_parity;
mod performance;
mod properties;
mod tutorial;
