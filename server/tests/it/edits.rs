//! Editing, deleting and replying to messages, as members and their open pages see
//! it: live, after a reconnection, in the list and the envelope, and in the
//! moderators' queue.

use crate::common;

use common::sse::{connect, listen};
use common::*;
use serde_json::{json, Value};

async fn call(
    app: &TestApp,
    client: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (u16, Value) {
    answer(app.call_with(client, endpoint, form).await).await
}

async fn edit(app: &TestApp, client: &reqwest::Client, message: i64, body: &str) -> (u16, Value) {
    let message = message.to_string();
    call(
        app,
        client,
        "edit_message",
        &[("message", &message), ("body", body)],
    )
    .await
}

async fn delete(app: &TestApp, client: &reqwest::Client, message: i64) -> (u16, Value) {
    let message = message.to_string();
    call(app, client, "delete_message", &[("message", &message)]).await
}

async fn reply_to(
    app: &TestApp,
    client: &reqwest::Client,
    conversation: i64,
    body: &str,
    answered: i64,
) -> (u16, Value) {
    let (conversation, answered, key) =
        (conversation.to_string(), answered.to_string(), fresh_key());
    let form = [
        ("conversation", conversation.as_str()),
        ("body", body),
        ("key", key.as_str()),
        ("reply_to", answered.as_str()),
    ];
    call(app, client, "send_message", &form).await
}

fn entry(thread: &Value, message: i64) -> Value {
    thread["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["id"] == message)
        .cloned()
        .unwrap_or_else(|| panic!("message {message} in {thread}"))
}

fn refusal(answer: &(u16, Value)) -> String {
    said(&answer.1)
}

async fn unread(app: &TestApp, client: &reqwest::Client) -> i64 {
    call(app, client, "unread_conversations", &[])
        .await
        .1
        .as_i64()
        .expect("a count")
}

/// An edit reaches the other participant's open page at once and shows in the
/// thread with its time; the same text again changes nothing; nobody else may
/// edit it, and bad text is refused with the rule's words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_reaches_everyone_live_and_only_its_author_may_make_it() {
    let app = spawn_app().await;
    let [alice, bob, jose] = app.members(["alice", "bob", "jose"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Meet at 10").await;
    let message = reply(&app, &alice, conversation, "Bring the slides").await;
    let mut bobs = listen(&app, &bob).await;
    let mut alices_other_tab = listen(&app, &alice).await;
    let mut joses = listen(&app, &jose).await;

    let (status, answer) = edit(&app, &alice, message, "  Bring the printed slides ").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["body"], "Bring the printed slides",
        "trimmed as a new message is"
    );
    for stream in [&mut bobs, &mut alices_other_tab] {
        let event = stream.next().await.data;
        assert_eq!(event["type"], "edited", "{event}");
        assert_eq!(event["conversation_id"], conversation);
        assert_eq!(event["edit"]["message_id"], message);
        assert_eq!(event["edit"]["body"], "Bring the printed slides");
    }
    joses.assert_quiet().await;
    // The same text again: no event, no new edit.
    assert_eq!(
        edit(&app, &alice, message, "Bring the printed slides")
            .await
            .0,
        200
    );
    bobs.assert_quiet().await;
    let shown = entry(&open_thread(&app, &bob, conversation).await, message);
    assert_eq!(shown["body"], "Bring the printed slides");
    assert!(shown["edited_at"].is_string(), "{shown}");
    assert_eq!(shown["own"], false, "Bob's view: not his to change");
    assert_eq!(
        entry(&open_thread(&app, &alice, conversation).await, message)["own"],
        true
    );

    let (status, _) = edit(&app, &bob, message, "Bob's words now").await;
    assert_eq!(status, 403, "another participant may not edit it");
    assert_eq!(
        edit(&app, &jose, message, "Jose's words").await.0,
        404,
        "nor may anyone else"
    );
    let empty = edit(&app, &alice, message, "   ").await;
    assert_eq!(empty.0, 422);
    assert!(
        refusal(&empty).contains("Write a message"),
        "{}",
        refusal(&empty)
    );
    let long = edit(&app, &alice, message, &"x".repeat(1001)).await;
    assert_eq!(long.0, 422);
    assert!(refusal(&long).contains("1,000"), "{}", refusal(&long));
    assert_eq!(
        entry(&open_thread(&app, &bob, conversation).await, message)["body"],
        "Bring the printed slides",
        "refused edits changed nothing"
    );
    assert_eq!(edit(&app, &alice, i64::MAX, "Nothing there").await.0, 404);
}

/// The edit window: past it the author is told why, and the text stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_is_editable_only_for_the_configured_minutes() {
    let app = spawn_app_with_options(Options {
        edit_minutes: Some(1),
        ..Options::default()
    })
    .await;
    let [alice] = app.members(["alice"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "First version").await;
    let message: i64 = scalar(
        &app,
        "SELECT max(id) FROM messages WHERE conversation_id = $1",
        conversation,
    )
    .await;
    let thread = open_thread(&app, &alice, conversation).await;
    assert_eq!(thread["edit_seconds"], 60, "the page knows the window");
    sqlx::query("UPDATE messages SET created_at = now() - interval '61 seconds' WHERE id = $1")
        .bind(message)
        .execute(&app.pool)
        .await
        .expect("age the message");
    let late = edit(&app, &alice, message, "Second version").await;
    assert_eq!(late.0, 409, "{}", refusal(&late));
    assert!(
        refusal(&late).contains("1 minute after sending"),
        "{}",
        refusal(&late)
    );
    assert_eq!(
        entry(&open_thread(&app, &alice, conversation).await, message)["body"],
        "First version"
    );
    assert_eq!(
        delete(&app, &alice, message).await.0,
        200,
        "deleting has no window"
    );
}

/// Deleting erases the text from the database, shows "deleted" to everyone live,
/// takes the conversation's unread state and list entry back to the message
/// before, and leaves a report's copy of the text for the moderators.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_message_is_erased_but_its_report_keeps_what_was_reported() {
    let app = spawn_app().await;
    let [alice, bob, ngozi] = app.members(["alice", "bob", "ngozi"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Hello Bob").await;
    open_thread(&app, &bob, conversation).await;
    let offending = reply(&app, &alice, conversation, "Zanzibar-grade insult").await;
    assert_eq!(unread(&app, &bob).await, 1);
    let (status, body) = call(
        &app,
        &bob,
        "report_message",
        &[
            ("message", &offending.to_string()),
            ("reason", "harassment"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mut bobs = listen(&app, &bob).await;

    let (status, body) = delete(&app, &alice, offending).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        bobs.next().await.data,
        json!({"type": "deleted", "conversation_id": conversation, "message_id": offending})
    );
    assert_eq!(
        delete(&app, &alice, offending).await.0,
        200,
        "deleting again is harmless"
    );
    bobs.assert_quiet().await;

    let stored: String = scalar(&app, "SELECT body FROM messages WHERE id = $1", offending).await;
    assert_eq!(stored, "", "the text is gone from the database");
    assert_eq!(
        unread(&app, &bob).await,
        0,
        "nothing unread is left for Bob"
    );
    for client in [&alice, &bob] {
        let thread = open_thread(&app, client, conversation).await;
        let shown = entry(&thread, offending);
        assert_eq!(shown["deleted"], true);
        assert_eq!(shown["body"], "");
        assert!(!thread.to_string().contains("Zanzibar"), "{thread}");
        let list = call(&app, client, "list_conversations", &[]).await.1;
        assert_eq!(
            list["conversations"][0]["snippet"], "Hello Bob",
            "the list falls back"
        );
        assert!(!list.to_string().contains("Zanzibar"), "{list}");
    }
    assert_eq!(
        edit(&app, &alice, offending, "Sorry").await.0,
        409,
        "a deleted message stays deleted"
    );
    let (status, _) = call(
        &app,
        &bob,
        "report_message",
        &[("message", &offending.to_string()), ("reason", "spam")],
    )
    .await;
    assert_eq!(status, 404, "a deleted message can no longer be reported");

    let queue = call(&app, &ngozi, "moderation_queue", &[]).await.1;
    let reported = queue[0]["context"]
        .as_array()
        .expect("context")
        .iter()
        .find(|m| m["reported"] == true)
        .cloned()
        .expect("the reported message");
    assert_eq!(
        reported["body"], "Zanzibar-grade insult",
        "as it was reported"
    );
    assert_eq!(reported["since"], "deleted_since");
}

/// An edit after a report: the moderators review the text that was reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_keeps_the_text_as_reported_after_an_edit() {
    let app = spawn_app().await;
    let [alice, bob, ngozi] = app.members(["alice", "bob", "ngozi"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Hi").await;
    let message = reply(&app, &alice, conversation, "Something nasty").await;
    let (status, _) = call(
        &app,
        &bob,
        "report_message",
        &[("message", &message.to_string()), ("reason", "harassment")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(edit(&app, &alice, message, "Something nice").await.0, 200);
    let queue = call(&app, &ngozi, "moderation_queue", &[]).await.1;
    let reported = queue[0]["context"]
        .as_array()
        .expect("context")
        .iter()
        .find(|m| m["reported"] == true)
        .cloned()
        .expect("the reported message");
    assert_eq!(reported["body"], "Something nasty");
    assert_eq!(reported["since"], "edited_since");
}

/// A reply quotes the message it answers; only a message of the same
/// conversation may be answered; a deleted original shows as deleted, with
/// nothing of its text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_quotes_its_message_and_a_deleted_one_shows_as_deleted() {
    let app = spawn_app().await;
    let [alice, bob, jose] = app.members(["alice", "bob", "jose"]).await;
    let [a, b, j] = app.ids(["alice", "bob", "jose"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Lunch on Friday?").await;
    let question = reply(
        &app,
        &alice,
        conversation,
        "Or Saturday, if that suits you better",
    )
    .await;
    let elsewhere = start(&app, &jose, j, &[member(a)], "Jose's own conversation").await;
    let foreign: i64 = scalar(
        &app,
        "SELECT max(id) FROM messages WHERE conversation_id = $1",
        elsewhere,
    )
    .await;
    let mut alices = listen(&app, &alice).await;

    let refused = reply_to(&app, &bob, conversation, "Yes!", foreign).await;
    assert_eq!(refused.0, 422, "{}", refusal(&refused));
    assert!(
        refusal(&refused).contains("not in this conversation"),
        "{}",
        refusal(&refused)
    );
    assert!(
        !refusal(&refused).contains("Jose's own"),
        "nothing of the other conversation"
    );

    let (status, answer) = reply_to(&app, &bob, conversation, "Saturday works", question).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["reply_to"]["id"], question);
    let event = alices.next().await.data;
    assert_eq!(event["type"], "message");
    assert_eq!(event["message"]["reply_to"]["author"], "Alice Martin");
    assert_eq!(
        event["message"]["reply_to"]["excerpt"],
        "Or Saturday, if that suits you better"
    );
    let reply_id = answer["id"].as_i64().expect("id");

    assert_eq!(delete(&app, &alice, question).await.0, 200);
    let thread = open_thread(&app, &bob, conversation).await;
    let quote = &entry(&thread, reply_id)["reply_to"];
    assert_eq!(quote["gone"], true, "{quote}");
    assert_eq!(quote["excerpt"], "");
    assert!(!thread.to_string().contains("if that suits"), "{thread}");
}

/// Missed while disconnected: an edit and a deletion arrive on reconnection, once
/// each, showing the message as it is now.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_deletions_missed_offline_arrive_on_reconnect_once() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Hello").await;
    let kept = reply(&app, &alice, conversation, "Typo in thsi one").await;
    let gone = reply(&app, &alice, conversation, "Wrong conversation").await;
    let mut stream = listen(&app, &bob).await;
    let seen = stream
        .next_within(std::time::Duration::from_millis(300))
        .await;
    assert!(seen.is_none(), "nothing new yet: {seen:?}");
    let last_seen: i64 = scalar(&app, "SELECT seq FROM live_streams WHERE member_id = $1", b).await;
    drop(stream);

    assert_eq!(edit(&app, &alice, kept, "Typo in this one").await.0, 200);
    assert_eq!(edit(&app, &alice, gone, "Still wrong").await.0, 200);
    assert_eq!(delete(&app, &alice, gone).await.0, 200);

    let mut again = connect(&app, &bob, Some(last_seen)).await;
    let mut events = Vec::new();
    while let Some(event) = again
        .next_within(std::time::Duration::from_millis(800))
        .await
    {
        // The replay comes first, then the hello of the new connection.
        if event.data["type"] != "hello" {
            events.push(event.data);
        }
    }
    assert_eq!(
        events,
        vec![
            json!({"type": "edited", "conversation_id": conversation,
                   "edit": {"message_id": kept, "body": "Typo in this one",
                            "edited_at": events[0]["edit"]["edited_at"]}}),
            // The edit of a message deleted since replays as its deletion.
            json!({"type": "deleted", "conversation_id": conversation, "message_id": gone}),
            json!({"type": "deleted", "conversation_id": conversation, "message_id": gone}),
        ],
        "each missed change once, in order"
    );
}

async fn react(
    app: &TestApp,
    client: &reqwest::Client,
    message: i64,
    (emoji, on): (&str, bool),
) -> (u16, Value) {
    let (message, on) = (message.to_string(), on.to_string());
    call(
        app,
        client,
        "react",
        &[("message", &message), ("emoji", emoji), ("on", &on)],
    )
    .await
}

/// Reactions go on and off (saying which, so a retry changes nothing), reach
/// everyone in the conversation live (all of them each time, so a page never adds
/// them up wrong), name who reacted, never make anything unread, and are limited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reactions_toggle_live_for_everyone_and_are_limited() {
    let app = spawn_app_with_options(Options {
        limits: Some(app::domain::limits::Limits {
            messages_per_minute: 20,
            conversations_per_hour: 100,
        }),
        ..Options::default()
    })
    .await;
    let [alice, bob, jose] = app.members(["alice", "bob", "jose"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Shall we ship it?").await;
    let message: i64 = scalar(
        &app,
        "SELECT max(id) FROM messages WHERE conversation_id = $1",
        conversation,
    )
    .await;
    open_thread(&app, &bob, conversation).await;
    let mut alices = listen(&app, &alice).await;

    let (status, answer) = react(&app, &bob, message, ("👍", true)).await;
    assert_eq!(status, 200, "{answer}");
    let bob_token = member(b);
    assert_eq!(
        answer,
        json!([{"emoji": "👍", "from": [[bob_token, "Bob Nakamura"]]}])
    );
    let event = alices.next().await.data;
    assert_eq!(
        event,
        json!({"type": "reacted", "conversation_id": conversation, "message_id": message,
               "reactions": [{"emoji": "👍", "from": [[member(b), "Bob Nakamura"]]}]})
    );
    assert_eq!(
        react(&app, &bob, message, ("👍", true)).await.0,
        200,
        "a retry"
    );
    assert_eq!(react(&app, &alice, message, ("🎉", true)).await.0, 200);
    assert_eq!(react(&app, &alice, message, ("👍", true)).await.0, 200);
    alices.next().await;
    let both = alices.next().await.data;
    assert_eq!(
        both["reactions"],
        json!([{"emoji": "👍", "from": [[member(b), "Bob Nakamura"], [member(a), "Alice Martin"]]},
               {"emoji": "🎉", "from": [[member(a), "Alice Martin"]]}]),
        "in the order of the set, first reaction first"
    );
    let (_, after) = react(&app, &bob, message, ("👍", false)).await;
    assert_eq!(
        after,
        json!([{"emoji": "👍", "from": [[member(a), "Alice Martin"]]},
               {"emoji": "🎉", "from": [[member(a), "Alice Martin"]]}]),
        "Bob's is taken back"
    );
    assert_eq!(alices.next().await.data["reactions"], after);
    alices.assert_quiet().await;
    let shown = entry(&open_thread(&app, &alice, conversation).await, message);
    assert_eq!(
        shown["reactions"], after,
        "the thread shows them as the answer did"
    );
    assert_eq!(unread(&app, &alice).await, 0, "a reaction is not a message");

    let unknown = react(&app, &bob, message, ("🍆", true)).await;
    assert_eq!(unknown.0, 422, "{}", refusal(&unknown));
    assert!(refusal(&unknown).contains("Choose one of the reactions"));
    assert_eq!(
        react(&app, &jose, message, ("👍", true)).await.0,
        404,
        "outsiders cannot"
    );

    // Sixty a minute (three per message a minute), counted by the database's clock: started early in a minute,
    // so the minute cannot turn during the sixty-one.
    let second: f64 = sqlx::query_scalar("SELECT extract(second FROM now())::float8")
        .fetch_one(&app.pool)
        .await
        .expect("the database's clock");
    if second > 30.0 {
        tokio::time::sleep(std::time::Duration::from_secs_f64(60.5 - second)).await;
    }
    let counted: i64 = scalar(
        &app,
        "SELECT coalesce(sum(n), 0)::int8 FROM action_counts
         WHERE member_id = $1 AND minute = date_trunc('minute', now())",
        b,
    )
    .await;
    let mut statuses = Vec::new();
    for _ in counted..60 {
        statuses.push(
            react(&app, &bob, message, ("😮", statuses.len() % 2 == 0))
                .await
                .0,
        );
    }
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let too_many = react(&app, &bob, message, ("😮", true)).await;
    assert_eq!(
        too_many.0,
        429,
        "the sixty-first in a minute: {}",
        refusal(&too_many)
    );

    assert_eq!(delete(&app, &alice, message).await.0, 200);
    let gone = react(&app, &bob, message, ("👍", true)).await;
    assert_eq!(
        gone.0,
        409,
        "a deleted message takes no reactions: {}",
        refusal(&gone)
    );
    let left: i64 = scalar(
        &app,
        "SELECT count(*) FROM message_reactions WHERE message_id = $1",
        message,
    )
    .await;
    assert_eq!(left, 0, "its reactions went with it");
}

/// Opening a thread says where the unread messages start; "Mark as unread" puts
/// the conversation back to unread from a message on, and the envelope follows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_shows_where_unread_messages_start_and_can_be_marked_unread() {
    let app = spawn_app().await;
    let [alice, bob, jose] = app.members(["alice", "bob", "jose"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "One").await;
    let one: i64 = scalar(
        &app,
        "SELECT min(id) FROM messages WHERE conversation_id = $1",
        conversation,
    )
    .await;
    assert_eq!(
        open_thread(&app, &bob, conversation).await["first_unread"],
        one
    );
    assert_eq!(
        open_thread(&app, &alice, conversation).await["first_unread"],
        Value::Null,
        "her own messages are never new to her"
    );
    let two = reply(&app, &alice, conversation, "Two").await;
    let three = reply(&app, &alice, conversation, "Three").await;
    assert_eq!(
        open_thread(&app, &bob, conversation).await["first_unread"],
        two
    );
    assert_eq!(
        open_thread(&app, &bob, conversation).await["first_unread"],
        Value::Null,
        "read now"
    );
    assert_eq!(unread(&app, &bob).await, 0);

    let mut bobs = listen(&app, &bob).await;
    let (status, body) = call(
        &app,
        &bob,
        "mark_unread",
        &[("message", &three.to_string())],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(bobs.next().await.data, json!({"type": "unread"}));
    assert_eq!(unread(&app, &bob).await, 1, "the envelope is gold again");
    assert_eq!(
        open_thread(&app, &bob, conversation).await["first_unread"],
        three
    );
    let (status, _) = call(
        &app,
        &jose,
        "mark_unread",
        &[("message", &three.to_string())],
    )
    .await;
    assert_eq!(status, 404, "not Jose's conversation");
}

/// "Alice is typing…" reaches the others' open pages at once, unnumbered and
/// never stored; one announcement per few seconds is passed on; outsiders are
/// told the conversation does not exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_reaches_the_others_live_and_is_never_stored() {
    let app = spawn_app().await;
    let [alice, bob, jose] = app.members(["alice", "bob", "jose"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Are you there?").await;
    let mut bobs = listen(&app, &bob).await;
    let mut alices = listen(&app, &alice).await;
    let events_before: i64 = scalar(
        &app,
        "SELECT count(*) FROM live_events WHERE member_id = $1",
        b,
    )
    .await;

    let id = conversation.to_string();
    let (status, body) = call(&app, &alice, "typing", &[("conversation", &id)]).await;
    assert_eq!(status, 200, "{body}");
    let event = bobs.next().await;
    assert_eq!(
        event.data,
        json!({"type": "typing", "conversation_id": conversation, "who": "Alice Martin"})
    );
    assert_eq!(event.id, None, "not numbered");
    alices.assert_quiet().await;
    assert_eq!(
        call(&app, &alice, "typing", &[("conversation", &id)])
            .await
            .0,
        200
    );
    bobs.assert_quiet().await;
    let events_after: i64 = scalar(
        &app,
        "SELECT count(*) FROM live_events WHERE member_id = $1",
        b,
    )
    .await;
    assert_eq!(events_after, events_before, "nothing stored");
    assert_eq!(
        call(&app, &jose, "typing", &[("conversation", &id)])
            .await
            .0,
        404
    );
}

/// Drafts follow the member to another device, for a conversation and for the
/// start dialog; sending clears them; nobody else's conversation takes one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_follow_the_member_to_another_device_until_sent() {
    let app = spawn_app().await;
    let [alice, jose] = app.members(["alice", "jose"]).await;
    let phone = app.member("alice").await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Hello").await;
    let id = conversation.to_string();

    let draft = "Half a thought, with a typo ☕";
    let (status, body) = call(
        &app,
        &alice,
        "save_draft",
        &[("conversation", &id), ("body", draft)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        open_thread(&app, &phone, conversation).await["draft"],
        draft,
        "on the other device"
    );
    assert_eq!(
        call(
            &app,
            &jose,
            "save_draft",
            &[("conversation", &id), ("body", "x")]
        )
        .await
        .0,
        404
    );
    let long = "x".repeat(20_000);
    let refused = call(
        &app,
        &alice,
        "save_draft",
        &[("conversation", &id), ("body", &long)],
    )
    .await;
    assert_eq!(refused.0, 422, "{}", refusal(&refused));
    assert_eq!(
        open_thread(&app, &alice, conversation).await["draft"],
        draft,
        "the draft kept"
    );

    reply(&app, &phone, conversation, "The whole thought").await;
    assert_eq!(
        open_thread(&app, &alice, conversation).await["draft"],
        Value::Null,
        "sent, so gone"
    );

    // The start dialog's draft.
    assert_eq!(
        call(&app, &alice, "save_draft", &[("body", "To someone new")])
            .await
            .0,
        200
    );
    let compose = call(&app, &phone, "get_compose_info", &[]).await.1;
    assert_eq!(compose["draft"], "To someone new");
    start(
        &app,
        &phone,
        a,
        &[member(app.id_of("jose").await)],
        "To someone new",
    )
    .await;
    assert_eq!(
        call(&app, &alice, "get_compose_info", &[]).await.1["draft"],
        Value::Null
    );

    // Emptying the box removes the draft.
    assert_eq!(
        call(
            &app,
            &alice,
            "save_draft",
            &[("conversation", &id), ("body", "again")]
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            &app,
            &alice,
            "save_draft",
            &[("conversation", &id), ("body", "")]
        )
        .await
        .0,
        200
    );
    assert_eq!(
        open_thread(&app, &alice, conversation).await["draft"],
        Value::Null
    );
}

/// Read receipts: opening a thread tells the others how far the member read
/// ("Seen by"), live and in the thread; a member who stops sharing is not shown
/// and sees nobody's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_receipts_are_shared_live_unless_a_member_stops_sharing() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Did you get this?").await;
    let message = reply(&app, &alice, conversation, "And this?").await;
    let mut alices = listen(&app, &alice).await;

    open_thread(&app, &bob, conversation).await;
    assert_eq!(
        alices.next().await.data,
        json!({"type": "seen", "conversation_id": conversation,
               "seen": {"token": member(b), "name": "Bob Nakamura", "up_to": message}})
    );
    assert_eq!(
        open_thread(&app, &alice, conversation).await["seen"],
        json!([{"token": member(b), "name": "Bob Nakamura", "up_to": message}])
    );
    assert_eq!(
        open_thread(&app, &bob, conversation).await["seen"],
        json!([{"token": member(a), "name": "Alice Martin", "up_to": message}]),
        "Bob sees Alice's too (she read her own messages by sending them)"
    );

    let (status, body) = call(&app, &bob, "save_read_receipts", &[("share", "false")]).await;
    assert_eq!(status, 200, "{body}");
    let newer = reply(&app, &alice, conversation, "Hello?").await;
    alices.next().await; // her own message
    open_thread(&app, &bob, conversation).await;
    alices.assert_quiet().await;
    assert_eq!(
        open_thread(&app, &alice, conversation).await["seen"],
        json!([]),
        "Bob is not shown"
    );
    assert_eq!(
        open_thread(&app, &bob, conversation).await["seen"],
        json!([]),
        "and sees nobody's"
    );
    let _ = newer;
}

/// Two participants reading the same new message at the same moment: each read
/// publishes to the reader's own pages and, as "seen", to the other's. Both reads
/// succeed, every time (they once took each other's live-stream rows in opposite
/// orders and one of them failed on a deadlock).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_participants_reading_at_once_both_succeed() {
    let app = spawn_app().await;
    let [alice, bob, carol] = app.members(["alice", "bob", "jose"]).await;
    let [a, b, c] = app.ids(["alice", "bob", "jose"]).await;
    let conversation = start(&app, &carol, c, &[member(a), member(b)], "Three of us").await;
    for round in 0..40 {
        let message = reply(&app, &carol, conversation, &format!("news {round}")).await;
        let form = [
            ("conversation", conversation.to_string()),
            ("up_to", message.to_string()),
        ];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (x, y) = tokio::join!(
            app.call_with(&alice, "mark_read", &form),
            app.call_with(&bob, "mark_read", &form)
        );
        assert_eq!(
            (x.status().as_u16(), y.status().as_u16()),
            (200, 200),
            "round {round}: both reads succeed"
        );
    }
}
