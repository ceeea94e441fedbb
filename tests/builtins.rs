//! The built-in pipelines: `-p desk` from an empty directory against the simulator, `pipelines`
//! and `pipelines show`, `validate desk`, and what a bare unknown name suggests.

#[expect(dead_code, reason = "each test crate uses only some of the helpers")]
mod common;

use common::{Harness, command, output, repo_file};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_p_desk_works_from_an_empty_directory() {
    let harness = Harness::start().await;
    let empty = tempfile::tempdir().unwrap();
    let json = harness.path("report.json");
    let mut cmd = harness.command();
    cmd.current_dir(empty.path())
        .args(["run", "-p", "desk", "--store", &harness.store])
        .args(["--user", "healthy", "--json"])
        .arg(&json);
    let out = output(cmd).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["pipeline_file"], "builtin:desk");
    assert_eq!(report["pipeline"], "desk-profile");
    let checks = report["connections"][0]["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 7);
    assert!(
        checks.iter().all(|check| check["status"] == "pass"),
        "{report}"
    );
    assert_eq!(
        std::fs::read_dir(empty.path()).unwrap().count(),
        0,
        "nothing read or written in the current directory"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_pipeline_keeps_its_path_in_the_report() {
    let harness = Harness::start().await;
    let run = harness
        .run(&repo_file("checks/crm.yaml"), &["--user", "crm-healthy"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json["pipeline_file"], repo_file("checks/crm.yaml"));
}

#[test]
fn pipelines_lists_each_builtin_with_its_app_and_check_count() {
    let out = command().arg("pipelines").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    for row in [
        [
            "desk",
            "desk",
            "7",
            "Can this connection read a Zoho Desk profile?",
        ],
        [
            "crm",
            "crm",
            "6",
            "Can this connection read the CRM organisation",
        ],
        ["onboarding", "desk", "7", "Verify a new Desk connection"],
    ] {
        let line = stdout
            .lines()
            .find(|line| line.contains(&format!(" {} ", row[0])) && line.contains(row[3]))
            .unwrap_or_else(|| panic!("no row for {}:\n{stdout}", row[0]));
        let cells: Vec<&str> = line
            .split(['│', '┆', '|'])
            .map(str::trim)
            .filter(|cell| !cell.is_empty())
            .collect();
        assert_eq!(&cells[..3], &row[..3], "{line}");
    }
}

#[test]
fn pipelines_show_prints_the_shipped_file_verbatim_and_it_runs_as_a_file() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["desk", "crm", "onboarding"] {
        let out = command()
            .args(["pipelines", "show", name])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let shipped = std::fs::read(repo_file(&format!("checks/{name}.yaml"))).unwrap();
        assert_eq!(out.stdout, shipped, "{name}");
        std::fs::write(dir.path().join(format!("{name}.yaml")), &out.stdout).unwrap();
    }
    let out = command()
        .current_dir(dir.path())
        .args(["validate", "desk.yaml", "./crm.yaml", "onboarding.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("ok  ./crm.yaml: `crm-profiles`"));

    let out = command()
        .args(["pipelines", "show", "dsk"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(
            "no built-in pipeline `dsk` (the built-ins: desk, crm, onboarding); did you mean `desk`?"
        ),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn validate_takes_builtin_names_from_any_directory() {
    let empty = tempfile::tempdir().unwrap();
    let out = command()
        .current_dir(empty.path())
        .args(["validate", "desk", "crm", "onboarding"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "ok  builtin:desk: `desk-profile` (desk app, 7 checks)\n\
         ok  builtin:crm: `crm-profiles` (crm app, 6 checks)\n\
         ok  builtin:onboarding: `desk-onboarding` (desk app, 7 checks)\n"
    );
}

#[test]
fn a_bare_name_is_a_builtin_even_when_a_file_of_that_name_is_here() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("desk"), "not: a pipeline\n").unwrap();
    let out = command()
        .current_dir(dir.path())
        .args(["validate", "desk"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = command()
        .current_dir(dir.path())
        .args(["validate", "./desk"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "./desk is the file");
    assert!(
        text(&out.stderr).starts_with("./desk:"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_unknown_bare_name_lists_the_builtins_and_suggests_dot_slash_for_a_file_here() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo_file("checks/desk.yaml"), dir.path().join("mine")).unwrap();
    let out = command()
        .current_dir(dir.path())
        .args(["run", "-p", "mine", "--all"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("mine: not a built-in pipeline (the built-ins: desk, crm, onboarding)"),
        "{stderr}"
    );
    assert!(stderr.contains("write `./mine`"), "{stderr}");

    let out = command()
        .current_dir(dir.path())
        .args(["run", "-p", "onbording", "--all"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("did you mean `onboarding`?"), "{stderr}");
    assert!(!stderr.contains("./onbording"), "no such file: {stderr}");
}

#[test]
fn an_error_in_a_builtin_reads_builtin_name_line_column() {
    let broken = zoho_doctor::pipeline::BUILTINS[0]
        .text
        .replace("kind: desk-portal", "kind: desk-portl");
    let error = zoho_doctor::pipeline::load_str(
        &broken,
        zoho_doctor::pipeline::BUILTINS[0].source,
        &|_| None,
    )
    .expect_err("unknown kind");
    let text = error.to_string();
    assert!(
        regex::Regex::new(r"^builtin:desk:\d+:\d+: ")
            .unwrap()
            .is_match(&text),
        "{text}"
    );
}
