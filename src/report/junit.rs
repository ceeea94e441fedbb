//! JUnit XML for CI (Jenkins, GitLab, GitHub): one `<testsuite>` per connection, one
//! `<testcase>` per check with classname `pipeline.user` (GitLab drops duplicate
//! classname+name pairs, so connections must not collide). Fail → `<failure type=CODE>`,
//! Error → `<error>`, each titled `pipeline · user · check: message` (annotation tools show the
//! `message` attribute as the title) with a body that starts with the diagnosis (message, code,
//! HTTP status; GitLab shows only the body), then the fix, then the evidence. Skip →
//! `<skipped>` with its reason in plain text. A WARN passes, and shows as a `warn.<check>`
//! property and a `WARN` line in its suite's `<system-out>`. Valid against junit-10.xsd. Every
//! text is escaped (`text::safe`): a control character is not XML, and a bidi override is, which
//! would reach the Jenkins and GitLab pages as is.

use std::{io::Write, sync::LazyLock, time::Duration};

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::{
    model::{CheckReport, ConnectionReport, RunReport, Status},
    spool::{Appender, Run},
};
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
    let runs: Vec<Run<'_>> = reports.iter().map(|report| report.whole()).collect();
    let mut out = Vec::new();
    if let Err(error) = write_all(&runs, &mut out) {
        // Writing to memory fails only where serialising does.
        if let Some(inner) = error.into_inner()
            && let Ok(serialising) = inner.downcast::<quick_junit::SerializeError>()
        {
            return Err(*serialising);
        }
    }
    Ok(String::from_utf8(out)
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned()))
}

/// `render_all`, written to `out` with one `<testsuite>` in memory at a time: a fleet's report
/// is never held whole, as quick-junit's model or as text. Each suite is serialised alone and
/// its text kept aside (`Appender`) while the root counts it; the root's opening tag is then
/// written, the suites after it, byte for byte as quick-junit writes the whole document.
pub fn write_all(runs: &[Run<'_>], out: &mut dyn Write) -> std::io::Result<()> {
    let serialise = |junit: &Report| junit.to_string().map_err(std::io::Error::other);
    let mut root = Report::new("zoho-doctor");
    root.set_time(Duration::from_millis(
        runs.iter().map(|run| run.head.duration_ms).sum(),
    ));
    let mut suites = Appender::new();
    let mut tail = String::new();
    let mut any = false;
    let mut add = |suite: TestSuite| -> std::io::Result<()> {
        let mut single = Report::new("zoho-doctor");
        single.add_test_suite(suite);
        let text = serialise(&single)?;
        let start = root_tag_end(&text);
        let end = text.rfind("</testsuites>").unwrap_or(text.len()).max(start);
        // The suite, without the line break that belongs to the root's closing tag.
        let inner = text[start..end].trim_end();
        suites.append(inner.as_bytes())?;
        tail = text[start + inner.len()..].to_owned();
        // The root counts the suite (quick-junit's own arithmetic) and keeps no copy.
        if let Some(suite) = single.test_suites.pop() {
            root.add_test_suite(suite);
            root.test_suites.clear();
        }
        any = true;
        Ok(())
    };
    let mut finished = 0;
    for run in runs {
        run.connections.each(&mut |connection| {
            finished += 1;
            add(suite(run.head, connection))
        })?;
    }
    // junit-10.xsd allows properties only on a testsuite: an interrupted run that finished
    // no connection, or a shard whose slice was empty, still says so, in one empty suite.
    let interrupted = runs.iter().any(|run| run.head.interrupted);
    let shard = runs.iter().find_map(|run| run.head.shard);
    if (interrupted || shard.is_some()) && finished == 0 {
        let mut empty = TestSuite::new("zoho-doctor");
        if let Some(shard) = shard {
            empty.add_property(Property::new("shard", shard.to_string()));
        }
        if interrupted {
            empty.add_property(Property::new("interrupted", "true"));
        }
        add(empty)?;
    }
    let whole = serialise(&root)?;
    if !any {
        return out.write_all(drop_root_skipped(&whole).as_bytes());
    }
    out.write_all(drop_root_skipped(&whole[..root_tag_end(&whole)]).as_bytes())?;
    suites.copy_to(out)?;
    out.write_all(tail.as_bytes())
}

/// Where the root's opening tag (`<testsuites …>`) ends.
fn root_tag_end(xml: &str) -> usize {
    xml.find("<testsuites")
        .and_then(|start| xml[start..].find('>').map(|end| start + end + 1))
        .unwrap_or(0)
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
    // junit-10.xsd allows properties only on a testsuite, and a passing testcase carries no
    // message: a WARN is shown on its suite, where reporters list properties and system-out.
    let warnings: Vec<&CheckReport> = connection
        .checks
        .iter()
        .filter(|check| check.status == Status::Warn)
        .collect();
    for check in &warnings {
        properties.push(Property::new(
            format!("warn.{}", safe(&check.id)),
            safe(&check.message),
        ));
    }
    if !warnings.is_empty() {
        let lines: Vec<String> = warnings
            .iter()
            .map(|check| format!("WARN {}: {}", safe(&check.id), safe(&check.message)))
            .collect();
        suite.set_system_out(lines.join("\n"));
    }
    suite.add_properties(properties);
    let total: u64 = connection
        .checks
        .iter()
        .map(|check| check.duration_ms)
        .sum();
    suite.set_time(Duration::from_millis(total));
    for check in &connection.checks {
        let title = format!("{pipeline} · {user} · {}", safe(&check.id));
        let mut case = TestCase::new(safe(&check.id), status(check, &title));
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

fn status(check: &CheckReport, title: &str) -> TestCaseStatus {
    let mut status = match check.status {
        Status::Pass | Status::Warn => return TestCaseStatus::success(),
        Status::Fail => TestCaseStatus::non_success(NonSuccessKind::Failure),
        Status::Error => TestCaseStatus::non_success(NonSuccessKind::Error),
        Status::Skip => {
            // A reason, not a finding: plain text, no title, no fix.
            let reason = plain(&check.message);
            let mut skipped = TestCaseStatus::skipped();
            skipped.set_message(reason.as_str());
            skipped.set_description(reason);
            return skipped;
        }
    };
    status.set_message(format!("{title}: {}", safe(&check.message)));
    if let Some(code) = &check.code {
        status.set_type(safe(code));
    }
    status.set_description(diagnosis(check));
    status
}

/// A skip reason as plain text: zoho-doctor's own reasons quote check ids in backticks, which
/// JUnit pages show literally.
fn plain(text: &str) -> String {
    safe(text).replace('`', "")
}

/// The body of a `<failure>` or `<error>`, in the order a reader needs it (GitLab shows only
/// this): the diagnosis — message, code, HTTP status —, then the fix, then the evidence and
/// the details.
fn diagnosis(check: &CheckReport) -> String {
    let mut lines = vec![safe(&check.message)];
    if let Some(code) = &check.code {
        lines.push(format!("code: {}", safe(code)));
    }
    if let Some(http) = http_status(check) {
        lines.push(format!("HTTP status: {http}"));
    }
    lines.extend(story(check));
    lines.join("\n")
}

/// The HTTP status behind a check's result: the one its message names (`(HTTP 401)`, as the
/// Zoho error catalogue writes it), else the last exchange its evidence shows (`→ 200 (3 ms)`,
/// as every exchange is summarised); none when no answer came (a timeout, a refused
/// connection).
fn http_status(check: &CheckReport) -> Option<String> {
    static IN_MESSAGE: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"\(HTTP (\d{3})\)").expect("a valid regex"));
    static IN_EVIDENCE: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r" → (\d{3}) \(").expect("a valid regex"));
    let first = |pattern: &regex::Regex, text: &str| {
        pattern
            .captures(text)
            .and_then(|found| found.get(1))
            .map(|status| status.as_str().to_owned())
    };
    first(&IN_MESSAGE, &check.message).or_else(|| {
        check
            .evidence
            .iter()
            .rev()
            .find_map(|line| first(&IN_EVIDENCE, line))
    })
}

/// A check's fix, evidence and details, one line per item, each escaped.
fn story(check: &CheckReport) -> Vec<String> {
    let mut lines = Vec::new();
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
    lines
}

/// The whole story of one check, for `<system-out>`: one line per item, each escaped.
fn body(check: &CheckReport) -> String {
    let mut lines = vec![format!(
        "{} {}: {}",
        check.status.label(),
        safe(&check.kind),
        safe(&check.message)
    )];
    lines.extend(story(check));
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

    fn check(id: &str, status: Status, message: &str) -> CheckReport {
        CheckReport {
            id: id.to_owned(),
            kind: "kind".to_owned(),
            status,
            message: message.to_owned(),
            hint: None,
            code: None,
            evidence: Vec::new(),
            details: Vec::new(),
            duration_ms: 0,
        }
    }

    fn one_connection(checks: Vec<CheckReport>) -> RunReport {
        let mut report = interrupted_report(vec![ConnectionReport {
            user: "42".to_owned(),
            dc: Some("eu".to_owned()),
            status: Status::worst(checks.iter().map(|check| check.status)),
            checks,
            profile: Vec::new(),
            changes: Vec::new(),
            write_failed: false,
        }]);
        report.interrupted = false;
        report
    }

    #[test]
    fn a_failure_is_titled_by_pipeline_user_and_check_and_its_body_starts_with_the_diagnosis() {
        let mut scopes = check(
            "scopes",
            Status::Fail,
            "GET /myinfo: desk answered OAUTH_SCOPE_MISMATCH (HTTP 401)",
        );
        scopes.code = Some("OAUTH_SCOPE_MISMATCH".to_owned());
        scopes.hint = Some("re-authorise with Desk.basic.READ".to_owned());
        scopes.evidence = vec!["GET https://desk.zoho.eu/api/v1/myinfo → 401 (3 ms)".to_owned()];
        let mut timeout = check("profile", Status::Error, "Zoho did not answer in 10 s");
        timeout.evidence = vec!["the exchange timed out".to_owned()];
        let mut refresh = check("refresh", Status::Fail, "accounts answered invalid_code");
        refresh.evidence = vec![
            "POST https://accounts.zoho.eu/oauth/v2/token → 400 (3 ms): error=invalid_client"
                .to_owned(),
            "POST https://accounts.zoho.com/oauth/v2/token → 200 (3 ms): error=invalid_code"
                .to_owned(),
        ];
        let xml = render(&one_connection(vec![scopes, timeout, refresh])).expect("renders");
        let report = Report::deserialize_from_str(&xml).expect("reads back");
        let cases = &report.test_suites[0].test_cases;
        let (message, body) = match &cases[0].status {
            TestCaseStatus::NonSuccess {
                message,
                description,
                ty,
                ..
            } => {
                assert_eq!(
                    ty.as_ref().map(|ty| ty.as_str()),
                    Some("OAUTH_SCOPE_MISMATCH")
                );
                (message.clone().unwrap(), description.clone().unwrap())
            }
            other => panic!("a failure: {other:?}"),
        };
        assert_eq!(
            message.as_str(),
            "desk-profile · 42 · scopes: GET /myinfo: desk answered OAUTH_SCOPE_MISMATCH (HTTP 401)"
        );
        assert_eq!(
            body.as_str(),
            "GET /myinfo: desk answered OAUTH_SCOPE_MISMATCH (HTTP 401)\n\
             code: OAUTH_SCOPE_MISMATCH\n\
             HTTP status: 401\n\
             fix: re-authorise with Desk.basic.READ\n\
             evidence: GET https://desk.zoho.eu/api/v1/myinfo → 401 (3 ms)"
        );
        let body_of = |case: &TestCase| match &case.status {
            TestCaseStatus::NonSuccess { description, .. } => {
                description.as_ref().map(|d| d.as_str().to_owned())
            }
            _ => None,
        };
        assert_eq!(
            body_of(&cases[1]).as_deref(),
            Some("Zoho did not answer in 10 s\nevidence: the exchange timed out"),
            "no answer, no HTTP status"
        );
        assert!(
            body_of(&cases[2])
                .unwrap()
                .starts_with("accounts answered invalid_code\nHTTP status: 200\n"),
            "the last exchange's status"
        );
    }

    #[test]
    fn a_skip_reason_is_plain_text_and_a_warning_shows_on_its_suite() {
        let report = one_connection(vec![
            check("org", Status::Warn, "discovered org id 600 | <b>"),
            check("portal", Status::Warn, "discovered portal `p`"),
            check("profile", Status::Skip, "needs `org`, which failed"),
        ]);
        let xml = render(&report).expect("renders");
        assert!(
            xml.contains(
                r#"<skipped message="needs org, which failed">needs org, which failed</skipped>"#
            ),
            "{xml}"
        );
        assert!(
            xml.contains(
                r#"<property name="warn.org" value="discovered org id 600 | &lt;b&gt;"/>"#
            ),
            "{xml}"
        );
        assert!(xml.contains(r#"<property name="warn.portal" value="discovered portal `p`"/>"#));
        let suite = &Report::deserialize_from_str(&xml)
            .expect("reads back")
            .test_suites[0];
        assert_eq!(
            suite.system_out.as_ref().map(|out| out.as_str()),
            Some("WARN org: discovered org id 600 | <b>\nWARN portal: discovered portal `p`")
        );
        assert_eq!(suite.failures, 0, "a warning passes");
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

    #[test]
    fn a_spooled_run_renders_as_the_same_run_held_whole() {
        let mut whole = one_connection(vec![
            check("refresh", Status::Fail, "refresh rejected"),
            check("org", Status::Skip, "needs `refresh`, which failed"),
            check("scopes", Status::Warn, "broad"),
        ]);
        let mut second = whole.connections[0].clone();
        second.user = "43".to_owned();
        whole.connections.push(second);
        let spool = crate::report::spool::spooled(&whole.connections);
        let head = whole.head();
        let mut spooled = Vec::new();
        write_all(
            &[Run {
                head: &head,
                connections: &spool,
            }],
            &mut spooled,
        )
        .expect("writes");
        assert_eq!(
            String::from_utf8(spooled).expect("UTF-8"),
            render(&whole).expect("renders")
        );
    }
}
