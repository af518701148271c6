//! Whether a notification (an email, a push) may tell a member of a
//! conversation now: checked again when it goes out, as the fan-out decided
//! when the message was sent.

use crate::backend::permissions::{conversation_access, Access};
use crate::error::AppError;
use sqlx::PgPool;

/// How the member sees the conversation now, if a notification may tell them of
/// it: not once they lost access, not while it is a request they have not
/// accepted, nor for a group whose notifications they turned off.
pub(super) async fn notify_access(
    pool: &PgPool,
    member_id: i64,
    conversation_id: i64,
) -> Result<Option<Access>, AppError> {
    let access = match conversation_access(pool, member_id, conversation_id).await {
        Ok(access) => access,
        Err(AppError::NotFound) => return Ok(None),
        Err(other) => return Err(other),
    };
    if access.request {
        return Ok(None);
    }
    if let Some(group_id) = access.as_group() {
        let notify = sqlx::query_scalar!(
            "SELECT notify FROM group_memberships WHERE group_id = $1 AND member_id = $2",
            group_id,
            member_id
        )
        .fetch_optional(pool)
        .await?
        .unwrap_or(false);
        if !notify {
            return Ok(None);
        }
    }
    Ok(Some(access))
}
