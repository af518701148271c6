//! Suspending a member and lifting it: from the review queue and from `/admin`.

use crate::error::AppError;
use sqlx::PgConnection;

/// Suspends the member, signs them out everywhere and ends their open streams on
/// every instance (when the transaction commits). `false` if they already were.
pub async fn suspend_member(conn: &mut PgConnection, member_id: i64) -> Result<bool, AppError> {
    let changed = sqlx::query!(
        "UPDATE members SET suspended_at = now()
         WHERE id = $1 AND suspended_at IS NULL AND deleted_at IS NULL",
        member_id
    )
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    // Signed out everywhere at once: every request checks its session.
    sqlx::query!("DELETE FROM sessions WHERE member_id = $1", member_id)
        .execute(&mut *conn)
        .await?;
    // And their open pages stop receiving anything, on every instance.
    crate::backend::live::revoke(conn, member_id, None).await?;
    Ok(changed)
}

/// Lets a suspended member sign in again; `false` if they were not suspended.
pub async fn lift_suspension(conn: &mut PgConnection, member_id: i64) -> Result<bool, AppError> {
    Ok(sqlx::query!(
        "UPDATE members SET suspended_at = NULL
         WHERE id = $1 AND suspended_at IS NOT NULL AND deleted_at IS NULL",
        member_id
    )
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}
