//! Live updates: the server-sent events each signed-in member's open pages receive.

use crate::common;

use common::sse::{connect, live_request, SseEvent};
use common::*;
use serde_json::{json, Value};

async fn unread_ids(app: &TestApp, client: &reqwest::Client) -> Vec<i64> {
    let response = app.call_with(client, "unread_ids", &[]).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

fn unread_of(hello: &SseEvent) -> Vec<i64> {
    hello.data["unread"]
        .as_array()
        .expect("unread list")
        .iter()
        .map(|v| v.as_i64().expect("id"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_stream_is_only_for_signed_in_members() {
    let app = spawn_app().await;
    let response = live_request(&app, &app.client)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    assert_eq!(app.hub.connections(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_reaches_the_recipient_and_the_authors_own_pages_at_once() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let mut bobs = connect(&app, &bob, None).await;
    let mut alices = connect(&app, &alice, None).await;
    let bob_hello = bobs.hello().await;
    assert_eq!(unread_of(&bob_hello), Vec::<i64>::new());
    let alice_hello = alices.hello().await;
    assert_eq!(app.hub.connections(), 2);

    let id = start(&app, &alice, a, &[member(b)], "Hi Bob, are you there? 🙂").await;

    let event = bobs.next().await;
    assert_eq!(
        event.id,
        Some(bob_hello.id.unwrap() + 1),
        "numbered in order"
    );
    assert_eq!(event.data["type"], "message");
    assert_eq!(event.data["conversation_id"], id);
    assert_eq!(event.data["message"]["body"], "Hi Bob, are you there? 🙂");
    assert_eq!(event.data["message"]["author"]["name"], "Alice Martin");
    assert_eq!(event.data["message"]["mine"], false);
    assert_eq!(event.data["notice"], "Alice Martin wrote to you");
    assert_eq!(event.data["muted"], false);

    let own = alices.next().await;
    assert_eq!(own.id, Some(alice_hello.id.unwrap() + 1));
    assert_eq!(own.data["type"], "message");
    assert_eq!(own.data["conversation_id"], id);
    assert_eq!(own.data["message"]["id"], event.data["message"]["id"]);
    assert_eq!(own.data["message"]["mine"], true);
    assert_eq!(own.data["notice"], Value::Null, "no notice about oneself");

    // Bob answers: the roles swap.
    reply(&app, &bob, id, "Yes!").await;
    let answer = alices.next().await;
    assert_eq!(answer.data["message"]["body"], "Yes!");
    assert_eq!(answer.data["message"]["mine"], false);
    assert_eq!(answer.data["notice"], "Bob Nakamura wrote to you");
    let echo = bobs.next().await;
    assert_eq!(echo.data["message"]["body"], "Yes!");
    assert_eq!(echo.data["message"]["mine"], true);

    // Nobody else hears of it.
    let jose = app.member("jose").await;
    let mut joses = connect(&app, &jose, None).await;
    let hello = joses.hello().await;
    assert_eq!(unread_of(&hello), Vec::<i64>::new());
    reply(&app, &alice, id, "Only for Bob").await;
    assert_eq!(bobs.next().await.data["message"]["body"], "Only for Bob");
    joses.assert_quiet().await;
}

/// A message too big for one NOTIFY (1,000 family emoji are 25 KB, 75 KB form-encoded) still
/// arrives live and whole: the instances read it from the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_too_big_for_notify_still_arrives_whole() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let mut bobs = connect(&app, &bob, None).await;
    let hello = bobs.hello().await;
    let big = "👨‍👩‍👧‍👦".repeat(1000);
    let id = start(&app, &alice, a, &[member(b)], &big).await;
    let event = bobs.next().await;
    assert_eq!(event.id, Some(hello.id.unwrap() + 1));
    assert_eq!(event.data["conversation_id"], id);
    assert_eq!(event.data["message"]["body"], big.as_str());
    assert_eq!(event.data["notice"], "Alice Martin wrote to you");
    bobs.assert_quiet().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_sent_through_one_instance_arrives_live_on_another() {
    let a_instance = spawn_app().await;
    let b_instance = a_instance.another_instance(&Options::default()).await;
    let alice = a_instance.member("alice").await;
    let bob = b_instance.member("bob").await;
    let [a, b] = a_instance.ids(["alice", "bob"]).await;

    let mut bobs = connect(&b_instance, &bob, None).await;
    let mut alices = connect(&a_instance, &alice, None).await;
    bobs.hello().await;
    alices.hello().await;
    assert_eq!(b_instance.hub.connections(), 1, "Bob is connected to B");
    assert_eq!(a_instance.hub.connections(), 1, "Alice is connected to A");

    let id = start(&a_instance, &alice, a, &[member(b)], "Sent through A").await;
    let event = bobs.next().await;
    assert_eq!(event.data["type"], "message");
    assert_eq!(event.data["conversation_id"], id);
    assert_eq!(event.data["message"]["body"], "Sent through A");
    assert_eq!(event.data["notice"], "Alice Martin wrote to you");
    assert_eq!(alices.next().await.data["message"]["mine"], true);

    // And back: Bob answers through B, Alice's page on A hears it.
    reply(&b_instance, &bob, id, "Answered through B").await;
    let answer = alices.next().await;
    assert_eq!(answer.data["message"]["body"], "Answered through B");
    assert_eq!(answer.data["message"]["mine"], false);
    let echo = bobs.next().await;
    assert_eq!(echo.data["message"]["body"], "Answered through B");
    assert_eq!(echo.data["message"]["mine"], true);

    // Each event exactly once, on its own instance only.
    bobs.assert_quiet().await;
    alices.assert_quiet().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnecting_page_gets_exactly_the_events_it_missed_then_hello() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;

    let mut bobs = connect(&app, &bob, None).await;
    bobs.hello().await;
    let id = start(&app, &alice, a, &[member(b)], "first").await;
    let seen = bobs.next().await;
    assert_eq!(seen.data["message"]["body"], "first");
    let n = seen.id.expect("event id");
    drop(bobs);

    // While Bob's page is away (offline, asleep, switching instance).
    let mut sent = Vec::new();
    for body in ["second", "third", "fourth"] {
        sent.push(reply(&app, &alice, id, body).await);
    }

    let mut bobs = connect(&app, &bob, Some(n)).await;
    for (i, body) in ["second", "third", "fourth"].iter().enumerate() {
        let event = bobs.next().await;
        assert_eq!(event.id, Some(n + 1 + i as i64), "{:?}", event.data);
        assert_eq!(event.data["type"], "message");
        assert_eq!(event.data["conversation_id"], id);
        assert_eq!(event.data["message"]["body"], *body);
        assert_eq!(event.data["message"]["id"], sent[i]);
        assert_eq!(event.data["notice"], "Alice Martin wrote to you");
    }
    let hello = bobs.hello().await;
    assert_eq!(hello.id, Some(n + 3), "the hello carries the latest number");
    assert_eq!(unread_of(&hello), vec![id]);
    bobs.assert_quiet().await;

    // A page that saw everything gets only the hello.
    let mut up_to_date = connect(&app, &bob, Some(n + 3)).await;
    let hello = up_to_date.hello().await;
    assert_eq!(hello.id, Some(n + 3));
    up_to_date.assert_quiet().await;

    // And the next message continues the numbering on both.
    reply(&app, &alice, id, "fifth").await;
    for stream in [&mut bobs, &mut up_to_date] {
        let event = stream.next().await;
        assert_eq!(event.id, Some(n + 4));
        assert_eq!(event.data["message"]["body"], "fifth");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_a_thread_on_one_device_clears_it_on_the_others() {
    let app = spawn_app().await;
    let alice = app.member("alice").await;
    let [bob_laptop, bob_phone] = app.members(["bob", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let id = start(&app, &alice, a, &[member(b)], "Read me somewhere").await;

    let mut laptop = connect(&app, &bob_laptop, None).await;
    let hello = laptop.hello().await;
    assert_eq!(unread_of(&hello), vec![id], "unread before reading");

    open_thread(&app, &bob_phone, id).await;
    let event = laptop.next().await;
    assert_eq!(event.id, Some(hello.id.unwrap() + 1));
    assert_eq!(
        event.data,
        json!({"type": "read", "conversation_id": id}),
        "the other device hears of the read"
    );
    laptop.assert_quiet().await;

    // Reading again changes nothing, so announces nothing.
    open_thread(&app, &bob_phone, id).await;
    laptop.assert_quiet().await;

    let mut again = connect(&app, &bob_laptop, None).await;
    let hello = again.hello().await;
    assert_eq!(unread_of(&hello), Vec::<i64>::new(), "read everywhere");
    assert_eq!(unread_ids(&app, &bob_laptop).await, Vec::<i64>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_muted_conversation_arrives_quietly_and_stays_out_of_unread() {
    let app = spawn_app().await;
    let [alice, bob, jose] = app.members(["alice", "bob", "jose"]).await;
    let [a, b, j] = app.ids(["alice", "bob", "jose"]).await;
    let muted = start(&app, &alice, a, &[member(b)], "Newsletter #1").await;
    let mut bobs = connect(&app, &bob, None).await;
    let hello = bobs.hello().await;
    assert_eq!(unread_of(&hello), vec![muted]);

    set_muted(&app, &bob, muted, true).await;
    let event = bobs.next().await;
    assert_eq!(
        event.data,
        json!({"type": "unread"}),
        "the envelope re-reads"
    );
    assert_eq!(unread_ids(&app, &bob).await, Vec::<i64>::new());

    reply(&app, &alice, muted, "Newsletter #2").await;
    let event = bobs.next().await;
    assert_eq!(event.data["type"], "message");
    assert_eq!(event.data["conversation_id"], muted);
    assert_eq!(event.data["message"]["body"], "Newsletter #2");
    assert_eq!(event.data["muted"], true);
    assert_eq!(event.data["notice"], Value::Null, "no notice when muted");

    // Another conversation still notifies, and only it counts as unread.
    let loud = start(&app, &jose, j, &[member(b)], "Not muted").await;
    let event = bobs.next().await;
    assert_eq!(event.data["conversation_id"], loud);
    assert_eq!(event.data["muted"], false);
    assert_eq!(event.data["notice"], "José Álvarez wrote to you");
    assert_eq!(unread_ids(&app, &bob).await, vec![loud]);
    let mut again = connect(&app, &bob, None).await;
    assert_eq!(unread_of(&again.hello().await), vec![loud]);

    // Unmuting brings it back.
    set_muted(&app, &bob, muted, false).await;
    assert_eq!(again.next().await.data, json!({"type": "unread"}));
    let mut ids = unread_ids(&app, &bob).await;
    ids.sort();
    assert_eq!(ids, vec![muted, loud]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_app_notices_follow_the_members_settings() {
    let app = spawn_app().await;
    let [alice, bob, jose] = app.members(["alice", "bob", "jose"]).await;
    let [b, j] = app.ids(["bob", "jose"]).await;
    let marketing = app.group_id("marketing").await;

    // A message to a group Alice manages names the group.
    let mut alices = connect(&app, &alice, None).await;
    alices.hello().await;
    let to_group = start(&app, &jose, j, &[group(marketing)], "Hello Marketing").await;
    let event = alices.next().await;
    assert_eq!(event.data["conversation_id"], to_group);
    assert_eq!(
        event.data["notice"],
        "José Álvarez wrote to the Marketing group"
    );

    // Alice stops the group's notifications: its messages still arrive, silently.
    settings(&app, &alice, "batched", &[]).await;
    reply(&app, &jose, to_group, "Anyone?").await;
    let event = alices.next().await;
    assert_eq!(event.data["message"]["body"], "Anyone?");
    assert_eq!(event.data["notice"], Value::Null);

    // Bob turns in-app notifications off: messages arrive, without a notice, and
    // still count as unread.
    settings_without_in_app(&app, &bob, "off").await;
    let mut bobs = connect(&app, &bob, None).await;
    bobs.hello().await;
    let direct = start(&app, &jose, j, &[member(b)], "Quiet hello").await;
    let event = bobs.next().await;
    assert_eq!(event.data["conversation_id"], direct);
    assert_eq!(event.data["notice"], Value::Null);
    assert_eq!(event.data["muted"], false);
    assert_eq!(unread_ids(&app, &bob).await, vec![direct]);

    // Turned on again (checkbox present), notices come back.
    settings(&app, &bob, "off", &[]).await;
    reply(&app, &jose, direct, "Louder hello").await;
    assert_eq!(
        bobs.next().await.data["notice"],
        "José Álvarez wrote to you"
    );
}
