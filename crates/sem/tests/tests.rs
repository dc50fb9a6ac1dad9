//! Integration tests of the `sem` facade.
mod bad_input;
mod compare;
mod mlr;
mod modindices;
mod ordinal;
mod quality;
mod reference;
