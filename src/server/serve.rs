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
//! All clients together hold at most [`Limits::max_connections`] (512 by default, under the 1,024
//! descriptors a process gets by default on Linux, leaving room for the database's files). At the cap
//! the loop stops accepting: further connections wait in the kernel's listen queue, costing the server
//! no descriptor, and are served as soon as one ends (the header deadline ends idle ones), so a burst
//! is only delayed; once that queue is full the kernel turns new ones away. Accepting them to answer
//! 503 would spend a descriptor on each, the very resource the cap protects, and turn a brief crowd
//! into errors.
//!
//! An answer must keep moving: a write that makes no progress for [`Limits::write_stall`] (a client
//! that stops reading while the answer fills its socket's buffers) ends the connection, so a slow
//! reader can't hold one (and its place under the cap) for ever. Idle time between requests is the
//! header deadline's; a request body's pace, the router's.
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
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::sync::Semaphore;
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
    /// How many connections all clients together may hold open at once (exempt peers included).
    pub max_connections: usize,
    /// How long writing an answer may go without progress before the connection is ended.
    pub write_stall: Duration,
}

/// [`Limits::max_connections`] unless `--max-connections` says otherwise.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

impl Default for Limits {
    fn default() -> Self {
        let loopback = ["127.0.0.0/8", "::1"].iter().filter_map(|n| super::proxy::Network::parse(n).ok()).collect();
        Limits {
            headers: Duration::from_secs(30),
            connections_per_client: 256,
            exempt: loopback,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            write_stall: Duration::from_secs(30),
        }
    }
}

/// A connection's stream whose writes must make progress within `stall`: while a write (or flush) is
/// pending, a timer runs, reset by any progress; when it fires the write fails, and hyper ends the
/// connection.
struct WriteDeadline<S> {
    inner: S,
    stall: Duration,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> WriteDeadline<S> {
    fn new(inner: S, stall: Duration) -> Self {
        WriteDeadline { inner, stall, timer: None }
    }

    /// What a pending write answers: still pending, or the stall's error once the timer has fired.
    fn stalled<T>(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<T>> {
        let stall = self.stall;
        let timer = self.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(stall)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the client stopped reading the answer"))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn progress<T>(&mut self, polled: Poll<std::io::Result<T>>, cx: &mut Context<'_>) -> Poll<std::io::Result<T>> {
        match polled {
            Poll::Pending => self.stalled(cx),
            ready => {
                self.timer = None;
                ready
            }
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteDeadline<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.progress(polled, cx)
    }

    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[std::io::IoSlice<'_>]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.progress(polled, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_flush(cx);
        this.progress(polled, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.progress(polled, cx)
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
async fn refuse_crowded(mut stream: TcpStream, limit: usize, _slot: tokio::sync::OwnedSemaphorePermit) {
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
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A place under the global cap before accepting: at the cap, new connections wait in the
        // kernel's queue (see the module documentation).
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
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
                    tokio::spawn(refuse_crowded(stream, limits.connections_per_client, slot));
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
        let stream = WriteDeadline::new(stream, limits.write_stall);
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let (_place, _slot) = (place, slot);
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
