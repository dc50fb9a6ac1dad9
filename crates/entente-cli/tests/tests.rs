//! Integration tests of the `entente` binary, one module per verb.

mod assess;
