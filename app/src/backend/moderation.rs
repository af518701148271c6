//! Code of conduct enforcement (server only): reports, blocks, "who may message
//! me", the moderators' actions and audit log, warnings, and the spam limits on
//! sending (counted from the database so they hold across every server instance).
//! Who may do each of these is decided in `permissions`.

use crate::domain::conversation::Party;
use crate::domain::limits::{check_send, Limits, RecentSends};
use crate::domain::moderation::{MessagePolicy, ModAction, ReportReason};
use crate::error::AppError;
use crate::model::account::{Role, Viewer};
use crate::model::conversation::{PartyKind, PartyView};
use crate::model::moderation::{
    AuditEntry, PrivacySettings, QueueMessage, ReportView, WarningView,
};
use sqlx::{PgConnection, PgPool};

/// Refuses a send that would break a limit, with how long to wait. Runs inside the
/// sending transaction after a per-member lock, so concurrent sends (through any
/// instance) are counted one after the other and cannot slip past together.
pub async fn check_send_rate(
    conn: &mut PgConnection,
    member_id: i64,
    starting: bool,
    limits: Limits,
) -> Result<(), AppError> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(7001, hashint8($1))",
        member_id
    )
    .execute(&mut *conn)
    .await?;
    // A new statement, so a new snapshot: it sees sends committed while we waited.
    let row = sqlx::query!(
        r#"SELECT now() AS "now!", m.created_at AS joined,
                  ARRAY(SELECT created_at FROM messages
                        WHERE author_id = $1 AND created_at > now() - interval '1 minute'
                        ORDER BY created_at DESC LIMIT $2) AS "messages!",
                  ARRAY(SELECT created_at FROM conversations
                        WHERE created_by = $1 AND created_at > now() - interval '1 hour'
                        ORDER BY created_at DESC LIMIT $3) AS "conversations!"
           FROM members m WHERE m.id = $1"#,
        member_id,
        limits.messages_per_minute as i64,
        limits.conversations_per_hour as i64
    )
    .fetch_one(&mut *conn)
    .await?;
    let recent = RecentSends {
        now: row.now,
        joined: row.joined,
        messages: &row.messages,
        conversations: starting.then_some(row.conversations.as_slice()),
    };
    check_send(limits, &recent).map_err(AppError::TooFast)
}

/// Records a report about a message the viewer can see and did not write. A second
/// report of the same message by the same member is the same report.
pub async fn report(
    pool: &PgPool,
    viewer: &Viewer,
    message_id: i64,
    reason: ReportReason,
    note: &str,
) -> Result<(), AppError> {
    let message = sqlx::query!(
        "SELECT conversation_id, author_id, as_group_id FROM messages
         WHERE id = $1 AND kind = 'text' AND removed_at IS NULL",
        message_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let access =
        crate::backend::permissions::conversation_access(pool, viewer.id, message.conversation_id)
            .await?;
    let own = match access.acting_as {
        Party::Member(id) => message.as_group_id.is_none() && message.author_id == id,
        Party::Group(id) => message.as_group_id == Some(id),
    };
    if own {
        return Err(AppError::Refused(
            "This is your own message: you cannot report it.".into(),
        ));
    }
    sqlx::query!(
        "INSERT INTO reports (message_id, reporter_id, reason, note) VALUES ($1, $2, $3, $4)
         ON CONFLICT ON CONSTRAINT reports_once DO NOTHING",
        message_id,
        viewer.id,
        reason.as_str(),
        note
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Blocks or unblocks a member by handle; returns whether they are blocked now.
pub async fn set_block(
    pool: &PgPool,
    viewer: &Viewer,
    handle: &str,
    blocked: bool,
) -> Result<bool, AppError> {
    let member_id = sqlx::query_scalar!(
        "SELECT id FROM members WHERE handle = $1 AND deleted_at IS NULL",
        handle.trim().to_lowercase()
    )
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::NotFound)?;
    if member_id == viewer.id {
        return Err(AppError::Refused("You cannot block yourself.".into()));
    }
    if blocked {
        sqlx::query!(
            "INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            viewer.id,
            member_id
        )
        .execute(pool)
        .await?;
    } else {
        sqlx::query!(
            "DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2",
            viewer.id,
            member_id
        )
        .execute(pool)
        .await?;
    }
    Ok(blocked)
}

/// Whether the viewer blocked this member (for their profile page).
pub async fn has_blocked(pool: &PgPool, viewer_id: i64, member_id: i64) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $1 AND blocked_id = $2) AS "b!""#,
        viewer_id,
        member_id
    )
    .fetch_one(pool)
    .await?)
}

pub async fn privacy(pool: &PgPool, viewer: &Viewer) -> Result<PrivacySettings, AppError> {
    let policy = sqlx::query_scalar!(
        "SELECT message_policy FROM members WHERE id = $1",
        viewer.id
    )
    .fetch_one(pool)
    .await?;
    let blocked = sqlx::query!(
        "SELECT m.id, m.handle, m.display_name FROM blocks b JOIN members m ON m.id = b.blocked_id
         WHERE b.blocker_id = $1 ORDER BY m.display_name",
        viewer.id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| PartyView {
        token: Party::Member(r.id).token(),
        kind: PartyKind::Member,
        name: r.display_name,
        handle: r.handle,
    })
    .collect();
    Ok(PrivacySettings {
        policy: MessagePolicy::parse(&policy).unwrap_or(MessagePolicy::Everyone),
        blocked,
    })
}

pub async fn save_policy(
    pool: &PgPool,
    viewer: &Viewer,
    policy: MessagePolicy,
) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE members SET message_policy = $2 WHERE id = $1",
        viewer.id,
        policy.as_str()
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn warnings(pool: &PgPool, viewer: &Viewer) -> Result<Vec<WarningView>, AppError> {
    Ok(sqlx::query!(
        r#"SELECT w.id, w.created_at, coalesce(left(msg.body, 120), '') AS "excerpt!"
           FROM member_warnings w LEFT JOIN messages msg ON msg.id = w.message_id
           WHERE w.member_id = $1 AND w.acknowledged_at IS NULL ORDER BY w.id"#,
        viewer.id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| WarningView {
        id: r.id,
        at: r.created_at,
        excerpt: r.excerpt,
    })
    .collect())
}

pub async fn acknowledge(pool: &PgPool, viewer: &Viewer) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE member_warnings SET acknowledged_at = now()
         WHERE member_id = $1 AND acknowledged_at IS NULL",
        viewer.id
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// How many messages before and after a reported one a moderator sees.
const CONTEXT: i64 = 2;

/// Open reports, oldest first, each with its message in a little context.
pub async fn queue(pool: &PgPool) -> Result<Vec<ReportView>, AppError> {
    let reports = sqlx::query!(
        r#"SELECT r.id, r.reason, r.note, r.created_at, rep.display_name AS reporter,
                  msg.id AS message_id, msg.conversation_id, msg.author_id, msg.as_group_id,
                  a.handle, a.display_name AS author_name,
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
    let mut out = Vec::with_capacity(reports.len());
    for r in reports {
        // Only the neighbourhood of the reported message, never the whole thread.
        let context = sqlx::query!(
            r#"(SELECT msg.id, msg.body, msg.created_at, msg.removed_at IS NOT NULL AS "removed!",
                       coalesce(g.name, m.display_name) AS "author!"
                FROM messages msg JOIN members m ON m.id = msg.author_id
                LEFT JOIN groups g ON g.id = msg.as_group_id
                WHERE msg.conversation_id = $1 AND msg.id <= $2 AND msg.kind = 'text'
                ORDER BY msg.id DESC LIMIT $3)
               UNION ALL
               (SELECT msg.id, msg.body, msg.created_at, msg.removed_at IS NOT NULL,
                       coalesce(g.name, m.display_name)
                FROM messages msg JOIN members m ON m.id = msg.author_id
                LEFT JOIN groups g ON g.id = msg.as_group_id
                WHERE msg.conversation_id = $1 AND msg.id > $2 AND msg.kind = 'text'
                ORDER BY msg.id LIMIT $4)"#,
            r.conversation_id,
            r.message_id,
            CONTEXT + 1,
            CONTEXT
        )
        .fetch_all(pool)
        .await?;
        let mut context: Vec<QueueMessage> = context
            .into_iter()
            .filter_map(|c| {
                Some(QueueMessage {
                    id: c.id?,
                    reported: c.id == Some(r.message_id),
                    author: c.author,
                    body: c.body?,
                    created_at: c.created_at?,
                    removed: c.removed,
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
            },
            context,
            other_reports: r.others,
        });
    }
    Ok(out)
}

/// A moderator acts on an open report. Everything the action changes, the report's
/// resolution and the audit-log entry commit together.
pub async fn act(
    pool: &PgPool,
    moderator: &Viewer,
    report_id: i64,
    action: ModAction,
    note: &str,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let report = sqlx::query!(
        r#"SELECT r.message_id, r.resolved_at, msg.conversation_id, msg.author_id, a.role
           FROM reports r JOIN messages msg ON msg.id = r.message_id
           JOIN members a ON a.id = msg.author_id
           WHERE r.id = $1 FOR UPDATE OF r"#,
        report_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if report.resolved_at.is_some() {
        return Err(AppError::Refused(
            "Another moderator has already handled this report.".into(),
        ));
    }
    match action {
        ModAction::Dismiss => {}
        ModAction::Remove => {
            let removed = sqlx::query!(
                "UPDATE messages SET removed_at = now(), removed_by = $2
                 WHERE id = $1 AND removed_at IS NULL",
                report.message_id,
                moderator.id
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if removed > 0 {
                crate::backend::live::publish_removed(
                    &mut tx,
                    report.conversation_id,
                    report.message_id,
                )
                .await?;
            }
        }
        ModAction::Warn => {
            sqlx::query!(
                "INSERT INTO member_warnings (member_id, message_id) VALUES ($1, $2)",
                report.author_id,
                report.message_id
            )
            .execute(&mut *tx)
            .await?;
        }
        ModAction::Suspend => {
            if Role::from_db(&report.role).moderates() {
                return Err(AppError::Refused(
                    "Moderators and administrators cannot be suspended from the review queue."
                        .into(),
                ));
            }
            sqlx::query!(
                "UPDATE members SET suspended_at = now() WHERE id = $1 AND suspended_at IS NULL",
                report.author_id
            )
            .execute(&mut *tx)
            .await?;
            // Signed out everywhere at once: every request checks its session.
            sqlx::query!(
                "DELETE FROM sessions WHERE member_id = $1",
                report.author_id
            )
            .execute(&mut *tx)
            .await?;
            // And their open pages stop receiving anything, on every instance.
            crate::backend::live::revoke(&mut tx, report.author_id, None).await?;
        }
    }
    // Dismissing closes this report; acting on the message closes every open report
    // about it.
    sqlx::query!(
        "UPDATE reports SET resolved_at = now(), resolved_by = $2, outcome = $3
         WHERE resolved_at IS NULL AND (id = $1 OR ($4 AND message_id = $5))",
        report_id,
        moderator.id,
        action.as_str(),
        action != ModAction::Dismiss,
        report.message_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO moderation_log (moderator_id, action, report_id, message_id, member_id, note)
         VALUES ($1, $2, $3, $4, $5, $6)",
        moderator.id,
        action.as_str(),
        report_id,
        report.message_id,
        report.author_id,
        note
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The audit log, newest first, 50 entries a page.
pub async fn log(pool: &PgPool, before: Option<i64>) -> Result<Vec<AuditEntry>, AppError> {
    Ok(sqlx::query!(
        r#"SELECT l.id, l.created_at, l.action, l.note, md.display_name AS moderator,
                  m.display_name AS "member?", r.reason AS "reason?"
           FROM moderation_log l
           JOIN members md ON md.id = l.moderator_id
           LEFT JOIN members m ON m.id = l.member_id
           LEFT JOIN reports r ON r.id = l.report_id
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
        action: ModAction::parse(&r.action).unwrap_or(ModAction::Dismiss),
        member: r.member,
        report_reason: r
            .reason
            .and_then(|reason| ReportReason::parse(&reason).ok()),
        note: r.note,
    })
    .collect())
}
