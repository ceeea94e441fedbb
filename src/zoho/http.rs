//! The one HTTP path to Zoho: a shared reqwest client, retries with backoff that honour
//! `Retry-After` (GET and HEAD only — a token refresh is never retried, it spends Zoho's token budget),
//! the run's shared throttle (`--rate`, and a 429 or `Retry-After` slowing every connection's
//! requests to that host and organisation), refusal to send a token over plain HTTP to a remote
//! host, and the redacted, escaped `-v` trace.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use backon::{ExponentialBuilder, Retryable};
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;
use thiserror::Error;
use url::Url;

use super::{
    AccessToken,
    catalogue::ZohoError,
    endpoints::is_secure_transport,
    throttle::{Rate, Throttle},
};
use crate::{progress, redact::Redactor, text};

/// The longest `Retry-After` we wait for; beyond it the answer is reported instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(20);
/// How long a 429 or `TOO_MANY_REQUESTS` without `Retry-After` holds its host (and organisation):
/// Zoho's concurrency limits free up as calls finish, within about a second.
const DEFAULT_SLOW_DOWN: Duration = Duration::from_secs(1);
/// How much of a body the `-v` trace shows.
const TRACE_BODY_LIMIT: usize = 4000;

#[derive(Debug, Error, Clone)]
pub enum HttpError {
    #[error("`{0}` is not a valid URL")]
    BadUrl(String),
    #[error(
        "refused to send credentials to `{0}` over plain http://; only loopback hosts may use http"
    )]
    Insecure(String),
    #[error("{method} {url} timed out")]
    Timeout { method: String, url: String },
    #[error("cannot reach {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("{method} {url} failed: {reason}")]
    Other {
        method: String,
        url: String,
        reason: String,
    },
}

/// One answer from Zoho, with what a check needs to judge it and to show as evidence.
#[derive(Debug, Clone)]
pub struct Answer {
    pub method: &'static str,
    pub url: String,
    pub status: u16,
    pub body: String,
    pub retry_after: Option<Duration>,
    pub elapsed: Duration,
}

impl Answer {
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `GET https://… → 200 (12 ms)`: the start of an evidence line.
    pub fn summary(&self) -> String {
        format!(
            "{} {} → {} ({} ms)",
            self.method,
            self.url,
            self.status,
            self.elapsed.as_millis()
        )
    }
}

/// An answer read into data, or the Zoho error it carried, or nonsense.
#[derive(Debug, Clone)]
pub enum Reading<T> {
    Data(T),
    Rejected(ZohoError),
    Unreadable(String),
}

impl<T> Reading<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Reading<U> {
        match self {
            Reading::Data(data) => Reading::Data(f(data)),
            Reading::Rejected(error) => Reading::Rejected(error),
            Reading::Unreadable(why) => Reading::Unreadable(why),
        }
    }
}

/// Options the pipeline's settings give the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub timeout: Duration,
    pub retries: u32,
    pub trace: bool,
}

#[derive(Clone)]
pub struct ZohoHttp {
    /// For https: honours the proxy environment, as corporate networks need.
    client: Client,
    /// For plain http, which is only ever loopback: a proxy would carry secrets off the machine
    /// in clear text.
    direct: Client,
    options: HttpOptions,
    redactor: Redactor,
    /// The run's gate, shared by every connection's copy.
    throttle: Arc<Throttle>,
    /// The organisation of the connection this copy serves, when its row names one: a 429 holds
    /// that organisation's other connections too.
    org: Option<Arc<str>>,
}

enum Attempt {
    Answered(Answer),
    Failed(HttpError),
}

impl Attempt {
    fn retryable(&self) -> bool {
        match self {
            Attempt::Answered(answer) => {
                answer.status == 429 || (500..600).contains(&answer.status)
            }
            Attempt::Failed(HttpError::Connect { .. } | HttpError::Timeout { .. }) => true,
            Attempt::Failed(_) => false,
        }
    }
}

impl ZohoHttp {
    pub fn new(options: HttpOptions, redactor: Redactor) -> Result<Self, HttpError> {
        // reqwest is built without a bundled crypto provider; ring is installed once here.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let builder = || {
            Client::builder()
                .user_agent(concat!("zoho-doctor/", env!("CARGO_PKG_VERSION")))
                .timeout(options.timeout)
                .connect_timeout(options.timeout.min(Duration::from_secs(10)))
                // A redirect would re-send the form (secrets) to a host never checked here.
                .redirect(reqwest::redirect::Policy::none())
        };
        let failed = |err: reqwest::Error| HttpError::Other {
            method: "-".into(),
            url: "-".into(),
            reason: err.without_url().to_string(),
        };
        Ok(ZohoHttp {
            client: builder().build().map_err(failed)?,
            direct: builder().no_proxy().build().map_err(failed)?,
            options,
            redactor,
            throttle: Arc::new(Throttle::new(None)),
            org: None,
        })
    }

    /// The same client with a fresh gate capped at `rate` (`--rate`; `None`: no cap).
    pub fn with_rate(self, rate: Option<Rate>) -> ZohoHttp {
        ZohoHttp {
            throttle: Arc::new(Throttle::new(rate)),
            ..self
        }
    }

    /// The same client (and gate) for a connection of organisation `org`, when known.
    pub fn for_org(&self, org: Option<&str>) -> ZohoHttp {
        ZohoHttp {
            org: org.map(Arc::from),
            ..self.clone()
        }
    }

    /// Whether requests to `url`'s host (or for this copy's organisation) are held: Zoho asked
    /// to slow down and the time it gave has not passed.
    pub fn is_held(&self, url: &str) -> bool {
        Url::parse(url).is_ok_and(|url| {
            self.throttle
                .held_until(&origin(&url), self.org.as_deref())
                .is_some()
        })
    }

    /// The same client, tracing through `redactor` (one connection's).
    pub fn with_redactor(&self, redactor: Redactor) -> ZohoHttp {
        ZohoHttp {
            redactor,
            ..self.clone()
        }
    }

    /// GET with the access token and extra headers (`orgId`, `If-Modified-Since`). Retries
    /// connection failures, 429 and 5xx with backoff, honouring `Retry-After`.
    pub async fn get(
        &self,
        url: &str,
        token: &AccessToken,
        headers: &[(&str, String)],
    ) -> Result<Answer, HttpError> {
        self.idempotent(Method::GET, url, token, headers).await
    }

    /// HEAD with the access token (an `http` check's probe): as `get`, retries included.
    pub async fn head(
        &self,
        url: &str,
        token: &AccessToken,
        headers: &[(&str, String)],
    ) -> Result<Answer, HttpError> {
        self.idempotent(Method::HEAD, url, token, headers).await
    }

    /// A request that may be sent again (GET, HEAD), with retries.
    async fn idempotent(
        &self,
        method: Method,
        url: &str,
        token: &AccessToken,
        headers: &[(&str, String)],
    ) -> Result<Answer, HttpError> {
        let url = secure_url(url)?;
        let name = if method == Method::HEAD {
            "HEAD"
        } else {
            "GET"
        };
        let attempt = || async {
            let request = self.authorized(method.clone(), &url, token, headers);
            match self.send(name, &url, request, headers, true).await {
                Ok(answer) => {
                    let attempt = Attempt::Answered(answer);
                    if attempt.retryable() {
                        Err(attempt)
                    } else {
                        Ok(attempt)
                    }
                }
                Err(error) => Err(Attempt::Failed(error)),
            }
        };
        let backoff = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(200))
            .with_max_delay(Duration::from_secs(5))
            .with_max_times(self.options.retries as usize);
        let outcome = attempt
            .retry(backoff)
            .when(Attempt::retryable)
            // `planned` is `None` once the retries are spent: Retry-After never extends them.
            .adjust(|attempt, planned| match attempt {
                Attempt::Answered(Answer {
                    retry_after: Some(wait),
                    ..
                }) if *wait > MAX_RETRY_AFTER => None,
                // Zoho asked to slow down: `send` held the host (and organisation) that long, so
                // the retry waits at the gate, where the wait does not count toward the check's
                // timeout, and not here.
                Attempt::Answered(answer) if slow_down(answer).is_some() => {
                    planned.map(|_| Duration::ZERO)
                }
                _ => planned,
            })
            .await;
        match outcome {
            Ok(Attempt::Answered(answer)) | Err(Attempt::Answered(answer)) => Ok(answer),
            Ok(Attempt::Failed(error)) | Err(Attempt::Failed(error)) => Err(error),
        }
    }

    /// A request carrying the access token and the extra headers.
    fn authorized(
        &self,
        method: Method,
        url: &Url,
        token: &AccessToken,
        headers: &[(&str, String)],
    ) -> reqwest::RequestBuilder {
        let mut request = self
            .client_for(url)
            .request(method, url.clone())
            .header("Authorization", token.header_value());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        request
    }

    /// POST a form once. Secrets travel in the body, never in the URL. Only the token endpoint
    /// is posted to, and its throttle is per refresh token: its answers hold nothing else.
    pub async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> Result<Answer, HttpError> {
        let url = secure_url(url)?;
        let request = self
            .client_for(&url)
            .request(Method::POST, url.clone())
            .form(form);
        self.send("POST", &url, request, &[], false).await
    }

    fn client_for(&self, url: &Url) -> &Client {
        if url.scheme() == "http" {
            &self.direct
        } else {
            &self.client
        }
    }

    async fn send(
        &self,
        method: &'static str,
        url: &Url,
        request: reqwest::RequestBuilder,
        headers: &[(&str, String)],
        authorized: bool,
    ) -> Result<Answer, HttpError> {
        let shown_url = url.to_string();
        let host = origin(url);
        // The organisation's hold is for its API calls (those with its token), not for the
        // accounts server's token endpoint.
        let org = authorized.then_some(self.org.as_deref()).flatten();
        let waited = self.throttle.admit(&host, org).await;
        let started = Instant::now();
        // A timeout is one whether it comes before the head or while the body drips in.
        let classify = |err: reqwest::Error| {
            let reason = error_reason(&err);
            if err.is_timeout() {
                HttpError::Timeout {
                    method: method.into(),
                    url: shown_url.clone(),
                }
            } else if err.is_connect() {
                HttpError::Connect {
                    url: shown_url.clone(),
                    reason,
                }
            } else {
                HttpError::Other {
                    method: method.into(),
                    url: shown_url.clone(),
                    reason,
                }
            }
        };
        let response = request.send().await.map_err(classify);
        let response = match response {
            Ok(response) => response,
            Err(error) => {
                self.trace(|| vec![format!("→ {method} {shown_url}"), format!("← {error}")]);
                return Err(error);
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = if status == StatusCode::NO_CONTENT {
            String::new()
        } else {
            match read_capped(response).await {
                Ok(body) => body,
                Err(error) => {
                    let error = classify(error);
                    self.trace(|| vec![format!("→ {method} {shown_url}"), format!("← {error}")]);
                    return Err(error);
                }
            }
        };
        let answer = Answer {
            method,
            url: shown_url,
            status: status.as_u16(),
            body,
            retry_after,
            elapsed: started.elapsed(),
        };
        if authorized && let Some(wait) = slow_down(&answer) {
            self.throttle.hold(&host, org, wait);
        }
        self.trace(|| {
            let mut lines = vec![format!("→ {method} {}", answer.url)];
            // Waits too short to matter would only be noise.
            let shown = |wait: Duration| wait >= Duration::from_millis(10);
            if shown(waited.held) {
                lines.push(format!(
                    "   (held {} ms first: Zoho asked every connection to slow down on this host or organisation)",
                    waited.held.as_millis()
                ));
            }
            if shown(waited.paced) {
                lines.push(format!(
                    "   (paced {} ms first by --rate)",
                    waited.paced.as_millis()
                ));
            }
            if authorized {
                lines.push("   Authorization: Zoho-oauthtoken ***".to_owned());
            }
            lines.extend(
                headers
                    .iter()
                    .map(|(name, value)| format!("   {name}: {value}")),
            );
            lines.push(format!(
                "← {} ({} ms)",
                answer.status,
                answer.elapsed.as_millis()
            ));
            // Redact the whole body first: a token cut in half by truncation would escape the
            // patterns.
            let redacted = self.redactor.redact(&answer.body);
            let mut body: String = redacted.chars().take(TRACE_BODY_LIMIT).collect();
            if redacted.len() > body.len() {
                body.push_str(" …");
            }
            // The body is one line of the trace: its own newlines are shown escaped.
            lines.push(format!(
                "   {}",
                if body.is_empty() { "(no body)" } else { &body }
            ));
            lines
        });
        Ok(answer)
    }

    /// The `-v` trace: stderr, one block per exchange so concurrent checks do not interleave
    /// lines. Each line is redacted, then escaped (`text::safe`: what Zoho sent never reaches
    /// the terminal raw, a newline in it included); a closed stderr is not an error.
    fn trace(&self, render: impl FnOnce() -> Vec<String>) {
        if self.options.trace {
            let mut block = String::new();
            for line in render() {
                block.push_str(&text::safe(&self.redactor.redact(&line)));
                block.push('\n');
            }
            // Through the progress line: it is erased for the block and drawn again below it.
            let _ = progress::write(progress::Stream::Stderr, block.as_bytes());
        }
    }
}

/// How long an answer asks every connection to wait before its next request to that host: the
/// `Retry-After` it gives (at most `MAX_RETRY_AFTER`), or a second for a 429 or
/// `TOO_MANY_REQUESTS` without one.
fn slow_down(answer: &Answer) -> Option<Duration> {
    let throttled =
        answer.status == 429 || (!answer.is_success() && answer.body.contains("TOO_MANY_REQUESTS"));
    match answer.retry_after {
        Some(wait) => Some(wait.min(MAX_RETRY_AFTER)),
        None => throttled.then_some(DEFAULT_SLOW_DOWN),
    }
}

/// `https://desk.zoho.com`: what a hold is keyed by (scheme, host and port).
fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Every answer is read up to this many bytes (1 MiB): no answer a check reads comes near it,
/// and a broken or hostile server cannot fill the memory. A longer body is cut there.
pub const MAX_BODY: usize = 1 << 20;

async fn read_capped(mut response: reqwest::Response) -> Result<String, reqwest::Error> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_BODY - bytes.len();
        bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if bytes.len() >= MAX_BODY {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn secure_url(url: &str) -> Result<Url, HttpError> {
    let parsed = Url::parse(url).map_err(|_| HttpError::BadUrl(url.to_owned()))?;
    if is_secure_transport(&parsed) {
        Ok(parsed)
    } else {
        Err(HttpError::Insecure(url.to_owned()))
    }
}

/// reqwest's errors print the URL with every detail; we print our own URL and only the cause.
fn error_reason(err: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut reason = String::new();
    let mut source = err.source();
    while let Some(cause) = source {
        reason = cause.to_string();
        source = cause.source();
    }
    if reason.is_empty() {
        err.to_string()
    } else {
        reason
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str, retry_after: Option<u64>) -> Answer {
        Answer {
            method: "GET",
            url: "https://desk.zoho.com/api/v1/organizations".to_owned(),
            status,
            body: body.to_owned(),
            retry_after: retry_after.map(Duration::from_secs),
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn zoho_asks_to_slow_down_with_a_429_too_many_requests_or_retry_after() {
        let second = Some(Duration::from_secs(1));
        assert_eq!(slow_down(&answer(429, "", None)), second);
        // CRM's code, whatever the status it comes with.
        let crm = r#"{"code":"TOO_MANY_REQUESTS","status":"error"}"#;
        assert_eq!(slow_down(&answer(400, crm, None)), second);
        assert_eq!(
            slow_down(&answer(503, "", Some(3))),
            Some(Duration::from_secs(3))
        );
        // A wait past the longest we honour holds the host only that long.
        assert_eq!(
            slow_down(&answer(429, "", Some(3600))),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(slow_down(&answer(200, "", None)), None);
        // A record that merely mentions the code is no throttle.
        assert_eq!(
            slow_down(&answer(200, r#"{"note":"TOO_MANY_REQUESTS"}"#, None)),
            None
        );
        assert_eq!(slow_down(&answer(404, "{}", None)), None);
    }
}
