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
    // The member's sends one at a time, with the limits an administrator set (site
    // settings), which win over the configured ones, in the same round trip. Read
    // apart from the count below: with the LIMITs taken from the settings row
    // inside that query, concurrent sends had twice the p99 (RELIABILITY.md).
    let site = sqlx::query!(
        "SELECT s.messages_per_minute, s.conversations_per_hour
         FROM (SELECT pg_advisory_xact_lock(7001, hashint8($1))) AS locked
         LEFT JOIN site_settings s ON true",
        member_id
    )
    .fetch_one(&mut *conn)
    .await?;
    let per_minute = site
        .messages_per_minute
        .unwrap_or(i32::try_from(limits.messages_per_minute).unwrap_or(i32::MAX));
    let per_hour = site
        .conversations_per_hour
        .unwrap_or(i32::try_from(limits.conversations_per_hour).unwrap_or(i32::MAX));
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
        i64::from(per_minute),
        i64::from(per_hour)
    )
    .fetch_one(&mut *conn)
    .await?;
    let limits = Limits {
        messages_per_minute: per_minute.max(1) as usize,
        conversations_per_hour: per_hour.max(1) as usize,
    };
    let recent = RecentSends {
        now: row.now,
        joined: row.joined,
        messages: &row.messages,
        conversations: starting.then_some(row.conversations.as_slice()),
    };
    check_send(limits, &recent).map_err(AppError::TooFast)
}

/// Counts one `action` (a reaction added or taken back, a draft saved) of the
/// member in this minute and refuses it past `per_minute`, with the seconds to
/// the next minute. One statement: the count and the check cannot be raced, on
/// any instance. Refused, the transaction is rolled back and the count with it.
pub async fn check_action_rate(
    conn: &mut PgConnection,
    member_id: i64,
    action: &str,
    per_minute: i64,
) -> Result<(), AppError> {
    let row = sqlx::query!(
        r#"INSERT INTO action_counts AS c (member_id, action, minute, n)
           VALUES ($1, $2, date_trunc('minute', now()), 1)
           ON CONFLICT (member_id, action, minute) DO UPDATE SET n = c.n + 1
           RETURNING c.n, 60 - extract(second FROM now())::int AS "wait!""#,
        member_id,
        action
    )
    .fetch_one(&mut *conn)
    .await?;
    if i64::from(row.n) > per_minute {
        return Err(AppError::TooFast(row.wait.max(1) as u64));
    }
    Ok(())
}
