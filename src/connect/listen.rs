//! The loopback receiver for the redirect: `http://127.0.0.1:PORT/callback`, one request that
//! carries this run's `state`, answered with a short page; Deny (`error=access_denied`), another
//! `state` and silence for 5 minutes each end the wait without a code.

use std::{collections::HashMap, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    extract::{RawQuery, State},
    response::Html,
    routing::get,
};
use secrecy::SecretString;
use tokio::sync::{Mutex, oneshot};

/// How long the receiver waits for the browser.
pub const PATIENCE: Duration = Duration::from_secs(300);

/// What the redirect brought.
pub enum Callback {
    Code {
        code: SecretString,
        /// `location`: the user's data centre, as Zoho names it.
        location: Option<String>,
        /// `accounts-server`: the accounts server that issued the code.
        accounts_server: Option<String>,
    },
    /// The user clicked Deny.
    Denied,
    /// An `error` other than a refusal, as Zoho sent it.
    Error(String),
    /// The `state` is not this run's: a forged or stale redirect.
    WrongState,
    /// Nothing came in time.
    TimedOut,
}

/// The redirect URI of the receiver on `port`.
pub fn redirect_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}/callback")
}

type Reply = Arc<Mutex<Option<oneshot::Sender<String>>>>;

async fn callback(State(reply): State<Reply>, RawQuery(query): RawQuery) -> Html<&'static str> {
    if let Some(sender) = reply.lock().await.take() {
        let _ = sender.send(query.unwrap_or_default());
    }
    Html(
        "<!doctype html><meta charset=utf-8><title>zoho-doctor</title><p>zoho-doctor received the answer. You can close this tab and return to the terminal.</p>",
    )
}

/// Binds the receiver (before the URL is printed, so a taken port fails first).
pub async fn bind(port: u16) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await
}

/// Waits for one request to `/callback` and reads it against `state`; also its query as it
/// came, for the `-v` trace (to be redacted: it holds the code and the state).
pub async fn receive(
    listener: tokio::net::TcpListener,
    state: &str,
    patience: Duration,
) -> (Callback, Option<String>) {
    let (sender, received) = oneshot::channel();
    let reply: Reply = Arc::new(Mutex::new(Some(sender)));
    let router = Router::new()
        .route("/callback", get(callback))
        .with_state(reply);
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    let params = tokio::time::timeout(patience, received).await;
    // The page is answered before the channel is read; stopping lets that answer finish.
    let _ = stop.send(());
    let _ = server.await;
    let Ok(Ok(query)) = params else {
        return (Callback::TimedOut, None);
    };
    let params = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    (read(&params, state), Some(query))
}

fn read(params: &HashMap<String, String>, state: &str) -> Callback {
    if params.get("state").map(String::as_str) != Some(state) {
        return Callback::WrongState;
    }
    if let Some(error) = params.get("error") {
        return if error == "access_denied" {
            Callback::Denied
        } else {
            Callback::Error(error.clone())
        };
    }
    match params.get("code").filter(|code| !code.trim().is_empty()) {
        Some(code) => Callback::Code {
            code: SecretString::from(code.trim().to_owned()),
            location: params.get("location").cloned(),
            accounts_server: params.get("accounts-server").cloned(),
        },
        None => Callback::Error("a redirect without a code".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_state_is_checked_before_anything_else() {
        let forged = params(&[("code", "1000.x"), ("state", "other")]);
        assert!(matches!(read(&forged, "mine"), Callback::WrongState));
        let denied = params(&[("error", "access_denied"), ("state", "mine")]);
        assert!(matches!(read(&denied, "mine"), Callback::Denied));
        let good = params(&[("code", "1000.x"), ("state", "mine"), ("location", "eu")]);
        assert!(
            matches!(read(&good, "mine"), Callback::Code { location: Some(l), .. } if l == "eu")
        );
    }

    #[tokio::test]
    async fn silence_times_out() {
        let listener = bind(0).await.expect("binds");
        let (waited, _) = receive(listener, "s", Duration::from_millis(50)).await;
        assert!(matches!(waited, Callback::TimedOut));
    }
}
