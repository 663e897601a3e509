//! Serving the router on a TCP listener, with the limits a server on a network needs.
//!
//! `axum::serve` gives hyper no timer, so none of hyper's timeouts run: a client that opens a
//! connection and never finishes its request's headers (slowloris), or sends nothing at all, holds it
//! for ever, and enough of them hold every file descriptor the process has. Here hyper has a timer and
//! a header deadline, which also ends a kept-alive connection left idle that long. A body that stops
//! arriving is the router's to refuse (`guard::read_body`), so that holds in the in-process tests too.
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
use tokio::net::TcpListener;
use tower::ServiceExt;

/// The connection limits (the body's deadline is a setting of the router, `Settings::body_deadline`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// How long a client may take to send a request's headers, counted from the connection's start or
    /// from the end of the previous answer on it.
    pub headers: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { headers: Duration::from_secs(30) }
    }
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
        // Without TCP_NODELAY, small responses wait on Nagle + delayed ACK (~40 ms each).
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
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
