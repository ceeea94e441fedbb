//! Reporters. They read `model` only and never decide anything: the table for people, JUnit
//! for CI, JSON for machines.

pub mod json;
pub mod junit;
pub mod model;
pub mod table;

use std::path::{Path, PathBuf};

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
    #[error("cannot render the JUnit report: {0}")]
    Render(#[source] quick_junit::SerializeError),
}

impl ReportError {
    fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ReportError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Fails early when a report could not be written to `path`, so a run (and its `--fix`
/// writes) never happens only to lose its report.
pub fn check_writable(path: &Path) -> Result<(), ReportError> {
    let directory = directory_of(path);
    tempfile::NamedTempFile::new_in(directory)
        .map(drop)
        // tempfile names its random file in the error; the directory is what the user gave.
        .map_err(|err| {
            let reason = match err.kind() {
                std::io::ErrorKind::NotFound => "the directory does not exist".to_owned(),
                std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
                other => other.to_string(),
            };
            ReportError::io(
                "write a report in",
                directory,
                std::io::Error::new(err.kind(), reason),
            )
        })
}

/// Writes `contents` to `path` atomically (temp file in the same directory, then rename), so a
/// CI job never reads half a report.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), ReportError> {
    use std::io::Write as _;
    let directory = directory_of(path);
    let mut file = tempfile::NamedTempFile::new_in(directory)
        .map_err(|err| ReportError::io("create a file in", directory, err))?;
    // Flushed to disk before the rename, so a crash leaves the old report or the new one.
    file.write_all(contents)
        .and_then(|()| file.flush())
        .and_then(|()| file.as_file().sync_all())
        .map_err(|err| ReportError::io("write", path, err))?;
    file.persist(path)
        .map_err(|err| ReportError::io("write", path, err.error))?;
    Ok(())
}
