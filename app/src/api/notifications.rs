//! Notification settings, mutes and the in-app notifications menu.

#[cfg(feature = "ssr")]
use crate::api::context::signed_in;
use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::notification::*;

#[server(endpoint = "get_notification_settings")]
pub async fn get_notification_settings() -> Result<NotificationSettings, AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::notifications::settings(
            &state.pool,
            viewer.id,
            state.settings.email_batch_seconds,
        )
        .await
    })
    .await
}

/// Saves the settings form. `groups_notify` lists the slugs of the managed groups
/// whose conversations should notify (checked boxes); the others stop notifying.
#[server(endpoint = "save_notification_settings")]
pub async fn save_notification_settings(
    #[server(default)] in_app: Option<String>,
    email: String,
    #[server(default)] groups_notify: Vec<String>,
) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        let email = EmailMode::parse(&email).map_err(|message| {
            let mut errors = crate::domain::FieldErrors::new();
            errors.add("email", message);
            AppError::Invalid(errors)
        })?;
        crate::backend::notifications::save_settings(
            &state.pool,
            viewer.id,
            in_app.is_some(),
            email,
            &groups_notify,
        )
        .await?;
        leptos_axum::redirect("/settings/notifications?saved=1");
        Ok(())
    })
    .await
}

/// Mutes or unmutes one conversation for the viewer.
#[server(endpoint = "set_muted")]
pub async fn set_muted(conversation: i64, muted: bool) -> Result<bool, AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::notifications::set_muted(&state.pool, viewer.id, conversation, muted)
            .await?;
        Ok(muted)
    })
    .await
}

/// The notifications menu: unread conversations the member wants to hear about,
/// newest first. Reading a conversation clears its entry.
#[server(endpoint = "list_notifications")]
pub async fn list_notifications() -> Result<Vec<NotificationItem>, AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::notifications::in_app_list(&state.pool, viewer.id).await
    })
    .await
}

/// The ids of the viewer's unread conversations (muted ones left out).
#[server(endpoint = "unread_ids")]
pub async fn unread_ids() -> Result<Vec<i64>, AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::conversations::unread_ids(&state.pool, viewer.id).await
    })
    .await
}

/// Marks a conversation read up to a message the viewer has been shown (an open
/// thread receiving a live message).
#[server(endpoint = "mark_read")]
pub async fn mark_read(conversation: i64, up_to: i64) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::conversations::mark_read(&state.pool, &viewer, conversation, up_to).await
    })
    .await
}
