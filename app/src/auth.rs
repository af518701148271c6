//! Sessions, password hashing and sign-in throttling (server only).
//!
//! A session is a random 256-bit token in an HttpOnly cookie; the database keeps
//! only its SHA-256, so a leaked table gives nobody a usable cookie. Sessions and
//! throttling live in PostgreSQL so that every server instance behind the load
//! balancer agrees on them.

use crate::api::auth::{Role, Viewer};
use crate::domain::account::Password;
use crate::error::AppError;
use crate::state::{app_state, Settings};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use http::header::{COOKIE, SET_COOKIE};
use http::request::Parts;
use http::HeaderValue;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

pub const SESSION_COOKIE: &str = "portal_session";

/// After this many failures in a row for one account, each further failure doubles the wait.
pub const FREE_FAILURES_PER_ACCOUNT: i32 = 5;
/// An address may be shared by many people (an office, a campus), so it gets more.
pub const FREE_FAILURES_PER_ADDRESS: i32 = 20;
/// Failures older than this are forgotten.
const FAILURE_MEMORY_MINUTES: i32 = 15;
const MAX_WAIT_SECONDS: i64 = 15 * 60;

/// Hashes a new password with argon2id (the crate's default algorithm and parameters).
pub async fn hash_password(password: &Password) -> Result<String, AppError> {
    let password = password.expose().to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
    })
    .await
    .map_err(|_| AppError::Internal)?
    .map_err(|error| {
        tracing::error!(%error, "password hashing failed");
        AppError::Internal
    })
}

/// Checks a password against a stored hash. A missing account still costs one
/// verification, so response time does not reveal which addresses exist.
pub async fn verify_password(stored_hash: Option<String>, candidate: String) -> bool {
    // A hash of a random string nobody knows, made once per process.
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let found = stored_hash.is_some();
    tokio::task::spawn_blocking(move || {
        let hash = stored_hash.unwrap_or_else(|| {
            DECOY
                .get_or_init(|| {
                    let salt = SaltString::generate(&mut OsRng);
                    Argon2::default()
                        .hash_password(salt.as_str().as_bytes(), &salt)
                        .map(|hash| hash.to_string())
                        .unwrap_or_default()
                })
                .clone()
        });
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(candidate.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
        && found
}

fn token_hash(token: &str) -> Vec<u8> {
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
        crate::live::revoke(&mut tx, member, Some(session_key(token))).await?;
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

/// The session token sent with the current request, if any.
pub fn request_token() -> Option<String> {
    let parts = use_context::<Parts>()?;
    token_from_headers(&parts.headers)
}

/// The session token in a request's cookies (also used by the live endpoint).
pub fn token_from_headers(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|value| value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The signed-in member making the current request, if any.
pub async fn current_viewer() -> Result<Option<Viewer>, AppError> {
    let Some(token) = request_token() else {
        return Ok(None);
    };
    let state = app_state()?;
    viewer_for_token(&state.pool, &token).await
}

/// The signed-in member, or `Unauthenticated`.
pub async fn require_viewer() -> Result<Viewer, AppError> {
    current_viewer().await?.ok_or(AppError::Unauthenticated)
}

fn set_cookie(value: String) {
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&value),
    ) {
        response.append_header(SET_COOKIE, value);
    }
}

/// Sets the session cookie: HttpOnly (no script can read it), SameSite=Lax (not sent
/// on cross-site POSTs), Secure when the portal is served over https.
pub fn set_session_cookie(settings: &Settings, token: &str) {
    let secure = if settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let max_age = settings.session_days * 24 * 3600;
    set_cookie(format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ));
}

pub fn clear_session_cookie(settings: &Settings) {
    let secure = if settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    set_cookie(format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    ));
}

/// The client's address: the peer address, or the last `X-Forwarded-For` hop when
/// the portal runs behind a trusted proxy.
pub fn client_address(settings: &Settings) -> String {
    let Some(parts) = use_context::<Parts>() else {
        return "unknown".into();
    };
    if settings.trust_proxy {
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        if let Some(address) = forwarded {
            return address;
        }
    }
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

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
