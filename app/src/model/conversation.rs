//! Conversations as the pages show them: parties, the inbox, threads, messages and requests.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    Member,
    Group,
}

/// A member or group as shown in conversations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyView {
    /// `member:12` or `group:3` (see `domain::conversation::Party`).
    pub token: String,
    pub kind: PartyKind,
    pub name: String,
    /// Handle or slug: the avatar colour and the profile link come from it.
    pub handle: String,
    /// The digest of their picture (`/avatars/<digest>/…`), if they chose one.
    #[serde(default)]
    pub avatar: Option<String>,
}

impl PartyView {
    /// A member who deleted their account: shown, never linked.
    pub fn is_deleted(&self) -> bool {
        self.kind == PartyKind::Member && crate::model::member::is_deleted_handle(&self.handle)
    }

    /// Where the name links to: nowhere for a deleted member.
    pub fn link(&self) -> Option<String> {
        (!self.is_deleted()).then(|| self.path())
    }

    pub fn path(&self) -> String {
        match self.kind {
            PartyKind::Member => format!("/members/{}", self.handle),
            PartyKind::Group => format!("/groups/{}", self.handle),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub id: i64,
    /// Everyone in it except the viewer's own side.
    pub others: Vec<PartyView>,
    pub last_author: String,
    /// The last message is the viewer's own side's (shown as "You:").
    pub mine: bool,
    pub snippet: String,
    pub last_message_at: DateTime<Utc>,
    pub unread: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxPage {
    pub conversations: Vec<ConversationSummary>,
    /// Cursor of the next (older) page.
    pub next: Option<String>,
    /// The groups the viewer manages: each has its own list of conversations.
    pub managed_groups: Vec<PartyView>,
    /// The group whose conversations these are, when not the viewer's own.
    pub group: Option<PartyView>,
    /// Message requests waiting for the viewer (their own list only).
    pub requests: i64,
}

/// A conversation someone started with the viewer that waits for their answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestView {
    pub id: i64,
    /// Who wrote first (a member, or a group when sent as one).
    pub from: PartyView,
    /// The member who wrote it.
    pub sender: String,
    pub sender_since: DateTime<Utc>,
    /// How many days old the sender's account is.
    pub sender_age_days: i64,
    /// Groups the viewer and the sender are both in.
    pub shared_groups: Vec<String>,
    /// Everyone else in it.
    pub others: Vec<PartyView>,
    pub snippet: String,
    pub last_message_at: DateTime<Utc>,
}

/// What a thread entry is: a message, or a note about who left or was added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    #[default]
    Text,
    /// "Alice left the conversation."
    Left,
    /// "Alice added Dan and Erin."; the body names who was added.
    Added,
}

impl MessageKind {
    #[cfg(feature = "ssr")]
    pub fn from_db(value: &str) -> Self {
        match value {
            "left" => Self::Left,
            "added" => Self::Added,
            _ => Self::Text,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: i64,
    #[serde(default)]
    pub kind: MessageKind,
    pub author: PartyView,
    /// The manager who wrote a message sent as a group; only that group's managers see it.
    pub written_by: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// Sent by the viewer's side of the conversation.
    pub mine: bool,
    /// Written by the viewer themself: they may edit and delete it.
    #[serde(default)]
    pub own: bool,
    /// Removed by a moderator: the body is empty and the thread says so.
    #[serde(default)]
    pub removed: bool,
    /// From a member the viewer blocked: shown collapsed.
    #[serde(default)]
    pub collapsed: bool,
    /// When its author last edited it ("edited" beside the time).
    #[serde(default)]
    pub edited_at: Option<DateTime<Utc>>,
    /// Deleted by its author: the body is empty and the thread says so.
    #[serde(default)]
    pub deleted: bool,
    /// The message this one answers, quoted.
    #[serde(default)]
    pub reply_to: Option<Quote>,
    /// Its reactions, in the order of `domain::conversation::REACTIONS`.
    #[serde(default)]
    pub reactions: Vec<Reaction>,
    /// Its pictures and files, in the order they were attached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentView>,
}

/// A picture or file attached to a message (or uploaded and not sent yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentView {
    pub id: i64,
    pub name: String,
    pub media_type: String,
    /// Bytes of the file as stored (a picture after re-encoding).
    pub size: u64,
    /// A picture: shown in the thread, its thumbnail opening it full size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<(u32, u32)>,
}

impl AttachmentView {
    /// The file itself: a picture opens in the browser, anything else downloads.
    pub fn url(&self) -> String {
        format!("/files/{}/{}", self.id, url_segment(&self.name))
    }

    pub fn thumbnail_url(&self) -> String {
        format!("/files/{}/thumbnail", self.id)
    }
}

/// A file name as one path segment, or as `filename*` of `Content-Disposition`
/// (RFC 5987): everything but ASCII letters, digits and `.-_` percent-encoded.
pub fn url_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl MessageView {
    /// Removed by a moderator or deleted by its author: nothing left to show or act on.
    pub fn is_gone(&self) -> bool {
        self.removed || self.deleted
    }
}

/// The start of the message a reply answers, shown above the reply.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Quote {
    pub id: i64,
    pub author: String,
    /// One line, at most `QUOTE_LENGTH` characters; empty when `gone`.
    pub excerpt: String,
    /// Deleted or removed since: the quote says so instead.
    pub gone: bool,
}

/// One emoji on a message and who put it there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    pub emoji: String,
    /// Members and groups, first reaction first: `(party token, name)`.
    pub from: Vec<(String, String)>,
}

impl Reaction {
    /// Whether the party `token` (the viewer's side) is among them.
    pub fn includes(&self, token: &str) -> bool {
        self.from.iter().any(|(t, _)| t == token)
    }

    /// "thumbs up: Alice, Bob and you", for the screen reader, in `words`.
    pub fn label(&self, viewer_token: &str, words: crate::i18n::Words) -> String {
        use crate::i18n::k;
        let mut names: Vec<&str> = self
            .from
            .iter()
            .filter(|(t, _)| t != viewer_token)
            .map(|(_, name)| name.as_str())
            .collect();
        if self.includes(viewer_token) {
            names.push(words.t(k::reaction_you));
        }
        let who = match names.as_slice() {
            [] => String::new(),
            [one] => (*one).to_string(),
            [rest @ .., last] => words.f(
                k::reaction_names_and,
                &[("names", &rest.join(", ")), ("last", last)],
            ),
        };
        words.f(
            k::reaction_label,
            &[
                (
                    "reaction",
                    &crate::domain::conversation::reaction_name(&self.emoji, words),
                ),
                ("who", &who),
            ],
        )
    }
}

/// How far one of the others in a conversation has read: "Seen by Alice" goes
/// under the last message at or before `up_to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// The party (`member:<id>`, or `group:<id>` when one of its managers read).
    pub token: String,
    pub name: String,
    pub up_to: i64,
}

/// A message's new text after its author edited it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageEdit {
    pub message_id: i64,
    pub body: String,
    pub edited_at: DateTime<Utc>,
}

/// How many characters of the answered message a reply quotes.
pub const QUOTE_LENGTH: usize = 80;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadView {
    pub id: i64,
    pub others: Vec<PartyView>,
    /// Who the viewer writes as in this conversation (themself or a group they manage).
    pub acting_as: PartyView,
    /// Oldest first.
    pub messages: Vec<MessageView>,
    /// Id to pass as `before` to load older messages, if there are any.
    pub older: Option<i64>,
    /// The viewer muted this conversation.
    pub muted: bool,
    /// A message request the viewer has not answered yet.
    pub request: bool,
    /// Three or more people: members can leave it and people can be added.
    pub multi_person: bool,
    /// The viewer is listed as themself (not answering for a group): they may leave.
    pub may_leave: bool,
    /// Why nobody can write here any more (the other person deleted their account,
    /// or a group in it was closed); `None` while replies are open.
    pub read_only: Option<String>,
    /// How long after sending a member may edit their message, in seconds.
    pub edit_seconds: i64,
    /// The first message the viewer had not read when they opened the thread:
    /// the "New messages" divider goes above it.
    #[serde(default)]
    pub first_unread: Option<i64>,
    /// What the viewer typed here and did not send (on any device).
    #[serde(default)]
    pub draft: Option<String>,
    /// How far each of the others has read (those who share it, and only when
    /// the viewer shares theirs).
    #[serde(default)]
    pub seen: Vec<Seen>,
    /// Files the viewer uploaded here and has not sent yet (on any device).
    #[serde(default)]
    pub pending: Vec<AttachmentView>,
    /// How much may be attached.
    #[serde(default)]
    pub attach: crate::domain::attachment::AttachmentRules,
}

/// What the start-conversation form needs: the preselected recipients and whom the
/// viewer can write as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComposeInfo {
    pub preselected: Vec<PartyView>,
    pub send_as: Vec<PartyView>,
    /// A fresh idempotency key for forms posted without JavaScript.
    pub key: String,
    /// What the viewer typed in the start dialog and did not send (on any device).
    #[serde(default)]
    pub draft: Option<String>,
    /// Files the viewer uploaded in the start dialog and has not sent yet.
    #[serde(default)]
    pub pending: Vec<AttachmentView>,
    /// How much may be attached.
    #[serde(default)]
    pub attach: crate::domain::attachment::AttachmentRules,
}

pub const INBOX_PAGE_SIZE: i64 = 20;
pub const THREAD_PAGE_SIZE: i64 = 30;

/// A piece of a search result's text: `hit` when it is what was searched for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Highlight {
    pub text: String,
    pub hit: bool,
}

/// A message found by a search, with where it was said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundMessage {
    pub message_id: i64,
    pub conversation_id: i64,
    /// The others in the conversation, by name ("Bob, Marketing").
    pub with: String,
    pub author: String,
    /// `member:<id>` or `group:<id>`: to search only what they sent.
    pub author_token: String,
    pub created_at: DateTime<Utc>,
    /// The part of the text around the first hit, without its formatting.
    pub snippet: Vec<Highlight>,
}

/// A page of search results, newest first; `before` asks for the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundPage {
    pub hits: Vec<FoundMessage>,
    pub before: Option<i64>,
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::domain::language::Language;
    use crate::i18n::Words;

    #[test]
    fn a_reaction_is_named_for_the_screen_reader_in_the_readers_language() {
        let reaction = Reaction {
            emoji: "👍".into(),
            from: vec![
                ("m1".into(), "Alice".into()),
                ("m2".into(), "Bo".into()),
                ("m3".into(), "Me".into()),
            ],
        };
        assert_eq!(
            reaction.label("m3", Words::default()),
            "thumbs up: Alice, Bo and you"
        );
        assert_eq!(
            reaction.label("m3", Words::of(Language::Fr)),
            "pouce levé : Alice, Bo et vous"
        );
        assert_eq!(
            reaction.label("m9", Words::of(Language::De)),
            "Daumen hoch: Alice, Bo und Me"
        );
    }
}
