//! The members connected to this instance and the queue of each of their streams.

use super::{Delivery, QUEUE};
use app::backend::live::{Kind, Published};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, watch};

struct Subscriber {
    id: u64,
    /// The session the stream was opened with (`app::backend::auth::session_key`).
    session: Arc<str>,
    tx: mpsc::Sender<Delivery>,
}

/// Streams one member may hold open on one instance: a tab each, and a few more
/// while pages reload. A further one closes the member's oldest (whose page, if it
/// is still open, reconnects and closes the next oldest: a page left in the
/// background loses its live updates before the one in use).
pub const STREAMS_PER_MEMBER: usize = 10;

/// The members connected to this instance.
pub struct Hub {
    subscribers: Mutex<HashMap<i64, Vec<Subscriber>>>,
    /// Streams in all; beyond `max_streams` new ones are refused.
    open: AtomicUsize,
    max_streams: usize,
    next_id: AtomicU64,
    closing: watch::Sender<bool>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::with_limit(10_000)
    }
}

impl Hub {
    /// A hub that holds at most `max_streams` live streams.
    pub fn with_limit(max_streams: usize) -> Self {
        Self {
            subscribers: Mutex::new(HashMap::new()),
            open: AtomicUsize::new(0),
            max_streams,
            next_id: AtomicU64::new(1),
            closing: watch::channel(false).0,
        }
    }

    /// A new stream for `member`, or None when the instance holds all it may.
    pub(super) fn subscribe(
        self: &Arc<Self>,
        member: i64,
        session: Arc<str>,
    ) -> Option<(Subscription, mpsc::Receiver<Delivery>)> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut subscribers = self.subscribers.lock().ok()?;
        let list = subscribers.entry(member).or_default();
        if list.len() >= STREAMS_PER_MEMBER {
            // Told so, its sender dropped, the oldest stream ends; its subscription,
            // when dropped, finds nothing left to remove.
            let _ = list.remove(0).tx.try_send(Delivery::Replaced);
            metrics::counter!("portal_live_streams_replaced_total").increment(1);
        } else if self.open.load(Ordering::SeqCst) >= self.max_streams {
            metrics::counter!("portal_live_streams_refused_total").increment(1);
            return None;
        }
        list.push(Subscriber { id, session, tx });
        self.open.fetch_add(1, Ordering::SeqCst);
        drop(subscribers);
        Some((
            Subscription {
                hub: self.clone(),
                member,
                id,
            },
            rx,
        ))
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
    pub(super) fn dispatch(&self, payload: &str) {
        let published: Published = match serde_json::from_str(payload) {
            Ok(p) => p,
            Err(error) => {
                tracing::warn!(%error, "ignored a malformed live event");
                return;
            }
        };
        if let Some(sent) = published.sent_at_ms {
            let lag_ms = (chrono::Utc::now().timestamp_millis() - sent).max(0);
            metrics::histogram!("portal_live_notify_lag_seconds").record(lag_ms as f64 / 1000.0);
        }
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
        if published.kind == Kind::Typing {
            // Not numbered: a full queue just misses it, as does a closed page.
            let Some(json) = published
                .to
                .first()
                .and_then(|target| published.event_for(target))
                .and_then(|event| serde_json::to_string(&event).ok())
            else {
                return;
            };
            let delivery = Delivery::Transient(json.into());
            for target in &published.to {
                for subscriber in subscribers.get(&target.member).into_iter().flatten() {
                    let _ = subscriber.tx.try_send(delivery.clone());
                }
            }
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
            metrics::counter!("portal_live_events_dispatched_total").increment(list.len() as u64);
        }
        subscribers.retain(|_, list| !list.is_empty());
    }

    /// Every connection re-reads its events from the database (after the listener
    /// lost its connection, notifications may have been missed).
    pub(super) fn gap_all(&self) {
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
pub(super) struct Subscription {
    hub: Arc<Hub>,
    member: i64,
    id: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.unsubscribe(self.member, self.id);
        self.hub.open.fetch_sub(1, Ordering::SeqCst);
    }
}
