//! Every simulator scenario through the real binary and the shipped Desk and CRM pipelines: which
//! check diagnoses it, which are skipped, the hint, the exit code and the JUnit content. One test
//! binary; each module is one group of checks, `fleet` is which connections a run checks and
//! `limits` how hard a fleet presses on Zoho.

#[path = "../common/mod.rs"]
#[expect(dead_code, reason = "each test crate uses only some of the helpers")]
mod common;

mod crm;
mod data_centres;
mod desk;
mod fleet;
mod limits;
mod refresh;

/// Asserts every check's `id=status`, in pipeline order, showing the run's output if not.
fn expect(run: &common::Run, statuses: &[&str]) {
    assert_eq!(
        run.statuses(),
        statuses,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
}
