//! The browser's end of live updates: one EventSource per open page while a member
//! is signed in; pages read what arrives through the `Live` context.
//!
//! The browser reconnects by itself (sending Last-Event-ID); if the server refuses
//! a reconnect (an instance going down answers 503), we open a new EventSource
//! that says where it left off (`?after=`), so nothing is missed either way.

use crate::api::conversations::{MessageEdit, MessageView, Reaction, Seen};
use crate::api::live::LiveEvent;
use leptos::prelude::*;
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub id: u64,
    pub conversation_id: i64,
    pub text: String,
}

#[derive(Clone, Copy)]
pub struct Live {
    /// Unread conversations, once the live stream said hello (before that the
    /// server-rendered count stands).
    pub unread: RwSignal<Option<HashSet<i64>>>,
    /// The latest message event: (conversation, message).
    pub message: RwSignal<Option<(i64, MessageView)>>,
    /// Bumped by every change to the member's conversations (a message, a read, a
    /// resync): lists read themselves again.
    pub activity: RwSignal<u64>,
    /// Bumped when the client fell behind: open threads reload.
    pub resync: RwSignal<u64>,
    pub toasts: RwSignal<Vec<Toast>>,
    /// The latest message removed by a moderator: (conversation, message).
    pub removed: RwSignal<Option<(i64, i64)>>,
    /// The latest message edited by its author: (conversation, new text).
    pub edited: RwSignal<Option<(i64, MessageEdit)>>,
    /// The latest message deleted by its author: (conversation, message).
    pub deleted: RwSignal<Option<(i64, i64)>>,
    /// The latest change of a message's reactions: (conversation, message, all of them).
    pub reacted: RwSignal<Option<(i64, i64, Vec<Reaction>)>>,
    /// The latest "someone is typing": (conversation, their name).
    pub typing: RwSignal<Option<(i64, String)>>,
    /// The latest read receipt: (conversation, whose and how far).
    pub seen: RwSignal<Option<(i64, Seen)>>,
    /// Whether the stream is connected (shown to screen readers and tests).
    pub connected: RwSignal<bool>,
}

impl Live {
    fn new() -> Self {
        Self {
            unread: RwSignal::new(None),
            message: RwSignal::new(None),
            activity: RwSignal::new(0),
            resync: RwSignal::new(0),
            toasts: RwSignal::new(Vec::new()),
            removed: RwSignal::new(None),
            edited: RwSignal::new(None),
            deleted: RwSignal::new(None),
            reacted: RwSignal::new(None),
            typing: RwSignal::new(None),
            seen: RwSignal::new(None),
            connected: RwSignal::new(false),
        }
    }

    /// Applies one event. `viewing` is the conversation open and visible in this tab.
    pub fn apply(&self, event: LiveEvent, viewing: Option<i64>) {
        match event {
            LiveEvent::Hello { unread } => {
                self.unread.set(Some(unread.into_iter().collect()));
            }
            LiveEvent::Message {
                conversation_id,
                message,
                notice,
                muted,
            } => {
                let seen_here = viewing == Some(conversation_id);
                self.unread.update(|u| {
                    if let Some(set) = u {
                        if message.mine {
                            set.remove(&conversation_id);
                        } else if !muted && !seen_here {
                            set.insert(conversation_id);
                        }
                    }
                });
                if let (Some(text), false) = (notice, seen_here) {
                    self.toast(conversation_id, text);
                }
                self.message.set(Some((conversation_id, *message)));
                self.activity.update(|n| *n += 1);
            }
            LiveEvent::Read { conversation_id } => {
                self.unread.update(|u| {
                    if let Some(set) = u {
                        set.remove(&conversation_id);
                    }
                });
                self.activity.update(|n| *n += 1);
            }
            LiveEvent::Unread => {
                self.read_unread_again();
                self.activity.update(|n| *n += 1);
            }
            LiveEvent::Edited {
                conversation_id,
                edit,
            } => {
                self.edited.set(Some((conversation_id, edit)));
                self.activity.update(|n| *n += 1);
            }
            LiveEvent::Deleted {
                conversation_id,
                message_id,
            } => {
                // Its newest message gone, a conversation may be read now.
                if self.unread.with_untracked(|u| {
                    u.as_ref().is_some_and(|set| set.contains(&conversation_id))
                }) {
                    self.read_unread_again();
                }
                self.deleted.set(Some((conversation_id, message_id)));
                self.activity.update(|n| *n += 1);
            }
            LiveEvent::Removed {
                conversation_id,
                message_id,
            } => {
                self.removed.set(Some((conversation_id, message_id)));
                self.activity.update(|n| *n += 1);
            }
            // Nothing for the lists or the envelope: only open threads show them.
            LiveEvent::Reacted {
                conversation_id,
                message_id,
                reactions,
            } => {
                self.reacted
                    .set(Some((conversation_id, message_id, reactions)));
            }
            LiveEvent::Typing {
                conversation_id,
                who,
            } => self.typing.set(Some((conversation_id, who))),
            LiveEvent::Seen {
                conversation_id,
                seen,
            } => self.seen.set(Some((conversation_id, seen))),
            LiveEvent::Resync => {
                self.resync.update(|n| *n += 1);
                self.activity.update(|n| *n += 1);
            }
            // Handled by the connection loop: it closes and waits to be looked at.
            LiveEvent::Replaced => {}
        }
    }

    /// Reads the unread conversations from the server again.
    fn read_unread_again(&self) {
        #[cfg(feature = "hydrate")]
        {
            let unread = self.unread;
            leptos::task::spawn_local(async move {
                if let Ok(ids) = crate::api::notifications::unread_ids().await {
                    unread.set(Some(ids.into_iter().collect()));
                }
            });
        }
    }

    fn toast(&self, conversation_id: i64, text: String) {
        let id = self
            .toasts
            .with_untracked(|t| t.last().map(|t| t.id + 1).unwrap_or(1));
        self.toasts.update(|t| {
            t.push(Toast {
                id,
                conversation_id,
                text,
            });
            // A burst shows the latest few, not a wall.
            if t.len() > 3 {
                t.remove(0);
            }
        });
        let toasts = self.toasts;
        set_timeout(
            move || toasts.update(|t| t.retain(|x| x.id != id)),
            std::time::Duration::from_secs(8),
        );
    }
}

pub fn use_live() -> Live {
    expect_context::<Live>()
}

/// Provides the `Live` context and, in the browser, keeps a stream open while a
/// member is signed in.
pub fn provide_live(signed_in: Signal<bool>) -> Live {
    let live = Live::new();
    provide_context(live);
    #[cfg(feature = "hydrate")]
    {
        let generation = StoredValue::new(0u64);
        Effect::new(move |_| {
            // A new generation on every sign-in/out: the old loop stops.
            let current = generation.get_value() + 1;
            generation.set_value(current);
            if signed_in.get() {
                leptos::task::spawn_local(client::run(live, generation, current));
            } else {
                live.unread.set(None);
                live.connected.set(false);
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = signed_in;
    live
}

/// The conversation open in this tab, from the address bar.
pub fn viewing_conversation(path: &str) -> Option<i64> {
    path.strip_prefix("/conversations/")
        .and_then(|rest| rest.parse().ok())
}

#[cfg(feature = "hydrate")]
mod client {
    use super::*;
    use crate::api::live::LIVE_PATH;
    use futures::StreamExt;
    use gloo_net::eventsource::futures::EventSource;

    fn page_visible() -> bool {
        web_sys::window()
            .and_then(|w| w.document())
            .map(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
            .unwrap_or(true)
    }

    fn current_path() -> String {
        web_sys::window()
            .and_then(|w| w.location().pathname().ok())
            .unwrap_or_default()
    }

    async fn sleep(ms: u64) {
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        set_timeout(
            move || {
                let _ = tx.send(());
            },
            std::time::Duration::from_millis(ms),
        );
        let _ = rx.await;
    }

    pub async fn run(live: Live, generation: StoredValue<u64>, mine: u64) {
        let mut last_id: Option<String> = None;
        let mut failures = 0u32;
        let mut replaced = false;
        while generation.get_value() == mine {
            let url = match &last_id {
                Some(id) => format!("{LIVE_PATH}?after={id}"),
                None => LIVE_PATH.to_string(),
            };
            if let Ok(mut source) = EventSource::new(&url) {
                if let Ok(mut events) = source.subscribe("message") {
                    while let Some(item) = events.next().await {
                        if generation.get_value() != mine {
                            break;
                        }
                        let Ok((_, message)) = item else {
                            // Closed for good (not the browser's own retrying).
                            break;
                        };
                        live.connected.set(true);
                        failures = 0;
                        let id = message.last_event_id();
                        if !id.is_empty() {
                            last_id = Some(id);
                        }
                        let Some(data) = message.data().as_string() else {
                            continue;
                        };
                        if let Ok(event) = serde_json::from_str::<LiveEvent>(&data) {
                            if event == LiveEvent::Replaced {
                                replaced = true;
                                break;
                            }
                            let viewing =
                                viewing_conversation(&current_path()).filter(|_| page_visible());
                            live.apply(event, viewing);
                        }
                    }
                }
                source.close();
            }
            live.connected.set(false);
            if std::mem::take(&mut replaced) {
                // Newer pages of this member hold the streams: reconnect (and take
                // the oldest of theirs) only once this page is looked at again.
                while !page_visible() && generation.get_value() == mine {
                    sleep(2000).await;
                }
                failures = 0;
                continue;
            }
            failures += 1;
            // 1 s, 2 s, 4 s … up to 30 s between attempts.
            sleep(1000 * 2u64.pow(failures.min(5) - 1).min(30)).await;
        }
    }
}
