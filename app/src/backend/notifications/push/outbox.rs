//! The pushes waiting to go, claimed with a lease as the email outbox is: rows
//! another worker holds are skipped, so any number of instances send together.

use crate::error::AppError;
use sqlx::PgPool;

/// One push to one browser, with the keys to encrypt it for that browser.
#[derive(Debug, Clone)]
pub struct ClaimedPush {
    pub id: i64,
    pub subscription_id: i64,
    pub member_id: i64,
    pub conversation_id: i64,
    pub message_id: i64,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub attempts: i32,
    pub lock_token: i64,
}

/// Claims up to `limit` due pushes for `lease_seconds`.
pub async fn claim_due_pushes(
    pool: &PgPool,
    limit: i64,
    lease_seconds: i64,
) -> Result<Vec<ClaimedPush>, AppError> {
    let token = super::super::outbox::lease_token();
    let rows = sqlx::query!(
        r#"WITH claimed AS (
             UPDATE push_outbox SET locked_until = now() + make_interval(secs => $2),
                    lock_token = $3, attempts = attempts + 1
             WHERE id IN (SELECT id FROM push_outbox
                          WHERE due_at <= now() AND (locked_until IS NULL OR locked_until < now())
                          ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)
             RETURNING id, subscription_id, member_id, conversation_id, message_id, attempts)
           SELECT c.id AS "id!", c.subscription_id AS "subscription_id!", c.member_id AS "member_id!",
                  c.conversation_id AS "conversation_id!", c.message_id AS "message_id!",
                  c.attempts AS "attempts!", s.endpoint, s.p256dh, s.auth
           FROM claimed c JOIN push_subscriptions s ON s.id = c.subscription_id"#,
        limit,
        lease_seconds as f64,
        token
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ClaimedPush {
            id: r.id,
            subscription_id: r.subscription_id,
            member_id: r.member_id,
            conversation_id: r.conversation_id,
            message_id: r.message_id,
            endpoint: r.endpoint,
            p256dh: r.p256dh,
            auth: r.auth,
            attempts: r.attempts,
            lock_token: token,
        })
        .collect())
}

/// Sent (or nothing to send): the row goes, unless another worker took it over.
pub async fn push_done(pool: &PgPool, claimed: &ClaimedPush, sent: bool) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let deleted = sqlx::query!(
        "DELETE FROM push_outbox WHERE id = $1 AND lock_token = $2",
        claimed.id,
        claimed.lock_token
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if sent && deleted > 0 {
        sqlx::query!(
            "UPDATE push_subscriptions SET last_push_at = now() WHERE id = $1",
            claimed.subscription_id
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A failed attempt: tried again later, waiting longer each time (up to
/// `max_backoff_seconds`); given up after ten attempts.
pub async fn push_later(
    pool: &PgPool,
    claimed: &ClaimedPush,
    max_backoff_seconds: i64,
) -> Result<(), AppError> {
    if claimed.attempts >= 10 {
        return push_done(pool, claimed, false).await;
    }
    let wait = super::super::outbox::backoff_seconds(claimed.attempts, max_backoff_seconds);
    sqlx::query!(
        "UPDATE push_outbox SET due_at = now() + make_interval(secs => $3),
                locked_until = NULL, lock_token = NULL
         WHERE id = $1 AND lock_token = $2",
        claimed.id,
        claimed.lock_token,
        wait as f64
    )
    .execute(pool)
    .await?;
    Ok(())
}
