//! The network's share of every answer: a layer over every route (the accounts server
//! included) that waits the set latency before passing the request on, so a benchmark against
//! the simulator meets Zoho's round-trip time; and the count of requests per exact path, so a
//! test can tell how often one endpoint was asked.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};

/// What the layer shares with `Sim`: the latency (settable while serving) and the path counts.
#[derive(Default)]
pub struct Wire {
    /// Nanoseconds; an atomic so a benchmark can change it between runs without a lock per request.
    latency_nanos: AtomicU64,
    paths: Mutex<HashMap<String, usize>>,
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

/// The layer: counts the request, waits the latency, then answers as the simulator would.
pub async fn layer(State(wire): State<Arc<Wire>>, request: Request, next: Next) -> Response {
    *wire
        .paths()
        .entry(format!("{} {}", request.method(), request.uri().path()))
        .or_default() += 1;
    let latency = wire.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
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
