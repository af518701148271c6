//! A sent message takes the uploads it names.

use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::model::conversation::AttachmentView;
use sqlx::PgConnection;

/// Attaches the member's pending uploads `ids` (in this order) to the message
/// just stored in `conversation_id`, in its transaction. Every id must be an
/// upload of theirs not sent yet, waiting in this conversation or, for the
/// message that starts it, in the start dialog (`from_start`); otherwise
/// nothing is sent.
pub async fn claim(
    tx: &mut PgConnection,
    member_id: i64,
    (conversation_id, from_start): (i64, bool),
    message_id: i64,
    ids: &[i64],
) -> Result<Vec<AttachmentView>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query!(
        r#"UPDATE attachments a
           SET message_id = $4, position = w.position::smallint, conversation_id = $2
           FROM unnest($3::bigint[]) WITH ORDINALITY AS w(id, position)
           WHERE a.id = w.id AND a.uploader_id = $1 AND a.message_id IS NULL
             AND a.conversation_id IS NOT DISTINCT FROM (CASE WHEN $5::boolean THEN NULL ELSE $2::bigint END)
           RETURNING a.id, a.name, a.media_type, a.size, a.width, a.height, w.position AS "position!""#,
        member_id,
        conversation_id,
        ids,
        message_id,
        from_start
    )
    .fetch_all(&mut *tx)
    .await?;
    if rows.len() != ids.len() {
        let mut errors = FieldErrors::new();
        errors.add("attachments", crate::i18n::k::error_attachment_gone);
        return Err(errors.into());
    }
    let mut rows = rows;
    rows.sort_by_key(|r| r.position);
    Ok(rows
        .into_iter()
        .map(|r| super::read::view(r.id, r.name, r.media_type, r.size, r.width, r.height))
        .collect())
}
