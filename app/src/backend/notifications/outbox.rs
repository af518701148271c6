//! The email outbox the server's mail worker drains: claiming due rows (any
//! number of instances together), then finishing or retrying them.

use crate::error::AppError;
use sqlx::PgPool;

/// An outbox row a worker has claimed.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub member_id: i64,
    pub conversation_id: i64,
    pub batched: bool,
    pub first_message_id: i64,
    pub last_message_id: i64,
    pub attempts: i32,
    pub lock_token: i64,
}

/// Claims up to `limit` due rows for `lease_seconds`. Rows another worker holds are
/// skipped, not waited for, so any number of instances drain the outbox together.
pub async fn claim_due(
    pool: &PgPool,
    limit: i64,
    lease_seconds: i64,
) -> Result<Vec<Claimed>, AppError> {
    let token = lease_token();
    let rows = sqlx::query!(
        "UPDATE email_outbox SET locked_until = now() + make_interval(secs => $2),
                lock_token = $3, attempts = attempts + 1
         WHERE id IN (SELECT id FROM email_outbox
                      WHERE due_at <= now() AND (locked_until IS NULL OR locked_until < now())
                      ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING id, member_id, conversation_id, mode, first_message_id, last_message_id, attempts",
        limit,
        lease_seconds as f64,
        token
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Claimed {
            id: r.id,
            member_id: r.member_id,
            conversation_id: r.conversation_id,
            batched: r.mode == "batched",
            first_message_id: r.first_message_id,
            last_message_id: r.last_message_id,
            attempts: r.attempts,
            lock_token: token,
        })
        .collect())
}

/// After sending (or deciding there was nothing to send): removes the row, or, when
/// messages arrived for a batch while it was being sent, starts the next batch with
/// them. Does nothing if the claim was lost to another worker.
pub async fn finish(pool: &PgPool, claimed: &Claimed, batch_seconds: i64) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let Some(last) = sqlx::query_scalar!(
        "SELECT last_message_id FROM email_outbox WHERE id = $1 AND lock_token = $2 FOR UPDATE",
        claimed.id,
        claimed.lock_token
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(());
    };
    if claimed.batched && last > claimed.last_message_id {
        sqlx::query!(
            "UPDATE email_outbox SET first_message_id = $2, due_at = now() + make_interval(secs => $3),
                    attempts = 0, locked_until = NULL, lock_token = NULL
             WHERE id = $1",
            claimed.id,
            claimed.last_message_id + 1,
            batch_seconds as f64
        )
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query!("DELETE FROM email_outbox WHERE id = $1", claimed.id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// After a failed attempt: retried later, waiting longer each time (up to `max_backoff`).
pub async fn retry_later(
    pool: &PgPool,
    claimed: &Claimed,
    max_backoff_seconds: i64,
) -> Result<(), AppError> {
    let wait = backoff_seconds(claimed.attempts, max_backoff_seconds);
    sqlx::query!(
        "UPDATE email_outbox SET due_at = now() + make_interval(secs => $3),
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

/// The wait before another attempt at an email: doubling with each attempt, at
/// most `max_backoff_seconds` (notifications and account emails alike).
/// What marks a worker's claim on outbox rows (emails, pushes): its rows are
/// the ones carrying it, so a claim taken over after its lease is never finished twice.
pub(super) fn lease_token() -> i64 {
    use rand::Rng;
    rand::thread_rng().gen()
}

pub(super) fn backoff_seconds(attempts: i32, max_backoff_seconds: i64) -> i64 {
    2_i64
        .saturating_pow(attempts.clamp(0, 20) as u32)
        .min(max_backoff_seconds.max(1))
}
