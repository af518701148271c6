//! Registration under attack: accounts per address limited (atomically, so a
//! parallel burst cannot pass the count), and a suspended member's mailbox cannot
//! come back under another spelling (case, `+tag`, Gmail's dots).

use crate::common::*;

fn register_form(handle: &str, email: &str) -> Vec<(String, String)> {
    vec![
        ("display_name".into(), format!("Newcomer {handle}")),
        ("handle".into(), handle.into()),
        ("email".into(), email.into()),
        ("password".into(), "three unrelated words".into()),
    ]
}

async fn register_from(
    app: &TestApp,
    address: &str,
    handle: &str,
    email: &str,
) -> reqwest::Response {
    client()
        .post(format!("{}/api/register", app.url))
        .header("x-forwarded-for", address)
        .form(&register_form(handle, email))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_makes_at_most_its_hourly_accounts_even_all_at_once() {
    let app = spawn_app_with_options(Options {
        trust_proxy: true,
        registrations_per_address_hour: Some(3),
        ..Options::default()
    })
    .await;
    // A refused registration (a taken handle) gives its place back.
    let taken = register_from(&app, "198.51.100.7", "alice", "someone-new@example.org").await;
    assert_eq!(taken.status(), 422);

    let burst = (0..8).map(|i| {
        let app = &app;
        async move {
            let handle = format!("burst{i}");
            register_from(
                app,
                "198.51.100.7",
                &handle,
                &format!("{handle}@example.org"),
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(burst).await;
    let accepted = answers.iter().filter(|r| r.status() == 200).count();
    let refused: Vec<_> = answers.iter().filter(|r| r.status() == 429).collect();
    assert_eq!(accepted, 3, "exactly the hourly limit");
    assert_eq!(refused.len(), 5);
    let wait: u64 = refused[0].headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (3_000..=3_600).contains(&wait),
        "come back in about an hour: {wait}"
    );
    let members: i64 =
        sqlx::query_scalar("SELECT count(*) FROM members WHERE handle LIKE 'burst%'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(members, 3, "nothing more was stored");

    // Another address (and another /64) is counted on its own; an IPv6 host is its /64.
    assert_eq!(
        register_from(&app, "198.51.100.8", "other1", "other1@example.org")
            .await
            .status(),
        200
    );
    for i in 0..3 {
        let handle = format!("six{i}");
        let address = format!("2001:db8:7:7::{i:x}");
        assert_eq!(
            register_from(&app, &address, &handle, &format!("{handle}@example.org"))
                .await
                .status(),
            200
        );
    }
    let fourth = register_from(&app, "2001:db8:7:7:ffff::1", "six3", "six3@example.org").await;
    assert_eq!(fourth.status(), 429, "the same /64");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_mailbox_cannot_register_again_under_another_spelling() {
    let app = spawn_app().await;
    for (handle, email) in [
        ("mallory", "mallory@example.org"),
        ("gmallory", "mal.lory@gmail.com"),
    ] {
        assert_eq!(
            register_from(&app, "127.0.0.1", handle, email)
                .await
                .status(),
            200
        );
    }
    sqlx::query("UPDATE members SET suspended_at = now() WHERE handle IN ('mallory', 'gmallory')")
        .execute(&app.pool)
        .await
        .unwrap();
    for (handle, email) in [
        ("mallory2", "Mallory+2@Example.org"),
        ("mallory3", "MALLORY+spam@example.org"),
        ("gmallory2", "mallory@googlemail.com"),
        ("gmallory3", "m.a.l.l.o.r.y+again@gmail.com"),
    ] {
        let (status, body) =
            error_kind(register_from(&app, "127.0.0.1", handle, email).await).await;
        assert_eq!(status, 422, "{email}: {body}");
        assert!(said(&body).contains("email"), "{email}: {body}");
    }
    // Someone else's mailbox at the same domain is fine.
    assert_eq!(
        register_from(&app, "127.0.0.1", "marlene", "marlene+news@example.org")
            .await
            .status(),
        200
    );
}
