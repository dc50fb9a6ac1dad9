//! Integration tests of sem-ordinal against lavaan 0.6.14 references (`reference/`).
mod stats;
