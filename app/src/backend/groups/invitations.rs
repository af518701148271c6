//! Managers inviting members into their group.

use super::membership::add_member;
use super::{lock, role};
use crate::backend::permissions;
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::i18n::{k, Problem};
use sqlx::PgPool;

/// Invites members (managers only). Someone who asked to join is let in at once;
/// someone already in the group is left as they are; the others see the
/// invitation on the group's page and on their home page, and accept or decline
/// it. A member who blocked the manager cannot be invited by them, and is named
/// without saying why, as when starting a conversation.
pub async fn invite(
    pool: &PgPool,
    slug: &str,
    manager_id: i64,
    member_ids: &[i64],
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let group = lock(&mut tx, slug).await?;
    permissions::may_manage_group(role(&mut tx, group.id, manager_id).await?.as_deref())?;
    let invitees = sqlx::query!(
        r#"SELECT m.id, m.display_name,
                  EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = m.id AND b.blocked_id = $2) AS "blocked!",
                  (SELECT p.kind FROM group_pending p WHERE p.group_id = $3 AND p.member_id = m.id) AS pending
           FROM members m
           WHERE m.id = ANY($1) AND m.suspended_at IS NULL AND m.deleted_at IS NULL"#,
        member_ids,
        manager_id,
        group.id
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut errors = FieldErrors::new();
    if invitees.len() != member_ids.len() {
        errors.add("to", k::error_invitee_unavailable);
    } else if let Some(blocked) = invitees.iter().find(|i| i.blocked) {
        errors.add(
            "to",
            Problem::new(k::error_cannot_invite).with("name", blocked.display_name.as_str()),
        );
    }
    errors.into_result()?;
    for invitee in &invitees {
        if invitee.pending.as_deref() == Some("request") {
            add_member(&mut tx, group.id, invitee.id).await?;
        } else {
            sqlx::query!(
                "INSERT INTO group_pending (group_id, member_id, kind, invited_by)
                 SELECT $1, $2, 'invitation', $3
                 WHERE NOT EXISTS (SELECT 1 FROM group_memberships WHERE group_id = $1 AND member_id = $2)
                 ON CONFLICT DO NOTHING",
                group.id,
                invitee.id,
                manager_id
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
