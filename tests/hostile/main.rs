//! Hostile inputs and faults (issue 8): broken and escape-laden answers from every simulated
//! service (`answers`), what Zoho, the store or the user sends is shown escaped and cut
//! (`escapes`, `limits`), report targets are checked before the run and never replace a device,
//! FIFO or link (`targets`), a closed stdout is no crash (`pipes`), Ctrl-C and SIGTERM (`signals`), and how a run
//! that checked nothing ends (`endings`). One test binary.

#[path = "../common/mod.rs"]
#[expect(dead_code, reason = "each test crate uses only some of the helpers")]
mod common;

mod answers;
mod endings;
mod escapes;
mod limits;
mod pipes;
mod signals;
mod targets;

use zoho_doctor::report::model::{CheckReport, ConnectionReport, Detail, RunReport, Status};

/// Characters that must never reach a terminal or a CI page raw: an escape (colours, a window
/// title), BEL, NUL, backspace, CR, DEL, a C1 control, the bidi marks and overrides.
const RAW: &[char] = &[
    '\u{1b}', '\u{7}', '\u{0}', '\u{8}', '\r', '\u{7f}', '\u{85}', '\u{9b}', '\u{61c}', '\u{200e}',
    '\u{200f}', '\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}',
];

/// The raw characters of `RAW` found in `text`, for one readable assertion.
fn raw_in(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .chars()
        .filter(|c| RAW.contains(c))
        .map(|c| c.escape_unicode().to_string())
        .collect();
    found.dedup();
    found
}

/// A report with one connection and one check, for the renderers.
fn report(connection: ConnectionReport) -> RunReport {
    let connections = vec![connection];
    RunReport {
        tool: "zoho-doctor test".to_owned(),
        pipeline: "desk-profile".to_owned(),
        pipeline_file: "checks/desk.yaml".to_owned(),
        app: "desk".to_owned(),
        store: "sqlite://x.db".to_owned(),
        started_at: "2026-01-01T00:00:00+00:00".to_owned(),
        duration_ms: 0,
        shard: None,
        summary: RunReport::summarise(&connections),
        connections,
        interrupted: false,
    }
}

fn check(id: &str, status: Status, message: &str) -> CheckReport {
    CheckReport {
        id: id.to_owned(),
        kind: "desk-org-id".to_owned(),
        status,
        message: message.to_owned(),
        hint: None,
        code: None,
        evidence: Vec::new(),
        details: Vec::new(),
        duration_ms: 1,
    }
}

fn connection(user: &str, checks: Vec<CheckReport>) -> ConnectionReport {
    ConnectionReport {
        user: user.to_owned(),
        dc: Some("us".to_owned()),
        status: Status::worst(checks.iter().map(|check| check.status)),
        checks,
        profile: Vec::new(),
        changes: Vec::new(),
        write_failed: false,
    }
}

fn detail(name: &str, value: &str) -> Detail {
    Detail {
        name: name.to_owned(),
        value: value.to_owned(),
    }
}

/// A command's exit code, stdout and stderr.
fn output(cmd: &mut std::process::Command) -> (i32, String, String) {
    let output = cmd.output().expect("binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
