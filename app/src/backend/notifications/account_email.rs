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

async fn queue(
    conn: &mut PgConnection,
    to_address: &str,
    to_name: &str,
    subject: &str,
    text: &str,
    html: &str,
) -> Result<(), AppError> {
    sqlx::query!(
        "INSERT INTO account_emails (to_address, to_name, subject, text_body, html_body)
         VALUES ($1, $2, $3, $4, $5)",
        to_address,
        to_name,
        subject,
        text,
        html
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The link that confirms a new account's address.
pub async fn queue_verification(
    conn: &mut PgConnection,
    public_url: &str,
    to_address: &str,
    to_name: &str,
    token: &str,
) -> Result<(), AppError> {
    let link = format!(
        "{}/verify-email?token={token}",
        public_url.trim_end_matches('/')
    );
    let portal = crate::model::PORTAL_NAME;
    let subject = format!("Confirm your email for the {portal}");
    let text = format!(
        "Hello {to_name},\n\nto finish creating your account, open this link within 24 hours and confirm:\n\n{link}\n\n\
         If you did not create an account, ignore this email: without the link nobody can use it.\n"
    );
    let html = format!(
        "<p>Hello {name},</p><p>to finish creating your account, open this link within 24 hours and confirm:</p>\
         <p><a href=\"{link}\">Confirm my email</a></p>\
         <p>If you did not create an account, ignore this email: without the link nobody can use it.</p>",
        name = escape_html(to_name),
        link = escape_html(&link)
    );
    queue(conn, to_address, to_name, &subject, &text, &html).await
}

/// The link that sets a new password (asked for on the sign-in page).
pub async fn queue_password_reset(
    conn: &mut PgConnection,
    public_url: &str,
    to_address: &str,
    to_name: &str,
    token: &str,
) -> Result<(), AppError> {
    let link = format!(
        "{}/reset-password?token={token}",
        public_url.trim_end_matches('/')
    );
    let portal = crate::model::PORTAL_NAME;
    let subject = format!("Set a new password for the {portal}");
    let text = format!(
        "Hello {to_name},\n\nsomeone, perhaps you, asked to set a new password for your account. Open this link \
         within an hour to choose one:\n\n{link}\n\nSetting it signs you out everywhere. If it was not you, ignore \
         this email: your password stays as it is.\n"
    );
    let html = format!(
        "<p>Hello {name},</p><p>someone, perhaps you, asked to set a new password for your account. Open this link \
         within an hour to choose one:</p><p><a href=\"{link}\">Choose a new password</a></p>\
         <p>Setting it signs you out everywhere. If it was not you, ignore this email: your password stays as it is.</p>",
        name = escape_html(to_name),
        link = escape_html(&link)
    );
    queue(conn, to_address, to_name, &subject, &text, &html).await
}

/// Told to the owner of an address someone tried to register with again: the
/// registration page said what it says to everyone, so only the owner learns it.
pub async fn queue_already_registered(
    conn: &mut PgConnection,
    public_url: &str,
    to_address: &str,
    to_name: &str,
) -> Result<(), AppError> {
    let sign_in = format!("{}/sign-in", public_url.trim_end_matches('/'));
    let portal = crate::model::PORTAL_NAME;
    let subject = format!("You already have an account on the {portal}");
    let text = format!(
        "Hello {to_name},\n\nsomeone, perhaps you, tried to create an account with this email address, which \
         already has one. Nothing was changed. To use your account, sign in:\n\n{sign_in}\n\n\
         If it was not you, you can ignore this email.\n"
    );
    let html = format!(
        "<p>Hello {name},</p><p>someone, perhaps you, tried to create an account with this email address, which \
         already has one. Nothing was changed. To use your account, sign in:</p>\
         <p><a href=\"{link}\">Sign in</a></p><p>If it was not you, you can ignore this email.</p>",
        name = escape_html(to_name),
        link = escape_html(&sign_in)
    );
    queue(conn, to_address, to_name, &subject, &text, &html).await
}

/// Claims up to `limit` due account emails for `lease_seconds` (rows another
/// worker holds are skipped).
pub async fn claim_account_emails(
    pool: &PgPool,
    limit: i64,
    lease_seconds: i64,
) -> Result<Vec<AccountEmail>, AppError> {
    let token: i64 = {
        use rand::Rng;
        rand::thread_rng().gen()
    };
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
    let portal = crate::model::PORTAL_NAME;
    let subject = format!("Your {portal} account was deleted");
    let text = format!(
        "Hello {to_name},\n\nyour account was deleted, as asked on the portal. Your profile is gone, and in \
         conversations you now show as \"Deleted member\". This is the last email you get from us.\n"
    );
    let html = format!(
        "<p>Hello {name},</p><p>your account was deleted, as asked on the portal. Your profile is gone, and in \
         conversations you now show as \"Deleted member\". This is the last email you get from us.</p>",
        name = escape_html(to_name)
    );
    queue(conn, to_address, to_name, &subject, &text, &html).await
}

/// The link that confirms a new address for an existing account.
pub async fn queue_email_change_link(
    conn: &mut PgConnection,
    public_url: &str,
    to_address: &str,
    to_name: &str,
    token: &str,
) -> Result<(), AppError> {
    let link = format!(
        "{}/confirm-email?token={token}",
        public_url.trim_end_matches('/')
    );
    let portal = crate::model::PORTAL_NAME;
    let subject = format!("Confirm your new email for the {portal}");
    let text = format!(
        "Hello {to_name},\n\nto use this address for your account, open this link within 24 hours and confirm:\n\n{link}\n\n\
         If you did not ask for this, ignore this email: nothing changes without the link.\n"
    );
    let html = format!(
        "<p>Hello {name},</p><p>to use this address for your account, open this link within 24 hours and confirm:</p>\
         <p><a href=\"{link}\">Confirm my new email</a></p>\
         <p>If you did not ask for this, ignore this email: nothing changes without the link.</p>",
        name = escape_html(to_name),
        link = escape_html(&link)
    );
    queue(conn, to_address, to_name, &subject, &text, &html).await
}

/// Told to the current address when a change is asked for.
pub async fn queue_email_change_asked(
    conn: &mut PgConnection,
    to_address: &str,
    to_name: &str,
    new_address: &str,
) -> Result<(), AppError> {
    let portal = crate::model::PORTAL_NAME;
    let subject = format!("A new email was asked for your {portal} account");
    let text = format!(
        "Hello {to_name},\n\nsomeone signed in to your account asked to use {new_address} instead of this address. \
         It changes only when the link sent there is opened. If it was not you, change your password now: \
         that signs everyone else out.\n"
    );
    let html = format!(
        "<p>Hello {name},</p><p>someone signed in to your account asked to use {new} instead of this address. \
         It changes only when the link sent there is opened. If it was not you, change your password now: \
         that signs everyone else out.</p>",
        name = escape_html(to_name),
        new = escape_html(new_address)
    );
    queue(conn, to_address, to_name, &subject, &text, &html).await
}

/// Told to the old address once the new one is confirmed.
pub async fn queue_email_changed(
    conn: &mut PgConnection,
    to_address: &str,
    to_name: &str,
    new_address: &str,
) -> Result<(), AppError> {
    let portal = crate::model::PORTAL_NAME;
    let subject = format!("The email of your {portal} account changed");
    let text = format!(
        "Hello {to_name},\n\nyour account now uses {new_address}; this address gets no more email from us. \
         If it was not you, contact the portal's administrators at once.\n"
    );
    let html = format!(
        "<p>Hello {name},</p><p>your account now uses {new}; this address gets no more email from us. \
         If it was not you, contact the portal's administrators at once.</p>",
        name = escape_html(to_name),
        new = escape_html(new_address)
    );
    queue(conn, to_address, to_name, &subject, &text, &html).await
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
    let link = format!("{}/groups/{group_slug}", public_url.trim_end_matches('/'));
    let subject = format!("{asker} asked to join {group_name}");
    let text = format!(
        "Hello {to_name},\n\n{asker} asked to join {group_name}, which you manage. Approve or decline on the \
         group's page:\n\n{link}\n\nYou get these emails as a manager of the group; turn them off under \
         Notification settings.\n"
    );
    let html = format!(
        "<p>Hello {name},</p><p>{asker_html} asked to join {group_html}, which you manage. Approve or decline on \
         the group's page:</p><p><a href=\"{link_html}\">Requests to join {group_html}</a></p>\
         <p>You get these emails as a manager of the group; turn them off under Notification settings.</p>",
        name = escape_html(to_name),
        asker_html = escape_html(asker),
        group_html = escape_html(group_name),
        link_html = escape_html(&link)
    );
    queue(conn, to_address, to_name, &subject, &text, &html).await
}
