//! The HTTP server loop: accepts connections and serves the router on each, with limits on
//! how slowly a client may talk.
//!
//! `axum::serve` would keep a connection open for as long as a client takes to send its
//! request head, so a few hundred connections that each send a byte now and then would hold
//! the node's sockets forever. This loop serves every connection with hyper's HTTP/1 server
//! under a timer: a client that has not sent a complete request head within
//! [`HEADER_READ_TIMEOUT`] of starting one is disconnected, and so is one that has sent no
//! request at all. On shutdown the listener closes, open connections finish the request they
//! are on, and the loop waits at most [`SHUTDOWN_GRACE`] for them.
//!
//! TODO: a client that sends its body slowly is bounded only by the body size limits; a
//! per-request deadline on reading the body would close that too.

use std::future::Future;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// Longest a client may take to send a request's head (request line and headers).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest the node waits for open connections to finish after it is told to stop.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// Pause after a failed accept (out of file descriptors, say) before the next one.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `app` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "node.accept_failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "node.connection_closed");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("node.shutdown_connections_cut");
    }
}
