//! Requests the portal refuses: cross-site state changes, oversized bodies.

use crate::common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_post_is_refused() {
    let app = spawn_app().await;
    app.sign_in("alice@example.org", PASSWORD).await;
    for (header, value) in [
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://evil.example"),
    ] {
        let response = app
            .client
            .post(format!("{}/api/sign_out", app.url))
            .header(header, value)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{header}: {value}");
    }
    assert_eq!(
        app.current_handle(&app.client).await.as_deref(),
        Some("alice"),
        "still signed in"
    );
    // The portal's own pages are allowed.
    let response = app
        .client
        .post(format!("{}/api/sign_out", app.url))
        .header("sec-fetch-site", "same-origin")
        .header("origin", app.url.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_refused_with_413() {
    let app = spawn_app().await;
    let huge = "x".repeat(server::router::BODY_LIMIT_BYTES + 1);
    let response = app.sign_in(&huge, "whatever").await;
    assert_eq!(response.status(), 413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_server_function_call_gets_a_readable_error() {
    let app = spawn_app().await;
    let (_, body) = error_kind(app.call("sign_in", &[("nonsense", "1")]).await).await;
    assert_eq!(body["kind"], "invalid", "{body}");
    assert!(
        body.to_string().contains("The form was incomplete"),
        "{body}"
    );
}
