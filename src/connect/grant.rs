//! Where the grant code comes from — `ZOHO_GRANT_CODE` or one line of standard input, never an
//! argument (`ps` shows arguments to every user), not echoed on a terminal — and the random
//! `state` of an authorisation request.

use std::{
    hash::{BuildHasher, RandomState},
    io::{BufRead, IsTerminal, Read as _},
    time::{SystemTime, UNIX_EPOCH},
};

use secrecy::SecretString;

use crate::job;

/// The grant code from `ZOHO_GRANT_CODE`, else one line of standard input (prompted on a
/// terminal). `None` when neither holds one.
pub fn read_code(lookup: &dyn Fn(&str) -> Option<String>) -> Option<SecretString> {
    if let Some(code) = lookup("ZOHO_GRANT_CODE").filter(|code| !code.trim().is_empty()) {
        return Some(SecretString::from(code.trim().to_owned()));
    }
    let stdin = std::io::stdin();
    let hidden = stdin.is_terminal() && echo(false);
    if stdin.is_terminal() {
        job::stderr(if hidden {
            "Paste the grant code and press Enter (not shown): "
        } else {
            "Paste the grant code and press Enter (stty is missing: it is shown as you paste it): "
        });
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if hidden {
        echo(true);
        job::stderr("\n");
    }
    read.ok()?;
    let code = line.trim();
    (!code.is_empty()).then(|| SecretString::from(code.to_owned()))
}

/// Turns the terminal's echo off or on with `stty` on the inherited standard input (no
/// terminal-control dependency for one prompt); whether that worked.
fn echo(on: bool) -> bool {
    std::process::Command::new("stty")
        .arg(if on { "echo" } else { "-echo" })
        .stdin(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// 32 hex characters for `state`: from the system's random source, else from std's randomly
/// keyed hasher over the time (no extra dependency for one value an attacker cannot guess).
pub fn random_state() -> String {
    let mut bytes = [0u8; 16];
    let from_system = std::fs::File::open("/dev/urandom")
        .and_then(|mut file| file.read_exact(&mut bytes))
        .is_ok();
    if from_system {
        return bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    let first = RandomState::new().hash_one(nanos);
    let second = RandomState::new().hash_one((nanos, first));
    format!("{first:016x}{second:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_comes_from_the_variable_trimmed() {
        use secrecy::ExposeSecret as _;
        let code =
            read_code(&|name| (name == "ZOHO_GRANT_CODE").then(|| " 1000.abc \n".to_owned()));
        assert_eq!(code.expect("a code").expose_secret(), "1000.abc");
    }

    #[test]
    fn states_are_long_and_differ() {
        let (a, b) = (random_state(), random_state());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
