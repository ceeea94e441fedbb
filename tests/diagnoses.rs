//! The demo's expected-diagnosis table, in-process: every simulator scenario is diagnosed at the
//! check, with the status and the finding `demo::EXPECTED` names for it, by its app's shipped
//! pipeline.

#[expect(dead_code, reason = "each test crate uses only some of the helpers")]
mod common;

use common::Harness;
use zoho_doctor::{
    demo::{EXPECTED, runs_of},
    pipeline,
    report::model::{ConnectionReport, RunReport},
};

/// The shipped pipelines, by the app a seed is about.
const PIPELINES: [(&str, (&str, &str)); 2] = [
    ("desk", pipeline::shipped::DESK),
    ("crm", pipeline::shipped::CRM),
];

/// Each app's shipped pipeline over that app's scenarios, as the demo runs them.
async fn diagnose_every_scenario(h: &Harness) -> Vec<RunReport> {
    for seed in h.sim.seeds() {
        assert!(
            PIPELINES.iter().any(|(app, _)| *app == seed.app),
            "scenario `{}` is about app `{}`, which has no shipped pipeline here",
            seed.scenario,
            seed.app
        );
    }
    // As the demo does: scenarios whose run is given per-data-centre secrets run apart.
    let mut reports = Vec::new();
    for (app, pipeline) in PIPELINES {
        for (clients, users) in runs_of(h.sim.seeds(), app) {
            reports.push(h.execute_with(pipeline, users, false, clients).await);
        }
    }
    reports
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_demo_scenario_is_diagnosed_at_its_check() {
    let h = Harness::start().await;
    let seeds = h.sim.seeds();
    assert!(!seeds.is_empty(), "the simulator plays no scenario");
    let untested: Vec<&str> = seeds
        .iter()
        .map(|seed| seed.scenario)
        .filter(|scenario| !EXPECTED.iter().any(|e| e.scenario == *scenario))
        .collect();
    assert!(
        untested.is_empty(),
        "scenario(s) without an entry in demo::EXPECTED: {untested:?}"
    );

    let reports = diagnose_every_scenario(&h).await;
    let connections: Vec<&ConnectionReport> = reports
        .iter()
        .flat_map(|report| &report.connections)
        .collect();
    let mut mismatches = Vec::new();
    for expected in EXPECTED {
        let at = format!("{} / {}", expected.scenario, expected.check);
        let Some(seed) = h.sim.seed(expected.scenario) else {
            mismatches.push(format!("{at}: the simulator has no such scenario"));
            continue;
        };
        let Some(connection) = connections.iter().find(|c| c.user == seed.user_id) else {
            mismatches.push(format!(
                "{at}: no connection `{}` in the reports",
                seed.user_id
            ));
            continue;
        };
        let Some(check) = connection.checks.iter().find(|c| c.id == expected.check) else {
            mismatches.push(format!("{at}: no such check in the {} pipeline", seed.app));
            continue;
        };
        let code = check.code.as_deref().unwrap_or_default();
        let says = check.message.contains(expected.says) || code.contains(expected.says);
        if check.status != expected.status || !says {
            mismatches.push(format!(
                "{at}: expected {} saying `{}`, found {} `{}` (code `{code}`)",
                expected.status.label(),
                expected.says,
                check.status.label(),
                check.message
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} expected diagnoses missed:\n  {}",
        mismatches.len(),
        EXPECTED.len(),
        mismatches.join("\n  ")
    );
}
