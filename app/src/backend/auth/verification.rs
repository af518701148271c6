//! Email verification: a random token in a link, only its SHA-256 stored, single
//! use, valid for a day. Following the link (and confirming on the page it opens,
//! so a mail scanner that fetches links verifies nothing) proves the address.

use super::session::token_hash;
use crate::error::AppError;
use crate::i18n::k;
use sqlx::PgConnection;
use sqlx::PgPool;

/// How long a verification link works.
pub const VERIFICATION_HOURS: i32 = 24;

/// A new link token for `member_id` (the cookie-strength random value, hex).
pub async fn new_verification(conn: &mut PgConnection, member_id: i64) -> Result<String, AppError> {
    let token = super::random_token();
    sqlx::query!(
        "INSERT INTO email_verifications (token_hash, member_id, expires_at)
         VALUES ($1, $2, now() + make_interval(hours => $3))",
        token_hash(&token),
        member_id,
        VERIFICATION_HOURS
    )
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// Uses a link token: the member it verifies (and their handle), or `Refused`
/// when it is unknown, used or expired. Every other link of theirs ends too.
pub async fn verify_email(pool: &PgPool, token: &str) -> Result<(i64, String), AppError> {
    let refused = || AppError::Refused(k::error_verification_link_used.into());
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(refused());
    }
    let mut tx = pool.begin().await?;
    let member = sqlx::query_scalar!(
        "DELETE FROM email_verifications WHERE token_hash = $1 AND expires_at > now()
         RETURNING member_id",
        token_hash(token)
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(refused)?;
    let handle = sqlx::query_scalar!(
        "UPDATE members SET email_verified_at = COALESCE(email_verified_at, now())
         WHERE id = $1 AND suspended_at IS NULL AND deleted_at IS NULL
         RETURNING handle",
        member
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(refused)?;
    sqlx::query!(
        "DELETE FROM email_verifications WHERE member_id = $1",
        member
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((member, handle))
}
