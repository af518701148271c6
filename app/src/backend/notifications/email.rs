//! What a notification email says: checked again at sending time, then put
//! into words (text and HTML, every member-written string escaped).

use super::outbox::Claimed;
use crate::backend::email_replies::REPLY_ABOVE;
use crate::domain::text::escape_html as escape;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// One message as an email lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailMessage {
    pub author: String,
    pub body: String,
    pub at: DateTime<Utc>,
    /// How many pictures and files it carries (named, never attached: they
    /// open in the thread, for its participants only).
    pub files: i64,
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
    /// The recipient's reply address for this conversation, when replies by
    /// email are on and they may write there.
    pub reply_to: Option<String>,
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
    reply_base: Option<&str>,
) -> Result<Option<Email>, AppError> {
    let Some(recipient) = recipient(pool, claimed).await? else {
        return Ok(None);
    };
    let Some(access) =
        super::access::notify_access(pool, claimed.member_id, claimed.conversation_id).await?
    else {
        return Ok(None);
    };
    let messages = unread_covered(pool, claimed, recipient.last_read, access.as_group()).await?;
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
    let reply_to = match reply_base {
        Some(base) if access.may_write().is_ok() => {
            let key = crate::backend::email_replies::site_key(pool).await?;
            crate::backend::email_replies::reply_address(
                &key,
                base,
                crate::backend::email_replies::ReplyToken {
                    conversation_id: claimed.conversation_id,
                    member_id: claimed.member_id,
                    generation: recipient.reply_generation,
                },
            )
        }
        _ => None,
    };
    Ok(Some(render_email(RenderInput {
        to_name: recipient.display_name,
        to_address: recipient.email,
        via_group,
        messages,
        public_url: public_url.trim_end_matches('/'),
        conversation_id: claimed.conversation_id,
        message_id: format!(
            "<n{}.{}.{}@{}>",
            claimed.id,
            claimed.first_message_id,
            claimed.member_id,
            host_of(public_url)
        ),
        zone: recipient.zone,
        reply_to,
    })))
}

/// The member an email goes to, if they still can use the portal and still want
/// email about this conversation (not turned off, not muted).
struct Recipient {
    email: String,
    display_name: String,
    last_read: i64,
    zone: Option<chrono_tz::Tz>,
    reply_generation: i32,
}

async fn recipient(pool: &PgPool, claimed: &Claimed) -> Result<Option<Recipient>, AppError> {
    let member = sqlx::query!(
        r#"SELECT m.email, m.display_name, m.time_zone, m.reply_generation,
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
    .await?;
    Ok(member
        .filter(|m| m.mode != "off" && !m.muted)
        .map(|m| Recipient {
            email: m.email,
            display_name: m.display_name,
            last_read: m.last_read,
            reply_generation: m.reply_generation,
            zone: m
                .time_zone
                .as_deref()
                .and_then(crate::backend::members::time_zone::known),
        }))
}

/// The covered messages the member has not read and did not send (as themself or
/// as the group they act for here), oldest first, one more than an email lists.
async fn unread_covered(
    pool: &PgPool,
    claimed: &Claimed,
    last_read: i64,
    as_group: Option<i64>,
) -> Result<Vec<EmailMessage>, AppError> {
    Ok(sqlx::query!(
        r#"SELECT msg.body, msg.created_at, coalesce(g.name, m.display_name) AS "author!",
                  (SELECT count(*) FROM attachments a WHERE a.message_id = msg.id) AS "files!"
           FROM messages msg
           JOIN members m ON m.id = msg.author_id
           LEFT JOIN groups g ON g.id = msg.as_group_id
           WHERE msg.conversation_id = $1 AND msg.id BETWEEN $2 AND $3 AND msg.id > $4
             AND msg.kind = 'text' AND msg.removed_at IS NULL AND msg.deleted_at IS NULL
             AND NOT (EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = $5 AND b.blocked_id = msg.author_id))
             AND NOT (msg.as_group_id IS NULL AND msg.author_id = $5)
             AND ($6::bigint IS NULL OR msg.as_group_id IS DISTINCT FROM $6)
           ORDER BY msg.id
           LIMIT $7"#,
        claimed.conversation_id,
        claimed.first_message_id,
        claimed.last_message_id,
        last_read,
        claimed.member_id,
        as_group,
        EMAIL_MAX_MESSAGES + 1
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| EmailMessage {
        author: r.author,
        body: r.body,
        at: r.created_at,
        files: r.files,
    })
    .collect())
}

/// "1 file attached: open the conversation to see it".
fn files_line(files: i64) -> Option<String> {
    match files {
        0 => None,
        1 => Some("1 file attached: open the conversation to see it".into()),
        n => Some(format!(
            "{n} files attached: open the conversation to see them"
        )),
    }
}

/// The host name of the portal's public address, for Message-IDs.
fn host_of(public_url: &str) -> &str {
    public_url
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(public_url)
        .split(['/', ':'])
        .next()
        .filter(|host| !host.is_empty())
        .unwrap_or("localhost")
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
    /// The recipient's time zone (`members.time_zone`), for the messages' times.
    pub zone: Option<chrono_tz::Tz>,
    /// Their reply address (replies by email on, and they may write here).
    pub reply_to: Option<String>,
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
        zone,
        reply_to,
    } = input;
    let more = messages.len() as i64 > EMAIL_MAX_MESSAGES;
    messages.truncate(EMAIL_MAX_MESSAGES as usize);
    let subject = subject(&messages, via_group.as_deref());
    let thread_url = format!("{public_url}/conversations/{conversation_id}");
    let settings_url = format!("{public_url}/settings/notifications");

    // Above the content, so a reply's quoted copy starts below it.
    let above = if reply_to.is_some() {
        format!("— {REPLY_ABOVE} —")
    } else {
        String::new()
    };
    let mut text = format!("{above}\n\nHello {to_name},\n\n{subject}:\n")
        .trim_start()
        .to_string();
    let mut html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\"><p style=\"color:#767676;font-size:small\">{}</p><p>Hello {},</p><p>{}:</p>",
        escape(&above),
        escape(&to_name),
        escape(&subject)
    );
    for m in &messages {
        let when = crate::backend::members::time_zone::email_time(m.at, zone);
        text.push_str(&format!("\n{} ({when}):\n", m.author));
        for line in m.body.lines() {
            text.push_str(&format!("> {line}\n"));
        }
        let files = files_line(m.files);
        if let Some(files) = &files {
            text.push_str(&format!("> ({files})\n"));
        }
        html.push_str(&format!(
            "<p><strong>{}</strong> <small>({when})</small></p><div style=\"border-left:3px solid #ddd;padding-left:.75em;margin-bottom:1em\">{}{}</div>",
            escape(&m.author),
            // The formatting as the page shows it; the text part keeps what was typed.
            crate::domain::markdown::to_html(&crate::domain::markdown::parse(&m.body)),
            files
                .map(|f| format!("<p><em>{f}</em></p>"))
                .unwrap_or_default()
        ));
    }
    if more {
        text.push_str("\nThere are more new messages in the conversation.\n");
        html.push_str("<p>There are more new messages in the conversation.</p>");
    }
    let read_and_reply = if reply_to.is_some() {
        "Reply to this email to answer (text only), or read and reply on the portal"
    } else {
        "Read and reply"
    };
    text.push_str(&format!(
        "\n{read_and_reply}: {thread_url}\n\n--\nYou receive this because of your notification settings. \
         Change them or stop these emails: {settings_url}\n"
    ));
    html.push_str(&format!(
        "<p><a href=\"{}\">{}</a></p><hr><p><small>You receive this because of your notification settings. \
         <a href=\"{}\">Change them or stop these emails</a>.</small></p></body></html>",
        escape(&thread_url),
        escape(read_and_reply),
        escape(&settings_url)
    ));
    Email {
        to_name: one_line(&to_name).into_owned(),
        to_address,
        subject,
        text,
        html,
        message_id,
        thread_url,
        settings_url,
        reply_to,
    }
}

/// "Ana wrote to you", "3 new messages from Ana and Bo to the Marketing group": one line.
fn subject(messages: &[EmailMessage], via_group: Option<&str>) -> String {
    let mut authors: Vec<&str> = Vec::new();
    for m in messages {
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
    let target = match via_group {
        Some(group) => format!("the {group} group"),
        None => "you".to_string(),
    };
    one_line(&if messages.len() == 1 {
        format!("{who} wrote to {target}")
    } else {
        format!("{} new messages from {who} to {target}", messages.len())
    })
    .into_owned()
}

/// Header values must be one line: names cannot smuggle headers in.
fn one_line(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(char::is_control) {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    } else {
        s.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(author: &str, body: &str) -> EmailMessage {
        EmailMessage {
            author: author.into(),
            body: body.into(),
            at: DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default(),
            files: 0,
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
            zone: None,
            reply_to: None,
        })
    }

    #[test]
    fn times_are_in_the_recipients_zone() {
        let in_zone = |zone: Option<&str>| {
            render_email(RenderInput {
                to_name: "Bob".into(),
                to_address: "bob@example.org".into(),
                via_group: None,
                messages: vec![message("Alice", "Hi")],
                public_url: "https://portal.example.org",
                conversation_id: 7,
                message_id: "<n1.2.3@portal.example.org>".into(),
                zone: zone.and_then(crate::backend::members::time_zone::known),
                reply_to: None,
            })
        };
        assert!(in_zone(None).text.contains("Alice (2023-11-14 22:13 UTC)"));
        let paris = in_zone(Some("Europe/Paris"));
        assert!(
            paris.text.contains("Alice (2023-11-14 23:13 CET)"),
            "{}",
            paris.text
        );
        assert!(paris.html.contains("(2023-11-14 23:13 CET)"));
        assert!(in_zone(Some("Asia/Tokyo"))
            .text
            .contains("(2023-11-15 07:13 JST)"));
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
