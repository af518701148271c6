//! Live events (server only): written in the same transaction as the change they
//! announce, numbered per member, and announced to every server instance with
//! PostgreSQL's NOTIFY, which is delivered on commit. The instances' live
//! endpoints (server/src/live.rs) pass them on to the members' open pages.

use crate::domain::conversation::Party;
use crate::error::AppError;
use crate::model::conversation::{MessageKind, MessageView, PartyKind, PartyView};
use crate::model::live::{notice_text, LiveEvent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};

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
    pub body: String,
    pub created_at: DateTime<Utc>,
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
    /// The message a `Removed` event is about.
    #[serde(default)]
    pub message_id: Option<i64>,
    /// With `Revoke`: only the streams of this session (`auth::session_key`); without,
    /// all of the members' streams.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    pub to: Vec<Target>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Message,
    Read,
    Unread,
    Removed,
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
            Kind::Revoke => "revoke",
        }
    }
}

impl Published {
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
        message: MessageView {
            id: message.id,
            kind: message.kind,
            author: message.author.clone(),
            written_by: (message.author.kind == PartyKind::Group && has(flags::WRITER))
                .then(|| message.writer.clone()),
            body: message.body.clone(),
            created_at: message.created_at,
            mine: has(flags::MINE),
            removed: message.removed,
            collapsed: has(flags::BLOCKED),
        },
        notice,
        muted: target.flags & flags::QUIET != 0,
    }
}

/// Announces `published` to every instance when the transaction commits.
pub async fn notify(conn: &mut PgConnection, mut published: Published) -> Result<(), AppError> {
    let mut payload = serde_json::to_string(&published).map_err(|_| AppError::Internal)?;
    if payload.len() > MAX_PAYLOAD {
        published.message = None;
        payload = serde_json::to_string(&published).map_err(|_| AppError::Internal)?;
    }
    if payload.len() > MAX_PAYLOAD {
        // So many recipients that even the ids do not fit: announce them in parts.
        for part in published.to.chunks(100) {
            let part = Published {
                to: part.to_vec(),
                message: None,
                ..published.clone()
            };
            let payload = serde_json::to_string(&part).map_err(|_| AppError::Internal)?;
            send_notify(conn, &payload).await?;
        }
        return Ok(());
    }
    send_notify(conn, &payload).await
}

async fn send_notify(conn: &mut PgConnection, payload: &str) -> Result<(), AppError> {
    sqlx::query!("SELECT pg_notify($1, $2)", CHANNEL, payload)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a `read` or `unread` event for one member (their other tabs follow).
pub async fn publish_own(
    conn: &mut PgConnection,
    member_id: i64,
    kind: Kind,
    conversation_id: i64,
) -> Result<(), AppError> {
    let seq = sqlx::query_scalar!(
        r#"WITH bumped AS (
             INSERT INTO live_streams AS s (member_id, seq) VALUES ($1, 1)
             ON CONFLICT (member_id) DO UPDATE SET seq = s.seq + 1
             RETURNING s.seq)
           INSERT INTO live_events (member_id, seq, kind, conversation_id)
           SELECT $1, seq, $2, $3 FROM bumped RETURNING seq"#,
        member_id,
        kind.as_str(),
        conversation_id
    )
    .fetch_one(&mut *conn)
    .await?;
    notify(
        conn,
        Published {
            kind,
            conversation_id,
            message: None,
            message_id: None,
            session: None,
            to: vec![Target {
                member: member_id,
                seq,
                flags: 0,
                via_group: None,
            }],
        },
    )
    .await
}

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
    let rows = sqlx::query!(
        r#"SELECT e.seq, e.kind, e.conversation_id, e.flags, vg.name AS "via_group?",
                  e.message_id AS event_message_id, msg.kind AS "message_kind?",
                  -- Access is checked again: a member who left or lost a group since
                  -- gets no content of that conversation from a replay.
                  EXISTS (SELECT 1 FROM conversation_parties cp
                          WHERE cp.conversation_id = e.conversation_id
                            AND ((cp.member_id = $1 AND cp.state <> 'declined')
                                 OR cp.group_id IN (SELECT group_id FROM group_memberships
                                                    WHERE member_id = $1 AND role = 'manager')))
                      AS "visible!",
                  msg.id AS "message_id?", CASE WHEN msg.removed_at IS NULL THEN msg.body ELSE '' END AS "body?",
                  msg.removed_at IS NOT NULL AS "removed?", msg.created_at AS "created_at?",
                  msg.author_id AS "author_id?", msg.as_group_id,
                  am.handle AS "handle?", am.display_name AS "writer?",
                  ag.slug AS "group_slug?", ag.name AS "group_name?"
           FROM live_events e
           LEFT JOIN groups vg ON vg.id = e.via_group_id
           LEFT JOIN messages msg ON msg.id = e.message_id
           LEFT JOIN members am ON am.id = msg.author_id
           LEFT JOIN groups ag ON ag.id = msg.as_group_id
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
    let mut events = Vec::with_capacity(rows.len());
    for r in rows {
        let event = match r.kind.as_str() {
            "read" => LiveEvent::Read {
                conversation_id: r.conversation_id,
            },
            "unread" => LiveEvent::Unread,
            // Out of reach now: the client only re-reads its unread state.
            _ if !r.visible => LiveEvent::Unread,
            "removed" => match r.event_message_id {
                Some(message_id) => LiveEvent::Removed {
                    conversation_id: r.conversation_id,
                    message_id,
                },
                None => LiveEvent::Unread,
            },
            _ => {
                let (
                    Some(id),
                    Some(body),
                    Some(created_at),
                    Some(author_id),
                    Some(handle),
                    Some(writer),
                ) = (
                    r.message_id,
                    r.body,
                    r.created_at,
                    r.author_id,
                    r.handle,
                    r.writer,
                )
                else {
                    // The message is gone (its conversation was deleted): the client
                    // only needs to re-read its unread state.
                    events.push((r.seq, LiveEvent::Unread));
                    continue;
                };
                let author = match (r.as_group_id, r.group_slug, r.group_name) {
                    (Some(gid), Some(slug), Some(name)) => PartyView {
                        token: Party::Group(gid).token(),
                        kind: PartyKind::Group,
                        name,
                        handle: slug,
                    },
                    _ => PartyView {
                        token: Party::Member(author_id).token(),
                        kind: PartyKind::Member,
                        name: writer.clone(),
                        handle,
                    },
                };
                let shared = SharedMessage {
                    id,
                    kind: MessageKind::from_db(r.message_kind.as_deref().unwrap_or("text")),
                    removed: r.removed.unwrap_or(false),
                    author,
                    writer,
                    body,
                    created_at,
                };
                let target = Target {
                    member: member_id,
                    seq: r.seq,
                    flags: r.flags,
                    via_group: r.via_group,
                };
                message_event(r.conversation_id, &shared, &target)
            }
        };
        events.push((r.seq, event));
    }
    Ok(Some(events))
}

/// Tells everyone who can see a conversation that a message in it was removed, so
/// open threads replace it at once.
pub async fn publish_removed(
    conn: &mut PgConnection,
    conversation_id: i64,
    message_id: i64,
) -> Result<(), AppError> {
    let to = sqlx::query!(
        r#"WITH recipients AS (
             SELECT member_id FROM conversation_parties
             WHERE conversation_id = $1 AND member_id IS NOT NULL AND state <> 'declined'
             UNION
             SELECT gm.member_id FROM conversation_parties cp
             JOIN group_memberships gm ON gm.group_id = cp.group_id AND gm.role = 'manager'
             WHERE cp.conversation_id = $1
           ), bumped AS (
             INSERT INTO live_streams AS s (member_id, seq)
             SELECT member_id, 1 FROM recipients ORDER BY member_id
             ON CONFLICT (member_id) DO UPDATE SET seq = s.seq + 1
             RETURNING s.member_id, s.seq
           )
           INSERT INTO live_events (member_id, seq, kind, conversation_id, message_id)
           SELECT member_id, seq, 'removed', $1, $2 FROM bumped
           RETURNING member_id, seq"#,
        conversation_id,
        message_id
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| Target {
        member: r.member_id,
        seq: r.seq,
        flags: 0,
        via_group: None,
    })
    .collect();
    notify(
        conn,
        Published {
            kind: Kind::Removed,
            conversation_id,
            message: None,
            message_id: Some(message_id),
            session: None,
            to,
        },
    )
    .await
}

/// Ends a member's open live streams on every instance, when the transaction
/// commits: those of one session (sign-out) or all of them (suspension).
pub async fn revoke(
    conn: &mut PgConnection,
    member_id: i64,
    session: Option<String>,
) -> Result<(), AppError> {
    notify(
        conn,
        Published {
            kind: Kind::Revoke,
            conversation_id: 0,
            message: None,
            message_id: None,
            session,
            to: vec![Target {
                member: member_id,
                seq: 0,
                flags: 0,
                via_group: None,
            }],
        },
    )
    .await
}
