//! The network's share of every answer: a layer over every route (the accounts server
//! included) that waits the set latency before passing the request on, so a benchmark against
//! the simulator meets Zoho's round-trip time; and the count of requests per exact path, so a
//! test can tell how often one endpoint was asked.

use std::{
    cmp::Reverse,
    collections::{BinaryHeap, HashMap},
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use tokio::sync::oneshot;

/// What the layer shares with `Sim`: the latency (settable while serving) and the path counts.
#[derive(Default)]
pub struct Wire {
    /// Nanoseconds; an atomic so a benchmark can change it between runs without a lock per request.
    latency_nanos: AtomicU64,
    paths: Mutex<HashMap<String, usize>>,
    /// Started with the first answer that waits.
    alarm: OnceLock<Alarm>,
}

/// A thread that wakes each waiting answer at its deadline, to within the operating system's
/// timer slack. tokio's timer rounds every deadline up to its next millisecond tick and then
/// waits for the worker to wake: 50 ms answered in 51.7 ms on average, adding 3.5% to a
/// benchmark's critical path that no Zoho client would see.
struct Alarm {
    requests: Mutex<std::sync::mpsc::Sender<(Instant, oneshot::Sender<()>)>>,
}

impl Alarm {
    fn start() -> Alarm {
        let (requests, waiting) = std::sync::mpsc::channel();
        // The thread ends when the `Wire` (the only sender) is dropped.
        std::thread::spawn(move || ring(&waiting));
        Alarm {
            requests: Mutex::new(requests),
        }
    }

    /// Waits until `deadline`.
    async fn until(&self, deadline: Instant) {
        let (wake, woken) = oneshot::channel();
        let sent = self
            .requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .send((deadline, wake));
        if sent.is_err() || woken.await.is_err() {
            // The alarm thread has gone (it panicked): tokio's timer, late but never early.
            tokio::time::sleep_until(deadline.into()).await;
        }
    }
}

/// The alarm thread: holds the deadlines in order and wakes each when it is due.
fn ring(waiting: &std::sync::mpsc::Receiver<(Instant, oneshot::Sender<()>)>) {
    let mut due: BinaryHeap<Reverse<Deadline>> = BinaryHeap::new();
    loop {
        let next = due.peek().map(|Reverse(deadline)| deadline.at);
        let received = match next {
            None => waiting
                .recv()
                .map_err(|_| std::sync::mpsc::RecvTimeoutError::Disconnected),
            Some(at) => waiting.recv_timeout(at.saturating_duration_since(Instant::now())),
        };
        match received {
            Ok((at, wake)) => due.push(Reverse(Deadline { at, wake })),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        }
        let now = Instant::now();
        while due
            .peek()
            .is_some_and(|Reverse(deadline)| deadline.at <= now)
        {
            if let Some(Reverse(deadline)) = due.pop() {
                // An answer whose client has gone is not waited for.
                let _ = deadline.wake.send(());
            }
        }
    }
}

/// An answer waiting for its deadline, ordered by it.
struct Deadline {
    at: Instant,
    wake: oneshot::Sender<()>,
}

impl PartialEq for Deadline {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at
    }
}

impl Eq for Deadline {}

impl PartialOrd for Deadline {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Deadline {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.at.cmp(&other.at)
    }
}

impl Wire {
    pub fn set_latency(&self, latency: Duration) {
        // A latency past u64 nanoseconds (584 years) is as good as forever.
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.latency_nanos.store(nanos, Ordering::Relaxed);
    }

    pub fn latency(&self) -> Duration {
        Duration::from_nanos(self.latency_nanos.load(Ordering::Relaxed))
    }

    /// Requests whose method and path were exactly these (`GET /desk/us/api/v1/organizations`).
    pub fn requests_to(&self, method: &str, path: &str) -> usize {
        self.paths()
            .get(&format!("{method} {path}"))
            .copied()
            .unwrap_or(0)
    }

    /// Requests with this method whose path ends with `suffix`, over every data centre.
    pub fn requests_ending(&self, method: &str, suffix: &str) -> usize {
        let method = format!("{method} ");
        self.paths()
            .iter()
            .filter(|(request, _)| {
                request
                    .strip_prefix(&method)
                    .is_some_and(|path| path.ends_with(suffix))
            })
            .map(|(_, count)| count)
            .sum()
    }

    fn paths(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.paths
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The layer: counts the request, waits the latency (from the request's arrival), then answers
/// as the simulator would.
pub async fn layer(State(wire): State<Arc<Wire>>, request: Request, next: Next) -> Response {
    let arrived = Instant::now();
    *wire
        .paths()
        .entry(format!("{} {}", request.method(), request.uri().path()))
        .or_default() += 1;
    let latency = wire.latency();
    if !latency.is_zero() {
        match arrived.checked_add(latency) {
            Some(deadline) => wire.alarm.get_or_init(Alarm::start).until(deadline).await,
            None => std::future::pending().await,
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use crate::sim::Sim;

    /// One HTTP/1.1 exchange by hand: the answer's status line.
    async fn exchange(sim: &Sim, method: &str, path: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(sim.addr()).await.unwrap();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            sim.addr()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer.lines().next().unwrap_or_default().to_owned()
    }

    #[tokio::test]
    async fn every_endpoint_waits_the_latency_the_accounts_server_included() {
        let sim = Sim::start().await.unwrap();
        sim.set_latency(std::time::Duration::from_millis(100));
        for (method, path) in [
            ("POST", "/accounts/us/oauth/v2/token"),
            ("GET", "/accounts/us/oauth/user/info"),
            ("GET", "/desk/us/api/v1/organizations"),
            ("GET", "/api/us/crm/v8/org"),
            ("GET", "/no/such/route"),
        ] {
            let started = Instant::now();
            let status = exchange(&sim, method, path).await;
            let took = started.elapsed();
            assert!(status.starts_with("HTTP/1.1 "), "{path}: {status}");
            assert!(
                took >= std::time::Duration::from_millis(100),
                "{method} {path} answered in {took:?}"
            );
            assert_eq!(sim.requests_to(method, path), 1, "{method} {path}");
        }
    }

    #[tokio::test]
    async fn no_latency_by_default_and_counts_are_per_method_and_path() {
        let sim = Sim::start().await.unwrap();
        assert!(sim.wire.latency().is_zero());
        exchange(&sim, "GET", "/desk/us/api/v1/organizations").await;
        exchange(&sim, "GET", "/desk/us/api/v1/organizations").await;
        assert_eq!(sim.requests_to("GET", "/desk/us/api/v1/organizations"), 2);
        assert_eq!(sim.requests_to("POST", "/desk/us/api/v1/organizations"), 0);
        assert_eq!(sim.requests_to("GET", "/desk/eu/api/v1/organizations"), 0);
    }
}
