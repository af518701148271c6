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
    /// The token of an invitation link, while registration is by invitation.
    #[server(default)]
    invitation: String,
) -> Result<(), AppError> {
    crate::error::respond(ssr::register(display_name, handle, email, password, invitation).await)
}

/// Confirms a new account's email with the token of its link, and signs it in.
#[server(endpoint = "verify_email")]
pub async fn verify_email(#[server(default)] token: String) -> Result<(), AppError> {
    crate::error::respond(ssr::verify_email(token).await)
}

/// Sends a link to set a new password to the account with this email, if there is
/// one: the answer is the same either way ("Check your email").
#[server(endpoint = "request_password_reset")]
pub async fn request_password_reset(#[server(default)] email: String) -> Result<(), AppError> {
    crate::error::respond(ssr::request_password_reset(email).await)
}

/// Sets a new password with the token of a reset link, ends every session of the
/// account, and signs this browser in.
#[server(endpoint = "reset_password")]
pub async fn reset_password(
    #[server(default)] token: String,
    #[server(default)] password: String,
) -> Result<(), AppError> {
    crate::error::respond(ssr::reset_password(token, password).await)
}

/// Where asking for a reset link lands, whoever holds the address.
pub const RESET_SENT_PATH: &str = "/forgot-password/sent";

/// Where registering lands when the email must be confirmed first.
pub const CHECK_EMAIL_PATH: &str = "/register/check-email";

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
    use crate::backend::notifications;
    use crate::domain::account::{check_sign_in, Email, Registration};
    use crate::error::AppError;

    pub async fn register(
        display_name: String,
        handle: String,
        email: String,
        password: String,
        invitation: String,
    ) -> Result<(), AppError> {
        let registration = Registration::parse(&display_name, &handle, &email, &password)?;
        let state = app_state()?;
        let invited = take_invitation(&state.pool, &invitation).await?;
        // Counted first (under a lock on the address), then the cheap checks, and
        // only then the password hash.
        let address = context::client_address(&state.settings);
        let place = auth::reserve_registration(
            &state.pool,
            &address,
            state.settings.registrations_per_address_hour,
        )
        .await?;
        if state.settings.verify_email {
            if let Err(error) = register_unverified(&state, &registration).await {
                place.release(&state.pool).await?;
                give_back(&state.pool, invited.as_deref()).await?;
                return Err(error);
            }
            leptos_axum::redirect(super::CHECK_EMAIL_PATH);
            return Ok(());
        }
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
                give_back(&state.pool, invited.as_deref()).await?;
                return Err(error);
            }
        };
        start_session(&state, member_id).await?;
        leptos_axum::redirect(&format!("/members/{}", registration.handle.as_str()));
        Ok(())
    }

    /// While registration is by invitation, takes the invitation (one use, atomic)
    /// and returns its token; refuses without a valid one. `None` while it is open.
    async fn take_invitation(pool: &sqlx::PgPool, token: &str) -> Result<Option<String>, AppError> {
        if !crate::backend::site::registration_by_invitation(pool).await? {
            return Ok(None);
        }
        let mut conn = pool.acquire().await?;
        if token.is_empty() || !crate::backend::site::use_invitation(&mut conn, token).await? {
            return Err(AppError::Refused(
                crate::i18n::Problem::new(crate::i18n::k::error_invitation_required)
                    .with("days", crate::backend::site::INVITATION_DAYS),
            ));
        }
        Ok(Some(token.to_string()))
    }

    /// A registration that failed after taking its invitation leaves it usable.
    async fn give_back(pool: &sqlx::PgPool, token: Option<&str>) -> Result<(), AppError> {
        if let Some(token) = token {
            let mut conn = pool.acquire().await?;
            crate::backend::site::give_back_invitation(&mut conn, token).await?;
        }
        Ok(())
    }

    /// Registration that never says whether the email has an account: the same
    /// answer, the same password hash, whoever holds the address. A new address
    /// gets its account (waiting for confirmation) and a link; an address in use
    /// gets an email telling its owner; a suspended member's mailbox gets nothing.
    /// Only a taken handle is said, as handles are public anyway.
    async fn register_unverified(
        state: &crate::backend::state::AppState,
        registration: &Registration,
    ) -> Result<(), AppError> {
        members::check_handle(&state.pool, registration).await?;
        let hash = state.passwords.hash(&registration.password).await?;
        let public_url = &state.settings.public_url;
        let mut tx = state.pool.begin().await?;
        let email = registration.email.as_str();
        match members::email_owner(&mut tx, email).await? {
            members::EmailOwner::Suspended => {}
            members::EmailOwner::Verified {
                display_name,
                email,
            } => {
                notifications::queue_already_registered(&mut tx, public_url, &email, &display_name)
                    .await?;
            }
            owner => {
                let replacing = match owner {
                    members::EmailOwner::Unverified(id) => Some(id),
                    _ => None,
                };
                if let Some(id) =
                    members::create_unverified(&mut tx, registration, &hash, replacing).await?
                {
                    crate::backend::members::language::note_language(
                        &mut tx,
                        id,
                        crate::i18n::request_language(),
                    )
                    .await?;
                    let token = auth::new_verification(&mut tx, id).await?;
                    notifications::queue_verification(
                        &mut tx,
                        public_url,
                        email,
                        registration.display_name.as_str(),
                        &token,
                    )
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn request_password_reset(email: String) -> Result<(), AppError> {
        let email = Email::parse(&email).map_err(|message| {
            let mut errors = crate::domain::FieldErrors::new();
            errors.add("email", message);
            AppError::Invalid(errors)
        })?;
        let state = app_state()?;
        // Looked up and queued after the answer, so that how long the answer takes
        // says nothing about whether the address has an account.
        tokio::spawn(async move {
            let done =
                auth::request_reset(&state.pool, &state.settings.public_url, email.as_str()).await;
            if let Err(error) = done {
                tracing::warn!(?error, "a password reset link was not queued");
            }
        });
        leptos_axum::redirect(super::RESET_SENT_PATH);
        Ok(())
    }

    pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
        let state = app_state()?;
        let token = token.trim();
        let (member_id, handle, email) = auth::reset_account(&state.pool, token).await?;
        let new = crate::domain::account::Password::parse_new(&password, &handle, &email).map_err(
            |message| {
                let mut errors = crate::domain::FieldErrors::new();
                errors.add("password", message);
                AppError::Invalid(errors)
            },
        )?;
        auth::reset_password(&state.pool, &state.passwords, token, member_id, &new).await?;
        start_session(&state, member_id).await?;
        leptos_axum::redirect("/");
        Ok(())
    }

    pub async fn verify_email(token: String) -> Result<(), AppError> {
        let state = app_state()?;
        let (member_id, handle) = auth::verify_email(&state.pool, token.trim()).await?;
        start_session(&state, member_id).await?;
        leptos_axum::redirect(&format!("/members/{handle}"));
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
            (Some(account), Some(headers)) => {
                auth::known_device(&state.pool, &headers, account.id).await?
            }
            _ => None,
        };
        let address = context::client_address(&state.settings);
        let keys = auth::keys_for(&normalized, &address, device.as_deref());
        // Counted before the password is checked: parallel guesses cannot all get in.
        auth::begin_attempt(&state.pool, &keys).await?;
        let (member_id, hash, confirmed) = account.map_or((None, None, false), |a| {
            (Some(a.id), Some(a.password_hash), a.verified)
        });
        let verified = state.passwords.verify(hash, password).await?;
        let Some(member_id) = member_id.filter(|_| verified) else {
            return Err(AppError::BadCredentials);
        };
        if !confirmed {
            // Only someone who knows the password learns this.
            return Err(AppError::Refused(
                crate::i18n::Problem::new(crate::i18n::k::error_email_unconfirmed)
                    .with("hours", i64::from(auth::VERIFICATION_HOURS)),
            ));
        }
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
        // Their chosen language follows them to this browser; without one, the
        // language they read in now is kept for their emails and pushes.
        match crate::backend::members::language::language_of(&state.pool, member_id).await? {
            Some(language) => {
                if state.settings.languages.contains(&language) {
                    context::set_language_cookie(&state.settings, language);
                }
            }
            None => {
                let mut conn = state.pool.acquire().await?;
                crate::backend::members::language::note_language(
                    &mut conn,
                    member_id,
                    crate::i18n::request_language(),
                )
                .await?;
            }
        }
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
