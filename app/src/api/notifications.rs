//! Notification settings, mutes and the in-app notifications menu.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// How a member wants email about new messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailMode {
    Off,
    /// One email per message.
    Each,
    /// At most one email per conversation per batching window, listing every new
    /// message (the default).
    Batched,
}

impl EmailMode {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailMode::Off => "off",
            EmailMode::Each => "each",
            EmailMode::Batched => "batched",
        }
    }

    pub fn parse(value: &str) -> Result<Self, String> {
        match value {
            "off" => Ok(EmailMode::Off),
            "each" => Ok(EmailMode::Each),
            "batched" => Ok(EmailMode::Batched),
            _ => Err("Choose one of the email options.".into()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupNotify {
    pub slug: String,
    pub name: String,
    pub notify: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MutedConversation {
    pub id: i64,
    /// The other people and groups in it.
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationSettings {
    pub in_app: bool,
    pub email: EmailMode,
    /// The batching window, for the explanation next to the option.
    pub batch_minutes: i64,
    /// Groups the member manages, and whether their conversations notify them.
    pub groups: Vec<GroupNotify>,
    pub muted: Vec<MutedConversation>,
}

/// One entry of the notifications menu: an unread conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationItem {
    pub conversation_id: i64,
    /// "Alice wrote to you" / "Alice wrote to the Marketing group".
    pub text: String,
    pub at: DateTime<Utc>,
}

#[server(endpoint = "get_notification_settings")]
pub async fn get_notification_settings() -> Result<NotificationSettings, AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        crate::notifications::settings(&state.pool, viewer.id, state.settings.email_batch_seconds)
            .await
    };
    crate::error::respond(result.await)
}

/// Saves the settings form. `groups_notify` lists the slugs of the managed groups
/// whose conversations should notify (checked boxes); the others stop notifying.
#[server(endpoint = "save_notification_settings")]
pub async fn save_notification_settings(
    #[server(default)] in_app: Option<String>,
    email: String,
    #[server(default)] groups_notify: Vec<String>,
) -> Result<(), AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        let email = EmailMode::parse(&email).map_err(|message| {
            let mut errors = crate::domain::FieldErrors::new();
            errors.add("email", message);
            AppError::Invalid(errors)
        })?;
        crate::notifications::save_settings(
            &state.pool,
            viewer.id,
            in_app.is_some(),
            email,
            &groups_notify,
        )
        .await?;
        leptos_axum::redirect("/settings/notifications?saved=1");
        Ok(())
    };
    crate::error::respond(result.await)
}

/// Mutes or unmutes one conversation for the viewer.
#[server(endpoint = "set_muted")]
pub async fn set_muted(conversation: i64, muted: bool) -> Result<bool, AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        crate::notifications::set_muted(&state.pool, viewer.id, conversation, muted).await?;
        Ok(muted)
    };
    crate::error::respond(result.await)
}

/// The notifications menu: unread conversations the member wants to hear about,
/// newest first. Reading a conversation clears its entry.
#[server(endpoint = "list_notifications")]
pub async fn list_notifications() -> Result<Vec<NotificationItem>, AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        crate::notifications::in_app_list(&state.pool, viewer.id).await
    };
    crate::error::respond(result.await)
}

/// The ids of the viewer's unread conversations (muted ones left out).
#[server(endpoint = "unread_ids")]
pub async fn unread_ids() -> Result<Vec<i64>, AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        crate::conversations::unread_ids(&state.pool, viewer.id).await
    };
    crate::error::respond(result.await)
}

/// Marks a conversation read up to a message the viewer has been shown (an open
/// thread receiving a live message).
#[server(endpoint = "mark_read")]
pub async fn mark_read(conversation: i64, up_to: i64) -> Result<(), AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        crate::conversations::mark_read(&state.pool, &viewer, conversation, up_to).await
    };
    crate::error::respond(result.await)
}
