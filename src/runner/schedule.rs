//! The scheduler of one connection's checks: a check starts once everything it `needs` or runs
//! `after` has finished; one whose need did not pass is skipped with the reason; checks whose
//! dependencies are met run concurrently; each has its timeout; a panicking check becomes that
//! check's error; each verdict's discoveries are folded into the facts before dependants start.
//! A verdict's afterword (work that only adds to its outcome) runs alongside the dependants and
//! amends that outcome before the results are returned.
//! It knows nothing of check kinds: it is handed a function that starts check `i` on a snapshot
//! of the facts, so its tests drive it with fake checks.

use std::{
    collections::HashMap,
    future::Future,
    time::{Duration, Instant},
};

use tokio::task::JoinSet;

tokio::task_local! {
    /// Set while a connection or a check runs: a panic there is reported as that connection's
    /// (or check's) error, so the panic hook stays quiet (`panics_are_reported`).
    static REPORTED: ();
}

/// Whether a panic at this point becomes a check's (or connection's) reported error, so the
/// panic hook need not print it.
pub fn panics_are_reported() -> bool {
    REPORTED.try_with(|_| ()).is_ok()
}

/// Runs `work` where a panic is reported as an error of its own (by whoever joins it).
pub async fn reporting_panics<F: Future>(work: F) -> F::Output {
    REPORTED.scope((), work).await
}

/// What a check that panicked reports.
pub const INTERNAL_ERROR: &str = "internal error (a bug; please report it)";

use crate::{
    checks::{
        Facts, Outcome, Status, Verdict,
        outcome::{Afterword, Amend},
    },
    zoho::throttle,
};

/// One check as the scheduler sees it.
#[derive(Debug, Clone)]
pub struct Step<'a> {
    pub id: &'a str,
    /// Must have passed (or warned) for this check to run.
    pub needs: &'a [usize],
    /// Must have finished, whatever its result, before this check runs.
    pub after: &'a [usize],
    pub timeout: Duration,
}

/// One check's outcome and how long it took.
#[derive(Debug, Clone)]
pub struct Finished {
    pub outcome: Outcome,
    pub duration: Duration,
}

enum State {
    Waiting,
    Running,
    Done(Status),
}

/// Runs every step, starting step `i` with `start(i, facts)`; returns each step's result in step
/// order and the facts as the last check left them.
pub async fn schedule<F, Fut>(
    steps: &[Step<'_>],
    mut facts: Facts,
    mut start: F,
) -> (Vec<Finished>, Facts)
where
    F: FnMut(usize, Facts) -> Fut,
    Fut: Future<Output = Verdict> + Send + 'static,
{
    let count = steps.len();
    let mut states: Vec<State> = (0..count).map(|_| State::Waiting).collect();
    let mut results: Vec<Option<Finished>> = vec![None; count];
    let mut running: JoinSet<(usize, Verdict, Duration)> = JoinSet::new();
    let mut task_index: HashMap<tokio::task::Id, usize> = HashMap::new();
    let mut afterwords: JoinSet<(usize, Option<Amend>)> = JoinSet::new();

    loop {
        // Start (or skip) every waiting step whose dependencies have all finished, in file order;
        // a skip can release others, so repeat until nothing changes.
        let mut progressed = true;
        while progressed {
            progressed = false;
            for index in 0..count {
                if !matches!(states[index], State::Waiting) {
                    continue;
                }
                let step = &steps[index];
                let finished = |i: &usize| matches!(states[*i], State::Done(_));
                if !step.needs.iter().all(finished) || !step.after.iter().all(finished) {
                    continue;
                }
                if let Some(reason) = unmet_need(steps, &states, step.needs) {
                    results[index] = Some(Finished {
                        outcome: Outcome::skip(reason),
                        duration: Duration::ZERO,
                    });
                    states[index] = State::Done(Status::Skip);
                    progressed = true;
                    continue;
                }
                let check = start(index, facts.clone());
                let timeout = step.timeout;
                let handle = running.spawn(reporting_panics(async move {
                    let started = Instant::now();
                    let verdict = match throttle::within(timeout, check).await {
                        Some(verdict) => verdict,
                        None => Outcome::error(format!(
                            "did not finish within {}",
                            humanise(timeout)
                        ))
                        .hint("raise `settings.timeout` (or this check's `timeout`), or retry when Zoho answers faster")
                        .verdict(),
                    };
                    (index, verdict, started.elapsed())
                }));
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
                    Outcome::error(INTERNAL_ERROR)
                } else {
                    Outcome::error("the check was cancelled")
                };
                (index, outcome.verdict(), Duration::ZERO)
            }
        };
        let Verdict {
            outcome,
            discoveries,
            afterword,
        } = verdict;
        for discovery in discoveries {
            facts.apply(discovery);
        }
        if let Some(afterword) = afterword {
            afterwords.spawn(reporting_panics(later(
                index,
                afterword,
                steps[index].timeout,
            )));
        }
        states[index] = State::Done(outcome.status);
        results[index] = Some(Finished { outcome, duration });
    }
    while let Some(joined) = afterwords.join_next().await {
        // A panicking or late afterword leaves its check's outcome as first returned.
        let Ok((index, Some(amend))) = joined else {
            continue;
        };
        if let Some(finished) = results[index].as_mut() {
            finished.outcome = amended(finished.outcome.clone(), amend);
        }
    }
    (results.into_iter().flatten().collect(), facts)
}

/// Waits for an afterword, bounded by its check's timeout (gate waits not counted).
async fn later(index: usize, afterword: Afterword, timeout: Duration) -> (usize, Option<Amend>) {
    (index, throttle::within(timeout, afterword.0).await)
}

/// Applies an amendment; dependants already started on the first outcome, so one that passed
/// stays passing or becomes a warning, never a failure.
fn amended(first: Outcome, amend: Amend) -> Outcome {
    let started_dependants = first.status.satisfies_needs();
    let mut outcome = amend(first);
    if started_dependants && !outcome.status.satisfies_needs() {
        outcome.status = Status::Warn;
    }
    outcome
}

/// "needs `refresh`, which failed" for the first need that did not pass.
fn unmet_need(steps: &[Step<'_>], states: &[State], needs: &[usize]) -> Option<String> {
    needs.iter().find_map(|&need| match states[need] {
        State::Done(status) if !status.satisfies_needs() => Some(format!(
            "needs `{}`, which {}",
            steps[need].id,
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

/// "750 ms" or "10 s".
pub fn humanise(duration: Duration) -> String {
    if duration.as_millis() < 1000 {
        format!("{} ms", duration.as_millis())
    } else {
        format!("{} s", duration.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::{checks::facts::Discovery, zoho::DeskOrgId};

    const LONG: Duration = Duration::from_secs(5);

    fn step<'a>(id: &'a str, needs: &'a [usize], after: &'a [usize]) -> Step<'a> {
        Step {
            id,
            needs,
            after,
            timeout: LONG,
        }
    }

    fn summary(results: &[Finished]) -> Vec<String> {
        results
            .iter()
            .map(|r| format!("{}: {}", r.outcome.status.label(), r.outcome.message))
            .collect()
    }

    /// Fake checks: each returns the outcome its index is given.
    fn fixed(outcomes: Vec<Outcome>) -> impl FnMut(usize, Facts) -> std::future::Ready<Verdict> {
        move |index, _| std::future::ready(outcomes[index].clone().verdict())
    }

    #[tokio::test]
    async fn a_failed_need_skips_its_dependants_with_the_reason_and_the_skip_propagates() {
        let steps = [
            step("a", &[], &[]),
            step("b", &[0], &[]),
            step("c", &[1], &[]),
        ];
        let (results, _) = schedule(
            &steps,
            Facts::default(),
            fixed(vec![
                Outcome::fail("no"),
                Outcome::pass("b"),
                Outcome::pass("c"),
            ]),
        )
        .await;
        assert_eq!(
            summary(&results),
            [
                "FAIL: no",
                "SKIP: needs `a`, which failed",
                "SKIP: needs `b`, which was skipped"
            ]
        );
    }

    #[tokio::test]
    async fn an_afterword_amends_its_check_while_the_dependants_go_on() {
        // `a` passes at once with an afterword that waits until `b` (its dependant) has run.
        let steps = [step("a", &[], &[]), step("b", &[0], &[])];
        let (b_ran, b_done) = (
            Arc::new(tokio::sync::Notify::new()),
            Arc::new(Mutex::new(false)),
        );
        let (notify, done) = (Arc::clone(&b_ran), Arc::clone(&b_done));
        let (results, _) = schedule(&steps, Facts::default(), move |index, _| {
            let (notify, done) = (Arc::clone(&notify), Arc::clone(&done));
            async move {
                if index == 1 {
                    *done.lock().expect("lock") = true;
                    notify.notify_one();
                    return Outcome::pass("b").verdict();
                }
                Outcome::pass("a")
                    .verdict()
                    .then_amend(Afterword::new(async move {
                        notify.notified().await;
                        let seen = *done.lock().expect("lock");
                        let amend: Amend = Box::new(move |outcome: Outcome| {
                            // A failure here cannot stop `b`, which has started: at worst a warning.
                            Outcome::fail(format!("{}; b had run: {seen}", outcome.message))
                        });
                        amend
                    }))
            }
        })
        .await;
        assert_eq!(summary(&results), ["WARN: a; b had run: true", "PASS: b"]);
        assert!(*b_done.lock().expect("lock"));
    }

    #[tokio::test]
    async fn after_waits_for_a_failure_and_still_runs() {
        let steps = [step("a", &[], &[]), step("b", &[], &[0])];
        let order = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&order);
        let (results, _) = schedule(&steps, Facts::default(), move |index, _| {
            seen.lock().expect("lock").push(index);
            let outcome = if index == 0 {
                Outcome::error("boom")
            } else {
                Outcome::pass("diagnosed")
            };
            std::future::ready(outcome.verdict())
        })
        .await;
        assert_eq!(*order.lock().expect("lock"), [0, 1]);
        assert_eq!(summary(&results), ["ERROR: boom", "PASS: diagnosed"]);
    }

    #[tokio::test]
    async fn checks_whose_needs_are_met_run_concurrently() {
        // Each of the two waits for the other at a barrier: run one after the other, they would
        // both time out.
        let steps = [
            Step {
                timeout: Duration::from_secs(2),
                ..step("org", &[], &[])
            },
            Step {
                timeout: Duration::from_secs(2),
                ..step("portal", &[], &[])
            },
        ];
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let (results, _) = schedule(&steps, Facts::default(), move |_, _| {
            let barrier = Arc::clone(&barrier);
            async move {
                barrier.wait().await;
                Outcome::pass("met").verdict()
            }
        })
        .await;
        assert_eq!(summary(&results), ["PASS: met", "PASS: met"]);
    }

    #[tokio::test]
    async fn discoveries_reach_the_checks_that_need_them() {
        let steps = [step("org", &[], &[]), step("profile", &[0], &[])];
        let (results, facts) = schedule(&steps, Facts::default(), |index, facts| {
            let verdict = if index == 0 {
                Outcome::pass("found")
                    .verdict()
                    .discover(Discovery::DeskOrgId(DeskOrgId("42".to_owned())))
            } else {
                let seen = facts.desk_org_id.map(|id| id.0).unwrap_or_default();
                Outcome::pass(format!("org {seen}")).verdict()
            };
            std::future::ready(verdict)
        })
        .await;
        assert_eq!(summary(&results), ["PASS: found", "PASS: org 42"]);
        assert_eq!(facts.desk_org_id.map(|id| id.0), Some("42".to_owned()));
    }

    #[tokio::test]
    async fn a_check_past_its_timeout_is_an_error_with_the_fix() {
        let steps = [Step {
            timeout: Duration::from_millis(20),
            ..step("slow", &[], &[])
        }];
        let (results, _) = schedule(&steps, Facts::default(), |_, _| async {
            tokio::time::sleep(LONG).await;
            Outcome::pass("late").verdict()
        })
        .await;
        assert_eq!(summary(&results), ["ERROR: did not finish within 20 ms"]);
        assert!(
            results[0]
                .outcome
                .hint
                .as_deref()
                .is_some_and(|hint| hint.contains("settings.timeout"))
        );
    }

    #[tokio::test]
    async fn a_panicking_check_is_that_checks_error_and_the_others_run() {
        let steps = [step("bad", &[], &[]), step("good", &[], &[])];
        let (results, _) = schedule(&steps, Facts::default(), |index, _| async move {
            assert!(
                panics_are_reported(),
                "a check runs where its panic is reported"
            );
            assert!(index != 0, "a bug in a check");
            Outcome::pass("fine").verdict()
        })
        .await;
        assert!(
            !panics_are_reported(),
            "outside a check a panic is the hook's"
        );
        assert_eq!(
            summary(&results),
            [
                "ERROR: internal error (a bug; please report it)",
                "PASS: fine"
            ]
        );
    }

    #[test]
    fn durations_read_in_milliseconds_or_seconds() {
        assert_eq!(humanise(Duration::from_millis(750)), "750 ms");
        assert_eq!(humanise(Duration::from_secs(10)), "10 s");
    }
}
