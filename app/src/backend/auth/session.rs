//! Sessions: a random 256-bit token in an HttpOnly cookie; the database keeps
//! only its SHA-256, so a leaked table gives nobody a usable cookie.

use crate::error::AppError;
use crate::model::account::{Role, Viewer};
use http::header::COOKIE;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

pub const SESSION_COOKIE: &str = "portal_session";

pub(super) fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Starts a session for `member_id` and returns the cookie value.
pub async fn create_session(pool: &PgPool, member_id: i64, days: i64) -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    sqlx::query!(
        "INSERT INTO sessions (token_hash, member_id, expires_at)
         VALUES ($1, $2, now() + make_interval(days => $3::int))",
        token_hash(&token),
        member_id,
        days as i32
    )
    .execute(pool)
    .await?;
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

/// The member a session token belongs to, if the session is live and the member
/// may still use the portal.
pub async fn viewer_for_token(pool: &PgPool, token: &str) -> Result<Option<Viewer>, AppError> {
    let row = sqlx::query!(
        r#"SELECT m.id, m.handle, m.display_name, m.role
           FROM sessions s JOIN members m ON m.id = s.member_id
           WHERE s.token_hash = $1 AND s.expires_at > now()
             AND m.suspended_at IS NULL AND m.deleted_at IS NULL"#,
        token_hash(token)
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| Viewer {
        id: r.id,
        handle: r.handle,
        display_name: r.display_name,
        role: Role::from_db(&r.role),
    }))
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
