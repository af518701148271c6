//! What one push says, decided when it goes out by the rules email follows:
//! nothing to its author, nothing muted or turned off, nothing read by then,
//! nothing from a member the recipient blocked, only to a current participant.

use super::outbox::ClaimedPush;
use crate::domain::language::Language;
use crate::error::AppError;
use crate::i18n::k;
use serde::Serialize;
use sqlx::PgPool;

/// Characters of the message a notification shows at most.
const SHOWN_CHARS: usize = 180;

/// The JSON the service worker turns into a notification (`app/client/sw.js`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Push {
    /// "Alice Martin wrote to you", "… to the Marketing group".
    pub title: String,
    /// The message, or "New message" when the member hides text on lock screens.
    pub body: String,
    /// The thread, relative to the portal.
    pub url: String,
    /// One notification per conversation: a newer one replaces it.
    pub tag: String,
}

/// The push for a claimed row, or `None` when it should not go (any more); in
/// the member's language, else `fallback` (the portal's first).
pub async fn compose_push(
    pool: &PgPool,
    claimed: &ClaimedPush,
    fallback: Language,
) -> Result<Option<Push>, AppError> {
    let Some(access) =
        super::super::access::notify_access(pool, claimed.member_id, claimed.conversation_id)
            .await?
    else {
        return Ok(None);
    };
    let as_group = access.as_group();
    let row = sqlx::query!(
        r#"SELECT msg.body, coalesce(g.name, a.display_name) AS "author!",
                  (SELECT count(*) FROM attachments f WHERE f.message_id = msg.id) AS "files!",
                  coalesce(ns.push_shows_text, true) AS "shows_text!",
                  (SELECT name FROM groups WHERE id = $4) AS "via_group", r.language
           FROM messages msg
           JOIN members a ON a.id = msg.author_id
           LEFT JOIN groups g ON g.id = msg.as_group_id
           JOIN members r ON r.id = $2 AND r.suspended_at IS NULL AND r.deleted_at IS NULL
           LEFT JOIN notification_settings ns ON ns.member_id = r.id
           WHERE msg.id = $1 AND msg.conversation_id = $3
             AND msg.kind = 'text' AND msg.removed_at IS NULL AND msg.deleted_at IS NULL
             AND coalesce(ns.push, true)
             AND NOT EXISTS (SELECT 1 FROM conversation_mutes cm
                             WHERE cm.member_id = r.id AND cm.conversation_id = msg.conversation_id)
             AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = r.id AND b.blocked_id = msg.author_id)
             AND NOT (msg.as_group_id IS NULL AND msg.author_id = r.id)
             AND ($4::bigint IS NULL OR msg.as_group_id IS DISTINCT FROM $4)
             AND coalesce((SELECT last_read_message_id FROM conversation_reads cr
                           WHERE cr.member_id = r.id AND cr.conversation_id = msg.conversation_id), 0) < msg.id"#,
        claimed.message_id,
        claimed.member_id,
        claimed.conversation_id,
        as_group
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| {
        let words = crate::backend::members::language::words_of(r.language.as_deref(), fallback);
        let title = match &r.via_group {
            Some(group) => words.f(
                k::sent_wrote_to_group,
                &[("who", &r.author), ("group", group)],
            ),
            None => words.f(k::sent_wrote_to_you, &[("who", &r.author)]),
        };
        let text = crate::domain::markdown::plain_text(&r.body);
        let body = if !r.shows_text {
            words.t(k::sent_push_new_message).to_string()
        } else if text.trim().is_empty() && r.files > 0 {
            words.t(k::sent_push_files).to_string()
        } else {
            shortened(text.trim())
        };
        Push {
            title,
            body,
            url: format!("/conversations/{}", claimed.conversation_id),
            tag: format!("conversation-{}", claimed.conversation_id),
        }
    }))
}

/// At most `SHOWN_CHARS` characters, cut at a word with "…".
fn shortened(text: &str) -> String {
    if text.chars().count() <= SHOWN_CHARS {
        return text.to_string();
    }
    let cut: String = text.chars().take(SHOWN_CHARS).collect();
    let at_word = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", at_word.trim_end())
}
