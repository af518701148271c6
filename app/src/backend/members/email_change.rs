//! Changing one's email: the new address confirms with a link (one use, 24
//! hours, only its SHA-256 stored) and the old one is told twice, when the change
//! is asked for and when it is made, so a stolen session cannot quietly move the
//! account away.

use crate::domain::account::Email;
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::i18n::k;
use sqlx::PgPool;

pub const EMAIL_CHANGE_HOURS: i32 = 24;

/// At most this many links an hour, so nobody floods someone else's mailbox.
pub const EMAIL_CHANGES_PER_HOUR: i64 = 3;

/// Sends the confirmation link to `new` and a notice to the current address.
pub async fn request_email_change(
    pool: &PgPool,
    public_url: &str,
    member_id: i64,
    new: &Email,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let me = sqlx::query!(
        r#"SELECT display_name, email,
                  (SELECT count(*) FROM email_changes c
                   WHERE c.member_id = m.id AND c.created_at > now() - interval '1 hour') AS "recent!"
           FROM members m WHERE id = $1 AND deleted_at IS NULL FOR UPDATE"#,
        member_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::Unauthenticated)?;
    if me.email == new.as_str() {
        let mut errors = FieldErrors::new();
        errors.add("new_email", k::error_email_unchanged);
        return Err(errors.into());
    }
    if me.recent >= EMAIL_CHANGES_PER_HOUR {
        return Err(AppError::TooFast(3600));
    }
    let token = crate::backend::auth::random_token();
    sqlx::query!(
        "INSERT INTO email_changes (token_hash, member_id, new_email, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(hours => $4))",
        crate::backend::auth::token_hash(&token),
        member_id,
        new.as_str(),
        EMAIL_CHANGE_HOURS
    )
    .execute(&mut *tx)
    .await?;
    crate::backend::notifications::queue_email_change_link(
        &mut tx,
        public_url,
        (new.as_str(), &me.email),
        &me.display_name,
        &token,
    )
    .await?;
    crate::backend::notifications::queue_email_change_asked(
        &mut tx,
        &me.email,
        &me.display_name,
        new.as_str(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Makes the address of the link the account's; the old address is told. The
/// one who opens the link holds the new mailbox, so saying that it cannot be used
/// (another account has it, or a suspended one) tells them nothing new.
pub async fn confirm_email_change(pool: &PgPool, token: &str) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let change = sqlx::query!(
        "DELETE FROM email_changes WHERE token_hash = $1 AND expires_at > now()
         RETURNING member_id, new_email",
        crate::backend::auth::token_hash(token)
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::Refused(k::error_email_link_used.into()))?;
    let me = sqlx::query!(
        "SELECT display_name, email FROM members
         WHERE id = $1 AND deleted_at IS NULL AND suspended_at IS NULL FOR UPDATE",
        change.member_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::Refused(k::error_account_unchangeable.into()))?;
    let taken = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM members
                          WHERE (email = $1 OR (mailbox = mailbox_of($1) AND suspended_at IS NOT NULL))
                            AND id <> $2) AS "taken!""#,
        change.new_email,
        change.member_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let cannot = || AppError::Refused(k::error_email_unusable.into());
    if taken {
        return Err(cannot());
    }
    let updated = sqlx::query!(
        "UPDATE members SET email = $2, email_verified_at = now() WHERE id = $1",
        change.member_id,
        change.new_email
    )
    .execute(&mut *tx)
    .await;
    match updated {
        Ok(_) => {}
        // Another account took it at the same moment.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(cannot()),
        Err(other) => return Err(other.into()),
    }
    sqlx::query!(
        "DELETE FROM email_changes WHERE member_id = $1",
        change.member_id
    )
    .execute(&mut *tx)
    .await?;
    crate::backend::notifications::queue_email_changed(
        &mut tx,
        &me.email,
        &me.display_name,
        &change.new_email,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn account_view(
    pool: &PgPool,
    member_id: i64,
) -> Result<crate::model::account::AccountView, AppError> {
    let row = sqlx::query!(
        r#"SELECT email, (SELECT new_email FROM email_changes c
                          WHERE c.member_id = m.id AND c.expires_at > now()
                          ORDER BY c.created_at DESC LIMIT 1) AS pending
           FROM members m WHERE id = $1"#,
        member_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::Unauthenticated)?;
    Ok(crate::model::account::AccountView {
        email: row.email,
        pending_email: row.pending,
    })
}
