//! Live events (server only): written in the same transaction as the change they
//! announce, numbered per member, and announced to every server instance with
//! PostgreSQL's NOTIFY, which is delivered on commit. The instances' live
//! endpoints (server/src/live/) pass them on to the members' open pages.
//!
//! `publish`: recording events and announcing them; `replay`: where a connection
//! starts and what it missed.

mod publish;
mod reactions;
mod replay;
mod seen;
mod typing;

pub use publish::{notify, publish_own, publish_to_conversation, revoke, Change};
pub use reactions::reactions_of;
pub use replay::{events_after, hello};
pub use seen::{lock_streams_for_read, publish_seen};
pub use typing::{announce_typing, TypingGate};

use crate::model::conversation::{
    AttachmentView, MessageEdit, MessageKind, MessageView, PartyKind, PartyView, Quote, Reaction,
    Seen,
};
use crate::model::live::{notice_text, LiveEvent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The NOTIFY channel every instance listens on.
pub const CHANNEL: &str = "portal_live";
/// NOTIFY payloads must stay under 8000 bytes; a bigger message travels without its
/// text and the instances read it from the database instead.
const MAX_PAYLOAD: usize = 7800;
/// A reconnecting client missing more events than this reloads instead. 2,000
/// covers a minute offline in the busiest conversations (the reliability harness's
/// slow clients miss up to ~800), at about 1 MB to send.
pub const MAX_BACKFILL: i64 = 2000;

/// Bits of `live_events.flags`: how the recipient sees a message event.
pub mod flags {
    /// Sent by the recipient's own side of the conversation.
    pub const MINE: i16 = 1;
    /// The recipient manages the group the message was sent as, so sees who wrote it.
    pub const WRITER: i16 = 2;
    /// The recipient wants an in-app notification for it.
    pub const NOTIFY: i16 = 4;
    /// The recipient muted the conversation.
    pub const MUTED: i16 = 8;
    /// The recipient blocked the author: shown collapsed, no notification.
    pub const BLOCKED: i16 = 16;
    /// The conversation is a request the recipient has not accepted.
    pub const REQUEST: i16 = 32;
    /// A note ("Alice left"), not a message: nothing becomes unread.
    pub const NOTE: i16 = 64;
    /// Any of these keep the envelope as it was.
    pub const QUIET: i16 = MUTED | BLOCKED | REQUEST | NOTE;
}

/// A message as every recipient sees it, before the per-recipient parts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SharedMessage {
    pub id: i64,
    #[serde(default)]
    pub kind: MessageKind,
    #[serde(default)]
    pub removed: bool,
    pub author: PartyView,
    pub writer: String,
    /// The member who wrote it (a manager, for a message sent as a group).
    #[serde(default)]
    pub writer_id: i64,
    pub body: String,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Quote>,
    /// Only in a replay, which reads the message as it is now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentView>,
}

/// How a reply shows the message it answers: nothing of a deleted or removed one.
pub fn quote(id: i64, author: String, body: &str, gone: bool) -> Quote {
    Quote {
        id,
        author,
        excerpt: if gone {
            String::new()
        } else {
            crate::domain::markdown::excerpt(body, crate::model::conversation::QUOTE_LENGTH)
        },
        gone,
    }
}

/// One recipient of an event: their event number and how they see it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Target {
    pub member: i64,
    pub seq: i64,
    #[serde(default)]
    pub flags: i16,
    #[serde(default)]
    pub via_group: Option<String>,
}

/// What travels through NOTIFY.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Published {
    pub kind: Kind,
    pub conversation_id: i64,
    /// `None` for a message too big for NOTIFY: recipients read it from the database.
    pub message: Option<SharedMessage>,
    /// The message a `Removed` or `Deleted` event is about.
    #[serde(default)]
    pub message_id: Option<i64>,
    /// The new text of an `Edited` message; `None` when too big for NOTIFY.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<MessageEdit>,
    /// All the reactions of a `Reacted` message; `None` when too big for NOTIFY.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reactions: Option<Vec<Reaction>>,
    /// How far the reader of a `Seen` event has read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<Seen>,
    /// Who is typing (`Typing`): the name the recipients know them by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typing: Option<String>,
    /// With `Revoke`: only the streams of this session (`auth::session_key`); without,
    /// all of the members' streams.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    pub to: Vec<Target>,
    /// When it was handed to PostgreSQL (ms since the epoch): the listener's lag
    /// metric is the time from here to its arrival.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Message,
    Read,
    Unread,
    Removed,
    Edited,
    Deleted,
    Reacted,
    /// One of the others read further (a read receipt).
    Seen,
    /// Someone is typing: passed on to open pages as it is, never numbered or stored.
    Typing,
    /// Not an event: the members' open streams must end (sign-out, suspension).
    Revoke,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Message => "message",
            Kind::Read => "read",
            Kind::Unread => "unread",
            Kind::Removed => "removed",
            Kind::Edited => "edited",
            Kind::Deleted => "deleted",
            Kind::Reacted => "reacted",
            Kind::Typing => "typing",
            Kind::Seen => "seen",
            Kind::Revoke => "revoke",
        }
    }
}

impl Published {
    /// An event of `kind` about `conversation_id` for `to`, without a message.
    pub fn new(kind: Kind, conversation_id: i64, to: Vec<Target>) -> Self {
        Self {
            kind,
            conversation_id,
            message: None,
            message_id: None,
            edit: None,
            reactions: None,
            seen: None,
            typing: None,
            session: None,
            to,
            sent_at_ms: None,
        }
    }

    /// The event as `target` sees it; `None` when the message must be read from the
    /// database first.
    pub fn event_for(&self, target: &Target) -> Option<LiveEvent> {
        match self.kind {
            Kind::Read => Some(LiveEvent::Read {
                conversation_id: self.conversation_id,
            }),
            Kind::Unread => Some(LiveEvent::Unread),
            Kind::Revoke => None,
            Kind::Removed => self.message_id.map(|message_id| LiveEvent::Removed {
                conversation_id: self.conversation_id,
                message_id,
            }),
            Kind::Edited => self.edit.clone().map(|edit| LiveEvent::Edited {
                conversation_id: self.conversation_id,
                edit,
            }),
            Kind::Deleted => self.message_id.map(|message_id| LiveEvent::Deleted {
                conversation_id: self.conversation_id,
                message_id,
            }),
            Kind::Seen => self.seen.clone().map(|seen| LiveEvent::Seen {
                conversation_id: self.conversation_id,
                seen,
            }),
            Kind::Typing => self.typing.clone().map(|who| LiveEvent::Typing {
                conversation_id: self.conversation_id,
                who,
            }),
            Kind::Reacted => match (self.message_id, &self.reactions) {
                (Some(message_id), Some(reactions)) => Some(LiveEvent::Reacted {
                    conversation_id: self.conversation_id,
                    message_id,
                    reactions: reactions.clone(),
                }),
                _ => None,
            },
            Kind::Message => self
                .message
                .as_ref()
                .map(|m| message_event(self.conversation_id, m, target)),
        }
    }
}

fn message_event(conversation_id: i64, message: &SharedMessage, target: &Target) -> LiveEvent {
    let has = |bit: i16| target.flags & bit != 0;
    let notice =
        has(flags::NOTIFY).then(|| notice_text(&message.author.name, target.via_group.as_deref()));
    LiveEvent::Message {
        conversation_id,
        message: Box::new(MessageView {
            id: message.id,
            kind: message.kind,
            author: message.author.clone(),
            written_by: (message.author.kind == PartyKind::Group && has(flags::WRITER))
                .then(|| message.writer.clone()),
            body: message.body.clone(),
            created_at: message.created_at,
            mine: has(flags::MINE),
            own: has(flags::MINE) && target.member == message.writer_id,
            removed: message.removed,
            collapsed: has(flags::BLOCKED),
            edited_at: message.edited_at,
            deleted: message.deleted,
            reply_to: message.reply_to.clone(),
            reactions: message.reactions.clone(),
            attachments: message.attachments.clone(),
        }),
        notice,
        muted: target.flags & flags::QUIET != 0,
    }
}
