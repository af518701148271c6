//! Times in the reader's zone: the browser reports it, the server writes pages in
//! it from then on (the `tz` cookie) and keeps it for emails; a member may choose
//! another (UTC included). Unknown or malformed zones are refused.

use crate::common;

use common::smtp::SmtpServer;
use common::*;
use serde_json::Value;
use std::time::Duration;

async fn note(app: &TestApp, client: &reqwest::Client, zone: &str) -> (u16, Value, Option<String>) {
    let response = app
        .call_with(client, "note_time_zone", &[("zone", zone)])
        .await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("tz="))
        .map(str::to_string);
    let (status, body) = answer(response).await;
    (status, body, cookie)
}

async fn choose(app: &TestApp, client: &reqwest::Client, zone: &str) -> (u16, Value) {
    answer(
        app.call_with(client, "choose_time_zone", &[("zone", zone)])
            .await,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_written_in_the_zone_the_browser_reports_or_the_member_chose() {
    let app = spawn_app().await;
    let alice = app.member("alice").await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Late on a Thursday").await;
    sqlx::query(
        "UPDATE messages SET created_at = '2026-01-15 23:30:00+00' WHERE conversation_id = $1",
    )
    .bind(conversation)
    .execute(&app.pool)
    .await
    .expect("set-up SQL");
    let thread = format!("/conversations/{conversation}");

    // Before the browser has said: UTC, saying so.
    let html = app.page_as(&alice, &thread).await;
    assert!(html.contains("Jan 15, 23:30 UTC"), "UTC at first");
    assert!(
        html.contains(r#"<li class="day-line"><span>Thursday, January 15, 2026</span>"#),
        "the day line in UTC"
    );

    let (status, zone, cookie) = note(&app, &alice, "Asia/Tokyo").await;
    assert_eq!((status, zone.as_str()), (200, Some("Asia/Tokyo")));
    let cookie = cookie.expect("the tz cookie");
    assert!(
        cookie.starts_with("tz=Asia/Tokyo; Path=/; SameSite=Lax"),
        "{cookie}"
    );
    let html = app.page_as(&alice, &thread).await;
    assert!(html.contains(">Jan 16, 08:30<"), "Tokyo time");
    assert!(
        html.contains("Friday, January 16, 2026, 08:30:00 JST"),
        "the full time on hover"
    );
    assert!(
        html.contains(r#"<li class="day-line"><span>Friday, January 16, 2026</span>"#),
        "the day line in Tokyo"
    );
    assert!(!html.contains("23:30 UTC"));
    let kept: Option<String> = sqlx::query_scalar("SELECT time_zone FROM members WHERE id = $1")
        .bind(a)
        .fetch_one(&app.pool)
        .await
        .expect("zone");
    assert_eq!(kept.as_deref(), Some("Asia/Tokyo"), "kept for emails");

    // The member chooses UTC: it wins over what the browser says.
    assert_eq!(choose(&app, &alice, "UTC").await.0, 200);
    let (_, zone, cookie) = note(&app, &alice, "Asia/Tokyo").await;
    assert_eq!(zone, "UTC");
    assert!(cookie.is_some_and(|c| c.starts_with("tz=UTC;")));
    let html = app.page_as(&alice, &thread).await;
    assert!(html.contains(">Jan 15, 23:30<"), "the chosen zone");
    let setting: Value = app
        .call_with(&alice, "get_time_zone", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (setting["zone"].as_str(), setting["chosen"].as_bool()),
        (Some("UTC"), Some(true))
    );
    let zones: Vec<&str> = setting["zones"]
        .as_array()
        .expect("zones")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(zones.first(), Some(&"UTC"));
    assert!(zones.contains(&"Europe/Paris") && zones.contains(&"America/Argentina/Buenos_Aires"));
    assert!(!zones.contains(&"US/Pacific"), "no old aliases");

    // Automatic again: the browser's report counts from then on.
    assert_eq!(choose(&app, &alice, "").await.0, 200);
    let (_, zone, _) = note(&app, &alice, "Europe/Paris").await;
    assert_eq!(zone, "Europe/Paris");

    // Someone signed out: the cookie only, nothing kept.
    let visitor = client();
    let (status, zone, cookie) = note(&app, &visitor, "America/New_York").await;
    assert_eq!((status, zone.as_str()), (200, Some("America/New_York")));
    assert!(cookie.is_some());

    // Zones that do not exist, or are not zones at all.
    for bad in [
        "Mars/Olympus_Mons",
        "Europe/Paris; Path=/x",
        "",
        "../../etc",
    ] {
        let (status, body, cookie) = note(&app, &alice, bad).await;
        assert_eq!(status, 422, "{bad:?}: {body}");
        assert!(cookie.is_none(), "{bad:?} sets no cookie");
        let (status, _) = choose(&app, &alice, bad).await;
        assert_eq!(status, if bad.is_empty() { 200 } else { 422 }, "{bad:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_write_times_in_the_recipients_zone() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with_options(Options {
        public_url: Some("https://portal.example.test".into()),
        smtp_url: Some(smtp.url()),
        batch_seconds: Some(1),
        ..Options::default()
    })
    .await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    assert_eq!(note(&app, &bob, "Asia/Tokyo").await.0, 200);
    start(&app, &alice, a, &[member(b)], "What time is it there?").await;
    let emails = smtp.wait_for(1, Duration::from_secs(15)).await;
    let email = &emails[0];
    assert!(email.text.contains(" JST):"), "{}", email.text);
    assert!(email.html.contains(" JST)"), "{}", email.html);
    assert!(!email.text.contains("UTC"), "{}", email.text);
}
