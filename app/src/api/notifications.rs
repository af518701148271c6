//! Notification settings, mutes and the in-app notifications menu.

#[cfg(feature = "ssr")]
use crate::api::context::signed_in;
use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::notification::*;

#[server(endpoint = "get_notification_settings")]
pub async fn get_notification_settings() -> Result<NotificationSettings, AppError> {
    signed_in(|viewer, state| async move {
        let mut settings = crate::backend::notifications::settings(
            &state.pool,
            viewer.id,
            state.settings.email_batch_seconds,
        )
        .await?;
        settings.replies_by_email = state.settings.reply_address.is_some();
        Ok(settings)
    })
    .await
}

/// Turns off the reply address of every notification email the viewer has
/// (a mailbox shared or lost); the emails to come carry new ones.
#[server(endpoint = "revoke_reply_addresses")]
pub async fn revoke_reply_addresses() -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::email_replies::revoke_reply_addresses(&state.pool, viewer.id).await?;
        crate::api::context::after_plain_form("/settings/notifications?replies=1#email-replies");
        Ok(())
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

/// The push section of the settings: whether the portal sends pushes, the key
/// browsers subscribe with, the member's choices and their browsers.
#[server(endpoint = "get_push_settings")]
pub async fn get_push_settings() -> Result<PushSettings, AppError> {
    signed_in(|viewer, state| async move {
        let (enabled, shows_text) =
            crate::backend::notifications::push::push_choices(&state.pool, viewer.id).await?;
        Ok(PushSettings {
            available: state.settings.push.public_key.is_some(),
            public_key: state.settings.push.public_key.clone(),
            enabled,
            shows_text,
            devices: crate::backend::notifications::push::push_devices(&state.pool, viewer.id)
                .await?,
        })
    })
    .await
}

/// Keeps this browser's push subscription (what `pushManager.subscribe` gave,
/// with the portal's key) for the viewer; answers its id in their device list.
#[server(endpoint = "subscribe_push")]
pub async fn subscribe_push(
    #[server(default)] endpoint: String,
    #[server(default)] p256dh: String,
    #[server(default)] auth: String,
) -> Result<i64, AppError> {
    signed_in(|viewer, state| async move {
        fn invalid(message: impl Into<crate::i18n::Problem>) -> AppError {
            let mut errors = crate::domain::FieldErrors::new();
            errors.add("endpoint", message);
            AppError::Invalid(errors)
        }
        if state.settings.push.public_key.is_none() {
            return Err(AppError::Refused(crate::i18n::k::error_push_off.into()));
        }
        let subscription =
            crate::domain::push::check_subscription(&endpoint, &p256dh, &auth).map_err(invalid)?;
        if !state.settings.push.accepts(&subscription.endpoint) {
            return Err(invalid(crate::i18n::k::error_push_service));
        }
        let agent = crate::api::context::request_headers()
            .and_then(|h| {
                h.get(http::header::USER_AGENT)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            })
            .unwrap_or_default();
        let device = crate::backend::auth::describe_device(&agent);
        crate::backend::notifications::push::subscribe(
            &state.pool,
            viewer.id,
            &subscription,
            &device,
        )
        .await
    })
    .await
}

/// Stops pushes to one of the viewer's browsers.
#[server(endpoint = "remove_push_device")]
pub async fn remove_push_device(device: i64) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::notifications::push::remove_device(&state.pool, viewer.id, device).await?;
        crate::api::context::after_plain_form("/settings/notifications#push");
        Ok(())
    })
    .await
}

/// Pushes on or off, and whether a lock screen may show the message's text.
#[server(endpoint = "save_push_choices")]
pub async fn save_push_choices(
    #[server(default)] enabled: Option<String>,
    #[server(default)] shows_text: Option<String>,
) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::notifications::push::save_push_choices(
            &state.pool,
            viewer.id,
            enabled.is_some(),
            shows_text.is_some(),
        )
        .await?;
        crate::api::context::after_plain_form("/settings/notifications?push=1#push");
        Ok(())
    })
    .await
}
