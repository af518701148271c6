//! A member deletes their account. The row stays, emptied, so that the messages
//! they wrote keep their place in the others' conversations under "Deleted member"
//! (as Decidim keeps them under "Deleted participant"): their name, handle, email,
//! password, bio, sessions, settings, blocks and memberships go; one-to-one
//! conversations with them become read-only (see `permissions::write_refusal`).

use crate::error::AppError;
use crate::i18n::{k, Problem};
use crate::model::member::{deleted_handle, DELETED_MEMBER_NAME};
use sqlx::{PgConnection, PgPool};

/// Deletes the account in one transaction. Refused while the member is the only
/// manager of a group that has other members (someone must answer for it); a
/// group they are alone in is closed with them.
pub async fn delete_account(pool: &PgPool, member_id: i64) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    // The member's groups, locked, so that no manager leaves meanwhile.
    let groups = sqlx::query!(
        r#"SELECT g.id, g.name,
                  (SELECT count(*) FROM group_memberships o
                   WHERE o.group_id = g.id AND o.member_id <> $1 AND o.role = 'manager') AS "other_managers!",
                  (SELECT count(*) FROM group_memberships o
                   WHERE o.group_id = g.id AND o.member_id <> $1) AS "others!"
           FROM groups g JOIN group_memberships gm ON gm.group_id = g.id
           WHERE gm.member_id = $1 AND gm.role = 'manager' AND g.closed_at IS NULL
           ORDER BY g.name
           FOR UPDATE OF g"#,
        member_id
    )
    .fetch_all(&mut *tx)
    .await?;
    let orphaned: Vec<String> = groups
        .iter()
        .filter(|g| g.other_managers == 0 && g.others > 0)
        .map(|g| g.name.clone())
        .collect();
    if !orphaned.is_empty() {
        return Err(AppError::Refused(
            Problem::new(k::error_only_manager_of).with("groups", orphaned.join(", ")),
        ));
    }
    let alone: Vec<i64> = groups
        .iter()
        .filter(|g| g.others == 0)
        .map(|g| g.id)
        .collect();
    sqlx::query!(
        "UPDATE groups SET closed_at = now() WHERE id = ANY($1)",
        &alone
    )
    .execute(&mut *tx)
    .await?;
    let former = sqlx::query!(
        "SELECT display_name, handle, email FROM members
         WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
        member_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::Unauthenticated)?;
    // Reports about their messages keep who wrote them.
    sqlx::query!(
        "UPDATE reports r SET author_name = $2, author_handle = $3
         FROM messages m WHERE m.id = r.message_id AND m.author_id = $1 AND r.author_name IS NULL",
        member_id,
        former.display_name,
        former.handle
    )
    .execute(&mut *tx)
    .await?;
    empty_the_account(&mut tx, member_id).await?;
    crate::backend::notifications::queue_account_deleted(
        &mut tx,
        &former.email,
        &former.display_name,
    )
    .await?;
    // Their open pages stop at once, on every instance.
    crate::backend::live::revoke(&mut tx, member_id, None).await?;
    tx.commit().await?;
    Ok(())
}

/// Everything personal goes; the row keeps only its id (which messages point at)
/// and the time of deletion.
async fn empty_the_account(conn: &mut PgConnection, member_id: i64) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE members SET deleted_at = now(), display_name = $2, handle = $3,
                email = $3 || '@deleted.invalid', password_hash = '', bio = '',
                time_zone = NULL, time_zone_chosen = false, language = NULL,
                language_chosen = false
         WHERE id = $1",
        member_id,
        DELETED_MEMBER_NAME,
        deleted_handle(member_id)
    )
    .execute(&mut *conn)
    .await?;
    // Their conversations drop out of their list as a declined one does: nothing
    // reaches them any more, and the others cannot tell anything changed.
    sqlx::query!(
        "UPDATE conversation_parties SET state = 'declined' WHERE member_id = $1",
        member_id
    )
    .execute(&mut *conn)
    .await?;
    // The ON DELETE CASCADE tables that hang off the member row are emptied here,
    // because the row itself stays: one statement, one round trip.
    sqlx::query!(
        r#"WITH sessions AS (DELETE FROM sessions WHERE member_id = $1),
                devices AS (DELETE FROM known_devices WHERE member_id = $1),
                verifications AS (DELETE FROM email_verifications WHERE member_id = $1),
                resets AS (DELETE FROM password_resets WHERE member_id = $1),
                handles AS (DELETE FROM former_handles WHERE member_id = $1),
                memberships AS (DELETE FROM group_memberships WHERE member_id = $1),
                pending AS (DELETE FROM group_pending WHERE member_id = $1),
                blocks AS (DELETE FROM blocks WHERE blocker_id = $1 OR blocked_id = $1),
                settings AS (DELETE FROM notification_settings WHERE member_id = $1),
                mutes AS (DELETE FROM conversation_mutes WHERE member_id = $1),
                reads AS (DELETE FROM conversation_reads WHERE member_id = $1),
                outbox AS (DELETE FROM email_outbox WHERE member_id = $1),
                pushes AS (DELETE FROM push_subscriptions WHERE member_id = $1),
                replies AS (DELETE FROM email_replies WHERE member_id = $1),
                warnings AS (DELETE FROM member_warnings WHERE member_id = $1)
           SELECT 1 AS "done!""#,
        member_id
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(())
}
