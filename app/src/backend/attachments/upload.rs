//! Recording an upload: pending for its uploader in one conversation (or in the
//! start dialog, for the conversation it will start), within their storage quota
//! and the files one message may carry.

use super::{FileStore, Prepared, Refusal};
use crate::backend::permissions;
use crate::domain::attachment::{too_many, AttachmentRules};
use crate::error::AppError;
use crate::i18n::{k, Problem};
use crate::model::conversation::AttachmentView;
use sqlx::PgPool;

/// Stores a prepared upload for `member_id` in a conversation they may write
/// to, or in their start dialog (`None`). The quota check and the insert are one step: the member's row is locked
/// for it, so two uploads at once cannot both pass a check that only one fits.
pub async fn store_upload(
    pool: &PgPool,
    store: FileStore,
    rules: AttachmentRules,
    member_id: i64,
    conversation_id: Option<i64>,
    prepared: &Prepared,
) -> Result<Result<AttachmentView, Refusal>, AppError> {
    if let Some(conversation_id) = conversation_id {
        permissions::conversation_access(pool, member_id, conversation_id)
            .await?
            .may_write()?;
    }
    let mut tx = pool.begin().await?;
    // The lock first, in a statement of its own: the next statement's snapshot
    // then sees every upload committed while this one waited for it.
    let locked = sqlx::query_scalar!(
        "SELECT id FROM members WHERE id = $1 FOR NO KEY UPDATE",
        member_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if locked.is_none() {
        return Err(AppError::Unauthenticated);
    }
    let usage = sqlx::query!(
        r#"SELECT coalesce((SELECT sum(size) FROM attachments WHERE uploader_id = $1), 0)::bigint AS "used!",
                  (SELECT count(*) FROM attachments
                   WHERE uploader_id = $1 AND conversation_id IS NOT DISTINCT FROM $2 AND message_id IS NULL) AS "pending!""#,
        member_id,
        conversation_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let size = prepared.stored_bytes();
    if usage.used as u64 + size > rules.quota_bytes {
        return Ok(Err(Refusal::new(
            "quota",
            Problem::new(k::error_file_quota)
                .with("used", crate::i18n::Arg::size(usage.used as u64))
                .with("quota", crate::i18n::Arg::size(rules.quota_bytes)),
        )));
    }
    if usage.pending as usize >= rules.per_message {
        return Ok(Err(Refusal::new("too_many", too_many(rules))));
    }
    let file_key = store.put(&mut tx, &prepared.bytes).await?;
    let (thumbnail_key, picture) = match &prepared.picture {
        Some((thumbnail, size)) => (Some(store.put(&mut tx, thumbnail).await?), Some(*size)),
        None => (None, None),
    };
    let id = sqlx::query_scalar!(
        "INSERT INTO attachments (uploader_id, conversation_id, name, media_type, size, width, height,
                                  file_key, thumbnail_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        member_id,
        conversation_id,
        prepared.name,
        prepared.media_type,
        size as i64,
        picture.map(|(w, _)| w as i32),
        picture.map(|(_, h)| h as i32),
        file_key,
        thumbnail_key
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ok(AttachmentView {
        id,
        name: prepared.name.clone(),
        media_type: prepared.media_type.clone(),
        size: prepared.bytes.len() as u64,
        picture,
    }))
}
