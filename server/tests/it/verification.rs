//! A new account confirms its email before it can sign in, and registering never
//! tells anyone but the address's owner whether the address has an account: the
//! answer and the work are the same; the owner is told by email instead.
//! Against a real SMTP server, whose received emails the tests read.

use crate::common;

use common::smtp::SmtpServer;
use common::*;
use std::time::Duration;

const PUBLIC_URL: &str = "https://portal.example.test";
const WAIT: Duration = Duration::from_secs(15);
const PASSWORD_NEW: &str = "three unrelated words";

async fn portal() -> (TestApp, SmtpServer) {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with_options(Options {
        public_url: Some(PUBLIC_URL.into()),
        smtp_url: Some(smtp.url()),
        verify_email: true,
        ..Options::default()
    })
    .await;
    (app, smtp)
}

async fn register(
    app: &TestApp,
    client: &reqwest::Client,
    handle: &str,
    email: &str,
) -> reqwest::Response {
    app.call_with(
        client,
        "register",
        &[
            ("display_name", &format!("Newcomer {handle}")),
            ("handle", handle),
            ("email", email),
            ("password", PASSWORD_NEW),
        ],
    )
    .await
}

/// The token of the verification link in an email's text.
fn link_token(text: &str) -> String {
    let start = text
        .find("/verify-email?token=")
        .expect("a verification link")
        + "/verify-email?token=".len();
    text[start..start + 64].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_account_signs_in_only_after_its_link_is_followed_once() {
    let (app, smtp) = portal().await;
    let browser = client();
    let answer = register(&app, &browser, "newcomer", "newcomer@example.org").await;
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["location"], "/register/check-email");
    assert!(
        session_cookie(answer.headers()).is_none(),
        "not signed in yet"
    );
    assert_eq!(
        app.sign_in("newcomer@example.org", PASSWORD_NEW)
            .await
            .status(),
        409,
        "the right password, but the email is not confirmed"
    );

    let emails = smtp.wait_for(1, WAIT).await;
    assert_eq!(emails.len(), 1);
    let email = &emails[0];
    assert!(email.to.contains("newcomer@example.org"), "{}", email.to);
    assert!(
        email
            .text
            .contains(&format!("{PUBLIC_URL}/verify-email?token=")),
        "{}",
        email.text
    );
    let token = link_token(&email.text);
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM email_verifications")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_ne!(stored, token.as_bytes(), "only a hash is kept");
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM account_emails")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        queued, 0,
        "the email, and the link in it, left the database once sent"
    );

    // The page the link opens only asks; the button confirms and signs in.
    let (status, page) = app.page(&format!("/verify-email?token={token}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Confirm and sign in"));
    assert_eq!(
        app.sign_in("newcomer@example.org", PASSWORD_NEW)
            .await
            .status(),
        409,
        "a look is no confirmation"
    );
    let confirmed = app
        .call_with(&browser, "verify_email", &[("token", &token)])
        .await;
    assert_eq!(confirmed.status(), 200);
    assert_eq!(confirmed.headers()["location"], "/members/newcomer");
    assert_eq!(
        app.current_handle(&browser).await.as_deref(),
        Some("newcomer")
    );
    let (status, _) = error_kind(
        app.call_with(&client(), "verify_email", &[("token", &token)])
            .await,
    )
    .await;
    assert_eq!(status, 409, "a link works once");
    assert_eq!(
        app.sign_in("newcomer@example.org", PASSWORD_NEW)
            .await
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registering_an_address_in_use_looks_the_same_and_tells_only_its_owner() {
    let (app, smtp) = portal().await;
    let fresh = register(&app, &client(), "fresh1", "fresh1@example.org").await;
    let taken = register(&app, &client(), "fresh2", "alice@example.org").await;
    let variant = register(&app, &client(), "fresh3", "Alice+portal@Example.org").await;
    for answer in [&fresh, &taken, &variant] {
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.headers()["location"], "/register/check-email");
    }
    let bodies = [
        fresh.text().await.unwrap(),
        taken.text().await.unwrap(),
        variant.text().await.unwrap(),
    ];
    assert!(
        bodies.iter().all(|b| *b == bodies[0]),
        "the same answer: {bodies:?}"
    );

    let emails = smtp.wait_for(3, WAIT).await;
    assert_eq!(emails.len(), 3, "{emails:?}");
    let to_alice: Vec<_> = emails
        .iter()
        .filter(|e| e.to.contains("alice@example.org"))
        .collect();
    assert_eq!(
        to_alice.len(),
        2,
        "Alice hears of both attempts, at her own address"
    );
    for email in &to_alice {
        assert!(
            email.subject.contains("already have an account"),
            "{}",
            email.subject
        );
        assert!(
            !email.text.contains("verify-email"),
            "no link that would make an account"
        );
    }
    let alice_accounts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM members WHERE mailbox = 'alice@example.org'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(alice_accounts, 1, "no second account for her mailbox");
    assert_eq!(
        app.sign_in("alice@example.org", PASSWORD).await.status(),
        200,
        "her password unchanged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unconfirmed_registration_is_replaced_by_the_next_and_a_suspended_mailbox_gets_nothing()
{
    let (app, smtp) = portal().await;
    // Someone registers an address that is not theirs and never confirms it...
    register(&app, &client(), "squatter", "owner@example.org").await;
    // ...the owner registers it too and confirms: the account is theirs.
    register(&app, &client(), "owner", "owner@example.org").await;
    let emails = smtp.wait_for(2, WAIT).await;
    let token = link_token(&emails[1].text);
    let browser = client();
    assert_eq!(
        app.call_with(&browser, "verify_email", &[("token", &token)])
            .await
            .status(),
        200
    );
    assert_eq!(app.current_handle(&browser).await.as_deref(), Some("owner"));
    let old = link_token(&emails[0].text);
    assert_eq!(
        app.call_with(&client(), "verify_email", &[("token", &old)])
            .await
            .status(),
        409,
        "the first link died with its registration"
    );

    sqlx::query("UPDATE members SET suspended_at = now() WHERE handle = 'owner'")
        .execute(&app.pool)
        .await
        .unwrap();
    let again = register(&app, &client(), "owner2", "Owner+2@example.org").await;
    assert_eq!(again.status(), 200, "the same answer as ever");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        smtp.messages().len(),
        2,
        "nothing sent for a suspended mailbox"
    );
}
