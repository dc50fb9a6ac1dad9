//! Typed errors of the study pipeline.

use thiserror::Error;

/// Everything that can stop a study step.
#[derive(Debug, Error)]
pub enum StudyError {
    /// A file could not be read or written.
    #[error("Cannot access `{path}`: {message}.")]
    Io {
        /// The file.
        path: String,
        /// What the system reported.
        message: String,
    },
    /// `study.toml` is malformed or inconsistent.
    #[error("`study.toml` is not valid: {0}.")]
    Config(String),
    /// The study folder already exists and is not empty.
    #[error("`{0}` already holds a study; use `--force` to overwrite it.")]
    Exists(String),
    /// A data file cannot be used.
    #[error("Data `{source_name}`: {message}.")]
    Data {
        /// File name.
        source_name: String,
        /// What is wrong.
        message: String,
    },
    /// A model failed in the SEM engine.
    #[error("Model `{model}`: {source}")]
    Sem {
        /// Which model.
        model: String,
        /// The engine's error (boxed: it is large).
        source: Box<sem::SemError>,
    },
    /// Simulation or power failed.
    #[error(transparent)]
    Resample(Box<sem_resample::ResampleError>),
    /// Country scores or dyads for cultural distance are unusable.
    #[error("Cultural distance: {0}.")]
    Distance(String),
}

impl StudyError {
    /// An I/O error on `path`.
    pub fn io(path: &std::path::Path, e: std::io::Error) -> Self {
        StudyError::Io { path: path.display().to_string(), message: e.to_string() }
    }

    /// An engine error on model `model`.
    pub fn sem(model: &str, source: sem::SemError) -> Self {
        StudyError::Sem { model: model.to_string(), source: Box::new(source) }
    }
}

impl From<sem_resample::ResampleError> for StudyError {
    fn from(e: sem_resample::ResampleError) -> Self {
        StudyError::Resample(Box::new(e))
    }
}
