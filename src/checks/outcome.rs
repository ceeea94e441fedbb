//! What a check returns: a `Status`, an `Outcome` (status, message, hint, evidence) and the
//! `Discovery` values the runner folds into the facts later checks read. The bottom layer: the
//! runner and the report model read these types; they read nothing above them.

use serde::{Deserialize, Serialize};

use super::facts::Discovery;
use crate::zoho::{catalogue::ZohoError, http::HttpError};

/// A check's status. `Fail`: Zoho or the data said no. `Error`: we could not find out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Error,
    Skip,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Error => "ERROR",
            Status::Skip => "SKIP",
        }
    }

    /// Whether a check that `needs` this one may run.
    pub fn satisfies_needs(self) -> bool {
        match self {
            Status::Pass | Status::Warn => true,
            Status::Fail | Status::Error | Status::Skip => false,
        }
    }

    /// Whether this status makes the run exit 1.
    pub fn is_failure(self) -> bool {
        match self {
            Status::Fail | Status::Error => true,
            Status::Pass | Status::Warn | Status::Skip => false,
        }
    }

    /// For a connection's overall status: the worst of its checks.
    fn severity(self) -> u8 {
        match self {
            Status::Pass => 0,
            Status::Skip => 1,
            Status::Warn => 2,
            Status::Fail => 3,
            Status::Error => 4,
        }
    }

    pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Status {
        statuses
            .into_iter()
            .max_by_key(|status| status.severity())
            .unwrap_or(Status::Pass)
    }
}

/// One check's result, before timing and redaction.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    pub message: String,
    /// The concrete fix, for Fail/Error/Warn.
    pub hint: Option<String>,
    /// The Zoho error code (or zoho-doctor's own finding code) behind a failure.
    pub code: Option<String>,
    /// Redacted request/response summaries, one per line.
    pub evidence: Vec<String>,
    /// Key/value details worth showing (profile fields, organisations).
    pub details: Vec<(String, String)>,
}

impl Outcome {
    fn new(status: Status, message: impl Into<String>) -> Self {
        Outcome {
            status,
            message: message.into(),
            hint: None,
            code: None,
            evidence: Vec::new(),
            details: Vec::new(),
        }
    }

    pub fn pass(message: impl Into<String>) -> Self {
        Self::new(Status::Pass, message)
    }

    pub fn warn(message: impl Into<String>) -> Self {
        Self::new(Status::Warn, message)
    }

    pub fn fail(message: impl Into<String>) -> Self {
        Self::new(Status::Fail, message)
    }

    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Status::Error, message)
    }

    pub fn skip(message: impl Into<String>) -> Self {
        Self::new(Status::Skip, message)
    }

    /// A Zoho "no", explained from the catalogue.
    pub fn zoho_error(context: &str, error: &ZohoError) -> Self {
        Self::fail(format!("{context}: {}", error.describe()))
            .hint(error.hint())
            .code(error.wire_code.clone())
    }

    /// We could not find out: the network or Zoho's answer got in the way.
    pub fn http_error(context: &str, error: &HttpError) -> Self {
        let hint = match error {
            HttpError::Insecure(_) => {
                "use an https:// URL; plain http is for the local simulator only"
            }
            HttpError::Timeout { .. } => {
                "Zoho did not answer in time; raise `settings.timeout` or retry later"
            }
            HttpError::Connect { .. } => "check the network, proxy and ZOHO_*_URL overrides",
            HttpError::BadUrl(_) | HttpError::Other { .. } => "run with -v to see the exchange",
        };
        Self::error(format!("{context}: {error}")).hint(hint)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    pub fn evidence(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(line.into());
        self
    }

    pub fn evidence_lines(mut self, lines: impl IntoIterator<Item = String>) -> Self {
        self.evidence.extend(lines);
        self
    }

    pub fn detail(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.details.push((key.into(), value.into()));
        self
    }

    pub fn verdict(self) -> Verdict {
        Verdict {
            outcome: self,
            discoveries: Vec::new(),
        }
    }
}

/// An outcome with what the check found out for later checks.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub outcome: Outcome,
    pub discoveries: Vec<Discovery>,
}

impl Verdict {
    pub fn discover(mut self, discovery: Discovery) -> Self {
        self.discoveries.push(discovery);
        self
    }
}

impl From<Outcome> for Verdict {
    fn from(outcome: Outcome) -> Self {
        outcome.verdict()
    }
}
