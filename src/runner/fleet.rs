//! Runs a pipeline over many connections, `--concurrency` at a time and at most `--per-org` of
//! one Zoho organisation, keeping the users' order. Rows are read a chunk at a time while the
//! first connections run (with `--fix`, all of them before any is checked, so a store that fails
//! to read stops the run before anything was written); a write-back that fails is reported on
//! its connection. Rows that share a key are each checked,
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
    zoho::App,
};

/// What the fleet hands its caller while it runs.
pub enum Event<T> {
    /// This many connections will be checked (rows that share a key count each), numbered from
    /// 0 in the users' order: sent as soon as the users are known (with `--fix`, once every row
    /// is read), and again whenever rows that share a key add to the count; it never shrinks.
    Loaded { connections: usize },
    /// A connection finished (its write-back included), in completion order, as `finish` made
    /// it; `index` is its place in the users' order.
    Finished { index: usize, done: T },
    /// A second passed: a progress line redraws its rate and ETA though nothing finished.
    Tick,
}

/// How often `Event::Tick` comes.
const TICK: std::time::Duration = std::time::Duration::from_secs(1);

/// Users read per query while the fleet runs: the first connections start once the first
/// chunk is read, not after all 10,000 rows.
const LOAD_CHUNK: usize = 500;

/// A chunk of users and each one's rows, or the store's failure to read it.
type Loaded = Result<Vec<(String, Vec<Connection>)>, StoreError>;

/// Loads the users' connections and checks them (and, with `--fix`, writes back); once
/// `interrupt` has a signal no new connection starts, and the ones in flight finish. Each
/// connection is handed to `on_event` as it finishes, so the caller keeps only what it needs of
/// it: a fleet's results are never all held at once.
/// Without `--fix` the rows are read a chunk at a time while the first connections are checked;
/// a store that fails to read stops the run (nothing was written). With `--fix` every row is read
/// before any connection is checked, so a failing store stops the run before anything is
/// written, and no read runs while `--fix` writes.
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
    let mut unread = users.len();
    let mut chunks = read_in_chunks(Arc::clone(&store), users);
    let mut fleet = Fleet {
        waiting: Vec::new(),
        orgs: Vec::new(),
        dispatch: Dispatch::new(&[], env.limits.concurrency.get(), env.limits.per_org.get()),
    };
    if env.fix {
        while let Some(chunk) = chunks.recv().await {
            unread -= fleet.add(chunk?, env.app);
        }
    }
    on_event(Event::Loaded {
        connections: fleet.waiting.len() + unread,
    });
    let mut reading = unread > 0;
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + TICK, TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut tasks: JoinSet<(usize, T)> = JoinSet::new();
    let mut task_of: HashMap<tokio::task::Id, (usize, String)> = HashMap::new();
    loop {
        // A connection is spawned only once the limits let it run; after a signal, none is.
        while interrupt.signal().is_none()
            && let Some(index) = fleet.dispatch.next()
        {
            let Some((user, connection)) = fleet.waiting[index].take() else {
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
        // Nothing runs and nothing more can start: every connection finished (or, after a
        // signal, every one that had started).
        if tasks.is_empty() && (!reading || interrupt.signal().is_some()) {
            break;
        }
        tokio::select! {
            // The next chunk first: the connections it holds may start now.
            biased;
            // After a signal nothing more is read: no new connection would start.
            chunk = chunks.recv(), if reading && interrupt.signal().is_none() => match chunk {
                Some(chunk) => {
                    let before = fleet.waiting.len() + unread;
                    unread -= fleet.add(chunk?, env.app);
                    if fleet.waiting.len() + unread != before {
                        on_event(Event::Loaded {
                            connections: fleet.waiting.len() + unread,
                        });
                    }
                }
                None if unread > 0 => {
                    // The reading task died (a bug): the users it left must not pass unnoticed.
                    return Err(StoreError::Query {
                        url: store.describe(),
                        reason: format!(
                            "reading stopped with {unread} users unread (an internal error; please report it)"
                        ),
                    });
                }
                None => reading = false,
            },
            Some(joined) = tasks.join_next_with_id() => {
                let (index, done) = match joined {
                    Ok((id, done)) => {
                        task_of.remove(&id);
                        done
                    }
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
                fleet
                    .dispatch
                    .done(fleet.orgs.get(index).and_then(Option::as_deref));
                on_event(Event::Finished { index, done });
            }
            _ = ticks.tick() => on_event(Event::Tick),
        }
    }
    Ok(())
}

/// The connections read so far, each with its organisation, and what starts next.
struct Fleet {
    /// By index in the users' order; `None` once spawned.
    waiting: Vec<Option<(String, Option<Connection>)>>,
    orgs: Vec<Option<String>>,
    dispatch: Dispatch,
}

impl Fleet {
    /// Adds a chunk's users (each row of a key its own connection: `u1`, `u1#2`, …, and a user
    /// without a row one connection that the `connection` check fails); how many users it held.
    fn add(&mut self, chunk: Vec<(String, Vec<Connection>)>, app: App) -> usize {
        let users = chunk.len();
        for (user, rows) in chunk {
            if rows.is_empty() {
                self.push(user, None, app);
                continue;
            }
            for (index, connection) in rows.into_iter().enumerate() {
                let label = match index {
                    0 => user.clone(),
                    _ => format!("{user}#{}", index + 1),
                };
                self.push(label, Some(connection), app);
            }
        }
        users
    }

    fn push(&mut self, label: String, connection: Option<Connection>, app: App) {
        let org = connection
            .as_ref()
            .and_then(|connection| organisation(connection, app))
            .map(str::to_owned);
        self.dispatch.push(self.waiting.len(), org.clone());
        self.orgs.push(org);
        self.waiting.push(Some((label, connection)));
    }
}

/// Reads the users' rows a chunk at a time, in the users' order, on a task of its own; the
/// channel closes after the last chunk or the first failure.
fn read_in_chunks(store: Arc<Store>, users: Vec<String>) -> tokio::sync::mpsc::Receiver<Loaded> {
    let (chunks, received) = tokio::sync::mpsc::channel(2);
    tokio::spawn(async move {
        for chunk in users.chunks(LOAD_CHUNK) {
            let read = store
                .load_many(chunk)
                .await
                .map(|rows| chunk.iter().cloned().zip(rows).collect());
            let failed = read.is_err();
            if chunks.send(read).await.is_err() || failed {
                return;
            }
        }
    });
    received
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
                Event::Tick => {}
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

    /// A SQLite store of the seed table with users `u0000`… (`count` of them), and its URL.
    async fn sqlite_fleet(dir: &std::path::Path, count: usize) -> String {
        use sqlx::{AssertSqlSafe, ConnectOptions as _, Connection as _};
        let url = format!("sqlite://{}", dir.join("app.db").display());
        let mut db = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&url)
            .expect("url")
            .create_if_missing(true)
            .connect()
            .await
            .expect("creates");
        let create = crate::store::seed_table_sql(&url, "zoho_connections");
        sqlx::query(AssertSqlSafe(create))
            .execute(&mut db)
            .await
            .expect("table");
        let mut tx = db.begin().await.expect("transaction");
        for n in 0..count {
            sqlx::query("INSERT INTO zoho_connections (user_id, refresh_token) VALUES (?, ?)")
                .bind(format!("u{n:04}"))
                .bind(format!("1000.refresh{n}.token{n}"))
                .execute(&mut *tx)
                .await
                .expect("row");
        }
        tx.commit().await.expect("commits");
        url
    }

    #[tokio::test]
    async fn rows_read_in_chunks_each_run_once_in_the_users_order_with_or_without_fix() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = sqlite_fleet(dir.path(), 2 * LOAD_CHUNK + 1).await;
        // A user without a row in the middle of the second chunk is one connection all the same.
        let mut users: Vec<String> = (0..2 * LOAD_CHUNK + 1)
            .map(|n| format!("u{n:04}"))
            .collect();
        users.insert(LOAD_CHUNK + 7, "nobody".to_owned());
        for fix in [false, true] {
            let store = Store::open(&url, crate::store::Mapping::seed(), fix)
                .await
                .expect("opens");
            let env = RunEnv {
                fix,
                ..offline_env(App::Desk)
            };
            let (mut counts, mut finished) = (Vec::new(), Vec::new());
            stream_fleet(
                Arc::new(connection_only()),
                Arc::new(env),
                Arc::new(store),
                users.clone(),
                &Interrupt::none(),
                |run| (run.user, run.checks[0].outcome.status),
                |event| match event {
                    Event::Loaded { connections } => counts.push(connections),
                    Event::Finished { index, done } => finished.push((index, done)),
                    Event::Tick => {}
                },
            )
            .await
            .expect("fleet runs");
            assert_eq!(counts, [users.len()], "fix {fix}: one count, the users'");
            finished.sort_by_key(|(index, _)| *index);
            let indices: Vec<usize> = finished.iter().map(|(index, _)| *index).collect();
            assert_eq!(indices, (0..users.len()).collect::<Vec<_>>(), "fix {fix}");
            let labels: Vec<&str> = finished
                .iter()
                .map(|(_, (user, _))| user.as_str())
                .collect();
            assert_eq!(labels, users, "fix {fix}");
            let failed: Vec<&str> = finished
                .iter()
                .filter(|(_, (_, status))| *status != Status::Pass)
                .map(|(_, (user, _))| user.as_str())
                .collect();
            assert_eq!(failed, ["nobody"], "fix {fix}");
        }
    }

    #[tokio::test]
    async fn a_store_that_fails_to_read_stops_the_fleet_with_its_error() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = sqlite_fleet(dir.path(), 3).await;
        let store = Store::open(&url, crate::store::Mapping::seed(), false)
            .await
            .expect("opens");
        // The table goes once the store is open: the first read fails.
        {
            use sqlx::{ConnectOptions as _, Connection as _};
            let mut db = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&url)
                .expect("url")
                .connect()
                .await
                .expect("opens");
            sqlx::query("DROP TABLE zoho_connections")
                .execute(&mut db)
                .await
                .expect("dropped");
            db.close().await.expect("closes");
        }
        let outcome = stream_fleet(
            Arc::new(connection_only()),
            Arc::new(offline_env(App::Desk)),
            Arc::new(store),
            vec!["u0000".to_owned()],
            &Interrupt::none(),
            |run| run.user,
            |_| {},
        )
        .await;
        let error = outcome.expect_err("the store's failure is the fleet's");
        assert!(error.to_string().contains("zoho_connections"), "{error}");
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
