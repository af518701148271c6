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
    let group_id = match party {
        Party::Member(_) => None,
        Party::Group(id) => Some(id),
    };
    let mut rows = page(pool, viewer.id, group_id, before.and_then(parse_cursor)).await?;
    let has_more = rows.len() as i64 > INBOX_PAGE_SIZE;
    rows.truncate(INBOX_PAGE_SIZE as usize);
    let next = has_more
        .then(|| rows.last().map(|r| cursor(r.last_message_at, r.id)))
        .flatten();
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
                mine: r.mine,
                snippet: snippet(&body),
                last_message_at: r.last_message_at,
                unread: r.unread,
            }
        })
        .collect();
    let requests = match group_id {
        None => pending_requests(pool, viewer.id).await?,
        Some(_) => 0,
    };
    Ok(InboxPage {
        conversations,
        next,
        managed_groups: managed,
        group,
        requests,
    })
}

/// One conversation of an inbox page, with its latest message.
struct InboxRow {
    id: i64,
    last_message_at: DateTime<Utc>,
    unread: bool,
    body: Option<String>,
    author: Option<String>,
    mine: bool,
}

/// One more than a page of the conversations the viewer sees as themself (not
/// requests) or, with `group_id`, as that group's manager (checked by the caller),
/// older than `before`: the member's side from their read marks in the order of
/// an index (a page costs the same in 10 conversations or 10,000), a group's from
/// its parties. Joined with the view `conversation_viewers`, PostgreSQL cannot
/// look a page's conversations up in it by key (a UNION ALL of joins) and compares
/// each with every conversation of the member.
///
/// One statement for each side and the cursor always given, so that the plan
/// PostgreSQL keeps for the statement is the good one: with "member or group" and
/// "after the cursor, if any" in one statement, the kept plan joined the latest
/// message, its author and the read mark for every conversation of the member
/// before taking the page (5 ms for 1,000 conversations), and planning each call
/// afresh cost 1 ms. The page is taken first, then joined.
async fn page(
    pool: &PgPool,
    viewer_id: i64,
    group_id: Option<i64>,
    before: Option<(DateTime<Utc>, i64)>,
) -> Result<Vec<InboxRow>, AppError> {
    // Without a cursor, from the end of time (year 9999).
    let far_future = DateTime::<Utc>::from_timestamp(253_402_300_799, 0).unwrap_or_default();
    let (before_at, before_id) = before.unwrap_or((far_future, i64::MAX));
    let limit = INBOX_PAGE_SIZE + 1;
    Ok(match group_id {
        None => {
            sqlx::query_as!(
                InboxRow,
                // The page straight from the member's read marks, which carry each
                // conversation's last message (kept by triggers, see the migration
                // `unread_by_index`) in an index in this order: the newest page
                // without sorting all of the member's conversations.
                r#"WITH page AS (
                     SELECT r.conversation_id AS id, r.latest_message_at AS last_message_at,
                            r.latest_message_id AS last_message_id, r.last_read_message_id
                     FROM conversation_reads r
                     WHERE r.member_id = $1
                       AND (r.latest_message_at, r.conversation_id) < ($2, $3)
                       -- One probe by both keys (as EXISTS, the kept plan read all
                       -- the member's parties for each row).
                       AND (SELECT cp.state FROM conversation_parties cp
                            WHERE cp.member_id = $1 AND cp.conversation_id = r.conversation_id) = 'active'
                     ORDER BY r.latest_message_at DESC, r.conversation_id DESC
                     LIMIT $4
                   )
                   SELECT p.id AS "id!", p.last_message_at AS "last_message_at!",
                          p.last_message_id > p.last_read_message_id AS "unread!",
                          CASE WHEN lm.removed_at IS NULL THEN lm.body ELSE 'Removed by a moderator' END AS "body?",
                          coalesce(lg.name, la.display_name) AS "author?",
                          -- Written by the member themself.
                          coalesce(lm.author_id = $1 AND lm.as_group_id IS NULL, false) AS "mine!"
                   FROM page p
                   LEFT JOIN messages lm ON lm.id = p.last_message_id
                   LEFT JOIN members la ON la.id = lm.author_id
                   LEFT JOIN groups lg ON lg.id = lm.as_group_id
                   ORDER BY p.last_message_at DESC, p.id DESC"#,
                viewer_id,
                before_at,
                before_id,
                limit
            )
            .fetch_all(pool)
            .await?
        }
        Some(group_id) => {
            sqlx::query_as!(
                InboxRow,
                r#"WITH page AS (
                     SELECT c.id, c.last_message_at, c.last_message_id
                     FROM conversation_parties cp
                     JOIN conversations c ON c.id = cp.conversation_id
                     WHERE cp.group_id = $1
                       AND (c.last_message_at, c.id) < ($2, $3)
                     ORDER BY c.last_message_at DESC, c.id DESC
                     LIMIT $4
                   )
                   SELECT p.id AS "id!", p.last_message_at AS "last_message_at!",
                          p.last_message_id > coalesce((SELECT r.last_read_message_id FROM conversation_reads r
                                                        WHERE r.member_id = $5 AND r.conversation_id = p.id), 0) AS "unread!",
                          CASE WHEN lm.removed_at IS NULL THEN lm.body ELSE 'Removed by a moderator' END AS "body?",
                          coalesce(lg.name, la.display_name) AS "author?",
                          -- A group's tab names the group, never "You".
                          false AS "mine!"
                   FROM page p
                   LEFT JOIN messages lm ON lm.id = p.last_message_id
                   LEFT JOIN members la ON la.id = lm.author_id
                   LEFT JOIN groups lg ON lg.id = lm.as_group_id
                   ORDER BY p.last_message_at DESC, p.id DESC"#,
                group_id,
                before_at,
                before_id,
                limit,
                viewer_id
            )
            .fetch_all(pool)
            .await?
        }
    })
}

/// How many message requests wait for the member (shown on their own inbox).
async fn pending_requests(pool: &PgPool, member_id: i64) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM conversation_viewers WHERE member_id = $1 AND request"#,
        member_id
    )
    .fetch_one(pool)
    .await?)
}

/// The start of a message for the inbox: one line, at most 120 visible characters.
/// A message of files only (no text) reads "📎 Files".
pub(super) fn snippet(body: &str) -> String {
    if body.trim().is_empty() {
        return "📎 Files".to_string();
    }
    crate::domain::markdown::excerpt(body, 120)
}
