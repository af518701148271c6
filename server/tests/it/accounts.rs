//! A member's account as a whole: deleting it (what the others then see, what
//! is kept, what is refused) and downloading their data.

use crate::common;

use common::smtp::SmtpServer;
use common::*;
use serde_json::Value;
use std::io::Read;
use std::time::Duration;

async fn delete(app: &TestApp, client: &reqwest::Client, password: &str) -> reqwest::Response {
    client
        .post(format!("{}/api/delete_account", app.url))
        .form(&[("current_password", password)])
        .send()
        .await
        .expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_account_leaves_its_messages_under_deleted_member_and_nothing_else() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with_options(Options {
        smtp_url: Some(smtp.url()),
        ..Options::default()
    })
    .await;
    let [alice, jose, ngozi] = app.members(["alice", "jose", "ngozi"]).await;
    let [alice_id, jose_id, bob_id] = app.ids(["alice", "jose", "bob"]).await;
    let one_to_one = start(&app, &jose, jose_id, &[member(alice_id)], "Hello Alice").await;
    reply(
        &app,
        &alice,
        one_to_one,
        "Hi José, a message of mine to keep",
    )
    .await;
    let of_three = start(
        &app,
        &jose,
        jose_id,
        &[member(alice_id), member(bob_id)],
        "Three of us",
    )
    .await;
    let reported = reply(&app, &alice, of_three, "Something to report").await;
    let filed = app
        .call_with(
            &jose,
            "report_message",
            &[("message", &reported.to_string()), ("reason", "spam")],
        )
        .await;
    assert_eq!(filed.status(), 200);

    // A browser that gets her pushes, and her time zone.
    sqlx::query(
        "INSERT INTO push_subscriptions (member_id, endpoint, p256dh, auth, device)
         VALUES ($1, 'https://fcm.googleapis.com/fcm/send/alice', repeat('B', 87), repeat('A', 22), 'Chrome on Android')",
    )
    .bind(alice_id)
    .execute(&app.pool)
    .await
    .expect("set-up SQL");
    assert_eq!(
        app.call_with(&alice, "note_time_zone", &[("zone", "Europe/Madrid")])
            .await
            .status(),
        200
    );

    // The password confirms it; a wrong one changes nothing.
    let refused = delete(&app, &alice, "not my password at all").await;
    assert_eq!(refused.status(), 422);
    assert_eq!(app.current_handle(&alice).await.as_deref(), Some("alice"));

    let done = delete(&app, &alice, PASSWORD).await;
    assert_eq!(done.status(), 200);
    assert_eq!(done.headers()["location"], "/account-deleted");
    // Signed out here and everywhere; the password no longer opens anything.
    assert_eq!(app.current_handle(&alice).await, None);
    assert_eq!(
        app.sign_in("alice@example.org", PASSWORD).await.status(),
        422
    );

    // The others still read what she wrote, under "Deleted member", never linked.
    let thread = open_thread(&app, &jose, one_to_one).await;
    let text = thread.to_string();
    assert!(text.contains("a message of mine to keep"), "{text}");
    assert!(text.contains("Deleted member"), "{text}");
    let others = thread["others"].to_string();
    assert!(
        others.contains("Deleted member") && !others.contains("Alice"),
        "{others}"
    );
    assert!(thread["read_only"].as_str().is_some(), "{text}");
    // The one-to-one conversation takes no new message; the one of three does.
    let answer = app
        .call_with(
            &jose,
            "send_message",
            &[
                ("conversation", &one_to_one.to_string()),
                ("body", "Are you there?"),
                ("key", &fresh_key()),
            ],
        )
        .await;
    assert_eq!(answer.status(), 409);
    reply(&app, &jose, of_three, "Still talking, the two of us").await;
    assert_eq!(
        open_thread(&app, &jose, of_three).await["read_only"],
        Value::Null
    );

    // Nobody finds her or starts a conversation with her; her profile is gone.
    let found: Value = app
        .call_with(&jose, "search_parties", &[("query", "alice")])
        .await
        .json()
        .await
        .expect("json");
    assert!(!found.to_string().contains(&member(alice_id)), "{found}");
    assert_eq!(
        try_start(&app, &jose, jose_id, &[member(alice_id)], "Again?")
            .await
            .status(),
        422
    );
    assert_eq!(app.page("/members/alice").await.0, 404);
    let (_, directory) = app.page("/members?q=alice").await;
    assert!(!directory.contains("/members/alice\""), "{directory}");

    // The report keeps who wrote the message.
    let queue: Value = app
        .call_with(&ngozi, "moderation_queue", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        queue[0]["author_deleted"],
        serde_json::json!({"name": "Alice Martin", "handle": "alice"}),
        "{queue}"
    );
    let page = without_markers(&app.page_as(&ngozi, "/moderation").await);
    assert!(
        page.contains("Alice Martin (@alice, deleted their account)"),
        "{page}"
    );
    // Her email and name are gone from the row; the address is free again.
    let email: String = scalar(&app, "SELECT email FROM members WHERE id = $1", alice_id).await;
    assert!(!email.contains("alice"), "{email}");
    // So are her browsers for pushes and her time zone.
    let browsers: i64 = scalar(
        &app,
        "SELECT count(*) FROM push_subscriptions WHERE member_id = $1",
        alice_id,
    )
    .await;
    assert_eq!(browsers, 0);
    let zone: Option<String> = scalar(
        &app,
        "SELECT time_zone FROM members WHERE id = $1",
        alice_id,
    )
    .await;
    assert_eq!(zone, None);
    // The last email she gets says it was done.
    let emails = smtp.wait_for(1, Duration::from_secs(15)).await;
    assert!(
        emails
            .iter()
            .any(|e| e.to.contains("alice@example.org") && e.text.contains("deleted")),
        "{emails:?}"
    );
}

#[tokio::test]
async fn the_only_manager_of_a_group_with_members_is_asked_to_appoint_one_first() {
    let app = spawn_app().await;
    let [alice, jose] = app.members(["alice", "jose"]).await;
    let made = app
        .call_with(
            &alice,
            "create_group",
            &[
                ("name", "Alice's circle"),
                ("slug", "alices-circle"),
                ("access", "open"),
            ],
        )
        .await;
    assert_eq!(made.status(), 200);
    let solo = app
        .call_with(
            &jose,
            "create_group",
            &[
                ("name", "José alone"),
                ("slug", "jose-alone"),
                ("access", "open"),
            ],
        )
        .await;
    assert_eq!(solo.status(), 200);
    let joined = app
        .call_with(&jose, "join_group", &[("slug", "alices-circle")])
        .await;
    assert_eq!(joined.status(), 200);

    let refused = delete(&app, &alice, PASSWORD).await;
    let (status, body) = error_kind(refused).await;
    assert_eq!(status, 409);
    assert!(body.to_string().contains("Alice's circle"), "{body}");
    assert_eq!(app.current_handle(&alice).await.as_deref(), Some("alice"));

    // A group nobody else is in closes with its only member.
    assert_eq!(delete(&app, &jose, PASSWORD).await.status(), 200);
    let closed: bool = scalar(
        &app,
        "SELECT closed_at IS NOT NULL FROM groups WHERE id = $1",
        app.group_id("jose-alone").await,
    )
    .await;
    assert!(closed);
    // And José left Alice's circle with it, so she may go now.
    assert_eq!(delete(&app, &alice, PASSWORD).await.status(), 200);
}

fn unzip_json(bytes: &[u8]) -> Value {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP file");
    assert_eq!(archive.len(), 1, "one file");
    let mut file = archive.by_name("data.json").expect("data.json");
    let mut text = String::new();
    file.read_to_string(&mut text).expect("UTF-8 JSON");
    serde_json::from_str(&text).expect("JSON")
}

#[tokio::test]
async fn download_my_data_is_a_zip_of_what_the_member_may_see() {
    let app = spawn_app().await;
    let [alice, jose] = app.members(["alice", "jose"]).await;
    let [alice_id, jose_id, bob_id] = app.ids(["alice", "jose", "bob"]).await;
    let theirs = start(
        &app,
        &jose,
        jose_id,
        &[member(alice_id)],
        "For Alice's export",
    )
    .await;
    let not_hers = start(
        &app,
        &jose,
        jose_id,
        &[member(bob_id)],
        "Between José and Bob",
    )
    .await;
    let reported = reply(&app, &jose, theirs, "A message Alice reports").await;
    let filed = app
        .call_with(
            &alice,
            "report_message",
            &[
                ("message", &reported.to_string()),
                ("reason", "other"),
                ("note", "why I reported"),
            ],
        )
        .await;
    assert_eq!(filed.status(), 200);

    let response = alice
        .get(format!("{}/settings/account/data.zip", app.url))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap_or_default()
        .starts_with("attachment"));
    assert_eq!(response.headers()["cache-control"], "no-store");
    let data = unzip_json(&response.bytes().await.expect("body"));
    assert_eq!(data["profile"]["handle"], "alice");
    assert_eq!(data["profile"]["email"], "alice@example.org");
    assert!(data["settings"]["email_notifications"].is_string());
    let conversations = data["conversations"].as_array().expect("a list");
    let exported = conversations
        .iter()
        .find(|c| c["id"] == theirs)
        .expect("her conversation with José");
    assert!(exported.to_string().contains("For Alice's export"));
    assert!(
        !conversations.iter().any(|c| c["id"] == not_hers),
        "nothing she cannot open"
    );
    assert!(!data.to_string().contains("Between José and Bob"));
    assert_eq!(data["reports_filed"][0]["note"], "why I reported");
    assert!(!data["sessions"].as_array().expect("sessions").is_empty());
    assert!(
        data["push_browsers"].as_array().is_some(),
        "the browsers that get pushes: {data}"
    );

    // Only for the signed-in member: anyone else is sent to sign in.
    let anonymous = bare_client()
        .get(format!("{}/settings/account/data.zip", app.url))
        .send()
        .await
        .expect("request");
    assert_eq!(anonymous.status(), 303);
    assert!(anonymous.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .starts_with("/sign-in"));
}

/// The token of the link in an email's text.
fn link_token(text: &str, marker: &str) -> String {
    let start = text.find(marker).expect("a link") + marker.len();
    text[start..start + 64].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_email_counts_once_its_link_is_opened_and_the_old_address_is_told() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with_options(Options {
        public_url: Some("https://portal.example.test".into()),
        smtp_url: Some(smtp.url()),
        ..Options::default()
    })
    .await;
    let jose = app.member("jose").await;
    let ask = |email: &'static str, password: &'static str| {
        let (url, jose) = (app.url.clone(), jose.clone());
        async move {
            jose.post(format!("{url}/api/request_email_change"))
                .form(&[("new_email", email), ("current_password", password)])
                .send()
                .await
                .expect("request")
        }
    };
    assert_eq!(
        ask("jose.new@example.org", "wrong password here")
            .await
            .status(),
        422
    );
    assert_eq!(ask("not an address", PASSWORD).await.status(), 422);
    assert_eq!(
        ask("jose@example.org", PASSWORD).await.status(),
        422,
        "the same address"
    );
    assert_eq!(ask("jose.new@example.org", PASSWORD).await.status(), 200);

    let emails = smtp.wait_for(2, Duration::from_secs(15)).await;
    let link = emails
        .iter()
        .find(|e| e.to.contains("jose.new@example.org"))
        .expect("the link goes to the new address");
    let told = emails
        .iter()
        .find(|e| e.to.contains("jose@example.org"))
        .expect("the old address is told");
    assert!(told.text.contains("jose.new@example.org"), "{}", told.text);
    // Nothing changes before the link is opened.
    let account: Value = app
        .call_with(&jose, "get_account", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(account["email"], "jose@example.org");
    assert_eq!(account["pending_email"], "jose.new@example.org");

    let token = link_token(&link.text, "/confirm-email?token=");
    let confirm = |token: String| {
        let url = app.url.clone();
        async move {
            client()
                .post(format!("{url}/api/confirm_email_change"))
                .form(&[("token", token)])
                .send()
                .await
                .expect("request")
        }
    };
    assert_eq!(confirm(token.clone()).await.status(), 200);
    assert_eq!(confirm(token).await.status(), 409, "a link works once");
    assert_eq!(
        app.sign_in("jose.new@example.org", PASSWORD).await.status(),
        200
    );
    assert_eq!(
        app.sign_in("jose@example.org", PASSWORD).await.status(),
        422
    );
    let after = smtp.wait_for(3, Duration::from_secs(15)).await;
    assert!(
        after.iter().any(|e| e.to.contains("jose@example.org")
            && e.text.contains("now uses jose.new@example.org")),
        "{after:?}"
    );

    // An address another account has is refused when its link is opened, and
    // only the holder of that mailbox sees why.
    assert_eq!(ask("alice@example.org", PASSWORD).await.status(), 200);
    let emails = smtp.wait_for(5, Duration::from_secs(15)).await;
    let to_alice = emails
        .iter()
        .find(|e| e.to.contains("alice@example.org"))
        .expect("the link goes to that address");
    let answer = confirm(link_token(&to_alice.text, "/confirm-email?token=")).await;
    assert_eq!(answer.status(), 409);
    assert_eq!(
        app.sign_in("jose.new@example.org", PASSWORD).await.status(),
        200
    );
}
