//! Terminal escapes from Zoho, the store or the command line: shown as `\u{…}` in the table,
//! hints, evidence, profile, changes, the `-v` trace, error messages and the JUnit text; exact
//! in the JSON.

use zoho_doctor::{
    report::{self, model::Status, table::TableOptions},
    sim::{Fault, Service},
};

use crate::{
    RAW, check,
    common::{Harness, command, desk_pipeline},
    connection, detail, output, raw_in, report,
};

/// A window-title change, BEL, a right-to-left override, CR, backspace, NUL and a newline
/// that starts a fake line.
const HOSTILE: &str = "INVALID_OAUTH\u{1b}]0;owned\u{7}\u{202e}\r\u{8}\u{0}\nPASS spoof";
/// `HOSTILE` as the outputs must show it.
const SHOWN: &str = r"INVALID_OAUTH\u{1b}]0;owned\u{7}\u{202e}\u{d}\u{8}\u{0}\u{a}PASS spoof";

#[test]
fn every_text_of_a_report_is_escaped_in_the_table_and_junit_and_exact_in_json() {
    let hostile = |what: &str| {
        format!(
            "{what} \u{1b}[31m\u{7}\u{8}\r\u{7f}\u{85}\u{9b}\u{61c}\u{200e}\u{200f}\u{202a}\u{202e}\u{2066}\u{2069}\nend"
        )
    };
    let mut failed = check(&hostile("id"), Status::Fail, &hostile("message"));
    failed.hint = Some(hostile("hint"));
    failed.code = Some(hostile("code"));
    failed.evidence = vec![hostile("evidence")];
    failed.details = vec![detail(&hostile("detail"), &hostile("value"))];
    let mut connection = connection(
        &hostile("user"),
        vec![failed, check("ok", Status::Pass, &hostile("pass"))],
    );
    connection.dc = Some(hostile("dc"));
    connection.profile = vec![detail(&hostile("Name"), &hostile("Ada"))];
    connection.changes = vec![hostile("`desk_portal`: blank → portal")];
    let mut report = report(connection);
    report.pipeline = hostile("pipeline");
    for verbose in [false, true] {
        let options = TableOptions {
            colour: false,
            verbose,
            quiet: false,
            width: Some(100),
        };
        let table = report::table::render(&report, &options);
        assert_eq!(raw_in(&table), Vec::<String>::new(), "table:\n{table}");
        for what in ["message", "hint", "code", "evidence", "user", "Ada", "end"] {
            assert!(table.contains(what), "{what} is shown:\n{table}");
        }
        assert!(
            table.contains(r"Ada \u{1b}[31m\u{7}\u{8}\u{d}\u{7f}\u{85}\u{9b}\u{61c}\u{200e}\u{200f}\u{202a}\u{202e}\u{2066}\u{2069}\u{a}end"),
            "the profile value, escaped whole:\n{table}"
        );
        assert!(
            !table.lines().any(|line| line.starts_with("end")),
            "a newline inside a value starts no line:\n{table}"
        );
    }
    let junit = report::junit::render(&report).expect("renders");
    assert_eq!(raw_in(&junit), Vec::<String>::new(), "junit:\n{junit}");
    assert!(junit.contains(r"message \u{1b}[31m\u{7}"), "{junit}");
    quick_junit::Report::deserialize_from_str(&junit).expect("the JUnit is XML a reader parses");
    let json: serde_json::Value =
        serde_json::from_str(&report::json::render(&report)).expect("JSON");
    assert_eq!(
        json["connections"][0]["checks"][0]["message"],
        hostile("message")
    );
    assert_eq!(
        json["connections"][0]["profile"][0]["value"],
        hostile("Ada")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_zoho_answer_is_escaped_in_the_table_trace_and_junit_and_exact_in_json() {
    let h = Harness::start().await;
    h.sim.set_fault(
        "healthy",
        Fault::ZohoError {
            service: Service::Desk,
            status: 401,
            code: HOSTILE.to_owned(),
        },
    );
    let run = h.run(&desk_pipeline(), &["--user", "healthy", "-v"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.code("org"),
        HOSTILE,
        "the JSON keeps Zoho's code exactly"
    );
    assert!(
        run.message("org").contains(HOSTILE),
        "{}",
        run.message("org")
    );
    assert_eq!(
        raw_in(&run.stdout),
        Vec::<String>::new(),
        "table:\n{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("[{SHOWN}]")),
        "the code is shown escaped:\n{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("→ GET") && run.stderr.contains("\\u{202e}"),
        "the -v trace shows Zoho's body, escaped:\n{}",
        run.stderr
    );
    assert_eq!(
        raw_in(&run.stderr),
        Vec::<String>::new(),
        "trace:\n{}",
        run.stderr
    );
    assert_eq!(
        raw_in(&run.junit),
        Vec::<String>::new(),
        "junit:\n{}",
        run.junit
    );
    assert!(run.junit.contains(SHOWN), "{}", run.junit);
    quick_junit::Report::deserialize_from_str(&run.junit)
        .expect("the JUnit is XML a reader parses");
}

#[test]
fn user_text_echoed_in_error_messages_is_escaped() {
    let (code, stdout, stderr) =
        output(command().args(["explain", "\u{1b}]0;owned\u{7}\u{202e}x"]));
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(
        stderr.contains(r"unknown Zoho error code `\u{1b}]0;owned\u{7}\u{202e}x`"),
        "{stderr}"
    );
    assert!(
        stderr.chars().all(|c| !RAW.contains(&c)),
        "raw {:?} in {stderr}",
        raw_in(&stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_user_id_is_escaped_in_the_table() {
    let h = Harness::start().await;
    let user = "\u{1b}[2J\u{1b}]0;owned\u{7}";
    let run = h.run(&desk_pipeline(), &["--user", user]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json["connections"][0]["user"], user);
    assert!(
        run.stdout.contains(r"user \u{1b}[2J\u{1b}]0;owned\u{7}"),
        "{}",
        run.stdout
    );
    assert_eq!(raw_in(&run.stdout), Vec::<String>::new(), "{}", run.stdout);
    assert_eq!(raw_in(&run.junit), Vec::<String>::new(), "{}", run.junit);
}
