//! Registration, sign-in, sessions and their cookies, against a real PostgreSQL.

use crate::common;

use common::*;

fn registration<'a>(
    name: &'a str,
    handle: &'a str,
    email: &'a str,
    password: &'a str,
) -> [(&'static str, &'a str); 4] {
    [
        ("display_name", name),
        ("handle", handle),
        ("email", email),
        ("password", password),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_member_registers_and_is_signed_in() {
    let app = spawn_app().await;
    let response = app
        .call(
            "register",
            &registration(
                "Chloé Dupont",
                "chloe",
                "Chloe@Example.org",
                "three unrelated words",
            ),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(session_cookie(response.headers()).is_some());
    assert_eq!(
        app.current_handle(&app.client).await.as_deref(),
        Some("chloe")
    );
    let stored: String =
        sqlx::query_scalar("SELECT password_hash FROM members WHERE handle = 'chloe'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(
        stored.starts_with("$argon2id$"),
        "passwords are hashed with argon2id"
    );
    let (status, page) = app.page("/members/chloe").await;
    assert_eq!(status, 200);
    assert!(page.contains("Chloé Dupont"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_refuses_a_taken_handle_or_email_with_a_field_error() {
    let app = spawn_app().await;
    let (status, body) = error_kind(
        app.call(
            "register",
            &registration(
                "Other Alice",
                "alice",
                "new@example.org",
                "three unrelated words",
            ),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["kind"], "invalid");
    assert!(body.to_string().contains("handle"), "{body}");
    assert!(said(&body).contains("That handle is taken"), "{body}");

    let (status, body) = error_kind(
        app.call(
            "register",
            &registration(
                "Other Alice",
                "alice2",
                "ALICE@example.org",
                "three unrelated words",
            ),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(said(&body).contains("already exists"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_refuses_a_weak_password_and_a_bad_email() {
    let app = spawn_app().await;
    let (status, body) = error_kind(
        app.call(
            "register",
            &registration("Dana", "dana", "dana-at-example", "password123"),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    let text = said(&body);
    assert!(text.contains("email address like"), "{text}");
    assert!(text.contains("too easy to guess"), "{text}");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM members WHERE handle = 'dana'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0, "nothing is stored for a refused registration");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_with_the_right_password_sets_a_protected_session_cookie() {
    let app = spawn_app().await;
    let response = app.sign_in("alice@example.org", PASSWORD).await;
    assert_eq!(response.status(), 200);
    let cookie = session_cookie(response.headers()).expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http must not mark the cookie Secure: {cookie}"
    );
    assert_eq!(
        app.current_handle(&app.client).await.as_deref(),
        Some("alice")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_is_secure_when_the_portal_is_served_over_https() {
    let app = spawn_app_with(Some("https://community.example.org")).await;
    let response = app
        .client
        .post(format!("{}/api/sign_in", app.url))
        .form(&[("email", "alice@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = session_cookie(response.headers()).expect("a session cookie");
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_gets_a_clear_message_and_no_session() {
    let app = spawn_app().await;
    let response = app.sign_in("alice@example.org", "not-her-password").await;
    assert!(session_cookie(response.headers()).is_none());
    let (status, body) = error_kind(response).await;
    assert_eq!(status, 422);
    assert_eq!(body["kind"], "bad_credentials");
    // An unknown address gets exactly the same answer: nothing tells which accounts exist.
    let (status, body) =
        error_kind(app.sign_in("nobody@example.org", "whatever-it-is").await).await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (422, Some("bad_credentials"))
    );
    assert_eq!(app.current_handle(&app.client).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_rotates_the_session_id() {
    let app = spawn_app().await;
    let first = session_cookie(app.sign_in("alice@example.org", PASSWORD).await.headers()).unwrap();
    let second =
        session_cookie(app.sign_in("alice@example.org", PASSWORD).await.headers()).unwrap();
    assert_ne!(cookie_value(&first), cookie_value(&second));
    // The replaced session no longer works.
    let stale = client();
    let response = stale
        .post(format!("{}/api/current_member", app.url))
        .header("cookie", format!("portal_session={}", cookie_value(&first)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "null");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    let cookie =
        session_cookie(app.sign_in("alice@example.org", PASSWORD).await.headers()).unwrap();
    let token = cookie_value(&cookie);
    let response = app.call("sign_out", &[]).await;
    assert_eq!(response.status(), 200);
    let cleared = session_cookie(response.headers()).expect("the cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    // Replaying the old cookie does not bring the session back.
    let replay = client()
        .post(format!("{}/api/current_member", app.url))
        .header("cookie", format!("portal_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.text().await.unwrap(), "null");
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_form_post_signs_in_and_redirects_without_javascript() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/api/sign_in", app.url))
        .header("accept", "text/html")
        .form(&[
            ("email", "alice@example.org"),
            ("password", PASSWORD),
            ("next", "/groups"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/groups");
    assert!(session_cookie(response.headers()).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_never_redirects_to_another_site() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/api/sign_in", app.url))
        .header("accept", "text/html")
        .form(&[
            ("email", "alice@example.org"),
            ("password", PASSWORD),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], "/");
}

/// What browsers read as another site (a tab or a newline they drop, a backslash
/// they read as a slash) and what would not fit in a header: the member lands on
/// the home page, and the server answers every one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_refuses_next_values_that_browsers_read_as_another_site() {
    let app = spawn_app().await;
    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\\evil.example",
        "/.//evil.example",
        "/\r\nSet-Cookie: planted=1",
        "https://evil.example/",
    ] {
        let response = app
            .client
            .post(format!("{}/api/sign_in", app.url))
            .header("accept", "text/html")
            .form(&[
                ("email", "alice@example.org"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{next:?}");
        assert_eq!(response.headers()["location"], "/", "{next:?}");
        assert!(response
            .headers()
            .get("set-cookie")
            .is_some_and(|c| !c.to_str().unwrap_or_default().contains("planted")));
    }
}
