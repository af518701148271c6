//! Each member's notification settings and muted conversations.

use crate::backend::live::{self, Kind};
use crate::error::AppError;
use crate::model::notification::{EmailMode, GroupNotify, MutedConversation, NotificationSettings};
use sqlx::PgPool;

pub async fn settings(
    pool: &PgPool,
    member_id: i64,
    batch_seconds: i64,
) -> Result<NotificationSettings, AppError> {
    let row = sqlx::query!(
        r#"SELECT coalesce(ns.in_app, true) AS "in_app!", coalesce(ns.email, 'batched') AS "email!",
                  coalesce((SELECT email_batch_seconds FROM site_settings), $2) AS "batch_seconds!"
           FROM (SELECT $1::bigint AS member_id) me
           LEFT JOIN notification_settings ns ON ns.member_id = me.member_id"#,
        member_id,
        i32::try_from(batch_seconds).unwrap_or(i32::MAX)
    )
    .fetch_one(pool)
    .await?;
    let groups = sqlx::query!(
        "SELECT g.slug, g.name, gm.notify FROM group_memberships gm
         JOIN groups g ON g.id = gm.group_id
         WHERE gm.member_id = $1 AND gm.role = 'manager' ORDER BY g.name",
        member_id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|g| GroupNotify {
        slug: g.slug,
        name: g.name,
        notify: g.notify,
    })
    .collect();
    let muted = sqlx::query!(
        r#"SELECT cm.conversation_id AS id,
                  coalesce(string_agg(coalesce(m.display_name, g.name), ', '
                                      ORDER BY coalesce(m.display_name, g.name)), '') AS "title!"
           FROM conversation_mutes cm
           JOIN conversation_parties cp ON cp.conversation_id = cm.conversation_id
           LEFT JOIN members m ON m.id = cp.member_id AND m.id <> $1
           LEFT JOIN groups g ON g.id = cp.group_id
           WHERE cm.member_id = $1
             -- Only conversations the member can still see (not those of a group
             -- they no longer manage, nor a declined request).
             AND EXISTS (SELECT 1 FROM conversation_viewers v
                         WHERE v.conversation_id = cm.conversation_id AND v.member_id = $1)
           GROUP BY cm.conversation_id ORDER BY cm.conversation_id DESC"#,
        member_id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| MutedConversation {
        id: r.id,
        title: r.title,
    })
    .collect();
    Ok(NotificationSettings {
        in_app: row.in_app,
        email: EmailMode::parse(&row.email).unwrap_or(EmailMode::Batched),
        batch_minutes: (i64::from(row.batch_seconds) + 59) / 60,
        groups,
        muted,
        // The server function says whether the portal takes replies.
        replies_by_email: false,
    })
}

pub async fn save_settings(
    pool: &PgPool,
    member_id: i64,
    in_app: bool,
    email: EmailMode,
    groups_notify: &[String],
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "INSERT INTO notification_settings (member_id, in_app, email) VALUES ($1, $2, $3)
         ON CONFLICT (member_id) DO UPDATE SET in_app = EXCLUDED.in_app, email = EXCLUDED.email",
        member_id,
        in_app,
        email.as_str()
    )
    .execute(&mut *tx)
    .await?;
    // Only the groups the member manages are touched, whatever slugs were sent.
    sqlx::query!(
        "UPDATE group_memberships gm SET notify = (g.slug = ANY($2))
         FROM groups g
         WHERE g.id = gm.group_id AND gm.member_id = $1 AND gm.role = 'manager'",
        member_id,
        groups_notify
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_muted(
    pool: &PgPool,
    member_id: i64,
    conversation_id: i64,
    muted: bool,
) -> Result<(), AppError> {
    crate::backend::permissions::conversation_access(pool, member_id, conversation_id).await?;
    let mut tx = pool.begin().await?;
    let changed = if muted {
        sqlx::query!(
            "INSERT INTO conversation_mutes (member_id, conversation_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
            member_id,
            conversation_id
        )
        .execute(&mut *tx)
        .await?
    } else {
        sqlx::query!(
            "DELETE FROM conversation_mutes WHERE member_id = $1 AND conversation_id = $2",
            member_id,
            conversation_id
        )
        .execute(&mut *tx)
        .await?
    }
    .rows_affected();
    if changed > 0 {
        live::publish_own(&mut tx, member_id, Kind::Unread, conversation_id).await?;
    }
    tx.commit().await?;
    Ok(())
}
