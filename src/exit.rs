//! The exit codes, as named constants, and the one mapping from how a command ended — or the
//! error that stopped it — to its code.

use crate::Error;

/// Every check passed (warnings and skips allowed).
pub const SUCCESS: u8 = 0;
/// At least one check failed or errored: the finding CI should stop on.
pub const CHECK_FAILED: u8 = 1;
/// Usage, pipeline, configuration or store error: nothing was checked.
pub const USAGE: u8 = 2;

/// How a command that ran to its end ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Every check passed (warnings and skips allowed), or the command had nothing to judge.
    Passed,
    /// A check failed or errored.
    ChecksFailed,
    /// `validate` found invalid pipelines: nothing was checked.
    PipelinesInvalid,
    /// `demo` diagnosed a scenario other than as expected.
    ScenariosMissed,
}

impl Ending {
    /// A run's ending from whether any check failed or errored.
    pub fn of_checks(failed: bool) -> Ending {
        if failed {
            Ending::ChecksFailed
        } else {
            Ending::Passed
        }
    }
}

/// The exit code of a command: how it ended, or the error that stopped it.
pub fn code(result: &Result<Ending, Error>) -> u8 {
    match result {
        Ok(Ending::Passed) => SUCCESS,
        Ok(Ending::ChecksFailed | Ending::ScenariosMissed) => CHECK_FAILED,
        Ok(Ending::PipelinesInvalid) => USAGE,
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
        assert_eq!(code(&Ok(Ending::PipelinesInvalid)), 2);
        assert_eq!(code(&Err(Error::Usage("x".to_owned()))), 2);
        assert_eq!(Ending::of_checks(true), Ending::ChecksFailed);
        assert_eq!(Ending::of_checks(false), Ending::Passed);
    }
}
