//! The library's top-level error: everything that stops a command before checks can report. Each
//! layer has its own error type (pipeline, store, endpoints and HTTP, report); this wraps them
//! with their sources kept, for `main` to print once and `exit` to map to a code.

use std::path::PathBuf;

use thiserror::Error;

use crate::{
    pipeline::PipelineErrors,
    report::ReportError,
    store::StoreError,
    zoho::{endpoints::EndpointError, http::HttpError},
};

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Pipeline(#[from] PipelineErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// The HTTP client could not be built (TLS set-up).
    #[error(transparent)]
    HttpClient(HttpError),
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The command line asks for something that cannot be done.
    #[error("{0}")]
    Usage(String),
    /// No connection selected (`--all` over a store without rows): nothing can be checked.
    #[error("no connections matched: --all found none in the store {store}")]
    NoConnections { store: String },
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("simulator: {0}")]
    Sim(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
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
