//! A member edits or deletes their own message; everyone who sees the
//! conversation follows live, and a reconnecting page gets the change once.

use super::field_error;
use crate::backend::live::{self, Change};
use crate::backend::permissions::{self, Access};
use crate::domain::conversation::{edit_window_passed, MessageBody, MAX_EDITS};
use crate::error::AppError;
use crate::i18n::{k, Problem};
use crate::model::account::Viewer;
use crate::model::conversation::MessageEdit;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// A message as its author may change it, with the viewer's access to its conversation.
struct Owned {
    conversation_id: i64,
    body: String,
    created_at: DateTime<Utc>,
    edited_at: Option<DateTime<Utc>>,
    edit_count: i16,
    removed: bool,
    deleted: bool,
    access: Access,
}

/// The viewer's own message (a note, like "Alice left", is nobody's to change):
/// `NotFound` when they cannot see it, as for an id that does not exist.
async fn own_message(pool: &PgPool, viewer: &Viewer, message_id: i64) -> Result<Owned, AppError> {
    let row = sqlx::query!(
        r#"SELECT conversation_id, author_id, as_group_id, body, created_at, edited_at, edit_count, kind,
                  removed_at IS NOT NULL AS "removed!", deleted_at IS NOT NULL AS "deleted!"
           FROM messages WHERE id = $1"#,
        message_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let access = permissions::conversation_access(pool, viewer.id, row.conversation_id).await?;
    permissions::may_change_message(&access, viewer.id, row.author_id, row.as_group_id)?;
    if row.kind != "text" {
        return Err(AppError::Forbidden);
    }
    Ok(Owned {
        conversation_id: row.conversation_id,
        body: row.body,
        created_at: row.created_at,
        edited_at: row.edited_at,
        edit_count: row.edit_count,
        removed: row.removed,
        deleted: row.deleted,
        access,
    })
}

/// Replaces the text of the viewer's message within `window_seconds` of sending
/// it. Returns its conversation and the edit; the same text again changes nothing.
pub async fn edit_message(
    pool: &PgPool,
    viewer: &Viewer,
    message_id: i64,
    body: &str,
    window_seconds: i64,
) -> Result<(i64, MessageEdit), AppError> {
    let owned = own_message(pool, viewer, message_id).await?;
    let body = MessageBody::parse(body).map_err(|e| field_error("body", e))?;
    if owned.deleted || owned.removed {
        return Err(AppError::Refused(k::error_edit_gone.into()));
    }
    owned.access.may_write()?;
    let conversation_id = owned.conversation_id;
    let now = Utc::now();
    if !crate::domain::conversation::within_edit_window(owned.created_at, now, window_seconds) {
        return Err(AppError::Refused(edit_window_passed(window_seconds)));
    }
    if owned.body == body.as_str() {
        // Nothing to change; the answer says when it last changed.
        return Ok((
            conversation_id,
            MessageEdit {
                message_id,
                body: owned.body,
                edited_at: owned.edited_at.unwrap_or(owned.created_at),
            },
        ));
    }
    if owned.edit_count >= MAX_EDITS {
        return Err(AppError::Refused(
            Problem::new(k::error_edit_limit).with("max", i64::from(MAX_EDITS)),
        ));
    }
    let mut tx = pool.begin().await?;
    // The checks again, in the statement that changes it: a deletion committed
    // since the read above wins, and the same text sent twice at once (a retry)
    // is one edit.
    let edited_at = sqlx::query_scalar!(
        r#"UPDATE messages SET body = $2, edited_at = now(), edit_count = edit_count + 1
           WHERE id = $1 AND deleted_at IS NULL AND removed_at IS NULL AND edit_count < $3
             AND created_at > now() - make_interval(secs => $4) AND body <> $2
           RETURNING edited_at AS "edited_at!""#,
        message_id,
        body.as_str(),
        MAX_EDITS,
        window_seconds as f64
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(edited_at) = edited_at else {
        drop(tx);
        return already_edited(pool, message_id, body.as_str())
            .await
            .map(|edit| (conversation_id, edit));
    };
    let edit = MessageEdit {
        message_id,
        body: body.into_inner(),
        edited_at,
    };
    live::publish_to_conversation(
        &mut tx,
        conversation_id,
        message_id,
        Change::Edited(edit.clone()),
    )
    .await?;
    tx.commit().await?;
    Ok((conversation_id, edit))
}

/// The answer to an edit that changed nothing: the message has this text already
/// (a retry), or it changed meanwhile (deleted, removed, or edited too often).
async fn already_edited(
    pool: &PgPool,
    message_id: i64,
    body: &str,
) -> Result<MessageEdit, AppError> {
    let now = sqlx::query!(
        "SELECT body, edited_at, deleted_at IS NULL AND removed_at IS NULL AS \"live!\"
         FROM messages WHERE id = $1",
        message_id
    )
    .fetch_one(pool)
    .await?;
    match now.edited_at {
        Some(edited_at) if now.live && now.body == body => Ok(MessageEdit {
            message_id,
            body: now.body,
            edited_at,
        }),
        _ => Err(AppError::Refused(k::error_edit_changed.into())),
    }
}

/// Deletes the viewer's message: its text is erased for good (a report keeps the
/// text it was made about), the thread shows "Message deleted", and if it was the
/// conversation's newest message the conversation falls back to the one before,
/// so it is no longer unread for anyone because of it. Returns its conversation.
/// Allowed in a read-only conversation too: taking one's words back never expires.
pub async fn delete_message(
    pool: &PgPool,
    viewer: &Viewer,
    message_id: i64,
) -> Result<i64, AppError> {
    let owned = own_message(pool, viewer, message_id).await?;
    let conversation_id = owned.conversation_id;
    if owned.deleted {
        return Ok(conversation_id);
    }
    let mut tx = pool.begin().await?;
    // Deletions in one conversation take turns: two at once could each fall back to
    // the message the other deletes.
    sqlx::query!(
        "SELECT id FROM conversations WHERE id = $1 FOR UPDATE",
        conversation_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let deleted = sqlx::query!(
        "UPDATE messages SET body = '', deleted_at = now() WHERE id = $1 AND deleted_at IS NULL",
        message_id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if deleted == 0 {
        // Deleted meanwhile (another tab): nothing more to do.
        return Ok(conversation_id);
    }
    sqlx::query!(
        r#"WITH previous AS (
             SELECT id, created_at FROM messages
             WHERE conversation_id = $1 AND id < $2 AND kind = 'text' AND deleted_at IS NULL
             ORDER BY id DESC LIMIT 1)
           UPDATE conversations c
           SET last_message_id = coalesce((SELECT id FROM previous), 0),
               last_message_at = coalesce((SELECT created_at FROM previous), c.created_at)
           WHERE c.id = $1 AND c.last_message_id = $2"#,
        conversation_id,
        message_id
    )
    .execute(&mut *tx)
    .await?;
    // Its reactions and files go with its text.
    sqlx::query!(
        "DELETE FROM message_reactions WHERE message_id = $1",
        message_id
    )
    .execute(&mut *tx)
    .await?;
    crate::backend::attachments::erase_with_message(&mut tx, message_id).await?;
    live::publish_to_conversation(&mut tx, conversation_id, message_id, Change::Deleted).await?;
    tx.commit().await?;
    Ok(conversation_id)
}
