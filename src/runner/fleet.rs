//! Runs a pipeline over many connections, a few at a time, keeping the users' order. Every
//! connection is read before any is checked, so a store that fails to read stops the run
//! before anything was written; a write-back that fails is reported on its connection. Rows
//! that share a key are each checked, and told apart in the report: `u1`, `u1#2`, …

use std::sync::Arc;

use tokio::{sync::Semaphore, task::JoinSet};

use super::{ConnectionRun, run_connection};
use crate::{
    checks::RunEnv,
    pipeline::Pipeline,
    store::{Store, StoreError, WriteResult},
};

/// How many connections are checked at once. Small: each connection's checks already run
/// concurrently, and Zoho limits concurrent calls per organisation.
const CONNECTIONS_AT_ONCE: usize = 4;

/// Loads every user's connection, then checks them (and, with `--fix`, writes back).
pub async fn run_fleet(
    pipeline: Arc<Pipeline>,
    env: Arc<RunEnv>,
    store: Arc<Store>,
    users: Vec<String>,
) -> Result<Vec<ConnectionRun>, StoreError> {
    let mut loaded = Vec::with_capacity(users.len());
    for user in users {
        let rows = store.load(&user).await?;
        if rows.is_empty() {
            loaded.push((user, None));
            continue;
        }
        for (index, connection) in rows.into_iter().enumerate() {
            let label = match index {
                0 => user.clone(),
                _ => format!("{user}#{}", index + 1),
            };
            loaded.push((label, Some(connection)));
        }
    }

    let permits = Arc::new(Semaphore::new(CONNECTIONS_AT_ONCE));
    let mut tasks: JoinSet<(usize, ConnectionRun)> = JoinSet::new();
    for (index, (user, connection)) in loaded.into_iter().enumerate() {
        let (pipeline, env, store, permits) = (
            Arc::clone(&pipeline),
            Arc::clone(&env),
            Arc::clone(&store),
            Arc::clone(&permits),
        );
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let fix = env.fix;
            let mut run = run_connection(pipeline, env, user, connection).await;
            if fix && let Some(connection) = run.connection.clone() {
                match store.persist(&connection, &run.write_back()).await {
                    Ok(results) => run.changes = results,
                    Err(error) => {
                        run.changes = vec![WriteResult::Failed {
                            reason: error.to_string(),
                        }]
                    }
                }
            }
            (index, run)
        });
    }
    let mut runs: Vec<Option<ConnectionRun>> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (index, run) = joined.map_err(|err| StoreError::Query {
            url: store.describe(),
            reason: format!("a connection task stopped unexpectedly: {err}"),
        })?;
        if runs.len() <= index {
            runs.resize_with(index + 1, || None);
        }
        runs[index] = Some(run);
    }
    Ok(runs.into_iter().flatten().collect())
}
