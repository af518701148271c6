//! A forgotten password: the link by email (only to a real account, the same
//! answer for everyone, at most 3 an hour), used once, ending every session.
//! Against a real SMTP server, whose received emails the tests read.

use crate::common;

use common::smtp::SmtpServer;
use common::*;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(15);
const NEW_PASSWORD: &str = "copper kettle morning drizzle";

async fn portal() -> (TestApp, SmtpServer) {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with_options(Options {
        public_url: Some("https://portal.example.test".into()),
        smtp_url: Some(smtp.url()),
        ..Options::default()
    })
    .await;
    (app, smtp)
}

/// The token of the reset link in an email's text.
fn link_token(text: &str) -> String {
    let marker = "/reset-password?token=";
    let start = text.find(marker).expect("a reset link") + marker.len();
    text[start..start + 64].to_string()
}

async fn ask(app: &TestApp, email: &str) -> reqwest::Response {
    client()
        .post(format!("{}/api/request_password_reset", app.url))
        .form(&[("email", email)])
        .send()
        .await
        .expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_link_sets_a_new_password_once_and_ends_every_session() {
    let (app, smtp) = portal().await;
    let alice = app.member("alice").await;
    assert_eq!(app.current_handle(&alice).await.as_deref(), Some("alice"));

    // The same answer for an account and for nobody; only the account gets mail.
    for address in ["alice@example.org", "nobody-here@example.org"] {
        let answer = ask(&app, address).await;
        assert_eq!(answer.status(), 200, "{address}");
        assert_eq!(answer.headers()["location"], "/forgot-password/sent");
        assert_eq!(answer.text().await.expect("body"), "null");
    }
    let emails = smtp.wait_for(1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let emails_now = smtp.messages();
    assert_eq!(emails_now.len(), 1, "one email, to the account: {emails:?}");
    assert!(emails_now[0].to.contains("alice@example.org"));
    let token = link_token(&emails_now[0].text);
    let stored: i64 = scalar(
        &app,
        "SELECT count(*) FROM password_resets WHERE member_id = $1",
        app.id_of("alice").await,
    )
    .await;
    assert_eq!(stored, 1);
    let plain: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM password_resets WHERE token_hash = convert_to($1, 'UTF8')",
    )
    .bind(&token)
    .fetch_one(&app.pool)
    .await
    .expect("count");
    assert_eq!(plain, 0, "only the token's hash is stored");

    // A weak password is refused and the link still works.
    let browser = client();
    let weak = app
        .call_with(
            &browser,
            "reset_password",
            &[("token", &token), ("password", "alice12345")],
        )
        .await;
    assert_eq!(weak.status(), 422);
    let done = app
        .call_with(
            &browser,
            "reset_password",
            &[("token", &token), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(done.status(), 200);
    assert_eq!(done.headers()["location"], "/");
    assert_eq!(
        app.current_handle(&browser).await.as_deref(),
        Some("alice"),
        "this browser is signed in"
    );
    assert_eq!(
        app.current_handle(&alice).await,
        None,
        "every other session ended"
    );
    assert_eq!(
        app.sign_in("alice@example.org", NEW_PASSWORD)
            .await
            .status(),
        200
    );

    let again = app
        .call_with(
            &client(),
            "reset_password",
            &[("token", &token), ("password", "another fresh pass phrase")],
        )
        .await;
    assert_eq!(again.status(), 409, "a link works once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_gets_at_most_three_links_an_hour() {
    let (app, smtp) = portal().await;
    for _ in 0..6 {
        assert_eq!(ask(&app, "bob@example.org").await.status(), 200);
    }
    smtp.wait_for(3, WAIT).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(smtp.messages().len(), 3);
    let bad = ask(&app, "not an address").await;
    assert_eq!(bad.status(), 422, "a malformed address is said");
}
