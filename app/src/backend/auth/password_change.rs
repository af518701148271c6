//! Changing one's password: the current one checked as a sign-in is (counted by
//! the throttle first, verified behind the hashing limit), then every other
//! session ends, so whoever else held one is signed out everywhere.

use super::{attempt_succeeded, begin_attempt, end_other_sessions, Passwords, ThrottleKey};
use crate::domain::account::Password;
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::i18n::k;
use sqlx::PgPool;

/// The member's email, which keys the throttle as a sign-in's does.
pub async fn account_email(pool: &PgPool, member_id: i64) -> Result<String, AppError> {
    sqlx::query_scalar!("SELECT email FROM members WHERE id = $1", member_id)
        .fetch_optional(pool)
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// Checks that `current` is the member's password before a step that needs it
/// (a new password, a new email, deleting the account), counted by the sign-in
/// throttle so it cannot be used to guess. The form's field is `current_password`.
pub async fn confirm_password(
    pool: &PgPool,
    passwords: &Passwords,
    member_id: i64,
    keys: &[ThrottleKey],
    current: String,
) -> Result<(), AppError> {
    let stored = sqlx::query_scalar!("SELECT password_hash FROM members WHERE id = $1", member_id)
        .fetch_optional(pool)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    begin_attempt(pool, keys).await?;
    if !passwords.verify(Some(stored), current).await? {
        let mut errors = FieldErrors::new();
        errors.add("current_password", k::error_password_not_current);
        return Err(AppError::Invalid(errors));
    }
    attempt_succeeded(pool, keys).await
}

/// Sets `new` as the member's password if `current` is theirs; how many other
/// sessions ended.
pub async fn change_password(
    pool: &PgPool,
    passwords: &Passwords,
    member_id: i64,
    keys: &[ThrottleKey],
    current: String,
    new: &Password,
    current_token: Option<&str>,
) -> Result<usize, AppError> {
    confirm_password(pool, passwords, member_id, keys, current).await?;
    let hash = passwords.hash(new).await?;
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "UPDATE members SET password_hash = $2 WHERE id = $1",
        member_id,
        hash
    )
    .execute(&mut *tx)
    .await?;
    let ended = end_other_sessions(&mut tx, member_id, current_token).await?;
    tx.commit().await?;
    Ok(ended)
}
