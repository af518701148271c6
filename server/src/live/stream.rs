//! One member's event stream: the backlog from the database, then live deliveries.

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

pub async fn endpoint(
    State(state): State<app::backend::state::AppState>,
    axum::Extension(hub): axum::Extension<Arc<Hub>>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let token = app::backend::auth::token_from_headers(&headers);
    let viewer = match &token {
        Some(token) => app::backend::auth::viewer_for_token(&state.pool, token).await,
        None => Ok(None),
    };
    let viewer = match viewer {
        Ok(Some(viewer)) => viewer,
        Ok(None) => return (StatusCode::UNAUTHORIZED, "Please sign in.").into_response(),
        Err(_) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "Live updates are unavailable; retrying shortly.",
            )
                .into_response()
        }
    };
    // The browser's own reconnect sends Last-Event-ID; a fresh EventSource opened
    // by the client after a refused reconnect says `?after=`.
    let after_param = query.as_deref().and_then(|q| {
        q.split('&')
            .find_map(|pair| pair.strip_prefix("after="))
            .map(str::to_string)
    });
    let last_seen = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or(after_param)
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|v| *v >= 0);
    // Subscribe before reading the starting point: nothing falls in between.
    let session: Arc<str> = token
        .as_deref()
        .map(app::backend::auth::session_key)
        .unwrap_or_default()
        .into();
    let Some((subscription, rx)) = hub.subscribe(viewer.id, session) else {
        // Every stream this instance may hold is taken: the page tries again (the
        // load balancer may send it to another instance).
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(axum::http::header::RETRY_AFTER, "5")],
            "Live updates are busy; retrying shortly.",
        )
            .into_response();
    };
    let mut connection = Connection {
        pool: state.pool.clone(),
        token: token.unwrap_or_default(),
        member: viewer.id,
        last_seq: 0,
        pending: VecDeque::new(),
        rx,
        closing: hub.closing(),
        _subscription: subscription,
    };
    if connection.start(last_seen).await.is_err() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "Live updates are unavailable; retrying shortly.",
        )
            .into_response();
    }
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

struct Connection {
    pool: PgPool,
    /// The session cookie the stream was opened with: checked again whenever the
    /// connection reads from the database, in case a revocation was missed.
    token: String,
    member: i64,
    /// The newest event number this connection has sent.
    last_seq: i64,
    pending: VecDeque<Event>,
    rx: mpsc::Receiver<Delivery>,
    closing: watch::Receiver<bool>,
    _subscription: Subscription,
}

fn sse(seq: i64, event: &LiveEvent) -> Event {
    let json = serde_json::to_string(event).unwrap_or_else(|_| "{\"type\":\"resync\"}".into());
    Event::default().id(seq.to_string()).data(json)
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
        let first = sse(seq, &hello).retry(RETRY);
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

    async fn next_event(&mut self) -> Option<Event> {
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
                    return Some(Event::default().id(seq.to_string()).data(&*json));
                }
                Delivery::Transient(json) => return Some(Event::default().data(&*json)),
                Delivery::Replaced => {
                    // The last event of this stream: the channel is closed after it.
                    return Some(sse(self.last_seq, &LiveEvent::Replaced));
                }
                // Out of order or missing: the database has them in order.
                Delivery::Event(..) | Delivery::Gap => {
                    if self.catch_up().await.is_err() {
                        // The browser reconnects and resumes from its last event.
                        return None;
                    }
                }
            }
        }
    }

    fn into_stream(self) -> impl Stream<Item = Result<Event, Infallible>> + Send {
        stream::unfold(self, |mut connection| async move {
            let event = connection.next_event().await?;
            Some((Ok(event), connection))
        })
    }
}
