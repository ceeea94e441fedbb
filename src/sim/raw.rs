//! The raw port: a bare TCP listener beside axum for the two hostile answers an HTTP framework
//! cannot give — a body that drips past any timeout and a connection reset mid-body. Point one
//! service's URL at it (`Sim::raw`); it reads each request, plays the caller's `SlowDrip` or
//! `ResetMidBody` for that service, and passes every other request through to axum unchanged
//! (one request per connection: `Connection: close` both ways).

use std::{net::SocketAddr, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinSet,
};

use super::{
    Shared,
    hostile::{self, MAX_REQUEST_BODY},
    world::Hostile,
};

/// The longest request head read.
const MAX_HEAD: usize = 64 << 10;
/// How often the drip sends its next byte, and when it gives up on a client that stays.
const DRIP_EVERY: Duration = Duration::from_millis(100);
const DRIP_FOR: Duration = Duration::from_secs(600);
/// What the reset promises, and the part of it sent before the reset.
const RESET_LENGTH: usize = 4096;
const RESET_PART: &[u8] = br#"{"data":[{"id":"60000000","companyName":"reset mid-body","#;

/// Accepts until the task is aborted; dropping the `JoinSet` then aborts every connection.
pub async fn serve(listener: TcpListener, world: Shared, upstream: SocketAddr) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let Ok((client, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        connections.spawn(connection(client, world.clone(), upstream));
    }
}

/// One request read off the wire: what finds the caller, and the bytes to pass on.
struct Head {
    path: String,
    query: Option<String>,
    authorization: Option<String>,
    /// The request line and headers without `Connection`, ending in `Connection: close`.
    forward: Vec<u8>,
    body: Vec<u8>,
}

async fn connection(mut client: TcpStream, world: Shared, upstream: SocketAddr) {
    let Some(head) = read_head(&mut client).await else {
        return;
    };
    let answer = {
        let mut world = world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let answer = hostile::answer_for(
            &world,
            &head.path,
            head.query.as_deref(),
            head.authorization.as_deref(),
            &head.body,
        )
        .filter(|answer| answer.needs_raw_port());
        if answer.is_some() {
            world.count_request(&head.path);
        }
        answer
    };
    let _ = match answer {
        Some(Hostile::SlowDrip) => drip(client).await,
        Some(_) => reset(client).await,
        None => pass_through(client, upstream, head).await,
    };
}

async fn read_head(client: &mut TcpStream) -> Option<Head> {
    let mut buffer = Vec::new();
    let end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buffer.len() > MAX_HEAD {
            return None;
        }
        let mut chunk = [0u8; 4096];
        let read = client.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        buffer.extend_from_slice(&chunk[..read]);
    };
    let text = String::from_utf8_lossy(&buffer[..end]).into_owned();
    let mut lines = text.split("\r\n");
    let request_line = lines.next()?.to_owned();
    let target = request_line.split(' ').nth(1)?;
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
        None => (target.to_owned(), None),
    };
    let mut forward = format!("{request_line}\r\n");
    let (mut authorization, mut length) = (None, 0usize);
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "connection" => continue,
            "authorization" => authorization = Some(value.to_owned()),
            "content-length" => length = value.parse().ok()?,
            _ => {}
        }
        forward.push_str(line);
        forward.push_str("\r\n");
    }
    forward.push_str("Connection: close\r\n\r\n");
    if length > MAX_REQUEST_BODY {
        return None;
    }
    let mut body = buffer[end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let read = client.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        body.extend_from_slice(&chunk[..read]);
    }
    body.truncate(length);
    Some(Head {
        path,
        query,
        authorization,
        forward: forward.into_bytes(),
        body,
    })
}

/// The head at once, then one byte of an endless JSON document every `DRIP_EVERY`, until the
/// client hangs up.
async fn drip(mut client: TcpStream) -> std::io::Result<()> {
    client
        .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n[")
        .await?;
    let started = tokio::time::Instant::now();
    while started.elapsed() < DRIP_FOR {
        tokio::time::sleep(DRIP_EVERY).await;
        client.write_all(b" ").await?;
    }
    Ok(())
}

/// The head and part of the promised body, a pause so the client is reading it, then RST.
async fn reset(mut client: TcpStream) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {RESET_LENGTH}\r\nConnection: close\r\n\r\n"
    );
    client.write_all(head.as_bytes()).await?;
    client.write_all(RESET_PART).await?;
    client.flush().await?;
    tokio::time::sleep(Duration::from_millis(50)).await;
    // Linger zero: closing sends RST instead of FIN.
    client.set_zero_linger()?;
    drop(client);
    Ok(())
}

/// The request to axum as read, and axum's answer back, then both closed.
async fn pass_through(
    mut client: TcpStream,
    upstream: SocketAddr,
    head: Head,
) -> std::io::Result<()> {
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(&head.forward).await?;
    server.write_all(&head.body).await?;
    tokio::io::copy(&mut server, &mut client).await?;
    client.shutdown().await
}
