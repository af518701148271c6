//! Who hears of a new message and how: decided once per recipient, inside the
//! transaction that stores the message, so the live event, the in-app notice and
//! the outbox row commit together with it or not at all.

use crate::backend::live::Target;
use crate::error::AppError;
use sqlx::PgConnection;

/// Records the live events and outbox rows for a new message and returns whom to
/// announce it to. The author's own tabs get the event too (flagged as theirs).
pub async fn fan_out(
    conn: &mut PgConnection,
    conversation_id: i64,
    message_id: i64,
    author_id: i64,
    as_group: Option<i64>,
    waits: super::Waits,
    note: bool,
) -> Result<Vec<Target>, AppError> {
    // Recipients: everyone who may see the conversation (the view
    // `conversation_viewers`; a member reached both ways counts once, directly).
    // Event numbers are taken in member order so that concurrent sends never deadlock.
    // Nobody is notified of a note ("Alice left"), by a pending request, or by a
    // member they blocked; for the last, the conversation stays read if it was.
    let rows = sqlx::query_file!(
        "src/backend/notifications/fan_out.sql",
        conversation_id,
        message_id,
        author_id,
        as_group,
        waits.email_batch_seconds as f64,
        note,
        waits.push_delay_seconds as f64
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Target {
            member: r.member_id,
            seq: r.seq,
            flags: r.flags,
            via_group: r.via_group,
        })
        .collect())
}
