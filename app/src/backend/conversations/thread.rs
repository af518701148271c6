//! A thread: its parties and a page of its messages.

use super::read::{read_up_to, seen_by_others};
use super::{group_view, member_view};
use crate::backend::permissions::{self, Access};
use crate::domain::conversation::Party;
use crate::domain::moderation::MULTI_PERSON;
use crate::error::AppError;
use crate::model::account::Viewer;
use crate::model::conversation::{
    MessageKind, MessageView, PartyView, ThreadView, THREAD_PAGE_SIZE,
};
use sqlx::PgPool;

/// Messages of a conversation, newest first, older than `before` when given.
pub(super) async fn load_messages(
    pool: &PgPool,
    viewer: &Viewer,
    access: &Access,
    conversation_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<MessageView>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT msg.id, msg.created_at, msg.author_id, msg.as_group_id, msg.kind,
                  CASE WHEN msg.removed_at IS NULL THEN msg.body ELSE '' END AS "body!",
                  msg.removed_at IS NOT NULL AS "removed!",
                  EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = $4 AND b.blocked_id = msg.author_id)
                      AS "author_blocked!",
                  m.handle, m.display_name, g.slug AS "group_slug?", g.name AS "group_name?",
                  CASE WHEN msg.as_group_id IS NULL THEN m.avatar ELSE g.avatar END AS avatar,
                  EXISTS (SELECT 1 FROM group_memberships gm
                          WHERE gm.group_id = msg.as_group_id AND gm.member_id = $4 AND gm.role = 'manager')
                      AS "viewer_manages_author_group!",
                  msg.edited_at, msg.deleted_at IS NOT NULL AS "deleted!",
                  q.id AS "quote_id?", coalesce(qg.name, qm.display_name) AS "quote_author?",
                  CASE WHEN q.removed_at IS NULL AND q.deleted_at IS NULL THEN q.body ELSE '' END AS "quote_body?",
                  (q.removed_at IS NOT NULL OR q.deleted_at IS NOT NULL) AS "quote_gone?"
           -- The page is cut first (walking messages_thread backwards), then joined,
           -- so a long conversation costs no more than a short one.
           FROM (SELECT * FROM messages
                 WHERE conversation_id = $1 AND ($2::bigint IS NULL OR id < $2)
                 ORDER BY id DESC LIMIT $3) msg
           JOIN members m ON m.id = msg.author_id
           LEFT JOIN groups g ON g.id = msg.as_group_id
           LEFT JOIN messages q ON q.id = msg.reply_to_id
           LEFT JOIN members qm ON qm.id = q.author_id
           LEFT JOIN groups qg ON qg.id = q.as_group_id
           ORDER BY msg.id DESC"#,
        conversation_id,
        before,
        limit,
        viewer.id
    )
    .fetch_all(pool)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut reactions = crate::backend::live::reactions_of(pool, &ids).await?;
    let mut attachments = crate::backend::attachments::attachments_of(pool, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (mut author, written_by) = match (r.as_group_id, r.group_slug, r.group_name) {
                (Some(group_id), Some(slug), Some(name)) => (
                    group_view(group_id, slug, name),
                    r.viewer_manages_author_group
                        .then(|| r.display_name.clone()),
                ),
                _ => (
                    member_view(r.author_id, r.handle, r.display_name.clone()),
                    None,
                ),
            };
            author.avatar = r.avatar;
            let mine = match access.acting_as {
                Party::Member(id) => r.as_group_id.is_none() && r.author_id == id,
                Party::Group(id) => r.as_group_id == Some(id),
            };
            let reply_to = match (r.quote_id, r.quote_author) {
                (Some(id), Some(author)) => Some(crate::backend::live::quote(
                    id,
                    author,
                    r.quote_body.as_deref().unwrap_or_default(),
                    r.quote_gone.unwrap_or(true),
                )),
                _ => None,
            };
            MessageView {
                reactions: reactions.remove(&r.id).unwrap_or_default(),
                attachments: attachments.remove(&r.id).unwrap_or_default(),
                reply_to,
                edited_at: r.edited_at,
                deleted: r.deleted,
                id: r.id,
                kind: MessageKind::from_db(&r.kind),
                author,
                written_by,
                body: r.body,
                created_at: r.created_at,
                mine,
                own: mine && r.author_id == viewer.id,
                removed: r.removed,
                collapsed: r.author_blocked && !mine,
            }
        })
        .collect())
}

/// Everyone in a conversation, each as a `PartyView`, per conversation id.
pub(super) async fn parties_of(
    pool: &PgPool,
    conversation_ids: &[i64],
) -> Result<Vec<(i64, PartyView)>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT cp.conversation_id, cp.member_id, cp.group_id,
                  coalesce(m.handle, g.slug) AS "key!", coalesce(m.display_name, g.name) AS "name!",
                  coalesce(m.avatar, g.avatar) AS avatar
           FROM conversation_parties cp
           LEFT JOIN members m ON m.id = cp.member_id
           LEFT JOIN groups g ON g.id = cp.group_id
           WHERE cp.conversation_id = ANY($1)
           ORDER BY cp.group_id IS NULL, coalesce(m.display_name, g.name)"#,
        conversation_ids
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut view = match (r.member_id, r.group_id) {
                (Some(id), _) => member_view(id, r.key, r.name),
                (None, Some(id)) => group_view(id, r.key, r.name),
                (None, None) => member_view(0, r.key, r.name),
            };
            view.avatar = r.avatar;
            (r.conversation_id, view)
        })
        .collect())
}

/// The most messages a thread opens with to reach an older one (a search hit):
/// further back, it opens at its newest and "Load older messages" goes on.
pub const REACH_MAX: i64 = 300;

pub async fn thread(
    pool: &PgPool,
    viewer: &Viewer,
    conversation_id: i64,
    before: Option<i64>,
    edit_seconds: i64,
) -> Result<ThreadView, AppError> {
    thread_page(
        pool,
        viewer,
        conversation_id,
        before,
        THREAD_PAGE_SIZE,
        edit_seconds,
    )
    .await
}

/// The thread from its newest message back to `message` (at least a page,
/// at most `REACH_MAX` messages): a search hit older than the first page opens
/// among its neighbours, and newer ones are all there below it.
pub async fn thread_reaching(
    pool: &PgPool,
    viewer: &Viewer,
    conversation_id: i64,
    message: i64,
    edit_seconds: i64,
) -> Result<ThreadView, AppError> {
    let newer = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM (
             SELECT 1 FROM messages WHERE conversation_id = $1 AND id >= $2 LIMIT $3) m"#,
        conversation_id,
        message,
        REACH_MAX
    )
    .fetch_one(pool)
    .await?;
    // Five older ones too, so the hit is not the first line of the page.
    let size = (newer + 5).clamp(THREAD_PAGE_SIZE, REACH_MAX);
    thread_page(pool, viewer, conversation_id, None, size, edit_seconds).await
}

async fn thread_page(
    pool: &PgPool,
    viewer: &Viewer,
    conversation_id: i64,
    before: Option<i64>,
    size: i64,
    edit_seconds: i64,
) -> Result<ThreadView, AppError> {
    let access = permissions::conversation_access(pool, viewer.id, conversation_id).await?;
    let mut messages =
        load_messages(pool, viewer, &access, conversation_id, before, size + 1).await?;
    let older = if messages.len() as i64 > size {
        messages.truncate(size as usize);
        messages.last().map(|m| m.id)
    } else {
        None
    };
    messages.reverse();
    // The viewer's own state here, in one round trip: muted, read up to (before
    // this opening moves it), and what they left unsent.
    let own = sqlx::query!(
        r#"SELECT EXISTS (SELECT 1 FROM conversation_mutes
                          WHERE member_id = $1 AND conversation_id = $2) AS "muted!",
                  coalesce((SELECT last_read_message_id FROM conversation_reads
                            WHERE member_id = $1 AND conversation_id = $2), 0) AS "last_read!",
                  (SELECT body FROM drafts
                   WHERE member_id = $1 AND conversation_id = $2) AS draft"#,
        viewer.id,
        conversation_id
    )
    .fetch_one(pool)
    .await?;
    let mut first_unread = None;
    if before.is_none() {
        if let Some(newest) = messages.last() {
            // Where "New messages" goes: the first message from the others the
            // viewer had not read before opening it now.
            first_unread = messages
                .iter()
                .find(|m| m.id > own.last_read && !m.mine && m.kind == MessageKind::Text)
                .map(|m| m.id);
            // Already read that far (opened again): nothing to move or tell.
            if newest.id > own.last_read {
                read_up_to(pool, conversation_id, viewer.id, newest.id).await?;
            }
        }
    }
    let acting_token = access.acting_as.token();
    let (acting, others): (Vec<PartyView>, Vec<PartyView>) = parties_of(pool, &[conversation_id])
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .partition(|p| p.token == acting_token);
    let acting_as = acting.into_iter().next().ok_or(AppError::Internal)?;
    let multi_person = others.len() + 1 >= MULTI_PERSON;
    let seen = match before {
        None => seen_by_others(pool, viewer.id, conversation_id, &acting_token).await?,
        Some(_) => Vec::new(),
    };
    let draft = own.draft.filter(|_| before.is_none());
    let pending = match before {
        None => {
            crate::backend::attachments::pending_of(pool, viewer.id, Some(conversation_id)).await?
        }
        Some(_) => Vec::new(),
    };
    Ok(ThreadView {
        muted: own.muted,
        request: access.request,
        multi_person,
        may_leave: multi_person && access.as_group().is_none(),
        read_only: access
            .read_only
            .map(|why| why.problem().words(reader_words())),
        edit_seconds,
        first_unread,
        draft,
        seen,
        pending,
        attach: Default::default(),
        id: conversation_id,
        others,
        acting_as,
        messages,
        older,
    })
}

/// The reader's words for a sentence the thread carries: the page's while one is
/// written, else the request's language (English outside a request).
fn reader_words() -> crate::i18n::Words {
    leptos::prelude::use_context::<crate::i18n::Words>().unwrap_or_else(|| {
        if crate::api::context::request_headers().is_some() {
            crate::i18n::Words::of(crate::i18n::request_language())
        } else {
            crate::i18n::Words::default()
        }
    })
}
