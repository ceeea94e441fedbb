//! JUnit XML for CI (Jenkins, GitLab, GitHub): one `<testsuite>` per connection, one
//! `<testcase>` per check with classname `pipeline.user` (GitLab drops duplicate
//! classname+name pairs, so connections must not collide). Fail → `<failure type=CODE>`,
//! Error → `<error>`, Skip → `<skipped>`. Valid against junit-10.xsd.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::model::{CheckReport, ConnectionReport, RunReport, Status};

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
    let xml = junit.to_string()?;
    Ok(drop_root_skipped(&xml))
}

fn suite(report: &RunReport, connection: &ConnectionReport) -> TestSuite {
    let mut suite = TestSuite::new(format!("{} / {}", report.pipeline, connection.user));
    let classname = format!("{}.{}", report.pipeline, connection.user);
    let mut properties = vec![
        Property::new("pipeline", report.pipeline.as_str()),
        Property::new("app", report.app.as_str()),
        Property::new("user", connection.user.as_str()),
    ];
    if let Some(dc) = &connection.dc {
        properties.push(Property::new("dc", dc.as_str()));
    }
    suite.add_properties(properties);
    let total: u64 = connection
        .checks
        .iter()
        .map(|check| check.duration_ms)
        .sum();
    suite.set_time(Duration::from_millis(total));
    for check in &connection.checks {
        let mut case = TestCase::new(check.id.as_str(), status(check));
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
        case.set_system_out(connection.changes.join("\n"));
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
    status.set_message(check.message.as_str());
    if let Some(code) = &check.code {
        status.set_type(code.as_str());
    }
    if let Some(hint) = &check.hint {
        status.set_description(format!("fix: {hint}"));
    }
    status
}

/// The whole story of one check, for `<system-out>`.
fn body(check: &CheckReport) -> String {
    let mut lines = vec![format!(
        "{} {}: {}",
        check.status.label(),
        check.kind,
        check.message
    )];
    if let Some(hint) = &check.hint {
        lines.push(format!("fix: {hint}"));
    }
    lines.extend(
        check
            .evidence
            .iter()
            .map(|line| format!("evidence: {line}")),
    );
    lines.extend(
        check
            .details
            .iter()
            .map(|detail| format!("{}: {}", detail.name, detail.value)),
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

    #[test]
    fn root_skipped_is_dropped_and_suite_skipped_kept() {
        let xml = r#"<testsuites name="z" tests="1" skipped="1" failures="0"><testsuite name="s" skipped="1"></testsuite></testsuites>"#;
        assert_eq!(
            drop_root_skipped(xml),
            r#"<testsuites name="z" tests="1" failures="0"><testsuite name="s" skipped="1"></testsuite></testsuites>"#
        );
    }
}
