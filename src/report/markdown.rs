//! The Markdown summary (`--summary`, GitHub's step summary): per run the counts, a status table
//! of the connections that did not pass (one row each, one column per check), then every check
//! that did not pass with its message and fix. Text that did not come from zoho-doctor is made
//! safe (`text::safe`: control and bidi characters, newlines too, as `\u{…}`), cut like the
//! table's, and escaped for Markdown, so a `|` cannot split a table cell, nor a backtick, `<` or
//! `[` become code, HTML or a link. GitHub refuses a step summary over 1 MiB: past `budget`
//! bytes the summary lists only the counts and what did not pass, compactly, and says how much
//! was left out.

use std::fmt::Write as _;

use super::{
    model::{CheckReport, ConnectionReport, RunReport, Status},
    spool::Run,
};
use crate::text;

/// The summary's size limit for GitHub's step summary (GitHub caps one at 1 MiB): room left for
/// what other tools append in the same step.
pub const STEP_SUMMARY_BUDGET: usize = 900 * 1024;

/// The most characters of a message or fix the summary shows (as the table: the JSON report
/// keeps everything).
const TEXT_CHARS: usize = 1000;
/// The most characters of a name (user, check id, code, pipeline).
const NAME_CHARS: usize = 100;
/// Room kept under the budget for the note that says what was left out.
const NOTE_ROOM: usize = 512;

/// The summary of one or more runs (the demo has several), at most about `budget` bytes.
pub fn render(runs: &[Run<'_>], budget: usize) -> std::io::Result<String> {
    let failing: Vec<Failing> = runs.iter().map(Failing::of).collect::<Result<_, _>>()?;
    let full = full(runs, &failing)?;
    if full.len() <= budget {
        return Ok(full);
    }
    compact(runs, &failing, budget, full.len())
}

/// A run's connections that did not pass: how many, and the ids of their checks (the status
/// table's columns, in the pipeline's order, as the connections ran them).
struct Failing {
    count: usize,
    ids: Vec<String>,
}

impl Failing {
    fn of(run: &Run<'_>) -> std::io::Result<Failing> {
        let mut failing = Failing {
            count: 0,
            ids: Vec::new(),
        };
        each_failing(run, &mut |connection| {
            failing.count += 1;
            for check in &connection.checks {
                if !failing.ids.contains(&check.id) {
                    failing.ids.push(check.id.clone());
                }
            }
            Ok(())
        })?;
        Ok(failing)
    }
}

fn full(runs: &[Run<'_>], failing: &[Failing]) -> std::io::Result<String> {
    let mut out = String::from("## zoho-doctor\n\n");
    for (run, failing) in runs.iter().zip(failing) {
        heading(&mut out, run.head, failing.count);
        if failing.count == 0 {
            continue;
        }
        status_table(&mut out, run, &failing.ids)?;
        out.push_str("#### What did not pass\n\n");
        each_failing(run, &mut |connection| {
            for check in connection
                .checks
                .iter()
                .filter(|c| c.status != Status::Pass)
            {
                finding(&mut out, connection, check);
            }
            Ok(())
        })?;
        out.push('\n');
    }
    Ok(out)
}

/// The counts and, per connection that did not pass, one line of its checks' statuses: no
/// message, no fix. Lines stop before `budget`; the note says what was left out.
fn compact(
    runs: &[Run<'_>],
    failing: &[Failing],
    budget: usize,
    full_len: usize,
) -> std::io::Result<String> {
    let mut out = String::from("## zoho-doctor\n\n");
    for (run, failing) in runs.iter().zip(failing) {
        heading(&mut out, run.head, failing.count);
    }
    out.push_str("#### What did not pass\n\n");
    let mut left_out = 0;
    for run in runs {
        each_failing(run, &mut |connection| {
            let line = compact_line(run.head, connection);
            if left_out > 0 || out.len() + line.len() + NOTE_ROOM > budget {
                left_out += 1;
            } else {
                out.push_str(&line);
            }
            Ok(())
        })?;
    }
    let more = if left_out == 0 {
        String::new()
    } else {
        format!(", and {left_out} connections that did not pass are not listed")
    };
    let _ = writeln!(
        out,
        "\n> [!NOTE]\n> The full summary is {} KiB, over the {} KiB this summary may take (GitHub \
         caps a step summary at 1 MiB): the messages and fixes were left out{more}. The JSON and \
         JUnit reports (`--json`, `--junit`) hold everything.",
        full_len.div_ceil(1024),
        budget / 1024
    );
    Ok(out)
}

/// `### pipeline`, the counts, and the run's notes.
fn heading(out: &mut String, report: &RunReport, failing: usize) {
    let s = &report.summary;
    let _ = writeln!(
        out,
        "### {} ({}){}\n",
        name(&report.pipeline),
        name(&report.pipeline_file),
        report
            .shard
            .map(|shard| format!(", shard {shard}"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "{} connection{}, {} checks: {} passed, {} warned, {} failed, {} errored, {} skipped\n",
        s.connections,
        if s.connections == 1 { "" } else { "s" },
        s.checks,
        s.passed,
        s.warned,
        strong(s.failed),
        strong(s.errored),
        s.skipped
    );
    if report.interrupted {
        out.push_str(
            "Interrupted: no new connection was started after the signal; only the connections that finished are here.\n\n",
        );
    }
    if failing == 0 && s.connections > 0 {
        let _ = writeln!(out, "Every connection passed.\n");
    }
}

/// A count in bold when it is not zero: what a reader looks for first.
fn strong(count: usize) -> String {
    if count == 0 {
        count.to_string()
    } else {
        format!("**{count}**")
    }
}

/// Calls `each` with the connections whose worst check did not pass, or whose `--fix` write
/// failed.
fn each_failing(
    run: &Run<'_>,
    each: &mut dyn FnMut(&ConnectionReport) -> std::io::Result<()>,
) -> std::io::Result<()> {
    run.connections.each_not_passed(each)
}

/// One row per connection that did not pass, one column per check id.
fn status_table(out: &mut String, run: &Run<'_>, ids: &[String]) -> std::io::Result<()> {
    let header: Vec<String> = ids.iter().map(|id| cell(id, NAME_CHARS)).collect();
    let _ = writeln!(out, "| Connection | DC | Status | {} |", header.join(" | "));
    let _ = writeln!(out, "|---|---|---|{}", "---|".repeat(ids.len()));
    each_failing(run, &mut |connection| {
        let statuses: Vec<String> = ids
            .iter()
            .map(|id| {
                connection
                    .checks
                    .iter()
                    .find(|check| check.id == *id)
                    .map_or_else(String::new, |check| badge(check.status).to_owned())
            })
            .collect();
        let status = if connection.write_failed {
            format!("{} (`--fix` could not write)", badge(connection.status))
        } else {
            badge(connection.status).to_owned()
        };
        let _ = writeln!(
            out,
            "| {} | {} | {status} | {} |",
            cell(&connection.user, NAME_CHARS),
            cell(connection.dc.as_deref().unwrap_or(""), NAME_CHARS),
            statuses.join(" | ")
        );
        Ok(())
    })?;
    out.push('\n');
    Ok(())
}

/// One check that did not pass: status, where, code, message, then the fix.
fn finding(out: &mut String, connection: &ConnectionReport, check: &CheckReport) {
    let code = check
        .code
        .as_deref()
        .map(|code| format!(" ({})", cell(code, NAME_CHARS)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "- {} · {} · **{}**{code}: {}",
        badge(check.status),
        cell(&connection.user, NAME_CHARS),
        cell(&check.id, NAME_CHARS),
        cell(&check.message, TEXT_CHARS)
    );
    if let Some(hint) = &check.hint {
        let _ = writeln!(out, "  - Fix: {}", cell(hint, TEXT_CHARS));
    }
}

fn compact_line(report: &RunReport, connection: &ConnectionReport) -> String {
    let checks: Vec<String> = connection
        .checks
        .iter()
        .filter(|check| check.status != Status::Pass)
        .map(|check| {
            let code = check
                .code
                .as_deref()
                .map(|code| format!(" {}", cell(code, NAME_CHARS)))
                .unwrap_or_default();
            format!(
                "{} {}{code}",
                cell(&check.id, NAME_CHARS),
                check.status.label()
            )
        })
        .collect();
    format!(
        "- {} · {}: {}\n",
        name(&report.pipeline),
        cell(&connection.user, NAME_CHARS),
        checks.join(", ")
    )
}

fn badge(status: Status) -> &'static str {
    match status {
        Status::Pass => "✅ PASS",
        Status::Warn => "⚠️ WARN",
        Status::Fail => "❌ FAIL",
        Status::Error => "💥 ERROR",
        Status::Skip => "⏭️ SKIP",
    }
}

fn name(text: &str) -> String {
    cell(text, NAME_CHARS)
}

/// Text from Zoho, the store or the pipeline, for one line or one table cell: cut after `max`
/// characters, every control character (a newline too) as `\u{…}`, then escaped for Markdown.
fn cell(text: &str, max: usize) -> String {
    escape(&text::echo(text, max))
}

/// Backslash-escapes what Markdown (GitHub's flavour) would read as syntax: `|` would end a
/// table cell, a backtick start code, `*`, `_` and `~` emphasis, `[` `]` a link, `<` `>` and
/// `&` HTML or an entity, and `\` an escape of its own. Every ASCII punctuation character may be
/// escaped, so the rendered text is the original.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '~' | '[' | ']' | '<' | '>' | '&' | '|' | '#' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
#[path = "markdown_tests.rs"]
mod tests;
