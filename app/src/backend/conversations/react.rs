//! Reacting to a message: one emoji of a small set, toggled, seen live by everyone
//! in the conversation. No email and no unread state: a reaction is not a message.

use super::field_error;
use crate::backend::live::{self, Change};
use crate::backend::permissions;
use crate::domain::conversation::parse_reaction;
use crate::error::AppError;
use crate::i18n::k;
use crate::model::account::Viewer;
use crate::model::conversation::Reaction;
use sqlx::PgPool;

/// Puts `emoji` on the message for the viewer's side of the conversation (the
/// group they answer for, or themself) when `on`, or takes it back. Saying what the
/// reaction should be, not "toggle", makes a retried or doubled request harmless;
/// only a change is announced. Returns the conversation and the message's
/// reactions now. At most `per_minute` calls a minute per member.
pub async fn react(
    pool: &PgPool,
    viewer: &Viewer,
    (message_id, emoji, on): (i64, &str, bool),
    per_minute: i64,
) -> Result<(i64, Vec<Reaction>), AppError> {
    let message = sqlx::query!(
        r#"SELECT conversation_id, kind,
                  (removed_at IS NOT NULL OR deleted_at IS NOT NULL) AS "gone!"
           FROM messages WHERE id = $1"#,
        message_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let conversation_id = message.conversation_id;
    let access = permissions::conversation_access(pool, viewer.id, conversation_id).await?;
    let emoji = parse_reaction(emoji).map_err(|e| field_error("emoji", e))?;
    access.may_write()?;
    if access.request {
        return Err(AppError::Refused(k::error_react_request.into()));
    }
    if message.kind != "text" || message.gone {
        return Err(AppError::Refused(k::error_react_gone.into()));
    }
    let mut tx = pool.begin().await?;
    crate::backend::moderation::check_action_rate(&mut tx, viewer.id, "react", per_minute).await?;
    let changed = if on {
        sqlx::query!(
            "INSERT INTO message_reactions (message_id, emoji, member_id, as_group_id)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            message_id,
            emoji,
            viewer.id,
            access.as_group()
        )
        .execute(&mut *tx)
        .await?
    } else {
        sqlx::query!(
            "DELETE FROM message_reactions WHERE message_id = $1 AND emoji = $2 AND party_key = $3",
            message_id,
            emoji,
            access.acting_as.key_part()
        )
        .execute(&mut *tx)
        .await?
    }
    .rows_affected()
        > 0;
    let reactions = live::reactions_of(&mut *tx, &[message_id])
        .await?
        .remove(&message_id)
        .unwrap_or_default();
    if changed {
        live::publish_to_conversation(
            &mut tx,
            conversation_id,
            message_id,
            Change::Reacted(reactions.clone()),
        )
        .await?;
    }
    tx.commit().await?;
    Ok((conversation_id, reactions))
}
