//! The moderators' queue: open reports with their context.

use crate::domain::conversation::Party;
use crate::domain::moderation::ReportReason;
use crate::error::AppError;
use crate::model::conversation::{PartyKind, PartyView};
use crate::model::moderation::{AuthorChange, DeletedAuthor, QueueMessage, ReportView};
use sqlx::PgPool;

/// How many messages before and after a reported one a moderator sees.
const CONTEXT: i64 = 2;

/// Open reports, oldest first, each with its message in a little context.
pub async fn queue(pool: &PgPool) -> Result<Vec<ReportView>, AppError> {
    let reports = sqlx::query!(
        r#"SELECT r.id, r.reason, r.note, r.created_at, rep.display_name AS reporter, r.body AS reported_body,
                  msg.id AS message_id, msg.conversation_id, msg.author_id, msg.as_group_id,
                  a.handle, a.display_name AS author_name,
                  r.author_name AS "name_when_deleted?", r.author_handle AS "handle_when_deleted?",
                  (SELECT count(*) FROM reports o WHERE o.message_id = r.message_id
                     AND o.id <> r.id AND o.resolved_at IS NULL) AS "others!"
           FROM reports r
           JOIN members rep ON rep.id = r.reporter_id
           JOIN messages msg ON msg.id = r.message_id
           JOIN members a ON a.id = msg.author_id
           WHERE r.resolved_at IS NULL
           ORDER BY r.id LIMIT 50"#
    )
    .fetch_all(pool)
    .await?;
    let reported: Vec<i64> = reports.iter().map(|r| r.message_id).collect();
    let files = crate::backend::attachments::files_for_review(pool, &reported).await?;
    let mut out = Vec::with_capacity(reports.len());
    for r in reports {
        // Only the neighbourhood of the reported message, never the whole thread.
        let context = sqlx::query!(
            r#"(SELECT msg.id, msg.body, msg.created_at, msg.removed_at IS NOT NULL AS "removed!",
                       coalesce(g.name, m.display_name) AS "author!",
                       coalesce(msg.edited_at > $5, false) AS "edited_since!",
                       msg.deleted_at IS NOT NULL AS "deleted!"
                FROM messages msg JOIN members m ON m.id = msg.author_id
                LEFT JOIN groups g ON g.id = msg.as_group_id
                WHERE msg.conversation_id = $1 AND msg.id <= $2 AND msg.kind = 'text'
                ORDER BY msg.id DESC LIMIT $3)
               UNION ALL
               (SELECT msg.id, msg.body, msg.created_at, msg.removed_at IS NOT NULL,
                       coalesce(g.name, m.display_name), coalesce(msg.edited_at > $5, false),
                       msg.deleted_at IS NOT NULL
                FROM messages msg JOIN members m ON m.id = msg.author_id
                LEFT JOIN groups g ON g.id = msg.as_group_id
                WHERE msg.conversation_id = $1 AND msg.id > $2 AND msg.kind = 'text'
                ORDER BY msg.id LIMIT $4)"#,
            r.conversation_id,
            r.message_id,
            CONTEXT + 1,
            CONTEXT,
            r.created_at
        )
        .fetch_all(pool)
        .await?;
        let mut context: Vec<QueueMessage> = context
            .into_iter()
            .filter_map(|c| {
                let reported = c.id == Some(r.message_id);
                let (edited, deleted) = (c.edited_since, c.deleted);
                // The reported message as it was reported, whatever its author did since.
                let (body, since) = match (reported, deleted, edited) {
                    (true, true, _) => (r.reported_body.clone(), Some(AuthorChange::DeletedSince)),
                    (true, false, true) => {
                        (r.reported_body.clone(), Some(AuthorChange::EditedSince))
                    }
                    (true, false, false) => (r.reported_body.clone(), None),
                    (false, true, _) => (String::new(), Some(AuthorChange::Deleted)),
                    (false, false, _) => (c.body?, None),
                };
                Some(QueueMessage {
                    id: c.id?,
                    reported,
                    author: c.author,
                    body,
                    created_at: c.created_at?,
                    removed: c.removed,
                    since,
                })
            })
            .collect();
        context.sort_by_key(|c| c.id);
        out.push(ReportView {
            id: r.id,
            reason: ReportReason::parse(&r.reason).unwrap_or(ReportReason::Other),
            note: r.note,
            reported_at: r.created_at,
            reporter: r.reporter,
            author: PartyView {
                token: Party::Member(r.author_id).token(),
                kind: PartyKind::Member,
                name: r.author_name,
                handle: r.handle,
                avatar: None,
            },
            // A report keeps who wrote the message after they deleted their account.
            author_deleted: match (r.name_when_deleted, r.handle_when_deleted) {
                (Some(name), Some(handle)) => Some(DeletedAuthor { name, handle }),
                _ => None,
            },
            context,
            other_reports: r.others,
            files: files.get(&r.message_id).cloned().unwrap_or_default(),
        });
    }
    Ok(out)
}
