//! Message requests: listing them and answering (accept, decline, decline and report).

use super::inbox::snippet;
use super::thread::parties_of;
use super::{group_view, member_view};
use crate::backend::live::{self, Kind};
use crate::backend::permissions;
use crate::domain::conversation::Party;
use crate::domain::moderation::RequestAnswer;
use crate::error::AppError;
use crate::model::account::Viewer;
use crate::model::conversation::RequestView;
use chrono::Utc;
use sqlx::{PgPool, Postgres, Transaction};

/// The member takes the conversation into their list (from a request or declined).
pub(super) async fn accept(
    tx: &mut Transaction<'_, Postgres>,
    conversation_id: i64,
    member_id: i64,
) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE conversation_parties SET state = 'active'
         WHERE conversation_id = $1 AND member_id = $2 AND state <> 'active'",
        conversation_id,
        member_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Conversations waiting for the viewer to accept them, newest first, each with
/// what the viewer has in common with the sender and how old the sender's account is.
pub async fn requests(pool: &PgPool, viewer: &Viewer) -> Result<Vec<RequestView>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT c.id, c.last_message_at,
                  CASE WHEN lm.removed_at IS NULL THEN lm.body ELSE 'Removed by a moderator' END AS "body?",
                  s.id AS sender_id, s.handle, s.display_name, s.created_at AS sender_since,
                  fg.id AS "group_id?", fg.slug AS "group_slug?", fg.name AS "group_name?",
                  ARRAY(SELECT g.name FROM group_memberships a
                        JOIN group_memberships b ON b.group_id = a.group_id
                        JOIN groups g ON g.id = a.group_id
                        WHERE a.member_id = $1 AND b.member_id = s.id ORDER BY g.name) AS "shared_groups!"
           FROM conversation_parties cp
           JOIN conversations c ON c.id = cp.conversation_id
           JOIN LATERAL (SELECT author_id, as_group_id FROM messages
                         WHERE conversation_id = c.id AND kind = 'text' ORDER BY id LIMIT 1) first ON true
           JOIN members s ON s.id = first.author_id
           LEFT JOIN groups fg ON fg.id = first.as_group_id
           LEFT JOIN messages lm ON lm.id = c.last_message_id
           -- A request is always a party of its own (see inbox::page for why not
           -- the view conversation_viewers).
           WHERE cp.member_id = $1 AND cp.state = 'request'
           ORDER BY c.last_message_at DESC LIMIT 50"#,
        viewer.id
    )
    .fetch_all(pool)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let parties = parties_of(pool, &ids).await?;
    let own = Party::Member(viewer.id).token();
    Ok(rows
        .into_iter()
        .map(|r| {
            let from = match (r.group_id, r.group_slug, r.group_name) {
                (Some(id), Some(slug), Some(name)) => group_view(id, slug, name),
                _ => member_view(r.sender_id, r.handle, r.display_name.clone()),
            };
            RequestView {
                id: r.id,
                from,
                sender: r.display_name,
                sender_age_days: (Utc::now() - r.sender_since).num_days(),
                sender_since: r.sender_since,
                shared_groups: r.shared_groups,
                others: parties
                    .iter()
                    .filter(|(cid, p)| *cid == r.id && p.token != own)
                    .map(|(_, p)| p.clone())
                    .collect(),
                snippet: snippet(&r.body.unwrap_or_default()),
                last_message_at: r.last_message_at,
            }
        })
        .collect())
}

/// Accepts or declines a message request; declining can report the request's first
/// message as spam in the same step. The sender is told nothing either way.
pub async fn answer_request(
    pool: &PgPool,
    viewer: &Viewer,
    conversation_id: i64,
    answer: RequestAnswer,
) -> Result<(), AppError> {
    let access = permissions::conversation_access(pool, viewer.id, conversation_id).await?;
    if !access.request {
        return Err(AppError::NotFound);
    }
    let mut tx = pool.begin().await?;
    match answer {
        RequestAnswer::Accept => accept(&mut tx, conversation_id, viewer.id).await?,
        RequestAnswer::Decline | RequestAnswer::DeclineAndReport => {
            sqlx::query!(
                "UPDATE conversation_parties SET state = 'declined'
                 WHERE conversation_id = $1 AND member_id = $2",
                conversation_id,
                viewer.id
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    if answer == RequestAnswer::DeclineAndReport {
        sqlx::query!(
            "INSERT INTO reports (message_id, reporter_id, reason, note)
             SELECT id, $2, 'spam', 'Declined as a message request.' FROM messages
             WHERE conversation_id = $1 AND kind = 'text' AND author_id <> $2
             ORDER BY id LIMIT 1
             ON CONFLICT ON CONSTRAINT reports_once DO NOTHING",
            conversation_id,
            viewer.id
        )
        .execute(&mut *tx)
        .await?;
    }
    live::publish_own(&mut tx, viewer.id, Kind::Unread, conversation_id).await?;
    tx.commit().await?;
    Ok(())
}
