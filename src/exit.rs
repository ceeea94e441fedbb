//! The exit codes, as named constants, and the one mapping from how a command ended — or the
//! error that stopped it — to its code.

use crate::{Error, report::ReportError, runner::interrupt::Signal};

/// Every check passed (warnings and skips allowed).
pub const SUCCESS: u8 = 0;
/// At least one check failed or errored, or every check was skipped, or a report was lost
/// after `--fix` wrote: the finding CI should stop on.
pub const CHECK_FAILED: u8 = 1;
/// Usage, pipeline, configuration or store error, or no connection selected: nothing was
/// checked.
pub const USAGE: u8 = 2;

/// Stopped by Ctrl-C (128 + SIGINT's number), as shells report it.
pub const INTERRUPTED: u8 = 130;
/// Stopped by SIGTERM (128 + its number), as Kubernetes and CI runners send it.
pub const TERMINATED: u8 = 143;

/// The code of a run a signal stopped.
fn of_signal(signal: Signal) -> u8 {
    match signal {
        Signal::Interrupt => INTERRUPTED,
        Signal::Terminate => TERMINATED,
    }
}

/// A second signal: stop at once, with the signal's code.
pub fn exit_now(signal: Signal) -> ! {
    std::process::exit(i32::from(of_signal(signal)))
}

/// How a command that ran to its end ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Every check passed (warnings and skips allowed), or the command had nothing to judge.
    Passed,
    /// A check failed or errored.
    ChecksFailed,
    /// Connections were selected, but every check was skipped: nothing was checked, which CI
    /// must not take for a pass.
    NothingChecked,
    /// `validate` found invalid pipelines: nothing was checked.
    PipelinesInvalid,
    /// `demo` diagnosed a scenario other than as expected.
    ScenariosMissed,
    /// A signal stopped the run: the connections that finished were reported, marked so.
    Interrupted(Signal),
    /// `--shard I/N` left this machine nothing of a non-empty selection: the other shards hold
    /// every connection, so this one passed.
    EmptyShard,
    /// `merge` combined a shard a signal had stopped: the connections it never started are
    /// missing, which CI must not take for a pass.
    ShardInterrupted,
}

impl Ending {
    /// A run's ending: a check failed or errored (or a `--fix` write failed), else every check
    /// was skipped, else it passed.
    pub fn of_run(failed: bool, all_skipped: bool) -> Ending {
        if failed {
            Ending::ChecksFailed
        } else if all_skipped {
            Ending::NothingChecked
        } else {
            Ending::Passed
        }
    }

    /// What `main` says on stderr about an ending the output alone would not make plain.
    pub fn note(self) -> Option<&'static str> {
        match self {
            Ending::NothingChecked => {
                Some("nothing was checked: every check was skipped (the report says why)")
            }
            Ending::Interrupted(_) => Some(
                "interrupted: no new connection was started; the reports hold the connections that finished, marked interrupted",
            ),
            Ending::EmptyShard => Some(
                "this shard's slice of the selection is empty: nothing to check on this machine (the other shards hold every selected connection)",
            ),
            Ending::ShardInterrupted => Some(
                "a shard was interrupted: the merged report holds the connections it finished, marked interrupted; those it never started are missing, so rerun that shard",
            ),
            Ending::Passed
            | Ending::ChecksFailed
            | Ending::PipelinesInvalid
            | Ending::ScenariosMissed => None,
        }
    }
}

/// The exit code of a command: how it ended, or the error that stopped it.
pub fn code(result: &Result<Ending, Error>) -> u8 {
    match result {
        Ok(Ending::Passed | Ending::EmptyShard) => SUCCESS,
        Ok(
            Ending::ChecksFailed
            | Ending::NothingChecked
            | Ending::ScenariosMissed
            | Ending::ShardInterrupted,
        ) => CHECK_FAILED,
        Ok(Ending::PipelinesInvalid) => USAGE,
        Ok(Ending::Interrupted(signal)) => of_signal(*signal),
        // The checks ran and `--fix` may have written to the store: something was done.
        Err(Error::Report(ReportError::AfterFix { .. })) => CHECK_FAILED,
        // Every error means "we could not start": the user must fix input, not Zoho — an HTTP
        // client that cannot be built or a report that cannot be written included.
        Err(
            Error::Pipeline(_)
            | Error::Store(_)
            | Error::Endpoint(_)
            | Error::HttpClient(_)
            | Error::Report(_)
            | Error::Usage(_)
            | Error::NoConnections { .. }
            | Error::Io { .. }
            | Error::Sim(_)
            | Error::Runtime(_),
        ) => USAGE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endings_and_errors_map_to_the_documented_codes() {
        assert_eq!(code(&Ok(Ending::Passed)), 0);
        assert_eq!(code(&Ok(Ending::ChecksFailed)), 1);
        assert_eq!(code(&Ok(Ending::ScenariosMissed)), 1);
        assert_eq!(code(&Ok(Ending::NothingChecked)), 1);
        assert_eq!(code(&Ok(Ending::EmptyShard)), 0);
        assert_eq!(code(&Ok(Ending::ShardInterrupted)), 1);
        let lost = ReportError::Refused {
            path: "x".into(),
            reason: "y".to_owned(),
        };
        let after_fix = ReportError::AfterFix {
            done: vec!["  user u: `access_token`: *** → *** (refreshed)".to_owned()],
            source: Box::new(lost),
        };
        assert_eq!(code(&Err(Error::Report(after_fix))), 1);
        let lost = ReportError::Refused {
            path: "x".into(),
            reason: "y".to_owned(),
        };
        assert_eq!(code(&Err(Error::Report(lost))), 2);
        assert_eq!(code(&Ok(Ending::PipelinesInvalid)), 2);
        assert_eq!(code(&Err(Error::Usage("x".to_owned()))), 2);
        assert_eq!(Ending::of_run(true, true), Ending::ChecksFailed);
        assert_eq!(Ending::of_run(false, true), Ending::NothingChecked);
        assert_eq!(Ending::of_run(false, false), Ending::Passed);
    }
}
