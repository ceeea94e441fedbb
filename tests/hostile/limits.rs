//! Size: the table shows at most a screenful of a list ("… and N more") and a readable length
//! of a text, the JSON keeps everything; values echoed in error messages are cut.

use zoho_doctor::report::{self, model::Status, table::TableOptions};

use crate::{check, common::command, connection, detail, output, report};

#[test]
fn a_huge_answer_is_capped_in_the_table_and_whole_in_json() {
    // A 10,000-organisation answer: the list in the message, a line of evidence per org.
    let orgs: Vec<String> = (0..10_000)
        .map(|n| format!("{n} (Organisation {n}, portal portal{n})"))
        .collect();
    let message = format!(
        "the user belongs to {} organisations: {}",
        orgs.len(),
        orgs.join("; ")
    );
    let huge_id = "x".repeat(1_000_000);
    let mut org = check(&huge_id, Status::Fail, &message);
    org.hint = Some(format!("pick one of {}", orgs.join(", ")));
    org.evidence = orgs.clone();
    let mut connection = connection("healthy", vec![org]);
    connection.profile = (0..50)
        .map(|n| detail(&format!("Field {n}"), "value"))
        .collect();
    connection.changes = (0..50).map(|n| format!("`column{n}`: a → b")).collect();
    let report = report(connection);
    let options = TableOptions {
        colour: false,
        verbose: true,
        quiet: false,
        width: Some(100),
    };
    let table = report::table::render(&report, &options);
    assert!(
        table.len() < 40_000,
        "the table is {} bytes; it starts:\n{}",
        table.len(),
        &table[..table.len().min(3000)]
    );
    assert!(
        table.contains("… and 9980 more (the JSON report has them all)"),
        "{table}"
    );
    assert!(
        table.contains("… and 30 more (the JSON report has them all)"),
        "profile and changes are capped too:\n{table}"
    );
    assert!(table.contains("more characters"), "{table}");
    assert!(
        table.contains("Organisation 0,"),
        "the start is shown:\n{table}"
    );
    let json = report::json::render(&report);
    assert!(json.contains(&message), "the JSON keeps the whole message");
    assert!(json.contains(&huge_id), "and the whole id");
    assert!(
        json.contains("portal portal9999)\""),
        "and every evidence line"
    );
}

#[test]
fn a_huge_value_echoed_in_an_error_message_is_cut() {
    let code = "Q".repeat(100_000);
    let (exit, _, stderr) = output(command().args(["explain", &code]));
    assert_eq!(exit, 2);
    assert!(stderr.len() < 1_000, "{} bytes of error", stderr.len());
    assert!(stderr.contains("… and 99900 more characters"), "{stderr}");
}

#[test]
fn a_huge_line_of_an_error_message_is_cut_wherever_it_comes_from() {
    // The store layer echoes `--column` whole; the error printer cuts every line.
    let column = "c".repeat(100_000);
    let (exit, _, stderr) = output(command().args([
        "run",
        "-p",
        &crate::common::desk_pipeline(),
        "--store",
        "sqlite://x.db",
        "--all",
        "--column",
        &column,
    ]));
    assert_eq!(exit, 2);
    assert!(stderr.len() < 3_000, "{} bytes of error", stderr.len());
    assert!(stderr.contains("more characters"), "{stderr}");
}
