//! Runs a pipeline over many connections, `--concurrency` at a time and at most `--per-org` of
//! one Zoho organisation, keeping the users' order. Every connection is read before any is
//! checked, so a store that fails to read stops the run before anything was written; a
//! write-back that fails is reported on its connection. Rows that share a key are each checked,
//! and told apart in the report: `u1`, `u1#2`, …

use std::{collections::HashMap, sync::Arc, time::Duration};

use tokio::task::{JoinError, JoinSet};

use super::{
    CheckRun, ConnectionRun,
    dispatch::Dispatch,
    interrupt::Interrupt,
    organisation, run_connection,
    schedule::{INTERNAL_ERROR, reporting_panics},
};
use crate::{
    checks::{Facts, Outcome, RunEnv},
    pipeline::Pipeline,
    redact::Redactor,
    store::{Connection, Store, StoreError, WriteResult},
};

/// What the fleet hands its caller while it runs.
pub enum Event<T> {
    /// Every connection was read: this many will be checked (rows that share a key count
    /// each), numbered from 0 in the users' order.
    Loaded { connections: usize },
    /// A connection finished (its write-back included), in completion order, as `finish` made
    /// it; `index` is its place in the users' order.
    Finished { index: usize, done: T },
}

/// Loads every user's connection, then checks them (and, with `--fix`, writes back); once
/// `interrupt` has a signal no new connection starts, and the ones in flight finish. Each
/// connection is handed to `on_event` as it finishes, so the caller keeps only what it needs of
/// it: a fleet's results are never all held at once.
/// `finish` turns a connection's run into what the caller keeps, in the connection's own task:
/// finished connections waiting for `on_event` hold only that (not their run, redactor and
/// all), and the work spreads over the runtime's threads.
pub async fn stream_fleet<T: Send + 'static>(
    pipeline: Arc<Pipeline>,
    env: Arc<RunEnv>,
    store: Arc<Store>,
    users: Vec<String>,
    interrupt: &Interrupt,
    finish: impl Fn(ConnectionRun) -> T + Send + Sync + 'static,
    mut on_event: impl FnMut(Event<T>),
) -> Result<(), StoreError> {
    let finish = Arc::new(finish);
    let mut loaded = Vec::with_capacity(users.len());
    let rows_of = store.load_many(&users).await?;
    for (user, rows) in users.into_iter().zip(rows_of) {
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

    let orgs: Vec<Option<String>> = loaded
        .iter()
        .map(|(_, connection)| {
            connection
                .as_ref()
                .and_then(|connection| organisation(connection, env.app))
                .map(str::to_owned)
        })
        .collect();
    let mut dispatch = Dispatch::new(
        &orgs,
        env.limits.concurrency.get(),
        env.limits.per_org.get(),
    );
    let mut waiting: Vec<Option<(String, Option<Connection>)>> =
        loaded.into_iter().map(Some).collect();
    let mut tasks: JoinSet<(usize, T)> = JoinSet::new();
    let mut task_of: HashMap<tokio::task::Id, (usize, String)> = HashMap::new();
    on_event(Event::Loaded {
        connections: waiting.len(),
    });
    loop {
        // A connection is spawned only once the limits let it run; after a signal, none is.
        while interrupt.signal().is_none()
            && let Some(index) = dispatch.next()
        {
            let Some((user, connection)) = waiting[index].take() else {
                continue;
            };
            let label = user.clone();
            let (pipeline, env, store, finish) = (
                Arc::clone(&pipeline),
                Arc::clone(&env),
                Arc::clone(&store),
                Arc::clone(&finish),
            );
            let handle = tasks.spawn(reporting_panics(async move {
                let run = check_and_write(pipeline, env, store, user, connection).await;
                (index, finish(run))
            }));
            task_of.insert(handle.id(), (index, label));
        }
        let Some(joined) = tasks.join_next_with_id().await else {
            break;
        };
        let (index, done) = match joined {
            Ok((_, done)) => done,
            Err(error) => {
                let (index, user) = task_of.remove(&error.id()).unwrap_or_default();
                // The run's redactor: it masks every connection's secrets as written.
                let redactor = env.redactor.clone();
                (
                    index,
                    finish(internal_error(&pipeline, user, &error, redactor)),
                )
            }
        };
        dispatch.done(orgs.get(index).and_then(Option::as_deref));
        on_event(Event::Finished { index, done });
    }
    Ok(())
}

/// One connection's checks, then (with `--fix`) its write-back, bounded like a check: an
/// interrupted run waits for it, and a transaction dropped at the bound is rolled back.
async fn check_and_write(
    pipeline: Arc<Pipeline>,
    env: Arc<RunEnv>,
    store: Arc<Store>,
    user: String,
    connection: Option<Connection>,
) -> ConnectionRun {
    let fix = env.fix;
    let write_timeout = pipeline.settings.timeout;
    let mut run = Box::pin(run_connection(pipeline, env, user, connection)).await;
    if fix && let Some(connection) = run.connection.clone() {
        let plan = run.write_back();
        let written = Box::pin(tokio::time::timeout(
            write_timeout,
            store.persist(&connection, &plan),
        ))
        .await;
        run.changes = match written {
            Ok(Ok(results)) => results,
            Ok(Err(error)) => vec![WriteResult::Failed {
                reason: error.to_string(),
            }],
            Err(_) => vec![WriteResult::Failed {
                reason: format!(
                    "the write did not finish within {} (settings.timeout) and was rolled back",
                    super::schedule::humanise(write_timeout)
                ),
            }],
        };
    }
    run
}

/// A connection whose task died (a bug): every check of the pipeline reports the internal error,
/// and the other connections go on.
fn internal_error(
    pipeline: &Pipeline,
    user: String,
    error: &JoinError,
    redactor: Redactor,
) -> ConnectionRun {
    let message = if error.is_panic() {
        INTERNAL_ERROR
    } else {
        "the connection's task was cancelled"
    };
    ConnectionRun {
        user,
        connection: None,
        checks: pipeline
            .checks
            .iter()
            .map(|def| CheckRun {
                id: def.id.clone(),
                kind: def.spec.kind(),
                outcome: Outcome::error(message),
                duration: Duration::ZERO,
            })
            .collect(),
        facts: Facts::default(),
        changes: Vec::new(),
        redactor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        checks::{Status, testing::offline_env},
        runner::interrupt::Signal,
        store::{ENV_USER, EnvStore},
        zoho::App,
    };

    /// The fleet's finished runs, in the users' order.
    async fn run_fleet_until(
        pipeline: Arc<Pipeline>,
        env: Arc<RunEnv>,
        store: Arc<Store>,
        users: Vec<String>,
        interrupt: &Interrupt,
    ) -> Result<Vec<ConnectionRun>, StoreError> {
        let mut runs: Vec<Option<ConnectionRun>> = Vec::new();
        let keep = |run| run;
        stream_fleet(
            pipeline,
            env,
            store,
            users,
            interrupt,
            keep,
            |event| match event {
                Event::Loaded { connections } => runs.resize_with(connections, || None),
                Event::Finished { index, done } => runs[index] = Some(done),
            },
        )
        .await?;
        Ok(runs.into_iter().flatten().collect())
    }

    fn connection_only() -> Pipeline {
        crate::pipeline::load_str(
            "name: t\napp: desk\nchecks:\n  - id: connection\n    kind: connection-exists\n",
            "t.yaml",
            &|_| None,
        )
        .expect("pipeline")
    }

    async fn fleet_of_one(interrupt: &Interrupt) -> Vec<ConnectionRun> {
        let lookup = |name: &str| match name {
            "ZOHO_CLIENT_ID" => Some("1000.client".to_owned()),
            "ZOHO_CLIENT_SECRET" => Some("client-secret".to_owned()),
            "ZOHO_REFRESH_TOKEN" => Some("1000.refresh.token".to_owned()),
            _ => None,
        };
        let store = Store::Env(Box::new(EnvStore::open(&lookup).expect("env store")));
        run_fleet_until(
            Arc::new(connection_only()),
            Arc::new(offline_env(App::Desk)),
            Arc::new(store),
            vec![ENV_USER.to_owned()],
            interrupt,
        )
        .await
        .expect("fleet runs")
    }

    #[tokio::test]
    async fn after_a_signal_no_new_connection_starts() {
        let runs = fleet_of_one(&Interrupt::none()).await;
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].checks[0].outcome.status, Status::Pass);
        let interrupted = Interrupt::none();
        interrupted.request(Signal::Interrupt);
        assert!(fleet_of_one(&interrupted).await.is_empty());
    }

    #[tokio::test]
    async fn a_connection_whose_task_panicked_is_that_connections_internal_error() {
        let pipeline = crate::pipeline::load_str(
            "name: t\napp: desk\nchecks:\n  - id: connection\n    kind: connection-exists\n  - id: refresh\n    kind: token-refresh\n",
            "t.yaml",
            &|_| None,
        )
        .expect("pipeline");
        let task = tokio::spawn(reporting_panics(async {
            assert!(super::super::schedule::panics_are_reported());
            panic!("a bug while checking u1");
        }));
        let error = task.await.expect_err("the task panicked");
        let run = internal_error(&pipeline, "u1".to_owned(), &error, Redactor::new());
        assert_eq!(run.user, "u1");
        let statuses: Vec<(Status, &str)> = run
            .checks
            .iter()
            .map(|check| (check.outcome.status, check.outcome.message.as_str()))
            .collect();
        assert_eq!(
            statuses,
            [
                (Status::Error, INTERNAL_ERROR),
                (Status::Error, INTERNAL_ERROR)
            ]
        );
    }
}
