use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::account::*;
/// Who is signed in, if anyone.
#[server(endpoint = "current_member")]
pub async fn current_member() -> Result<Option<Viewer>, AppError> {
    crate::error::respond(crate::api::context::current_viewer().await)
}

/// Creates an account and signs it in.
#[server(endpoint = "register")]
pub async fn register(
    display_name: String,
    handle: String,
    email: String,
    password: String,
) -> Result<(), AppError> {
    crate::error::respond(ssr::register(display_name, handle, email, password).await)
}

/// Signs in with email and password; `next` is where to go afterwards (a local path).
#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    #[server(default)] next: Option<String>,
) -> Result<(), AppError> {
    crate::error::respond(ssr::sign_in(email, password, next).await)
}

/// Ends the session on the server and clears the cookie.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    crate::error::respond(ssr::sign_out().await)
}

/// Only a path on the portal may follow sign-in, never another host
/// (`domain::redirect::local_path`); the home page otherwise.
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(crate::domain::redirect::local_path)
        .unwrap_or_else(|| "/".to_string())
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::api::context::{self, app_state};
    use crate::backend::auth;
    use crate::backend::members;
    use crate::domain::account::{check_sign_in, Email, Registration};
    use crate::error::AppError;

    pub async fn register(
        display_name: String,
        handle: String,
        email: String,
        password: String,
    ) -> Result<(), AppError> {
        let registration = Registration::parse(&display_name, &handle, &email, &password)?;
        let state = app_state()?;
        // Counted first (under a lock on the address), then the cheap checks, and
        // only then the password hash.
        let address = context::client_address(&state.settings);
        let place = auth::reserve_registration(
            &state.pool,
            &address,
            state.settings.registrations_per_address_hour,
        )
        .await?;
        let made = async {
            members::check_available(&state.pool, &registration).await?;
            let hash = state.passwords.hash(&registration.password).await?;
            members::create(&state.pool, &registration, &hash).await
        }
        .await;
        let member_id = match made {
            Ok(id) => id,
            Err(error) => {
                place.release(&state.pool).await?;
                return Err(error);
            }
        };
        start_session(&state, member_id).await?;
        leptos_axum::redirect(&format!("/members/{}", registration.handle.as_str()));
        Ok(())
    }

    pub async fn sign_in(
        email: String,
        password: String,
        next: Option<String>,
    ) -> Result<(), AppError> {
        check_sign_in(&email, &password)?;
        let state = app_state()?;
        let normalized = Email::parse(&email)
            .map(|e| e.as_str().to_string())
            .unwrap_or_else(|_| email.trim().to_lowercase());
        let account = members::credentials(&state.pool, &normalized).await?;
        let device = match (&account, context::request_headers()) {
            (Some((member, _)), Some(headers)) => {
                auth::known_device(&state.pool, &headers, *member).await?
            }
            _ => None,
        };
        let address = context::client_address(&state.settings);
        let keys = auth::keys_for(&normalized, &address, device.as_deref());
        // Counted before the password is checked: parallel guesses cannot all get in.
        auth::begin_attempt(&state.pool, &keys).await?;
        let (member_id, hash) = account.map_or((None, None), |(id, hash)| (Some(id), Some(hash)));
        let verified = state.passwords.verify(hash, password).await?;
        let Some(member_id) = member_id.filter(|_| verified) else {
            return Err(AppError::BadCredentials);
        };
        auth::attempt_succeeded(&state.pool, &keys).await?;
        if let Some(token) =
            auth::remember_device(&state.pool, device.as_deref(), member_id).await?
        {
            context::set_device_cookie(&state.settings, &token);
        }
        start_session(&state, member_id).await?;
        leptos_axum::redirect(&super::safe_next(next.as_deref()));
        Ok(())
    }

    /// A new session id on every sign-in: a session id planted before sign-in
    /// (session fixation) never becomes a signed-in one.
    async fn start_session(
        state: &crate::backend::state::AppState,
        member_id: i64,
    ) -> Result<(), AppError> {
        if let Some(old) = context::request_token() {
            auth::delete_session(&state.pool, &old).await?;
        }
        let user_agent = context::request_headers()
            .and_then(|h| {
                h.get(http::header::USER_AGENT)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            })
            .unwrap_or_default();
        let token = auth::create_session(
            &state.pool,
            member_id,
            state.settings.session_days,
            &user_agent,
        )
        .await?;
        context::set_session_cookie(&state.settings, &token);
        Ok(())
    }

    pub async fn sign_out() -> Result<(), AppError> {
        let state = app_state()?;
        if let Some(token) = context::request_token() {
            auth::delete_session(&state.pool, &token).await?;
        }
        context::clear_session_cookie(&state.settings);
        leptos_axum::redirect("/");
        Ok(())
    }
}
