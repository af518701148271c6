//! Attachments as the pages show them.

use crate::error::AppError;
use crate::model::conversation::AttachmentView;
use sqlx::PgPool;
use std::collections::HashMap;

/// A file as the queries below read it, with its message.
struct FileRow {
    id: i64,
    message_id: i64,
    name: String,
    media_type: String,
    size: i64,
    width: Option<i32>,
    height: Option<i32>,
}

pub(super) fn view(
    id: i64,
    name: String,
    media_type: String,
    size: i64,
    width: Option<i32>,
    height: Option<i32>,
) -> AttachmentView {
    AttachmentView {
        id,
        name,
        media_type,
        size: size.max(0) as u64,
        picture: match (width, height) {
            (Some(w), Some(h)) => Some((w.max(0) as u32, h.max(0) as u32)),
            _ => None,
        },
    }
}

/// The files of these messages, in the order they were attached. The callers
/// show only messages the viewer may read; a deleted or removed message's
/// files are never listed (a reported one keeps them for the moderators).
pub async fn attachments_of(
    pool: &PgPool,
    message_ids: &[i64],
) -> Result<HashMap<i64, Vec<AttachmentView>>, AppError> {
    if message_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = sqlx::query_as!(
        FileRow,
        r#"SELECT a.id, a.message_id AS "message_id!", a.name, a.media_type, a.size, a.width, a.height
           FROM attachments a JOIN messages m ON m.id = a.message_id
           WHERE a.message_id = ANY($1) AND m.deleted_at IS NULL AND m.removed_at IS NULL
           ORDER BY a.message_id, a.position"#,
        message_ids
    )
    .fetch_all(pool)
    .await?;
    Ok(by_message_id(rows))
}

/// The files of reported messages, for the moderators' review: whatever their
/// authors did since (a deleted or removed reported message keeps its files).
pub async fn files_for_review(
    pool: &PgPool,
    message_ids: &[i64],
) -> Result<HashMap<i64, Vec<AttachmentView>>, AppError> {
    let rows = sqlx::query_as!(
        FileRow,
        r#"SELECT a.id, a.message_id AS "message_id!", a.name, a.media_type, a.size, a.width, a.height
           FROM attachments a
           WHERE a.message_id = ANY($1)
             AND EXISTS (SELECT 1 FROM reports r WHERE r.message_id = a.message_id)
           ORDER BY a.message_id, a.position"#,
        message_ids
    )
    .fetch_all(pool)
    .await?;
    Ok(by_message_id(rows))
}

/// Files listed by their message, in the order given.
fn by_message_id(rows: Vec<FileRow>) -> HashMap<i64, Vec<AttachmentView>> {
    let mut by_message: HashMap<i64, Vec<AttachmentView>> = HashMap::new();
    for r in rows {
        let file = view(r.id, r.name, r.media_type, r.size, r.width, r.height);
        by_message.entry(r.message_id).or_default().push(file);
    }
    by_message
}

/// What the member uploaded in this conversation (or in the start dialog:
/// `None`) and has not sent yet.
pub async fn pending_of(
    pool: &PgPool,
    member_id: i64,
    conversation_id: Option<i64>,
) -> Result<Vec<AttachmentView>, AppError> {
    Ok(sqlx::query!(
        "SELECT id, name, media_type, size, width, height FROM attachments
         WHERE uploader_id = $1 AND conversation_id IS NOT DISTINCT FROM $2 AND message_id IS NULL
         ORDER BY id",
        member_id,
        conversation_id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| view(r.id, r.name, r.media_type, r.size, r.width, r.height))
    .collect())
}
