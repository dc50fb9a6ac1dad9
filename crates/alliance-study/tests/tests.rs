//! Integration tests of alliance-study.
