//! Where a report goes, decided before the run: stdout (`-`), a regular file (new, or replaced
//! through a temp file and a rename), a symlink's target file (the same, in the target's
//! directory; the link stays), or a device or FIFO (opened only when the report is written, and
//! written straight: `/dev/stdout` under a pipe stays a pipe). A file that is not ours (GitHub's
//! step summary) is appended to instead (`append`).

use std::{
    fs::{self, Metadata},
    io::{BufWriter, Write},
    path::{Path, PathBuf},
};

use super::ReportError;

/// A checked report target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `-`: the report is printed on stdout (and the table goes to stderr).
    Stdout,
    /// A regular file, new or existing (a symlink's resolved target), written to a temp file in
    /// its directory and renamed over it.
    File(PathBuf),
    /// A character or block device or a FIFO: opened when the report is written, written
    /// straight.
    Stream(PathBuf),
}

impl Target {
    /// What `path` is, and whether a report can go there — checked before the first request
    /// and the first write to the store, so a run never happens only to lose its report.
    pub fn check(path: &Path) -> Result<Target, ReportError> {
        if path == Path::new("-") {
            return Ok(Target::Stdout);
        }
        let refused = |reason: &str| ReportError::Refused {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        let found = match fs::symlink_metadata(path) {
            Ok(found) => found,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                check_directory(directory_of(path))?;
                return Ok(Target::File(path.to_owned()));
            }
            Err(err) => return Err(ReportError::io("read", path, err)),
        };
        let (found, file) = if found.file_type().is_symlink() {
            let target = match fs::metadata(path) {
                Ok(target) => target,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                    return Err(refused(
                        "it is a symbolic link to nothing (a dangling link); point it at a file or give another path",
                    ));
                }
                Err(err) => return Err(ReportError::io("follow the link", path, err)),
            };
            let file = if target.is_file() {
                fs::canonicalize(path)
                    .map_err(|err| ReportError::io("follow the link", path, err))?
            } else {
                path.to_owned()
            };
            (target, file)
        } else {
            (found, path.to_owned())
        };
        match Kind::of(&found) {
            Kind::Directory => Err(refused(
                "it is a directory; give a file name, e.g. DIR/report.xml",
            )),
            Kind::Socket => Err(refused("it is a socket; give a file, a device or a FIFO")),
            Kind::File => {
                check_directory(directory_of(&file))?;
                Ok(Target::File(file))
            }
            Kind::Stream => Ok(Target::Stream(file)),
        }
    }

    /// Writes `contents` to a file or stream target. `Stdout` is the caller's to print.
    pub fn write(&self, contents: &[u8]) -> Result<(), ReportError> {
        self.write_with(|out| out.write_all(contents))
    }

    /// Writes what `render` writes to a file or stream target, buffered, as `write` does: a
    /// large report goes out as it is rendered, never held whole. `Stdout` is the caller's.
    pub fn write_with(
        &self,
        render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), ReportError> {
        match self {
            Target::Stdout => Ok(()),
            Target::File(path) => write_atomically_with(path, render),
            Target::Stream(path) => fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|stream| {
                    let mut out = BufWriter::new(stream);
                    render(&mut out)?;
                    out.flush()
                })
                .map_err(|err| ReportError::io("write", path, err)),
        }
    }
}

/// Appends `contents` to a report file we do not own (GitHub's step summary, which other steps
/// write too): opened for appending, created if missing, never replaced. A device or FIFO is
/// written straight, as by `Target::write`.
pub fn append(target: &Target, contents: &[u8]) -> Result<(), ReportError> {
    let path = match target {
        Target::Stdout => return Ok(()),
        Target::Stream(_) => return target.write(contents),
        Target::File(path) => path,
    };
    fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .and_then(|mut file| {
            file.write_all(contents)?;
            file.flush()
        })
        .map_err(|err| ReportError::io("append to", path, err))
}

enum Kind {
    File,
    Directory,
    Socket,
    Stream,
}

impl Kind {
    fn of(found: &Metadata) -> Kind {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt as _;
            if found.file_type().is_socket() {
                return Kind::Socket;
            }
        }
        if found.is_dir() {
            Kind::Directory
        } else if found.is_file() {
            Kind::File
        } else {
            Kind::Stream
        }
    }
}

fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Fails unless a file can be created in `directory` (it exists, is a directory, is writable).
fn check_directory(directory: &Path) -> Result<(), ReportError> {
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
/// CI job never reads half a report. A replaced file keeps its mode; a new one gets the umask's.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), ReportError> {
    write_atomically_with(path, |out| out.write_all(contents))
}

/// `write_atomically` of what `render` writes, buffered.
fn write_atomically_with(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ReportError> {
    let directory = directory_of(path);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".zoho-doctor-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // Created with 0666, as any new file: the umask takes its bits away.
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut file = builder
        .tempfile_in(directory)
        .map_err(|err| ReportError::io("create a file in", directory, err))?;
    if let Ok(existing) = fs::metadata(path)
        && existing.is_file()
    {
        file.as_file()
            .set_permissions(existing.permissions())
            .map_err(|err| ReportError::io("keep the mode of", path, err))?;
    }
    // Flushed to disk before the rename, so a crash leaves the old report or the new one.
    let mut out = BufWriter::new(&mut file);
    render(&mut out)
        .and_then(|()| out.flush())
        .map_err(|err| ReportError::io("write", path, err))?;
    drop(out);
    file.as_file()
        .sync_all()
        .map_err(|err| ReportError::io("write", path, err))?;
    file.persist(path)
        .map_err(|err| ReportError::io("write", path, err.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_classified_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Target::check(Path::new("-")).unwrap(), Target::Stdout);
        let new = dir.path().join("new.xml");
        assert_eq!(Target::check(&new).unwrap(), Target::File(new.clone()));
        assert!(!new.exists(), "checking writes nothing");
        let refused = Target::check(dir.path()).unwrap_err().to_string();
        assert!(refused.contains("is a directory"), "{refused}");
        let missing = Target::check(&dir.path().join("absent/x.xml"))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("does not exist"), "{missing}");
        #[cfg(unix)]
        {
            let dangling = dir.path().join("dangling.xml");
            std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
            let refused = Target::check(&dangling).unwrap_err().to_string();
            assert!(refused.contains("dangling"), "{refused}");
            let link = dir.path().join("link.xml");
            std::fs::write(&new, "old").unwrap();
            std::os::unix::fs::symlink(&new, &link).unwrap();
            assert_eq!(
                Target::check(&link).unwrap(),
                Target::File(std::fs::canonicalize(&new).unwrap())
            );
            assert_eq!(
                Target::check(Path::new("/dev/null")).unwrap(),
                Target::Stream("/dev/null".into())
            );
        }
    }

    #[test]
    fn append_keeps_what_the_file_held_and_creates_a_missing_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("step-summary.md");
        let target = Target::check(&path).unwrap();
        append(&target, b"one\n").unwrap();
        append(&target, b"two\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\ntwo\n");
    }
}
