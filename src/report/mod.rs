//! Reporters. They read `model` only and never decide anything: the table for people, JUnit
//! for CI, JSON for machines.

pub mod json;
pub mod junit;
pub mod model;
pub mod table;

use std::path::Path;

use crate::Error;

/// Writes `contents` to `path` atomically (temp file in the same directory, then rename), so a
/// CI job never reads half a report.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), Error> {
    use std::io::Write as _;
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(directory)
        .map_err(|err| Error::io("create a file in", directory, err))?;
    file.write_all(contents)
        .and_then(|()| file.flush())
        .map_err(|err| Error::io("write", path, err))?;
    file.persist(path)
        .map_err(|err| Error::io("write", path, err.error))?;
    Ok(())
}
