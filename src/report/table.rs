//! The table for people: one table per connection (status, check, time, message), the hints
//! of what did not pass under it, then the profile's key fields, and a summary line. Colour only
//! when the caller says so (a TTY without NO_COLOR); comfy-table itself ignores NO_COLOR.

use std::fmt::Write as _;

use colored::Colorize;
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};

use super::model::{CheckReport, ConnectionReport, RunReport, Status};

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
        "{}: {} connection{}, {} checks — {} passed, {} warned, {} failed, {} errored, {} skipped ({} ms)",
        report.pipeline,
        s.connections,
        if s.connections == 1 { "" } else { "s" },
        s.checks,
        s.passed,
        s.warned,
        paint(&s.failed.to_string(), s.failed > 0, Status::Fail),
        paint(&s.errored.to_string(), s.errored > 0, Status::Error),
        s.skipped,
        report.duration_ms
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
        .map(|dc| format!(" · dc {dc}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} · user {}{dc} · {}",
        report.pipeline.bold(),
        connection.user.bold(),
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
            Cell::new(&check.id),
            Cell::new(format!("{} ms", check.duration_ms)),
            Cell::new(&check.message),
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
            .map(|code| format!(" [{code}]"))
            .unwrap_or_default();
        let _ = writeln!(out, "  {} {}{code}", badge(check.status), check.id.bold());
        if let Some(hint) = &check.hint {
            let _ = writeln!(out, "    fix: {hint}");
        }
        let show_evidence = options.verbose || matches!(check.status, Status::Fail | Status::Error);
        if show_evidence {
            for line in &check.evidence {
                let _ = writeln!(out, "    {} {line}", "·".dimmed());
            }
        }
    }
    if !connection.profile.is_empty() {
        let _ = writeln!(out, "  {}", "Profile".bold());
        for field in &connection.profile {
            let _ = writeln!(out, "    {}: {}", field.name, field.value);
        }
    }
    if !connection.changes.is_empty() {
        let _ = writeln!(out, "  {}", "Changes".bold());
        for change in &connection.changes {
            let _ = writeln!(out, "    {change}");
        }
    }
    out.push('\n');
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
