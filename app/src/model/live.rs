//! What the live endpoint (`GET /api/live`, server-sent events) tells a signed-in
//! member's open pages. Each event's SSE id is the member's event number, so a
//! reconnecting browser resumes exactly after the last one it saw (Last-Event-ID).

use super::conversation::{MessageEdit, MessageView, Reaction, Seen};
use serde::{Deserialize, Serialize};

/// Where the browser connects for live events.
pub const LIVE_PATH: &str = "/api/live";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// The first event of every connection: the conversations unread at that moment
    /// (muted ones left out), so the envelope is right whatever was missed before.
    Hello { unread: Vec<i64> },
    /// A new message in one of the member's conversations (their own included, so
    /// their other tabs follow).
    Message {
        conversation_id: i64,
        message: Box<MessageView>,
        /// "Alice wrote to you": set when the member wants an in-app notification.
        notice: Option<String>,
        /// The member muted this conversation: it does not turn the envelope gold.
        muted: bool,
    },
    /// The member read the conversation (perhaps in another tab).
    Read { conversation_id: i64 },
    /// A moderator removed a message: open threads replace it.
    Removed {
        conversation_id: i64,
        message_id: i64,
    },
    /// Its author edited a message: open threads show the new text.
    Edited {
        conversation_id: i64,
        edit: MessageEdit,
    },
    /// Its author deleted a message: open threads say so, and the conversation may
    /// no longer be unread (it was its newest message).
    Deleted {
        conversation_id: i64,
        message_id: i64,
    },
    /// Someone in the conversation is typing (not numbered, never replayed: it
    /// only matters now). Pages show it for `TYPING_SHOWN`.
    Typing { conversation_id: i64, who: String },
    /// One of the others read further: "Seen by" moves.
    Seen { conversation_id: i64, seen: Seen },
    /// A message's reactions changed: all of them, as they are now.
    Reacted {
        conversation_id: i64,
        message_id: i64,
        reactions: Vec<Reaction>,
    },
    /// The unread state changed in a way that is simplest to read again (a mute).
    Unread,
    /// The client fell too far behind: it should reload what it shows.
    Resync,
    /// The member opened more streams than one instance keeps, and this was the
    /// oldest: the page stops reconnecting until it is looked at again.
    Replaced,
}

/// A page announces typing at most this often, and the server passes on at most
/// one announcement per member and conversation this often.
pub const TYPING_EVERY: std::time::Duration = std::time::Duration::from_secs(3);
/// How long "Alice is typing…" stays after the last announcement.
pub const TYPING_SHOWN: std::time::Duration = std::time::Duration::from_secs(6);

/// "Alice wrote to you" or "Alice wrote to the Marketing group".
pub fn notice_text(author: &str, via_group: Option<&str>) -> String {
    match via_group {
        Some(group) => format!("{author} wrote to the {group} group"),
        None => format!("{author} wrote to you"),
    }
}
