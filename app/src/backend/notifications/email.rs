//! What a notification email says: checked again at sending time, then put
//! into words (text and HTML, every member-written string escaped).

use super::outbox::Claimed;
use crate::domain::language::Language;
use crate::domain::text::escape_html as escape;
use crate::error::AppError;
use crate::i18n::{k, Words};
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
/// lost access to it, or can no longer use the portal. In the member's
/// language, else `fallback` (the portal's first).
pub async fn compose(
    pool: &PgPool,
    claimed: &Claimed,
    (public_url, fallback): (&str, Language),
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
        words: crate::backend::members::language::words_of(recipient.language.as_deref(), fallback),
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
    language: Option<String>,
}

async fn recipient(pool: &PgPool, claimed: &Claimed) -> Result<Option<Recipient>, AppError> {
    let member = sqlx::query!(
        r#"SELECT m.email, m.display_name, m.time_zone, m.reply_generation, m.language,
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
            language: m.language,
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
fn files_line(words: Words, files: i64) -> Option<String> {
    (files > 0).then(|| words.p(k::sent_files, files, &[]))
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
    /// The recipient's language.
    pub words: Words,
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
        words,
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
    let subject = subject(words, &messages, via_group.as_deref());
    let thread_url = format!("{public_url}/conversations/{conversation_id}");
    let settings_url = format!("{public_url}/settings/notifications");

    // Above the content, so a reply's quoted copy starts below it.
    let above = if reply_to.is_some() {
        format!("— {} —", words.t(k::sent_reply_above))
    } else {
        String::new()
    };
    let hello = words.f(k::sent_hello, &[("name", &to_name)]);
    let mut text = format!("{above}\n\n{hello}\n\n{subject}:\n")
        .trim_start()
        .to_string();
    let mut html = format!(
        "<!doctype html><html lang=\"{}\"><body style=\"font-family:sans-serif\"><p style=\"color:#767676;font-size:small\">{}</p><p>{}</p><p>{}:</p>",
        words.language.code(),
        escape(&above),
        escape(&hello),
        escape(&subject)
    );
    for m in &messages {
        let when = crate::backend::members::time_zone::email_time(m.at, zone, words.language);
        text.push_str(&format!("\n{} ({when}):\n", m.author));
        for line in m.body.lines() {
            text.push_str(&format!("> {line}\n"));
        }
        let files = files_line(words, m.files);
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
        let more = words.t(k::sent_more_messages);
        text.push_str(&format!("\n{more}\n"));
        html.push_str(&format!("<p>{}</p>", escape(more)));
    }
    let read_and_reply = words.t(if reply_to.is_some() {
        k::sent_reply_or_read
    } else {
        k::sent_read_and_reply
    });
    let (why, change) = (
        words.t(k::sent_why_you_get),
        words.t(k::sent_change_settings),
    );
    text.push_str(&format!(
        "\n{read_and_reply}: {thread_url}\n\n--\n{why} {change}: {settings_url}\n"
    ));
    html.push_str(&format!(
        "<p><a href=\"{}\">{}</a></p><hr><p><small>{} <a href=\"{}\">{}</a>.</small></p></body></html>",
        escape(&thread_url),
        escape(read_and_reply),
        escape(why),
        escape(&settings_url),
        escape(change)
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
fn subject(words: Words, messages: &[EmailMessage], via_group: Option<&str>) -> String {
    let mut authors: Vec<&str> = Vec::new();
    for m in messages {
        if !authors.contains(&m.author.as_str()) {
            authors.push(&m.author);
        }
    }
    let who = match authors.as_slice() {
        [one] => one.to_string(),
        [first, second] => words.f(k::sent_who_two, &[("first", first), ("second", second)]),
        [first, rest @ ..] => words.p(k::sent_who_more, rest.len() as i64, &[("first", first)]),
        [] => words.t(k::sent_someone).to_string(),
    };
    let count = messages.len() as i64;
    let said = match (via_group, count) {
        (None, 1) => words.f(k::sent_wrote_to_you, &[("who", &who)]),
        (Some(group), 1) => words.f(k::sent_wrote_to_group, &[("who", &who), ("group", &group)]),
        (None, _) => words.p(k::sent_new_to_you, count, &[("who", &who)]),
        (Some(group), _) => words.p(
            k::sent_new_to_group,
            count,
            &[("who", &who), ("group", &group)],
        ),
    };
    one_line(&said).into_owned()
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
            words: Words::default(),
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
                words: Words::default(),
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
        assert!(in_zone(None)
            .text
            .contains("Alice (Nov 14, 2023, 22:13 UTC)"));
        let paris = in_zone(Some("Europe/Paris"));
        assert!(
            paris.text.contains("Alice (Nov 14, 2023, 23:13 CET)"),
            "{}",
            paris.text
        );
        assert!(paris.html.contains("(Nov 14, 2023, 23:13 CET)"));
        assert!(in_zone(Some("Asia/Tokyo"))
            .text
            .contains("(Nov 15, 2023, 07:13 JST)"));
    }

    #[test]
    fn an_email_speaks_its_recipients_language() {
        let in_language = |language, messages: Vec<EmailMessage>, via_group: Option<&str>| {
            render_email(RenderInput {
                words: Words::of(language),
                to_name: "Bob".into(),
                to_address: "bob@example.org".into(),
                via_group: via_group.map(str::to_string),
                messages,
                public_url: "https://portal.example.org",
                conversation_id: 7,
                message_id: "<n1.2.3@portal.example.org>".into(),
                zone: crate::backend::members::time_zone::known("Europe/Paris"),
                reply_to: Some("reply+7-2-0-ab@portal.example.org".into()),
            })
        };
        let mut files = message("Alice", "Salut");
        files.files = 2;
        let french = in_language(Language::Fr, vec![files], None);
        assert_eq!(french.subject, "Alice vous a écrit");
        for said in [
            "— Répondez au-dessus de cette ligne",
            "Bonjour Bob,",
            "Alice (14 nov. 2023, 23:13 CET)",
            "> (2 fichiers joints : ouvrez la conversation pour les voir)",
            "Répondez à cet e-mail pour répondre",
            "Vous recevez ceci en raison de vos paramètres de notification.",
        ] {
            assert!(french.text.contains(said), "{said:?} in {}", french.text);
        }
        assert!(french.html.contains(r#"<html lang="fr">"#));
        let german = in_language(
            Language::De,
            vec![
                message("Alice", "eins"),
                message("Carol", "zwei"),
                message("Dan", "drei"),
            ],
            Some("Marketing"),
        );
        assert_eq!(
            german.subject,
            "3 neue Nachrichten von Alice und 2 weitere Personen an die Gruppe Marketing"
        );
        assert!(
            german.text.contains("Alice (14. Nov 2023, 23:13 CET)"),
            "{}",
            german.text
        );
        let spanish = in_language(Language::Es, vec![message("Alice", "hola")], Some("Diseño"));
        assert_eq!(spanish.subject, "Alice ha escrito al grupo Diseño");
        assert!(
            spanish.text.contains("Alice (14 nov 2023, 23:13 CET)"),
            "{}",
            spanish.text
        );
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
