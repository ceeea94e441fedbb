//! Report targets: a new or regular file is replaced atomically (its mode kept, a new one
//! following the umask), a symlink's target is written and the link kept, a FIFO or device is
//! written straight, `-` is stdout; every target is checked before the first request and the
//! first write to the store, and a report lost after `--fix` wrote says what was written.

use std::{os::unix::fs::PermissionsExt as _, path::Path, process::Command};

use crate::common::{Harness, desk_pipeline, output};

/// `run` of the Desk pipeline over the seeded store, with `args` after it.
fn run(h: &Harness, args: &[&str]) -> Command {
    let mut cmd = h.command();
    cmd.args(["run", "-p", &desk_pipeline(), "--store", &h.store])
        .args(args);
    cmd
}

/// The same command, through `sh` with this umask.
fn with_umask(cmd: &Command, umask: &str) -> Command {
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(format!("umask {umask}; exec \"$0\" \"$@\""))
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (name, value) in cmd.get_envs() {
        match value {
            Some(value) => sh.env(name, value),
            None => sh.env_remove(name),
        };
    }
    sh
}

struct Done {
    code: i32,
    stdout: String,
    stderr: String,
}

async fn done(cmd: Command) -> Done {
    let output = output(cmd).await;
    Done {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Requests the simulator answered, all services.
fn requests(h: &Harness) -> usize {
    ["/accounts", "/api", "/desk"]
        .iter()
        .map(|prefix| h.sim.requests(prefix))
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_report_follows_the_umask_and_a_replaced_one_keeps_its_mode() {
    let h = Harness::start().await;
    let new = h.path("new.xml");
    let kept = h.path("kept.json");
    std::fs::write(&kept, "old").unwrap();
    std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o640)).unwrap();
    let cmd = run(&h, &["--user", "healthy", "--junit", "new.xml", "--json"]);
    let mut cmd = with_umask(&cmd, "022");
    cmd.arg(&kept).current_dir(h.dir.path());
    let run = done(cmd).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(mode(&new), 0o644, "a new report gets 0666 less the umask");
    assert_eq!(mode(&kept), 0o640, "a replaced report keeps its mode");
    assert!(
        std::fs::read_to_string(&kept)
            .unwrap()
            .contains("\"pipeline\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symlink_is_followed_and_kept() {
    let h = Harness::start().await;
    let elsewhere = h.path("reports");
    std::fs::create_dir(&elsewhere).unwrap();
    let target = elsewhere.join("junit.xml");
    std::fs::write(&target, "old").unwrap();
    let link = h.path("link.xml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let mut cmd = run(&h, &["--user", "healthy", "--junit"]);
    cmd.arg(&link);
    let run = done(cmd).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is still a link"
    );
    let xml = std::fs::read_to_string(&target).unwrap();
    assert!(
        xml.contains("<testsuites"),
        "the link's target holds the report: {xml}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dangling_link_is_refused_before_any_request() {
    let h = Harness::start().await;
    let link = h.path("dangling.xml");
    std::os::unix::fs::symlink(h.path("nowhere/junit.xml"), &link).unwrap();
    let mut cmd = run(&h, &["--user", "healthy", "--junit"]);
    cmd.arg(&link);
    let run = done(cmd).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("dangling"), "{}", run.stderr);
    assert_eq!(requests(&h), 0, "nothing was requested");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fifo_is_written_straight_and_stays_a_fifo() {
    let h = Harness::start().await;
    let fifo = h.path("report.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|status| status.success()) {
        crate::common::skipped("FIFO report target: mkfifo is not available");
        return;
    }
    // The reader: opening blocks until the report is opened for writing.
    let (sender, received) = std::sync::mpsc::channel();
    let path = fifo.clone();
    std::thread::spawn(move || {
        let _ = sender.send(std::fs::read_to_string(path));
    });
    let mut cmd = run(&h, &["--user", "healthy", "--junit"]);
    cmd.arg(&fifo);
    let run = done(cmd).await;
    // Had the FIFO been replaced by a file, the reader would wait forever: the timeout below
    // ends the test, and the reader thread is left behind.
    assert_eq!(run.code, 0, "{}", run.stderr);
    use std::os::unix::fs::FileTypeExt as _;
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo(),
        "the FIFO is still a FIFO"
    );
    let xml = received
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the reader got the report")
        .expect("readable");
    assert!(xml.contains("<testsuites"), "{xml}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dash_is_stdout_and_the_table_goes_to_stderr() {
    let h = Harness::start().await;
    let run_junit = done(run(&h, &["--user", "healthy", "--junit", "-"])).await;
    assert_eq!(run_junit.code, 0, "{}", run_junit.stderr);
    quick_junit::Report::deserialize_from_str(&run_junit.stdout)
        .expect("stdout is the JUnit report alone");
    assert!(
        run_junit.stderr.contains("desk-profile · user healthy"),
        "the table is on stderr: {}",
        run_junit.stderr
    );
    let run_json = done(run(&h, &["--user", "healthy", "--json", "-"])).await;
    assert_eq!(run_json.code, 0, "{}", run_json.stderr);
    let json: serde_json::Value =
        serde_json::from_str(&run_json.stdout).expect("stdout is the JSON report alone");
    assert_eq!(json["summary"]["passed"], 7);
    let before = requests(&h);
    for (args, says) in [
        (&["--junit", "-", "--json", "-"][..], "both ask for stdout"),
        (&["--format", "json", "--json", "-"][..], "--format json"),
        (&["--format", "json", "--junit", "-"][..], "--format json"),
    ] {
        let mut cmd = run(&h, &["--user", "healthy"]);
        cmd.args(args);
        let refused = done(cmd).await;
        assert_eq!(refused.code, 2, "{args:?}: {}", refused.stderr);
        assert!(
            refused.stderr.contains(says),
            "{args:?}: {}",
            refused.stderr
        );
        assert_eq!(refused.stdout, "", "{args:?}");
    }
    assert_eq!(requests(&h), before, "the refused runs requested nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_report_is_refused_before_fix_writes() {
    let h = Harness::start().await;
    let store_file = h.path("connections.db");
    let before = std::fs::read(&store_file).unwrap();
    let mut cmd = run(&h, &["--user", "token-expired", "--fix", "--junit"]);
    cmd.arg(h.dir.path());
    let run = done(cmd).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("is a directory"), "{}", run.stderr);
    assert_eq!(run.stdout, "", "nothing was checked");
    assert_eq!(requests(&h), 0, "nothing was requested");
    assert_eq!(
        std::fs::read(&store_file).unwrap(),
        before,
        "--fix wrote nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_lost_after_fix_wrote_is_exit_1_naming_what_was_written() {
    use std::os::unix::fs::FileTypeExt as _;
    let full = Path::new("/dev/full");
    if !std::fs::metadata(full).is_ok_and(|found| found.file_type().is_char_device()) {
        crate::common::skipped("a report that cannot be written: /dev/full is not a device here");
        return;
    }
    let h = Harness::start().await;
    let run = done(run(
        &h,
        &["--user", "token-expired", "--fix", "--junit", "/dev/full"],
    ))
    .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot write `/dev/full`")
            && run
                .stderr
                .contains("--fix had already run before the report failed")
            && run.stderr.contains("user token-expired: `access_token`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("token-expired"),
        "the table was printed: {}",
        run.stdout
    );
    assert!(
        std::fs::metadata(full)
            .unwrap()
            .file_type()
            .is_char_device(),
        "/dev/full is still a device"
    );
}
