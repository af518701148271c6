//! The code of conduct in practice: reporting a message, blocking a member, "who
//! may message me", warnings, and the moderators' review queue and audit log.
//!
//! Only moderators and administrators reach the queue, the actions and the log
//! (`permissions::may_moderate`); a reporter only ever learns that their report
//! was received, and nobody else learns that a report exists.

use crate::api::conversations::PartyView;
use crate::domain::moderation::{MessagePolicy, ModAction, ReportReason};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A message as a moderator sees it in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueMessage {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// The message the report is about (the others are its context).
    pub reported: bool,
    pub removed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportView {
    pub id: i64,
    pub reason: ReportReason,
    pub note: String,
    pub reported_at: DateTime<Utc>,
    pub reporter: String,
    pub author: PartyView,
    /// The reported message with up to two messages before and after it, oldest
    /// first: only that much of a private conversation is shown to a moderator.
    pub context: Vec<QueueMessage>,
    /// Other open reports about the same message.
    pub other_reports: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub moderator: String,
    pub action: ModAction,
    /// The member acted on (the reported message's author).
    pub member: Option<String>,
    pub report_reason: Option<ReportReason>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacySettings {
    pub policy: MessagePolicy,
    pub blocked: Vec<PartyView>,
}

/// A moderator's warning, shown to its member until acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningView {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The start of the message it was about.
    pub excerpt: String,
}

#[cfg(feature = "ssr")]
fn invalid(field: &str, message: String) -> AppError {
    let mut errors = crate::domain::FieldErrors::new();
    errors.add(field, message);
    AppError::Invalid(errors)
}

/// Reports a message in one of the viewer's conversations. Reporting the same
/// message again changes nothing, and the answer is the same.
#[server(endpoint = "report_message")]
pub async fn report_message(
    message: i64,
    #[server(default)] reason: String,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        let reason = ReportReason::parse(&reason).map_err(|e| invalid("reason", e))?;
        let note = crate::domain::moderation::parse_note(&note).map_err(|e| invalid("note", e))?;
        crate::moderation::report(&state.pool, &viewer, message, reason, &note).await
    };
    crate::error::respond(result.await)
}

/// Blocks (or unblocks) the member with this handle; returns whether they are blocked now.
#[server(endpoint = "set_block")]
pub async fn set_block(handle: String, blocked: bool) -> Result<bool, AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        crate::moderation::set_block(&state.pool, &viewer, &handle, blocked).await
    };
    crate::error::respond(result.await)
}

#[server(endpoint = "get_privacy")]
pub async fn get_privacy() -> Result<PrivacySettings, AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        crate::moderation::privacy(&state.pool, &viewer).await
    };
    crate::error::respond(result.await)
}

/// Sets who may start a conversation with the viewer: `everyone` or `shared_groups`.
#[server(endpoint = "save_message_policy")]
pub async fn save_message_policy(policy: String) -> Result<MessagePolicy, AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        let policy = MessagePolicy::parse(&policy).map_err(|e| invalid("policy", e))?;
        crate::moderation::save_policy(&state.pool, &viewer, policy).await?;
        Ok(policy)
    };
    crate::error::respond(result.await)
}

/// The viewer's warnings not yet acknowledged.
#[server(endpoint = "my_warnings")]
pub async fn my_warnings() -> Result<Vec<WarningView>, AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        crate::moderation::warnings(&state.pool, &viewer).await
    };
    crate::error::respond(result.await)
}

#[server(endpoint = "acknowledge_warnings")]
pub async fn acknowledge_warnings() -> Result<(), AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        crate::moderation::acknowledge(&state.pool, &viewer).await
    };
    crate::error::respond(result.await)
}

/// Open reports, oldest first (moderators only).
#[server(endpoint = "moderation_queue")]
pub async fn moderation_queue() -> Result<Vec<ReportView>, AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        crate::permissions::may_moderate(&viewer)?;
        let state = crate::state::app_state()?;
        crate::moderation::queue(&state.pool).await
    };
    crate::error::respond(result.await)
}

/// Acts on a report: `dismiss`, `remove`, `warn` or `suspend` (moderators only).
#[server(endpoint = "moderate")]
pub async fn moderate(
    report: i64,
    #[server(default)] action: String,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        crate::permissions::may_moderate(&viewer)?;
        let state = crate::state::app_state()?;
        let action = ModAction::parse(&action).map_err(|e| invalid("action", e))?;
        let note = crate::domain::moderation::parse_note(&note).map_err(|e| invalid("note", e))?;
        crate::moderation::act(&state.pool, &viewer, report, action, &note).await
    };
    crate::error::respond(result.await)
}

/// The moderators' audit log, newest first (moderators only).
#[server(endpoint = "moderation_log")]
pub async fn moderation_log(
    #[server(default)] before: Option<i64>,
) -> Result<Vec<AuditEntry>, AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        crate::permissions::may_moderate(&viewer)?;
        let state = crate::state::app_state()?;
        crate::moderation::log(&state.pool, before).await
    };
    crate::error::respond(result.await)
}
