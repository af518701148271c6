//! Prometheus metrics, for the operator only: on an address of their own
//! (`PORTAL_METRICS_ADDR`) or behind a bearer token on the portal's port
//! (`PORTAL_METRICS_TOKEN`); neither set, there are none to read.
//!
//! Counters and histograms are recorded where things happen (requests here, live
//! events in the hub, refused connections in the accept loop); gauges that a
//! query or a count answers (live streams, the pool, the email outbox) are read
//! when the metrics are asked for.

use app::backend::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// Request latency buckets, in seconds: a page renders in milliseconds; a
/// password hash takes about 50 ms; a refusal after the hashing queue's 3 s.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The one recorder of the process (several portals in one test process share it).
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_string()), &LATENCY_BUCKETS)
                .map(|builder| builder.build_recorder())
                .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
            let handle = recorder.handle();
            // Fails only when another recorder is installed already; then this
            // handle renders nothing, which is all that can be done.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// What the metrics endpoint reads besides the recorder.
#[derive(Clone)]
pub struct Sources {
    pub state: AppState,
    pub hub: Arc<crate::live::Hub>,
    /// `PORTAL_METRICS_TOKEN`, when the metrics are served on the portal's port.
    pub token: Option<Arc<str>>,
}

/// Counts every request by route (the matched pattern, never the raw path: ids
/// and handles would make a series each) and status, and times it until its
/// headers are ready (a live stream counts its opening, not its life).
pub async fn track_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| {
            if request.uri().path().starts_with("/pkg/") {
                "/pkg/*".to_string()
            } else {
                "unmatched".to_string()
            }
        });
    let method = request.method().as_str().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::histogram!("portal_http_request_duration_seconds", "route" => route.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(
        "portal_http_requests_total",
        "route" => route,
        "method" => method,
        "status" => status
    )
    .increment(1);
    response
}

/// The metrics in Prometheus' text format.
pub async fn render(sources: &Sources) -> String {
    let handle = handle();
    metrics::gauge!("portal_live_streams").set(sources.hub.connections() as f64);
    let pool = &sources.state.pool;
    metrics::gauge!("portal_db_pool_connections").set(f64::from(pool.size()));
    metrics::gauge!("portal_db_pool_idle").set(pool.num_idle() as f64);
    match outbox(pool).await {
        Ok((depth, oldest)) => {
            metrics::gauge!("portal_email_outbox_depth").set(depth as f64);
            metrics::gauge!("portal_email_outbox_oldest_seconds").set(oldest);
        }
        Err(error) => tracing::warn!(%error, "metrics: the email outbox could not be read"),
    }
    handle.render()
}

/// Emails waiting (due or not) and how long the oldest due one has waited.
async fn outbox(pool: &sqlx::PgPool) -> Result<(i64, f64), sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT count(*) AS "depth!",
                  COALESCE(extract(epoch FROM now() - min(due_at) FILTER (WHERE due_at <= now())), 0)::float8 AS "oldest!"
           FROM email_outbox"#
    )
    .fetch_one(pool)
    .await?;
    Ok((row.depth, row.oldest))
}

/// `/metrics` on the portal's own port: only with the operator's bearer token
/// (compared in constant time); a 404 otherwise, as if there were none.
pub async fn endpoint(State(sources): State<Sources>, headers: HeaderMap) -> Response {
    let Some(token) = sources.token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let offered = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !constant_time_eq(offered.as_bytes(), token.as_bytes()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    exposition(&sources).await
}

/// `/metrics` on the operator's own address (`PORTAL_METRICS_ADDR`): no token.
pub async fn open_endpoint(State(sources): State<Sources>) -> Response {
    exposition(&sources).await
}

async fn exposition(sources: &Sources) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        render(sources).await,
    )
        .into_response()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn tokens_match_only_when_equal() {
        assert!(constant_time_eq(b"secret-token", b"secret-token"));
        assert!(!constant_time_eq(b"secret-token", b"secret-tokem"));
        assert!(!constant_time_eq(b"secret", b"secret-token"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
