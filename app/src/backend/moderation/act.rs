//! A moderator acts on a report.

use crate::domain::moderation::ModAction;
use crate::error::AppError;
use crate::i18n::k;
use crate::model::account::{Role, Viewer};
use sqlx::{PgConnection, PgPool};

/// A moderator acts on an open report. Everything the action changes, the report's
/// resolution and the audit-log entry commit together.
pub async fn act(
    pool: &PgPool,
    moderator: &Viewer,
    report_id: i64,
    action: ModAction,
    note: &str,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let report = sqlx::query_as!(
        Reported,
        r#"SELECT r.message_id, r.resolved_at, msg.conversation_id, msg.author_id, a.role
           FROM reports r JOIN messages msg ON msg.id = r.message_id
           JOIN members a ON a.id = msg.author_id
           WHERE r.id = $1 FOR UPDATE OF r"#,
        report_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if report.resolved_at.is_some() {
        return Err(AppError::Refused(k::error_report_handled.into()));
    }
    match action {
        ModAction::Dismiss => {}
        ModAction::Remove => remove_message(&mut tx, &report, moderator).await?,
        ModAction::Warn => warn(&mut tx, &report).await?,
        ModAction::Suspend => suspend(&mut tx, &report).await?,
    }
    // Dismissing closes this report; acting on the message closes every open report
    // about it.
    sqlx::query!(
        "UPDATE reports SET resolved_at = now(), resolved_by = $2, outcome = $3
         WHERE resolved_at IS NULL AND (id = $1 OR ($4 AND message_id = $5))",
        report_id,
        moderator.id,
        action.as_str(),
        action != ModAction::Dismiss,
        report.message_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO moderation_log (moderator_id, action, report_id, message_id, member_id, note)
         VALUES ($1, $2, $3, $4, $5, $6)",
        moderator.id,
        action.as_str(),
        report_id,
        report.message_id,
        report.author_id,
        note
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The report being acted on, with its message's author.
struct Reported {
    message_id: i64,
    resolved_at: Option<chrono::DateTime<chrono::Utc>>,
    conversation_id: i64,
    author_id: i64,
    role: String,
}

/// Hides the message from everyone, live; a message already removed stays as it is.
async fn remove_message(
    tx: &mut PgConnection,
    report: &Reported,
    moderator: &Viewer,
) -> Result<(), AppError> {
    // The statement's text (indentation included) is unchanged: its offline query
    // data is keyed by it.
    let removed = sqlx::query!(
        "UPDATE messages SET removed_at = now(), removed_by = $2
                 WHERE id = $1 AND removed_at IS NULL",
        report.message_id,
        moderator.id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if removed > 0 {
        crate::backend::live::publish_to_conversation(
            tx,
            report.conversation_id,
            report.message_id,
            crate::backend::live::Change::Removed,
        )
        .await?;
    }
    Ok(())
}

/// Records a warning the author sees on their privacy page.
async fn warn(tx: &mut PgConnection, report: &Reported) -> Result<(), AppError> {
    sqlx::query!(
        "INSERT INTO member_warnings (member_id, message_id) VALUES ($1, $2)",
        report.author_id,
        report.message_id
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Suspends the author (never a moderator or administrator), signs them out
/// everywhere and ends their open streams on every instance.
async fn suspend(tx: &mut PgConnection, report: &Reported) -> Result<(), AppError> {
    if Role::from_db(&report.role).moderates() {
        return Err(AppError::Refused(k::error_moderator_not_suspendable.into()));
    }
    super::suspension::suspend_member(tx, report.author_id).await?;
    Ok(())
}
