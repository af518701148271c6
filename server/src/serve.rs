//! Accepting connections: HTTP/1.1 with a deadline on every request's headers (an
//! idle or half-sent connection closes), a cap on connections per client address
//! and for the whole process, and graceful shutdown.
//!
//! `axum::serve` has no header-read timeout and no connection caps, so this is the
//! small accept loop of hyper-util's examples with them added. HTTP/2 is left to the
//! proxy in front (nginx speaks HTTP/1.1 to its upstreams).

use crate::admission::Admission;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};

use std::future::Future;
use std::time::Duration;
use tower::ServiceExt;

#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    /// How long a client may take to send a request's headers, and how long an idle
    /// keep-alive connection stays open. Not the live stream's: a response that is
    /// being written is not waiting for headers.
    pub header_timeout: Duration,
    /// Open connections from one address (none behind a trusted proxy, where every
    /// connection comes from the proxy and the proxy limits its clients).
    pub per_address: Option<usize>,
    /// Open connections in all; kept below the file limit, so the database pool and
    /// the health check always have descriptors left.
    pub total: usize,
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets the requests
/// in flight finish. A connection whose first request opens the live stream is
/// served by `live` directly (`crate::live::direct`); the live streams end when
/// the hub closes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    live: crate::live::Direct,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let admission = Admission::new(limits.total, limits.per_address);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut refused_logged = std::time::Instant::now() - Duration::from_secs(60);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors (or a connection reset while queued): the
                    // kernel keeps the others queued; try again shortly.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(admitted) = admission.admit(peer.ip()) else {
            metrics::counter!("portal_connections_refused_total").increment(1);
            if refused_logged.elapsed() > Duration::from_secs(10) {
                tracing::warn!(address = %peer.ip(), "refused connections over the limit");
                refused_logged = std::time::Instant::now();
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let watcher = graceful.watcher();
        let live = live.clone();
        tokio::spawn(async move {
            // A client that sends nothing within the header timeout is dropped,
            // as hyper would.
            let first = tokio::time::timeout(
                limits.header_timeout,
                crate::live::direct::asks_for_stream(&stream),
            );
            match first.await {
                Ok(Ok(true)) => {
                    // Boxed, each path: the task's size is the larger of the two.
                    Box::pin(crate::live::direct::serve(
                        stream,
                        live,
                        limits.header_timeout,
                    ))
                    .await
                }
                Ok(Ok(false)) => {
                    let connection = hyper::server::conn::http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(limits.header_timeout)
                        .serve_connection(TokioIo::new(stream), service);
                    let _ = Box::pin(watcher.watch(connection)).await;
                }
                Ok(Err(_)) | Err(_) => {}
            }
            drop(admitted);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Raises this process's soft limit on open files to its hard limit (the default
/// soft limit, 1,024, is a few hundred live streams); returns the limit now in force.
pub fn raise_file_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(error) => {
            tracing::warn!(%error, "could not raise the open-file limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
        }
    }
}

/// Connections allowed in all under a file limit: what is left after the database
/// pool, the listener, log files and a margin.
pub fn connections_under(file_limit: u64, pool_size: u32) -> usize {
    file_limit.saturating_sub(u64::from(pool_size) + 64).max(16) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connections_leave_room_for_the_pool() {
        assert_eq!(connections_under(1024, 20), 940);
        assert_eq!(connections_under(10, 20), 16);
    }
}
