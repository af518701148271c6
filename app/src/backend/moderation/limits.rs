//! The spam limits on sending, counted from the database so they hold across
//! every server instance.

use crate::domain::limits::{check_send, Limits, RecentSends};
use crate::error::AppError;
use sqlx::PgConnection;

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
    // The limits an administrator set (site settings) win over the configured ones.
    let row = sqlx::query!(
        r#"WITH l AS (SELECT coalesce(s.messages_per_minute, $2) AS per_minute,
                             coalesce(s.conversations_per_hour, $3) AS per_hour
                      FROM site_settings s)
           SELECT now() AS "now!", m.created_at AS joined, l.per_minute AS "per_minute!",
                  l.per_hour AS "per_hour!",
                  ARRAY(SELECT created_at FROM messages
                        WHERE author_id = $1 AND created_at > now() - interval '1 minute'
                        ORDER BY created_at DESC LIMIT l.per_minute) AS "messages!",
                  ARRAY(SELECT created_at FROM conversations
                        WHERE created_by = $1 AND created_at > now() - interval '1 hour'
                        ORDER BY created_at DESC LIMIT l.per_hour) AS "conversations!"
           FROM members m, l WHERE m.id = $1"#,
        member_id,
        // A configured limit beyond what a LIMIT clause takes means "none".
        i32::try_from(limits.messages_per_minute).unwrap_or(i32::MAX),
        i32::try_from(limits.conversations_per_hour).unwrap_or(i32::MAX)
    )
    .fetch_one(&mut *conn)
    .await?;
    let limits = Limits {
        messages_per_minute: row.per_minute.max(1) as usize,
        conversations_per_hour: row.per_hour.max(1) as usize,
    };
    let recent = RecentSends {
        now: row.now,
        joined: row.joined,
        messages: &row.messages,
        conversations: starting.then_some(row.conversations.as_slice()),
    };
    check_send(limits, &recent).map_err(AppError::TooFast)
}
