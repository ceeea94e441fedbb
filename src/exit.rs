//! The exit codes, as named constants, and the one mapping from how a command ended — or the
//! error that stopped it — to its code.

use crate::{Error, cli::FailOn, report::ReportError, runner::interrupt::Signal};

/// Every check passed (skips allowed, and warnings unless `--fail-on warn`).
pub const SUCCESS: u8 = 0;
/// At least one check failed or errored (or warned, under `--fail-on warn`), or every check
/// was skipped, or a report was lost after `--fix` wrote: the finding CI should stop on.
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
    /// Every check passed (skips allowed, and warnings unless `--fail-on warn`), or the
    /// command had nothing to judge.
    Passed,
    /// A check failed or errored.
    ChecksFailed,
    /// No check failed or errored, but one warned and `--fail-on warn` refuses warnings.
    Warned,
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
    /// `connect`: Zoho answered the grant code with an error (used or expired code, wrong client
    /// or redirect URI), or with no refresh token: nothing was stored.
    GrantRefused,
    /// `connect`: no grant code came (the user clicked Deny, the wait timed out, or the redirect
    /// carried another `state`): nothing was asked of Zoho's token endpoint.
    NoGrant,
}

impl Ending {
    /// A run's ending: a check failed or errored (or a `--fix` write failed), else a check
    /// warned under `--fail-on warn`, else every check was skipped, else it passed. An ERROR
    /// fails whatever the level; a SKIP among checks that ran fails nothing.
    pub fn of_run(failed: bool, warned: bool, all_skipped: bool, fail_on: FailOn) -> Ending {
        if failed {
            Ending::ChecksFailed
        } else if warned && fail_on == FailOn::Warn {
            Ending::Warned
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
            Ending::Warned => Some("a check warned, and --fail-on warn fails the run on a warning"),
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
            // `connect` has already said why, with the fix.
            Ending::GrantRefused | Ending::NoGrant => None,
        }
    }
}

/// The exit code of a command: how it ended, or the error that stopped it.
pub fn code(result: &Result<Ending, Error>) -> u8 {
    match result {
        Ok(Ending::Passed | Ending::EmptyShard) => SUCCESS,
        Ok(
            Ending::ChecksFailed
            | Ending::Warned
            | Ending::NothingChecked
            | Ending::ScenariosMissed
            | Ending::ShardInterrupted
            | Ending::GrantRefused,
        ) => CHECK_FAILED,
        Ok(Ending::PipelinesInvalid | Ending::NoGrant) => USAGE,
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
        assert_eq!(code(&Ok(Ending::GrantRefused)), 1);
        assert_eq!(code(&Ok(Ending::NoGrant)), 2);
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
        assert_eq!(code(&Ok(Ending::Warned)), 1);
    }

    #[test]
    fn a_run_ends_by_its_worst_finding_and_the_fail_on_level() {
        use FailOn::{Fail, Warn};
        // (failed, warned, all_skipped, level) -> ending
        let cases = [
            ((true, false, false, Fail), Ending::ChecksFailed),
            ((true, true, false, Warn), Ending::ChecksFailed),
            // A warning passes by default, and fails under `--fail-on warn`.
            ((false, true, false, Fail), Ending::Passed),
            ((false, true, false, Warn), Ending::Warned),
            // Skips among checks that ran never fail a run, whatever the level.
            ((false, false, false, Warn), Ending::Passed),
            // Nothing checked at all is not a pass.
            ((false, false, true, Fail), Ending::NothingChecked),
            ((false, false, true, Warn), Ending::NothingChecked),
        ];
        for ((failed, warned, all_skipped, level), ending) in cases {
            assert_eq!(
                Ending::of_run(failed, warned, all_skipped, level),
                ending,
                "failed={failed} warned={warned} all_skipped={all_skipped} {level:?}"
            );
        }
    }
}
