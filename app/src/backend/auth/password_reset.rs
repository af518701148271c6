//! A forgotten password: a link by email (a random token, only its SHA-256 kept,
//! one use, an hour), then a new password that ends every session.

use super::session::token_hash;
use super::Passwords;
use crate::backend::notifications::queue_password_reset;
use crate::domain::account::Password;
use crate::error::AppError;
use crate::i18n::k;
use sqlx::PgPool;

/// How long a reset link works.
pub const RESET_MINUTES: i32 = 60;
/// Links one account gets in an hour: more would let anyone flood a mailbox.
pub const RESETS_PER_HOUR: i64 = 3;

/// Queues a reset link for the active, confirmed account with this (normalized)
/// email, unless it had `RESETS_PER_HOUR` links in the last hour. Says nothing
/// either way: the caller answers the same whatever happened here.
pub async fn request_reset(pool: &PgPool, public_url: &str, email: &str) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    // The row lock counts one request at a time per account.
    let Some(member) = sqlx::query!(
        "SELECT id, display_name, email FROM members
         WHERE email = $1 AND suspended_at IS NULL AND deleted_at IS NULL
           AND email_verified_at IS NOT NULL
         FOR UPDATE",
        email
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(());
    };
    let recent = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM password_resets
           WHERE member_id = $1 AND created_at > now() - interval '1 hour'"#,
        member.id
    )
    .fetch_one(&mut *tx)
    .await?;
    if recent >= RESETS_PER_HOUR {
        return Ok(());
    }
    let token = super::random_token();
    sqlx::query!(
        "INSERT INTO password_resets (token_hash, member_id, expires_at)
         VALUES ($1, $2, now() + make_interval(mins => $3))",
        token_hash(&token),
        member.id,
        RESET_MINUTES
    )
    .execute(&mut *tx)
    .await?;
    queue_password_reset(
        &mut tx,
        public_url,
        &member.email,
        &member.display_name,
        &token,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The account a reset link is for, while it works: (id, handle, email).
pub async fn reset_account(pool: &PgPool, token: &str) -> Result<(i64, String, String), AppError> {
    let refused = || AppError::Refused(k::error_reset_link_used.into());
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(refused());
    }
    let row = sqlx::query!(
        "SELECT m.id, m.handle, m.email FROM password_resets r JOIN members m ON m.id = r.member_id
         WHERE r.token_hash = $1 AND r.expires_at > now()
           AND m.suspended_at IS NULL AND m.deleted_at IS NULL",
        token_hash(token)
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(refused)?;
    Ok((row.id, row.handle, row.email))
}

/// Sets the new password with the link's token, once: the token is taken in the
/// same transaction that writes the password, so two uses cannot both succeed.
/// Every session of the account ends, and every other link of it.
pub async fn reset_password(
    pool: &PgPool,
    passwords: &Passwords,
    token: &str,
    member_id: i64,
    new: &Password,
) -> Result<(), AppError> {
    let hash = passwords.hash(new).await?;
    let mut tx = pool.begin().await?;
    let taken = sqlx::query_scalar!(
        "DELETE FROM password_resets WHERE token_hash = $1 AND member_id = $2 AND expires_at > now()
         RETURNING member_id",
        token_hash(token),
        member_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if taken.is_none() {
        return Err(AppError::Refused(k::error_reset_link_used.into()));
    }
    sqlx::query!(
        "UPDATE members SET password_hash = $2 WHERE id = $1",
        member_id,
        hash
    )
    .execute(&mut *tx)
    .await?;
    // Every session, with its live streams on every instance.
    super::end_other_sessions(&mut tx, member_id, None).await?;
    sqlx::query!(
        "DELETE FROM password_resets WHERE member_id = $1",
        member_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
