//! Everything reporters ever see: the results of a run, already redacted. The JSON reporter
//! serialises exactly this, so its field names are a stable, documented interface; `merge` reads
//! it back (what it renders, it parses to the same report).

use serde::{Deserialize, Serialize};

use super::spool::Run;
pub use crate::checks::outcome::Status;
use crate::{redact::Redactor, shard::Shard};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunReport {
    /// `zoho-doctor <version>`.
    pub tool: String,
    pub pipeline: String,
    pub pipeline_file: String,
    pub app: String,
    pub store: String,
    /// RFC 3339.
    pub started_at: String,
    pub duration_ms: u64,
    /// `--shard I/N`: the slice of the selection this run checked. Absent when not sharded (and
    /// in a merged report, which holds every shard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    pub summary: Summary,
    pub connections: Vec<ConnectionReport>,
    /// A signal stopped the run: only the connections that finished are here. Present (and
    /// `true`) only then.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Summary {
    pub connections: usize,
    pub checks: usize,
    pub passed: usize,
    pub warned: usize,
    pub failed: usize,
    pub errored: usize,
    pub skipped: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConnectionReport {
    pub user: String,
    /// The data centre code, when known.
    pub dc: Option<String>,
    /// The worst status among the checks.
    pub status: Status,
    pub checks: Vec<CheckReport>,
    /// The profile's key fields, when a profile check returned data.
    pub profile: Vec<Detail>,
    /// What `--fix` wrote (or would write), values redacted.
    pub changes: Vec<String>,
    /// `--fix` could not write this connection (rolled back; the reason is in `changes`).
    pub write_failed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckReport {
    pub id: String,
    pub kind: String,
    pub status: Status,
    pub message: String,
    pub hint: Option<String>,
    /// The Zoho error code (or zoho-doctor's finding code) behind a failure.
    pub code: Option<String>,
    pub evidence: Vec<String>,
    pub details: Vec<Detail>,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Detail {
    pub name: String,
    pub value: String,
}

impl Summary {
    /// Counts one more connection and its checks.
    pub fn add(&mut self, connection: &ConnectionReport) {
        self.connections += 1;
        for check in &connection.checks {
            self.checks += 1;
            match check.status {
                Status::Pass => self.passed += 1,
                Status::Warn => self.warned += 1,
                Status::Fail => self.failed += 1,
                Status::Error => self.errored += 1,
                Status::Skip => self.skipped += 1,
            }
        }
    }
}

impl RunReport {
    pub fn summarise(connections: &[ConnectionReport]) -> Summary {
        let mut summary = Summary::default();
        connections.iter().for_each(|c| summary.add(c));
        summary
    }

    /// The report with the connections it holds, for a reporter.
    pub fn whole(&self) -> Run<'_> {
        Run {
            head: self,
            connections: &self.connections,
        }
    }

    /// The run's own fields, without its connections.
    pub fn head(&self) -> RunReport {
        RunReport {
            tool: self.tool.clone(),
            pipeline: self.pipeline.clone(),
            pipeline_file: self.pipeline_file.clone(),
            app: self.app.clone(),
            store: self.store.clone(),
            started_at: self.started_at.clone(),
            duration_ms: self.duration_ms,
            shard: self.shard,
            summary: self.summary.clone(),
            connections: Vec::new(),
            interrupted: self.interrupted,
        }
    }

    /// Whether any check failed or errored, or a `--fix` write failed.
    pub fn has_failures(&self) -> bool {
        self.connections.iter().any(ConnectionReport::has_failures)
    }
}

impl ConnectionReport {
    /// Whether every check passed (warnings do not) and `--fix`, if it wrote, could write:
    /// what the Markdown summary leaves out.
    pub fn passed(&self) -> bool {
        self.status == Status::Pass && !self.write_failed
    }

    /// Whether a check failed or errored, or the `--fix` write failed.
    pub fn has_failures(&self) -> bool {
        self.write_failed || self.checks.iter().any(|check| check.status.is_failure())
    }

    /// Every text passed through the connection's redactor (the run's secrets, that
    /// connection's and the patterns): the only form reporters receive. Done once, as the
    /// connection finishes; the run's own fields go through the run's redactor.
    #[must_use]
    pub fn redacted(mut self, redactor: &Redactor) -> ConnectionReport {
        self.redact(redactor);
        self
    }

    fn redact(&mut self, redactor: &Redactor) {
        let r = |text: &mut String| *text = redactor.redact(text);
        r(&mut self.user);
        self.changes.iter_mut().for_each(r);
        for detail in &mut self.profile {
            r(&mut detail.value);
        }
        for check in &mut self.checks {
            r(&mut check.message);
            if let Some(hint) = &mut check.hint {
                r(hint);
            }
            if let Some(code) = &mut check.code {
                r(code);
            }
            check.evidence.iter_mut().for_each(r);
            for detail in &mut check.details {
                r(&mut detail.value);
            }
        }
    }
}
