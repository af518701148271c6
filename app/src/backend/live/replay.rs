//! Where a live connection starts, and the events a reconnecting one missed.

use super::*;
use crate::domain::conversation::Party;
use crate::error::AppError;
use crate::model::conversation::{MessageEdit, MessageKind, PartyKind, PartyView};
use crate::model::live::LiveEvent;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Where a connection starts: the member's latest event number and unread conversations.
pub async fn hello(pool: &PgPool, member_id: i64) -> Result<(i64, LiveEvent), AppError> {
    // One statement, one snapshot: events after `seq` are exactly those not yet
    // reflected in `unread`.
    let row = sqlx::query!(
        r#"SELECT coalesce((SELECT seq FROM live_streams WHERE member_id = $1), 0) AS "seq!",
                  ARRAY(SELECT id FROM unread_conversations($1) LIMIT 1000) AS "unread!""#,
        member_id
    )
    .fetch_one(pool)
    .await?;
    Ok((row.seq, LiveEvent::Hello { unread: row.unread }))
}

/// The member's events after `after` (up to `up_to` when given), oldest first, at
/// most `MAX_BACKFILL`; `None` when some were already trimmed or there are more
/// (the client must reload).
pub async fn events_after(
    pool: &PgPool,
    member_id: i64,
    after: i64,
    up_to: Option<i64>,
) -> Result<Option<Vec<(i64, LiveEvent)>>, AppError> {
    let rows = sqlx::query_as!(
        Missed,
        r#"SELECT e.seq, e.kind, e.conversation_id, e.flags, vg.name AS "via_group?",
                  e.via_group_id AS event_group_id, e.actor_id, act.display_name AS "actor_name?",
                  e.message_id AS event_message_id, msg.kind AS "message_kind?",
                  -- Access is checked again: a member who left or lost a group since
                  -- gets no content of that conversation from a replay.
                  EXISTS (SELECT 1 FROM conversation_viewers v
                          WHERE v.conversation_id = e.conversation_id AND v.member_id = $1)
                      AS "visible!",
                  msg.id AS "message_id?", CASE WHEN msg.removed_at IS NULL THEN msg.body ELSE '' END AS "body?",
                  msg.removed_at IS NOT NULL AS "removed?", msg.created_at AS "created_at?",
                  msg.edited_at AS "edited_at?", msg.deleted_at IS NOT NULL AS "deleted?",
                  q.id AS "quote_id?", coalesce(qg.name, qm.display_name) AS "quote_author?",
                  CASE WHEN q.removed_at IS NULL AND q.deleted_at IS NULL THEN q.body ELSE '' END AS "quote_body?",
                  (q.removed_at IS NOT NULL OR q.deleted_at IS NOT NULL) AS "quote_gone?",
                  msg.author_id AS "author_id?", msg.as_group_id AS "as_group_id?",
                  am.handle AS "handle?", am.display_name AS "writer?",
                  ag.slug AS "group_slug?", ag.name AS "group_name?"
           FROM live_events e
           LEFT JOIN groups vg ON vg.id = e.via_group_id
           LEFT JOIN members act ON act.id = e.actor_id
           LEFT JOIN messages msg ON msg.id = e.message_id
           LEFT JOIN members am ON am.id = msg.author_id
           LEFT JOIN groups ag ON ag.id = msg.as_group_id
           LEFT JOIN messages q ON q.id = msg.reply_to_id
           LEFT JOIN members qm ON qm.id = q.author_id
           LEFT JOIN groups qg ON qg.id = q.as_group_id
           WHERE e.member_id = $1 AND e.seq > $2 AND ($4::bigint IS NULL OR e.seq <= $4)
           ORDER BY e.seq LIMIT $3"#,
        member_id,
        after,
        MAX_BACKFILL + 1,
        up_to
    )
    .fetch_all(pool)
    .await?;
    if rows.len() as i64 > MAX_BACKFILL || rows.first().is_some_and(|r| r.seq != after + 1) {
        return Ok(None);
    }
    let mut events: Vec<(i64, LiveEvent)> = rows
        .into_iter()
        .map(|r| (r.seq, r.into_event(member_id)))
        .collect();
    // Reactions as they are now, read once for every message the replay names.
    let reacted: Vec<i64> = events
        .iter()
        .filter_map(|(_, e)| match e {
            LiveEvent::Reacted { message_id, .. } => Some(*message_id),
            _ => None,
        })
        .collect();
    if !reacted.is_empty() {
        let now = super::reactions_of(pool, &reacted).await?;
        for (_, event) in &mut events {
            if let LiveEvent::Reacted {
                message_id,
                reactions,
                ..
            } = event
            {
                *reactions = now.get(message_id).cloned().unwrap_or_default();
            }
        }
    }
    // Files as they are now, likewise.
    let with_files: Vec<i64> = events
        .iter()
        .filter_map(|(_, e)| match e {
            LiveEvent::Message { message, .. } => Some(message.id),
            _ => None,
        })
        .collect();
    if !with_files.is_empty() {
        let mut now = crate::backend::attachments::attachments_of(pool, &with_files).await?;
        for (_, event) in &mut events {
            if let LiveEvent::Message { message, .. } = event {
                message.attachments = now.remove(&message.id).unwrap_or_default();
            }
        }
    }
    Ok(Some(events))
}

/// One recorded event as a replay reads it, with its message when it has one.
struct Missed {
    seq: i64,
    kind: String,
    conversation_id: i64,
    flags: i16,
    via_group: Option<String>,
    event_group_id: Option<i64>,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    event_message_id: Option<i64>,
    message_kind: Option<String>,
    visible: bool,
    message_id: Option<i64>,
    body: Option<String>,
    removed: Option<bool>,
    created_at: Option<DateTime<Utc>>,
    edited_at: Option<DateTime<Utc>>,
    deleted: Option<bool>,
    quote_id: Option<i64>,
    quote_author: Option<String>,
    quote_body: Option<String>,
    quote_gone: Option<bool>,
    author_id: Option<i64>,
    as_group_id: Option<i64>,
    handle: Option<String>,
    writer: Option<String>,
    group_slug: Option<String>,
    group_name: Option<String>,
}

impl Missed {
    fn into_event(self, member_id: i64) -> LiveEvent {
        match self.kind.as_str() {
            "read" => LiveEvent::Read {
                conversation_id: self.conversation_id,
            },
            "unread" => LiveEvent::Unread,
            // Out of reach now: the client only re-reads its unread state.
            _ if !self.visible => LiveEvent::Unread,
            "seen" => self.seen_event(),
            "reacted" => match self.event_message_id {
                // Filled in by `events_after`, which reads them all at once.
                Some(message_id) => LiveEvent::Reacted {
                    conversation_id: self.conversation_id,
                    message_id,
                    reactions: Vec::new(),
                },
                None => LiveEvent::Unread,
            },
            "removed" | "deleted" | "edited" => self.change_event(),
            _ => {
                let target = Target {
                    member: member_id,
                    seq: self.seq,
                    flags: self.flags,
                    via_group: self.via_group.clone(),
                };
                let conversation_id = self.conversation_id;
                match self.into_message() {
                    Some(shared) => message_event(conversation_id, &shared, &target),
                    // The message is gone (its conversation was deleted): the client
                    // only needs to re-read its unread state.
                    None => LiveEvent::Unread,
                }
            }
        }
    }

    /// A read receipt as it was sent: whose, and how far.
    fn seen_event(self) -> LiveEvent {
        let party = match (
            self.event_group_id,
            self.via_group,
            self.actor_id,
            self.actor_name,
        ) {
            (Some(group), Some(name), _, _) => Some((format!("group:{group}"), name)),
            (None, _, Some(member), Some(name)) => Some((format!("member:{member}"), name)),
            _ => None,
        };
        match (party, self.event_message_id) {
            (Some((token, name)), Some(up_to)) => LiveEvent::Seen {
                conversation_id: self.conversation_id,
                seen: crate::model::conversation::Seen { token, name, up_to },
            },
            _ => LiveEvent::Unread,
        }
    }

    /// A removal, deletion or edit, as the message is now: an edit since deleted
    /// replays as the deletion, and shows the latest text.
    fn change_event(self) -> LiveEvent {
        let conversation_id = self.conversation_id;
        let Some(message_id) = self.event_message_id else {
            return LiveEvent::Unread;
        };
        if self.removed == Some(true) {
            return LiveEvent::Removed {
                conversation_id,
                message_id,
            };
        }
        match (self.kind.as_str(), self.deleted, self.body, self.edited_at) {
            ("edited", Some(false), Some(body), Some(edited_at)) => LiveEvent::Edited {
                conversation_id,
                edit: MessageEdit {
                    message_id,
                    body,
                    edited_at,
                },
            },
            _ => LiveEvent::Deleted {
                conversation_id,
                message_id,
            },
        }
    }

    fn into_message(self) -> Option<SharedMessage> {
        let (author_id, handle, writer) = (self.author_id?, self.handle?, self.writer?);
        let author = match (self.as_group_id, self.group_slug, self.group_name) {
            (Some(gid), Some(slug), Some(name)) => PartyView {
                token: Party::Group(gid).token(),
                kind: PartyKind::Group,
                name,
                handle: slug,
                avatar: None,
            },
            _ => PartyView {
                token: Party::Member(author_id).token(),
                kind: PartyKind::Member,
                name: writer.clone(),
                handle,
                avatar: None,
            },
        };
        let reply_to = match (self.quote_id, self.quote_author) {
            (Some(id), Some(author)) => Some(super::quote(
                id,
                author,
                self.quote_body.as_deref().unwrap_or_default(),
                self.quote_gone.unwrap_or(true),
            )),
            _ => None,
        };
        Some(SharedMessage {
            writer_id: author_id,
            reply_to,
            edited_at: self.edited_at,
            deleted: self.deleted.unwrap_or(false),
            reactions: Vec::new(),
            attachments: Vec::new(),
            id: self.message_id?,
            kind: MessageKind::from_db(self.message_kind.as_deref().unwrap_or("text")),
            removed: self.removed.unwrap_or(false),
            author,
            writer,
            body: self.body?,
            created_at: self.created_at?,
        })
    }
}
