//! Runs a pipeline over connections: one connection's checks through the scheduler
//! (`schedule`), many connections at a time (`fleet`), what `--fix` writes back (`fix_plan`) and
//! the projection into the report model (`project`).

mod fix_plan;
pub mod fleet;
pub mod interrupt;
mod project;
pub mod schedule;

use std::{sync::Arc, time::Duration};

use crate::{
    checks::{CheckContext, Facts, Kind, Outcome, RunEnv},
    pipeline::Pipeline,
    store::{Connection, WriteResult},
};
use schedule::{Step, schedule};

/// One check's result with its timing.
#[derive(Debug, Clone)]
pub struct CheckRun {
    pub id: String,
    pub kind: Kind,
    pub outcome: Outcome,
    pub duration: Duration,
}

/// The results of one pipeline over one connection.
#[derive(Debug)]
pub struct ConnectionRun {
    pub user: String,
    pub connection: Option<Arc<Connection>>,
    pub checks: Vec<CheckRun>,
    pub facts: Facts,
    /// What `--fix` did with each value (or, for `env:`, would have done).
    pub changes: Vec<WriteResult>,
}

/// Runs every check of `pipeline` for one user.
pub async fn run_connection(
    pipeline: Arc<Pipeline>,
    env: Arc<RunEnv>,
    user: String,
    connection: Option<Connection>,
) -> ConnectionRun {
    let connection = connection.map(Arc::new);
    // The connection's secrets scope: its row's, then every token a check mints, registered as
    // the check finishes — before any later check (or its -v trace) can show it.
    if let Some(connection) = &connection {
        env.redactor.register_all(connection.secrets());
    }
    let facts = Facts::from_connection(connection.as_deref(), &env.endpoints);
    let steps: Vec<Step<'_>> = pipeline
        .checks
        .iter()
        .map(|def| Step {
            id: &def.id,
            needs: &def.needs,
            after: &def.after,
            timeout: def.timeout,
        })
        .collect();
    let (finished, facts) = schedule(&steps, facts, |index, facts| {
        let ctx = CheckContext {
            env: Arc::clone(&env),
            user: user.clone(),
            connection: connection.clone(),
            facts,
        };
        let spec = pipeline.checks[index].spec.clone();
        async move {
            let verdict = spec.run(&ctx).await;
            ctx.env
                .redactor
                .register_all(verdict.discoveries.iter().filter_map(|d| d.secret()));
            verdict
        }
    })
    .await;
    let checks = pipeline
        .checks
        .iter()
        .zip(finished)
        .map(|(def, done)| CheckRun {
            id: def.id.clone(),
            kind: def.spec.kind(),
            outcome: done.outcome,
            duration: done.duration,
        })
        .collect();
    ConnectionRun {
        user,
        connection,
        checks,
        facts,
        changes: Vec::new(),
    }
}
