//! "Alice is typing…": announced to the conversation's open pages and never
//! stored. Each instance lets one member announce it at most once per
//! conversation every `TYPING_EVERY` (the page sends no more often either); with
//! several instances behind a balancer that is at most one per instance.

use super::{notify, Kind, Published, Target};
use crate::backend::permissions;
use crate::error::AppError;
use crate::model::account::Viewer;
use crate::model::live::TYPING_EVERY;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// When each (member, conversation) last announced typing on this instance.
#[derive(Default)]
pub struct TypingGate {
    last: Mutex<HashMap<(i64, i64), Instant>>,
}

/// Entries kept before the old ones are swept out.
const GATE_ENTRIES: usize = 10_000;

impl TypingGate {
    /// Whether the member may announce typing in the conversation now; if so, it
    /// counts as announced.
    fn admit(&self, member_id: i64, conversation_id: i64) -> bool {
        let Ok(mut last) = self.last.lock() else {
            return false;
        };
        let now = Instant::now();
        if last.len() >= GATE_ENTRIES {
            last.retain(|_, at| now.duration_since(*at) < TYPING_EVERY);
        }
        match last.get(&(member_id, conversation_id)) {
            Some(at) if now.duration_since(*at) < TYPING_EVERY => false,
            _ => {
                last.insert((member_id, conversation_id), now);
                true
            }
        }
    }
}

/// Tells the others in the conversation that the viewer is typing, under the
/// name they see them by (the group, for a manager answering for it). Nobody
/// hears it from a message request not yet accepted, from a conversation closed
/// to replies, or from a member they blocked.
pub async fn announce_typing(
    pool: &PgPool,
    gate: &TypingGate,
    viewer: &Viewer,
    conversation_id: i64,
) -> Result<(), AppError> {
    let access = permissions::conversation_access(pool, viewer.id, conversation_id).await?;
    if access.request || access.read_only.is_some() || !gate.admit(viewer.id, conversation_id) {
        return Ok(());
    }
    let row = sqlx::query!(
        r#"SELECT coalesce((SELECT name FROM groups WHERE id = $3), $4) AS "who!",
                  ARRAY(SELECT DISTINCT v.member_id FROM conversation_viewers v
                        WHERE v.conversation_id = $1 AND v.member_id <> $2 AND NOT v.request
                          AND NOT EXISTS (SELECT 1 FROM blocks b
                                          WHERE b.blocker_id = v.member_id AND b.blocked_id = $2))
                      AS "to!""#,
        conversation_id,
        viewer.id,
        access.as_group(),
        viewer.display_name
    )
    .fetch_one(pool)
    .await?;
    if row.to.is_empty() {
        return Ok(());
    }
    let to = row
        .to
        .into_iter()
        .map(|member| Target {
            member,
            seq: 0,
            flags: 0,
            via_group: None,
        })
        .collect();
    let mut published = Published::new(Kind::Typing, conversation_id, to);
    published.typing = Some(row.who);
    let mut conn = pool.acquire().await?;
    notify(&mut conn, published).await
}
