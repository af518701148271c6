//! Accounts made per client address: at most `per_hour` in any hour (an IPv6
//! address counts as its /64, as the sign-in throttle counts it). A registration
//! takes its place before anything expensive runs, under a lock on the address,
//! so parallel attempts cannot all pass the count; one that fails gives it back.

use super::throttle::address_block;
use crate::error::AppError;
use sqlx::PgPool;

/// A place taken for one registration; `release` gives it back.
pub struct Reservation(i64);

/// Takes a place for a registration from `address`, or says how long to wait.
pub async fn reserve_registration(
    pool: &PgPool,
    address: &str,
    per_hour: i64,
) -> Result<Reservation, AppError> {
    let block = address_block(address);
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended('registration:' || $1, 0))",
        block
    )
    .execute(&mut *tx)
    .await?;
    // The wait is counted from the clock, not `now()`: that is when this
    // transaction began, perhaps before a registration it waited for took its place
    // (then the wait came out a second over the hour).
    let window = sqlx::query!(
        r#"SELECT count(*) AS "made!",
                  COALESCE(extract(epoch FROM min(at) + interval '1 hour' - clock_timestamp()), 0)::float8 AS "wait!"
           FROM registrations WHERE address = $1 AND at > now() - interval '1 hour'"#,
        block
    )
    .fetch_one(&mut *tx)
    .await?;
    if window.made >= per_hour {
        return Err(AppError::TooManyAccounts(window.wait.ceil().max(1.0) as u64));
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO registrations (address) VALUES ($1) RETURNING id",
        block
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Reservation(id))
}

impl Reservation {
    /// The registration did not happen (a taken handle, say): the place is free again.
    pub async fn release(self, pool: &PgPool) -> Result<(), AppError> {
        sqlx::query!("DELETE FROM registrations WHERE id = $1", self.0)
            .execute(pool)
            .await?;
        Ok(())
    }
}
