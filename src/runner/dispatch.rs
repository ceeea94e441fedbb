//! Which connection of a fleet starts next: the first in the users' order that `--concurrency`
//! and its organisation's `--per-org` let start now. A connection is only spawned when it may
//! run, so a fleet of 10,000 holds a few tasks, not 10,000 waiting ones, and one busy
//! organisation never holds back the others.

use std::collections::{BTreeMap, HashMap, VecDeque};

/// The fleet's waiting connections (by index in the users' order) and what runs.
#[derive(Debug)]
pub struct Dispatch {
    concurrency: usize,
    per_org: usize,
    in_flight: usize,
    /// Each organisation's waiting connections, in order; `None`: rows that name none (uncapped).
    waiting: HashMap<Option<String>, VecDeque<usize>>,
    running: HashMap<String, usize>,
    /// The first waiting connection of every organisation that may start one more, and of the
    /// uncapped rows: the smallest index is the next to start.
    ready: BTreeMap<usize, Option<String>>,
}

impl Dispatch {
    /// `orgs[i]` is connection `i`'s organisation.
    pub fn new(orgs: &[Option<String>], concurrency: usize, per_org: usize) -> Dispatch {
        let mut waiting: HashMap<Option<String>, VecDeque<usize>> = HashMap::new();
        for (index, org) in orgs.iter().enumerate() {
            waiting.entry(org.clone()).or_default().push_back(index);
        }
        let ready = waiting
            .iter()
            .filter_map(|(org, queue)| queue.front().map(|&first| (first, org.clone())))
            .collect();
        Dispatch {
            concurrency: concurrency.max(1),
            per_org: per_org.max(1),
            in_flight: 0,
            waiting,
            running: HashMap::new(),
            ready,
        }
    }

    /// Connection `index` (past every index so far) of `org` waits to start.
    pub fn push(&mut self, index: usize, org: Option<String>) {
        let queue = self.waiting.entry(org.clone()).or_default();
        queue.push_back(index);
        if queue.len() > 1 {
            // Its organisation's first waiting connection stands for it in `ready`, or the
            // organisation is at its cap and `done` will put the first back.
            return;
        }
        let has_room = org
            .as_ref()
            .is_none_or(|name| self.running.get(name).copied().unwrap_or(0) < self.per_org);
        if has_room {
            self.ready.insert(index, org);
        }
    }

    /// The next connection to start now, if the limits let one start.
    pub fn next(&mut self) -> Option<usize> {
        if self.in_flight >= self.concurrency {
            return None;
        }
        let (index, org) = self.ready.pop_first()?;
        self.in_flight += 1;
        let may_start_another = match &org {
            Some(name) => {
                let running = self.running.entry(name.clone()).or_default();
                *running += 1;
                *running < self.per_org
            }
            None => true,
        };
        let queue = self.waiting.entry(org.clone()).or_default();
        queue.pop_front();
        if may_start_another && let Some(&next) = queue.front() {
            self.ready.insert(next, org);
        }
        Some(index)
    }

    /// Connection of `org` finished: its place, and its organisation's, are free again.
    pub fn done(&mut self, org: Option<&str>) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let Some(name) = org else {
            return;
        };
        let Some(running) = self.running.get_mut(name) else {
            return;
        };
        let was_at_cap = *running >= self.per_org;
        *running = running.saturating_sub(1);
        let key = Some(name.to_owned());
        if was_at_cap && let Some(&next) = self.waiting.get(&key).and_then(VecDeque::front) {
            self.ready.insert(next, key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orgs(names: &[Option<&str>]) -> Vec<Option<String>> {
        names.iter().map(|name| name.map(str::to_owned)).collect()
    }

    fn start_all(dispatch: &mut Dispatch) -> Vec<usize> {
        std::iter::from_fn(|| dispatch.next()).collect()
    }

    #[test]
    fn connections_start_in_order_up_to_the_concurrency() {
        let mut dispatch = Dispatch::new(&orgs(&[None, None, None, None]), 2, 10);
        assert_eq!(start_all(&mut dispatch), [0, 1]);
        dispatch.done(None);
        assert_eq!(start_all(&mut dispatch), [2]);
        dispatch.done(None);
        dispatch.done(None);
        assert_eq!(start_all(&mut dispatch), [3]);
        assert!(start_all(&mut dispatch).is_empty());
    }

    #[test]
    fn a_busy_organisation_waits_while_the_others_go_on() {
        let mut dispatch = Dispatch::new(
            &orgs(&[Some("a"), Some("a"), Some("a"), Some("b"), None]),
            10,
            1,
        );
        // One of `a` at a time; `b` and the uncapped row start past `a`'s waiting ones.
        assert_eq!(start_all(&mut dispatch), [0, 3, 4]);
        dispatch.done(Some("b"));
        assert!(start_all(&mut dispatch).is_empty());
        dispatch.done(Some("a"));
        assert_eq!(start_all(&mut dispatch), [1]);
        dispatch.done(Some("a"));
        assert_eq!(start_all(&mut dispatch), [2]);
    }

    #[test]
    fn every_connection_starts_exactly_once() {
        let names: Vec<Option<String>> = (0..500)
            .map(|i| (i % 7 != 0).then(|| format!("org{}", i % 5)))
            .collect();
        let mut dispatch = Dispatch::new(&names, 16, 3);
        let (mut started, mut running) = (Vec::new(), Vec::new());
        loop {
            let batch = start_all(&mut dispatch);
            for &index in &batch {
                let org = names[index].as_deref();
                let same_org = running
                    .iter()
                    .filter(|&&other: &&usize| org.is_some() && names[other].as_deref() == org)
                    .count();
                assert!(same_org < 3, "--per-org exceeded at {index}");
            }
            running.extend(&batch);
            started.extend(batch);
            assert!(running.len() <= 16, "--concurrency exceeded");
            let Some(finished) = running.pop() else {
                break;
            };
            dispatch.done(names[finished].as_deref());
        }
        started.sort_unstable();
        assert_eq!(started, (0..500).collect::<Vec<_>>());
    }

    #[test]
    fn connections_pushed_while_others_run_each_start_once_within_the_limits() {
        let names: Vec<Option<String>> = (0..300)
            .map(|i| (i % 7 != 0).then(|| format!("org{}", i % 3)))
            .collect();
        let mut dispatch = Dispatch::new(&[], 8, 2);
        let (mut started, mut running, mut pushed) = (Vec::new(), Vec::<usize>::new(), 0);
        loop {
            // Rows arrive a chunk of 25 at a time, between finishing connections.
            let chunk = (pushed + 25).min(names.len());
            for (index, org) in names.iter().enumerate().take(chunk).skip(pushed) {
                dispatch.push(index, org.clone());
            }
            pushed = chunk;
            let batch = start_all(&mut dispatch);
            running.extend(&batch);
            for org in names.iter().flatten() {
                let same = running
                    .iter()
                    .filter(|&&other| names[other].as_ref() == Some(org))
                    .count();
                assert!(same <= 2, "--per-org exceeded for {org}");
            }
            assert!(running.len() <= 8, "--concurrency exceeded");
            started.extend(batch);
            if running.is_empty() && pushed == names.len() {
                break;
            }
            if let Some(finished) = running.pop() {
                dispatch.done(names[finished].as_deref());
            }
        }
        let in_order = started.clone();
        started.sort_unstable();
        assert_eq!(started, (0..300).collect::<Vec<_>>());
        assert_eq!(in_order[0], 0, "the first row read starts first");
    }
}
