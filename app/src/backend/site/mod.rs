//! The site's settings that administrators change without a restart. One row in
//! PostgreSQL, read where it applies (the send limits and the email window are
//! read inside their own queries), so every instance follows a change at once.

mod invitations;

pub use invitations::{create_invitation, give_back_invitation, use_invitation, INVITATION_DAYS};

use crate::backend::state::Settings;
use crate::domain::admin::SiteSettingsInput;
use crate::error::AppError;
use crate::model::admin::SiteSettingsView;
use sqlx::{PgConnection, PgPool};

/// The settings in force: an administrator's value, else the configured one.
pub async fn current(pool: &PgPool, configured: &Settings) -> Result<SiteSettingsView, AppError> {
    let row = sqlx::query!(
        "SELECT registration, messages_per_minute, conversations_per_hour, email_batch_seconds
         FROM site_settings"
    )
    .fetch_optional(pool)
    .await?;
    let (registration, per_minute, per_hour, batch) = match row {
        Some(r) => (
            r.registration,
            r.messages_per_minute,
            r.conversations_per_hour,
            r.email_batch_seconds,
        ),
        None => (None, None, None, None),
    };
    let default_per_minute = configured.limits.messages_per_minute as i64;
    let default_per_hour = configured.limits.conversations_per_hour as i64;
    Ok(SiteSettingsView {
        registration_by_invitation: registration.as_deref() == Some("invitation"),
        messages_per_minute: per_minute.map_or(default_per_minute, i64::from),
        conversations_per_hour: per_hour.map_or(default_per_hour, i64::from),
        email_batch_seconds: batch.map_or(configured.email_batch_seconds, i64::from),
        default_messages_per_minute: default_per_minute,
        default_conversations_per_hour: default_per_hour,
        default_email_batch_seconds: configured.email_batch_seconds,
    })
}

/// Whether anyone may register, or only with an invitation.
pub async fn registration_by_invitation(pool: &PgPool) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT coalesce((SELECT registration = 'invitation' FROM site_settings), false) AS "yes!""#
    )
    .fetch_one(pool)
    .await?)
}

/// Stores the settings form; a description of what changed, for the audit log.
pub async fn save(conn: &mut PgConnection, input: &SiteSettingsInput) -> Result<String, AppError> {
    sqlx::query!("INSERT INTO site_settings (singleton) VALUES (true) ON CONFLICT DO NOTHING")
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "UPDATE site_settings SET registration = $1, messages_per_minute = $2,
                conversations_per_hour = $3, email_batch_seconds = $4, updated_at = now()",
        if input.registration_by_invitation {
            "invitation"
        } else {
            "open"
        },
        input.messages_per_minute,
        input.conversations_per_hour,
        input.email_batch_minutes * 60
    )
    .execute(&mut *conn)
    .await?;
    Ok(format!(
        "Registration {}; {} messages a minute, {} new conversations an hour; emails batched over {} min",
        if input.registration_by_invitation {
            "by invitation"
        } else {
            "open"
        },
        input.messages_per_minute,
        input.conversations_per_hour,
        input.email_batch_minutes
    ))
}
