//! Background housekeeping: removes expired sessions, links and events, forgotten
//! sign-in failures, and pictures nobody uses any more.
//!
//! Every instance runs it; the deletes are idempotent, so running it on several
//! instances at once only repeats harmless work.

use sqlx::PgPool;
use std::time::Duration;

pub const INTERVAL: Duration = Duration::from_secs(15 * 60);

pub async fn run(pool: PgPool) {
    let mut tick = tokio::time::interval(INTERVAL);
    loop {
        tick.tick().await;
        if let Err(error) = sweep(&pool).await {
            tracing::warn!(%error, "housekeeping failed; will retry");
        }
    }
}

pub async fn sweep(pool: &PgPool) -> Result<(), sqlx::Error> {
    let sessions = sqlx::query!("DELETE FROM sessions WHERE expires_at < now()")
        .execute(pool)
        .await?
        .rows_affected();
    let throttles = sqlx::query!(
        "DELETE FROM sign_in_throttle
         WHERE blocked_until < now() AND last_failure_at < now() - interval '1 day'"
    )
    .execute(pool)
    .await?
    .rows_affected();
    let devices = sqlx::query!(
        "DELETE FROM known_devices WHERE last_used_at < now() - make_interval(days => $1::int)",
        app::backend::auth::DEVICE_DAYS as i32
    )
    .execute(pool)
    .await?
    .rows_affected();
    // Live events only serve reconnecting pages; one further behind reloads.
    let events =
        sqlx::query!("DELETE FROM live_events WHERE created_at < now() - interval '1 day'")
            .execute(pool)
            .await?
            .rows_affected();
    // Registrations never confirmed free their handle and address after a week.
    let verifications = sqlx::query!("DELETE FROM email_verifications WHERE expires_at < now()")
        .execute(pool)
        .await?
        .rows_affected();
    let unconfirmed = sqlx::query!(
        "DELETE FROM members WHERE email_verified_at IS NULL AND created_at < now() - interval '7 days'"
    )
    .execute(pool)
    .await?
    .rows_affected();
    let email_changes = sqlx::query!("DELETE FROM email_changes WHERE expires_at < now()")
        .execute(pool)
        .await?
        .rows_affected();
    let avatars = sqlx::query!(
        "DELETE FROM avatars a WHERE a.created_at < now() - interval '1 day'
           AND NOT EXISTS (SELECT 1 FROM members m WHERE m.avatar = a.digest)
           AND NOT EXISTS (SELECT 1 FROM groups g WHERE g.avatar = a.digest)"
    )
    .execute(pool)
    .await?
    .rows_affected();
    // Files uploaded and never sent, a day on (their bytes go with them: a trigger).
    let unsent_files = sqlx::query!(
        "DELETE FROM attachments WHERE id IN (
             SELECT id FROM attachments
             WHERE message_id IS NULL AND created_at < now() - interval '1 day'
             LIMIT 1000)"
    )
    .execute(pool)
    .await?
    .rows_affected();
    // Counters of past minutes no longer limit anything.
    let counts = sqlx::query!("DELETE FROM action_counts WHERE minute < now() - interval '1 hour'")
        .execute(pool)
        .await?
        .rows_affected();
    // Replies by email are recognised as redeliveries for a month (mail
    // servers give up retrying after a few days).
    let email_replies =
        sqlx::query!("DELETE FROM email_replies WHERE received_at < now() - interval '30 days'")
            .execute(pool)
            .await?
            .rows_affected();
    if sessions
        + email_replies
        + counts
        + throttles
        + devices
        + events
        + verifications
        + unconfirmed
        + email_changes
        + avatars
        + unsent_files
        > 0
    {
        tracing::info!(
            sessions,
            counts,
            throttles,
            devices,
            events,
            verifications,
            unconfirmed,
            email_changes,
            avatars,
            unsent_files,
            email_replies,
            "housekeeping removed expired rows"
        );
    }
    Ok(())
}
