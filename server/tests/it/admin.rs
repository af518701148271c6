//! `/admin`: roles, suspensions, closing a group, appointing a manager, the
//! site's settings (shared by every instance, applied without a restart),
//! invitations, and the audit log that records each of them.

use crate::common::*;
use serde_json::Value;

async fn ok(
    app: &TestApp,
    client: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> Value {
    let response = app.call_with(client, endpoint, form).await;
    let status = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(status, 200, "{endpoint}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn audit_log(app: &TestApp, admin: &reqwest::Client) -> String {
    ok(app, admin, "moderation_log", &[]).await.to_string()
}

#[tokio::test]
async fn an_administrator_makes_a_moderator_suspends_and_lifts_and_it_is_logged() {
    let app = spawn_app().await;
    let [lars, jose] = app.members(["lars", "jose"]).await;
    // Only administrators.
    assert_eq!(
        app.call_with(&jose, "admin_members", &[]).await.status(),
        403
    );
    assert_eq!(
        app.call_with(
            &jose,
            "admin_set_role",
            &[("handle", "jose"), ("role", "admin")]
        )
        .await
        .status(),
        403
    );

    let found = ok(&app, &lars, "admin_members", &[("query", "jose")]).await;
    assert!(found.to_string().contains("jose@example.org"), "{found}");

    // Moderator: the review queue opens for José at once, and closes again.
    assert_eq!(
        app.call_with(&jose, "moderation_queue", &[]).await.status(),
        403
    );
    ok(
        &app,
        &lars,
        "admin_set_role",
        &[("handle", "jose"), ("role", "moderator")],
    )
    .await;
    assert_eq!(
        app.call_with(&jose, "moderation_queue", &[]).await.status(),
        200
    );
    ok(
        &app,
        &lars,
        "admin_set_role",
        &[("handle", "jose"), ("role", "member")],
    )
    .await;
    assert_eq!(
        app.call_with(&jose, "moderation_queue", &[]).await.status(),
        403
    );
    // Nobody changes their own role.
    let own = app
        .call_with(
            &lars,
            "admin_set_role",
            &[("handle", "lars"), ("role", "member")],
        )
        .await;
    assert_eq!(own.status(), 409);

    // Suspended: signed out everywhere, cannot sign in; lifted: can again.
    ok(
        &app,
        &lars,
        "admin_suspend",
        &[("handle", "jose"), ("note", "spam wave")],
    )
    .await;
    assert_eq!(app.current_handle(&jose).await, None);
    assert_eq!(
        app.sign_in("jose@example.org", PASSWORD).await.status(),
        422
    );
    let listed = ok(&app, &lars, "admin_members", &[("query", "jose")]).await;
    assert_eq!(listed["members"][0]["suspended"], true, "{listed}");
    ok(&app, &lars, "admin_lift_suspension", &[("handle", "jose")]).await;
    assert_eq!(
        app.sign_in("jose@example.org", PASSWORD).await.status(),
        200
    );
    // An administrator is not suspended.
    let [ngozi] = app.members(["ngozi"]).await;
    ok(
        &app,
        &lars,
        "admin_set_role",
        &[("handle", "ngozi"), ("role", "admin")],
    )
    .await;
    assert_eq!(
        app.call_with(&ngozi, "admin_suspend", &[("handle", "lars")])
            .await
            .status(),
        409
    );

    let log = audit_log(&app, &lars).await;
    for said in [
        "set_role",
        // (The demo's administrator made Ngozi a moderator; this is José going back.)
        "moderator → member",
        "\"suspend\"",
        "spam wave",
        "lift_suspension",
    ] {
        assert!(log.contains(said), "the log says {said}: {log}");
    }
}

#[tokio::test]
async fn a_closed_group_keeps_its_conversations_readable_and_takes_nothing_new() {
    let app = spawn_app().await;
    let [lars, jose] = app.members(["lars", "jose"]).await;
    let jose_id = app.id_of("jose").await;
    let events = app.group_id("events").await;
    let conversation = start(&app, &jose, jose_id, &[group(events)], "Hello events team").await;

    ok(
        &app,
        &lars,
        "admin_close_group",
        &[("slug", "events"), ("note", "merged into marketing")],
    )
    .await;
    let thread = open_thread(&app, &jose, conversation).await;
    assert!(thread.to_string().contains("Hello events team"));
    assert!(
        thread["read_only"]
            .as_str()
            .unwrap_or_default()
            .contains("closed"),
        "{thread}"
    );
    let refused = app
        .call_with(
            &jose,
            "send_message",
            &[
                ("conversation", &conversation.to_string()),
                ("body", "Anyone?"),
                ("key", &fresh_key()),
            ],
        )
        .await;
    assert_eq!(refused.status(), 409);
    // Gone from the directory and search; nobody joins or writes to it.
    let directory = ok(&app, &jose, "list_groups", &[]).await;
    assert!(!directory.to_string().contains("\"events\""), "{directory}");
    assert_eq!(
        try_start(&app, &jose, jose_id, &[group(events)], "New one")
            .await
            .status(),
        422
    );
    assert_eq!(
        app.call_with(&jose, "join_group", &[("slug", "events")])
            .await
            .status(),
        404
    );
    let (status, page) = app.page("/groups/events").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("An administrator closed this group"),
        "{page}"
    );
    assert!(audit_log(&app, &lars).await.contains("close_group"));
}

#[tokio::test]
async fn an_administrator_appoints_a_manager_who_then_answers_for_the_group() {
    let app = spawn_app().await;
    let [lars, jose, bob] = app.members(["lars", "jose", "bob"]).await;
    let [jose_id] = app.ids(["jose"]).await;
    let docs = app.group_id("documentation").await;
    let conversation = start(
        &app,
        &jose,
        jose_id,
        &[group(docs)],
        "Question for the docs team",
    )
    .await;
    // Bob is no manager of it: the conversation does not exist for him.
    assert_eq!(
        app.call_with(&bob, "get_thread", &[("id", &conversation.to_string())])
            .await
            .status(),
        404
    );
    let refused = app
        .call_with(
            &lars,
            "admin_appoint_manager",
            &[("slug", "documentation"), ("handle", "nobody-here")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    ok(
        &app,
        &lars,
        "admin_appoint_manager",
        &[("slug", "documentation"), ("handle", "bob")],
    )
    .await;
    reply(&app, &bob, conversation, "Answering for the docs team").await;
    let log = audit_log(&app, &lars).await;
    assert!(
        log.contains("appoint_manager") && log.contains("Documentation"),
        "{log}"
    );
}

#[tokio::test]
async fn site_settings_apply_on_every_instance_without_a_restart() {
    let app = spawn_app().await;
    let other = app.another_instance(&Options::default()).await;
    let [lars] = app.members(["lars"]).await;
    let jose = other.member("jose").await;
    let [jose_id, alice_id] = app.ids(["jose", "alice"]).await;
    let conversation = start(&other, &jose, jose_id, &[member(alice_id)], "First").await;

    let bad = app
        .call_with(
            &lars,
            "save_site_settings",
            &[
                ("registration", "open"),
                ("messages_per_minute", "0"),
                ("conversations_per_hour", "10"),
                ("email_batch_minutes", "5"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    ok(
        &app,
        &lars,
        "save_site_settings",
        &[
            ("registration", "invitation"),
            ("messages_per_minute", "2"),
            ("conversations_per_hour", "10"),
            ("email_batch_minutes", "7"),
        ],
    )
    .await;
    let shown = ok(&app, &lars, "get_site_settings", &[]).await;
    assert_eq!(shown["messages_per_minute"], 2);
    assert_eq!(shown["email_batch_seconds"], 420);
    // The other instance applies the new limit at once: the "First" message and one
    // more are two in this minute; a third is refused.
    reply(&other, &jose, conversation, "Second").await;
    let third = other
        .call_with(
            &jose,
            "send_message",
            &[
                ("conversation", &conversation.to_string()),
                ("body", "Third"),
                ("key", &fresh_key()),
            ],
        )
        .await;
    assert_eq!(third.status(), 429);
    // And the members' notification settings speak of the new window.
    let settings = ok(&other, &jose, "get_notification_settings", &[]).await;
    assert_eq!(settings["batch_minutes"], 7);

    // Registration is by invitation now: refused without a link, once with one.
    let register = |invitation: &'static str, handle: &'static str| {
        let url = other.url.clone();
        async move {
            client()
                .post(format!("{url}/api/register"))
                .form(&[
                    ("display_name", "Invited Person"),
                    ("handle", handle),
                    ("email", &format!("{handle}@example.org")),
                    ("password", "quiet-harbour-lantern-97"),
                    ("invitation", invitation),
                ])
                .send()
                .await
                .expect("request")
        }
    };
    assert_eq!(register("", "uninvited").await.status(), 409);
    let link = ok(
        &app,
        &lars,
        "admin_create_invitation",
        &[("note", "for Kim")],
    )
    .await;
    let link = link.as_str().expect("a link").to_string();
    let token: &'static str = Box::leak(
        link.split("invitation=")
            .nth(1)
            .expect("the token in the link")
            .to_string()
            .into_boxed_str(),
    );
    assert_eq!(register(token, "invited1").await.status(), 200);
    assert_eq!(register(token, "invited2").await.status(), 409, "one use");
    let log = audit_log(&app, &lars).await;
    assert!(
        log.contains("change_settings") && log.contains("\"invite\""),
        "{log}"
    );
}
