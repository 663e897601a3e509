//! Serving the router on a TCP listener, with the limits a server on a network needs.
//!
//! `axum::serve` gives hyper no timer, so none of hyper's timeouts run: a client that opens a
//! connection and never finishes its request's headers (slowloris), or sends nothing at all, holds it
//! for ever, and enough of them hold every file descriptor the process has. Here hyper has a timer and
//! a header deadline, which also ends a kept-alive connection left idle that long. A body that stops
//! arriving is the router's to refuse (`guard::read_body`), so that holds in the in-process tests too.
//!
//! One client (an IPv4 address, an IPv6 /64) holds at most [`Limits::connections_per_client`] open
//! connections (256 by default; a browser opens at most 6 per site, so that is ~40 people behind one
//! NAT); past that a new one is answered 503 `Throttling.Connections` and closed. Without it, one host
//! could still open connections faster than the header deadline ends them, until the process had no
//! descriptors left. Exempt: the machine itself (loopback: a proxy on the same host carries everyone's
//! connections, and a local process could exhaust the descriptors anyway) and the trusted proxies
//! (`--trusted-proxies`), which carry everyone's connections too.
//!
//! HTTP/1.1 only: browsers speak HTTP/2 only over TLS, which a proxy in front of the console ends, and
//! cleartext HTTP/2 (prior knowledge) is used by no client of the console while it would need limits
//! of its own (streams per connection, idle connections) that this loop does not set.

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::time::Duration;
use crate::domain::Refusal;
use crate::error::AppError;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

/// The connection limits (the body's deadline is a setting of the router, `Settings::body_deadline`).
#[derive(Debug, Clone)]
pub struct Limits {
    /// How long a client may take to send a request's headers, counted from the connection's start or
    /// from the end of the previous answer on it.
    pub headers: Duration,
    /// How many connections one client (an IPv4 address, an IPv6 /64) may hold open at once.
    pub connections_per_client: usize,
    /// Peers exempt from that limit (by default loopback; the server adds the trusted proxies).
    pub exempt: Vec<super::proxy::Network>,
}

impl Default for Limits {
    fn default() -> Self {
        let loopback = ["127.0.0.0/8", "::1"].iter().filter_map(|n| super::proxy::Network::parse(n).ok()).collect();
        Limits { headers: Duration::from_secs(30), connections_per_client: 256, exempt: loopback }
    }
}

/// Open connections per client key (`domain::address_key`).
type Open = Arc<Mutex<HashMap<String, usize>>>;

/// One client's open connection, counted until it is dropped.
struct Place {
    open: Open,
    key: String,
}

impl Place {
    /// A place for a connection from `peer`, or `None` when its client holds `limit` already.
    fn take(open: &Open, peer: SocketAddr, limit: usize) -> Option<Place> {
        let key = crate::domain::address_key(Some(peer.ip()));
        let mut counts = open.lock().unwrap_or_else(|p| p.into_inner());
        let count = counts.entry(key.clone()).or_insert(0);
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(Place { open: open.clone(), key })
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut counts = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = counts.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

/// Answers a connection over its client's limit with a 503 and its code, without reading a request
/// (an answer may come early), and closes it. What the client sent meanwhile is read and dropped for a
/// moment first: closing a socket with unread data resets it, and the client might lose the answer.
async fn refuse_crowded(mut stream: TcpStream, limit: usize) {
    let refusal = AppError::from(Refusal::TooManyConnections { limit });
    let body = serde_json::to_string(&refusal).unwrap_or_default();
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\ncache-control: no-store\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    // Briefly: a refused connection must not hold its descriptor for long either.
    let _ = tokio::time::timeout(Duration::from_millis(250), async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        for _ in 0..16 {
            if stream.read(&mut sink).await? == 0 {
                break;
            }
        }
        std::io::Result::Ok(())
    })
    .await;
}

/// How long open connections get to finish their answers after `shutdown` resolves.
const DRAIN: Duration = Duration::from_secs(10);

/// Accepts connections on `listener` and answers their requests with `router` (each request carrying its
/// peer's `ConnectInfo<SocketAddr>`), until `shutdown` resolves; then stops accepting and lets open
/// connections finish, for at most [`DRAIN`].
pub async fn serve(listener: TcpListener, router: Router, limits: Limits, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.headers);
    let graceful = GracefulShutdown::new();
    let open = Open::default();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, or a connection reset before it was accepted: wait a little
                // instead of spinning on the same error.
                tracing::warn!(error = %e, "could not accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let place = if limits.exempt.iter().any(|n| n.contains(peer.ip())) {
            None
        } else {
            match Place::take(&open, peer, limits.connections_per_client) {
                Some(place) => Some(place),
                None => {
                    tokio::spawn(refuse_crowded(stream, limits.connections_per_client));
                    continue;
                }
            }
        };
        // Without TCP_NODELAY, small responses wait on Nagle + delayed ACK (~40 ms each).
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _place = place;
            // A client that went away or missed the header deadline: nothing to tell anyone.
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %peer, "connection ended");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("connections still open {DRAIN:?} after shutdown began were dropped");
    }
    Ok(())
}
