//! Conversations: the SQL and the rules of starting, listing, reading and
//! replying (server only). Access is always decided by `permissions`.

use crate::api::auth::Viewer;
use crate::api::conversations::{
    ComposeInfo, ConversationSummary, InboxPage, MessageKind, MessageView, PartyKind, PartyView,
    RequestView, ThreadView, INBOX_PAGE_SIZE, THREAD_PAGE_SIZE,
};
use crate::domain::conversation::{
    check_idempotency_key, check_recipients, party_key, MessageBody, Party,
};
use crate::domain::moderation::{check_additions, RequestAnswer, MULTI_PERSON};
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::live::{self, Kind, Published, SharedMessage};
use crate::permissions::{self, Access};
use crate::state::Settings;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

fn field_error(field: &str, message: String) -> AppError {
    let mut errors = FieldErrors::new();
    errors.add(field, message);
    AppError::Invalid(errors)
}

/// Queries shorter than this match the start of names (a trigram index needs three
/// characters); longer ones match anywhere in the name or handle.
const CONTAINS_MIN_CHARS: usize = 3;
/// Matches considered before ranking: keeps a very common query as fast as a rare one.
const SEARCH_CANDIDATES: i64 = 100;

fn member_view(id: i64, handle: String, name: String) -> PartyView {
    PartyView {
        token: Party::Member(id).token(),
        kind: PartyKind::Member,
        name,
        handle,
    }
}

fn group_view(id: i64, slug: String, name: String) -> PartyView {
    PartyView {
        token: Party::Group(id).token(),
        kind: PartyKind::Group,
        name,
        handle: slug,
    }
}

pub async fn search_parties(
    pool: &PgPool,
    viewer_id: i64,
    query: &str,
) -> Result<Vec<PartyView>, AppError> {
    let query = crate::domain::account::normalize_query(query);
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let escaped = crate::members::like_escape(&query.to_lowercase());
    // Planned with the actual text: how many names contain "ngu" or "zzq" differs by
    // orders of magnitude, and so does the best plan (scan until enough, or trigram index).
    let mut tx = pool.begin().await?;
    sqlx::query!("SET LOCAL plan_cache_mode = force_custom_plan")
        .execute(&mut *tx)
        .await?;
    // Ranked: names starting with the query first, then alphabetical.
    let members = if query.chars().count() >= CONTAINS_MIN_CHARS {
        sqlx::query!(
            r#"WITH candidates AS MATERIALIZED (
                 SELECT id, handle, display_name, search_name FROM members
                 WHERE search_name LIKE '%' || fold_name($1) || '%'
                   AND id <> $2 AND suspended_at IS NULL AND deleted_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = $2 AND b.blocked_id = members.id)
                 LIMIT $3)
               SELECT id AS "id!", handle AS "handle!", display_name AS "name!" FROM candidates
               ORDER BY search_name LIKE fold_name($1) || '%' DESC, search_name, id LIMIT 8"#,
            escaped,
            viewer_id,
            SEARCH_CANDIDATES
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| member_view(r.id, r.handle, r.name))
        .collect::<Vec<_>>()
    } else {
        sqlx::query!(
            r#"SELECT id, handle, display_name AS name FROM members
               WHERE search_name COLLATE "C" >= fold_name($1)
                 AND search_name COLLATE "C" < fold_name($1) || chr(1114111)
                 AND id <> $2 AND suspended_at IS NULL AND deleted_at IS NULL
                 AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = $2 AND b.blocked_id = members.id)
               ORDER BY search_name COLLATE "C", id LIMIT 8"#,
            query.to_lowercase(),
            viewer_id
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| member_view(r.id, r.handle, r.name))
        .collect::<Vec<_>>()
    };
    let groups = sqlx::query!(
        "SELECT id, slug, name FROM groups
         WHERE search_name LIKE '%' || fold_name($1) || '%'
         ORDER BY search_name LIKE fold_name($1) || '%' DESC, search_name, id LIMIT 5",
        escaped
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut found = members;
    found.extend(groups.into_iter().map(|g| group_view(g.id, g.slug, g.name)));
    Ok(found)
}

/// Whom the viewer may write as: themself, then each group they manage.
async fn send_as_options(pool: &PgPool, viewer: &Viewer) -> Result<Vec<PartyView>, AppError> {
    let mut options = vec![member_view(
        viewer.id,
        viewer.handle.clone(),
        viewer.display_name.clone(),
    )];
    let groups = sqlx::query!(
        "SELECT g.id, g.slug, g.name FROM groups g
         JOIN group_memberships gm ON gm.group_id = g.id
         WHERE gm.member_id = $1 AND gm.role = 'manager' ORDER BY g.name",
        viewer.id
    )
    .fetch_all(pool)
    .await?;
    options.extend(groups.into_iter().map(|g| group_view(g.id, g.slug, g.name)));
    Ok(options)
}

pub async fn compose_info(
    pool: &PgPool,
    viewer: &Viewer,
    to: &[String],
) -> Result<ComposeInfo, AppError> {
    let handles: Vec<String> = to
        .iter()
        .filter_map(|t| t.strip_prefix("member:"))
        .map(str::to_lowercase)
        .collect();
    let slugs: Vec<String> = to
        .iter()
        .filter_map(|t| t.strip_prefix("group:"))
        .map(str::to_lowercase)
        .collect();
    let members = sqlx::query!(
        "SELECT id, handle, display_name FROM members
         WHERE handle = ANY($1) AND id <> $2 AND suspended_at IS NULL AND deleted_at IS NULL",
        &handles,
        viewer.id
    )
    .fetch_all(pool)
    .await?;
    let groups = sqlx::query!(
        "SELECT id, slug, name FROM groups WHERE slug = ANY($1)",
        &slugs
    )
    .fetch_all(pool)
    .await?;
    let mut preselected: Vec<PartyView> = members
        .into_iter()
        .map(|m| member_view(m.id, m.handle, m.display_name))
        .collect();
    preselected.extend(groups.into_iter().map(|g| group_view(g.id, g.slug, g.name)));
    Ok(ComposeInfo {
        preselected,
        send_as: send_as_options(pool, viewer).await?,
        key: new_key(),
    })
}

fn new_key() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The side the viewer writes as when starting a conversation; never taken on trust.
async fn resolve_sender(pool: &PgPool, viewer: &Viewer, send_as: &str) -> Result<Party, AppError> {
    match Party::parse_token(send_as) {
        Ok(Party::Member(id)) if id == viewer.id => Ok(Party::Member(id)),
        Ok(Party::Group(group_id))
            if permissions::manages_group(pool, viewer.id, group_id).await? =>
        {
            Ok(Party::Group(group_id))
        }
        _ => Err(AppError::Forbidden),
    }
}

/// Member ids and group ids, for `= ANY($n)` parameters.
fn split_parties(parties: &[Party]) -> (Vec<i64>, Vec<i64>) {
    let mut members = Vec::new();
    let mut groups = Vec::new();
    for party in parties {
        match party {
            Party::Member(id) => members.push(*id),
            Party::Group(id) => groups.push(*id),
        }
    }
    (members, groups)
}

/// Refuses recipients that do not exist or may not be written to (suspended or deleted members).
async fn check_recipients_exist(pool: &PgPool, recipients: &[Party]) -> Result<(), AppError> {
    let (member_ids, group_ids) = split_parties(recipients);
    let found = sqlx::query_scalar!(
        r#"SELECT (SELECT count(*) FROM members WHERE id = ANY($1) AND suspended_at IS NULL AND deleted_at IS NULL)
                + (SELECT count(*) FROM groups WHERE id = ANY($2)) AS "n!""#,
        &member_ids,
        &group_ids
    )
    .fetch_one(pool)
    .await?;
    if found as usize == recipients.len() {
        Ok(())
    } else {
        Err(field_error("to", "Some of the people or groups you chose cannot receive messages any more. Remove them and try again.".into()))
    }
}

pub async fn start(
    pool: &PgPool,
    viewer: &Viewer,
    send_as: &str,
    to: &[String],
    body: &str,
    key: &str,
    settings: &Settings,
) -> Result<i64, AppError> {
    let (batch_seconds, limits) = (settings.email_batch_seconds, settings.limits);
    let mut errors = FieldErrors::new();
    let body = errors.check("body", MessageBody::parse(body));
    let recipients: Result<Vec<Party>, String> = to.iter().map(|t| Party::parse_token(t)).collect();
    let recipients = errors.check("to", recipients);
    errors.check("body", check_idempotency_key(key));
    let sender = resolve_sender(pool, viewer, send_as).await?;
    if let Some(recipients) = &recipients {
        errors.check("to", check_recipients(sender, recipients));
    }
    let (Some(body), Some(recipients)) = (body, recipients) else {
        return Err(errors.into());
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    // A retry of a send that already succeeded returns the same conversation.
    if let Some(existing) = message_by_key(pool, viewer.id, key).await? {
        return Ok(existing.1);
    }
    check_recipients_exist(pool, &recipients).await?;

    let as_group = match sender {
        Party::Group(id) => Some(id),
        Party::Member(_) => None,
    };
    let (recipient_members, _) = split_parties(&recipients);
    let mut parties = recipients;
    parties.push(sender);
    let mut tx = pool.begin().await?;
    // Blocks refuse the send; "who may message me" turns it into a request.
    let requests =
        permissions::reach_members(&mut tx, viewer.id, as_group, &recipient_members).await?;
    let key_of_parties = party_key(&parties);
    let exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM conversations WHERE party_key = $1) AS "exists!""#,
        key_of_parties
    )
    .fetch_one(&mut *tx)
    .await?;
    crate::moderation::check_send_rate(&mut tx, viewer.id, !exists, limits).await?;
    let conversation_id = sqlx::query_scalar!(
        "INSERT INTO conversations (party_key, created_by) VALUES ($1, $2)
         ON CONFLICT (party_key) DO UPDATE SET party_key = EXCLUDED.party_key
         RETURNING id",
        key_of_parties,
        viewer.id
    )
    .fetch_one(&mut *tx)
    .await?;
    let (member_ids, group_ids) = split_parties(&parties);
    add_parties(&mut tx, conversation_id, &member_ids, &group_ids, &requests).await?;
    if as_group.is_none() {
        // Writing is accepting: a sender who had this conversation as a request
        // (or declined it) has it back in their list.
        accept(&mut tx, conversation_id, viewer.id).await?;
    }
    let inserted = insert_message(
        &mut tx,
        conversation_id,
        viewer,
        as_group,
        (MessageKind::Text, body.as_str()),
        key,
        batch_seconds,
    )
    .await?;
    tx.commit().await?;
    match inserted {
        Some(_) => Ok(conversation_id),
        // A concurrent retry with the same key won the race: its conversation is the answer.
        None => message_by_key(pool, viewer.id, key)
            .await?
            .map(|m| m.1)
            .ok_or(AppError::Internal),
    }
}

/// Lists members and groups in a conversation; members in `requests` get it as a
/// request. Parties already in it keep their state.
async fn add_parties(
    tx: &mut Transaction<'_, Postgres>,
    conversation_id: i64,
    member_ids: &[i64],
    group_ids: &[i64],
    requests: &[i64],
) -> Result<(), AppError> {
    sqlx::query!(
        "INSERT INTO conversation_parties (conversation_id, member_id, group_id, state)
         SELECT $1::bigint, m, NULL::bigint,
                CASE WHEN m = ANY($4) THEN 'request' ELSE 'active' END
         FROM unnest($2::bigint[]) AS m
         UNION ALL SELECT $1::bigint, NULL::bigint, g, 'active' FROM unnest($3::bigint[]) AS g
         ON CONFLICT DO NOTHING",
        conversation_id,
        member_ids,
        group_ids,
        requests
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The member takes the conversation into their list (from a request or declined).
async fn accept(
    tx: &mut Transaction<'_, Postgres>,
    conversation_id: i64,
    member_id: i64,
) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE conversation_parties SET state = 'active'
         WHERE conversation_id = $1 AND member_id = $2 AND state <> 'active'",
        conversation_id,
        member_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// (message id, conversation id) of the viewer's message sent with `key`.
async fn message_by_key(
    pool: &PgPool,
    author_id: i64,
    key: &str,
) -> Result<Option<(i64, i64)>, AppError> {
    Ok(sqlx::query!(
        "SELECT id, conversation_id FROM messages WHERE author_id = $1 AND idempotency_key = $2",
        author_id,
        key
    )
    .fetch_optional(pool)
    .await?
    .map(|r| (r.id, r.conversation_id)))
}

/// Stores a message, moves the conversation to the top and marks it read for its
/// author. Returns `None` when a message with this key already exists.
async fn insert_message(
    tx: &mut Transaction<'_, Postgres>,
    conversation_id: i64,
    author: &Viewer,
    as_group: Option<i64>,
    (kind, body): (MessageKind, &str),
    key: &str,
    batch_seconds: i64,
) -> Result<Option<SharedMessage>, AppError> {
    let author_id = author.id;
    let note = kind != MessageKind::Text;
    let kind_name = match kind {
        MessageKind::Text => "text",
        MessageKind::Left => "left",
        MessageKind::Added => "added",
    };
    // One statement: store, move the conversation to the top, mark it read for the
    // author. A note ("Alice left") neither moves the conversation nor makes it unread.
    let Some(message) = sqlx::query!(
        r#"WITH inserted AS (
             INSERT INTO messages (conversation_id, author_id, as_group_id, body, idempotency_key, kind)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT ON CONSTRAINT messages_idempotency DO NOTHING
             RETURNING id, created_at
           ), moved AS (
             UPDATE conversations c SET last_message_id = i.id, last_message_at = i.created_at
             FROM inserted i WHERE c.id = $1 AND c.last_message_id < i.id AND NOT $7
           ), author_read AS (
             INSERT INTO conversation_reads (conversation_id, member_id, last_read_message_id)
             SELECT $1, $2, id FROM inserted WHERE NOT $7
             ON CONFLICT (member_id, conversation_id) DO UPDATE
             SET last_read_message_id = EXCLUDED.last_read_message_id
             WHERE conversation_reads.last_read_message_id < EXCLUDED.last_read_message_id
           )
           SELECT id, created_at FROM inserted"#,
        conversation_id,
        author_id,
        as_group,
        body,
        key,
        kind_name,
        note
    )
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    // Live events and notifications commit with the message or not at all.
    let to = crate::notifications::fan_out(
        tx,
        conversation_id,
        message.id,
        author_id,
        as_group,
        batch_seconds,
        note,
    )
    .await?;
    let author_view = match as_group {
        Some(group_id) => {
            let group = sqlx::query!("SELECT slug, name FROM groups WHERE id = $1", group_id)
                .fetch_one(&mut **tx)
                .await?;
            group_view(group_id, group.slug, group.name)
        }
        None => member_view(
            author_id,
            author.handle.clone(),
            author.display_name.clone(),
        ),
    };
    let shared = SharedMessage {
        id: message.id,
        kind,
        removed: false,
        author: author_view,
        writer: author.display_name.clone(),
        body: body.to_string(),
        created_at: message.created_at,
    };
    live::notify(
        tx,
        Published {
            kind: Kind::Message,
            conversation_id,
            message: Some(shared.clone()),
            message_id: None,
            session: None,
            to,
        },
    )
    .await?;
    Ok(Some(shared))
}

/// Moves the member's read mark forward (never back); true when it moved.
async fn mark_read_in(
    conn: &mut PgConnection,
    conversation_id: i64,
    member_id: i64,
    up_to: i64,
) -> Result<bool, AppError> {
    let moved = sqlx::query!(
        "INSERT INTO conversation_reads (conversation_id, member_id, last_read_message_id)
         VALUES ($1, $2, $3)
         ON CONFLICT (member_id, conversation_id) DO UPDATE
         SET last_read_message_id = EXCLUDED.last_read_message_id
         WHERE conversation_reads.last_read_message_id < EXCLUDED.last_read_message_id",
        conversation_id,
        member_id,
        up_to
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(moved > 0)
}

/// Marks read as a reader (not as an author): the member's other tabs hear of it.
async fn read_up_to(
    pool: &PgPool,
    conversation_id: i64,
    member_id: i64,
    up_to: i64,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    if mark_read_in(&mut tx, conversation_id, member_id, up_to).await? {
        live::publish_own(&mut tx, member_id, Kind::Read, conversation_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Marks a conversation read up to `up_to` (an open thread showing a live message).
/// The mark never passes the conversation's newest message.
pub async fn mark_read(
    pool: &PgPool,
    viewer: &Viewer,
    conversation_id: i64,
    up_to: i64,
) -> Result<(), AppError> {
    permissions::conversation_access(pool, viewer.id, conversation_id).await?;
    let newest = sqlx::query_scalar!(
        "SELECT last_message_id FROM conversations WHERE id = $1",
        conversation_id
    )
    .fetch_one(pool)
    .await?;
    read_up_to(pool, conversation_id, viewer.id, up_to.min(newest)).await
}

pub async fn unread_ids(pool: &PgPool, member_id: i64) -> Result<Vec<i64>, AppError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT id AS "id!" FROM unread_conversations($1) ORDER BY last_message_at DESC LIMIT 1000"#,
        member_id
    )
    .fetch_all(pool)
    .await?)
}

pub async fn reply(
    pool: &PgPool,
    viewer: &Viewer,
    conversation_id: i64,
    body: &str,
    key: &str,
    settings: &Settings,
) -> Result<MessageView, AppError> {
    let (batch_seconds, limits) = (settings.email_batch_seconds, settings.limits);
    let access = permissions::conversation_access(pool, viewer.id, conversation_id).await?;
    let mut errors = FieldErrors::new();
    let body = errors.check("body", MessageBody::parse(body));
    errors.check("body", check_idempotency_key(key));
    let Some(body) = body.filter(|_| errors.is_empty()) else {
        return Err(errors.into());
    };
    // The insert itself recognises a retry (same author and key): no lookup first.
    let mut tx = pool.begin().await?;
    match crate::moderation::check_send_rate(&mut tx, viewer.id, false, limits).await {
        Ok(()) => {}
        // A retry of a send that was accepted is not a new send: answer it as such.
        Err(AppError::TooFast(wait)) => {
            drop(tx);
            return match message_by_key(pool, viewer.id, key).await? {
                Some(_) => already_sent(pool, viewer, &access, conversation_id, key).await,
                None => Err(AppError::TooFast(wait)),
            };
        }
        Err(other) => return Err(other),
    }
    if access.request {
        // Replying to a request accepts it.
        accept(&mut tx, conversation_id, viewer.id).await?;
    }
    let inserted = insert_message(
        &mut tx,
        conversation_id,
        viewer,
        access.as_group(),
        (MessageKind::Text, body.as_str()),
        key,
        batch_seconds,
    )
    .await?;
    tx.commit().await?;
    if let Some(shared) = inserted {
        // The author's own view of what they just sent, without reading it back.
        return Ok(MessageView {
            id: shared.id,
            kind: shared.kind,
            removed: false,
            collapsed: false,
            written_by: access.as_group().map(|_| shared.writer.clone()),
            author: shared.author,
            body: shared.body,
            created_at: shared.created_at,
            mine: true,
        });
    }
    already_sent(pool, viewer, &access, conversation_id, key).await
}

/// The viewer's message sent earlier with `key`, as a reply's answer.
async fn already_sent(
    pool: &PgPool,
    viewer: &Viewer,
    access: &Access,
    conversation_id: i64,
    key: &str,
) -> Result<MessageView, AppError> {
    let (message_id, in_conversation) = message_by_key(pool, viewer.id, key)
        .await?
        .ok_or(AppError::Internal)?;
    if in_conversation != conversation_id {
        return Err(field_error(
            "body",
            "This message was already sent in another conversation. Reload the page and try again."
                .into(),
        ));
    }
    let messages = load_messages(
        pool,
        viewer,
        access,
        conversation_id,
        Some(message_id + 1),
        1,
    )
    .await?;
    messages.into_iter().next().ok_or(AppError::Internal)
}

/// Messages of a conversation, newest first, older than `before` when given.
async fn load_messages(
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
                  EXISTS (SELECT 1 FROM group_memberships gm
                          WHERE gm.group_id = msg.as_group_id AND gm.member_id = $4 AND gm.role = 'manager')
                      AS "viewer_manages_author_group!"
           -- The page is cut first (walking messages_thread backwards), then joined,
           -- so a long conversation costs no more than a short one.
           FROM (SELECT * FROM messages
                 WHERE conversation_id = $1 AND ($2::bigint IS NULL OR id < $2)
                 ORDER BY id DESC LIMIT $3) msg
           JOIN members m ON m.id = msg.author_id
           LEFT JOIN groups g ON g.id = msg.as_group_id
           ORDER BY msg.id DESC"#,
        conversation_id,
        before,
        limit,
        viewer.id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (author, written_by) = match (r.as_group_id, r.group_slug, r.group_name) {
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
            let mine = match access.acting_as {
                Party::Member(id) => r.as_group_id.is_none() && r.author_id == id,
                Party::Group(id) => r.as_group_id == Some(id),
            };
            MessageView {
                id: r.id,
                kind: MessageKind::from_db(&r.kind),
                author,
                written_by,
                body: r.body,
                created_at: r.created_at,
                mine,
                removed: r.removed,
                collapsed: r.author_blocked && !mine,
            }
        })
        .collect())
}

/// Everyone in a conversation, each as a `PartyView`, per conversation id.
async fn parties_of(
    pool: &PgPool,
    conversation_ids: &[i64],
) -> Result<Vec<(i64, PartyView)>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT cp.conversation_id, cp.member_id, cp.group_id,
                  coalesce(m.handle, g.slug) AS "key!", coalesce(m.display_name, g.name) AS "name!"
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
            let view = match (r.member_id, r.group_id) {
                (Some(id), _) => member_view(id, r.key, r.name),
                (None, Some(id)) => group_view(id, r.key, r.name),
                (None, None) => member_view(0, r.key, r.name),
            };
            (r.conversation_id, view)
        })
        .collect())
}

pub async fn thread(
    pool: &PgPool,
    viewer: &Viewer,
    conversation_id: i64,
    before: Option<i64>,
) -> Result<ThreadView, AppError> {
    let access = permissions::conversation_access(pool, viewer.id, conversation_id).await?;
    let mut messages = load_messages(
        pool,
        viewer,
        &access,
        conversation_id,
        before,
        THREAD_PAGE_SIZE + 1,
    )
    .await?;
    let older = if messages.len() as i64 > THREAD_PAGE_SIZE {
        messages.truncate(THREAD_PAGE_SIZE as usize);
        messages.last().map(|m| m.id)
    } else {
        None
    };
    messages.reverse();
    if before.is_none() {
        if let Some(newest) = messages.last() {
            read_up_to(pool, conversation_id, viewer.id, newest.id).await?;
        }
    }
    let acting_token = access.acting_as.token();
    let (acting, others): (Vec<PartyView>, Vec<PartyView>) = parties_of(pool, &[conversation_id])
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .partition(|p| p.token == acting_token);
    let acting_as = acting.into_iter().next().ok_or(AppError::Internal)?;
    let muted = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM conversation_mutes
                          WHERE member_id = $1 AND conversation_id = $2) AS "muted!""#,
        viewer.id,
        conversation_id
    )
    .fetch_one(pool)
    .await?;
    let multi_person = others.len() + 1 >= MULTI_PERSON;
    Ok(ThreadView {
        muted,
        request: access.request,
        multi_person,
        may_leave: multi_person && access.as_group().is_none(),
        id: conversation_id,
        others,
        acting_as,
        messages,
        older,
    })
}

fn parse_cursor(cursor: &str) -> Option<(DateTime<Utc>, i64)> {
    let (micros, id) = cursor.split_once('_')?;
    let at = DateTime::<Utc>::from_timestamp_micros(micros.parse().ok()?)?;
    Some((at, id.parse().ok()?))
}

fn cursor(at: DateTime<Utc>, id: i64) -> String {
    format!("{}_{id}", at.timestamp_micros())
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
    // A group's conversations are listed only for its current managers.
    let group = match group.filter(|g| !g.is_empty()) {
        None => None,
        Some(slug) => Some(
            managed
                .iter()
                .find(|g| g.handle == slug)
                .cloned()
                .ok_or(AppError::NotFound)?,
        ),
    };
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
        sqlx::query_scalar!(
            r#"SELECT count(*) AS "n!" FROM conversation_parties WHERE member_id = $1 AND state = 'request'"#,
            viewer.id
        )
        .fetch_one(pool)
        .await?
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

/// The start of a message for the inbox: one line, at most 120 visible characters.
fn snippet(body: &str) -> String {
    use unicode_segmentation::UnicodeSegmentation;
    let line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let graphemes: Vec<&str> = line.graphemes(true).collect();
    if graphemes.len() > 120 {
        format!("{}…", graphemes[..119].concat())
    } else {
        line
    }
}

/// How many conversations the member can see have a message they have not read
/// (see the SQL function `unread_conversations`). Their own messages never count:
/// sending marks the conversation read for the author.
pub async fn unread_count(pool: &PgPool, member_id: i64) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM unread_conversations($1)"#,
        member_id
    )
    .fetch_one(pool)
    .await?)
}

/// Locks a conversation against concurrent joins and leaves and returns its parties.
async fn lock_parties(
    tx: &mut Transaction<'_, Postgres>,
    conversation_id: i64,
) -> Result<Vec<Party>, AppError> {
    sqlx::query!(
        "SELECT id FROM conversations WHERE id = $1 FOR UPDATE",
        conversation_id
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(sqlx::query!(
        "SELECT member_id, group_id FROM conversation_parties WHERE conversation_id = $1",
        conversation_id
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .filter_map(|r| match (r.member_id, r.group_id) {
        (Some(id), _) => Some(Party::Member(id)),
        (None, Some(id)) => Some(Party::Group(id)),
        _ => None,
    })
    .collect())
}

/// Once people join or leave, the conversation is no longer "the one with exactly
/// these people": starting with the same set creates a new one.
async fn detach_party_key(
    tx: &mut Transaction<'_, Postgres>,
    conversation_id: i64,
) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE conversations SET party_key = 'c' || id WHERE id = $1",
        conversation_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Leaves a multi-person conversation: it leaves the member's list and they can no
/// longer open it or hear of it (nor see what was said before, by design: leaving
/// is leaving). The others see "Alice left the conversation."
pub async fn leave(
    pool: &PgPool,
    viewer: &Viewer,
    conversation_id: i64,
    settings: &Settings,
) -> Result<(), AppError> {
    let access = permissions::conversation_access(pool, viewer.id, conversation_id).await?;
    if access.as_group().is_some() {
        return Err(AppError::Refused(
            "You answer for a group in this conversation; a group cannot leave it.".into(),
        ));
    }
    let mut tx = pool.begin().await?;
    let present = lock_parties(&mut tx, conversation_id).await?;
    if present.len() < MULTI_PERSON {
        return Err(AppError::Refused(
            "Only conversations with three or more people can be left. To stop hearing from someone, mute the conversation or block them.".into(),
        ));
    }
    sqlx::query!(
        "DELETE FROM conversation_parties WHERE conversation_id = $1 AND member_id = $2",
        conversation_id,
        viewer.id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "DELETE FROM conversation_mutes WHERE conversation_id = $1 AND member_id = $2",
        conversation_id,
        viewer.id
    )
    .execute(&mut *tx)
    .await?;
    detach_party_key(&mut tx, conversation_id).await?;
    insert_message(
        &mut tx,
        conversation_id,
        viewer,
        None,
        (MessageKind::Left, ""),
        &new_key(),
        settings.email_batch_seconds,
    )
    .await?;
    // The member's other tabs read their list and unread state again.
    live::publish_own(&mut tx, viewer.id, Kind::Unread, conversation_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds members or groups to a multi-person conversation, within nine others. The
/// same code-of-conduct checks as starting one apply (blocks, "who may message me").
/// Whoever is added sees the whole history: adding someone is sharing the
/// conversation with them, and the dialog says so.
pub async fn add_people(
    pool: &PgPool,
    viewer: &Viewer,
    conversation_id: i64,
    to: &[String],
    settings: &Settings,
) -> Result<(), AppError> {
    let access = permissions::conversation_access(pool, viewer.id, conversation_id).await?;
    let adding: Vec<Party> = to
        .iter()
        .map(|t| Party::parse_token(t))
        .collect::<Result<_, _>>()
        .map_err(|e| field_error("to", e))?;
    check_recipients_exist(pool, &adding).await?;
    let mut tx = pool.begin().await?;
    let present = lock_parties(&mut tx, conversation_id).await?;
    check_additions(&present, &adding).map_err(|e| field_error("to", e))?;
    crate::moderation::check_send_rate(&mut tx, viewer.id, false, settings.limits).await?;
    let (member_ids, group_ids) = split_parties(&adding);
    let requests =
        permissions::reach_members(&mut tx, viewer.id, access.as_group(), &member_ids).await?;
    add_parties(&mut tx, conversation_id, &member_ids, &group_ids, &requests).await?;
    detach_party_key(&mut tx, conversation_id).await?;
    let names = sqlx::query_scalar!(
        r#"SELECT string_agg(name, ', ' ORDER BY name) AS "names!" FROM (
             SELECT display_name AS name FROM members WHERE id = ANY($1)
             UNION ALL SELECT name FROM groups WHERE id = ANY($2)) n"#,
        &member_ids,
        &group_ids
    )
    .fetch_one(&mut *tx)
    .await?;
    insert_message(
        &mut tx,
        conversation_id,
        viewer,
        access.as_group(),
        (MessageKind::Added, &names),
        &new_key(),
        settings.email_batch_seconds,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Conversations waiting for the viewer to accept them, newest first, each with
/// what the viewer has in common with the sender and how old the sender's account is.
pub async fn requests(pool: &PgPool, viewer: &Viewer) -> Result<Vec<RequestView>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT c.id, c.last_message_at,
                  CASE WHEN lm.removed_at IS NULL THEN lm.body ELSE 'Removed by a moderator' END AS "body?",
                  s.id AS sender_id, s.handle, s.display_name, s.created_at AS sender_since,
                  fg.id AS "group_id?", fg.slug AS "group_slug?", fg.name AS "group_name?",
                  ARRAY(SELECT g.name FROM group_memberships a
                        JOIN group_memberships b ON b.group_id = a.group_id
                        JOIN groups g ON g.id = a.group_id
                        WHERE a.member_id = $1 AND b.member_id = s.id ORDER BY g.name) AS "shared_groups!"
           FROM conversation_parties cp
           JOIN conversations c ON c.id = cp.conversation_id
           JOIN LATERAL (SELECT author_id, as_group_id FROM messages
                         WHERE conversation_id = c.id AND kind = 'text' ORDER BY id LIMIT 1) first ON true
           JOIN members s ON s.id = first.author_id
           LEFT JOIN groups fg ON fg.id = first.as_group_id
           LEFT JOIN messages lm ON lm.id = c.last_message_id
           WHERE cp.member_id = $1 AND cp.state = 'request'
           ORDER BY c.last_message_at DESC LIMIT 50"#,
        viewer.id
    )
    .fetch_all(pool)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let parties = parties_of(pool, &ids).await?;
    let own = Party::Member(viewer.id).token();
    Ok(rows
        .into_iter()
        .map(|r| {
            let from = match (r.group_id, r.group_slug, r.group_name) {
                (Some(id), Some(slug), Some(name)) => group_view(id, slug, name),
                _ => member_view(r.sender_id, r.handle, r.display_name.clone()),
            };
            RequestView {
                id: r.id,
                from,
                sender: r.display_name,
                sender_age_days: (Utc::now() - r.sender_since).num_days(),
                sender_since: r.sender_since,
                shared_groups: r.shared_groups,
                others: parties
                    .iter()
                    .filter(|(cid, p)| *cid == r.id && p.token != own)
                    .map(|(_, p)| p.clone())
                    .collect(),
                snippet: snippet(&r.body.unwrap_or_default()),
                last_message_at: r.last_message_at,
            }
        })
        .collect())
}

/// Accepts or declines a message request; declining can report the request's first
/// message as spam in the same step. The sender is told nothing either way.
pub async fn answer_request(
    pool: &PgPool,
    viewer: &Viewer,
    conversation_id: i64,
    answer: RequestAnswer,
) -> Result<(), AppError> {
    let access = permissions::conversation_access(pool, viewer.id, conversation_id).await?;
    if !access.request {
        return Err(AppError::NotFound);
    }
    let mut tx = pool.begin().await?;
    match answer {
        RequestAnswer::Accept => accept(&mut tx, conversation_id, viewer.id).await?,
        RequestAnswer::Decline | RequestAnswer::DeclineAndReport => {
            sqlx::query!(
                "UPDATE conversation_parties SET state = 'declined'
                 WHERE conversation_id = $1 AND member_id = $2",
                conversation_id,
                viewer.id
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    if answer == RequestAnswer::DeclineAndReport {
        sqlx::query!(
            "INSERT INTO reports (message_id, reporter_id, reason, note)
             SELECT id, $2, 'spam', 'Declined as a message request.' FROM messages
             WHERE conversation_id = $1 AND kind = 'text' AND author_id <> $2
             ORDER BY id LIMIT 1
             ON CONFLICT ON CONSTRAINT reports_once DO NOTHING",
            conversation_id,
            viewer.id
        )
        .execute(&mut *tx)
        .await?;
    }
    live::publish_own(&mut tx, viewer.id, Kind::Unread, conversation_id).await?;
    tx.commit().await?;
    Ok(())
}
