//! The library's top-level error: everything that stops a run before checks can report.

use std::path::PathBuf;

use thiserror::Error;

use crate::{pipeline::PipelineErrors, store::StoreError, zoho::endpoints::EndpointError};

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Pipeline(#[from] PipelineErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("simulator: {0}")]
    Sim(String),
}

impl Error {
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
