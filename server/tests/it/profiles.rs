//! Members editing their profile: name, bio and handle, and what old links to a
//! changed handle do.

use crate::common::*;
use serde_json::Value;

async fn edit(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    handle: &str,
    bio: &str,
) -> reqwest::Response {
    app.call_with(
        client,
        "edit_profile",
        &[("display_name", name), ("handle", handle), ("bio", bio)],
    )
    .await
}

async fn profile(app: &TestApp, handle: &str) -> Value {
    let response = app.call("get_member_profile", &[("handle", handle)]).await;
    assert_eq!(response.status(), 200, "the profile of {handle}");
    response.json().await.expect("json")
}

/// The field the refusal names, and its message.
async fn field_error(response: reqwest::Response) -> (String, String) {
    let (status, body) = error_kind(response).await;
    assert_eq!(status, 422, "{body}");
    field_messages(&body["detail"])
        .into_iter()
        .next()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_member_edits_their_name_and_bio_and_others_see_them() {
    let app = spawn_app().await;
    let [jose, alice] = app.members(["jose", "alice"]).await;
    let saved = edit(
        &app,
        &jose,
        "  José  A. Álvarez ",
        "jose",
        "Line one\r\nLine two",
    )
    .await;
    assert_eq!(saved.status(), 200);
    assert_eq!(
        saved
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/members/jose")
    );
    let shown = profile(&app, "jose").await;
    assert_eq!(shown["display_name"], "José A. Álvarez");
    assert_eq!(shown["bio"], "Line one\nLine two");
    let own: Value = app
        .call_with(&jose, "get_own_profile", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(own["display_name"], "José A. Álvarez");
    assert_eq!(own["handle_change_on"], Value::Null);
    // The new name is what others find.
    let found: Value = app
        .call_with(&alice, "search_parties", &[("query", "A. Álv")])
        .await
        .json()
        .await
        .expect("json");
    assert!(found.to_string().contains("José A. Álvarez"), "{found}");

    let too_long = "b".repeat(501);
    assert_eq!(
        field_error(edit(&app, &jose, "José", "jose", &too_long).await)
            .await
            .0,
        "bio"
    );
    assert_eq!(
        field_error(edit(&app, &jose, " ", "jose", "").await)
            .await
            .0,
        "display_name"
    );
    assert_eq!(
        field_error(edit(&app, &jose, "José", "jo", "").await)
            .await
            .0,
        "handle"
    );
    assert_eq!(
        profile(&app, "jose").await["bio"],
        "Line one\nLine two",
        "nothing of a refused edit is kept"
    );
}

#[tokio::test]
async fn a_changed_handle_keeps_old_links_working_and_nobody_else_can_take_it() {
    let app = spawn_app().await;
    let [jose, bob] = app.members(["jose", "bob"]).await;
    assert_eq!(
        edit(&app, &jose, "José Álvarez", "jose-a", "")
            .await
            .status(),
        200
    );
    assert_eq!(profile(&app, "jose-a").await["handle"], "jose-a");

    // The old address leads to the new one.
    // As a browser asks for it.
    let old = client()
        .get(format!("{}/members/jose", app.url))
        .header("accept", "text/html")
        .send()
        .await
        .expect("page");
    assert_eq!(old.status(), 302);
    assert_eq!(old.headers()["location"], "/members/jose-a");

    // The old handle stays José's.
    let (field, message) = field_error(edit(&app, &bob, "Bob", "jose", "").await).await;
    assert_eq!(
        (field.as_str(), message.as_str()),
        ("handle", "That handle is taken. Try another one.")
    );
    let registration = app
        .call(
            "register",
            &[
                ("display_name", "Not José"),
                ("handle", "jose"),
                ("email", "not-jose@example.org"),
                ("password", "three unrelated words"),
            ],
        )
        .await;
    assert_eq!(field_error(registration).await.0, "handle");

    // Once in 30 days.
    let (field, message) = field_error(edit(&app, &jose, "José Álvarez", "jose-b", "").await).await;
    assert_eq!(field, "handle");
    assert!(message.contains("30 days"), "{message}");
    let own: Value = app
        .call_with(&jose, "get_own_profile", &[])
        .await
        .json()
        .await
        .expect("json");
    assert!(own["handle_change_on"].is_string(), "{own}");

    // A month later he may take his old handle back; the other one then leads to it.
    sqlx::query(
        "UPDATE members SET handle_changed_at = now() - interval '31 days' WHERE handle = 'jose-a'",
    )
    .execute(&app.pool)
    .await
    .expect("a month later");
    assert_eq!(
        edit(&app, &jose, "José Álvarez", "jose", "").await.status(),
        200
    );
    let old = client()
        .get(format!("{}/members/jose-a", app.url))
        .header("accept", "text/html")
        .send()
        .await
        .expect("page");
    assert_eq!(old.headers()["location"], "/members/jose");
    let (status, _) = app.page("/members/nobody-ever").await;
    assert_eq!(status, 404, "an address nobody had is still a 404");
}
