//! The table for people: one table per connection (status, check, time, message), the hints
//! of what did not pass under it, then the profile's key fields, and a summary line; quiet, only
//! what did not pass and the summary line. Colour only when the caller says so; comfy-table
//! itself ignores NO_COLOR. Tables, fixes and evidence wrap at the caller's width, and not at
//! all without one. Every text from Zoho, the store or the pipeline is shown escaped
//! (`text::safe`) and cut to a readable length, and long lists end in "… and N more": the JSON
//! report keeps everything.

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
    /// Show only the connections and checks that did not pass, and the summary line.
    pub quiet: bool,
    /// Wrap tables, fixes and evidence at this width; `None`: never wrap.
    pub width: Option<u16>,
}

/// The narrowest a wrapped text gets, however deep its indent or narrow the terminal: below
/// this, one word a line reads worse than a line that overflows.
const MIN_WRAP: usize = 30;

pub fn render(report: &RunReport, options: &TableOptions) -> String {
    let mut out: String = report
        .connections
        .iter()
        .map(|connection| render_one(&report.pipeline, connection, options))
        .collect();
    out.push_str(&render_summary(report, options));
    out
}

/// One connection's block of the table (nothing under `-q` when it passed), as `render` shows
/// it: printed as the connection finishes.
pub fn render_one(pipeline: &str, connection: &ConnectionReport, options: &TableOptions) -> String {
    // A `--fix` write that failed fails the run: never hidden.
    if options.quiet && connection.status == Status::Pass && !connection.write_failed {
        return String::new();
    }
    colored::control::set_override(options.colour);
    let mut out = String::new();
    render_connection(&mut out, pipeline, connection, options);
    colored::control::unset_override();
    out
}

/// The table's last line: the run's summary.
pub fn render_summary(report: &RunReport, options: &TableOptions) -> String {
    colored::control::set_override(options.colour);
    let mut out = String::new();
    let s = &report.summary;
    let _ = writeln!(
        out,
        "{}{}: {} connection{}, {} checks — {} passed, {} warned, {} failed, {} errored, {} skipped ({} ms){}",
        name(&report.pipeline),
        report
            .shard
            .map(|shard| format!(" (shard {shard})"))
            .unwrap_or_default(),
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
    pipeline: &str,
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
        name(pipeline).bold(),
        name(&connection.user).bold(),
        badge(connection.status)
    );
    let mut table = new_table(&["Status", "Check", "Time", "Message"], options.width);
    // Styling is only ever added when colour is on, so a TTY without colour stays plain.
    if options.colour {
        table.enforce_styling();
    }
    let shown = connection
        .checks
        .iter()
        .filter(|check| !options.quiet || check.status != Status::Pass);
    for check in shown {
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
            let _ = writeln!(out, "    fix: {}", wrap(&line(hint), 9, options.width));
        }
        let show_evidence = options.verbose || matches!(check.status, Status::Fail | Status::Error);
        if show_evidence {
            list(out, &check.evidence, |evidence| {
                format!(
                    "    {} {}",
                    "·".dimmed(),
                    wrap(&line(evidence), 6, options.width)
                )
            });
        }
    }
    // Quiet: what did not pass is above; the profile is what passed.
    if !connection.profile.is_empty() && !options.quiet {
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

/// `text`, which follows an `indent` characters wide prefix, broken at spaces into lines that
/// fit `width` (a word longer than a line is cut), each after the first indented by `indent`
/// spaces. `None`: one line. Widths count characters: every text here is escaped already, and
/// a wide (CJK) character merely makes its line wrap late.
pub fn wrap(text: &str, indent: usize, width: Option<u16>) -> String {
    let Some(width) = width else {
        return text.to_owned();
    };
    let room = usize::from(width).saturating_sub(indent).max(MIN_WRAP);
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut used = 0;
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        if used > 0 && used + 1 + word.len() > room {
            lines.push(std::mem::take(&mut current));
            used = 0;
        }
        if used > 0 {
            current.push(' ');
            used += 1;
        }
        while used + word.len() > room {
            let head: String = word.drain(..room - used).collect();
            current.push_str(&head);
            lines.push(std::mem::take(&mut current));
            used = 0;
        }
        used += word.len();
        current.extend(word);
    }
    lines.push(current);
    lines.join(&format!("\n{}", " ".repeat(indent)))
}

/// The width of the terminal that stdout (or stderr) is, as comfy-table reads it; `None` when
/// it is not a terminal or its size cannot be read.
pub fn terminal_width(stderr: bool) -> Option<u16> {
    let mut probe = Table::new();
    if stderr {
        probe.use_stderr();
    }
    probe.width().filter(|&width| width > 0)
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
    match width {
        Some(width) => {
            table.set_width(width);
        }
        // Not comfy-table's own guess at stdout's terminal: the caller decided (the table may go
        // to stderr, or to a pipe that must not wrap).
        None => {
            table.force_no_tty();
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn check(id: &str, status: Status, hint: Option<&str>) -> CheckReport {
        CheckReport {
            id: id.to_owned(),
            kind: "token-refresh".to_owned(),
            status,
            message: format!("{id} said so"),
            hint: hint.map(str::to_owned),
            code: None,
            evidence: vec![format!(
                "POST https://accounts.zoho.com/oauth/v2/token → 200 ({id})"
            )],
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
            profile: vec![crate::report::model::Detail {
                name: "Name".to_owned(),
                value: "Ada Lovelace".to_owned(),
            }],
            changes: Vec::new(),
            write_failed: false,
        }
    }

    fn report(connections: Vec<ConnectionReport>) -> RunReport {
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

    fn options(quiet: bool, width: Option<u16>) -> TableOptions {
        TableOptions {
            colour: false,
            verbose: false,
            quiet,
            width,
        }
    }

    #[test]
    fn quiet_shows_only_what_did_not_pass_and_the_summary_line() {
        let report = report(vec![
            connection("healthy", vec![check("refresh", Status::Pass, None)]),
            connection(
                "broken",
                vec![
                    check("connection", Status::Pass, None),
                    check("refresh", Status::Fail, Some("reconnect the app")),
                    check("scopes", Status::Skip, None),
                ],
            ),
        ]);
        let full = render(&report, &options(false, None));
        assert!(
            full.contains("user healthy") && full.contains("Ada Lovelace"),
            "{full}"
        );
        let quiet = render(&report, &options(true, None));
        assert!(!quiet.contains("user healthy"), "{quiet}");
        assert!(quiet.contains("user broken"), "{quiet}");
        assert!(
            !quiet.contains("connection said so"),
            "a passed check: {quiet}"
        );
        assert!(quiet.contains("refresh said so") && quiet.contains("scopes said so"));
        assert!(quiet.contains("fix: reconnect the app"), "{quiet}");
        assert!(!quiet.contains("Ada Lovelace"), "no profile: {quiet}");
        assert!(
            quiet.ends_with("— 2 passed, 0 warned, 1 failed, 0 errored, 1 skipped (0 ms)\n"),
            "{quiet}"
        );
        let mut unwritten = report.clone();
        unwritten.connections[0].write_failed = true;
        unwritten.connections[0].changes = vec!["`access_token`: rolled back".to_owned()];
        let quiet = render(&unwritten, &options(true, None));
        assert!(
            quiet.contains("user healthy"),
            "a failed --fix write shows: {quiet}"
        );
    }

    #[test]
    fn fix_and_evidence_lines_wrap_at_the_width_and_never_without_one() {
        let hint = "reconnect the app in Zoho's API console and store the new refresh token; \
                    then run zoho-doctor again with --force-refresh to prove it"
            .repeat(2);
        let report = report(vec![connection(
            "broken",
            vec![check("refresh", Status::Fail, Some(&hint))],
        )]);
        let unwrapped = render(&report, &options(false, None));
        assert!(
            unwrapped.contains(&format!("    fix: {hint}\n")),
            "{unwrapped}"
        );
        let wrapped = render(&report, &options(false, Some(60)));
        let fix: Vec<&str> = wrapped
            .lines()
            .skip_while(|line| !line.starts_with("    fix: "))
            .take_while(|line| !line.starts_with("    ·"))
            .collect();
        assert!(fix.len() > 3, "{wrapped}");
        for line in &fix {
            assert!(line.chars().count() <= 60, "{line:?} is over 60 columns");
        }
        assert!(fix[1..].iter().all(|line| line.starts_with("         ")));
        let words: Vec<&str> = fix
            .iter()
            .flat_map(|line| line.split_whitespace())
            .collect();
        assert_eq!(words[1..].join(" "), hint, "every word kept, in order");
        for line in wrapped
            .lines()
            .filter(|line| line.starts_with(['│', '┌', '└']))
        {
            assert!(line.chars().count() <= 60, "the table too: {line:?}");
        }
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut_and_a_narrow_screen_keeps_a_usable_width() {
        let word = "x".repeat(70);
        assert_eq!(
            wrap(&format!("a {word}"), 4, Some(40)),
            format!("a\n    {}\n    {}", "x".repeat(36), "x".repeat(34))
        );
        let narrow = wrap(
            "one two three four five six seven eight nine ten",
            9,
            Some(12),
        );
        assert_eq!(narrow.lines().count(), 2, "{narrow}");
        assert_eq!(wrap("kept whole", 9, None), "kept whole");
    }
}
