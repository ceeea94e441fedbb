//! Reporters. They read `model` only and never decide anything: the table for people, JUnit
//! for CI, JSON for machines, Markdown for a CI's summary page; `target` is where a report goes
//! (stdout, a file, a device); `spool` keeps a fleet's finished connections on disk (in memory
//! where no temporary file can be made) until they are written; `merge` reads shards' JSON reports back into one.

pub mod json;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod model;
pub mod spool;
pub mod table;
pub mod target;

use std::path::PathBuf;

use thiserror::Error;

/// A report that cannot be rendered or written.
#[derive(Debug, Error)]
pub enum ReportError {
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A report target that is not a place for a report (a directory, a dangling link).
    #[error("cannot write a report to `{}`: {reason}", path.display())]
    Refused { path: PathBuf, reason: String },
    /// The finished connections could not be read back from their temporary file.
    #[error("cannot read back the finished connections for the reports: {0}")]
    Spool(#[source] std::io::Error),
    #[error("cannot render the JUnit report: {0}")]
    Render(#[source] quick_junit::SerializeError),
    /// Shard reports that are not one complete run (`zoho-doctor merge`).
    // Boxed: a merge error names several files, and every `Result<_, Error>` would carry its size.
    #[error(transparent)]
    Merge(Box<merge::MergeError>),
    /// A report that could not be written after `--fix` had run: the checks ran and the store
    /// may have changed, so this is not "nothing was checked".
    #[error(
        "{source}\n--fix had already run before the report failed; what it did to the store:\n{}",
        done.join("\n")
    )]
    AfterFix {
        /// `  user X: change`, one line per change.
        done: Vec<String>,
        #[source]
        source: Box<ReportError>,
    },
}

impl From<merge::MergeError> for ReportError {
    fn from(error: merge::MergeError) -> Self {
        ReportError::Merge(Box::new(error))
    }
}

impl ReportError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        ReportError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
