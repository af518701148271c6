//! Emails about the account itself: the verification link and "someone tried to
//! register with your address". Written in full when queued (in the request's
//! transaction) and deleted once the SMTP server took them; the mail worker sends
//! them beside the notification outbox, with the same lease and back-off.

use crate::domain::text::escape_html;
use crate::error::AppError;
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
    to_address: &'a str,
    to_name: &'a str,
    subject: String,
    said: String,
    link: Option<(String, String)>,
    after: Option<&'a str>,
}

impl Letter<'_> {
    fn text(&self) -> String {
        let mut text = format!("Hello {},\n\n{}\n", self.to_name, self.said);
        if let Some((link, _)) = &self.link {
            text.push_str(&format!("\n{link}\n"));
        }
        if let Some(after) = self.after {
            text.push_str(&format!("\n{after}\n"));
        }
        text
    }

    fn html(&self) -> String {
        let mut html = format!(
            "<p>Hello {},</p><p>{}</p>",
            escape_html(self.to_name),
            escape_html(&self.said)
        );
        if let Some((link, label)) = &self.link {
            html.push_str(&format!(
                "<p><a href=\"{}\">{}</a></p>",
                escape_html(link),
                escape_html(label)
            ));
        }
        if let Some(after) = self.after {
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
    Letter {
        to_address,
        to_name,
        subject: format!("Confirm your email for the {}", crate::model::PORTAL_NAME),
        said: "to finish creating your account, open this link within 24 hours and confirm:".into(),
        link: Some((
            page(public_url, &format!("/verify-email?token={token}")),
            "Confirm my email".into(),
        )),
        after: Some(
            "If you did not create an account, ignore this email: without the link nobody can use it.",
        ),
    }
    .queue(conn)
    .await
}

/// The link that sets a new password (asked for on the sign-in page).
pub async fn queue_password_reset(
    conn: &mut PgConnection,
    public_url: &str,
    to_address: &str,
    to_name: &str,
    token: &str,
) -> Result<(), AppError> {
    Letter {
        to_address,
        to_name,
        subject: format!("Set a new password for the {}", crate::model::PORTAL_NAME),
        said: "someone, perhaps you, asked to set a new password for your account. Open this link \
               within an hour to choose one:"
            .into(),
        link: Some((
            page(public_url, &format!("/reset-password?token={token}")),
            "Choose a new password".into(),
        )),
        after: Some(
            "Setting it signs you out everywhere. If it was not you, ignore this email: your \
             password stays as it is.",
        ),
    }
    .queue(conn)
    .await
}

/// Told to the owner of an address someone tried to register with again: the
/// registration page said what it says to everyone, so only the owner learns it.
pub async fn queue_already_registered(
    conn: &mut PgConnection,
    public_url: &str,
    to_address: &str,
    to_name: &str,
) -> Result<(), AppError> {
    Letter {
        to_address,
        to_name,
        subject: format!(
            "You already have an account on the {}",
            crate::model::PORTAL_NAME
        ),
        said: "someone, perhaps you, tried to create an account with this email address, which \
               already has one. Nothing was changed. To use your account, sign in:"
            .into(),
        link: Some((page(public_url, "/sign-in"), "Sign in".into())),
        after: Some("If it was not you, you can ignore this email."),
    }
    .queue(conn)
    .await
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
    Letter {
        to_address,
        to_name,
        subject: format!("Your {} account was deleted", crate::model::PORTAL_NAME),
        said: "your account was deleted, as asked on the portal. Your profile is gone, and in \
               conversations you now show as \"Deleted member\". This is the last email you get from us."
            .into(),
        link: None,
        after: None,
    }
    .queue(conn)
    .await
}

/// The link that confirms a new address for an existing account.
pub async fn queue_email_change_link(
    conn: &mut PgConnection,
    public_url: &str,
    to_address: &str,
    to_name: &str,
    token: &str,
) -> Result<(), AppError> {
    Letter {
        to_address,
        to_name,
        subject: format!(
            "Confirm your new email for the {}",
            crate::model::PORTAL_NAME
        ),
        said: "to use this address for your account, open this link within 24 hours and confirm:"
            .into(),
        link: Some((
            page(public_url, &format!("/confirm-email?token={token}")),
            "Confirm my new email".into(),
        )),
        after: Some(
            "If you did not ask for this, ignore this email: nothing changes without the link.",
        ),
    }
    .queue(conn)
    .await
}

/// Told to the current address when a change is asked for.
pub async fn queue_email_change_asked(
    conn: &mut PgConnection,
    to_address: &str,
    to_name: &str,
    new_address: &str,
) -> Result<(), AppError> {
    Letter {
        to_address,
        to_name,
        subject: format!(
            "A new email was asked for your {} account",
            crate::model::PORTAL_NAME
        ),
        said: format!(
            "someone signed in to your account asked to use {new_address} instead of this address. \
             It changes only when the link sent there is opened. If it was not you, change your \
             password now: that signs everyone else out."
        ),
        link: None,
        after: None,
    }
    .queue(conn)
    .await
}

/// Told to the old address once the new one is confirmed.
pub async fn queue_email_changed(
    conn: &mut PgConnection,
    to_address: &str,
    to_name: &str,
    new_address: &str,
) -> Result<(), AppError> {
    Letter {
        to_address,
        to_name,
        subject: format!(
            "The email of your {} account changed",
            crate::model::PORTAL_NAME
        ),
        said: format!(
            "your account now uses {new_address}; this address gets no more email from us. \
             If it was not you, contact the portal's administrators at once."
        ),
        link: None,
        after: None,
    }
    .queue(conn)
    .await
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
    Letter {
        to_address,
        to_name,
        subject: format!("{asker} asked to join {group_name}"),
        said: format!(
            "{asker} asked to join {group_name}, which you manage. Approve or decline on the \
             group's page:"
        ),
        link: Some((
            page(public_url, &format!("/groups/{group_slug}")),
            format!("Requests to join {group_name}"),
        )),
        after: Some(
            "You get these emails as a manager of the group; turn them off under Notification \
             settings.",
        ),
    }
    .queue(conn)
    .await
}

/// Told to a member whose reply by email was not posted: why, a link to the
/// conversation, and what they wrote (so nothing they typed is lost).
pub async fn queue_reply_refused(
    conn: &mut PgConnection,
    (to_address, to_name): (&str, &str),
    why: &str,
    their_text: &str,
    thread_url: &str,
) -> Result<(), AppError> {
    let after = (!their_text.trim().is_empty()).then(|| format!("What you wrote:\n\n{their_text}"));
    Letter {
        to_address,
        to_name,
        subject: "Your reply was not posted".into(),
        said: format!("your reply by email was not posted. {why}"),
        link: Some((thread_url.to_string(), "Open the conversation".into())),
        after: after.as_deref(),
    }
    .queue(conn)
    .await
}
