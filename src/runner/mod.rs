//! Runs a pipeline over one connection: checks whose needs are met run concurrently, a check
//! whose need did not pass is skipped with the reason, each check has its timeout, and each
//! verdict's discoveries are folded into the facts before dependants start.

pub mod fleet;

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::task::JoinSet;

use crate::checks::facts::{Facts, ScopeSource};
use crate::{
    checks::{CheckContext, Kind, Outcome, RunEnv, Verdict},
    pipeline::Pipeline,
    report::model::{CheckReport, ConnectionReport, Detail, Status},
    store::{Connection, WriteBack},
};

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
    /// What `--fix` wrote (or, for `env:`, would write), values redacted.
    pub changes: Vec<String>,
    /// `--fix` could not write: the transaction was rolled back.
    pub write_failed: bool,
}

enum State {
    Waiting,
    Running,
    Done(Status),
}

/// Runs every check of `pipeline` for one user.
pub async fn run_connection(
    pipeline: Arc<Pipeline>,
    env: Arc<RunEnv>,
    user: String,
    connection: Option<Connection>,
) -> ConnectionRun {
    let connection = connection.map(Arc::new);
    let mut facts = Facts::from_connection(connection.as_deref(), &env.endpoints);
    let count = pipeline.checks.len();
    let mut states: Vec<State> = (0..count).map(|_| State::Waiting).collect();
    let mut results: Vec<Option<CheckRun>> = vec![None; count];
    let mut running: JoinSet<(usize, Verdict, Duration)> = JoinSet::new();
    let mut task_index: HashMap<tokio::task::Id, usize> = HashMap::new();

    loop {
        // Start (or skip) every waiting check whose dependencies have all finished, in file order.
        let mut progressed = true;
        while progressed {
            progressed = false;
            for index in 0..count {
                if !matches!(states[index], State::Waiting) {
                    continue;
                }
                let def = &pipeline.checks[index];
                let finished = |i: &usize| matches!(states[*i], State::Done(_));
                if !def.needs.iter().all(finished) || !def.after.iter().all(finished) {
                    continue;
                }
                if let Some(reason) = unmet_need(&pipeline, &states, &def.needs) {
                    results[index] = Some(CheckRun {
                        id: def.id.clone(),
                        kind: def.spec.kind(),
                        outcome: Outcome::skip(reason),
                        duration: Duration::ZERO,
                    });
                    states[index] = State::Done(Status::Skip);
                    progressed = true;
                    continue;
                }
                let ctx = CheckContext {
                    env: Arc::clone(&env),
                    user: user.clone(),
                    connection: connection.clone(),
                    facts: facts.clone(),
                };
                let spec = def.spec.clone();
                let timeout = def.timeout;
                let handle = running.spawn(async move {
                    let started = Instant::now();
                    let verdict = match tokio::time::timeout(timeout, spec.run(&ctx)).await {
                        Ok(verdict) => verdict,
                        Err(_) => Outcome::error(format!(
                            "did not finish within {}",
                            humanise(timeout)
                        ))
                        .hint("raise `settings.timeout` (or this check's `timeout`), or retry when Zoho answers faster")
                        .verdict(),
                    };
                    (index, verdict, started.elapsed())
                });
                task_index.insert(handle.id(), index);
                states[index] = State::Running;
            }
        }
        let Some(joined) = running.join_next_with_id().await else {
            break;
        };
        let (index, verdict, duration) = match joined {
            Ok((_, done)) => done,
            Err(join_error) => {
                // A crashing check must not take the run down: it becomes that check's Error.
                let index = task_index[&join_error.id()];
                let outcome = if join_error.is_panic() {
                    Outcome::error("the check crashed (a bug in zoho-doctor; please report it)")
                } else {
                    Outcome::error("the check was cancelled")
                };
                (index, outcome.verdict(), Duration::ZERO)
            }
        };
        let Verdict {
            outcome,
            discoveries,
        } = verdict;
        for discovery in discoveries {
            facts.apply(discovery);
        }
        states[index] = State::Done(outcome.status);
        results[index] = Some(CheckRun {
            id: pipeline.checks[index].id.clone(),
            kind: pipeline.checks[index].spec.kind(),
            outcome,
            duration,
        });
    }

    ConnectionRun {
        user,
        connection,
        checks: results.into_iter().flatten().collect(),
        facts,
        changes: Vec::new(),
        write_failed: false,
    }
}

/// "needs `refresh`, which failed" for the first need that did not pass.
fn unmet_need(pipeline: &Pipeline, states: &[State], needs: &[usize]) -> Option<String> {
    needs.iter().find_map(|&need| match states[need] {
        State::Done(status) if !status.satisfies_needs() => Some(format!(
            "needs `{}`, which {}",
            pipeline.checks[need].id,
            match status {
                Status::Fail => "failed",
                Status::Error => "errored",
                Status::Skip => "was skipped",
                Status::Pass | Status::Warn => "passed",
            }
        )),
        _ => None,
    })
}

pub fn humanise(duration: Duration) -> String {
    if duration.as_millis() < 1000 {
        format!("{} ms", duration.as_millis())
    } else {
        format!("{} s", duration.as_secs())
    }
}

impl ConnectionRun {
    /// What `--fix` should write back: a minted token and its expiry, and an org id or portal
    /// discovered where the row had none (a numeric "portal" is not worth storing).
    pub fn write_back(&self) -> WriteBack {
        let Some(connection) = &self.connection else {
            return WriteBack::default();
        };
        let minted = self.facts.token.as_ref().is_some_and(|token| token.minted);
        let scopes = self
            .facts
            .granted_scopes
            .as_ref()
            .filter(|granted| minted && granted.source == ScopeSource::TokenAnswer)
            .map(|granted| {
                granted
                    .scopes
                    .iter()
                    .map(|scope| scope.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|scopes| connection.scopes.as_deref() != Some(scopes.as_str()));
        let api_domain =
            self.facts.api_domain.clone().filter(|domain| {
                minted && connection.api_domain.as_deref() != Some(domain.as_str())
            });
        // Of several organisations with none the default, the first is a guess: writing it would
        // point the app at the wrong tenant (reference §9.6).
        let ambiguous = self.facts.ambiguous_org && connection.desk_org_id.is_none();
        let notes = if ambiguous {
            vec!["`desk_org_id`, `desk_portal`: not stored — the user belongs to several organisations and none is the default; store the right org id by hand".to_owned()]
        } else {
            Vec::new()
        };
        WriteBack {
            notes,
            api_domain,
            scopes,
            access_token: self
                .facts
                .token
                .as_ref()
                .filter(|token| token.minted)
                .map(|token| {
                    (
                        token.token.clone(),
                        token
                            .expires_at
                            .unwrap_or_else(|| chrono::Utc::now() + chrono::Duration::hours(1)),
                    )
                }),
            desk_org_id: self
                .facts
                .desk_org_id
                .as_ref()
                .filter(|_| connection.desk_org_id.is_none() && !ambiguous)
                .map(|id| id.0.clone()),
            desk_portal: self
                .facts
                .desk_portal
                .as_ref()
                .filter(|portal| {
                    connection.desk_portal.is_none() && !portal.looks_numeric() && !ambiguous
                })
                .map(|portal| portal.0.clone()),
        }
    }

    /// The reporters' view of this run (not yet redacted).
    pub fn to_report(&self) -> ConnectionReport {
        let detail = |(name, value): &(String, String)| Detail {
            name: name.clone(),
            value: value.clone(),
        };
        ConnectionReport {
            user: self.user.clone(),
            dc: self.facts.dc.map(|dc| dc.code().to_owned()),
            status: Status::worst(self.checks.iter().map(|check| check.outcome.status)),
            checks: self
                .checks
                .iter()
                .map(|check| CheckReport {
                    id: check.id.clone(),
                    kind: check.kind.name().to_owned(),
                    status: check.outcome.status,
                    message: check.outcome.message.clone(),
                    hint: check.outcome.hint.clone(),
                    code: check.outcome.code.clone(),
                    evidence: check.outcome.evidence.clone(),
                    details: check.outcome.details.iter().map(detail).collect(),
                    duration_ms: u64::try_from(check.duration.as_millis()).unwrap_or(u64::MAX),
                })
                .collect(),
            profile: self.facts.profile.iter().map(detail).collect(),
            changes: self.changes.clone(),
            write_failed: self.write_failed,
        }
    }
}
