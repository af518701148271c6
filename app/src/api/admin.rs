//! `/admin`: administrators look after members (roles, suspensions), groups
//! (close, appoint a manager) and the site's settings and invitations. Every
//! function asks `permissions::may_administer` first; every change is logged.

#[cfg(feature = "ssr")]
use crate::api::context::signed_in;
use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::admin::*;

/// Runs `body` for an administrator; `Forbidden` for anyone else signed in.
#[cfg(feature = "ssr")]
async fn administrator<T, F, Fut>(body: F) -> Result<T, AppError>
where
    F: FnOnce(crate::model::account::Viewer, crate::backend::state::AppState) -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    signed_in(|viewer, state| async move {
        crate::backend::permissions::may_administer(&viewer)?;
        body(viewer, state).await
    })
    .await
}

#[cfg(feature = "ssr")]
fn invalid(field: &str, message: impl Into<crate::i18n::Problem>) -> AppError {
    let mut errors = crate::domain::FieldErrors::new();
    errors.add(field, message);
    AppError::Invalid(errors)
}

#[server(endpoint = "admin_members")]
pub async fn admin_members(
    #[server(default)] query: String,
    #[server(default)] after: Option<i64>,
) -> Result<AdminMemberPage, AppError> {
    administrator(|_, state| async move {
        let query = crate::domain::account::normalize_query(&query);
        crate::backend::admin::members(&state.pool, &query, after).await
    })
    .await
}

/// Grants or revokes moderator or administrator (`role`: member, moderator, admin).
#[server(endpoint = "admin_set_role")]
pub async fn admin_set_role(
    handle: String,
    #[server(default)] role: String,
) -> Result<(), AppError> {
    administrator(|viewer, state| async move {
        let role = crate::domain::admin::parse_role(&role).map_err(|e| invalid("role", e))?;
        crate::backend::admin::set_role(&state.pool, &viewer, &handle, role).await
    })
    .await
}

#[server(endpoint = "admin_suspend")]
pub async fn admin_suspend(
    handle: String,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    administrator(|viewer, state| async move {
        let note = crate::domain::moderation::parse_note(&note).map_err(|e| invalid("note", e))?;
        crate::backend::admin::suspend(&state.pool, &viewer, &handle, &note).await
    })
    .await
}

#[server(endpoint = "admin_lift_suspension")]
pub async fn admin_lift_suspension(handle: String) -> Result<(), AppError> {
    administrator(|viewer, state| async move {
        crate::backend::admin::lift(&state.pool, &viewer, &handle).await
    })
    .await
}

#[server(endpoint = "admin_groups")]
pub async fn admin_groups(#[server(default)] query: String) -> Result<Vec<AdminGroup>, AppError> {
    administrator(|_, state| async move {
        let query = crate::domain::account::normalize_query(&query);
        crate::backend::admin::groups(&state.pool, &query).await
    })
    .await
}

#[server(endpoint = "admin_close_group")]
pub async fn admin_close_group(
    slug: String,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    administrator(|viewer, state| async move {
        let note = crate::domain::moderation::parse_note(&note).map_err(|e| invalid("note", e))?;
        crate::backend::admin::close_group(&state.pool, &viewer, &slug, &note).await
    })
    .await
}

#[server(endpoint = "admin_appoint_manager")]
pub async fn admin_appoint_manager(
    slug: String,
    #[server(default)] handle: String,
) -> Result<(), AppError> {
    administrator(|viewer, state| async move {
        if handle.trim().is_empty() {
            return Err(invalid("handle", crate::i18n::k::error_handle_missing));
        }
        crate::backend::admin::appoint_manager(&state.pool, &viewer, &slug, &handle)
            .await
            .map_err(|error| match error {
                AppError::NotFound => {
                    invalid("handle", crate::i18n::k::error_no_member_with_handle)
                }
                other => other,
            })
    })
    .await
}

#[server(endpoint = "get_site_settings")]
pub async fn get_site_settings() -> Result<SiteSettingsView, AppError> {
    administrator(|_, state| async move {
        crate::backend::site::current(&state.pool, &state.settings).await
    })
    .await
}

#[server(endpoint = "save_site_settings")]
pub async fn save_site_settings(
    #[server(default)] registration: String,
    #[server(default)] messages_per_minute: String,
    #[server(default)] conversations_per_hour: String,
    #[server(default)] email_batch_minutes: String,
) -> Result<(), AppError> {
    administrator(|viewer, state| async move {
        let input = crate::domain::admin::SiteSettingsInput::parse(
            &registration,
            &messages_per_minute,
            &conversations_per_hour,
            &email_batch_minutes,
        )?;
        crate::backend::admin::save_settings(&state.pool, &viewer, &input).await?;
        crate::api::context::after_plain_form("/admin/settings?saved=1");
        Ok(())
    })
    .await
}

/// A new invitation to register; the link to hand over (shown once).
#[server(endpoint = "admin_create_invitation")]
pub async fn admin_create_invitation(#[server(default)] note: String) -> Result<String, AppError> {
    administrator(|viewer, state| async move {
        let note = crate::domain::moderation::parse_note(&note).map_err(|e| invalid("note", e))?;
        let token = crate::backend::admin::invite(&state.pool, &viewer, &note).await?;
        Ok(format!(
            "{}/register?invitation={token}",
            state.settings.public_url.trim_end_matches('/')
        ))
    })
    .await
}
