//! The Markdown summary's tests: what it lists, Zoho's text escaped, and the compact form past
//! the budget.

use super::*;
use crate::report::model::Detail;

/// `render` over reports held whole.
fn render_whole(reports: &[&RunReport], budget: usize) -> String {
    let runs: Vec<Run<'_>> = reports.iter().map(|report| report.whole()).collect();
    render(&runs, budget).expect("reports in memory read")
}

fn check(id: &str, status: Status, message: &str, hint: Option<&str>) -> CheckReport {
    CheckReport {
        id: id.to_owned(),
        kind: "kind".to_owned(),
        status,
        message: message.to_owned(),
        hint: hint.map(str::to_owned),
        code: None,
        evidence: vec!["GET https://desk.zoho.com/api/v1/myinfo → 200 (3 ms)".to_owned()],
        details: vec![Detail {
            name: "Name".to_owned(),
            value: "Ada".to_owned(),
        }],
        duration_ms: 0,
    }
}

fn connection(user: &str, checks: Vec<CheckReport>) -> ConnectionReport {
    ConnectionReport {
        user: user.to_owned(),
        dc: Some("eu".to_owned()),
        status: Status::worst(checks.iter().map(|check| check.status)),
        checks,
        profile: Vec::new(),
        changes: Vec::new(),
        write_failed: false,
    }
}

fn report(connections: Vec<ConnectionReport>) -> RunReport {
    RunReport {
        tool: "zoho-doctor test".to_owned(),
        pipeline: "desk-profile".to_owned(),
        pipeline_file: "builtin:desk".to_owned(),
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

fn mixed() -> RunReport {
    let mut scopes = check(
        "scopes",
        Status::Fail,
        "the token lacks Desk.basic.READ",
        Some("re-authorise with scope Desk.basic.READ added"),
    );
    scopes.code = Some("missing_scope".to_owned());
    report(vec![
        connection(
            "healthy",
            vec![check("refresh", Status::Pass, "refreshed", None)],
        ),
        connection(
            "42",
            vec![
                check(
                    "refresh",
                    Status::Warn,
                    "refreshed: not stored",
                    Some("run with --fix"),
                ),
                scopes,
                check(
                    "profile",
                    Status::Skip,
                    "needs `scopes`, which failed",
                    None,
                ),
            ],
        ),
    ])
}

#[test]
fn counts_a_status_table_of_what_did_not_pass_then_each_finding_with_its_fix() {
    let md = render_whole(&[&mixed()], STEP_SUMMARY_BUDGET);
    assert!(
        md.starts_with("## zoho-doctor\n\n### desk-profile (builtin:desk)\n\n"),
        "{md}"
    );
    assert!(
        md.contains(
            "2 connections, 4 checks: 1 passed, 1 warned, **1** failed, 0 errored, 1 skipped\n"
        ),
        "{md}"
    );
    assert!(
        md.contains(
            "| Connection | DC | Status | refresh | scopes | profile |\n|---|---|---|---|---|---|\n\
             | 42 | eu | ❌ FAIL | ⚠️ WARN | ❌ FAIL | ⏭️ SKIP |\n"
        ),
        "{md}"
    );
    assert!(
        !md.contains("| healthy |"),
        "a connection that passed has no row: {md}"
    );
    assert!(
        md.contains(
            "- ❌ FAIL · 42 · **scopes** (missing\\_scope): the token lacks Desk.basic.READ\n  \
             - Fix: re-authorise with scope Desk.basic.READ added\n"
        ),
        "{md}"
    );
    assert!(md.contains(
        "- ⚠️ WARN · 42 · **refresh**: refreshed: not stored\n  - Fix: run with --fix\n"
    ));
    assert!(md.contains("- ⏭️ SKIP · 42 · **profile**: needs \\`scopes\\`, which failed\n"));
    assert!(!md.contains("→ 200"), "no evidence: {md}");
}

#[test]
fn a_run_where_everything_passed_says_so_without_a_table() {
    let passed = report(vec![connection(
        "healthy",
        vec![check("refresh", Status::Pass, "refreshed", None)],
    )]);
    let md = render_whole(&[&passed], STEP_SUMMARY_BUDGET);
    assert!(md.contains("Every connection passed.\n"), "{md}");
    assert!(!md.contains('|'), "{md}");
}

#[test]
fn zoho_text_cannot_break_a_table_or_become_markup() {
    let hostile = "a|b `code` <img src=x onerror=alert(1)> [link](https://evil.test) *em* _u_ \\ &amp; line\nbreak\r";
    let mut broken = connection(
        hostile,
        vec![check("refresh", Status::Fail, hostile, Some(hostile))],
    );
    broken.dc = Some("e|u".to_owned());
    let md = render_whole(&[&report(vec![broken])], STEP_SUMMARY_BUDGET);
    let escaped = r"a\|b \`code\` \<img src=x onerror=alert(1)\> \[link\](https://evil.test) \*em\* \_u\_ \\ \&amp; line\\u{a}break\\u{d}";
    assert!(
        md.contains(&format!("| {escaped} | e\\|u | ❌ FAIL | ❌ FAIL |\n")),
        "one table row, whatever the cell holds: {md}"
    );
    assert!(
        md.contains(&format!("**refresh**: {escaped}\n  - Fix: {escaped}\n")),
        "{md}"
    );
    for raw in ["a|b", "`code`", " <img", "[link]", "\nbreak"] {
        assert!(!md.contains(raw), "{raw:?} reached the Markdown raw: {md}");
    }
}

#[test]
fn past_the_budget_only_counts_and_what_did_not_pass_and_what_was_left_out() {
    let many: Vec<ConnectionReport> = (0..200)
        .map(|n| {
            let mut failed = check(
                "refresh",
                Status::Fail,
                &"m".repeat(900),
                Some(&"f".repeat(900)),
            );
            failed.code = Some("invalid_code".to_owned());
            connection(&format!("user-{n}"), vec![failed])
        })
        .collect();
    let big = report(many);
    let full_len = render_whole(&[&big], usize::MAX).len();
    assert!(full_len > 300 * 1024, "{full_len}");

    let compact = render_whole(&[&big], 100 * 1024);
    assert!(compact.len() <= 100 * 1024, "{}", compact.len());
    assert!(compact.contains("200 connections, 200 checks: 0 passed, 0 warned, **200** failed"));
    assert!(
        compact.contains("- desk-profile · user-0: refresh FAIL invalid\\_code\n"),
        "{compact}"
    );
    assert!(compact.contains("- desk-profile · user-199: refresh FAIL invalid\\_code\n"));
    assert!(
        !compact.contains("mmmm") && !compact.contains("ffff"),
        "no messages or fixes"
    );
    assert!(
        compact.contains(&format!(
            "The full summary is {} KiB, over the 100 KiB",
            full_len.div_ceil(1024)
        )),
        "{compact}"
    );

    // Too many even for one line each: the first fit, the note counts the rest.
    let tight = render_whole(&[&big], 4 * 1024);
    assert!(tight.len() <= 4 * 1024, "{}", tight.len());
    assert!(tight.contains("- desk-profile · user-0: "));
    assert!(!tight.contains("- desk-profile · user-199: "));
    let listed = tight.matches("- desk-profile · user-").count();
    assert!(
        tight.contains(&format!(
            ", and {} connections that did not pass are not listed",
            200 - listed
        )),
        "{tight}"
    );
}

#[test]
fn a_shards_summary_names_its_shard() {
    let mut sharded = mixed();
    sharded.shard = Some(crate::shard::Shard { index: 1, count: 3 });
    let text = render_whole(&[&sharded], usize::MAX);
    assert!(
        text.contains("### desk-profile (builtin:desk), shard 1/3\n"),
        "{text}"
    );
    assert!(!render_whole(&[&mixed()], usize::MAX).contains("shard"));
}

#[test]
fn a_spooled_run_summarises_as_the_same_run_held_whole() {
    let whole = mixed();
    let spool = crate::report::spool::spooled(&whole.connections);
    let head = whole.head();
    let spooled = render(
        &[Run {
            head: &head,
            connections: &spool,
        }],
        STEP_SUMMARY_BUDGET,
    )
    .expect("reads back");
    assert_eq!(spooled, render_whole(&[&whole], STEP_SUMMARY_BUDGET));
}
