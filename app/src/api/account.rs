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
            errors.add(
                "current_password",
                crate::i18n::k::error_password_to_confirm,
            );
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
            errors.add(
                "current_password",
                crate::i18n::k::error_password_to_confirm,
            );
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

pub use crate::model::account::TimeZoneView;

/// The zone this browser reports (`Intl.DateTimeFormat().resolvedOptions().timeZone`),
/// sent once a page runs. For a signed-in member it is kept (for emails and
/// pushes) unless they chose one. Answers the zone pages are written in, and
/// sets the cookie that has the server write the next page in it.
#[server(endpoint = "note_time_zone")]
pub async fn note_time_zone(#[server(default)] zone: String) -> Result<String, AppError> {
    let viewer = context::current_viewer();
    context::public(|state| async move {
        let Some(reported) = crate::backend::members::time_zone::known(&zone) else {
            let mut errors = crate::domain::FieldErrors::new();
            errors.add("zone", crate::i18n::k::error_time_zone_unknown);
            return Err(errors.into());
        };
        let zone = match viewer.await? {
            Some(viewer) => {
                crate::backend::members::time_zone::note_browser_zone(
                    &state.pool,
                    viewer.id,
                    reported,
                )
                .await?
            }
            None => reported,
        };
        context::set_time_zone_cookie(&state.settings, zone.name());
        Ok(zone.name().to_string())
    })
    .await
}

/// The reader's language (the footer's chooser): for everyone a cookie, and for
/// a signed-in member their setting too. Back to the page it was chosen on.
#[server(endpoint = "choose_language")]
pub async fn choose_language(
    language: String,
    #[server(default)] back: String,
) -> Result<(), AppError> {
    let viewer = context::current_viewer();
    context::public(|state| async move {
        let Some(language) = crate::domain::language::Language::from_code(&language)
            .filter(|l| state.settings.languages.contains(l))
        else {
            let mut errors = crate::domain::FieldErrors::new();
            errors.add("language", crate::i18n::k::error_language_not_offered);
            return Err(errors.into());
        };
        if let Some(viewer) = viewer.await? {
            crate::backend::members::language::choose_language(&state.pool, viewer.id, language)
                .await?;
        }
        context::set_language_cookie(&state.settings, language);
        // Only a path of the portal's own (never another site).
        let back = crate::domain::redirect::local_path(&back).unwrap_or_else(|| "/".into());
        leptos_axum::redirect(&back);
        Ok(())
    })
    .await
}

/// The account page's time zone setting, with every zone one may choose.
#[server(endpoint = "get_time_zone")]
pub async fn get_time_zone() -> Result<TimeZoneView, AppError> {
    signed_in(|viewer, state| async move {
        let (zone, chosen) =
            crate::backend::members::time_zone::zone_of(&state.pool, viewer.id).await?;
        Ok(TimeZoneView {
            zone: zone.map(|z| z.name().to_string()),
            chosen,
            zones: crate::backend::members::time_zone::choices(),
        })
    })
    .await
}

/// Chooses the zone the member's times are written in; an empty `zone` follows
/// the browser again.
#[server(endpoint = "choose_time_zone")]
pub async fn choose_time_zone(#[server(default)] zone: String) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        let chosen = match zone.trim() {
            "" => None,
            name => Some(
                crate::backend::members::time_zone::known(name).ok_or_else(|| {
                    let mut errors = crate::domain::FieldErrors::new();
                    errors.add("zone", crate::i18n::k::error_time_zone_choose);
                    AppError::from(errors)
                })?,
            ),
        };
        crate::backend::members::time_zone::choose_zone(&state.pool, viewer.id, chosen).await?;
        // Automatic: the zone the browser last reported, until it reports again.
        let (zone, _) = crate::backend::members::time_zone::zone_of(&state.pool, viewer.id).await?;
        if let Some(zone) = zone {
            context::set_time_zone_cookie(&state.settings, zone.name());
        }
        context::after_plain_form("/settings/account?zone=1#time-zone");
        Ok(())
    })
    .await
}
