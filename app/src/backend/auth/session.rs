//! Sessions: a random 256-bit token in an HttpOnly cookie; the database keeps
//! only its SHA-256, so a leaked table gives nobody a usable cookie.

use crate::error::AppError;
use crate::model::account::{Role, Viewer};
use http::header::COOKIE;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

pub const SESSION_COOKIE: &str = "portal_session";

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The longest a session lives, however often it is used; then the member signs
/// in again.
pub const SESSION_MAX_DAYS: i64 = 90;

/// Sessions one member may hold at once; a new one ends the least recently used.
pub const SESSIONS_PER_MEMBER: i64 = 20;

/// What of a browser's `User-Agent` is kept, to name the session to its owner.
const USER_AGENT_MAX: usize = 256;

/// Starts a session for `member_id` and returns the cookie value. It expires after
/// `idle_days` without use (each use moves that on) and after `SESSION_MAX_DAYS`
/// in any case; beyond `SESSIONS_PER_MEMBER` the least recently used ends, live
/// streams and all.
pub async fn create_session(
    pool: &PgPool,
    member_id: i64,
    idle_days: i64,
    user_agent: &str,
) -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let user_agent: String = user_agent
        .chars()
        .filter(|c| !c.is_control())
        .take(USER_AGENT_MAX)
        .collect();
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "INSERT INTO sessions (token_hash, member_id, expires_at, absolute_expires_at, user_agent)
         VALUES ($1, $2, now() + make_interval(days => $3::int),
                 now() + make_interval(days => $4::int), $5)",
        token_hash(&token),
        member_id,
        idle_days.min(SESSION_MAX_DAYS) as i32,
        SESSION_MAX_DAYS as i32,
        user_agent
    )
    .execute(&mut *tx)
    .await?;
    let ended = sqlx::query_scalar!(
        "DELETE FROM sessions WHERE token_hash IN (
             SELECT token_hash FROM sessions WHERE member_id = $1
             ORDER BY last_used_at DESC, id DESC OFFSET $2)
         RETURNING token_hash",
        member_id,
        SESSIONS_PER_MEMBER
    )
    .fetch_all(&mut *tx)
    .await?;
    for hash in ended {
        crate::backend::live::revoke(&mut tx, member_id, Some(hex::encode(hash))).await?;
    }
    tx.commit().await?;
    Ok(token)
}

/// What identifies a session in the live endpoint and in revocations: the hex of
/// the stored hash, never the cookie value itself.
pub fn session_key(token: &str) -> String {
    hex::encode(token_hash(token))
}

/// Ends a session on the server, and the live streams opened with it (on every
/// instance) with it.
pub async fn delete_session(pool: &PgPool, token: &str) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let member = sqlx::query_scalar!(
        "DELETE FROM sessions WHERE token_hash = $1 RETURNING member_id",
        token_hash(token)
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(member) = member {
        crate::backend::live::revoke(&mut tx, member, Some(session_key(token))).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// How often a session's last use is written: a page load is not a write.
const TOUCH_MINUTES: i32 = 5;

/// The member a session token belongs to, if the session is live and the member
/// may still use the portal. A use moves the idle expiry on (never past the
/// absolute one), written at most every few minutes.
pub async fn viewer_for_token(pool: &PgPool, token: &str) -> Result<Option<Viewer>, AppError> {
    let hash = token_hash(token);
    let row = sqlx::query!(
        r#"SELECT m.id, m.handle, m.display_name, m.role, m.avatar,
                  s.last_used_at < now() - make_interval(mins => $2) AS "stale!"
           FROM sessions s JOIN members m ON m.id = s.member_id
           WHERE s.token_hash = $1 AND s.expires_at > now()
             AND m.suspended_at IS NULL AND m.deleted_at IS NULL"#,
        hash,
        TOUCH_MINUTES
    )
    .fetch_optional(pool)
    .await?;
    if row.as_ref().is_some_and(|r| r.stale) {
        // The idle window is what lay between the last use and the expiry.
        sqlx::query!(
            "UPDATE sessions
             SET expires_at = LEAST(now() + (expires_at - last_used_at), absolute_expires_at),
                 last_used_at = now()
             WHERE token_hash = $1",
            hash
        )
        .execute(pool)
        .await?;
    }
    Ok(row.map(|r| Viewer {
        id: r.id,
        handle: r.handle,
        display_name: r.display_name,
        role: Role::from_db(&r.role),
        avatar: r.avatar,
    }))
}

/// A member's live sessions, most recently used first; `current` marks the one
/// this request came with.
pub async fn list_sessions(
    pool: &PgPool,
    member_id: i64,
    current_token: Option<&str>,
) -> Result<Vec<crate::model::account::SessionView>, AppError> {
    let current = current_token.map(token_hash).unwrap_or_default();
    let rows = sqlx::query!(
        r#"SELECT id, created_at, last_used_at, user_agent, token_hash = $2 AS "current!"
           FROM sessions WHERE member_id = $1 AND expires_at > now()
           ORDER BY last_used_at DESC, id DESC"#,
        member_id,
        current
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| crate::model::account::SessionView {
            id: r.id,
            device: super::device_name::describe(&r.user_agent),
            started: r.created_at,
            last_used: r.last_used_at,
            current: r.current,
        })
        .collect())
}

/// Ends one of the member's sessions (someone else's id ends nothing); whether
/// it was the one this request came with.
pub async fn end_session(
    pool: &PgPool,
    member_id: i64,
    session_id: i64,
    current_token: Option<&str>,
) -> Result<bool, AppError> {
    let mut tx = pool.begin().await?;
    let ended = sqlx::query_scalar!(
        "DELETE FROM sessions WHERE id = $1 AND member_id = $2 RETURNING token_hash",
        session_id,
        member_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    crate::backend::live::revoke(&mut tx, member_id, Some(hex::encode(&ended))).await?;
    tx.commit().await?;
    Ok(current_token.is_some_and(|t| token_hash(t) == ended))
}

/// Ends every session of the member but the one this request came with (all of
/// them without one); how many ended.
pub async fn end_other_sessions(
    conn: &mut sqlx::PgConnection,
    member_id: i64,
    current_token: Option<&str>,
) -> Result<usize, AppError> {
    let keep = current_token.map(token_hash).unwrap_or_default();
    let ended = sqlx::query_scalar!(
        "DELETE FROM sessions WHERE member_id = $1 AND token_hash <> $2 RETURNING token_hash",
        member_id,
        keep
    )
    .fetch_all(&mut *conn)
    .await?;
    for hash in &ended {
        crate::backend::live::revoke(conn, member_id, Some(hex::encode(hash))).await?;
    }
    Ok(ended.len())
}

/// The session token in a request's cookies (also used by the live endpoint).
pub fn token_from_headers(headers: &http::HeaderMap) -> Option<String> {
    cookie_from_headers(headers, SESSION_COOKIE)
}

/// A cookie of the portal's own (64 hex digits), by name.
pub(super) fn cookie_from_headers(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, _)| *cookie == name)
        .map(|(_, value)| value.to_string())
        .filter(|value| value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
}
