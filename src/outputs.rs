//! Where a run's reports go (`--junit`, `--json`, `--summary`, GitHub's step summary), checked
//! before anything is requested or written, and the Markdown summary written to them.

use std::path::Path;

use crate::{
    Error,
    cli::Format,
    job::{Screen, is_stdout, stdout},
    report::{self, ReportError, spool::Run, target::Target},
};

/// Where the reports go, checked before anything is requested or written.
#[derive(Debug, Clone)]
pub struct Outputs {
    pub format: Format,
    pub junit: Option<Target>,
    pub json: Option<Target>,
    /// `--summary FILE`: the Markdown summary, written as the other reports are.
    pub summary: Option<Target>,
    /// GitHub's step summary (`GITHUB_STEP_SUMMARY`), appended to: other steps write it too.
    pub step_summary: Option<Target>,
}

/// `--summary none`: no Markdown summary, not even GitHub's step summary.
const NO_SUMMARY: &str = "none";

impl Outputs {
    /// Checks every report target (`report::target`) and that stdout carries one report at
    /// most: before the first request and the first write to the store. GitHub's step summary
    /// is added when `GITHUB_STEP_SUMMARY` names a file, unless `--summary none`.
    pub fn check(
        format: Format,
        junit: Option<&Path>,
        json: Option<&Path>,
        summary: Option<&Path>,
    ) -> Result<Outputs, Error> {
        let on_stdout: Vec<&str> = [("--junit", junit), ("--json", json), ("--summary", summary)]
            .into_iter()
            .filter(|(_, path)| path.is_some_and(is_stdout))
            .map(|(flag, _)| flag)
            .collect();
        if let [first, second, ..] = on_stdout[..] {
            return Err(Error::Usage(format!(
                "{first} - and {second} - both ask for stdout, which carries one report; write one of them to a file"
            )));
        }
        if let (Format::Json, Some(flag)) = (format, on_stdout.first()) {
            return Err(Error::Usage(format!(
                "--format json already prints the JSON report on stdout, which carries one report; drop `{flag} -` or write it to a file"
            )));
        }
        let none = summary.is_some_and(|path| path == Path::new(NO_SUMMARY));
        let step_summary = std::env::var_os("GITHUB_STEP_SUMMARY")
            .filter(|path| !path.is_empty() && !none)
            .map(|path| {
                Target::check(Path::new(&path)).map_err(|err| {
                    Error::Usage(format!(
                        "GITHUB_STEP_SUMMARY: {err}; `--summary none` leaves the step summary out"
                    ))
                })
            })
            .transpose()?;
        Ok(Outputs {
            format,
            junit: junit.map(Target::check).transpose()?,
            json: json.map(Target::check).transpose()?,
            summary: summary.filter(|_| !none).map(Target::check).transpose()?,
            step_summary,
        })
    }

    /// Whether a report takes stdout (the table then goes to stderr).
    pub fn screen(&self) -> Screen {
        let dash = |target: &Option<Target>| *target == Some(Target::Stdout);
        if dash(&self.junit) || dash(&self.json) || dash(&self.summary) {
            Screen::Stderr
        } else {
            Screen::Stdout
        }
    }

    /// Writes the Markdown summary of `runs` to `--summary`'s target and appends it to
    /// GitHub's step summary; the first that cannot be written is the error, after the other
    /// was tried.
    pub fn write_summary(&self, runs: &[Run<'_>]) -> Result<(), ReportError> {
        if self.summary.is_none() && self.step_summary.is_none() {
            return Ok(());
        }
        let markdown = report::markdown::render(runs, report::markdown::STEP_SUMMARY_BUDGET)
            .map_err(ReportError::Spool)?;
        let mut failed = None;
        if let Some(target) = &self.summary {
            failed = write_report(target, &markdown).err();
        }
        if let Some(target) = &self.step_summary
            && let Err(error) = report::target::append(target, markdown.as_bytes())
        {
            failed.get_or_insert(error);
        }
        failed.map_or(Ok(()), Err)
    }
}

/// Writes a report to its target, stdout included.
pub fn write_report(target: &Target, contents: &str) -> Result<(), ReportError> {
    match target {
        Target::Stdout => {
            stdout(contents);
            if !contents.ends_with('\n') {
                stdout("\n");
            }
            Ok(())
        }
        other => other.write(contents.as_bytes()),
    }
}
