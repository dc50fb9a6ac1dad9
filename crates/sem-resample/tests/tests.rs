//! Integration tests of sem-resample: lavaan's bootstrap, Monte Carlo properties, reproducibility.
mod bootstrap;
mod power;
