//! Integration tests of alliance-core, one module per area.

mod bad_input;
mod examples;
mod glm_reference;
mod population;
mod properties;
