//! Spam limits from the code of conduct: messages a minute and new conversations an
//! hour per member, stricter for accounts younger than a day, held across instances.

use crate::common;

use app::domain::limits::Limits;
use common::*;

fn with_real_limits() -> Options {
    Options {
        limits: Some(Limits::default()),
        ..Options::default()
    }
}

async fn try_reply(
    app: &TestApp,
    client: &reqwest::Client,
    conversation: i64,
) -> reqwest::Response {
    app.call_with(
        client,
        "send_message",
        &[
            ("conversation", &conversation.to_string()),
            ("body", "One more"),
            ("key", &fresh_key()),
        ],
    )
    .await
}

async fn messages_in(app: &TestApp, conversation: i64) -> i64 {
    let sql = "SELECT count(*) FROM messages WHERE conversation_id = $1";
    scalar(app, sql, conversation).await
}

/// The 21st message within a minute is refused with how long to wait, and nothing is
/// stored; the limit counts sends through every instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_messages_a_minute_across_instances_then_a_clear_refusal() {
    let app = spawn_app_with_options(with_real_limits()).await;
    let other = app.another_instance(&with_real_limits()).await;
    let alice = app.member("alice").await;
    let alice_on_other = other.member("alice").await;
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    let id = start(&app, &alice, a, &[member(b)], "Hello").await;
    for i in 0..19 {
        let (instance, client) = if i % 2 == 0 {
            (&app, &alice)
        } else {
            (&other, &alice_on_other)
        };
        assert_eq!(
            try_reply(instance, client, id).await.status(),
            200,
            "message {}",
            i + 2
        );
    }
    assert_eq!(messages_in(&app, id).await, 20);
    for (instance, client) in [(&app, &alice), (&other, &alice_on_other)] {
        let (status, body) = error_kind(try_reply(instance, client, id).await).await;
        assert_eq!(status, 429);
        assert_eq!(body["kind"], "too_fast");
        let wait = body["detail"].as_u64().expect("seconds to wait");
        assert!((1..=60).contains(&wait), "wait {wait} s");
    }
    assert_eq!(
        messages_in(&app, id).await,
        20,
        "refused messages are not stored"
    );
    // Bob is not limited by Alice's sending.
    let bob = app.member("bob").await;
    assert_eq!(try_reply(&app, &bob, id).await.status(), 200);
}

/// An account younger than a day may start 3 conversations an hour and send 5
/// messages a minute.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_accounts_have_stricter_limits() {
    let app = spawn_app_with_options(with_real_limits()).await;
    let newcomer = client();
    let response = app
        .call_with(
            &newcomer,
            "register",
            &[
                ("display_name", "New Comer"),
                ("handle", "newcomer"),
                ("email", "newcomer@example.org"),
                ("password", "three unrelated words"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200, "registered");
    let me = app.id_of("newcomer").await;
    let mut first = 0;
    for handle in ["alice", "bob", "ngozi"] {
        let other = app.id_of(handle).await;
        first = start(&app, &newcomer, me, &[member(other)], "Hi, I am new here").await;
    }
    let dave = app.id_of("jose").await;
    let mut form: Vec<(String, String)> = vec![
        ("send_as".into(), member(me)),
        ("body".into(), "A fourth conversation".into()),
        ("key".into(), fresh_key()),
        ("to[0]".into(), member(dave)),
    ];
    form.sort();
    let response = app.post_form(&newcomer, "start_conversation", &form).await;
    let (status, body) = error_kind(response).await;
    assert_eq!(status, 429, "a fourth new conversation within the hour");
    assert_eq!(body["kind"], "too_fast");
    assert!(
        body["detail"].as_u64().expect("seconds") > 60,
        "wait for the hour"
    );
    // Three messages so far; two more replies are fine, the sixth is not.
    for _ in 0..2 {
        assert_eq!(try_reply(&app, &newcomer, first).await.status(), 200);
    }
    let (status, body) = error_kind(try_reply(&app, &newcomer, first).await).await;
    assert_eq!(status, 429);
    assert_eq!(body["kind"], "too_fast");
}
