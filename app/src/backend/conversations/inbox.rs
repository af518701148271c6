//! The inbox: a member's (or a managed group's) conversations, newest activity first, keyset-paged.

use super::compose::send_as_options;
use super::thread::parties_of;
use crate::domain::conversation::Party;
use crate::error::AppError;
use crate::model::account::Viewer;
use crate::model::conversation::{ConversationSummary, InboxPage, PartyView, INBOX_PAGE_SIZE};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

pub(super) fn parse_cursor(cursor: &str) -> Option<(DateTime<Utc>, i64)> {
    let (micros, id) = cursor.split_once('_')?;
    let at = DateTime::<Utc>::from_timestamp_micros(micros.parse().ok()?)?;
    Some((at, id.parse().ok()?))
}

pub(super) fn cursor(at: DateTime<Utc>, id: i64) -> String {
    format!("{}_{id}", at.timestamp_micros())
}

/// The group whose inbox is asked for: listed only for its current managers
/// (`NotFound` for anyone else); `None` for the member's own inbox.
fn managed_group(managed: &[PartyView], slug: Option<&str>) -> Result<Option<PartyView>, AppError> {
    match slug.filter(|g| !g.is_empty()) {
        None => Ok(None),
        Some(slug) => managed
            .iter()
            .find(|g| g.handle == slug)
            .cloned()
            .map(Some)
            .ok_or(AppError::NotFound),
    }
}

pub async fn inbox(
    pool: &PgPool,
    viewer: &Viewer,
    group: Option<&str>,
    before: Option<&str>,
) -> Result<InboxPage, AppError> {
    let managed: Vec<PartyView> = send_as_options(pool, viewer)
        .await?
        .into_iter()
        .skip(1)
        .collect();
    let group = managed_group(&managed, group)?;
    let party = match &group {
        Some(g) => Party::parse_token(&g.token).map_err(|_| AppError::Internal)?,
        None => Party::Member(viewer.id),
    };
    let (member_id, group_id) = match party {
        Party::Member(id) => (Some(id), None),
        Party::Group(id) => (None, Some(id)),
    };
    let (before_at, before_id) = match before.and_then(parse_cursor) {
        Some((at, id)) => (Some(at), Some(id)),
        None => (None, None),
    };
    let rows = sqlx::query!(
        r#"SELECT c.id, c.last_message_at, c.last_message_id,
                  c.last_message_id > coalesce(r.last_read_message_id, 0) AS "unread!",
                  CASE WHEN lm.removed_at IS NULL THEN lm.body ELSE 'Removed by a moderator' END AS "body?",
                  coalesce(lg.name, la.display_name) AS "author?"
           FROM conversation_parties cp
           JOIN conversations c ON c.id = cp.conversation_id
           LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.member_id = $3
           LEFT JOIN messages lm ON lm.id = c.last_message_id
           LEFT JOIN members la ON la.id = lm.author_id
           LEFT JOIN groups lg ON lg.id = lm.as_group_id
           WHERE ((cp.member_id = $1 AND cp.state = 'active') OR cp.group_id = $2)
             AND ($4::timestamptz IS NULL OR (c.last_message_at, c.id) < ($4, $5))
           ORDER BY c.last_message_at DESC, c.id DESC
           LIMIT $6"#,
        member_id,
        group_id,
        viewer.id,
        before_at,
        before_id,
        INBOX_PAGE_SIZE + 1
    )
    .fetch_all(pool)
    .await?;
    let has_more = rows.len() as i64 > INBOX_PAGE_SIZE;
    let rows: Vec<_> = rows.into_iter().take(INBOX_PAGE_SIZE as usize).collect();
    let next = if has_more {
        rows.last().map(|r| cursor(r.last_message_at, r.id))
    } else {
        None
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let own_token = party.token();
    let parties = parties_of(pool, &ids).await?;
    let conversations = rows
        .into_iter()
        .map(|r| {
            let others = parties
                .iter()
                .filter(|(cid, p)| *cid == r.id && p.token != own_token)
                .map(|(_, p)| p.clone())
                .collect();
            let body = r.body.unwrap_or_default();
            ConversationSummary {
                id: r.id,
                others,
                last_author: r.author.unwrap_or_default(),
                snippet: snippet(&body),
                last_message_at: r.last_message_at,
                unread: r.unread,
            }
        })
        .collect();
    let requests = if group_id.is_none() {
        pending_requests(pool, viewer.id).await?
    } else {
        0
    };
    Ok(InboxPage {
        conversations,
        next,
        managed_groups: managed,
        group,
        requests,
    })
}

/// How many message requests wait for the member (shown on their own inbox).
async fn pending_requests(pool: &PgPool, member_id: i64) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM conversation_parties WHERE member_id = $1 AND state = 'request'"#,
        member_id
    )
    .fetch_one(pool)
    .await?)
}

/// The start of a message for the inbox: one line, at most 120 visible characters.
pub(super) fn snippet(body: &str) -> String {
    use unicode_segmentation::UnicodeSegmentation;
    let line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let graphemes: Vec<&str> = line.graphemes(true).collect();
    if graphemes.len() > 120 {
        format!("{}…", graphemes[..119].concat())
    } else {
        line
    }
}
