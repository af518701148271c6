//! Known devices: a long-lived random cookie, set at a successful sign-in and sent
//! only to the sign-in endpoint, that marks a browser as one the member has used.
//! Sign-ins from it are throttled on their own counter (`throttle::keys_for`).

use super::session::{cookie_from_headers, token_hash};
use crate::error::AppError;
use rand::RngCore;
use sqlx::PgPool;

pub const DEVICE_COOKIE: &str = "portal_device";
/// How long a browser stays known without signing in.
pub const DEVICE_DAYS: i64 = 365;
/// Devices kept per member; signing in from a further one forgets the oldest.
const DEVICES_PER_MEMBER: i64 = 20;

/// The device cookie of a request, if it is one of `member`'s known devices:
/// the hex of its hash, which names its throttle counter.
pub async fn known_device(
    pool: &PgPool,
    headers: &http::HeaderMap,
    member: i64,
) -> Result<Option<String>, AppError> {
    let Some(token) = cookie_from_headers(headers, DEVICE_COOKIE) else {
        return Ok(None);
    };
    let hash = token_hash(&token);
    let known = sqlx::query_scalar!(
        "SELECT true AS \"known!\" FROM known_devices
         WHERE token_hash = $1 AND member_id = $2
           AND last_used_at > now() - make_interval(days => $3::int)",
        hash,
        member,
        DEVICE_DAYS as i32
    )
    .fetch_optional(pool)
    .await?;
    Ok(known.map(|_| hex::encode(hash)))
}

/// Records that `member` signed in from this browser; returns a new cookie value
/// when the browser had none for this member.
pub async fn remember_device(
    pool: &PgPool,
    known: Option<&str>,
    member: i64,
) -> Result<Option<String>, AppError> {
    if let Some(hash) = known.and_then(|h| hex::decode(h).ok()) {
        sqlx::query!(
            "UPDATE known_devices SET last_used_at = now() WHERE token_hash = $1",
            hash
        )
        .execute(pool)
        .await?;
        return Ok(None);
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "INSERT INTO known_devices (token_hash, member_id) VALUES ($1, $2)",
        token_hash(&token),
        member
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM known_devices WHERE member_id = $1 AND token_hash NOT IN
           (SELECT token_hash FROM known_devices WHERE member_id = $1
            ORDER BY last_used_at DESC LIMIT $2)",
        member,
        DEVICES_PER_MEMBER
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(token))
}
