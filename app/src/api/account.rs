//! The member's account as a whole: taking their data with them and deleting it.

#[cfg(feature = "ssr")]
use crate::api::context::{self, signed_in};
use crate::error::AppError;
use leptos::prelude::*;

/// The member's own password, checked before a step that needs it, keyed in the
/// sign-in throttle as a sign-in from this address would be.
#[cfg(feature = "ssr")]
async fn confirm_own_password(
    state: &crate::backend::state::AppState,
    member_id: i64,
    password: String,
) -> Result<(), AppError> {
    let email = crate::backend::auth::account_email(&state.pool, member_id).await?;
    let address = context::client_address(&state.settings);
    let keys = crate::backend::auth::keys_for(&email, &address, None);
    crate::backend::auth::confirm_password(
        &state.pool,
        &state.passwords,
        member_id,
        &keys,
        password,
    )
    .await
}

/// Where "Download my data" fetches the ZIP (a plain GET the server answers with
/// the file; see `server::export`).
pub const DATA_EXPORT_PATH: &str = "/settings/account/data.zip";

/// Deletes the viewer's account once their password confirms it, signs this
/// browser out and lands on a page that says it is done.
#[server(endpoint = "delete_account")]
pub async fn delete_account(#[server(default)] current_password: String) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        if current_password.is_empty() {
            let mut errors = crate::domain::FieldErrors::new();
            errors.add("current_password", "Enter your password to confirm.");
            return Err(errors.into());
        }
        confirm_own_password(&state, viewer.id, current_password).await?;
        crate::backend::members::delete_account(&state.pool, viewer.id).await?;
        context::clear_session_cookie(&state.settings);
        leptos_axum::redirect(ACCOUNT_DELETED_PATH);
        Ok(())
    })
    .await
}

pub const ACCOUNT_DELETED_PATH: &str = "/account-deleted";

pub use crate::model::account::AccountView;

/// The viewer's email, and a new one waiting for its confirmation link.
#[server(endpoint = "get_account")]
pub async fn get_account() -> Result<AccountView, AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::members::account_view(&state.pool, viewer.id).await
    })
    .await
}

/// Sends a confirmation link to a new address (the password confirms it is the
/// member asking); the current address is told.
#[server(endpoint = "request_email_change")]
pub async fn request_email_change(
    #[server(default)] new_email: String,
    #[server(default)] current_password: String,
) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        let mut errors = crate::domain::FieldErrors::new();
        let new = errors.check(
            "new_email",
            crate::domain::account::Email::parse(&new_email),
        );
        if current_password.is_empty() {
            errors.add("current_password", "Enter your password to confirm.");
        }
        let Some(new) = new.filter(|_| errors.is_empty()) else {
            return Err(errors.into());
        };
        confirm_own_password(&state, viewer.id, current_password).await?;
        crate::backend::members::request_email_change(
            &state.pool,
            &state.settings.public_url,
            viewer.id,
            &new,
        )
        .await?;
        context::after_plain_form("/settings/account?email=sent");
        Ok(())
    })
    .await
}

/// Confirms a new address with the token of its link (from any browser: the
/// link itself is the proof).
#[server(endpoint = "confirm_email_change")]
pub async fn confirm_email_change(#[server(default)] token: String) -> Result<(), AppError> {
    crate::api::context::public(|state| async move {
        crate::backend::members::confirm_email_change(&state.pool, token.trim()).await?;
        context::after_plain_form("/confirm-email?done=1");
        Ok(())
    })
    .await
}
