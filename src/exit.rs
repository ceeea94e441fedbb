//! The exit codes, as named constants, and the one mapping from an error to its code.

use crate::Error;

/// Every check passed (warnings and skips allowed).
pub const SUCCESS: u8 = 0;
/// At least one check failed or errored: the finding CI should stop on.
pub const CHECK_FAILED: u8 = 1;
/// Usage, pipeline, configuration or store error: nothing was checked.
pub const USAGE: u8 = 2;

/// The exit code for an error that stopped the run before any check could report.
pub fn code_for(error: &Error) -> u8 {
    match error {
        // All of these mean "we could not start": the user must fix input, not Zoho.
        Error::Pipeline(_)
        | Error::Store(_)
        | Error::Usage(_)
        | Error::Endpoint(_)
        | Error::Io { .. }
        | Error::Sim(_) => USAGE,
    }
}
