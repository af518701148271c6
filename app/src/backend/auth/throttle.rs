//! Sign-in throttling, counted in PostgreSQL so every instance agrees.

use crate::error::AppError;
use sqlx::PgPool;

/// After this many failures in a row for one account, each further failure doubles the wait.
pub const FREE_FAILURES_PER_ACCOUNT: i32 = 5;
/// An address may be shared by many people (an office, a campus), so it gets more.
pub const FREE_FAILURES_PER_ADDRESS: i32 = 20;
/// Failures older than this are forgotten.
pub(super) const FAILURE_MEMORY_MINUTES: i32 = 15;
pub(super) const MAX_WAIT_SECONDS: i64 = 15 * 60;

/// Seconds until any of `keys` may try again, if one is being slowed down.
pub async fn throttle_wait(pool: &PgPool, keys: &[(String, i32)]) -> Result<Option<u64>, AppError> {
    let wait = sqlx::query_scalar!(
        r#"SELECT ceil(extract(epoch FROM max(blocked_until) - now()))::bigint AS "wait"
           FROM sign_in_throttle WHERE key = ANY($1) AND blocked_until > now()"#,
        &keys.iter().map(|(key, _)| key.clone()).collect::<Vec<_>>()
    )
    .fetch_one(pool)
    .await?;
    Ok(wait.filter(|w| *w > 0).map(|w| w as u64))
}

/// Counts a failed sign-in against each key; past the free attempts, the wait
/// doubles with each failure (2 s, 4 s, 8 s ... up to 15 minutes).
pub async fn record_failure(pool: &PgPool, keys: &[(String, i32)]) -> Result<(), AppError> {
    for (key, free_failures) in keys {
        sqlx::query!(
            r#"INSERT INTO sign_in_throttle AS t (key, failures, last_failure_at, blocked_until)
               VALUES ($1, 1, now(), now())
               ON CONFLICT (key) DO UPDATE SET
                 failures = CASE WHEN t.last_failure_at < now() - make_interval(mins => $2)
                                 THEN 1 ELSE t.failures + 1 END,
                 last_failure_at = now(),
                 blocked_until = CASE
                   WHEN t.last_failure_at < now() - make_interval(mins => $2) OR t.failures + 1 <= $3
                   THEN now()
                   ELSE now() + make_interval(secs => least(power(2, t.failures + 1 - $3)::bigint, $4)::double precision)
                 END"#,
            key,
            FAILURE_MEMORY_MINUTES,
            free_failures,
            MAX_WAIT_SECONDS
        )
        .execute(pool)
        .await?;
    }
    Ok(())
}

pub async fn clear_failures(pool: &PgPool, key: &str) -> Result<(), AppError> {
    sqlx::query!("DELETE FROM sign_in_throttle WHERE key = $1", key)
        .execute(pool)
        .await?;
    Ok(())
}
