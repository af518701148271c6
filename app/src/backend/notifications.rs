//! Notifications (server only): who hears about a new message and how, each
//! member's settings, the in-app menu, and the email outbox the server's mail
//! worker drains.
//!
//! Every decision about one recipient of one message is made once, in `fan_out`,
//! inside the transaction that stores the message: the live event, the in-app
//! notice and the outbox row commit together with it or not at all.

use crate::backend::live::{self, Kind, Target};
use crate::error::AppError;
use crate::model::live::notice_text;
use crate::model::notification::{
    EmailMode, GroupNotify, MutedConversation, NotificationItem, NotificationSettings,
};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

/// Records the live events and outbox rows for a new message and returns whom to
/// announce it to. The author's own tabs get the event too (flagged as theirs).
pub async fn fan_out(
    conn: &mut PgConnection,
    conversation_id: i64,
    message_id: i64,
    author_id: i64,
    as_group: Option<i64>,
    batch_seconds: i64,
    note: bool,
) -> Result<Vec<Target>, AppError> {
    // Recipients: the members listed directly and the current managers of the groups
    // listed (a member reached both ways counts once, directly). Event numbers are
    // taken in member order so that concurrent sends never deadlock.
    // Nobody is notified of a note ("Alice left"), by a pending request, or by a
    // member they blocked; for the last, the conversation stays read if it was.
    let rows = sqlx::query!(
        r#"WITH parties AS (
             SELECT member_id, group_id, state FROM conversation_parties
             WHERE conversation_id = $1 AND state <> 'declined'
           ), reach AS (
             SELECT member_id, NULL::bigint AS via_group, true AS group_notify, state = 'request' AS request
             FROM parties WHERE member_id IS NOT NULL
             UNION ALL
             SELECT gm.member_id, gm.group_id, gm.notify, false FROM parties p
             JOIN group_memberships gm ON gm.group_id = p.group_id AND gm.role = 'manager'
           ), recipients AS (
             -- Suspended members hear nothing more.
             SELECT DISTINCT ON (member_id) member_id, via_group, group_notify, request
             FROM reach
             WHERE NOT EXISTS (SELECT 1 FROM members m
                               WHERE m.id = reach.member_id AND m.suspended_at IS NOT NULL)
             ORDER BY member_id, via_group NULLS FIRST
           ), flagged AS (
             SELECT r.member_id, r.via_group,
                    CASE WHEN $4::bigint IS NULL THEN r.via_group IS NULL AND r.member_id = $3
                         ELSE r.via_group IS NOT DISTINCT FROM $4 END AS mine,
                    $4::bigint IS NOT NULL AND EXISTS (
                      SELECT 1 FROM group_memberships gm
                      WHERE gm.group_id = $4 AND gm.member_id = r.member_id AND gm.role = 'manager') AS writer,
                    r.group_notify, r.request,
                    EXISTS (SELECT 1 FROM blocks b
                            WHERE b.blocker_id = r.member_id AND b.blocked_id = $3) AS blocked,
                    coalesce(ns.in_app, true) AS in_app,
                    coalesce(ns.email, 'batched') AS email,
                    EXISTS (SELECT 1 FROM conversation_mutes cm
                            WHERE cm.member_id = r.member_id AND cm.conversation_id = $1) AS muted
             FROM recipients r
             LEFT JOIN notification_settings ns ON ns.member_id = r.member_id
           ), decided AS (
             SELECT *, (NOT mine AND member_id <> $3 AND NOT muted AND group_notify
                        AND NOT request AND NOT blocked AND NOT $6) AS wants
             FROM flagged
           ), still_read AS (
             UPDATE conversation_reads r SET last_read_message_id = $2
             FROM decided d
             WHERE d.blocked AND r.member_id = d.member_id AND r.conversation_id = $1
               AND r.last_read_message_id >= (SELECT coalesce(max(id), 0) FROM messages
                                              WHERE conversation_id = $1 AND id < $2 AND kind = 'text')
           ), bumped AS (
             INSERT INTO live_streams AS s (member_id, seq)
             SELECT member_id, 1 FROM decided ORDER BY member_id
             ON CONFLICT (member_id) DO UPDATE SET seq = s.seq + 1
             RETURNING s.member_id, s.seq
           ), events AS (
             INSERT INTO live_events (member_id, seq, kind, conversation_id, message_id, flags, via_group_id)
             SELECT d.member_id, b.seq, 'message', $1, $2,
                    (CASE WHEN d.mine THEN 1 ELSE 0 END
                     | CASE WHEN d.writer THEN 2 ELSE 0 END
                     | CASE WHEN d.wants AND d.in_app THEN 4 ELSE 0 END
                     | CASE WHEN d.muted THEN 8 ELSE 0 END
                     | CASE WHEN d.blocked THEN 16 ELSE 0 END
                     | CASE WHEN d.request THEN 32 ELSE 0 END
                     | CASE WHEN $6 THEN 64 ELSE 0 END)::smallint,
                    d.via_group
             FROM decided d JOIN bumped b USING (member_id)
             RETURNING member_id, seq, flags, via_group_id
           ), outbox AS (
             INSERT INTO email_outbox AS o
                 (member_id, conversation_id, mode, first_message_id, last_message_id, due_at)
             SELECT member_id, $1, email, $2, $2,
                    CASE WHEN email = 'each' THEN now() ELSE now() + make_interval(secs => $5) END
             FROM decided WHERE wants AND email <> 'off'
             ON CONFLICT (member_id, conversation_id) WHERE mode = 'batched'
             DO UPDATE SET last_message_id = GREATEST(o.last_message_id, EXCLUDED.last_message_id)
           )
           SELECT e.member_id AS "member_id!", e.seq AS "seq!", e.flags AS "flags!", g.name AS "via_group?"
           FROM events e LEFT JOIN groups g ON g.id = e.via_group_id"#,
        conversation_id,
        message_id,
        author_id,
        as_group,
        batch_seconds as f64,
        note
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

pub async fn settings(
    pool: &PgPool,
    member_id: i64,
    batch_seconds: i64,
) -> Result<NotificationSettings, AppError> {
    let row = sqlx::query!(
        r#"SELECT coalesce(ns.in_app, true) AS "in_app!", coalesce(ns.email, 'batched') AS "email!"
           FROM (SELECT $1::bigint AS member_id) me
           LEFT JOIN notification_settings ns ON ns.member_id = me.member_id"#,
        member_id
    )
    .fetch_one(pool)
    .await?;
    let groups = sqlx::query!(
        "SELECT g.slug, g.name, gm.notify FROM group_memberships gm
         JOIN groups g ON g.id = gm.group_id
         WHERE gm.member_id = $1 AND gm.role = 'manager' ORDER BY g.name",
        member_id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|g| GroupNotify {
        slug: g.slug,
        name: g.name,
        notify: g.notify,
    })
    .collect();
    let muted = sqlx::query!(
        r#"SELECT cm.conversation_id AS id,
                  coalesce(string_agg(coalesce(m.display_name, g.name), ', '
                                      ORDER BY coalesce(m.display_name, g.name)), '') AS "title!"
           FROM conversation_mutes cm
           JOIN conversation_parties cp ON cp.conversation_id = cm.conversation_id
           LEFT JOIN members m ON m.id = cp.member_id AND m.id <> $1
           LEFT JOIN groups g ON g.id = cp.group_id
           WHERE cm.member_id = $1
             -- Only conversations the member can still see (not those of a group
             -- they no longer manage, nor a declined request).
             AND EXISTS (SELECT 1 FROM conversation_parties own
                         WHERE own.conversation_id = cm.conversation_id
                           AND ((own.member_id = $1 AND own.state <> 'declined')
                                OR own.group_id IN (SELECT group_id FROM group_memberships
                                                    WHERE member_id = $1 AND role = 'manager')))
           GROUP BY cm.conversation_id ORDER BY cm.conversation_id DESC"#,
        member_id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| MutedConversation {
        id: r.id,
        title: r.title,
    })
    .collect();
    Ok(NotificationSettings {
        in_app: row.in_app,
        email: EmailMode::parse(&row.email).unwrap_or(EmailMode::Batched),
        batch_minutes: (batch_seconds + 59) / 60,
        groups,
        muted,
    })
}

pub async fn save_settings(
    pool: &PgPool,
    member_id: i64,
    in_app: bool,
    email: EmailMode,
    groups_notify: &[String],
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "INSERT INTO notification_settings (member_id, in_app, email) VALUES ($1, $2, $3)
         ON CONFLICT (member_id) DO UPDATE SET in_app = EXCLUDED.in_app, email = EXCLUDED.email",
        member_id,
        in_app,
        email.as_str()
    )
    .execute(&mut *tx)
    .await?;
    // Only the groups the member manages are touched, whatever slugs were sent.
    sqlx::query!(
        "UPDATE group_memberships gm SET notify = (g.slug = ANY($2))
         FROM groups g
         WHERE g.id = gm.group_id AND gm.member_id = $1 AND gm.role = 'manager'",
        member_id,
        groups_notify
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_muted(
    pool: &PgPool,
    member_id: i64,
    conversation_id: i64,
    muted: bool,
) -> Result<(), AppError> {
    crate::backend::permissions::conversation_access(pool, member_id, conversation_id).await?;
    let mut tx = pool.begin().await?;
    let changed = if muted {
        sqlx::query!(
            "INSERT INTO conversation_mutes (member_id, conversation_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
            member_id,
            conversation_id
        )
        .execute(&mut *tx)
        .await?
    } else {
        sqlx::query!(
            "DELETE FROM conversation_mutes WHERE member_id = $1 AND conversation_id = $2",
            member_id,
            conversation_id
        )
        .execute(&mut *tx)
        .await?
    }
    .rows_affected();
    if changed > 0 {
        live::publish_own(&mut tx, member_id, Kind::Unread, conversation_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn in_app_list(pool: &PgPool, member_id: i64) -> Result<Vec<NotificationItem>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT u.id AS "id!", u.last_message_at AS "at!",
                  coalesce(ag.name, am.display_name) AS "author!", vg.name AS "via_group?"
           FROM unread_conversations($1) u
           JOIN messages lm ON lm.id = u.last_message_id
           JOIN members am ON am.id = lm.author_id
           LEFT JOIN groups ag ON ag.id = lm.as_group_id
           LEFT JOIN groups vg ON vg.id = u.via_group_id
           LEFT JOIN group_memberships gm ON gm.group_id = u.via_group_id AND gm.member_id = $1
           WHERE coalesce((SELECT in_app FROM notification_settings WHERE member_id = $1), true)
             AND (u.via_group_id IS NULL OR coalesce(gm.notify, false))
             -- Not a message the member's own group sent (another manager wrote it).
             AND NOT coalesce(lm.as_group_id = u.via_group_id, false)
           ORDER BY u.last_message_at DESC, u.id DESC
           LIMIT 20"#,
        member_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| NotificationItem {
            conversation_id: r.id,
            text: notice_text(&r.author, r.via_group.as_deref()),
            at: r.at,
        })
        .collect())
}

// --- the email outbox --------------------------------------------------------

/// An outbox row a worker has claimed.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub member_id: i64,
    pub conversation_id: i64,
    pub batched: bool,
    pub first_message_id: i64,
    pub last_message_id: i64,
    pub attempts: i32,
    pub lock_token: i64,
}

/// Claims up to `limit` due rows for `lease_seconds`. Rows another worker holds are
/// skipped, not waited for, so any number of instances drain the outbox together.
pub async fn claim_due(
    pool: &PgPool,
    limit: i64,
    lease_seconds: i64,
) -> Result<Vec<Claimed>, AppError> {
    let token: i64 = {
        use rand::Rng;
        rand::thread_rng().gen()
    };
    let rows = sqlx::query!(
        "UPDATE email_outbox SET locked_until = now() + make_interval(secs => $2),
                lock_token = $3, attempts = attempts + 1
         WHERE id IN (SELECT id FROM email_outbox
                      WHERE due_at <= now() AND (locked_until IS NULL OR locked_until < now())
                      ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING id, member_id, conversation_id, mode, first_message_id, last_message_id, attempts",
        limit,
        lease_seconds as f64,
        token
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Claimed {
            id: r.id,
            member_id: r.member_id,
            conversation_id: r.conversation_id,
            batched: r.mode == "batched",
            first_message_id: r.first_message_id,
            last_message_id: r.last_message_id,
            attempts: r.attempts,
            lock_token: token,
        })
        .collect())
}

/// One message as an email lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailMessage {
    pub author: String,
    pub body: String,
    pub at: DateTime<Utc>,
}

/// Everything an email says; the server's mail worker turns it into MIME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to_name: String,
    pub to_address: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The same for every attempt at this notification for this recipient, so a
    /// duplicate (a crash between the SMTP server's acceptance and our commit) is
    /// recognisable.
    pub message_id: String,
    pub thread_url: String,
    pub settings_url: String,
}

/// Most messages one email lists; the rest are summed up with a link.
const EMAIL_MAX_MESSAGES: i64 = 20;

/// What to send for a claimed row, checked again at sending time: nothing when the
/// member read the messages meanwhile, turned email off, muted the conversation,
/// lost access to it, or can no longer use the portal.
pub async fn compose(
    pool: &PgPool,
    claimed: &Claimed,
    public_url: &str,
) -> Result<Option<Email>, AppError> {
    let Some(member) = sqlx::query!(
        r#"SELECT m.email, m.display_name,
                  coalesce(ns.email, 'batched') AS "mode!",
                  EXISTS (SELECT 1 FROM conversation_mutes cm
                          WHERE cm.member_id = m.id AND cm.conversation_id = $2) AS "muted!",
                  coalesce((SELECT last_read_message_id FROM conversation_reads
                            WHERE member_id = m.id AND conversation_id = $2), 0) AS "last_read!"
           FROM members m LEFT JOIN notification_settings ns ON ns.member_id = m.id
           WHERE m.id = $1 AND m.suspended_at IS NULL AND m.deleted_at IS NULL"#,
        claimed.member_id,
        claimed.conversation_id
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    if member.mode == "off" || member.muted {
        return Ok(None);
    }
    let access = match crate::backend::permissions::conversation_access(
        pool,
        claimed.member_id,
        claimed.conversation_id,
    )
    .await
    {
        Ok(access) => access,
        Err(AppError::NotFound) => return Ok(None),
        Err(other) => return Err(other),
    };
    if access.request {
        return Ok(None);
    }
    if let Some(group_id) = access.as_group() {
        let notify = sqlx::query_scalar!(
            "SELECT notify FROM group_memberships WHERE group_id = $1 AND member_id = $2",
            group_id,
            claimed.member_id
        )
        .fetch_optional(pool)
        .await?
        .unwrap_or(false);
        if !notify {
            return Ok(None);
        }
    }
    // The covered messages the member has not read and did not send (as themself or
    // as the group they act for here).
    let messages = sqlx::query!(
        r#"SELECT msg.body, msg.created_at, coalesce(g.name, m.display_name) AS "author!"
           FROM messages msg
           JOIN members m ON m.id = msg.author_id
           LEFT JOIN groups g ON g.id = msg.as_group_id
           WHERE msg.conversation_id = $1 AND msg.id BETWEEN $2 AND $3 AND msg.id > $4
             AND msg.kind = 'text' AND msg.removed_at IS NULL
             AND NOT (EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = $5 AND b.blocked_id = msg.author_id))
             AND NOT (msg.as_group_id IS NULL AND msg.author_id = $5)
             AND ($6::bigint IS NULL OR msg.as_group_id IS DISTINCT FROM $6)
           ORDER BY msg.id
           LIMIT $7"#,
        claimed.conversation_id,
        claimed.first_message_id,
        claimed.last_message_id,
        member.last_read,
        claimed.member_id,
        access.as_group(),
        EMAIL_MAX_MESSAGES + 1
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| EmailMessage {
        author: r.author,
        body: r.body,
        at: r.created_at,
    })
    .collect::<Vec<_>>();
    if messages.is_empty() {
        return Ok(None);
    }
    let via_group = match access.as_group() {
        Some(group_id) => {
            sqlx::query_scalar!("SELECT name FROM groups WHERE id = $1", group_id)
                .fetch_optional(pool)
                .await?
        }
        None => None,
    };
    let host = public_url
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(public_url)
        .split(['/', ':'])
        .next()
        .unwrap_or("localhost")
        .to_string();
    Ok(Some(render_email(RenderInput {
        to_name: member.display_name,
        to_address: member.email,
        via_group,
        messages,
        public_url: public_url.trim_end_matches('/'),
        conversation_id: claimed.conversation_id,
        message_id: format!(
            "<n{}.{}.{}@{host}>",
            claimed.id, claimed.first_message_id, claimed.member_id
        ),
    })))
}

pub struct RenderInput<'a> {
    pub to_name: String,
    pub to_address: String,
    pub via_group: Option<String>,
    /// Oldest first; one more than the email lists means "and more".
    pub messages: Vec<EmailMessage>,
    pub public_url: &'a str,
    pub conversation_id: i64,
    pub message_id: String,
}

/// The email's words, in text and HTML (every member-written string escaped).
pub fn render_email(input: RenderInput<'_>) -> Email {
    let RenderInput {
        to_name,
        to_address,
        via_group,
        mut messages,
        public_url,
        conversation_id,
        message_id,
    } = input;
    let more = messages.len() as i64 > EMAIL_MAX_MESSAGES;
    messages.truncate(EMAIL_MAX_MESSAGES as usize);
    let mut authors: Vec<&str> = Vec::new();
    for m in &messages {
        if !authors.contains(&m.author.as_str()) {
            authors.push(&m.author);
        }
    }
    let who = match authors.as_slice() {
        [one] => one.to_string(),
        [first, second] => format!("{first} and {second}"),
        [first, rest @ ..] => format!("{first} and {} others", rest.len()),
        [] => "Someone".to_string(),
    };
    let target = match &via_group {
        Some(group) => format!("the {group} group"),
        None => "you".to_string(),
    };
    // Header values must be one line: names cannot smuggle headers in.
    let one_line = |s: &str| {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
    };
    let subject = one_line(&if messages.len() == 1 {
        format!("{who} wrote to {target}")
    } else {
        format!("{} new messages from {who} to {target}", messages.len())
    });
    let thread_url = format!("{public_url}/conversations/{conversation_id}");
    let settings_url = format!("{public_url}/settings/notifications");

    let mut text = format!("Hello {to_name},\n\n{subject}:\n");
    let mut html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\"><p>Hello {},</p><p>{}:</p>",
        escape(&to_name),
        escape(&subject)
    );
    for m in &messages {
        let when = m.at.format("%Y-%m-%d %H:%M UTC");
        text.push_str(&format!("\n{} ({when}):\n", m.author));
        for line in m.body.lines() {
            text.push_str(&format!("> {line}\n"));
        }
        html.push_str(&format!(
            "<p><strong>{}</strong> <small>({when})</small></p><blockquote style=\"white-space:pre-wrap\">{}</blockquote>",
            escape(&m.author),
            escape(&m.body)
        ));
    }
    if more {
        text.push_str("\nThere are more new messages in the conversation.\n");
        html.push_str("<p>There are more new messages in the conversation.</p>");
    }
    text.push_str(&format!(
        "\nRead and reply: {thread_url}\n\n--\nYou receive this because of your notification settings. \
         Change them or stop these emails: {settings_url}\n"
    ));
    html.push_str(&format!(
        "<p><a href=\"{}\">Read and reply</a></p><hr><p><small>You receive this because of your notification settings. \
         <a href=\"{}\">Change them or stop these emails</a>.</small></p></body></html>",
        escape(&thread_url),
        escape(&settings_url)
    ));
    Email {
        to_name: one_line(&to_name),
        to_address,
        subject,
        text,
        html,
        message_id,
        thread_url,
        settings_url,
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// After sending (or deciding there was nothing to send): removes the row, or, when
/// messages arrived for a batch while it was being sent, starts the next batch with
/// them. Does nothing if the claim was lost to another worker.
pub async fn finish(pool: &PgPool, claimed: &Claimed, batch_seconds: i64) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let Some(last) = sqlx::query_scalar!(
        "SELECT last_message_id FROM email_outbox WHERE id = $1 AND lock_token = $2 FOR UPDATE",
        claimed.id,
        claimed.lock_token
    )
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(());
    };
    if claimed.batched && last > claimed.last_message_id {
        sqlx::query!(
            "UPDATE email_outbox SET first_message_id = $2, due_at = now() + make_interval(secs => $3),
                    attempts = 0, locked_until = NULL, lock_token = NULL
             WHERE id = $1",
            claimed.id,
            claimed.last_message_id + 1,
            batch_seconds as f64
        )
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query!("DELETE FROM email_outbox WHERE id = $1", claimed.id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// After a failed attempt: retried later, waiting longer each time (up to `max_backoff`).
pub async fn retry_later(
    pool: &PgPool,
    claimed: &Claimed,
    max_backoff_seconds: i64,
) -> Result<(), AppError> {
    let wait = 2_i64
        .saturating_pow(claimed.attempts.clamp(0, 20) as u32)
        .min(max_backoff_seconds.max(1));
    sqlx::query!(
        "UPDATE email_outbox SET due_at = now() + make_interval(secs => $3),
                locked_until = NULL, lock_token = NULL
         WHERE id = $1 AND lock_token = $2",
        claimed.id,
        claimed.lock_token,
        wait as f64
    )
    .execute(pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(author: &str, body: &str) -> EmailMessage {
        EmailMessage {
            author: author.into(),
            body: body.into(),
            at: DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default(),
        }
    }

    fn render(messages: Vec<EmailMessage>, via_group: Option<&str>) -> Email {
        render_email(RenderInput {
            to_name: "Bob\r\nBcc: x@evil.test".into(),
            to_address: "bob@example.org".into(),
            via_group: via_group.map(str::to_string),
            messages,
            public_url: "https://portal.example.org",
            conversation_id: 7,
            message_id: "<n1.2.3@portal.example.org>".into(),
        })
    }

    #[test]
    fn names_sender_target_and_links() {
        let email = render(vec![message("Alice", "Hi <b>there</b>")], None);
        assert_eq!(email.subject, "Alice wrote to you");
        assert!(email.text.contains("> Hi <b>there</b>"));
        assert!(email.html.contains("Hi &lt;b&gt;there&lt;/b&gt;"));
        assert!(!email.html.contains("<b>there"));
        assert_eq!(
            email.thread_url,
            "https://portal.example.org/conversations/7"
        );
        assert!(email
            .text
            .contains("https://portal.example.org/settings/notifications"));
        assert!(!email.to_name.contains('\n'), "{:?}", email.to_name);
    }

    #[test]
    fn batches_list_every_message_and_name_the_group() {
        let email = render(
            vec![
                message("Alice", "one"),
                message("Carol", "two"),
                message("Alice", "three"),
            ],
            Some("Marketing"),
        );
        assert_eq!(
            email.subject,
            "3 new messages from Alice and Carol to the Marketing group"
        );
        for body in ["> one", "> two", "> three"] {
            assert!(email.text.contains(body), "{body} missing");
        }
    }
}
