//! Files leaving: with their message, or by their uploader before sending
//! (`housekeeping` erases those never sent). The bytes go with the row (a trigger, in the same
//! transaction).

use crate::error::AppError;
use sqlx::{PgConnection, PgPool};

/// A deleted or removed message's files, in the transaction that deletes or
/// removes it. A reported message keeps them for the moderators, with the
/// report's copy of its text; participants no longer reach them.
pub async fn erase_with_message(tx: &mut PgConnection, message_id: i64) -> Result<(), AppError> {
    sqlx::query!(
        "DELETE FROM attachments WHERE message_id = $1
         AND NOT EXISTS (SELECT 1 FROM reports WHERE message_id = $1)",
        message_id
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Removes one of the member's own uploads that is not sent yet, and says where
/// it waited (a conversation, or the start dialog: `None`). Anything else
/// (someone else's, or already sent) is NotFound.
pub async fn discard_pending(
    pool: &PgPool,
    member_id: i64,
    id: i64,
) -> Result<Option<i64>, AppError> {
    sqlx::query_scalar!(
        "DELETE FROM attachments WHERE id = $1 AND uploader_id = $2 AND message_id IS NULL
         RETURNING conversation_id",
        id,
        member_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)
}
