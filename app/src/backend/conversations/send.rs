//! Storing a message (once per idempotency key) and replying in a thread.

use super::requests::accept;
use super::thread::load_messages;
use super::{field_error, group_view, member_view};
use crate::backend::live::{self, Kind, Published, SharedMessage};
use crate::backend::permissions::{self, Access};
use crate::backend::state::Settings;
use crate::domain::attachment::parse_ids;
use crate::domain::conversation::{check_idempotency_key, MessageBody};
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::i18n::k;
use crate::model::account::Viewer;
use crate::model::conversation::{MessageKind, MessageView, PartyView, Quote};
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};

/// (message id, conversation id) of the viewer's message sent with `key`.
pub(super) async fn message_by_key(
    pool: &PgPool,
    author_id: i64,
    key: &str,
) -> Result<Option<(i64, i64)>, AppError> {
    Ok(sqlx::query!(
        "SELECT id, conversation_id FROM messages WHERE author_id = $1 AND idempotency_key = $2",
        author_id,
        key
    )
    .fetch_optional(pool)
    .await?
    .map(|r| (r.id, r.conversation_id)))
}

/// What a new thread entry holds.
pub(super) struct Draft<'a> {
    kind: MessageKind,
    body: &'a str,
    /// The message it answers, checked to be of the same conversation.
    reply_to: Option<Quote>,
    /// The author's pending uploads it takes (ids from the client, checked as it takes them).
    attachments: &'a [i64],
    /// The message starts its conversation: the uploads wait in the start dialog.
    from_start: bool,
}

impl<'a> Draft<'a> {
    pub(super) fn text(body: &'a str, reply_to: Option<Quote>) -> Self {
        Self {
            kind: MessageKind::Text,
            body,
            reply_to,
            attachments: &[],
            from_start: false,
        }
    }

    /// "Alice left", "Alice added Dan": never a reply.
    pub(super) fn note(kind: MessageKind, body: &'a str) -> Self {
        Self {
            kind,
            body,
            reply_to: None,
            attachments: &[],
            from_start: false,
        }
    }

    pub(super) fn with_attachments(self, attachments: &'a [i64]) -> Self {
        Self {
            attachments,
            ..self
        }
    }

    /// The first message of a conversation, with the files of the start dialog.
    pub(super) fn starting(self, attachments: &'a [i64]) -> Self {
        Self {
            attachments,
            from_start: true,
            ..self
        }
    }
}

/// Stores a message, moves the conversation to the top and marks it read for its
/// author. Returns `None` when a message with this key already exists.
pub(super) async fn insert_message(
    tx: &mut Transaction<'_, Postgres>,
    conversation_id: i64,
    author: &Viewer,
    as_group: Option<i64>,
    draft: Draft<'_>,
    key: &str,
    waits: crate::backend::notifications::Waits,
) -> Result<Option<SharedMessage>, AppError> {
    let (kind, body) = (draft.kind, draft.body);
    let note = kind != MessageKind::Text;
    let reply_to_id = draft.reply_to.as_ref().map(|q| q.id);
    let Some((id, created_at)) = store(
        tx,
        conversation_id,
        (author.id, as_group),
        (kind, body, reply_to_id),
        key,
    )
    .await?
    else {
        return Ok(None);
    };
    let attachments = crate::backend::attachments::claim(
        tx,
        author.id,
        (conversation_id, draft.from_start),
        id,
        draft.attachments,
    )
    .await?;
    // Live events and notifications commit with the message or not at all.
    let to = crate::backend::notifications::fan_out(
        tx,
        conversation_id,
        id,
        author.id,
        as_group,
        waits,
        note,
    )
    .await?;
    let shared = SharedMessage {
        id,
        kind,
        removed: false,
        author: author_view(tx, author, as_group).await?,
        writer: author.display_name.clone(),
        writer_id: author.id,
        body: body.to_string(),
        created_at,
        reply_to: draft.reply_to,
        edited_at: None,
        deleted: false,
        reactions: Vec::new(),
        attachments,
    };
    let mut published = Published::new(Kind::Message, conversation_id, to);
    published.message = Some(shared.clone());
    live::notify(tx, published).await?;
    Ok(Some(shared))
}

/// One statement: store, move the conversation to the top (the author's read mark
/// follows in the fan-out, after the conversation's row is locked). A note ("Alice left") neither moves the conversation nor makes it
/// unread. `None` when the author already sent a message with this key.
async fn store(
    tx: &mut Transaction<'_, Postgres>,
    conversation_id: i64,
    (author_id, as_group): (i64, Option<i64>),
    (kind, body, reply_to): (MessageKind, &str, Option<i64>),
    key: &str,
) -> Result<Option<(i64, DateTime<Utc>)>, AppError> {
    let kind_name = match kind {
        MessageKind::Text => "text",
        MessageKind::Left => "left",
        MessageKind::Added => "added",
    };
    Ok(sqlx::query!(
        r#"WITH inserted AS (
             INSERT INTO messages (conversation_id, author_id, as_group_id, body, idempotency_key, kind, reply_to_id)
             VALUES ($1, $2, $3, $4, $5, $6, $8)
             ON CONFLICT ON CONSTRAINT messages_idempotency DO NOTHING
             RETURNING id, created_at
           ), moved AS (
             UPDATE conversations c SET last_message_id = i.id, last_message_at = i.created_at
             FROM inserted i WHERE c.id = $1 AND c.last_message_id < i.id AND NOT $7
           ), draft_cleared AS (
             DELETE FROM drafts WHERE member_id = $2 AND conversation_id = $1 AND NOT $7
           )
           SELECT id, created_at FROM inserted"#,
        conversation_id,
        author_id,
        as_group,
        body,
        key,
        kind_name,
        kind != MessageKind::Text,
        reply_to
    )
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| (r.id, r.created_at)))
}

/// Whom the message shows as written by: the group it was sent as, or its author.
async fn author_view(
    tx: &mut Transaction<'_, Postgres>,
    author: &Viewer,
    as_group: Option<i64>,
) -> Result<PartyView, AppError> {
    Ok(match as_group {
        Some(group_id) => {
            let group = sqlx::query!("SELECT slug, name FROM groups WHERE id = $1", group_id)
                .fetch_one(&mut **tx)
                .await?;
            group_view(group_id, group.slug, group.name)
        }
        None => member_view(
            author.id,
            author.handle.clone(),
            author.display_name.clone(),
        ),
    })
}

/// A message's text and the uploads it names (`12,13`), each checked by the
/// rules the form uses (text may be left out when files go); errors into `errors`.
pub(super) fn checked_message(
    errors: &mut FieldErrors,
    body: &str,
    attachments: &str,
    settings: &Settings,
) -> (Option<MessageBody>, Vec<i64>) {
    let attachments = errors
        .check("attachments", parse_ids(attachments, settings.attachments))
        .unwrap_or_default();
    let body = errors.check(
        "body",
        MessageBody::parse_with_files(body, attachments.len()),
    );
    (body, attachments)
}

/// A reply as the thread's form sends it.
pub struct Reply<'a> {
    pub body: &'a str,
    /// The idempotency key: a retry with it returns the first result.
    pub key: &'a str,
    /// The message it answers, if any: an id from the client, checked here.
    pub reply_to: Option<i64>,
    /// The uploads it carries, as the form sends them (`12,13`).
    pub attachments: &'a str,
}

pub async fn reply(
    pool: &PgPool,
    viewer: &Viewer,
    conversation_id: i64,
    reply: Reply<'_>,
    settings: &Settings,
) -> Result<MessageView, AppError> {
    let (waits, limits) = (settings.waits(), settings.limits);
    let key = reply.key;
    let access = permissions::conversation_access(pool, viewer.id, conversation_id).await?;
    access.may_write()?;
    let mut errors = FieldErrors::new();
    let (body, attachments) = checked_message(&mut errors, reply.body, reply.attachments, settings);
    errors.check("body", check_idempotency_key(key));
    let answered = match reply.reply_to {
        Some(id) => answered_message(pool, conversation_id, id).await?,
        None => None,
    };
    if reply.reply_to.is_some() && answered.is_none() {
        errors.add("reply_to", k::error_reply_to_elsewhere);
    }
    let Some(body) = body.filter(|_| errors.is_empty()) else {
        return Err(errors.into());
    };
    // The insert itself recognises a retry (same author and key): no lookup first.
    let mut tx = pool.begin().await?;
    match crate::backend::moderation::check_send_rate(&mut tx, viewer.id, false, limits).await {
        Ok(()) => {}
        // A retry of a send that was accepted is not a new send: answer it as such.
        Err(AppError::TooFast(wait)) => {
            drop(tx);
            return match message_by_key(pool, viewer.id, key).await? {
                Some(_) => already_sent(pool, viewer, &access, conversation_id, key).await,
                None => Err(AppError::TooFast(wait)),
            };
        }
        Err(other) => return Err(other),
    }
    if access.request {
        // Replying to a request accepts it.
        accept(&mut tx, conversation_id, viewer.id).await?;
    }
    let inserted = insert_message(
        &mut tx,
        conversation_id,
        viewer,
        access.as_group(),
        Draft::text(body.as_str(), answered).with_attachments(&attachments),
        key,
        waits,
    )
    .await?;
    tx.commit().await?;
    if let Some(shared) = inserted {
        // The author's own view of what they just sent, without reading it back.
        return Ok(MessageView {
            id: shared.id,
            kind: shared.kind,
            removed: false,
            collapsed: false,
            written_by: access.as_group().map(|_| shared.writer.clone()),
            author: shared.author,
            body: shared.body,
            created_at: shared.created_at,
            mine: true,
            own: true,
            edited_at: None,
            deleted: false,
            reply_to: shared.reply_to,
            reactions: Vec::new(),
            attachments: shared.attachments,
        });
    }
    already_sent(pool, viewer, &access, conversation_id, key).await
}

/// The message a reply answers, quoted; `None` unless it is a message (not a
/// note) of this same conversation. A deleted one may be answered: the quote says so.
async fn answered_message(
    pool: &PgPool,
    conversation_id: i64,
    message_id: i64,
) -> Result<Option<Quote>, AppError> {
    Ok(sqlx::query!(
        r#"SELECT msg.id, coalesce(g.name, m.display_name) AS "author!", msg.body,
                  (msg.removed_at IS NOT NULL OR msg.deleted_at IS NOT NULL) AS "gone!"
           FROM messages msg JOIN members m ON m.id = msg.author_id
           LEFT JOIN groups g ON g.id = msg.as_group_id
           WHERE msg.id = $1 AND msg.conversation_id = $2 AND msg.kind = 'text'"#,
        message_id,
        conversation_id
    )
    .fetch_optional(pool)
    .await?
    .map(|r| live::quote(r.id, r.author, &r.body, r.gone)))
}

/// The viewer's message sent earlier with `key`, as a reply's answer.
pub(super) async fn already_sent(
    pool: &PgPool,
    viewer: &Viewer,
    access: &Access,
    conversation_id: i64,
    key: &str,
) -> Result<MessageView, AppError> {
    let (message_id, in_conversation) = message_by_key(pool, viewer.id, key)
        .await?
        .ok_or(AppError::Internal)?;
    if in_conversation != conversation_id {
        return Err(field_error("body", k::error_sent_elsewhere));
    }
    let messages = load_messages(
        pool,
        viewer,
        access,
        conversation_id,
        Some(message_id + 1),
        1,
    )
    .await?;
    messages.into_iter().next().ok_or(AppError::Internal)
}
