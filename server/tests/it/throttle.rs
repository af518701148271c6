//! The sign-in throttle as an attacker meets it: parallel guesses, guesses from
//! other addresses, bursts spaced past the old window, and a member who signs
//! in from a browser they have used before.

use crate::common;

use common::*;
use futures_util::future::join_all;

async fn trusting_proxy() -> TestApp {
    spawn_app_with_options(Options {
        trust_proxy: true,
        ..Options::default()
    })
    .await
}

/// A sign-in as it arrives through the proxy from `address`.
async fn sign_in_from(
    app: &TestApp,
    client: &reqwest::Client,
    address: &str,
    email: &str,
    password: &str,
) -> u16 {
    client
        .post(format!("{}/api/sign_in", app.url))
        .header("x-forwarded-for", address)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failed_sign_ins_for_one_account_are_slowed_down() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let response = app.sign_in("bob@example.org", "wrong-password").await;
        assert_eq!(response.status(), 422);
    }
    // Past the free attempts even the right password waits, and is told how long.
    let response = app.sign_in("bob@example.org", PASSWORD).await;
    let retry_after = response.headers().get("retry-after").cloned();
    let (status, body) = error_kind(response).await;
    assert_eq!(status, 429);
    assert_eq!(body["kind"], "throttled");
    let wait = body["detail"].as_u64().expect("seconds to wait");
    assert!(wait >= 1, "{body}");
    assert_eq!(retry_after.unwrap().to_str().unwrap(), wait.to_string());
    // Another account is not affected.
    assert_eq!(
        app.sign_in("alice@example.org", PASSWORD).await.status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_a_hundred_parallel_guesses_only_the_free_five_are_checked() {
    let app = spawn_app().await;
    let guesses = (0..100).map(|i| {
        let app = &app;
        async move {
            app.call_with(
                &client(),
                "sign_in",
                &[
                    ("email", "bob@example.org"),
                    ("password", &format!("guess-{i}")),
                ],
            )
            .await
            .status()
            .as_u16()
        }
    });
    let statuses = join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == 422).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (5, 95), "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_from_another_address_do_not_lock_the_member_out() {
    let app = trusting_proxy().await;
    let attacker = client();
    for i in 0..100 {
        let status = sign_in_from(
            &app,
            &attacker,
            "203.0.113.9",
            "bob@example.org",
            &format!("guess-{i}"),
        )
        .await;
        assert!(status == 422 || status == 429, "{status}");
    }
    // The attacker's address waits, even with the right password...
    assert_eq!(
        sign_in_from(&app, &attacker, "203.0.113.9", "bob@example.org", PASSWORD).await,
        429
    );
    // ...while Bob, at his own address, signs in.
    assert_eq!(
        sign_in_from(&app, &client(), "198.51.100.7", "bob@example.org", PASSWORD).await,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_count_survives_the_longest_wait_so_spaced_bursts_keep_waiting() {
    let app = spawn_app().await;
    for _ in 0..5 {
        assert_eq!(app.sign_in("bob@example.org", "wrong").await.status(), 422);
    }
    // Sixteen minutes later (past the old fifteen-minute window), the wait is over...
    sqlx::query(
        "UPDATE sign_in_throttle SET blocked_until = now() - interval '1 minute',
                last_failure_at = now() - interval '16 minutes'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(app.sign_in("bob@example.org", "wrong").await.status(), 422);
    // ...but the count was kept: the very next guess waits again, longer.
    let (status, body) = error_kind(app.sign_in("bob@example.org", "wrong").await).await;
    assert_eq!(status, 429);
    assert!(body["detail"].as_u64().is_some_and(|s| s >= 3), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_that_signed_in_before_still_gets_in_while_the_account_is_attacked_everywhere() {
    let app = trusting_proxy().await;
    let own_browser = client();
    assert_eq!(
        sign_in_from(
            &app,
            &own_browser,
            "198.51.100.7",
            "bob@example.org",
            PASSWORD
        )
        .await,
        200
    );
    // A botnet: 25 addresses, 4 guesses each, every one counted on the account's
    // counter too...
    let botnet = (0..25).map(|bot| {
        let app = &app;
        async move {
            let client = client();
            for i in 0..4 {
                let address = format!("203.0.113.{bot}");
                let status =
                    sign_in_from(app, &client, &address, "bob@example.org", &format!("g{i}")).await;
                assert_eq!(status, 422, "guess {i} from {address}");
            }
        }
    });
    join_all(botnet).await;
    let counted: i32 = sqlx::query_scalar(
        "SELECT failures FROM sign_in_throttle WHERE key = 'account:bob@example.org'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(counted, 100);
    // ...and it keeps going until the account's ceiling has it waiting for long.
    sqlx::query(
        "UPDATE sign_in_throttle SET failures = 110, blocked_until = now() + interval '10 minutes'
         WHERE key = 'account:bob@example.org'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    // A new browser, even at Bob's own address, now waits...
    assert_eq!(
        sign_in_from(&app, &client(), "198.51.100.7", "bob@example.org", PASSWORD).await,
        429
    );
    // ...but the browser Bob signed in with before still gets in.
    assert_eq!(
        sign_in_from(
            &app,
            &own_browser,
            "198.51.100.7",
            "bob@example.org",
            PASSWORD
        )
        .await,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_device_cookie_is_sent_only_to_sign_in_and_belongs_to_its_account() {
    let app = spawn_app().await;
    let response = app.sign_in("bob@example.org", PASSWORD).await;
    let device = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("portal_device="))
        .expect("a device cookie")
        .to_string();
    for attribute in ["Path=/api/sign_in", "HttpOnly", "SameSite=Strict"] {
        assert!(device.contains(attribute), "{device}");
    }
    // Bob's device cookie does not spare Alice's account the ordinary counters.
    let bobs = device.split(';').next().unwrap().to_string();
    for _ in 0..5 {
        let response = client()
            .post(format!("{}/api/sign_in", app.url))
            .header("cookie", &bobs)
            .form(&[("email", "alice@example.org"), ("password", "wrong")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422);
    }
    let response = client()
        .post(format!("{}/api/sign_in", app.url))
        .header("cookie", &bobs)
        .form(&[("email", "alice@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
}
