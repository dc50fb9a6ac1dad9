//! Integration tests of the alliance workspace, one module per area. Every test drives the
//! real router with `oneshot` requests over a private in-memory SQLite database.

mod common;

mod authz;
mod flow;
mod postgres;
mod security;
