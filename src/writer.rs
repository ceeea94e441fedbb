//! A report written as it renders, never held whole as text: to a file (atomically) or a
//! stream through `report::target`, or to stdout through `job::stdout` (a reader that has gone
//! stops it quietly).

use std::io::Write as _;

use crate::{
    job,
    report::{self, ReportError, spool::Run, target::Target},
};

/// Writes the JSON report to its target as it is rendered: a fleet's report is never held
/// whole as text.
pub(crate) fn write_json(target: &Target, run: Run<'_>) -> Result<(), ReportError> {
    write_with(target, |out| report::json::write_run(run, out))
}

/// Writes a report to its target, stdout included, as `render` renders it; on stdout it ends
/// with a line break.
pub(crate) fn write_with(
    target: &Target,
    render: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), ReportError> {
    match target {
        Target::Stdout => {
            let mut out = std::io::BufWriter::new(LastByte {
                inner: StdoutWriter,
                last: None,
            });
            // Stdout's own failures are handled (and said) by `stdout`: an error here is the
            // report's (its connections could not be read back), and the report is cut short.
            let rendered = render(&mut out).and_then(|()| out.flush());
            if out.get_ref().last != Some(b'\n') {
                job::stdout("\n");
            }
            rendered.map_err(ReportError::Spool)
        }
        other => other.write_with(render),
    }
}

/// A writer that remembers the last byte written through it.
struct LastByte<W> {
    inner: W,
    last: Option<u8>,
}

impl<W: std::io::Write> std::io::Write for LastByte<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        if let Some(&last) = buf[..written].last() {
            self.last = Some(last);
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Stdout as a writer, through `stdout` (a reader that has gone stops it quietly).
struct StdoutWriter;

impl std::io::Write for StdoutWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        job::stdout_bytes(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_that_cannot_be_read_back_fails_on_stdout_too() {
        // The render fails as a spool that cannot be read does, after a first part went out.
        let error = write_with(&Target::Stdout, |out| {
            out.write_all(b"")?;
            Err(std::io::Error::other(
                "the report's temporary file could not be written",
            ))
        })
        .expect_err("the render's failure is the report's");
        assert!(
            error
                .to_string()
                .contains("temporary file could not be written"),
            "{error}"
        );
    }
}
