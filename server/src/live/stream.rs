//! One member's event stream: the backlog from the database, then live deliveries.

use super::frame::Frame;
use super::hub::Subscription;
use super::{Delivery, Hub, HEARTBEAT, RETRY};
use app::api::live::LiveEvent;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use sqlx::PgPool;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// Why a live stream was not opened: said to the browser, which tries again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Refusal {
    pub status: StatusCode,
    pub message: &'static str,
    /// Seconds the browser should wait (`Retry-After`), when the instance is full.
    pub retry_after: Option<&'static str>,
}

impl Refusal {
    const SIGN_IN: Self = Self {
        status: StatusCode::UNAUTHORIZED,
        message: "Please sign in.",
        retry_after: None,
    };
    const UNAVAILABLE: Self = Self {
        status: StatusCode::SERVICE_UNAVAILABLE,
        message: "Live updates are unavailable; retrying shortly.",
        retry_after: None,
    };
    const BUSY: Self = Self {
        status: StatusCode::SERVICE_UNAVAILABLE,
        message: "Live updates are busy; retrying shortly.",
        retry_after: Some("5"),
    };
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.message).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(seconds),
            );
        }
        response
    }
}

/// The last event a reconnecting page saw: the browser's own reconnect sends
/// `Last-Event-ID`; a fresh EventSource opened by the client after a refused
/// reconnect says `?after=`.
pub(super) fn last_seen(last_event_id: Option<&str>, query: Option<&str>) -> Option<i64> {
    let after_param = query.and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("after=")));
    last_event_id
        .or(after_param)
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|v| *v >= 0)
}

/// Opens `token`'s member's stream on this instance, its first events queued.
pub(super) async fn open(
    pool: &PgPool,
    hub: &Arc<Hub>,
    token: Option<String>,
    last_seen: Option<i64>,
) -> Result<Connection, Refusal> {
    let viewer = match &token {
        Some(token) => app::backend::auth::viewer_for_token(pool, token).await,
        None => Ok(None),
    };
    let viewer = match viewer {
        Ok(Some(viewer)) => viewer,
        Ok(None) => return Err(Refusal::SIGN_IN),
        Err(_) => return Err(Refusal::UNAVAILABLE),
    };
    // Subscribe before reading the starting point: nothing falls in between.
    let session: Arc<str> = token
        .as_deref()
        .map(app::backend::auth::session_key)
        .unwrap_or_default()
        .into();
    // Every stream this instance may hold is taken: the page tries again (the
    // load balancer may send it to another instance).
    let (subscription, rx) = hub.subscribe(viewer.id, session).ok_or(Refusal::BUSY)?;
    let mut connection = Connection {
        pool: pool.clone(),
        token: token.unwrap_or_default(),
        member: viewer.id,
        last_seq: 0,
        pending: VecDeque::new(),
        rx,
        closing: hub.closing(),
        _subscription: subscription,
    };
    connection
        .start(last_seen)
        .await
        .map_err(|_| Refusal::UNAVAILABLE)?;
    Ok(connection)
}

/// The live stream as an axum route: for a request that is not the first on its
/// connection (the first is served by `direct`, without hyper's buffers).
pub async fn endpoint(
    State(state): State<app::backend::state::AppState>,
    axum::Extension(hub): axum::Extension<Arc<Hub>>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let last_seen = last_seen(
        headers.get("last-event-id").and_then(|v| v.to_str().ok()),
        query.as_deref(),
    );
    let token = app::backend::auth::token_from_headers(&headers);
    let connection = match open(&state.pool, &hub, token, last_seen).await {
        Ok(connection) => connection,
        Err(refusal) => return refusal.into_response(),
    };
    let mut response = Sse::new(connection.into_stream())
        .keep_alive(KeepAlive::new().interval(HEARTBEAT))
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-cache"),
    );
    // Tell nginx not to buffer the stream.
    headers.insert(
        "x-accel-buffering",
        axum::http::HeaderValue::from_static("no"),
    );
    response
}

pub(super) struct Connection {
    pool: PgPool,
    /// The session cookie the stream was opened with: checked again whenever the
    /// connection reads from the database, in case a revocation was missed.
    token: String,
    member: i64,
    /// The newest event number this connection has sent.
    last_seq: i64,
    pending: VecDeque<Frame>,
    rx: mpsc::Receiver<Delivery>,
    closing: watch::Receiver<bool>,
    _subscription: Subscription,
}

fn sse(seq: i64, event: &LiveEvent) -> Frame {
    let json = serde_json::to_string(event).unwrap_or_else(|_| "{\"type\":\"resync\"}".into());
    Frame::numbered(seq, json.into())
}

impl Connection {
    /// Queues what a new connection sends first: the events after `last_seen` (a
    /// reconnect), then the current unread state.
    async fn start(&mut self, last_seen: Option<i64>) -> Result<(), app::error::AppError> {
        let (seq, hello) = app::backend::live::hello(&self.pool, self.member).await?;
        match last_seen.filter(|l| *l <= seq) {
            Some(after) if after < seq => {
                match app::backend::live::events_after(&self.pool, self.member, after, Some(seq))
                    .await?
                {
                    Some(events) => self.pending.extend(events.iter().map(|(s, e)| sse(*s, e))),
                    None => self.pending.push_back(sse(seq, &LiveEvent::Resync)),
                }
            }
            _ => {}
        }
        self.last_seq = seq;
        let mut first = sse(seq, &hello);
        first.retry = Some(RETRY);
        self.pending.push_back(first);
        Ok(())
    }

    /// Reads the events after `last_seq` from the database.
    async fn catch_up(&mut self) -> Result<(), app::error::AppError> {
        if app::backend::auth::viewer_for_token(&self.pool, &self.token)
            .await?
            .is_none_or(|viewer| viewer.id != self.member)
        {
            return Err(app::error::AppError::Unauthenticated);
        }
        match app::backend::live::events_after(&self.pool, self.member, self.last_seq, None).await?
        {
            Some(events) => {
                for (seq, event) in events {
                    self.last_seq = seq;
                    self.pending.push_back(sse(seq, &event));
                }
            }
            None => {
                let (seq, hello) = app::backend::live::hello(&self.pool, self.member).await?;
                self.last_seq = seq;
                self.pending.push_back(sse(seq, &LiveEvent::Resync));
                self.pending.push_back(sse(seq, &hello));
            }
        }
        Ok(())
    }

    /// The next frame to send; None when the stream ends.
    pub(super) async fn next_event(&mut self) -> Option<Frame> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            if *self.closing.borrow() {
                return None;
            }
            let delivery = tokio::select! {
                _ = self.closing.changed() => return None,
                delivery = self.rx.recv() => delivery?,
            };
            match delivery {
                Delivery::Event(seq, _) if seq <= self.last_seq => {}
                Delivery::Event(seq, json) if seq == self.last_seq + 1 => {
                    self.last_seq = seq;
                    return Some(Frame::numbered(seq, json));
                }
                Delivery::Transient(json) => return Some(Frame::transient(json)),
                Delivery::Replaced => {
                    // The last event of this stream: the channel is closed after it.
                    return Some(sse(self.last_seq, &LiveEvent::Replaced));
                }
                // Out of order or missing: the database has them in order.
                Delivery::Event(..) | Delivery::Gap => {
                    // Boxed: an idle stream waits in this future, which should
                    // not carry the database queries' state all the while.
                    if Box::pin(self.catch_up()).await.is_err() {
                        // The browser reconnects and resumes from its last event.
                        return None;
                    }
                }
            }
        }
    }

    fn into_stream(self) -> impl Stream<Item = Result<Event, Infallible>> + Send {
        stream::unfold(self, |mut connection| async move {
            let frame = connection.next_event().await?;
            Some((Ok(frame.event()), connection))
        })
    }
}
