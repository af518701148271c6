//! Accepting connections: HTTP/1.1 with a deadline on every request's headers (an
//! idle or half-sent connection closes), a cap on connections per client address
//! and for the whole process, and graceful shutdown.
//!
//! `axum::serve` has no header-read timeout and no connection caps, so this is the
//! small accept loop of hyper-util's examples with them added. HTTP/2 is left to the
//! proxy in front (nginx speaks HTTP/1.1 to its upstreams).

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
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

/// The open connections, by address.
struct Admission {
    limits: ServeLimits,
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

/// One admitted connection; dropping it frees its place.
struct Admitted {
    admission: Arc<Admission>,
    address: IpAddr,
}

impl Admission {
    fn admit(self: &Arc<Self>, address: IpAddr) -> Option<Admitted> {
        let mut open = self.open.lock().ok()?;
        let (total, by_address) = &mut *open;
        let here = by_address.get(&address).copied().unwrap_or(0);
        if *total >= self.limits.total || self.limits.per_address.is_some_and(|max| here >= max) {
            return None;
        }
        *total += 1;
        by_address.insert(address, here + 1);
        Some(Admitted {
            admission: self.clone(),
            address,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        if let Ok(mut open) = self.admission.open.lock() {
            let (total, by_address) = &mut *open;
            *total -= 1;
            if let Some(count) = by_address.get_mut(&self.address) {
                *count -= 1;
                if *count == 0 {
                    by_address.remove(&self.address);
                }
            }
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets the requests
/// in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let admission = Arc::new(Admission {
        limits,
        open: Mutex::new((0, HashMap::new())),
    });
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
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
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

    fn admission(per_address: Option<usize>, total: usize) -> Arc<Admission> {
        Arc::new(Admission {
            limits: ServeLimits {
                header_timeout: Duration::from_secs(1),
                per_address,
                total,
            },
            open: Mutex::new((0, HashMap::new())),
        })
    }

    #[test]
    fn one_address_gets_its_share_and_a_closed_connection_frees_its_place() {
        let admission = admission(Some(2), 10);
        let attacker: IpAddr = "192.0.2.1".parse().unwrap();
        let member: IpAddr = "198.51.100.1".parse().unwrap();
        let first = admission.admit(attacker).expect("first");
        let _second = admission.admit(attacker).expect("second");
        assert!(admission.admit(attacker).is_none());
        assert!(admission.admit(member).is_some());
        drop(first);
        assert!(admission.admit(attacker).is_some());
    }

    #[test]
    fn the_total_holds_whatever_the_addresses() {
        let admission = admission(None, 3);
        let kept: Vec<_> = (1..=3)
            .map(|i| admission.admit(IpAddr::from([10, 0, 0, i])).unwrap())
            .collect();
        assert!(admission.admit(IpAddr::from([10, 0, 0, 9])).is_none());
        drop(kept);
        assert!(admission.admit(IpAddr::from([10, 0, 0, 9])).is_some());
    }

    #[test]
    fn the_connections_leave_room_for_the_pool() {
        assert_eq!(connections_under(1024, 20), 940);
        assert_eq!(connections_under(10, 20), 16);
    }
}
