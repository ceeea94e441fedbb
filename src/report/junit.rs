//! JUnit XML for CI (Jenkins, GitLab, GitHub): one `<testsuite>` per connection, one
//! `<testcase>` per check with classname `pipeline.user` (GitLab drops duplicate
//! classname+name pairs, so connections must not collide). Fail → `<failure type=CODE>`,
//! Error → `<error>`, Skip → `<skipped>`. Valid against junit-10.xsd. Every text is escaped
//! (`text::safe`): a control character is not XML, and a bidi override is, which would reach
//! the Jenkins and GitLab pages as is.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::model::{CheckReport, ConnectionReport, RunReport, Status};
use crate::text;

/// A text for the XML: every control character and bidi mark as `\u{…}`.
fn safe(text: &str) -> String {
    text::safe(text).into_owned()
}

pub fn render(report: &RunReport) -> Result<String, quick_junit::SerializeError> {
    render_all(&[report])
}

/// One JUnit file for several runs (the demo's Desk and CRM pipelines).
pub fn render_all(reports: &[&RunReport]) -> Result<String, quick_junit::SerializeError> {
    let mut junit = Report::new("zoho-doctor");
    junit.set_time(Duration::from_millis(
        reports.iter().map(|report| report.duration_ms).sum(),
    ));
    for report in reports {
        for connection in &report.connections {
            junit.add_test_suite(suite(report, connection));
        }
    }
    // junit-10.xsd allows properties only on a testsuite: an interrupted run that finished no
    // connection, or a shard whose slice was empty, still says so, in one empty suite.
    let interrupted = reports.iter().any(|report| report.interrupted);
    let shard = reports.iter().find_map(|report| report.shard);
    if (interrupted || shard.is_some())
        && reports.iter().all(|report| report.connections.is_empty())
    {
        let mut empty = TestSuite::new("zoho-doctor");
        if let Some(shard) = shard {
            empty.add_property(Property::new("shard", shard.to_string()));
        }
        if interrupted {
            empty.add_property(Property::new("interrupted", "true"));
        }
        junit.add_test_suite(empty);
    }
    let xml = junit.to_string()?;
    Ok(drop_root_skipped(&xml))
}

fn suite(report: &RunReport, connection: &ConnectionReport) -> TestSuite {
    let (pipeline, user) = (safe(&report.pipeline), safe(&connection.user));
    let mut suite = TestSuite::new(format!("{pipeline} / {user}"));
    let classname = format!("{pipeline}.{user}");
    let mut properties = vec![
        Property::new("pipeline", pipeline.as_str()),
        Property::new("app", safe(&report.app)),
        Property::new("user", user.as_str()),
    ];
    if let Some(dc) = &connection.dc {
        properties.push(Property::new("dc", safe(dc)));
    }
    if let Some(shard) = report.shard {
        // `I/N`: which machine of a sharded run checked this connection.
        properties.push(Property::new("shard", shard.to_string()));
    }
    if report.interrupted {
        properties.push(Property::new("interrupted", "true"));
    }
    suite.add_properties(properties);
    let total: u64 = connection
        .checks
        .iter()
        .map(|check| check.duration_ms)
        .sum();
    suite.set_time(Duration::from_millis(total));
    for check in &connection.checks {
        let mut case = TestCase::new(safe(&check.id), status(check));
        case.set_classname(classname.as_str());
        case.set_time(Duration::from_millis(check.duration_ms));
        case.set_system_out(body(check));
        suite.add_test_case(case);
    }
    if !connection.changes.is_empty() {
        // `--fix`'s write-back is a step CI should see, and fail on when it could not write.
        let mut status = TestCaseStatus::success();
        if connection.write_failed {
            status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message("--fix could not write this connection; nothing was changed");
        }
        let mut case = TestCase::new("fix", status);
        case.set_classname(classname.as_str());
        let changes: Vec<String> = connection.changes.iter().map(|c| safe(c)).collect();
        case.set_system_out(changes.join("\n"));
        suite.add_test_case(case);
    }
    suite
}

fn status(check: &CheckReport) -> TestCaseStatus {
    let mut status = match check.status {
        Status::Pass | Status::Warn => return TestCaseStatus::success(),
        Status::Fail => TestCaseStatus::non_success(NonSuccessKind::Failure),
        Status::Error => TestCaseStatus::non_success(NonSuccessKind::Error),
        Status::Skip => TestCaseStatus::skipped(),
    };
    status.set_message(safe(&check.message));
    if let Some(code) = &check.code {
        status.set_type(safe(code));
    }
    if let Some(hint) = &check.hint {
        status.set_description(format!("fix: {}", safe(hint)));
    }
    status
}

/// The whole story of one check, for `<system-out>`: one line per item, each escaped.
fn body(check: &CheckReport) -> String {
    let mut lines = vec![format!(
        "{} {}: {}",
        check.status.label(),
        safe(&check.kind),
        safe(&check.message)
    )];
    if let Some(hint) = &check.hint {
        lines.push(format!("fix: {}", safe(hint)));
    }
    lines.extend(
        check
            .evidence
            .iter()
            .map(|line| format!("evidence: {}", safe(line))),
    );
    lines.extend(
        check
            .details
            .iter()
            .map(|detail| format!("{}: {}", safe(&detail.name), safe(&detail.value))),
    );
    lines.join("\n")
}

/// quick-junit writes `skipped` on `<testsuites>`, which junit-10.xsd does not allow there
/// (it is allowed, and kept, on each `<testsuite>`).
fn drop_root_skipped(xml: &str) -> String {
    let Some(start) = xml.find("<testsuites") else {
        return xml.to_owned();
    };
    let end = xml[start..].find('>').map_or(xml.len(), |i| start + i);
    let root = &xml[start..end];
    let Some(attr) = root.find(" skipped=\"") else {
        return xml.to_owned();
    };
    let value_end = root[attr + 10..]
        .find('"')
        .map_or(root.len(), |i| attr + 10 + i + 1);
    format!(
        "{}{}{}",
        &xml[..start + attr],
        &root[value_end..],
        &xml[end..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::Summary;

    fn interrupted_report(connections: Vec<ConnectionReport>) -> RunReport {
        RunReport {
            tool: "zoho-doctor test".to_owned(),
            pipeline: "desk-profile".to_owned(),
            pipeline_file: "checks/desk.yaml".to_owned(),
            app: "desk".to_owned(),
            store: "sqlite://x.db".to_owned(),
            started_at: "2026-01-01T00:00:00+00:00".to_owned(),
            duration_ms: 0,
            shard: None,
            summary: Summary::default(),
            connections,
            interrupted: true,
        }
    }

    #[test]
    fn an_interrupted_run_marks_every_suite_or_one_empty_suite() {
        let empty = render(&interrupted_report(Vec::new())).expect("renders");
        assert!(
            empty.contains(r#"<testsuite name="zoho-doctor" tests="0""#),
            "{empty}"
        );
        assert!(empty.contains(r#"<property name="interrupted" value="true"/>"#));
        let one = ConnectionReport {
            user: "u1".to_owned(),
            dc: None,
            status: Status::Pass,
            checks: Vec::new(),
            profile: Vec::new(),
            changes: Vec::new(),
            write_failed: false,
        };
        let xml = render(&interrupted_report(vec![one])).expect("renders");
        assert!(
            xml.contains(r#"<testsuite name="desk-profile / u1""#),
            "{xml}"
        );
        assert!(!xml.contains(r#"<testsuite name="zoho-doctor""#), "{xml}");
        assert_eq!(
            xml.matches(r#"<property name="interrupted" value="true"/>"#)
                .count(),
            1
        );
    }

    #[test]
    fn a_shard_is_a_property_of_every_suite_or_of_one_empty_suite() {
        let shard = Some(crate::shard::Shard { index: 1, count: 3 });
        let empty = RunReport {
            shard,
            interrupted: false,
            ..interrupted_report(Vec::new())
        };
        let xml = render(&empty).expect("renders");
        assert!(
            xml.contains(r#"<testsuite name="zoho-doctor" tests="0""#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<property name="shard" value="1/3"/>"#),
            "{xml}"
        );
        assert!(!xml.contains("interrupted"), "{xml}");
        let one = |user: &str| ConnectionReport {
            user: user.to_owned(),
            dc: None,
            status: Status::Pass,
            checks: Vec::new(),
            profile: Vec::new(),
            changes: Vec::new(),
            write_failed: false,
        };
        let two = RunReport {
            shard,
            interrupted: false,
            ..interrupted_report(vec![one("u1"), one("u2")])
        };
        let xml = render(&two).expect("renders");
        assert_eq!(
            xml.matches(r#"<property name="shard" value="1/3"/>"#)
                .count(),
            2,
            "{xml}"
        );
        assert!(!xml.contains(r#"<testsuite name="zoho-doctor""#), "{xml}");
        let unsharded = RunReport {
            interrupted: false,
            ..interrupted_report(vec![one("u1")])
        };
        assert!(!render(&unsharded).expect("renders").contains("shard"));
    }

    #[test]
    fn root_skipped_is_dropped_and_suite_skipped_kept() {
        let xml = r#"<testsuites name="z" tests="1" skipped="1" failures="0"><testsuite name="s" skipped="1"></testsuite></testsuites>"#;
        assert_eq!(
            drop_root_skipped(xml),
            r#"<testsuites name="z" tests="1" failures="0"><testsuite name="s" skipped="1"></testsuite></testsuites>"#
        );
    }
}
