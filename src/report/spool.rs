//! A run's finished connections, kept on disk until its reports are written: each as its JSON
//! report text (`json::fragment`), added as it finishes, in any order, and handed to the
//! reporters in the users' order. A fleet's memory then does not grow with its connections
//! (10,000 connections' reports are about 70 MB of JSON); the temporary file has no name, so
//! nothing is left behind, and where none can be made (no writable `TMPDIR`) the texts stay
//! in memory.

use std::{
    fs::File,
    io::{Read as _, Seek as _, SeekFrom, Write as _},
};

use super::{
    json,
    model::{ConnectionReport, RunReport},
};

/// A run's connections in the users' order, handed to a reporter one at a time: no reporter
/// needs them all at once, so a fleet's can wait on disk (`Spool`) instead of in memory.
pub trait Connections: Sync {
    /// Calls `each` with every connection, in order, and stops at the first error.
    fn each(
        &self,
        each: &mut dyn FnMut(&ConnectionReport) -> std::io::Result<()>,
    ) -> std::io::Result<()>;

    /// Calls `each` with the connections that did not pass (`ConnectionReport::passed`), in order.
    fn each_not_passed(
        &self,
        each: &mut dyn FnMut(&ConnectionReport) -> std::io::Result<()>,
    ) -> std::io::Result<()>;

    /// Calls `each` with every connection's JSON text (`json::fragment`), in order.
    fn each_json(&self, each: &mut dyn FnMut(&[u8]) -> std::io::Result<()>) -> std::io::Result<()>;
}

impl Connections for Vec<ConnectionReport> {
    fn each(
        &self,
        each: &mut dyn FnMut(&ConnectionReport) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.iter().try_for_each(each)
    }

    fn each_not_passed(
        &self,
        each: &mut dyn FnMut(&ConnectionReport) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.iter()
            .filter(|connection| !connection.passed())
            .try_for_each(each)
    }

    fn each_json(&self, each: &mut dyn FnMut(&[u8]) -> std::io::Result<()>) -> std::io::Result<()> {
        self.iter()
            .try_for_each(|connection| each(&json::fragment(connection)))
    }
}

/// What a reporter renders: a run's own fields (`head`; its `connections` are not read) and its
/// connections, wherever they are kept.
#[derive(Clone, Copy)]
pub struct Run<'a> {
    pub head: &'a RunReport,
    pub connections: &'a dyn Connections,
}

/// Finished connections' report texts, by their place in the users' order.
pub struct Spool {
    scratch: Scratch,
    /// Where each connection's text is; `None`: it has not finished.
    spans: Vec<Option<Span>>,
    end: u64,
    /// The first write that failed: every report read from the spool fails with it.
    failed: Option<std::io::Error>,
}

/// A temporary file with no name (removed when dropped), or memory where none can be made.
pub(crate) enum Scratch {
    File(File),
    Memory(Vec<u8>),
}

impl Scratch {
    pub(crate) fn new() -> Scratch {
        tempfile::tempfile().map_or(Scratch::Memory(Vec::new()), Scratch::File)
    }

    /// Writes `bytes` at `offset` (the end of what was written so far).
    fn write_at(&mut self, offset: u64, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Scratch::File(file) => file
                .seek(SeekFrom::Start(offset))
                .and_then(|_| file.write_all(bytes)),
            Scratch::Memory(memory) => {
                memory.extend_from_slice(bytes);
                Ok(())
            }
        }
    }

    /// Reads `len` bytes at `offset` into `buffer`.
    fn read_at<'a>(
        &'a self,
        offset: u64,
        len: usize,
        buffer: &'a mut Vec<u8>,
    ) -> std::io::Result<&'a [u8]> {
        match self {
            Scratch::File(file) => {
                buffer.resize(len, 0);
                read_exact_at(file, buffer, offset)?;
                Ok(&buffer[..])
            }
            Scratch::Memory(memory) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX);
                memory
                    .get(start..start.saturating_add(len))
                    .ok_or_else(|| std::io::Error::other("read past the end of the spool"))
            }
        }
    }
}

/// Reads at `offset` without moving a cursor another reader shares.
#[cfg(unix)]
fn read_exact_at(file: &File, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buffer, offset)
}

#[cfg(not(unix))]
fn read_exact_at(mut file: &File, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buffer)
}

/// A scratch area written front to back, then copied whole (JUnit's suites, written before
/// the root's counts are known).
pub(crate) struct Appender {
    scratch: Scratch,
    end: u64,
}

impl Appender {
    pub(crate) fn new() -> Appender {
        Appender {
            scratch: Scratch::new(),
            end: 0,
        }
    }

    pub(crate) fn append(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.scratch.write_at(self.end, bytes)?;
        self.end += bytes.len() as u64;
        Ok(())
    }

    /// Copies everything appended to `out`.
    pub(crate) fn copy_to(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        match &mut self.scratch {
            Scratch::File(file) => {
                file.seek(SeekFrom::Start(0))?;
                let file: &File = file;
                std::io::copy(&mut file.take(self.end), out).map(|_| ())
            }
            Scratch::Memory(memory) => out.write_all(memory),
        }
    }
}

/// One connection's text in the scratch, and whether the connection passed.
#[derive(Debug, Clone, Copy)]
struct Span {
    offset: u64,
    len: usize,
    passed: bool,
}

impl Default for Spool {
    fn default() -> Self {
        Self::new()
    }
}

impl Spool {
    /// An empty spool; it grows as connections are put.
    pub fn new() -> Spool {
        Spool {
            scratch: Scratch::new(),
            spans: Vec::new(),
            end: 0,
            failed: None,
        }
    }

    /// Keeps `connection`, at `index` in the users' order, as `text` (its `json::fragment`).
    pub fn put(&mut self, index: usize, connection: &ConnectionReport, text: &[u8]) {
        if index >= self.spans.len() {
            self.spans.resize(index + 1, None);
        }
        match self.scratch.write_at(self.end, text) {
            Ok(()) => {
                self.spans[index] = Some(Span {
                    offset: self.end,
                    len: text.len(),
                    passed: connection.passed(),
                });
                self.end += text.len() as u64;
            }
            Err(error) => {
                self.failed.get_or_insert(error);
            }
        }
    }

    /// How many connections it holds.
    pub fn len(&self) -> usize {
        self.spans.iter().flatten().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The texts of the connections `keep` selects, in the users' order.
    fn each_text(
        &self,
        keep: fn(&Span) -> bool,
        each: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        if let Some(error) = &self.failed {
            return Err(std::io::Error::new(
                error.kind(),
                format!("the report's temporary file could not be written: {error}"),
            ));
        }
        let mut buffer = Vec::new();
        for span in self.spans.iter().flatten().filter(|span| keep(span)) {
            each(self.scratch.read_at(span.offset, span.len, &mut buffer)?)?;
        }
        Ok(())
    }
}

impl Connections for Spool {
    fn each(
        &self,
        each: &mut dyn FnMut(&ConnectionReport) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.each_json(&mut |text| each(&json::parse_fragment(text)?))
    }

    /// Only those are read back and parsed: a fleet that passed costs its summary nothing.
    fn each_not_passed(
        &self,
        each: &mut dyn FnMut(&ConnectionReport) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.each_text(|span| !span.passed, &mut |text| {
            each(&json::parse_fragment(text)?)
        })
    }

    /// The texts as they were put: nothing is parsed or rendered again.
    fn each_json(&self, each: &mut dyn FnMut(&[u8]) -> std::io::Result<()>) -> std::io::Result<()> {
        self.each_text(|_| true, each)
    }
}

/// A spool of `connections`, put in reverse order as a fleet's may finish (tests of reporters).
#[cfg(test)]
pub(crate) fn spooled(connections: &[ConnectionReport]) -> Spool {
    let mut spool = Spool::new();
    for (index, connection) in connections.iter().enumerate().rev() {
        spool.put(index, connection, &json::fragment(connection));
    }
    spool
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::Status;

    fn connection(user: &str) -> ConnectionReport {
        ConnectionReport {
            user: user.to_owned(),
            dc: Some("eu".to_owned()),
            status: Status::Pass,
            checks: Vec::new(),
            profile: Vec::new(),
            changes: Vec::new(),
            write_failed: false,
        }
    }

    fn users(spool: &Spool) -> Vec<String> {
        let mut users = Vec::new();
        spool
            .each(&mut |connection| {
                users.push(connection.user.clone());
                Ok(())
            })
            .expect("reads back");
        users
    }

    #[test]
    fn connections_put_in_completion_order_come_back_in_the_users_order() {
        for mut spool in [
            Spool::new(),
            Spool {
                scratch: Scratch::Memory(Vec::new()),
                ..Spool::new()
            },
        ] {
            for (index, user) in [(2, "c"), (0, "a"), (3, "d")] {
                spool.put(index, &connection(user), &json::fragment(&connection(user)));
            }
            assert_eq!(users(&spool), ["a", "c", "d"], "b never finished");
            assert_eq!(spool.len(), 3);
        }
    }

    #[test]
    fn only_the_connections_that_did_not_pass_are_read_back_for_them() {
        let mut spool = Spool::new();
        for (index, user, status) in [
            (0, "a", Status::Pass),
            (1, "b", Status::Warn),
            (2, "c", Status::Pass),
        ] {
            let connection = ConnectionReport {
                status,
                ..connection(user)
            };
            spool.put(index, &connection, &json::fragment(&connection));
        }
        let mut read = Vec::new();
        spool
            .each_not_passed(&mut |connection| {
                read.push(connection.user.clone());
                Ok(())
            })
            .expect("reads back");
        assert_eq!(read, ["b"]);
    }

    #[test]
    fn a_write_that_failed_fails_every_read_and_says_so() {
        // A file opened read-only: every write to it fails, as a full disk's would.
        let read_only = tempfile::NamedTempFile::new().expect("a temporary file");
        let mut spool = Spool {
            scratch: Scratch::File(File::open(read_only.path()).expect("opens")),
            ..Spool::new()
        };
        spool.put(0, &connection("a"), &json::fragment(&connection("a")));
        let error = spool.each(&mut |_| Ok(())).expect_err("fails");
        assert!(
            error
                .to_string()
                .contains("temporary file could not be written"),
            "{error}"
        );
    }
}
