//! One `GET /organizations` per connection: the Desk checks that need it (org id, portal, the
//! scope probe) share the first one's answer, and each says the answer is the shared one.

#[expect(dead_code, reason = "each test crate uses only some of the helpers")]
mod common;

use common::Harness;

const ORGANIZATIONS: &str = "/api/v1/organizations";

/// Every evidence line of one connection's checks in a run.
fn evidence(run: &common::Run) -> Vec<(String, String)> {
    run.json["connections"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|connection| connection["checks"].as_array().into_iter().flatten())
        .flat_map(|check| {
            let id = check["id"].as_str().unwrap_or_default().to_owned();
            check["evidence"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|line| line.as_str())
                .map(move |line| (id.clone(), line.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn a_desk_run_asks_for_the_organisations_once_per_connection() {
    let h = Harness::start().await;
    let mut asked_by_several = 0;
    for seed in h.sim.seeds() {
        let before = h.sim.requests_ending("GET", ORGANIZATIONS);
        let run = h.desk(&seed.user_id).await;
        let calls = h.sim.requests_ending("GET", ORGANIZATIONS) - before;
        let lines = evidence(&run);
        let using: Vec<&(String, String)> = lines
            .iter()
            .filter(|(_, line)| line.contains(ORGANIZATIONS))
            .collect();
        if using.is_empty() {
            assert_eq!(calls, 0, "{}: {lines:?}", seed.scenario);
            continue;
        }
        assert_eq!(
            calls, 1,
            "{}: one call, not {calls}: {lines:?}",
            seed.scenario
        );
        // Every check that read it says it is the connection's one shared answer.
        assert!(
            using
                .iter()
                .all(|(_, line)| line.contains("asked once; shared by this connection's checks")),
            "{}: {using:?}",
            seed.scenario
        );
        if using.len() > 1 {
            asked_by_several += 1;
        }
    }
    assert!(
        asked_by_several > 0,
        "some scenario has more than one check that needs the organisations"
    );
}
