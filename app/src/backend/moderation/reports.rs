//! Members report messages they can see.

use crate::domain::conversation::Party;
use crate::domain::moderation::ReportReason;
use crate::error::AppError;
use crate::i18n::k;
use crate::model::account::Viewer;
use sqlx::PgPool;

/// Records a report about a message the viewer can see and did not write. A second
/// report of the same message by the same member is the same report.
pub async fn report(
    pool: &PgPool,
    viewer: &Viewer,
    message_id: i64,
    reason: ReportReason,
    note: &str,
) -> Result<i64, AppError> {
    let message = sqlx::query!(
        "SELECT conversation_id, author_id, as_group_id, body FROM messages
         WHERE id = $1 AND kind = 'text' AND removed_at IS NULL AND deleted_at IS NULL",
        message_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let access =
        crate::backend::permissions::conversation_access(pool, viewer.id, message.conversation_id)
            .await?;
    let own = match access.acting_as {
        Party::Member(id) => message.as_group_id.is_none() && message.author_id == id,
        Party::Group(id) => message.as_group_id == Some(id),
    };
    if own {
        return Err(AppError::Refused(k::error_report_own_message.into()));
    }
    sqlx::query!(
        "INSERT INTO reports (message_id, reporter_id, reason, note, body) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT ON CONSTRAINT reports_once DO NOTHING",
        message_id,
        viewer.id,
        reason.as_str(),
        note,
        message.body
    )
    .execute(pool)
    .await?;
    Ok(message.conversation_id)
}
