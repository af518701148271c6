//! A member's privacy page: who may message them, whom they blocked, and the
//! moderators' warnings they have not yet acknowledged.

use crate::domain::conversation::Party;
use crate::domain::moderation::MessagePolicy;
use crate::error::AppError;
use crate::model::account::Viewer;
use crate::model::conversation::{PartyKind, PartyView};
use crate::model::moderation::{PrivacySettings, WarningView};
use sqlx::PgPool;

pub async fn privacy(pool: &PgPool, viewer: &Viewer) -> Result<PrivacySettings, AppError> {
    let member = sqlx::query!(
        "SELECT message_policy, share_read_state FROM members WHERE id = $1",
        viewer.id
    )
    .fetch_one(pool)
    .await?;
    let blocked = sqlx::query!(
        "SELECT m.id, m.handle, m.display_name FROM blocks b JOIN members m ON m.id = b.blocked_id
         WHERE b.blocker_id = $1 ORDER BY m.display_name",
        viewer.id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| PartyView {
        token: Party::Member(r.id).token(),
        kind: PartyKind::Member,
        name: r.display_name,
        handle: r.handle,
        avatar: None,
    })
    .collect();
    Ok(PrivacySettings {
        policy: MessagePolicy::parse(&member.message_policy).unwrap_or(MessagePolicy::Everyone),
        blocked,
        share_read_state: member.share_read_state,
    })
}

pub async fn save_policy(
    pool: &PgPool,
    viewer: &Viewer,
    policy: MessagePolicy,
) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE members SET message_policy = $2 WHERE id = $1",
        viewer.id,
        policy.as_str()
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Whether others see how far the member has read (and they see theirs).
pub async fn save_read_receipts(
    pool: &PgPool,
    viewer: &Viewer,
    share: bool,
) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE members SET share_read_state = $2 WHERE id = $1",
        viewer.id,
        share
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn warnings(pool: &PgPool, viewer: &Viewer) -> Result<Vec<WarningView>, AppError> {
    Ok(sqlx::query!(
        r#"SELECT w.id, w.created_at, coalesce(left(msg.body, 120), '') AS "excerpt!"
           FROM member_warnings w LEFT JOIN messages msg ON msg.id = w.message_id
           WHERE w.member_id = $1 AND w.acknowledged_at IS NULL ORDER BY w.id"#,
        viewer.id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| WarningView {
        id: r.id,
        at: r.created_at,
        excerpt: r.excerpt,
    })
    .collect())
}

pub async fn acknowledge(pool: &PgPool, viewer: &Viewer) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE member_warnings SET acknowledged_at = now()
         WHERE member_id = $1 AND acknowledged_at IS NULL",
        viewer.id
    )
    .execute(pool)
    .await?;
    Ok(())
}
