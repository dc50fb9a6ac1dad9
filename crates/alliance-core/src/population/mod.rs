//! Population tests of the mismatch propositions P1-P6.

pub mod glm;
