//! Invitations to register while registration is by invitation: a link with a
//! random token, one use, 14 days; only the token's SHA-256 is stored.

use crate::backend::auth::token_hash as hash;
use crate::error::AppError;
use sqlx::PgConnection;

pub use crate::model::admin::INVITATION_DAYS;

/// A new invitation; its token, to put in the link (shown once).
pub async fn create_invitation(
    conn: &mut PgConnection,
    admin_id: i64,
    note: &str,
) -> Result<String, AppError> {
    let token = crate::backend::auth::random_token();
    sqlx::query!(
        "INSERT INTO site_invitations (token_hash, created_by, note, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(days => $4))",
        hash(&token),
        admin_id,
        note,
        INVITATION_DAYS as i32
    )
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// Takes the invitation, atomically: of two registrations with one link, one wins.
pub async fn use_invitation(conn: &mut PgConnection, token: &str) -> Result<bool, AppError> {
    Ok(sqlx::query!(
        "UPDATE site_invitations SET used_at = now()
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()",
        hash(token)
    )
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Makes a taken invitation usable again (the registration it was taken for failed).
pub async fn give_back_invitation(conn: &mut PgConnection, token: &str) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE site_invitations SET used_at = NULL WHERE token_hash = $1",
        hash(token)
    )
    .execute(conn)
    .await?;
    Ok(())
}
