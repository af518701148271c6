//! Requests the portal refuses: cross-site state changes, oversized bodies.

use crate::common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_post_is_refused() {
    let app = spawn_app().await;
    let browser = bare_client();
    let signed_in = browser
        .post(format!("{}/api/sign_in", app.url))
        .header("origin", app.url.clone())
        .form(&[("email", "alice@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let attempts: [&[(&str, &str)]; 4] = [
        &[("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "same-site")],
        &[("origin", "https://evil.example")],
        // Neither header: no browser the portal trusts with a session sends that.
        &[],
    ];
    for headers in attempts {
        let mut request = browser.post(format!("{}/api/sign_out", app.url));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 403, "{headers:?}");
    }
    // The portal's own pages are allowed, by either header.
    for (name, value) in [
        ("sec-fetch-site", "same-origin"),
        ("origin", app.url.as_str()),
    ] {
        let response = browser
            .post(format!("{}/api/current_member", app.url))
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{name}: {value}");
        let viewer: serde_json::Value = response.json().await.unwrap();
        assert_eq!(viewer["handle"], "alice", "still signed in");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_text_body_is_refused_even_from_the_portals_own_origin() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/api/sign_in", app.url))
        .header("content-type", "text/plain")
        .body("email=alice@example.org&password=portal-demo-pass")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    assert!(session_cookie(response.headers()).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_allow_only_their_own_nonced_scripts_and_nothing_is_cached_or_framed() {
    let app = spawn_app().await;
    let alice = app.member("alice").await;
    let response = alice
        .get(format!("{}/conversations", app.url))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let headers = response.headers().clone();
    let html = response.text().await.unwrap();
    let policy = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy");
    assert!(nonce.len() >= 16, "{policy}");
    for directive in [
        "script-src 'self' 'nonce-",
        "'wasm-unsafe-eval'",
        "style-src 'self';",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    // Every script element of the page carries that nonce or comes from the portal.
    for script in html.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap_or_default();
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")) || tag.contains("src=\"/"),
            "a script without the nonce: <script{tag}>"
        );
    }
    assert!(!html.contains(" style="), "no style attributes");
    assert_eq!(headers["cache-control"], "private, no-store");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(headers["permissions-policy"]
        .to_str()
        .unwrap()
        .contains("camera=()"));
    assert!(
        !headers.contains_key("strict-transport-security"),
        "not over http"
    );
    // A second page gets another nonce.
    let again = alice
        .get(format!("{}/conversations", app.url))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(!again.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains(nonce));
    // Server-function answers are not kept either, and may not be rendered as pages.
    let answer = app.call_with(&alice, "current_member", &[]).await;
    assert_eq!(answer.headers()["cache-control"], "private, no-store");
    assert!(answer.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("default-src 'none'"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_https_browsers_are_told_never_to_use_http() {
    let app = spawn_app_with(Some("https://community.example.org")).await;
    let response = app
        .client
        .get(format!("{}/", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=31536000"
    );
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
    assert!(said(&body).contains("The form was incomplete"), "{body}");
}
