//! Integration tests of the `sem` facade.
mod bad_input;
mod compare;
mod modindices;
mod quality;
mod reference;
