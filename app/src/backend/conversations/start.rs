//! Starting a conversation, or continuing the one with exactly these people.

use super::membership::add_parties;
use super::requests::accept;
use super::send::{checked_message, insert_message, message_by_key, Draft};
use super::{field_error, split_parties};
use crate::backend::permissions;
use crate::backend::state::Settings;
use crate::domain::conversation::{
    check_idempotency_key, check_recipients, party_key, MessageBody, Party,
};
use crate::domain::limits::Limits;
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::i18n::k;
use crate::model::account::Viewer;
use sqlx::{PgPool, Postgres, Transaction};

/// The side the viewer writes as when starting a conversation; never taken on trust.
pub(super) async fn resolve_sender(
    pool: &PgPool,
    viewer: &Viewer,
    send_as: &str,
) -> Result<Party, AppError> {
    match Party::parse_token(send_as) {
        Ok(Party::Member(id)) if id == viewer.id => Ok(Party::Member(id)),
        Ok(Party::Group(group_id))
            if permissions::manages_group(pool, viewer.id, group_id).await? =>
        {
            Ok(Party::Group(group_id))
        }
        _ => Err(AppError::Forbidden),
    }
}

/// Refuses recipients that do not exist or may not be written to (suspended or
/// deleted members, closed groups).
pub(super) async fn check_recipients_exist(
    pool: &PgPool,
    recipients: &[Party],
) -> Result<(), AppError> {
    let (member_ids, group_ids) = split_parties(recipients);
    let found = sqlx::query_scalar!(
        r#"SELECT (SELECT count(*) FROM members WHERE id = ANY($1) AND suspended_at IS NULL AND deleted_at IS NULL)
                + (SELECT count(*) FROM groups WHERE id = ANY($2) AND closed_at IS NULL) AS "n!""#,
        &member_ids,
        &group_ids
    )
    .fetch_one(pool)
    .await?;
    if found as usize == recipients.len() {
        Ok(())
    } else {
        Err(field_error("to", k::error_recipients_unreachable))
    }
}

/// The start form as it is posted.
pub struct Start<'a> {
    /// `member:<own id>` or `group:<id>` of a group the viewer manages.
    pub send_as: &'a str,
    pub to: &'a [String],
    pub body: &'a str,
    /// The idempotency key: a retry with it returns the first result.
    pub key: &'a str,
    /// The start dialog's uploads it carries, as the form sends them (`12,13`).
    pub attachments: &'a str,
}

pub async fn start(
    pool: &PgPool,
    viewer: &Viewer,
    form: Start<'_>,
    settings: &Settings,
) -> Result<i64, AppError> {
    let (waits, limits) = (settings.waits(), settings.limits);
    let key = form.key;
    let (body, recipients, sender, attachments) =
        checked_input(pool, viewer, &form, settings).await?;
    // A retry of a send that already succeeded returns the same conversation.
    if let Some(existing) = message_by_key(pool, viewer.id, key).await? {
        return Ok(existing.1);
    }
    check_recipients_exist(pool, &recipients).await?;

    let as_group = match sender {
        Party::Group(id) => Some(id),
        Party::Member(_) => None,
    };
    let (recipient_members, _) = split_parties(&recipients);
    let mut parties = recipients;
    parties.push(sender);
    let mut tx = pool.begin().await?;
    // Blocks refuse the send; "who may message me" turns it into a request.
    let requests =
        permissions::reach_members(&mut tx, viewer.id, as_group, &recipient_members).await?;
    let conversation_id = find_or_create(&mut tx, viewer.id, &parties, limits).await?;
    let (member_ids, group_ids) = split_parties(&parties);
    add_parties(&mut tx, conversation_id, &member_ids, &group_ids, &requests).await?;
    if as_group.is_none() {
        // Writing is accepting: a sender who had this conversation as a request
        // (or declined it) has it back in their list.
        accept(&mut tx, conversation_id, viewer.id).await?;
    }
    // Sent: the start dialog's draft is done with.
    super::drafts::clear(&mut tx, viewer.id, None).await?;
    let inserted = insert_message(
        &mut tx,
        conversation_id,
        viewer,
        as_group,
        Draft::text(body.as_str(), None).starting(&attachments),
        key,
        waits,
    )
    .await?;
    tx.commit().await?;
    match inserted {
        Some(_) => Ok(conversation_id),
        // A concurrent retry with the same key won the race: its conversation is the answer.
        None => message_by_key(pool, viewer.id, key)
            .await?
            .map(|m| m.1)
            .ok_or(AppError::Internal),
    }
}

/// The message, the recipients, the side the viewer writes as and the files,
/// each checked with the rules the form uses; every field's errors at once.
async fn checked_input(
    pool: &PgPool,
    viewer: &Viewer,
    form: &Start<'_>,
    settings: &Settings,
) -> Result<(MessageBody, Vec<Party>, Party, Vec<i64>), AppError> {
    let mut errors = FieldErrors::new();
    let (body, attachments) = checked_message(&mut errors, form.body, form.attachments, settings);
    let recipients: Result<Vec<Party>, crate::i18n::Problem> =
        form.to.iter().map(|t| Party::parse_token(t)).collect();
    let recipients = errors.check("to", recipients);
    errors.check("body", check_idempotency_key(form.key));
    let sender = resolve_sender(pool, viewer, form.send_as).await?;
    if let Some(recipients) = &recipients {
        errors.check("to", check_recipients(sender, recipients));
    }
    match (body, recipients) {
        (Some(body), Some(recipients)) if errors.is_empty() => {
            Ok((body, recipients, sender, attachments))
        }
        _ => Err(errors.into()),
    }
}

/// The conversation of exactly these parties, created if there is none yet. The
/// send limits count a new conversation more strictly than a message.
async fn find_or_create(
    tx: &mut Transaction<'_, Postgres>,
    viewer_id: i64,
    parties: &[Party],
    limits: Limits,
) -> Result<i64, AppError> {
    let key_of_parties = party_key(parties);
    let exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM conversations WHERE party_key = $1) AS "exists!""#,
        key_of_parties
    )
    .fetch_one(&mut **tx)
    .await?;
    crate::backend::moderation::check_send_rate(tx, viewer_id, !exists, limits).await?;
    Ok(sqlx::query_scalar!(
        "INSERT INTO conversations (party_key, created_by) VALUES ($1, $2)
         ON CONFLICT (party_key) DO UPDATE SET party_key = EXCLUDED.party_key
         RETURNING id",
        key_of_parties,
        viewer_id
    )
    .fetch_one(&mut **tx)
    .await?)
}
