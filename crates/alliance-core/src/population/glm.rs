//! GLM.
