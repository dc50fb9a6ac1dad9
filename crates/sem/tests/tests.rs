//! Integration tests of the `sem` facade.
mod bad_input;
mod modindices;
mod reference;
