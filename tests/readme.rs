//! README.md stays true to a new user: its scenario list is what `sim --list` prints, its demo
//! count is the number of scenarios, it names every built-in pipeline, and every flag `run`
//! accepts is documented.

#[expect(dead_code, reason = "each test crate uses only some of the helpers")]
mod common;

use std::fs;

use common::{command, repo_file};
use regex::Regex;

fn readme() -> String {
    fs::read_to_string(repo_file("README.md")).expect("README.md")
}

fn stdout_of(args: &[&str]) -> String {
    let output = command().args(args).output().expect("runs");
    assert!(output.status.success(), "{args:?} failed");
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn the_scenario_list_and_count_are_what_sim_list_prints() {
    let readme = readme();
    let listed = stdout_of(&["sim", "--list"]);
    let block_start = readme
        .find("as `zoho-doctor sim --list` prints them:\n\n```text\n")
        .expect("README shows the scenario list");
    let block = &readme[block_start..];
    let block = &block[block.find("```text\n").expect("fence") + "```text\n".len()..];
    let block = &block[..block.find("```").expect("closing fence")];
    assert_eq!(
        block, listed,
        "README's scenario list differs from `sim --list`"
    );

    let count = listed.lines().count();
    let claimed = Regex::new(r"demo\s+# diagnose (\d+) healthy and broken")
        .expect("regex")
        .captures(&readme)
        .expect("README's demo line gives the scenario count")[1]
        .parse::<usize>()
        .expect("a number");
    assert_eq!(claimed, count, "README's demo line counts the scenarios");
}

#[test]
fn every_built_in_pipeline_is_named() {
    let readme = readme();
    let listed = stdout_of(&["pipelines"]);
    // The table's first column: `│ desk       ┆ …`.
    let row = Regex::new(r"(?m)^│ ([a-z][a-z-]*)\s+┆").expect("regex");
    let names: Vec<&str> = row
        .captures_iter(&listed)
        .map(|c| c.get(1).expect("name").as_str())
        .collect();
    assert_eq!(names.len(), 3, "`pipelines` lists the three: {listed}");
    for name in names {
        assert!(
            readme.contains(&format!("`-p {name}`")) || readme.contains(&format!("`{name}`")),
            "README never names the built-in pipeline `{name}`"
        );
    }
}

#[test]
fn every_flag_of_run_is_documented() {
    let readme = readme();
    let help = stdout_of(&["run", "--help"]);
    let flag = Regex::new(r"(?m)^\s+(?:-\w, )?(--[a-z][a-z-]*)").expect("regex");
    let flags: Vec<&str> = flag
        .captures_iter(&help)
        .map(|c| c.get(1).expect("flag").as_str())
        .filter(|flag| !["--help", "--version"].contains(flag))
        .collect();
    assert!(flags.len() > 10, "`run --help` parsed: {flags:?}");
    let missing: Vec<&&str> = flags
        .iter()
        .filter(|flag| {
            !(readme.contains(&format!("{flag} ")) || readme.contains(&format!("{flag}`")))
        })
        .collect();
    assert!(missing.is_empty(), "README does not document {missing:?}");
}
