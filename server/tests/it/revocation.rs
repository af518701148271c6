//! Live stream revocation: once a member may no longer see something, their open
//! pages stop receiving it within 2 s: sign-out ends that session's streams,
//! suspension ends all of the member's streams on every instance, and leaving a
//! conversation or a group stops that conversation's events (live and in replays).

use crate::common;

use common::sse::{connect, listen};
use common::{member, reply, spawn_app, start, Options};
use std::time::Duration;

const WITHIN: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_ends_that_sessions_stream_and_no_other() {
    let app = spawn_app().await;
    let [alice, alice_phone, bob] = app.members(["alice", "alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &bob, b, &[member(a)], "Before sign-out").await;
    let mut laptop = listen(&app, &alice).await;
    let mut phone = listen(&app, &alice_phone).await;

    let response = app.call_with(&alice, "sign_out", &[]).await;
    assert!(response.status().is_success() || response.status().is_redirection());
    assert!(
        laptop.ends_within(WITHIN).await,
        "the signed-out session's stream ends"
    );
    // The other session (another device) still hears of new messages.
    reply(&app, &bob, conversation, "After sign-out").await;
    assert_eq!(phone.next().await.data["message"]["body"], "After sign-out");
    // And the signed-out browser cannot open a new stream.
    let reopened = common::sse::live_request(&app, &alice)
        .send()
        .await
        .expect("request");
    assert_eq!(reopened.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspension_ends_every_stream_of_the_member_on_every_instance() {
    let app = spawn_app().await;
    let other = app.another_instance(&Options::default()).await;
    let [alice, alice_phone, bob, ngozi] = app.members(["alice", "alice", "bob", "ngozi"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Buy cheap watches").await;
    let mut here = listen(&app, &alice).await;
    let mut there = listen(&other, &alice_phone).await;
    // Bob's stream is the control: it must stay open.
    let mut bobs = listen(&other, &bob).await;

    let message = common::scalar::<i64>(
        &app,
        "SELECT id FROM messages WHERE conversation_id = $1",
        conversation,
    )
    .await;
    let reported = app
        .call_with(
            &bob,
            "report_message",
            &[("message", &message.to_string()), ("reason", "spam")],
        )
        .await;
    assert!(reported.status().is_success());
    let report = common::scalar::<i64>(
        &app,
        "SELECT id FROM reports WHERE message_id = $1",
        message,
    )
    .await;
    let suspended = app
        .call_with(
            &ngozi,
            "moderate",
            &[("report", &report.to_string()), ("action", "suspend")],
        )
        .await;
    assert!(suspended.status().is_success());

    assert!(
        here.ends_within(WITHIN).await,
        "the stream on this instance ends"
    );
    assert!(
        there.ends_within(WITHIN).await,
        "the stream on the other instance ends"
    );
    // Bob's stream is still open and still delivers.
    let [jose] = app.members(["jose"]).await;
    let [j] = app.ids(["jose"]).await;
    start(&app, &jose, j, &[member(b)], "Hello Bob").await;
    assert_eq!(bobs.next().await.data["message"]["body"], "Hello Bob");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_a_conversation_stops_its_events_but_not_others() {
    let app = spawn_app().await;
    let [alice, bob, jose] = app.members(["alice", "bob", "jose"]).await;
    let [a, b, j] = app.ids(["alice", "bob", "jose"]).await;
    let group_chat = start(&app, &bob, b, &[member(a), member(j)], "Three of us").await;
    let direct = start(&app, &bob, b, &[member(a)], "Just us").await;
    let mut stream = listen(&app, &alice).await;

    let left = app
        .call_with(
            &alice,
            "leave_conversation",
            &[("conversation", &group_chat.to_string())],
        )
        .await;
    assert!(left.status().is_success() || left.status().is_redirection());
    // Alice's own "unread" refresh may arrive; then nothing of the conversation she left.
    reply(&app, &jose, group_chat, "Secret after Alice left").await;
    reply(&app, &bob, direct, "Still talking to you").await;
    let mut seen = Vec::new();
    while let Some(event) = stream.next_within(WITHIN).await {
        seen.push(event.data);
    }
    assert!(
        !seen
            .iter()
            .any(|e| e.to_string().contains("Secret after Alice left")),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|e| e["message"]["body"] == "Still talking to you"),
        "the other conversation still arrives: {seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_after_leaving_holds_nothing_of_the_conversation() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b, j] = app.ids(["alice", "bob", "jose"]).await;
    let mut stream = listen(&app, &alice).await;
    let group_chat = start(&app, &bob, b, &[member(a), member(j)], "Before leaving").await;
    let first = stream.next().await;
    assert_eq!(first.data["message"]["body"], "Before leaving");
    let last_seen = first.id.expect("numbered") - 1;
    drop(stream);

    let left = app
        .call_with(
            &alice,
            "leave_conversation",
            &[("conversation", &group_chat.to_string())],
        )
        .await;
    assert!(left.status().is_success() || left.status().is_redirection());
    // A page reconnecting from before the message: the replay must not carry it.
    let mut replay = connect(&app, &alice, Some(last_seen)).await;
    let mut seen = Vec::new();
    while let Some(event) = replay.next_within(WITHIN).await {
        seen.push(event.data);
    }
    assert!(!seen.is_empty(), "the replay and hello arrive");
    assert!(
        !seen
            .iter()
            .any(|e| e.to_string().contains("Before leaving")),
        "{seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_a_group_stops_its_conversations_events() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let b = app.id_of("bob").await;
    let marketing = app.group_id("marketing").await;
    // Marketing has two managers; Alice is one of them.
    let conversation = start(&app, &bob, b, &[common::group(marketing)], "To Marketing").await;
    let mut stream = listen(&app, &alice).await;
    reply(&app, &bob, conversation, "While Alice manages it").await;
    assert_eq!(
        stream.next().await.data["message"]["body"],
        "While Alice manages it"
    );

    let left = app
        .call_with(&alice, "leave_group", &[("slug", "marketing")])
        .await;
    assert!(left.status().is_success(), "{}", left.status());
    reply(&app, &bob, conversation, "After Alice left the group").await;
    let mut seen = Vec::new();
    while let Some(event) = stream.next_within(WITHIN).await {
        seen.push(event.data);
    }
    assert!(
        !seen
            .iter()
            .any(|e| e.to_string().contains("After Alice left the group")),
        "{seen:?}"
    );
}
