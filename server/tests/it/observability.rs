//! What an operator relies on: readiness, request ids, metrics behind a token,
//! and a server that refuses to start on a malformed setting.

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_says_ready_until_the_instance_shuts_down() {
    let app = spawn_app().await;
    let ready = app
        .client
        .get(format!("{}/readyz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready");
    app.hub.close();
    let closing = app
        .client
        .get(format!("{}/readyz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        closing.status(),
        503,
        "taken out of rotation while it shuts down"
    );
    let health = app
        .client
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "the process still runs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_a_request_id_and_only_a_trusted_proxy_may_choose_it() {
    let app = spawn_app().await;
    let answer = app
        .client
        .get(format!("{}/healthz", app.url))
        .header("x-request-id", "chosen-by-the-client")
        .send()
        .await
        .unwrap();
    let id = answer.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(id.len(), 16, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    let again = app
        .client
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .unwrap();
    assert_ne!(
        again.headers()["x-request-id"],
        id.as_str(),
        "one per request"
    );

    let proxied = spawn_app_with_options(Options {
        trust_proxy: true,
        ..Options::default()
    })
    .await;
    let answer = proxied
        .client
        .get(format!("{}/healthz", proxied.url))
        .header("x-request-id", "proxy-7f3a")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()["x-request-id"], "proxy-7f3a");
    let odd = proxied
        .client
        .get(format!("{}/healthz", proxied.url))
        .header("x-request-id", "has spaces; and more")
        .send()
        .await
        .unwrap();
    assert_ne!(odd.headers()["x-request-id"], "has spaces; and more");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served_only_with_the_operators_token() {
    const TOKEN: &str = "a-long-operator-token";
    let app = spawn_app_with_options(Options {
        metrics_token: Some(TOKEN.into()),
        ..Options::default()
    })
    .await;
    let alice = app.member("alice").await;
    assert!(app.current_handle(&alice).await.is_some());
    let metrics = |token: &str| {
        app.client
            .get(format!("{}/metrics", app.url))
            .header("authorization", format!("Bearer {token}"))
            .send()
    };
    assert_eq!(
        metrics("a-wrong-operator-token").await.unwrap().status(),
        404
    );
    let bare = app
        .client
        .get(format!("{}/metrics", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 404, "as if there were none");
    let answer = metrics(TOKEN).await.unwrap();
    assert_eq!(answer.status(), 200);
    let text = answer.text().await.unwrap();
    for series in [
        "portal_http_requests_total{",
        "route=\"/api/current_member\"",
        "portal_http_request_duration_seconds_bucket",
        "portal_live_streams ",
        "portal_db_pool_connections ",
        "portal_email_outbox_depth ",
        "portal_email_outbox_oldest_seconds ",
    ] {
        assert!(text.contains(series), "{series} in:\n{text}");
    }
    assert!(!text.contains("alice"), "no member data in the metrics");

    let without = spawn_app().await;
    let answer = without
        .client
        .get(format!("{}/metrics", without.url))
        .header("authorization", format!("Bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404, "no token configured: no metrics here");
}

fn server_binary() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .env_clear()
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none");
    command
}

#[test]
fn the_server_refuses_a_malformed_setting_before_anything_else() {
    for (name, value, said) in [
        (
            "PORTAL_PUBLIC_URL",
            "portal.example.org",
            "PORTAL_PUBLIC_URL",
        ),
        (
            "PORTAL_PUBLIC_URL",
            "https://portal.example.org/community",
            "path",
        ),
        ("PORTAL_TRUST_PROXY", "ture", "PORTAL_TRUST_PROXY"),
        ("PORTAL_SESSION_DAYS", "0", "PORTAL_SESSION_DAYS"),
        ("PORTAL_METRICS_TOKEN", "short", "16 characters"),
        ("PORTAL_LOG_FORMAT", "xml", "PORTAL_LOG_FORMAT"),
        ("PORTAL_ADDR", "localhost", "PORTAL_ADDR"),
    ] {
        let output = server_binary().env(name, value).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{name}={value}: {stderr}");
        assert!(stderr.contains(said), "{name}={value}: {stderr}");
    }
    let output = server_binary()
        .env("DATABASE_URL_FILE", "/nonexistent/database-url")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("DATABASE_URL_FILE"));
}

#[test]
fn help_lists_every_setting_and_an_unknown_argument_is_refused() {
    let output = server_binary().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for (name, _, _) in server::config::SETTINGS {
        assert!(help.contains(name), "{name} in --help");
    }
    let output = server_binary().arg("--demmo").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--demmo"));
}
