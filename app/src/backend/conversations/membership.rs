//! Who is in a conversation: adding people and leaving.

use super::compose::new_key;
use super::send::{insert_message, Draft};
use super::start::check_recipients_exist;
use super::{field_error, split_parties};
use crate::backend::live::{self, Kind};
use crate::backend::permissions;
use crate::backend::state::Settings;
use crate::domain::conversation::Party;
use crate::domain::moderation::{check_additions, MULTI_PERSON};
use crate::error::AppError;
use crate::i18n::k;
use crate::model::account::Viewer;
use crate::model::conversation::MessageKind;
use sqlx::{PgPool, Postgres, Transaction};

/// Lists members and groups in a conversation; members in `requests` get it as a
/// request. Parties already in it keep their state.
pub(super) async fn add_parties(
    tx: &mut Transaction<'_, Postgres>,
    conversation_id: i64,
    member_ids: &[i64],
    group_ids: &[i64],
    requests: &[i64],
) -> Result<(), AppError> {
    sqlx::query!(
        "INSERT INTO conversation_parties (conversation_id, member_id, group_id, state)
         SELECT $1::bigint, m, NULL::bigint,
                CASE WHEN m = ANY($4) THEN 'request' ELSE 'active' END
         FROM unnest($2::bigint[]) AS m
         UNION ALL SELECT $1::bigint, NULL::bigint, g, 'active' FROM unnest($3::bigint[]) AS g
         ON CONFLICT DO NOTHING",
        conversation_id,
        member_ids,
        group_ids,
        requests
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Locks a conversation against concurrent joins and leaves and returns its parties.
pub(super) async fn lock_parties(
    tx: &mut Transaction<'_, Postgres>,
    conversation_id: i64,
) -> Result<Vec<Party>, AppError> {
    sqlx::query!(
        "SELECT id FROM conversations WHERE id = $1 FOR UPDATE",
        conversation_id
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(sqlx::query!(
        "SELECT member_id, group_id FROM conversation_parties WHERE conversation_id = $1",
        conversation_id
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .filter_map(|r| match (r.member_id, r.group_id) {
        (Some(id), _) => Some(Party::Member(id)),
        (None, Some(id)) => Some(Party::Group(id)),
        _ => None,
    })
    .collect())
}

/// Once people join or leave, the conversation is no longer "the one with exactly
/// these people": starting with the same set creates a new one.
pub(super) async fn detach_party_key(
    tx: &mut Transaction<'_, Postgres>,
    conversation_id: i64,
) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE conversations SET party_key = 'c' || id WHERE id = $1",
        conversation_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Leaves a multi-person conversation: it leaves the member's list and they can no
/// longer open it or hear of it (nor see what was said before, by design: leaving
/// is leaving). The others see "Alice left the conversation."
pub async fn leave(
    pool: &PgPool,
    viewer: &Viewer,
    conversation_id: i64,
    settings: &Settings,
) -> Result<(), AppError> {
    let access = permissions::conversation_access(pool, viewer.id, conversation_id).await?;
    if access.as_group().is_some() {
        return Err(AppError::Refused(k::error_leave_as_group.into()));
    }
    let mut tx = pool.begin().await?;
    let present = lock_parties(&mut tx, conversation_id).await?;
    if present.len() < MULTI_PERSON {
        return Err(AppError::Refused(k::error_leave_two_people.into()));
    }
    sqlx::query!(
        "DELETE FROM conversation_parties WHERE conversation_id = $1 AND member_id = $2",
        conversation_id,
        viewer.id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM conversation_mutes WHERE conversation_id = $1 AND member_id = $2",
        conversation_id,
        viewer.id
    )
    .execute(&mut *tx)
    .await?;
    detach_party_key(&mut tx, conversation_id).await?;
    insert_message(
        &mut tx,
        conversation_id,
        viewer,
        None,
        Draft::note(MessageKind::Left, ""),
        &new_key(),
        settings.waits(),
    )
    .await?;
    // The member's other tabs read their list and unread state again.
    live::publish_own(&mut tx, viewer.id, Kind::Unread, conversation_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds members or groups to a multi-person conversation, within nine others. The
/// same code-of-conduct checks as starting one apply (blocks, "who may message me").
/// Whoever is added sees the whole history: adding someone is sharing the
/// conversation with them, and the dialog says so.
pub async fn add_people(
    pool: &PgPool,
    viewer: &Viewer,
    conversation_id: i64,
    to: &[String],
    settings: &Settings,
) -> Result<(), AppError> {
    let access = permissions::conversation_access(pool, viewer.id, conversation_id).await?;
    access.may_write()?;
    let adding: Vec<Party> = to
        .iter()
        .map(|t| Party::parse_token(t))
        .collect::<Result<_, _>>()
        .map_err(|e| field_error("to", e))?;
    check_recipients_exist(pool, &adding).await?;
    let mut tx = pool.begin().await?;
    let present = lock_parties(&mut tx, conversation_id).await?;
    check_additions(&present, &adding).map_err(|e| field_error("to", e))?;
    crate::backend::moderation::check_send_rate(&mut tx, viewer.id, false, settings.limits).await?;
    let (member_ids, group_ids) = split_parties(&adding);
    let requests =
        permissions::reach_members(&mut tx, viewer.id, access.as_group(), &member_ids).await?;
    add_parties(&mut tx, conversation_id, &member_ids, &group_ids, &requests).await?;
    detach_party_key(&mut tx, conversation_id).await?;
    let names = sqlx::query_scalar!(
        r#"SELECT string_agg(name, ', ' ORDER BY name) AS "names!" FROM (
             SELECT display_name AS name FROM members WHERE id = ANY($1)
             UNION ALL SELECT name FROM groups WHERE id = ANY($2)) n"#,
        &member_ids,
        &group_ids
    )
    .fetch_one(&mut *tx)
    .await?;
    insert_message(
        &mut tx,
        conversation_id,
        viewer,
        access.as_group(),
        Draft::note(MessageKind::Added, &names),
        &new_key(),
        settings.waits(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
