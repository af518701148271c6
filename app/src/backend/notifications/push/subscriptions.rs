//! The browsers a member receives pushes in.

use crate::domain::push::Subscription;
use crate::error::AppError;
use crate::model::notification::PushDevice;
use sqlx::PgPool;

/// Browsers one member may have at once; the oldest goes when one more comes.
const DEVICES_PER_MEMBER: i64 = 20;

/// Keeps a browser's subscription for the member. A browser that was another
/// member's (signed out, then in as someone else) is theirs from now on.
pub async fn subscribe(
    pool: &PgPool,
    member_id: i64,
    subscription: &Subscription,
    device: &str,
) -> Result<i64, AppError> {
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO push_subscriptions (member_id, endpoint, p256dh, auth, device)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (endpoint) DO UPDATE
           SET member_id = EXCLUDED.member_id, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth,
               device = EXCLUDED.device, created_at = now()
         RETURNING id",
        member_id,
        subscription.endpoint,
        subscription.p256dh,
        subscription.auth,
        device
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM push_subscriptions WHERE member_id = $1 AND id NOT IN
           (SELECT id FROM push_subscriptions WHERE member_id = $1
            ORDER BY created_at DESC, id DESC LIMIT $2)",
        member_id,
        DEVICES_PER_MEMBER
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The member's browsers, newest first.
pub async fn push_devices(pool: &PgPool, member_id: i64) -> Result<Vec<PushDevice>, AppError> {
    Ok(sqlx::query!(
        "SELECT id, device, created_at, last_push_at, endpoint FROM push_subscriptions
         WHERE member_id = $1 ORDER BY created_at DESC, id DESC",
        member_id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| PushDevice {
        id: r.id,
        device: r.device,
        added: r.created_at,
        last_push: r.last_push_at,
        endpoint: r.endpoint,
    })
    .collect())
}

/// Stops pushes to one of the member's browsers (someone else's is NotFound).
pub async fn remove_device(pool: &PgPool, member_id: i64, id: i64) -> Result<(), AppError> {
    let removed = sqlx::query!(
        "DELETE FROM push_subscriptions WHERE id = $1 AND member_id = $2",
        id,
        member_id
    )
    .execute(pool)
    .await?
    .rows_affected();
    if removed == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// A subscription its push service says is gone (404, 410): removed with its pushes.
pub async fn forget_subscription(pool: &PgPool, id: i64) -> Result<(), AppError> {
    sqlx::query!("DELETE FROM push_subscriptions WHERE id = $1", id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Pushes on or off, and whether they show the message's text.
pub async fn push_choices(pool: &PgPool, member_id: i64) -> Result<(bool, bool), AppError> {
    let row = sqlx::query!(
        r#"SELECT coalesce(ns.push, true) AS "push!", coalesce(ns.push_shows_text, true) AS "shows!"
           FROM (SELECT $1::bigint AS member_id) me
           LEFT JOIN notification_settings ns ON ns.member_id = me.member_id"#,
        member_id
    )
    .fetch_one(pool)
    .await?;
    Ok((row.push, row.shows))
}

pub async fn save_push_choices(
    pool: &PgPool,
    member_id: i64,
    enabled: bool,
    shows_text: bool,
) -> Result<(), AppError> {
    sqlx::query!(
        "INSERT INTO notification_settings (member_id, push, push_shows_text) VALUES ($1, $2, $3)
         ON CONFLICT (member_id) DO UPDATE SET push = $2, push_shows_text = $3",
        member_id,
        enabled,
        shows_text
    )
    .execute(pool)
    .await?;
    Ok(())
}
