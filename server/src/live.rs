//! The live endpoint: server-sent events for each signed-in member's open pages.
//!
//! Every instance LISTENs on one PostgreSQL channel and passes each announced event
//! to the members connected to it, so a message sent through any instance reaches
//! every open page on every instance. Nothing lives only here: each member's events
//! are numbered in the database, so a page that reconnects (to any instance) says
//! the last number it saw and gets exactly the ones after it.
//!
//! Memory stays bounded: each connection has a small queue; a client too slow to
//! drain it is disconnected, and its browser reconnects and catches up from the
//! database.

use app::api::live::LiveEvent;
use app::backend::live::{Kind, Published, CHANNEL};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Events queued for one connection before it counts as too slow and is dropped.
pub const QUEUE: usize = 64;
/// Comment lines on idle streams, so proxies do not cut them.
pub const HEARTBEAT: Duration = Duration::from_secs(15);
/// How soon a browser reconnects after the stream ends.
const RETRY: Duration = Duration::from_millis(1000);

#[derive(Debug, Clone)]
enum Delivery {
    /// The member's event number and the event, as JSON.
    Event(i64, Arc<str>),
    /// Events may have been missed: read them from the database.
    Gap,
}

struct Subscriber {
    id: u64,
    /// The session the stream was opened with (`app::backend::auth::session_key`).
    session: Arc<str>,
    tx: mpsc::Sender<Delivery>,
}

/// The members connected to this instance.
pub struct Hub {
    subscribers: Mutex<HashMap<i64, Vec<Subscriber>>>,
    next_id: AtomicU64,
    closing: watch::Sender<bool>,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            subscribers: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            closing: watch::channel(false).0,
        }
    }
}

impl Hub {
    fn subscribe(
        self: &Arc<Self>,
        member: i64,
        session: Arc<str>,
    ) -> (Subscription, mpsc::Receiver<Delivery>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut subscribers) = self.subscribers.lock() {
            subscribers
                .entry(member)
                .or_default()
                .push(Subscriber { id, session, tx });
        }
        (
            Subscription {
                hub: self.clone(),
                member,
                id,
            },
            rx,
        )
    }

    fn unsubscribe(&self, member: i64, id: u64) {
        if let Ok(mut subscribers) = self.subscribers.lock() {
            if let Some(list) = subscribers.get_mut(&member) {
                list.retain(|s| s.id != id);
                if list.is_empty() {
                    subscribers.remove(&member);
                }
            }
        }
    }

    /// Open live connections on this instance.
    pub fn connections(&self) -> usize {
        self.subscribers
            .lock()
            .map(|s| s.values().map(Vec::len).sum())
            .unwrap_or(0)
    }

    /// Passes one NOTIFY payload on to the connected recipients.
    fn dispatch(&self, payload: &str) {
        let published: Published = match serde_json::from_str(payload) {
            Ok(p) => p,
            Err(error) => {
                tracing::warn!(%error, "ignored a malformed live event");
                return;
            }
        };
        let Ok(mut subscribers) = self.subscribers.lock() else {
            return;
        };
        if published.kind == Kind::Revoke {
            // Dropping a stream's sender ends it: the browser reconnects and is
            // refused (or, after sign-out elsewhere, keeps its other sessions).
            for target in &published.to {
                if let Some(list) = subscribers.get_mut(&target.member) {
                    list.retain(|s| {
                        published
                            .session
                            .as_deref()
                            .is_some_and(|session| *s.session != *session)
                    });
                }
            }
            subscribers.retain(|_, list| !list.is_empty());
            return;
        }
        for target in &published.to {
            let Some(list) = subscribers.get_mut(&target.member) else {
                continue;
            };
            let delivery = match published.event_for(target) {
                Some(event) => match serde_json::to_string(&event) {
                    Ok(json) => Delivery::Event(target.seq, json.into()),
                    Err(_) => Delivery::Gap,
                },
                None => Delivery::Gap,
            };
            // A full queue means a client that stopped reading: drop it (its
            // browser reconnects and catches up) rather than buffer without end.
            list.retain(|s| s.tx.try_send(delivery.clone()).is_ok());
        }
        subscribers.retain(|_, list| !list.is_empty());
    }

    /// Every connection re-reads its events from the database (after the listener
    /// lost its connection, notifications may have been missed).
    fn gap_all(&self) {
        if let Ok(mut subscribers) = self.subscribers.lock() {
            for list in subscribers.values_mut() {
                list.retain(|s| match s.tx.try_send(Delivery::Gap) {
                    Ok(()) | Err(mpsc::error::TrySendError::Full(_)) => true,
                    Err(mpsc::error::TrySendError::Closed(_)) => false,
                });
            }
        }
    }

    /// Ends every stream (graceful shutdown: browsers reconnect to another instance)
    /// and the background workers.
    pub fn close(&self) {
        let _ = self.closing.send(true);
    }

    /// Turns true when the hub closes.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }
}

/// Removes the connection from the hub when its stream is dropped.
struct Subscription {
    hub: Arc<Hub>,
    member: i64,
    id: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.unsubscribe(self.member, self.id);
    }
}

/// Listens for events on PostgreSQL and dispatches them, reconnecting as needed.
pub async fn listen(pool: PgPool, hub: Arc<Hub>) {
    let mut closing = hub.closing.subscribe();
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "live listener cannot connect; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(error) = listener.listen(CHANNEL).await {
            tracing::warn!(%error, "live listener cannot LISTEN; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        // Whatever was announced while we were not listening is in the database.
        hub.gap_all();
        loop {
            tokio::select! {
                _ = closing.changed() => return,
                received = listener.try_recv() => match received {
                    Ok(Some(notification)) => hub.dispatch(notification.payload()),
                    Ok(None) => {
                        tracing::warn!("live listener lost its connection; reconnecting");
                        break;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "live listener failed; reconnecting");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        break;
                    }
                },
            }
        }
    }
}

/// `GET /api/live`: the signed-in member's event stream.
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
    let (subscription, rx) = hub.subscribe(viewer.id, session);
    let mut connection = Connection {
        pool: state.pool.clone(),
        token: token.unwrap_or_default(),
        member: viewer.id,
        last_seq: 0,
        pending: VecDeque::new(),
        rx,
        closing: hub.closing.subscribe(),
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
