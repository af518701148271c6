//! Emails about the account itself: the verification link and "someone tried to
//! register with your address". Written in full when queued (in the request's
//! transaction) and deleted once the SMTP server took them; the mail worker sends
//! them beside the notification outbox, with the same lease and back-off.

use crate::domain::text::escape_html;
use crate::error::AppError;
use crate::i18n::{k, Words};
use crate::model::PORTAL_NAME;
use sqlx::{PgConnection, PgPool};

/// One queued account email, claimed by a worker.
#[derive(Debug, Clone)]
pub struct AccountEmail {
    pub id: i64,
    pub to_address: String,
    pub to_name: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attempts: i32,
    pub lock_token: i64,
}

/// An account email, written once for its text and its HTML: a greeting, what
/// happened, an optional link (with its label in the HTML), and what to do if it
/// was not them.
struct Letter<'a> {
    words: Words,
    to_address: &'a str,
    to_name: &'a str,
    subject: String,
    said: String,
    link: Option<(String, String)>,
    after: Option<String>,
}

impl Letter<'_> {
    fn text(&self) -> String {
        let hello = self.words.f(k::sent_hello, &[("name", &self.to_name)]);
        let mut text = format!("{hello}\n\n{}\n", self.said);
        if let Some((link, _)) = &self.link {
            text.push_str(&format!("\n{link}\n"));
        }
        if let Some(after) = &self.after {
            text.push_str(&format!("\n{after}\n"));
        }
        text
    }

    fn html(&self) -> String {
        let mut html = format!(
            "<p>{}</p><p>{}</p>",
            escape_html(&self.words.f(k::sent_hello, &[("name", &self.to_name)])),
            escape_html(&self.said)
        );
        if let Some((link, label)) = &self.link {
            html.push_str(&format!(
                "<p><a href=\"{}\">{}</a></p>",
                escape_html(link),
                escape_html(label)
            ));
        }
        if let Some(after) = &self.after {
            html.push_str(&format!("<p>{}</p>", escape_html(after)));
        }
        html
    }

    async fn queue(self, conn: &mut PgConnection) -> Result<(), AppError> {
        sqlx::query!(
            "INSERT INTO account_emails (to_address, to_name, subject, text_body, html_body)
             VALUES ($1, $2, $3, $4, $5)",
            self.to_address,
            self.to_name,
            self.subject,
            self.text(),
            self.html()
        )
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}

/// The words of an email to `address`: its member's language, else the
/// portal's first (or English, away from a request).
async fn words_for(conn: &mut PgConnection, address: &str) -> Result<Words, AppError> {
    let fallback = crate::i18n::offered_languages()
        .first()
        .copied()
        .unwrap_or_default();
    crate::backend::members::language::words_for_address(conn, address, fallback).await
}

/// The portal's name, for the sentences that say it.
fn portal() -> [(&'static str, &'static dyn std::fmt::Display); 1] {
    [("portal", &PORTAL_NAME)]
}

/// A page of the portal, for a link in an email.
fn page(public_url: &str, path: &str) -> String {
    format!("{}{path}", public_url.trim_end_matches('/'))
}

/// The link that confirms a new account's address.
pub async fn queue_verification(
    conn: &mut PgConnection,
    public_url: &str,
    to_address: &str,
    to_name: &str,
    token: &str,
) -> Result<(), AppError> {
    let words = words_for(conn, to_address).await?;
    let letter = Letter {
        words,
        to_address,
        to_name,
        subject: words.f(k::sent_verify_subject, &portal()),
        said: words.t(k::sent_verify_said).into(),
        link: Some((
            page(public_url, &format!("/verify-email?token={token}")),
            words.t(k::sent_verify_link).into(),
        )),
        after: Some(words.t(k::sent_verify_after).into()),
    };
    letter.queue(conn).await
}

/// The link that sets a new password (asked for on the sign-in page).
pub async fn queue_password_reset(
    conn: &mut PgConnection,
    public_url: &str,
    to_address: &str,
    to_name: &str,
    token: &str,
) -> Result<(), AppError> {
    let words = words_for(conn, to_address).await?;
    let letter = Letter {
        words,
        to_address,
        to_name,
        subject: words.f(k::sent_reset_subject, &portal()),
        said: words.t(k::sent_reset_said).into(),
        link: Some((
            page(public_url, &format!("/reset-password?token={token}")),
            words.t(k::sent_reset_link).into(),
        )),
        after: Some(words.t(k::sent_reset_after).into()),
    };
    letter.queue(conn).await
}

/// Told to the owner of an address someone tried to register with again: the
/// registration page said what it says to everyone, so only the owner learns it.
pub async fn queue_already_registered(
    conn: &mut PgConnection,
    public_url: &str,
    to_address: &str,
    to_name: &str,
) -> Result<(), AppError> {
    let words = words_for(conn, to_address).await?;
    let letter = Letter {
        words,
        to_address,
        to_name,
        subject: words.f(k::sent_registered_subject, &portal()),
        said: words.t(k::sent_registered_said).into(),
        link: Some((
            page(public_url, "/sign-in"),
            words.t(k::sent_registered_link).into(),
        )),
        after: Some(words.t(k::sent_registered_after).into()),
    };
    letter.queue(conn).await
}

/// Claims up to `limit` due account emails for `lease_seconds` (rows another
/// worker holds are skipped).
pub async fn claim_account_emails(
    pool: &PgPool,
    limit: i64,
    lease_seconds: i64,
) -> Result<Vec<AccountEmail>, AppError> {
    let token = super::outbox::lease_token();
    let rows = sqlx::query!(
        "UPDATE account_emails SET locked_until = now() + make_interval(secs => $2),
                lock_token = $3, attempts = attempts + 1
         WHERE id IN (SELECT id FROM account_emails
                      WHERE due_at <= now() AND (locked_until IS NULL OR locked_until < now())
                      ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING id, to_address, to_name, subject, text_body, html_body, attempts",
        limit,
        lease_seconds as f64,
        token
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AccountEmail {
            id: r.id,
            to_address: r.to_address,
            to_name: r.to_name,
            subject: r.subject,
            text: r.text_body,
            html: r.html_body,
            attempts: r.attempts,
            lock_token: token,
        })
        .collect())
}

/// Sent (or refused for good): the row, and the link in it, are gone.
pub async fn account_email_done(pool: &PgPool, email: &AccountEmail) -> Result<(), AppError> {
    sqlx::query!(
        "DELETE FROM account_emails WHERE id = $1 AND lock_token = $2",
        email.id,
        email.lock_token
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Not sent yet: tried again after a back-off that doubles, up to `max_backoff_seconds`.
pub async fn account_email_later(
    pool: &PgPool,
    email: &AccountEmail,
    max_backoff_seconds: i64,
) -> Result<(), AppError> {
    let wait = super::outbox::backoff_seconds(email.attempts, max_backoff_seconds);
    sqlx::query!(
        "UPDATE account_emails SET due_at = now() + make_interval(secs => $3),
                locked_until = NULL, lock_token = NULL
         WHERE id = $1 AND lock_token = $2",
        email.id,
        email.lock_token,
        wait as f64
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The last email an account gets: it was deleted (so a deletion by someone who
/// had the password does not go unnoticed).
pub async fn queue_account_deleted(
    conn: &mut PgConnection,
    to_address: &str,
    to_name: &str,
) -> Result<(), AppError> {
    let words = words_for(conn, to_address).await?;
    let letter = Letter {
        words,
        to_address,
        to_name,
        subject: words.f(k::sent_deleted_subject, &portal()),
        said: words.t(k::sent_deleted_said).into(),
        link: None,
        after: None,
    };
    letter.queue(conn).await
}

/// The link that confirms a new address for an existing account (in the
/// language of the member who has `current_address`).
pub async fn queue_email_change_link(
    conn: &mut PgConnection,
    public_url: &str,
    (to_address, current_address): (&str, &str),
    to_name: &str,
    token: &str,
) -> Result<(), AppError> {
    let words = words_for(conn, current_address).await?;
    let letter = Letter {
        words,
        to_address,
        to_name,
        subject: words.f(k::sent_new_email_subject, &portal()),
        said: words.t(k::sent_new_email_said).into(),
        link: Some((
            page(public_url, &format!("/confirm-email?token={token}")),
            words.t(k::sent_new_email_link).into(),
        )),
        after: Some(words.t(k::sent_new_email_after).into()),
    };
    letter.queue(conn).await
}

/// Told to the current address when a change is asked for.
pub async fn queue_email_change_asked(
    conn: &mut PgConnection,
    to_address: &str,
    to_name: &str,
    new_address: &str,
) -> Result<(), AppError> {
    let words = words_for(conn, to_address).await?;
    let letter = Letter {
        words,
        to_address,
        to_name,
        subject: words.f(k::sent_email_asked_subject, &portal()),
        said: words.f(k::sent_email_asked_said, &[("address", &new_address)]),
        link: None,
        after: None,
    };
    letter.queue(conn).await
}

/// Told to the old address once the new one is confirmed.
pub async fn queue_email_changed(
    conn: &mut PgConnection,
    to_address: &str,
    to_name: &str,
    new_address: &str,
) -> Result<(), AppError> {
    // Sent once the change is made: the member now has the new address.
    let words = words_for(conn, new_address).await?;
    let letter = Letter {
        words,
        to_address,
        to_name,
        subject: words.f(k::sent_email_changed_subject, &portal()),
        said: words.f(k::sent_email_changed_said, &[("address", &new_address)]),
        link: None,
        after: None,
    };
    letter.queue(conn).await
}

/// Told to a group's managers when a member asks to join (at most once an hour
/// per group: the group's page lists every request).
pub async fn queue_join_request(
    conn: &mut PgConnection,
    public_url: &str,
    to_address: &str,
    to_name: &str,
    (asker, group_name, group_slug): (&str, &str, &str),
) -> Result<(), AppError> {
    let words = words_for(conn, to_address).await?;
    let say = |key| words.f(key, &[("asker", &asker), ("group", &group_name)]);
    let letter = Letter {
        words,
        to_address,
        to_name,
        subject: say(k::sent_join_subject),
        said: say(k::sent_join_said),
        link: Some((
            page(public_url, &format!("/groups/{group_slug}")),
            say(k::sent_join_link),
        )),
        after: Some(words.t(k::sent_join_after).into()),
    };
    letter.queue(conn).await
}

/// Told to a member whose reply by email was not posted: why, a link to the
/// conversation, and what they wrote (so nothing they typed is lost).
pub async fn queue_reply_refused(
    conn: &mut PgConnection,
    (to_address, to_name): (&str, &str),
    why: impl FnOnce(Words) -> String,
    their_text: &str,
    thread_url: &str,
) -> Result<(), AppError> {
    let words = words_for(conn, to_address).await?;
    let after = (!their_text.trim().is_empty())
        .then(|| format!("{}\n\n{their_text}", words.t(k::sent_refused_wrote)));
    let letter = Letter {
        words,
        to_address,
        to_name,
        subject: words.t(k::sent_refused_subject).into(),
        said: words.f(k::sent_refused_said, &[("why", &why(words))]),
        link: Some((thread_url.to_string(), words.t(k::sent_refused_link).into())),
        after,
    };
    letter.queue(conn).await
}
