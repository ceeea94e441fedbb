//! How hard a run presses on Zoho: the fleet's limits (`--concurrency`, `--per-org`, `--rate`)
//! and the gate every request passes, which every connection's HTTP client shares — the run's
//! rate (one request per interval) and each host's and organisation's "not before" instant, set
//! when Zoho asks to slow down (a 429, `TOO_MANY_REQUESTS`, a `Retry-After`).

use std::{
    collections::HashMap,
    fmt,
    future::Future,
    num::{NonZeroU32, NonZeroUsize},
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use tokio::time::Instant;

/// Connections checked at once unless `--concurrency` says otherwise: each connection waits on
/// Zoho most of its time, so many fit on a small machine.
pub const DEFAULT_CONCURRENCY: usize = 16;
/// Connections of one organisation at once unless `--per-org` says otherwise: Zoho's concurrency
/// limits are per organisation, 5 to 25 calls by edition, and each connection makes a few at once.
pub const DEFAULT_PER_ORG: usize = 10;

/// How many connections run at once, overall and per organisation, and how many requests a
/// second the run may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub concurrency: NonZeroUsize,
    /// At most this many connections of one organisation (the row's Desk or CRM org id) at
    /// once; a row without one is not capped.
    pub per_org: NonZeroUsize,
    /// `None`: no cap on requests beyond the connections in flight.
    pub rate: Option<Rate>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            concurrency: NonZeroUsize::new(DEFAULT_CONCURRENCY).unwrap_or(NonZeroUsize::MIN),
            per_org: NonZeroUsize::new(DEFAULT_PER_ORG).unwrap_or(NonZeroUsize::MIN),
            rate: None,
        }
    }
}

/// `--concurrency` and `--per-org`: a whole number, at least 1.
pub fn parse_count(text: &str) -> Result<NonZeroUsize, String> {
    text.trim()
        .parse::<usize>()
        .ok()
        .and_then(NonZeroUsize::new)
        .ok_or_else(|| "expected a whole number of connections, at least 1".to_owned())
}

/// `--rate N/s`: at most N requests to Zoho a second over the whole run, spread evenly (one
/// every 1/N s, no bursts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    per_second: NonZeroU32,
}

impl Rate {
    pub fn per_second(count: NonZeroU32) -> Rate {
        Rate { per_second: count }
    }

    /// `N/s`, N a whole number of requests, at least 1.
    pub fn parse(text: &str) -> Result<Rate, String> {
        let count = text
            .trim()
            .strip_suffix("/s")
            .and_then(|count| count.trim().parse::<u32>().ok())
            .and_then(NonZeroU32::new);
        count.map(Rate::per_second).ok_or_else(|| {
            "expected N/s, a whole number of requests a second, at least 1 (e.g. 50/s)".to_owned()
        })
    }

    /// The time between two requests.
    pub fn interval(self) -> Duration {
        Duration::from_secs(1) / self.per_second.get()
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/s", self.per_second)
    }
}

/// How long a request waited at the gate before it went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waited {
    /// For a hold Zoho asked for (a 429, `Retry-After`) on its host or organisation.
    pub held: Duration,
    /// For its turn under `--rate`.
    pub paced: Duration,
}

tokio::task_local! {
    /// The gate waits of the work `within` bounds.
    static GATE_WAITS: Arc<GateWaits>;
}

/// Time spent waiting at the gate, overlapping waits counted once.
#[derive(Debug, Default)]
struct GateWaits(Mutex<WaitClock>);

#[derive(Debug, Default)]
struct WaitClock {
    /// Waits that ended.
    past: Duration,
    /// Waits under way, and since when one has been.
    waiting: usize,
    since: Option<Instant>,
}

impl GateWaits {
    fn begin(&self) {
        let mut clock = lock(&self.0);
        clock.waiting += 1;
        clock.since.get_or_insert_with(Instant::now);
    }

    fn end(&self) {
        let mut clock = lock(&self.0);
        clock.waiting = clock.waiting.saturating_sub(1);
        if clock.waiting == 0
            && let Some(since) = clock.since.take()
        {
            clock.past += since.elapsed();
        }
    }

    fn waiting(&self) -> bool {
        lock(&self.0).waiting > 0
    }

    /// Every wait so far, the one under way included.
    fn total(&self) -> Duration {
        let clock = lock(&self.0);
        clock.past + clock.since.map_or(Duration::ZERO, |since| since.elapsed())
    }
}

/// Counts a gate wait for the `within` around it, if any, from creation to drop (a request
/// dropped mid-wait ends its wait too).
struct WaitGuard(Option<Arc<GateWaits>>);

impl WaitGuard {
    fn begin() -> WaitGuard {
        let waits = GATE_WAITS.try_with(Arc::clone).ok();
        if let Some(waits) = &waits {
            waits.begin();
        }
        WaitGuard(waits)
    }
}

impl Drop for WaitGuard {
    fn drop(&mut self) {
        if let Some(waits) = &self.0 {
            waits.end();
        }
    }
}

/// `work`, counting its gate waits for the `within` the current task runs in, if any: for a task
/// a check spawns (a task-local does not follow `spawn`).
pub fn carrying_gate_waits<F: Future>(work: F) -> impl Future<Output = F::Output> {
    let waits = GATE_WAITS.try_with(Arc::clone).ok();
    async move {
        match waits {
            Some(waits) => GATE_WAITS.scope(waits, work).await,
            None => work.await,
        }
    }
}

/// While a wait is under way the deadline moves on with it: `within` looks again no sooner than
/// this, so a wait that began with little of the budget left does not wake it every tick.
const RECHECK_WHILE_WAITING: Duration = Duration::from_millis(50);

/// `work`'s output, or `None` when it ran past `timeout` — not counting the time its requests
/// waited at the gate (`--rate`, or a hold Zoho asked for): a check slowed on purpose has not
/// timed out.
pub async fn within<F: Future>(timeout: Duration, work: F) -> Option<F::Output> {
    let waits = Arc::new(GateWaits::default());
    let started = Instant::now();
    let work = GATE_WAITS.scope(Arc::clone(&waits), work);
    tokio::pin!(work);
    loop {
        // While a wait is under way its total grows, and so the deadline moves on.
        let mut deadline = started + timeout + waits.total();
        if waits.waiting() {
            deadline = deadline.max(Instant::now() + RECHECK_WHILE_WAITING);
        }
        tokio::select! {
            output = &mut work => return Some(output),
            () = tokio::time::sleep_until(deadline) => {
                if started.elapsed() >= timeout + waits.total() {
                    return None;
                }
            }
        }
    }
}

/// The gate shared by every connection's requests.
#[derive(Debug, Default)]
pub struct Throttle {
    /// `--rate`: the time between two requests.
    interval: Option<Duration>,
    /// The next free start under `--rate`.
    next_slot: Mutex<Option<Instant>>,
    /// By origin (`https://desk.zoho.com`): no request before this instant.
    hosts: Mutex<HashMap<String, Instant>>,
    /// By organisation id: no request of that organisation's connections before this instant.
    orgs: Mutex<HashMap<String, Instant>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The maps stay consistent whatever panicked while holding them: each update is one insert.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Throttle {
    pub fn new(rate: Option<Rate>) -> Throttle {
        Throttle {
            interval: rate.map(Rate::interval),
            ..Throttle::default()
        }
    }

    /// Waits until a request to `host` (for organisation `org`, when known) may go: past the
    /// host's and the organisation's holds, then its turn under the rate. Returns how long it
    /// waited for each.
    pub async fn admit(&self, host: &str, org: Option<&str>) -> Waited {
        let _waiting = WaitGuard::begin();
        let started = Instant::now();
        let mut held = Duration::ZERO;
        // A hold may be extended while we sleep (another connection met a 429): look again.
        while let Some(until) = self.held_until(host, org) {
            tokio::time::sleep_until(until).await;
            held = started.elapsed();
        }
        let paced_from = Instant::now();
        if let Some(interval) = self.interval {
            let slot = {
                let mut next = lock(&self.next_slot);
                let slot = next.map_or_else(Instant::now, |next| next.max(Instant::now()));
                *next = Some(slot + interval);
                slot
            };
            tokio::time::sleep_until(slot).await;
        }
        Waited {
            held,
            paced: self
                .interval
                .map_or(Duration::ZERO, |_| paced_from.elapsed()),
        }
    }

    /// The instant before which nothing may go to `host` (or for `org`), if it is still ahead.
    pub fn held_until(&self, host: &str, org: Option<&str>) -> Option<Instant> {
        let now = Instant::now();
        let host_hold = lock(&self.hosts).get(host).copied();
        let org_hold = org.and_then(|org| lock(&self.orgs).get(org).copied());
        host_hold.max(org_hold).filter(|until| *until > now)
    }

    /// Zoho asked to slow down: no request to `host` (nor for `org`, when known) for `wait`.
    /// A hold is only ever extended, never shortened.
    pub fn hold(&self, host: &str, org: Option<&str>, wait: Duration) {
        let until = Instant::now() + wait;
        let extend = |map: &Mutex<HashMap<String, Instant>>, key: &str| {
            let mut map = lock(map);
            let entry = map.entry(key.to_owned()).or_insert(until);
            *entry = (*entry).max(until);
        };
        extend(&self.hosts, host);
        if let Some(org) = org {
            extend(&self.orgs, org);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_rates_read_whole_numbers_of_at_least_one() {
        assert_eq!(parse_count("16").map(NonZeroUsize::get), Ok(16));
        for bad in ["0", "-1", "many", "", "1.5"] {
            assert!(parse_count(bad).is_err(), "{bad:?}");
        }
        let rate = Rate::parse("5/s").expect("valid");
        assert_eq!(rate.interval(), Duration::from_millis(200));
        assert_eq!(rate.to_string(), "5/s");
        for bad in ["0/s", "5", "5/m", "/s", "five/s", "-5/s", "1.5/s"] {
            let error = Rate::parse(bad).expect_err(bad);
            assert!(error.contains("N/s"), "{bad:?}: {error}");
        }
    }

    #[test]
    fn the_defaults_are_the_documented_ones() {
        let limits = Limits::default();
        assert_eq!(limits.concurrency.get(), 16);
        assert_eq!(limits.per_org.get(), 10);
        assert_eq!(limits.rate, None);
    }

    #[tokio::test]
    async fn a_hold_covers_its_host_and_its_organisation_only_and_is_never_shortened() {
        let throttle = Throttle::new(None);
        throttle.hold("https://desk.zoho.com", Some("42"), Duration::from_secs(30));
        assert!(throttle.held_until("https://desk.zoho.com", None).is_some());
        // The same organisation on another host waits too; another organisation does not.
        assert!(
            throttle
                .held_until("https://www.zohoapis.com", Some("42"))
                .is_some()
        );
        assert!(
            throttle
                .held_until("https://www.zohoapis.com", Some("7"))
                .is_none()
        );
        assert!(
            throttle
                .held_until("https://www.zohoapis.com", None)
                .is_none()
        );
        let until = throttle.held_until("https://desk.zoho.com", None);
        throttle.hold("https://desk.zoho.com", None, Duration::from_secs(1));
        assert_eq!(throttle.held_until("https://desk.zoho.com", None), until);
    }

    #[tokio::test]
    async fn a_request_to_a_held_host_waits_out_the_hold() {
        let throttle = Throttle::new(None);
        throttle.hold("https://desk.zoho.com", None, Duration::from_millis(100));
        let waited = throttle.admit("https://desk.zoho.com", None).await;
        assert!(waited.held >= Duration::from_millis(100), "{waited:?}");
        assert_eq!(waited.paced, Duration::ZERO);
        assert!(throttle.held_until("https://desk.zoho.com", None).is_none());
    }

    #[tokio::test]
    async fn a_timeout_does_not_count_the_wait_at_the_gate_but_counts_the_rest() {
        let throttle = Throttle::new(None);
        let host = "https://desk.zoho.com";
        let timeout = Duration::from_millis(40);
        // Held three times the timeout, then quick: it finishes.
        throttle.hold(host, None, Duration::from_millis(120));
        let held = within(timeout, async {
            throttle.admit(host, None).await;
            "answered"
        })
        .await;
        assert_eq!(held, Some("answered"));
        // Held, then slow past the timeout on its own: it times out.
        throttle.hold(host, None, Duration::from_millis(120));
        let slow = within(timeout, async {
            throttle.admit(host, None).await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        })
        .await;
        assert_eq!(slow, None);
        // No gate at all: an ordinary timeout.
        let plain = within(timeout, tokio::time::sleep(Duration::from_millis(200))).await;
        assert_eq!(plain, None);
    }

    #[tokio::test]
    async fn requests_under_a_rate_are_spaced_by_its_interval() {
        let throttle = Throttle::new(Some(Rate::parse("20/s").expect("valid")));
        let started = Instant::now();
        let mut paced = Duration::ZERO;
        for _ in 0..5 {
            let waited = throttle.admit("https://desk.zoho.com", None).await;
            assert_eq!(waited.held, Duration::ZERO);
            paced += waited.paced;
        }
        // The first goes at once, each of the other four one interval (50 ms) after the last.
        assert!(started.elapsed() >= Duration::from_millis(200));
        assert!(paced >= Duration::from_millis(150), "{paced:?}");
    }
}
