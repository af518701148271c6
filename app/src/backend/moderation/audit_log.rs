//! The audit log: every moderator's and administrator's action.

use crate::domain::moderation::ReportReason;
use crate::error::AppError;
use crate::model::moderation::AuditEntry;
use sqlx::PgPool;

/// The audit log, newest first, 50 entries a page.
pub async fn log(pool: &PgPool, before: Option<i64>) -> Result<Vec<AuditEntry>, AppError> {
    Ok(sqlx::query!(
        r#"SELECT l.id, l.created_at, l.action, l.note, md.display_name AS moderator,
                  m.display_name AS "member?", g.name AS "group?", r.reason AS "reason?"
           FROM moderation_log l
           JOIN members md ON md.id = l.moderator_id
           LEFT JOIN members m ON m.id = l.member_id
           LEFT JOIN reports r ON r.id = l.report_id
           LEFT JOIN groups g ON g.id = l.group_id
           WHERE ($1::bigint IS NULL OR l.id < $1)
           ORDER BY l.id DESC LIMIT 50"#,
        before
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| AuditEntry {
        id: r.id,
        at: r.created_at,
        moderator: r.moderator,
        action: r.action,
        member: r.member,
        group: r.group,
        report_reason: r
            .reason
            .and_then(|reason| ReportReason::parse(&reason).ok()),
        note: r.note,
    })
    .collect())
}
