//! The code of conduct in practice: reporting a message, blocking a member, "who
//! may message me", warnings, and the moderators' review queue and audit log.
//!
//! Only moderators and administrators reach the queue, the actions and the log
//! (`permissions::may_moderate`); a reporter only ever learns that their report
//! was received, and nobody else learns that a report exists.

#[cfg(feature = "ssr")]
use crate::api::context::signed_in;
#[cfg(feature = "ssr")]
use crate::backend::permissions;
use crate::domain::moderation::MessagePolicy;
#[cfg(feature = "ssr")]
use crate::domain::moderation::{ModAction, ReportReason};
use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::moderation::*;

#[cfg(feature = "ssr")]
fn invalid(field: &str, message: impl Into<crate::i18n::Problem>) -> AppError {
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
    signed_in(|viewer, state| async move {
        let reason = ReportReason::parse(&reason).map_err(|e| invalid("reason", e))?;
        let note = crate::domain::moderation::parse_note(&note).map_err(|e| invalid("note", e))?;
        let conversation =
            crate::backend::moderation::report(&state.pool, &viewer, message, reason, &note)
                .await?;
        // Without JavaScript the thread is shown again with the thanks in place.
        crate::api::context::after_plain_form(&format!(
            "/conversations/{conversation}?reported={message}#message-{message}"
        ));
        Ok(())
    })
    .await
}

/// Blocks (or unblocks) the member with this handle; returns whether they are blocked now.
#[server(endpoint = "set_block")]
pub async fn set_block(handle: String, blocked: bool) -> Result<bool, AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::moderation::set_block(&state.pool, &viewer, &handle, blocked).await
    })
    .await
}

#[server(endpoint = "get_privacy")]
pub async fn get_privacy() -> Result<PrivacySettings, AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::moderation::privacy(&state.pool, &viewer).await
    })
    .await
}

/// Sets who may start a conversation with the viewer: `everyone` or `shared_groups`.
#[server(endpoint = "save_message_policy")]
pub async fn save_message_policy(policy: String) -> Result<MessagePolicy, AppError> {
    signed_in(|viewer, state| async move {
        let policy = MessagePolicy::parse(&policy).map_err(|e| invalid("policy", e))?;
        crate::backend::moderation::save_policy(&state.pool, &viewer, policy).await?;
        crate::api::context::after_plain_form("/settings/privacy?saved=1");
        Ok(policy)
    })
    .await
}

/// Whether others see how far the viewer has read ("Seen by"); sharing nothing,
/// the viewer sees nobody's.
#[server(endpoint = "save_read_receipts")]
pub async fn save_read_receipts(share: bool) -> Result<bool, AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::moderation::save_read_receipts(&state.pool, &viewer, share).await?;
        crate::api::context::after_plain_form("/settings/privacy?saved=1");
        Ok(share)
    })
    .await
}

/// The viewer's warnings not yet acknowledged.
#[server(endpoint = "my_warnings")]
pub async fn my_warnings() -> Result<Vec<WarningView>, AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::moderation::warnings(&state.pool, &viewer).await
    })
    .await
}

#[server(endpoint = "acknowledge_warnings")]
pub async fn acknowledge_warnings() -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::moderation::acknowledge(&state.pool, &viewer).await
    })
    .await
}

/// Open reports, oldest first (moderators only).
#[server(endpoint = "moderation_queue")]
pub async fn moderation_queue() -> Result<Vec<ReportView>, AppError> {
    signed_in(|viewer, state| async move {
        permissions::may_moderate(&viewer)?;
        crate::backend::moderation::queue(&state.pool).await
    })
    .await
}

/// Acts on a report: `dismiss`, `remove`, `warn` or `suspend` (moderators only).
#[server(endpoint = "moderate")]
pub async fn moderate(
    report: i64,
    #[server(default)] action: String,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        permissions::may_moderate(&viewer)?;
        let action = ModAction::parse(&action).map_err(|e| invalid("action", e))?;
        let note = crate::domain::moderation::parse_note(&note).map_err(|e| invalid("note", e))?;
        crate::backend::moderation::act(&state.pool, &viewer, report, action, &note).await
    })
    .await
}

/// The moderators' audit log, newest first (moderators only).
#[server(endpoint = "moderation_log")]
pub async fn moderation_log(
    #[server(default)] before: Option<i64>,
) -> Result<Vec<AuditEntry>, AppError> {
    signed_in(|viewer, state| async move {
        permissions::may_moderate(&viewer)?;
        crate::backend::moderation::log(&state.pool, before).await
    })
    .await
}
