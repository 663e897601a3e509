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
//! reader can't hold one (and its place under the cap) for ever. Nor can a reader that takes a byte
//! now and then, which that rule alone would let hold a large answer (its memory, and its place) for
//! days: a connection must also carry, on average over the time the server has waited on its client
//! (writes pending, the socket's buffers full), at least [`Limits::min_write_rate`], judged once it
//! has waited [`Limits::write_rate_grace`]. Idle time between requests is the header deadline's; a
//! request body's pace, the router's.
//!
//! HTTP/1.1 only: browsers speak HTTP/2 only over TLS, which a proxy in front of the console ends, and
//! cleartext HTTP/2 (prior knowledge) is used by no client of the console while it would need limits
//! of its own (streams per connection, idle connections) that this loop does not set.

use crate::domain::Refusal;
use crate::error::AppError;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Instant;
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
    /// The least a connection must carry, in bytes per second of the time the server waited on its
    /// client, once it has waited [`Limits::write_rate_grace`]; 0 sets no floor.
    pub min_write_rate: u64,
    /// How long the server waits on a client before its rate is judged against the floor.
    pub write_rate_grace: Duration,
}

/// The most a request's line and headers may take together; past it hyper answers 431 and closes the
/// connection. hyper's own bound is its read buffer's (~400 KB), and a request head is held whole until
/// it is parsed: with the connection cap that was ~200 MB a crowd could make the server hold for the
/// header deadline. No client of the console comes near 64 KB (its cookies are two short tokens; an
/// OpenAPI call naming a share's 64 principals in its URL takes ~2 KB of it), and a URL longer than
/// that is refused already (414 past 65,534 bytes).
pub const MAX_REQUEST_HEAD: usize = 64 * 1024;

/// [`Limits::max_connections`] unless `--max-connections` says otherwise.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// [`Limits::min_write_rate`]: 512 bytes per second (4 kbit/s). GPRS, the slowest mobile data still in
/// service, carries 20-40 kbit/s at its worst; a browser splits that among the files it fetches at once
/// (the console's first load: 5, two or three of them large enough to overlap), which leaves each of
/// its connections some 5 kbit/s or more, above the floor. And the rate is an average over the
/// connection's whole waiting time, so a handover's or a tunnel's pause of a few seconds is carried by
/// the faster stretches around it. A reader that takes a byte now and then is far under it: it is cut
/// off once what it was sent, at 512 bytes a second, no longer covers the time it kept the server
/// waiting. (A client that pays for the bandwidth can hold an answer longer: a 10 MB audit export takes
/// under 6 hours at the floor, not the years a byte every 29 s would take. The per-client connection
/// limit bounds how many it holds.)
pub const DEFAULT_MIN_WRITE_RATE: u64 = 512;

impl Default for Limits {
    fn default() -> Self {
        let loopback = ["127.0.0.0/8", "::1"].iter().filter_map(|n| super::proxy::Network::parse(n).ok()).collect();
        Limits {
            headers: Duration::from_secs(30),
            connections_per_client: 256,
            exempt: loopback,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            write_stall: Duration::from_secs(30),
            min_write_rate: DEFAULT_MIN_WRITE_RATE,
            // As long as the stall's: a mobile link's pause of that length is already forgiven.
            write_rate_grace: Duration::from_secs(30),
        }
    }
}

/// A connection's stream whose writes must keep moving (see the module documentation). While a write
/// (or flush) is pending, a timer runs to the earlier of two deadlines: [`Limits::write_stall`] from
/// the write's start (no progress at all), and the moment the connection's waiting time would outgrow
/// what it was sent at [`Limits::min_write_rate`] (never before [`Limits::write_rate_grace`] of waiting).
/// Progress stops the timer; when it fires the write fails, and hyper ends the connection.
///
/// The rate is judged on everything the connection carried, over the time its writes were pending:
/// bytes counted as the socket takes them arrive in bursts (the kernel wakes a writer only once a third
/// of its buffer is free), which a rate over short windows would take for pauses, while in total the
/// socket has taken at least what the client read, so a client reading at the floor or faster is never
/// cut. Time the server spends making an answer, or idle between requests, is not waiting on the client.
struct WriteDeadline<S> {
    inner: S,
    stall: Duration,
    min_rate: u64,
    grace: Duration,
    /// Bytes the socket took on this connection so far.
    written: u64,
    /// How long this connection's writes have been pending, the current one's wait aside.
    waited: Duration,
    /// The current pending write: since when, and its timer with what its firing means.
    pending: Option<Pending>,
}

struct Pending {
    since: Instant,
    timer: Pin<Box<tokio::time::Sleep>>,
    /// The error's message if the timer fires.
    reason: &'static str,
}

impl<S> WriteDeadline<S> {
    fn new(inner: S, limits: &Limits) -> Self {
        WriteDeadline {
            inner,
            stall: limits.write_stall,
            min_rate: limits.min_write_rate,
            grace: limits.write_rate_grace,
            written: 0,
            waited: Duration::ZERO,
            pending: None,
        }
    }

    /// How much longer the connection may wait on its client before its rate falls under the floor.
    fn rate_allows(&self) -> Option<Duration> {
        if self.min_rate == 0 {
            return None;
        }
        let earned = Duration::try_from_secs_f64(self.written as f64 / self.min_rate as f64).unwrap_or(Duration::MAX);
        Some(earned.max(self.grace).saturating_sub(self.waited))
    }

    /// What a pending write answers: still pending, or a timeout's error once its timer has fired.
    fn stalled<T>(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<T>> {
        if self.pending.is_none() {
            let now = Instant::now();
            let (wait, reason) = match self.rate_allows() {
                Some(left) if left < self.stall => (left, "the client reads the answer too slowly"),
                _ => (self.stall, "the client stopped reading the answer"),
            };
            self.pending = Some(Pending { since: now, timer: Box::pin(tokio::time::sleep_until(now + wait)), reason });
        }
        let pending = self.pending.as_mut().expect("set above");
        match pending.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(std::io::ErrorKind::TimedOut, pending.reason))),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Counts a write's outcome: `written` bytes when it made progress (the pending wait ends).
    fn progress<T>(
        &mut self,
        polled: Poll<std::io::Result<T>>,
        written: impl FnOnce(&T) -> usize,
        cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<T>> {
        match polled {
            Poll::Pending => self.stalled(cx),
            Poll::Ready(result) => {
                if let Some(pending) = self.pending.take() {
                    self.waited += pending.since.elapsed();
                }
                if let Ok(value) = &result {
                    self.written += written(value) as u64;
                }
                Poll::Ready(result)
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
        this.progress(polled, |n| *n, cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.progress(polled, |n| *n, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_flush(cx);
        this.progress(polled, |_| 0, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.progress(polled, |_| 0, cx)
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
    let edge: String = super::guard::EDGE_HEADERS.iter().map(|(name, value)| format!("{name}: {value}\r\n")).collect();
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\ncache-control: no-store\r\n{edge}content-length: {}\r\nconnection: close\r\n\r\n",
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
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.headers).max_header_size(MAX_REQUEST_HEAD);
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
        let stream = WriteDeadline::new(stream, &limits);
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
