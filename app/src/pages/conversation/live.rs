//! An open thread follows its conversation live.

use super::reply_box::mark_read_if_visible;
use super::ThreadContext;
use crate::api::conversations::get_thread;
use crate::components::live::use_live;
use leptos::prelude::*;

/// Messages arriving in this conversation join the list and are marked read while
/// the page is visible (the envelope in other tabs follows); a message edited,
/// deleted or removed changes at once; after falling behind, the newest page is
/// read again.
pub(super) fn follow_live(conversation: i64, thread: ThreadContext) {
    let live = use_live();
    let messages = thread.messages;
    Effect::new(move |_| {
        let Some((id, message)) = live.message.get() else {
            return;
        };
        if id != conversation {
            return;
        }
        let newest = message.id;
        let mine = message.mine;
        messages.update(|m| {
            if !m.iter().any(|x| x.id == message.id) {
                m.push(message);
                m.sort_by_key(|x| x.id);
            }
        });
        if !mine {
            mark_read_if_visible(conversation, newest);
        }
    });
    // A moderator removed a message, or its author deleted or edited it.
    Effect::new(move |_| {
        if let Some((id, removed)) = live.removed.get() {
            if id == conversation {
                thread.mark_gone(removed, true);
            }
        }
    });
    Effect::new(move |_| {
        if let Some((id, deleted)) = live.deleted.get() {
            if id == conversation {
                thread.mark_deleted(deleted);
            }
        }
    });
    Effect::new(move |_| {
        if let Some((id, edit)) = live.edited.get() {
            if id == conversation {
                thread.apply_edit(edit);
            }
        }
    });
    Effect::new(move |_| {
        if let Some((id, seen)) = live.seen.get() {
            if id == conversation {
                thread.apply_seen(seen);
            }
        }
    });
    Effect::new(move |_| {
        if let Some((id, message, reactions)) = live.reacted.get() {
            if id == conversation {
                thread.apply_reactions(message, reactions);
            }
        }
    });
    // Fell behind (a long disconnection): read the newest page again.
    Effect::new(move |previous: Option<u64>| {
        let now = live.resync.get();
        if previous.is_some_and(|p| p != now) {
            leptos::task::spawn_local(async move {
                if let Ok(page) = get_thread(conversation, None, None).await {
                    messages.update(|m| {
                        m.retain(|x| !page.messages.iter().any(|y| y.id == x.id));
                        m.extend(page.messages);
                        m.sort_by_key(|x| x.id);
                    });
                }
            });
        }
        now
    });
    // Back to a tab that was hidden when messages arrived: they are read now.
    let visible = window_event_listener(leptos::ev::visibilitychange, move |_| {
        if let Some(newest) = messages.with_untracked(|m| m.last().map(|x| x.id)) {
            mark_read_if_visible(conversation, newest);
        }
    });
    // Removed with the page, so leaving the thread stops marking it read.
    on_cleanup(move || visible.remove());
}
