//! "Download my data": everything the portal holds about a member that they may
//! see, as one JSON document (the server packs it into a ZIP). Messages are those
//! of the conversations they can open now, as they would see them there: a removed
//! message has no text, a group's message names the group.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

#[derive(Debug, Serialize)]
pub struct MemberData {
    pub exported_at: DateTime<Utc>,
    pub profile: Profile,
    pub settings: Settings,
    pub groups: Vec<Membership>,
    pub blocked_members: Vec<String>,
    pub sessions: Vec<Session>,
    /// The browsers that get their pushes.
    pub push_browsers: Vec<PushBrowser>,
    pub conversations: Vec<Conversation>,
    pub reports_filed: Vec<Report>,
}

#[derive(Debug, Serialize)]
pub struct Profile {
    pub handle: String,
    pub display_name: String,
    pub email: String,
    pub bio: String,
    pub role: String,
    pub joined_at: DateTime<Utc>,
    pub former_handles: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Settings {
    pub in_app_notifications: bool,
    pub email_notifications: String,
    pub who_may_message: String,
    pub muted_conversations: Vec<i64>,
}

#[derive(Debug, Serialize)]
pub struct Membership {
    pub group: String,
    pub name: String,
    /// "manager", "member", or a pending "request" / "invitation".
    pub role: String,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct Session {
    pub device: String,
    pub started_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct PushBrowser {
    pub device: String,
    pub added_at: DateTime<Utc>,
    pub last_push_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
pub struct Conversation {
    pub id: i64,
    pub started_at: DateTime<Utc>,
    /// Set when the member sees it as a manager of this group.
    pub as_manager_of: Option<String>,
    pub participants: Vec<String>,
    pub messages: Vec<Message>,
}

#[derive(Debug, Serialize)]
pub struct Message {
    pub id: i64,
    pub sent_at: DateTime<Utc>,
    pub author: String,
    pub kind: String,
    pub text: Option<String>,
    pub removed_by_moderator: bool,
    /// When its author last edited it.
    pub edited_at: Option<DateTime<Utc>>,
    /// Deleted by its author: the text is gone.
    pub deleted_by_author: bool,
    /// The message it answers.
    pub reply_to: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub message_id: i64,
    pub reason: String,
    pub note: String,
    pub filed_at: DateTime<Utc>,
    pub outcome: Option<String>,
}

pub async fn export_data(pool: &PgPool, member_id: i64) -> Result<MemberData, AppError> {
    // One snapshot, so the parts agree with each other.
    let mut tx = pool.begin().await?;
    sqlx::query!("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *tx)
        .await?;
    let p = sqlx::query!(
        r#"SELECT m.handle, m.display_name, m.email, m.bio, m.role, m.created_at, m.message_policy,
                  coalesce(s.in_app, true) AS "in_app!", coalesce(s.email, 'batched') AS "email_mode!",
                  ARRAY(SELECT handle FROM former_handles f WHERE f.member_id = m.id ORDER BY f.handle) AS "former!",
                  ARRAY(SELECT conversation_id FROM conversation_mutes c WHERE c.member_id = m.id
                        ORDER BY conversation_id) AS "muted!",
                  ARRAY(SELECT b.handle FROM blocks JOIN members b ON b.id = blocks.blocked_id
                        WHERE blocks.blocker_id = m.id ORDER BY b.handle) AS "blocked!"
           FROM members m LEFT JOIN notification_settings s ON s.member_id = m.id
           WHERE m.id = $1 AND m.deleted_at IS NULL"#,
        member_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::Unauthenticated)?;
    let groups = sqlx::query!(
        r#"SELECT g.slug AS "slug!", g.name AS "name!", x.role AS "role!", x.since AS "since!" FROM (
             SELECT group_id, role, joined_at AS since FROM group_memberships WHERE member_id = $1
             UNION ALL
             SELECT group_id, kind, created_at FROM group_pending WHERE member_id = $1) x
           JOIN groups g ON g.id = x.group_id ORDER BY g.slug"#,
        member_id
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| Membership {
        group: r.slug,
        name: r.name,
        role: r.role,
        since: r.since,
    })
    .collect();
    let sessions = sqlx::query!(
        "SELECT user_agent, created_at, last_used_at FROM sessions
         WHERE member_id = $1 AND expires_at > now() ORDER BY created_at",
        member_id
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| Session {
        device: crate::backend::auth::describe_device(&r.user_agent),
        started_at: r.created_at,
        last_used_at: r.last_used_at,
    })
    .collect();
    let push_browsers = sqlx::query_as!(
        PushBrowser,
        r#"SELECT device, created_at AS "added_at", last_push_at FROM push_subscriptions
           WHERE member_id = $1 ORDER BY created_at"#,
        member_id
    )
    .fetch_all(&mut *tx)
    .await?;
    let conversations = conversations(&mut tx, member_id).await?;
    let reports_filed = sqlx::query!(
        "SELECT message_id, reason, note, created_at, outcome FROM reports
         WHERE reporter_id = $1 ORDER BY created_at",
        member_id
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| Report {
        message_id: r.message_id,
        reason: r.reason,
        note: r.note,
        filed_at: r.created_at,
        outcome: r.outcome,
    })
    .collect();
    tx.commit().await?;
    Ok(MemberData {
        exported_at: Utc::now(),
        profile: Profile {
            handle: p.handle,
            display_name: p.display_name,
            email: p.email,
            bio: p.bio,
            role: p.role,
            joined_at: p.created_at,
            former_handles: p.former,
        },
        settings: Settings {
            in_app_notifications: p.in_app,
            email_notifications: p.email_mode,
            who_may_message: p.message_policy,
            muted_conversations: p.muted,
        },
        groups,
        blocked_members: p.blocked,
        sessions,
        push_browsers,
        conversations,
        reports_filed,
    })
}

/// The conversations the member can open now, each with its messages as the
/// member sees them.
async fn conversations(
    conn: &mut sqlx::PgConnection,
    member_id: i64,
) -> Result<Vec<Conversation>, AppError> {
    let mut list: Vec<Conversation> = sqlx::query!(
        r#"SELECT DISTINCT ON (c.id) c.id, c.created_at, g.name AS "group_name?",
                  ARRAY(SELECT coalesce(m.display_name, pg.name) FROM conversation_parties cp
                        LEFT JOIN members m ON m.id = cp.member_id
                        LEFT JOIN groups pg ON pg.id = cp.group_id
                        WHERE cp.conversation_id = c.id
                        ORDER BY 1) AS "participants!"
           FROM conversation_viewers v
           JOIN conversations c ON c.id = v.conversation_id
           LEFT JOIN groups g ON g.id = v.via_group_id
           WHERE v.member_id = $1
           ORDER BY c.id, v.via_group_id NULLS FIRST"#,
        member_id
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| Conversation {
        id: r.id,
        started_at: r.created_at,
        as_manager_of: r.group_name,
        participants: r.participants,
        messages: Vec::new(),
    })
    .collect();
    let ids: Vec<i64> = list.iter().map(|c| c.id).collect();
    let messages = sqlx::query!(
        r#"SELECT msg.id, msg.conversation_id, msg.created_at, msg.kind,
                  coalesce(g.name, m.display_name) AS "author!",
                  CASE WHEN msg.removed_at IS NULL AND msg.deleted_at IS NULL THEN msg.body END AS text,
                  msg.removed_at IS NOT NULL AS "removed!",
                  msg.edited_at, msg.deleted_at IS NOT NULL AS "deleted!", msg.reply_to_id
           FROM messages msg
           JOIN members m ON m.id = msg.author_id
           LEFT JOIN groups g ON g.id = msg.as_group_id
           WHERE msg.conversation_id = ANY($1)
           ORDER BY msg.conversation_id, msg.id"#,
        &ids
    )
    .fetch_all(&mut *conn)
    .await?;
    let index: std::collections::HashMap<i64, usize> =
        list.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    for r in messages {
        let Some(conversation) = index.get(&r.conversation_id).and_then(|&i| list.get_mut(i))
        else {
            continue;
        };
        conversation.messages.push(Message {
            id: r.id,
            sent_at: r.created_at,
            author: r.author,
            kind: r.kind,
            text: r.text,
            removed_by_moderator: r.removed,
            edited_at: r.edited_at,
            deleted_by_author: r.deleted,
            reply_to: r.reply_to_id,
        });
    }
    Ok(list)
}
