//! The table for people: one table per connection (status, check, time, message), the hints
//! of what did not pass under it, then the profile's key fields, and a summary line. Colour only
//! when the caller says so (a TTY without NO_COLOR); comfy-table itself ignores NO_COLOR. Every
//! text from Zoho, the store or the pipeline is shown escaped (`text::safe`) and cut to a
//! readable length, and long lists end in "… and N more": the JSON report keeps everything.

use std::fmt::Write as _;

use colored::Colorize;
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};

use super::model::{CheckReport, ConnectionReport, RunReport, Status};
use crate::text;

/// The most characters of a name (pipeline, user, check id, code) the table shows.
const NAME_CHARS: usize = 100;
/// The most characters of a message, hint, evidence line, profile value or change it shows.
const TEXT_CHARS: usize = 1000;
/// The most lines of a list (a check's evidence, the profile, the changes) it shows.
const LIST_LINES: usize = 20;

#[derive(Debug, Clone, Copy)]
pub struct TableOptions {
    pub colour: bool,
    /// Show every check's evidence, not only the failures'.
    pub verbose: bool,
    /// Wrap the message column to this width; `None` uses the terminal's width on a TTY.
    pub width: Option<u16>,
}

pub fn render(report: &RunReport, options: &TableOptions) -> String {
    colored::control::set_override(options.colour);
    let mut out = String::new();
    for connection in &report.connections {
        render_connection(&mut out, report, connection, options);
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "{}: {} connection{}, {} checks — {} passed, {} warned, {} failed, {} errored, {} skipped ({} ms){}",
        name(&report.pipeline),
        s.connections,
        if s.connections == 1 { "" } else { "s" },
        s.checks,
        s.passed,
        s.warned,
        paint(&s.failed.to_string(), s.failed > 0, Status::Fail),
        paint(&s.errored.to_string(), s.errored > 0, Status::Error),
        s.skipped,
        report.duration_ms,
        if report.interrupted {
            " — interrupted: no new connection was started after the signal"
        } else {
            ""
        }
    );
    colored::control::unset_override();
    out
}

fn render_connection(
    out: &mut String,
    report: &RunReport,
    connection: &ConnectionReport,
    options: &TableOptions,
) {
    let dc = connection
        .dc
        .as_deref()
        .map(|dc| format!(" · dc {}", name(dc)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} · user {}{dc} · {}",
        name(&report.pipeline).bold(),
        name(&connection.user).bold(),
        badge(connection.status)
    );
    let mut table = new_table(&["Status", "Check", "Time", "Message"], options.width);
    // Styling is only ever added when colour is on, so a TTY without colour stays plain.
    if options.colour {
        table.enforce_styling();
    }
    for check in &connection.checks {
        let mut status = Cell::new(check.status.label());
        if options.colour {
            status = status.fg(colour_of(check.status));
        }
        table.add_row(vec![
            status,
            Cell::new(name(&check.id)),
            Cell::new(format!("{} ms", check.duration_ms)),
            Cell::new(line(&check.message)),
        ]);
    }
    let _ = writeln!(out, "{table}");

    let noteworthy: Vec<&CheckReport> = connection
        .checks
        .iter()
        .filter(|check| {
            matches!(check.status, Status::Fail | Status::Error | Status::Warn)
                || (options.verbose && !check.evidence.is_empty())
        })
        .collect();
    for check in noteworthy {
        let code = check
            .code
            .as_deref()
            .map(|code| format!(" [{}]", name(code)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} {}{code}",
            badge(check.status),
            name(&check.id).bold()
        );
        if let Some(hint) = &check.hint {
            let _ = writeln!(out, "    fix: {}", line(hint));
        }
        let show_evidence = options.verbose || matches!(check.status, Status::Fail | Status::Error);
        if show_evidence {
            list(out, &check.evidence, |evidence| {
                format!("    {} {}", "·".dimmed(), line(evidence))
            });
        }
    }
    if !connection.profile.is_empty() {
        let _ = writeln!(out, "  {}", "Profile".bold());
        list(out, &connection.profile, |field| {
            format!("    {}: {}", name(&field.name), line(&field.value))
        });
    }
    if !connection.changes.is_empty() {
        let _ = writeln!(out, "  {}", "Changes".bold());
        list(out, &connection.changes, |change| {
            format!("    {}", line(change))
        });
    }
    out.push('\n');
}

/// A name as the table shows it: escaped, and cut after `NAME_CHARS` characters.
fn name(text: &str) -> String {
    text::echo(text, NAME_CHARS)
}

/// A message, hint or list line as the table shows it: escaped (a newline inside it too), and
/// cut after `TEXT_CHARS` characters.
fn line(text: &str) -> String {
    text::echo(text, TEXT_CHARS)
}

/// The first `LIST_LINES` items of a list, one line each, then how many more there are.
fn list<T>(out: &mut String, items: &[T], show: impl Fn(&T) -> String) {
    for item in items.iter().take(LIST_LINES) {
        let _ = writeln!(out, "{}", show(item));
    }
    if items.len() > LIST_LINES {
        let _ = writeln!(
            out,
            "    … and {} more (the JSON report has them all)",
            items.len() - LIST_LINES
        );
    }
}

/// zoho-doctor's table look: condensed UTF-8 borders, wrapping to `width` when given.
pub fn new_table(header: &[&str], width: Option<u16>) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    if let Some(width) = width {
        table.set_width(width);
    }
    table
}

fn colour_of(status: Status) -> Color {
    match status {
        Status::Pass => Color::Green,
        Status::Warn => Color::Yellow,
        Status::Fail => Color::Red,
        Status::Error => Color::Magenta,
        Status::Skip => Color::DarkGrey,
    }
}

fn badge(status: Status) -> String {
    let label = status.label();
    match status {
        Status::Pass => label.green().to_string(),
        Status::Warn => label.yellow().to_string(),
        Status::Fail => label.red().bold().to_string(),
        Status::Error => label.magenta().bold().to_string(),
        Status::Skip => label.dimmed().to_string(),
    }
}

fn paint(text: &str, active: bool, status: Status) -> String {
    if !active {
        return text.to_owned();
    }
    match status {
        Status::Fail => text.red().bold().to_string(),
        Status::Error => text.magenta().bold().to_string(),
        Status::Pass | Status::Warn | Status::Skip => text.to_owned(),
    }
}
