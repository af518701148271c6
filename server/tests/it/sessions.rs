//! A member's sessions: seen with the browser they came from, ended one by one or
//! all but this one, capped per account, expiring when idle and at a maximum age;
//! and a password change, which needs the current password and ends the others.

use crate::common::*;
use serde_json::Value;

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const SAFARI_PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

/// Alice signed in from a browser that says it is `user_agent`.
async fn alice_from(app: &TestApp, user_agent: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("sec-fetch-site", "same-origin".parse().unwrap());
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .user_agent(user_agent)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = app
        .call_with(
            &client,
            "sign_in",
            &[("email", "alice@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), 200);
    client
}

async fn sessions(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    let response = app.call_with(client, "list_sessions", &[]).await;
    assert_eq!(response.status(), 200);
    response.json::<Vec<Value>>().await.unwrap()
}

async fn signed_in(app: &TestApp, client: &reqwest::Client) -> bool {
    app.current_handle(client).await.is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_sees_their_sessions_and_signs_one_out() {
    let app = spawn_app().await;
    let laptop = alice_from(&app, FIREFOX).await;
    let phone = alice_from(&app, SAFARI_PHONE).await;
    let list = sessions(&app, &laptop).await;
    assert_eq!(list.len(), 2, "{list:?}");
    let this = list
        .iter()
        .find(|s| s["current"] == true)
        .expect("this browser is marked");
    assert_eq!(this["device"], "Firefox on Linux");
    let other = list
        .iter()
        .find(|s| s["current"] == false)
        .expect("the other session");
    assert_eq!(other["device"], "Safari on iPhone");
    for session in &list {
        assert!(
            session.get("token_hash").is_none(),
            "no secret in the list: {session}"
        );
    }

    // Bob cannot end Alice's session by its number: as if it did not exist.
    let bob = app.member("bob").await;
    let id = other["id"].as_i64().unwrap().to_string();
    let (status, _) = error_kind(app.call_with(&bob, "end_session", &[("id", &id)]).await).await;
    assert_eq!(status, 404);
    assert!(signed_in(&app, &phone).await, "still signed in");

    let response = app.call_with(&laptop, "end_session", &[("id", &id)]).await;
    assert_eq!(response.status(), 200);
    assert!(!signed_in(&app, &phone).await, "the phone is signed out");
    assert!(signed_in(&app, &laptop).await, "the laptop is not");
    assert_eq!(sessions(&app, &laptop).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_everywhere_else_keeps_only_this_browser() {
    let app = spawn_app().await;
    let clients = [
        alice_from(&app, FIREFOX).await,
        alice_from(&app, SAFARI_PHONE).await,
        alice_from(&app, "curl/8").await,
    ];
    let response = app.call_with(&clients[0], "end_other_sessions", &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), 2, "two ended");
    assert!(signed_in(&app, &clients[0]).await);
    assert!(!signed_in(&app, &clients[1]).await);
    assert!(!signed_in(&app, &clients[2]).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_keeps_at_most_twenty_sessions_ending_the_least_recently_used() {
    let app = spawn_app().await;
    let first = alice_from(&app, FIREFOX).await;
    let alice = app.id_of("alice").await;
    sqlx::query("UPDATE sessions SET last_used_at = now() - interval '1 day' WHERE member_id = $1")
        .bind(alice)
        .execute(&app.pool)
        .await
        .unwrap();
    for _ in 0..app::backend::auth::SESSIONS_PER_MEMBER {
        app::backend::auth::create_session(&app.pool, alice, 30, "script")
            .await
            .unwrap();
    }
    let count: i64 = scalar(
        &app,
        "SELECT count(*) FROM sessions WHERE member_id = $1",
        alice,
    )
    .await;
    assert_eq!(count, app::backend::auth::SESSIONS_PER_MEMBER);
    assert!(
        !signed_in(&app, &first).await,
        "the least recently used ended"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn use_moves_the_idle_expiry_on_but_never_past_the_maximum() {
    let app = spawn_app().await;
    let laptop = alice_from(&app, FIREFOX).await;
    let alice = app.id_of("alice").await;
    // Last used ten minutes ago, with a 30-day idle window and an hour to its maximum.
    sqlx::query(
        "UPDATE sessions SET last_used_at = now() - interval '10 minutes',
                             expires_at = now() + interval '30 days' - interval '10 minutes',
                             absolute_expires_at = now() + interval '1 hour'
         WHERE member_id = $1",
    )
    .bind(alice)
    .execute(&app.pool)
    .await
    .unwrap();
    assert!(signed_in(&app, &laptop).await);
    let (used_secs_ago, expires_in_secs): (f64, f64) = sqlx::query_as(
        "SELECT extract(epoch FROM now() - last_used_at)::float8,
                extract(epoch FROM expires_at - now())::float8 FROM sessions WHERE member_id = $1",
    )
    .bind(alice)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(used_secs_ago < 60.0, "the use is recorded: {used_secs_ago}");
    assert!(
        (3_000.0..=3_600.0).contains(&expires_in_secs),
        "capped at the maximum an hour away: {expires_in_secs}"
    );

    // Idle past its window, the session is over.
    sqlx::query(
        "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE member_id = $1",
    )
    .bind(alice)
    .execute(&app.pool)
    .await
    .unwrap();
    assert!(!signed_in(&app, &laptop).await);
}

async fn change_password(
    app: &TestApp,
    client: &reqwest::Client,
    current: &str,
    new: &str,
) -> reqwest::Response {
    app.call_with(
        client,
        "change_password",
        &[("current_password", current), ("new_password", new)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_needs_the_current_one_and_signs_out_the_other_sessions() {
    let app = spawn_app().await;
    let laptop = alice_from(&app, FIREFOX).await;
    let phone = alice_from(&app, SAFARI_PHONE).await;
    const NEW: &str = "lantern harbour quietly";

    let (status, body) =
        error_kind(change_password(&app, &laptop, "not-my-password", NEW).await).await;
    assert_eq!(status, 422);
    assert!(
        said(&body).contains("That is not your current password."),
        "{body}"
    );

    let (status, body) =
        error_kind(change_password(&app, &laptop, PASSWORD, "Password123!").await).await;
    assert_eq!(status, 422);
    assert!(
        said(&body).contains("That password is too easy to guess."),
        "{body}"
    );
    assert!(signed_in(&app, &phone).await, "nothing changed yet");

    let response = change_password(&app, &laptop, PASSWORD, NEW).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        1,
        "one other session ended"
    );
    assert!(
        signed_in(&app, &laptop).await,
        "this browser stays signed in"
    );
    assert!(!signed_in(&app, &phone).await, "the phone is signed out");
    assert_eq!(
        app.sign_in("alice@example.org", PASSWORD).await.status(),
        422,
        "the old password is gone"
    );
    assert_eq!(
        app.sign_in("alice@example.org", NEW).await.status(),
        200,
        "the new one works"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_the_current_password_is_throttled_like_signing_in() {
    let app = spawn_app().await;
    let laptop = alice_from(&app, FIREFOX).await;
    let mut statuses = Vec::new();
    for i in 0..8 {
        let response = change_password(
            &app,
            &laptop,
            &format!("guess-number-{i}"),
            "lantern harbour quietly",
        )
        .await;
        statuses.push(response.status().as_u16());
    }
    assert_eq!(&statuses[..5], [422; 5], "{statuses:?}");
    assert!(
        statuses[5..].iter().all(|s| *s == 429),
        "then refused unchecked: {statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_security_page_lists_the_sessions_and_works_without_javascript() {
    let app = spawn_app().await;
    let laptop = alice_from(&app, FIREFOX).await;
    let _phone = alice_from(&app, SAFARI_PHONE).await;
    let page = laptop
        .get(format!("{}/settings/security", app.url))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = without_markers(&page.text().await.unwrap());
    assert!(
        html.contains("Firefox on Linux") && html.contains("This browser"),
        "the list"
    );
    assert!(html.contains("Safari on iPhone"));
    assert!(html.contains("Sign out the 1 other session"));

    let response = laptop
        .post(format!("{}/api/change_password", app.url))
        .header("accept", "text/html")
        .header("referer", format!("{}/settings/security", app.url))
        .form(&[
            ("current_password", PASSWORD),
            ("new_password", "lantern harbour quietly"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/settings/security?changed=1"
    );
    let (_, html) = {
        let page = laptop
            .get(format!("{}/settings/security?changed=1", app.url))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        (page.status(), without_markers(&page.text().await.unwrap()))
    };
    assert!(
        html.contains("Your password is changed"),
        "said on the page"
    );
    assert!(
        !html.contains("Safari on iPhone"),
        "the other session is gone"
    );
}
