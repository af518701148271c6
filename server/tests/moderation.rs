//! The code of conduct in practice: reporting a message, blocking a member, "who may
//! message me" and message requests, leaving and adding people, and the moderators'
//! queue, actions and audit log, each checked the way a member or a client sees it.

mod common;

use common::*;
use serde_json::Value;
use std::time::{Duration, Instant};

// --- calling the portal ------------------------------------------------------

/// Posts a form with owned values (lists go as `to[0]=…&to[1]=…`).
async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    endpoint: &str,
    form: &[(String, String)],
) -> reqwest::Response {
    client
        .post(format!("{}/api/{endpoint}", app.url))
        .form(form)
        .send()
        .await
        .expect("request")
}

/// `to[0]=…&to[1]=…` for a list of party tokens.
fn to_fields(to: &[String]) -> Vec<(String, String)> {
    to.iter()
        .enumerate()
        .map(|(i, t)| (format!("to[{i}]"), t.clone()))
        .collect()
}

/// Status and JSON body (`null` for a function returning nothing).
async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

/// The message for `field` in an `invalid` answer (`detail` is `[[field, message], …]`).
fn field_message(body: &Value, field: &str) -> Option<String> {
    assert_eq!(body["kind"], "invalid", "an invalid answer: {body}");
    body["detail"].as_array()?.iter().find_map(|pair| {
        (pair[0] == field).then(|| pair[1].as_str().unwrap_or_default().to_string())
    })
}

/// Starts a conversation as the member `from`; the raw answer.
async fn try_start(
    app: &TestApp,
    client: &reqwest::Client,
    from: i64,
    to: &[String],
    body: &str,
) -> reqwest::Response {
    let mut form = vec![
        ("send_as".to_string(), member(from)),
        ("body".to_string(), body.to_string()),
        ("key".to_string(), fresh_key()),
    ];
    form.extend(to_fields(to));
    post(app, client, "start_conversation", &form).await
}

async fn try_reply(
    app: &TestApp,
    client: &reqwest::Client,
    conversation: i64,
    body: &str,
) -> (u16, Value) {
    answer(
        app.call_with(
            client,
            "send_message",
            &[
                ("conversation", &conversation.to_string()),
                ("body", body),
                ("key", &fresh_key()),
            ],
        )
        .await,
    )
    .await
}

async fn thread(app: &TestApp, client: &reqwest::Client, id: i64) -> (u16, Value) {
    answer(
        app.call_with(client, "get_thread", &[("id", &id.to_string())])
            .await,
    )
    .await
}

/// The thread, which must open.
async fn open_thread(app: &TestApp, client: &reqwest::Client, id: i64) -> Value {
    let (status, body) = thread(app, client, id).await;
    assert_eq!(status, 200, "the thread {id} opens: {body}");
    body
}

fn entries(thread: &Value) -> &Vec<Value> {
    thread["messages"].as_array().expect("messages")
}

fn entry(thread: &Value, message: i64) -> &Value {
    entries(thread)
        .iter()
        .find(|m| m["id"] == message)
        .unwrap_or_else(|| panic!("message {message} is in the thread: {thread}"))
}

async fn inbox(app: &TestApp, client: &reqwest::Client) -> Value {
    let (status, body) = answer(app.call_with(client, "list_conversations", &[]).await).await;
    assert_eq!(status, 200, "the list opens: {body}");
    body
}

fn ids(inbox: &Value) -> Vec<i64> {
    inbox["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect()
}

async fn listed(app: &TestApp, client: &reqwest::Client) -> Vec<i64> {
    ids(&inbox(app, client).await)
}

/// The envelope's count of unread conversations.
async fn unread(app: &TestApp, client: &reqwest::Client) -> i64 {
    let (status, body) = answer(app.call_with(client, "unread_conversations", &[]).await).await;
    assert_eq!(status, 200, "{body}");
    body.as_i64().expect("a count")
}

/// The conversations the in-app notifications menu lists.
async fn notices(app: &TestApp, client: &reqwest::Client) -> Vec<i64> {
    let (status, body) = answer(app.call_with(client, "list_notifications", &[]).await).await;
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .expect("notifications")
        .iter()
        .map(|n| n["conversation_id"].as_i64().expect("conversation id"))
        .collect()
}

async fn requests(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    let (status, body) = answer(app.call_with(client, "list_requests", &[]).await).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().expect("requests").clone()
}

fn request_ids(requests: &[Value]) -> Vec<i64> {
    requests
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect()
}

async fn answer_request(
    app: &TestApp,
    client: &reqwest::Client,
    conversation: i64,
    how: &str,
) -> (u16, Value) {
    answer(
        app.call_with(
            client,
            "answer_request",
            &[("conversation", &conversation.to_string()), ("answer", how)],
        )
        .await,
    )
    .await
}

async fn report(
    app: &TestApp,
    client: &reqwest::Client,
    message: i64,
    reason: &str,
    note: &str,
) -> (u16, Value) {
    answer(
        app.call_with(
            client,
            "report_message",
            &[
                ("message", &message.to_string()),
                ("reason", reason),
                ("note", note),
            ],
        )
        .await,
    )
    .await
}

/// Reports a message, which must succeed; returns the report's id.
async fn report_ok(app: &TestApp, client: &reqwest::Client, message: i64) -> i64 {
    let (status, body) = report(app, client, message, "harassment", "").await;
    assert_eq!(status, 200, "the report is received: {body}");
    sqlx::query_scalar("SELECT max(id) FROM reports WHERE message_id = $1")
        .bind(message)
        .fetch_one(&app.pool)
        .await
        .expect("the report is stored")
}

async fn set_block(
    app: &TestApp,
    client: &reqwest::Client,
    handle: &str,
    blocked: bool,
) -> (u16, Value) {
    answer(
        app.call_with(
            client,
            "set_block",
            &[("handle", handle), ("blocked", &blocked.to_string())],
        )
        .await,
    )
    .await
}

async fn block(app: &TestApp, client: &reqwest::Client, handle: &str) {
    let (status, body) = set_block(app, client, handle, true).await;
    assert_eq!(
        (status, &body),
        (200, &Value::Bool(true)),
        "{handle} blocked"
    );
}

async fn save_policy(app: &TestApp, client: &reqwest::Client, policy: &str) -> (u16, Value) {
    answer(
        app.call_with(client, "save_message_policy", &[("policy", policy)])
            .await,
    )
    .await
}

async fn add_people(
    app: &TestApp,
    client: &reqwest::Client,
    conversation: i64,
    to: &[String],
) -> (u16, Value) {
    let mut form = vec![("conversation".to_string(), conversation.to_string())];
    form.extend(to_fields(to));
    answer(post(app, client, "add_people", &form).await).await
}

async fn leave(app: &TestApp, client: &reqwest::Client, conversation: i64) -> (u16, Value) {
    answer(
        app.call_with(
            client,
            "leave_conversation",
            &[("conversation", &conversation.to_string())],
        )
        .await,
    )
    .await
}

async fn queue(app: &TestApp, client: &reqwest::Client) -> (u16, Value) {
    answer(app.call_with(client, "moderation_queue", &[]).await).await
}

async fn moderate(
    app: &TestApp,
    client: &reqwest::Client,
    report: i64,
    action: &str,
    note: &str,
) -> (u16, Value) {
    answer(
        app.call_with(
            client,
            "moderate",
            &[
                ("report", &report.to_string()),
                ("action", action),
                ("note", note),
            ],
        )
        .await,
    )
    .await
}

async fn moderate_ok(app: &TestApp, client: &reqwest::Client, report: i64, action: &str) {
    let (status, body) = moderate(app, client, report, action, "").await;
    assert_eq!(status, 200, "{action} on report {report}: {body}");
}

async fn audit_log(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    let (status, body) = answer(app.call_with(client, "moderation_log", &[]).await).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().expect("log entries").clone()
}

// --- looking at the database ---------------------------------------------------

async fn count(app: &TestApp, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("count")
}

async fn first_message(app: &TestApp, conversation: i64) -> i64 {
    sqlx::query_scalar("SELECT min(id) FROM messages WHERE conversation_id = $1")
        .bind(conversation)
        .fetch_one(&app.pool)
        .await
        .expect("a first message")
}

async fn name_of(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("SELECT display_name FROM members WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("member exists")
}

/// Email notifications waiting for `member` about `conversation`.
async fn outbox_rows(app: &TestApp, member: i64, conversation: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM email_outbox WHERE member_id = $1 AND conversation_id = $2",
    )
    .bind(member)
    .bind(conversation)
    .fetch_one(&app.pool)
    .await
    .expect("count")
}

/// Ordinary demo members (none of the named accounts), by id, that do or do not
/// share a group with `handle`.
async fn members_sharing(app: &TestApp, handle: &str, shared: bool) -> Vec<(i64, String)> {
    sqlx::query_as(
        "SELECT m.id, m.handle FROM members m
         WHERE m.role = 'member' AND m.handle NOT IN ('alice', 'bob', 'jose', 'ngozi', 'lars')
           AND EXISTS (SELECT 1 FROM group_memberships mine
                       JOIN group_memberships theirs ON theirs.group_id = mine.group_id
                       JOIN members t ON t.id = theirs.member_id
                       WHERE mine.member_id = m.id AND t.handle = $1) = $2
         ORDER BY m.id LIMIT 12",
    )
    .bind(handle)
    .bind(shared)
    .fetch_all(&app.pool)
    .await
    .expect("members")
}

// --- live events -------------------------------------------------------------

const WAIT: Duration = Duration::from_secs(10);
const QUIET: Duration = Duration::from_millis(800);

/// A member's open `GET /api/live` stream.
struct LiveStream {
    response: reqwest::Response,
    buffer: Vec<u8>,
}

async fn connect(app: &TestApp, client: &reqwest::Client) -> LiveStream {
    let response = client
        .get(format!("{}/api/live", app.url))
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "the live stream opens");
    let mut stream = LiveStream {
        response,
        buffer: Vec::new(),
    };
    let hello = stream.next().await;
    assert_eq!(hello["type"], "hello", "{hello}");
    stream
}

impl LiveStream {
    async fn next_within(&mut self, timeout: Duration) -> Option<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            while let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
                let data: Vec<String> = String::from_utf8_lossy(&block)
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(|v| v.strip_prefix(' ').unwrap_or(v).to_string())
                    .collect();
                if !data.is_empty() {
                    return Some(serde_json::from_str(&data.join("\n")).expect("JSON event"));
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.response.chunk()).await {
                Ok(Ok(Some(chunk))) => self.buffer.extend_from_slice(&chunk),
                _ => return None,
            }
        }
    }

    async fn next(&mut self) -> Value {
        self.next_within(WAIT)
            .await
            .unwrap_or_else(|| panic!("no live event within {WAIT:?}"))
    }

    async fn assert_quiet(&mut self) {
        if let Some(event) = self.next_within(QUIET).await {
            panic!("unexpected live event: {event}");
        }
    }
}

// --- reports -----------------------------------------------------------------

/// Reporting a message twice is one report, and both answers are the same plain success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reporting_a_message_twice_files_one_report_and_both_calls_succeed() {
    let app = spawn_app().await;
    let (alice, bob) = (app.member("alice").await, app.member("bob").await);
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    let conversation = start(&app, &alice, a, &[member(b)], "You are hopeless.").await;
    let message = first_message(&app, conversation).await;

    let first = report(&app, &bob, message, "harassment", "Not the first time.").await;
    let second = report(&app, &bob, message, "spam", "").await;
    assert_eq!(first, (200, Value::Null), "the first report is received");
    assert_eq!(second, first, "the second report gets the same answer");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM reports WHERE message_id = $1",
            message
        )
        .await,
        1,
        "one report row for the message"
    );
}

/// Only a message in one of the reporter's conversations can be reported, and never
/// one's own: someone else's message answers exactly like a missing id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_others_messages_in_ones_own_conversations_can_be_reported() {
    let app = spawn_app().await;
    let (alice, bob, jose) = (
        app.member("alice").await,
        app.member("bob").await,
        app.member("jose").await,
    );
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    let conversation = start(&app, &alice, a, &[member(b)], "Between the two of us").await;
    let message = first_message(&app, conversation).await;

    let outsider = report(&app, &jose, message, "harassment", "").await;
    let missing = report(&app, &jose, message + 1_000_000, "harassment", "").await;
    assert_eq!(outsider.0, 404, "a message in someone else's conversation");
    assert_eq!(
        outsider, missing,
        "indistinguishable from a missing message"
    );

    let (status, body) = report(&app, &alice, message, "spam", "").await;
    assert_eq!(status, 409, "one's own message: {body}");
    assert_eq!(body["kind"], "refused");

    assert_eq!(
        report(&app, &bob, message, "harassment", "").await.0,
        200,
        "the recipient may report it"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM reports WHERE message_id = $1",
            message
        )
        .await,
        1,
        "only the recipient's report is stored"
    );
}

/// The reason must be one of the three offered, and the note at most 500 characters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_reasons_and_notes_are_checked() {
    let app = spawn_app().await;
    let (alice, bob) = (app.member("alice").await, app.member("bob").await);
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    let conversation = start(&app, &alice, a, &[member(b)], "Buy cheap followers!").await;
    let message = first_message(&app, conversation).await;

    let (status, body) = report(&app, &bob, message, "rude", "").await;
    assert_eq!(status, 422);
    assert!(field_message(&body, "reason").is_some(), "{body}");
    let (status, body) = report(&app, &bob, message, "", "").await;
    assert_eq!(status, 422, "no reason at all");
    assert!(field_message(&body, "reason").is_some(), "{body}");

    let (status, body) = report(&app, &bob, message, "spam", &"é".repeat(501)).await;
    assert_eq!(status, 422);
    assert!(field_message(&body, "note").is_some(), "{body}");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM reports WHERE message_id = $1",
            message
        )
        .await,
        0,
        "refused reports are not stored"
    );

    for reason in ["harassment", "spam", "other"] {
        let conversation = start(&app, &alice, a, &[member(b)], reason).await;
        let last: i64 =
            sqlx::query_scalar("SELECT max(id) FROM messages WHERE conversation_id = $1")
                .bind(conversation)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        let (status, body) = report(&app, &bob, last, reason, &"é".repeat(500)).await;
        assert_eq!(status, 200, "{reason} with a 500-character note: {body}");
    }
}

/// The reported author learns nothing: their thread, list and envelope read the same
/// before and after the report, and no live event reaches them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_changes_nothing_the_reported_author_can_see() {
    let app = spawn_app().await;
    let (alice, bob) = (app.member("alice").await, app.member("bob").await);
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    let conversation = start(&app, &alice, a, &[member(b)], "Something rude").await;
    reply(&app, &bob, conversation, "That was rude.").await;
    let message = first_message(&app, conversation).await;

    let thread_before = open_thread(&app, &alice, conversation).await;
    let inbox_before = inbox(&app, &alice).await;
    let unread_before = unread(&app, &alice).await;
    let mut alices = connect(&app, &alice).await;

    assert_eq!(
        report(&app, &bob, message, "harassment", "Please look").await,
        (200, Value::Null),
        "the reporter only learns that the report was received"
    );

    alices.assert_quiet().await;
    assert_eq!(open_thread(&app, &alice, conversation).await, thread_before);
    assert_eq!(inbox(&app, &alice).await, inbox_before);
    assert_eq!(unread(&app, &alice).await, unread_before);
    // The control: the report does exist, for the moderators.
    let (status, q) = queue(&app, &app.member("ngozi").await).await;
    assert_eq!(status, 200);
    assert_eq!(q.as_array().map(Vec::len), Some(1), "{q}");
}

// --- blocking ----------------------------------------------------------------

/// A blocked member cannot start a conversation with the blocker and is told so
/// without the word "block"; others are unaffected, and unblocking restores it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_member_cannot_start_a_conversation_until_unblocked() {
    let app = spawn_app().await;
    let (alice, bob) = (app.member("alice").await, app.member("bob").await);
    let (a, b, j) = (
        app.id_of("alice").await,
        app.id_of("bob").await,
        app.id_of("jose").await,
    );
    let (status, body) = set_block(&app, &alice, "alice", true).await;
    assert_eq!(status, 409, "blocking oneself: {body}");
    block(&app, &alice, "bob").await;

    let (status, body) = answer(try_start(&app, &bob, b, &[member(a)], "Hi Alice").await).await;
    assert_eq!(status, 422, "{body}");
    let message = field_message(&body, "to").expect("a message on the recipients");
    assert!(
        message.contains("You can't message Alice Martin"),
        "{message}"
    );
    assert!(
        !body.to_string().to_lowercase().contains("block"),
        "the answer does not say that Alice blocked Bob: {body}"
    );
    let (status, _) =
        answer(try_start(&app, &bob, b, &[member(a), member(j)], "Hi all").await).await;
    assert_eq!(status, 422, "not in a group conversation either");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM messages WHERE author_id = $1",
            b
        )
        .await,
        0,
        "nothing was stored"
    );

    // Bob can still write to others, and Alice to Bob.
    start(&app, &bob, b, &[member(j)], "Hi José").await;
    start(&app, &alice, a, &[member(b)], "I can still write to you").await;

    let (status, body) = set_block(&app, &alice, "bob", false).await;
    assert_eq!((status, body), (200, Value::Bool(false)), "unblocked");
    let (status, body) = answer(try_start(&app, &bob, b, &[member(a)], "Hi again").await).await;
    assert_eq!(status, 200, "unblocked, Bob can write again: {body}");
}

/// Bob cannot bring Alice, who blocked him, into a conversation by adding her either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_member_cannot_add_the_blocker_to_a_conversation() {
    let app = spawn_app().await;
    let (alice, bob) = (app.member("alice").await, app.member("bob").await);
    let (a, b, j) = (
        app.id_of("alice").await,
        app.id_of("bob").await,
        app.id_of("jose").await,
    );
    let others = members_sharing(&app, "bob", true).await;
    let conversation = start(&app, &bob, b, &[member(j), member(others[0].0)], "Team").await;
    block(&app, &alice, "bob").await;

    let (status, body) = add_people(&app, &bob, conversation, &[member(a)]).await;
    assert_eq!(status, 422, "{body}");
    let message = field_message(&body, "to").expect("a message on the recipients");
    assert!(
        message.contains("Alice Martin") && !message.to_lowercase().contains("block"),
        "{message}"
    );
    assert_eq!(
        thread(&app, &alice, conversation).await.0,
        404,
        "Alice was not added"
    );

    let (status, body) = add_people(&app, &bob, conversation, &[member(others[1].0)]).await;
    assert_eq!(status, 200, "adding someone else works: {body}");
}

/// The blocker no longer finds the blocked member when choosing recipients.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_member_is_left_out_of_the_blockers_search_and_listed_in_privacy() {
    let app = spawn_app().await;
    let (alice, jose) = (app.member("alice").await, app.member("jose").await);
    let b = app.id_of("bob").await;
    let search = |client: reqwest::Client| {
        let app = &app;
        async move {
            let (status, body) = answer(
                app.call_with(&client, "search_parties", &[("query", "Bob")])
                    .await,
            )
            .await;
            assert_eq!(status, 200, "{body}");
            body.as_array()
                .expect("parties")
                .iter()
                .map(|p| p["handle"].as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert!(
        search(alice.clone()).await.contains(&"bob".to_string()),
        "before blocking, Alice finds Bob"
    );
    block(&app, &alice, "bob").await;
    let found = search(alice.clone()).await;
    assert!(!found.contains(&"bob".to_string()), "{found:?}");
    assert!(
        search(jose.clone()).await.contains(&"bob".to_string()),
        "José still finds Bob"
    );

    let (status, privacy) = answer(app.call_with(&alice, "get_privacy", &[]).await).await;
    assert_eq!(status, 200);
    assert_eq!(privacy["blocked"][0]["token"], member(b), "{privacy}");
    assert_eq!(privacy["blocked"][0]["name"], "Bob Nakamura");
}

/// In a conversation they already share, Bob's new reply is accepted, but for Alice it
/// arrives collapsed and quietly: no unread envelope, no notice, no email.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_members_reply_arrives_collapsed_and_quietly() {
    let app = spawn_app().await;
    let (alice, bob) = (app.member("alice").await, app.member("bob").await);
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    let conversation = start(&app, &alice, a, &[member(b)], "Hi Bob").await;
    let mut alices = connect(&app, &alice).await;

    // The control, before blocking: Bob's reply is news to Alice.
    reply(&app, &bob, conversation, "Hi Alice").await;
    let event = alices.next().await;
    assert_eq!(event["notice"], "Bob Nakamura wrote to you", "{event}");
    assert_eq!(unread(&app, &alice).await, 1);
    assert_eq!(notices(&app, &alice).await, [conversation]);
    assert_eq!(outbox_rows(&app, a, conversation).await, 1);
    sqlx::query("DELETE FROM email_outbox")
        .execute(&app.pool)
        .await
        .unwrap();
    open_thread(&app, &alice, conversation).await;
    assert_eq!(unread(&app, &alice).await, 0, "Alice read it");
    let _read = alices.next().await;

    block(&app, &alice, "bob").await;
    let (status, sent) = try_reply(&app, &bob, conversation, "Why don't you answer?").await;
    assert_eq!(status, 200, "Bob's reply is accepted: {sent}");
    let id = sent["id"].as_i64().expect("message id");

    let event = alices.next().await;
    assert_eq!(event["type"], "message");
    assert_eq!(event["message"]["collapsed"], true, "{event}");
    assert_eq!(event["notice"], Value::Null, "no in-app notice: {event}");
    assert_eq!(
        event["muted"], true,
        "the envelope stays as it was: {event}"
    );
    assert_eq!(unread(&app, &alice).await, 0, "still read");
    let listed = inbox(&app, &alice).await;
    assert_eq!(listed["conversations"][0]["unread"], false, "{listed}");
    assert_eq!(notices(&app, &alice).await, Vec::<i64>::new());
    assert_eq!(outbox_rows(&app, a, conversation).await, 0, "no email");

    let t = open_thread(&app, &alice, conversation).await;
    assert_eq!(entry(&t, id)["collapsed"], true, "{t}");
    let first = first_message(&app, conversation).await;
    assert_eq!(entry(&t, first)["collapsed"], false, "Alice's own message");
    let t = open_thread(&app, &bob, conversation).await;
    assert_eq!(
        entry(&t, id)["collapsed"],
        false,
        "Bob sees nothing different"
    );
}

/// Same as above, but a note ("José left") came after Alice last read the thread: Bob's
/// reply must still not make the conversation unread or put a notice in her menu.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_members_reply_after_a_note_stays_quiet() {
    let app = spawn_app().await;
    let (alice, bob, jose) = (
        app.member("alice").await,
        app.member("bob").await,
        app.member("jose").await,
    );
    let (a, b, j) = (
        app.id_of("alice").await,
        app.id_of("bob").await,
        app.id_of("jose").await,
    );
    let other = members_sharing(&app, "bob", true).await[0].0;
    let conversation = start(
        &app,
        &alice,
        a,
        &[member(b), member(j), member(other)],
        "Hi all",
    )
    .await;
    block(&app, &alice, "bob").await;
    assert_eq!(unread(&app, &alice).await, 0);
    assert_eq!(leave(&app, &jose, conversation).await.0, 200);
    assert_eq!(unread(&app, &alice).await, 0, "a note is not news");

    assert_eq!(try_reply(&app, &bob, conversation, "Hello?").await.0, 200);
    assert_eq!(
        unread(&app, &alice).await,
        0,
        "a blocked member's reply does not make it unread"
    );
    assert_eq!(
        notices(&app, &alice).await,
        Vec::<i64>::new(),
        "and puts no notice about Bob in Alice's menu"
    );
}

// --- who may message me, and requests --------------------------------------

/// The privacy settings keep the policy; an unknown policy is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_message_policy_is_saved_and_unknown_values_are_refused() {
    let app = spawn_app().await;
    let bob = app.member("bob").await;
    let (status, privacy) = answer(app.call_with(&bob, "get_privacy", &[]).await).await;
    assert_eq!(status, 200);
    assert_eq!(privacy["policy"], "everyone", "the default: {privacy}");
    assert_eq!(privacy["blocked"], serde_json::json!([]));

    let (status, body) = save_policy(&app, &bob, "friends").await;
    assert_eq!(status, 422);
    assert!(field_message(&body, "policy").is_some(), "{body}");

    assert_eq!(
        save_policy(&app, &bob, "shared_groups").await,
        (200, Value::from("shared_groups"))
    );
    let (_, privacy) = answer(app.call_with(&bob, "get_privacy", &[]).await).await;
    assert_eq!(privacy["policy"], "shared_groups");
}

/// With "shared groups only", a stranger's first message becomes a request: the sender
/// sees an ordinary success, Bob sees it under Requests and nowhere else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strangers_first_message_becomes_a_request_the_sender_cannot_tell() {
    let app = spawn_app().await;
    let bob = app.member("bob").await;
    let b = app.id_of("bob").await;
    let (s, stranger_handle) = members_sharing(&app, "bob", false).await[0].clone();
    let (f, friend_handle) = members_sharing(&app, "bob", true).await[0].clone();
    let (stranger, friend) = (
        app.member(&stranger_handle).await,
        app.member(&friend_handle).await,
    );
    save_policy(&app, &bob, "shared_groups").await;

    let response = try_start(&app, &stranger, s, &[member(b)], "Hello, can we talk?").await;
    let (status, body) = answer(response).await;
    assert_eq!(status, 200, "an ordinary success: {body}");
    let request = body
        .as_i64()
        .expect("the conversation id, as for any start");
    let sender_view = open_thread(&app, &stranger, request).await;
    assert_eq!(sender_view["request"], false, "the sender cannot tell");
    assert_eq!(listed(&app, &stranger).await, [request]);

    assert!(
        !listed(&app, &bob).await.contains(&request),
        "not in Bob's list"
    );
    assert_eq!(unread(&app, &bob).await, 0, "nor in his envelope");
    assert_eq!(inbox(&app, &bob).await["requests"], 1);
    let waiting = requests(&app, &bob).await;
    assert_eq!(request_ids(&waiting), [request]);
    assert_eq!(waiting[0]["from"]["handle"], stranger_handle.as_str());
    assert_eq!(waiting[0]["snippet"], "Hello, can we talk?");
    assert_eq!(waiting[0]["shared_groups"], serde_json::json!([]));
    let t = open_thread(&app, &bob, request).await;
    assert_eq!(t["request"], true, "{t}");
    assert_eq!(t["messages"][0]["body"], "Hello, can we talk?");

    // The control: a member who shares a group with Bob reaches him directly.
    let direct = start(&app, &friend, f, &[member(b)], "Hi from the group").await;
    assert!(listed(&app, &bob).await.contains(&direct));
    assert_eq!(unread(&app, &bob).await, 1);
    assert_eq!(request_ids(&requests(&app, &bob).await), [request]);
    assert_eq!(open_thread(&app, &bob, direct).await["request"], false);
}

/// Accepting a request moves it into Bob's list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepting_a_request_moves_it_into_the_list() {
    let app = spawn_app().await;
    let bob = app.member("bob").await;
    let b = app.id_of("bob").await;
    let (s, handle) = members_sharing(&app, "bob", false).await[0].clone();
    let stranger = app.member(&handle).await;
    save_policy(&app, &bob, "shared_groups").await;
    let request = start(&app, &stranger, s, &[member(b)], "A question for you").await;

    let (status, body) = answer_request(&app, &bob, request, "maybe").await;
    assert_eq!(status, 422, "{body}");
    assert!(!listed(&app, &bob).await.contains(&request));

    assert_eq!(answer_request(&app, &bob, request, "accept").await.0, 200);
    assert_eq!(listed(&app, &bob).await, [request]);
    assert_eq!(requests(&app, &bob).await, Vec::<Value>::new());
    assert_eq!(open_thread(&app, &bob, request).await["request"], false);
    reply(&app, &stranger, request, "Thanks!").await;
    assert_eq!(
        unread(&app, &bob).await,
        1,
        "now the sender's replies count"
    );
}

/// Replying to a request accepts it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replying_to_a_request_accepts_it() {
    let app = spawn_app().await;
    let bob = app.member("bob").await;
    let b = app.id_of("bob").await;
    let (s, handle) = members_sharing(&app, "bob", false).await[0].clone();
    let stranger = app.member(&handle).await;
    save_policy(&app, &bob, "shared_groups").await;
    let request = start(&app, &stranger, s, &[member(b)], "Got a minute?").await;
    assert!(!listed(&app, &bob).await.contains(&request));

    reply(&app, &bob, request, "Sure, what is it?").await;
    assert_eq!(listed(&app, &bob).await, [request]);
    assert_eq!(requests(&app, &bob).await, Vec::<Value>::new());
    assert_eq!(open_thread(&app, &bob, request).await["request"], false);
}

/// Declining hides the conversation from Bob for good; the sender can still reply as
/// usual and nothing reappears for Bob.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_request_disappears_for_good_without_the_sender_noticing() {
    let app = spawn_app().await;
    let bob = app.member("bob").await;
    let b = app.id_of("bob").await;
    let (s, handle) = members_sharing(&app, "bob", false).await[0].clone();
    let stranger = app.member(&handle).await;
    save_policy(&app, &bob, "shared_groups").await;
    let request = start(&app, &stranger, s, &[member(b)], "Special offer").await;

    assert_eq!(answer_request(&app, &bob, request, "decline").await.0, 200);
    assert_eq!(thread(&app, &bob, request).await.0, 404, "gone for Bob");
    assert_eq!(requests(&app, &bob).await, Vec::<Value>::new());

    let (status, body) = try_reply(&app, &stranger, request, "Last chance!").await;
    assert_eq!(status, 200, "the sender replies as usual: {body}");
    let again = start(&app, &stranger, s, &[member(b)], "Hello?").await;
    assert_eq!(again, request, "the same conversation, still declined");
    assert_eq!(
        open_thread(&app, &stranger, request).await["request"],
        false
    );

    assert_eq!(thread(&app, &bob, request).await.0, 404, "still gone");
    assert!(!listed(&app, &bob).await.contains(&request));
    assert_eq!(requests(&app, &bob).await, Vec::<Value>::new());
    assert_eq!(unread(&app, &bob).await, 0);
    assert_eq!(outbox_rows(&app, b, request).await, 0, "no email either");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM reports WHERE reporter_id = $1",
            b
        )
        .await,
        0,
        "a plain decline reports nothing"
    );
}

/// "Decline and report" also files a spam report about the request's first message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decline_and_report_files_a_spam_report_about_the_first_message() {
    let app = spawn_app().await;
    let (bob, ngozi) = (app.member("bob").await, app.member("ngozi").await);
    let b = app.id_of("bob").await;
    let (s, handle) = members_sharing(&app, "bob", false).await[0].clone();
    let stranger = app.member(&handle).await;
    save_policy(&app, &bob, "shared_groups").await;
    let request = start(&app, &stranger, s, &[member(b)], "Cheap watches here").await;
    reply(&app, &stranger, request, "Still interested?").await;
    let first = first_message(&app, request).await;

    assert_eq!(
        answer_request(&app, &bob, request, "decline_and_report").await,
        (200, Value::Null)
    );
    assert_eq!(thread(&app, &bob, request).await.0, 404);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM reports WHERE reporter_id = $1",
            b
        )
        .await,
        1
    );
    let row: (i64, i64, String) =
        sqlx::query_as("SELECT message_id, reporter_id, reason FROM reports")
            .fetch_one(&app.pool)
            .await
            .expect("exactly one report");
    assert_eq!(row, (first, b, "spam".to_string()));
    let (status, q) = queue(&app, &ngozi).await;
    assert_eq!(status, 200);
    assert_eq!(q[0]["reason"], "spam", "{q}");
    assert_eq!(q[0]["author"]["handle"], handle.as_str());
}

// --- leaving and adding people -----------------------------------------------

/// Leaving a three-person conversation: it is gone for the leaver, the others see a
/// "left" note, and the same three people starting again get a new conversation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_a_three_person_conversation() {
    let app = spawn_app().await;
    let (alice, bob) = (app.member("alice").await, app.member("bob").await);
    let (a, b, j) = (
        app.id_of("alice").await,
        app.id_of("bob").await,
        app.id_of("jose").await,
    );
    let pair = start(&app, &alice, a, &[member(b)], "Just us").await;
    let (status, body) = leave(&app, &alice, pair).await;
    assert_eq!(status, 409, "a 1:1 conversation cannot be left: {body}");
    open_thread(&app, &alice, pair).await;

    let trio = start(&app, &alice, a, &[member(b), member(j)], "The three of us").await;
    assert_eq!(leave(&app, &alice, trio).await.0, 200);
    assert_eq!(thread(&app, &alice, trio).await.0, 404, "gone for Alice");
    assert_eq!(listed(&app, &alice).await, [pair]);

    let t = open_thread(&app, &bob, trio).await;
    let note = entries(&t).last().expect("entries");
    assert_eq!(note["kind"], "left", "{t}");
    assert_eq!(note["author"]["name"], "Alice Martin");

    let mut alices = connect(&app, &alice).await;
    reply(&app, &bob, trio, "She left").await;
    alices.assert_quiet().await;
    assert_eq!(unread(&app, &alice).await, 0);
    assert_eq!(thread(&app, &alice, trio).await.0, 404);
    assert_eq!(outbox_rows(&app, a, trio).await, 0, "no email about it");

    let again = start(&app, &bob, b, &[member(a), member(j)], "Starting over").await;
    assert_ne!(
        again, trio,
        "the old conversation no longer matches these three"
    );
    assert_eq!(
        open_thread(&app, &alice, again).await["messages"][0]["body"],
        "Starting over"
    );
}

/// Whoever is added sees the whole conversation and a note naming them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_member_sees_the_history_and_a_note_naming_them() {
    let app = spawn_app().await;
    let (alice, bob) = (app.member("alice").await, app.member("bob").await);
    let (a, b, j) = (
        app.id_of("alice").await,
        app.id_of("bob").await,
        app.id_of("jose").await,
    );
    let candidates = members_sharing(&app, "alice", true).await;
    let (c, carol_handle) = candidates[0].clone();
    let (_, outsider_handle) = candidates[1].clone();
    let (carol, outsider) = (
        app.member(&carol_handle).await,
        app.member(&outsider_handle).await,
    );
    let trio = start(&app, &alice, a, &[member(b), member(j)], "Before Carol").await;
    reply(&app, &bob, trio, "Also before Carol").await;
    assert_eq!(thread(&app, &carol, trio).await.0, 404, "not yet added");

    let (status, body) = add_people(&app, &outsider, trio, &[member(c)]).await;
    assert_eq!(status, 404, "a non-participant cannot add anyone: {body}");
    let (status, body) = add_people(&app, &alice, trio, &[member(b)]).await;
    assert_eq!(status, 422, "Bob is already in it: {body}");
    assert!(field_message(&body, "to").is_some(), "{body}");
    assert_eq!(thread(&app, &carol, trio).await.0, 404, "still not added");

    assert_eq!(add_people(&app, &alice, trio, &[member(c)]).await.0, 200);
    let t = open_thread(&app, &carol, trio).await;
    let bodies: Vec<&str> = entries(&t)
        .iter()
        .filter(|m| m["kind"] == "text")
        .map(|m| m["body"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(bodies, ["Before Carol", "Also before Carol"], "{t}");
    let note = entries(&t).last().expect("entries");
    assert_eq!(note["kind"], "added", "{t}");
    assert!(
        note["body"]
            .as_str()
            .unwrap_or_default()
            .contains(&name_of(&app, c).await),
        "the note names Carol: {note}"
    );
    assert_eq!(
        try_reply(&app, &carol, trio, "Thanks for adding me")
            .await
            .0,
        200
    );
}

/// People can only be added to a conversation of three or more, which keeps within
/// nine others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_people_needs_three_and_stays_within_nine_others() {
    let app = spawn_app().await;
    let alice = app.member("alice").await;
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    let others: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM members WHERE id <> $1 AND role = 'member' ORDER BY id LIMIT 11",
    )
    .bind(a)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let tokens = |ids: &[i64]| ids.iter().map(|id| member(*id)).collect::<Vec<_>>();

    let pair = start(&app, &alice, a, &[member(b)], "Two of us").await;
    let (status, body) = add_people(&app, &alice, pair, &[member(others[5])]).await;
    assert_eq!(status, 422, "{body}");
    assert!(field_message(&body, "to").is_some(), "{body}");

    let ten = start(&app, &alice, a, &tokens(&others[..9]), "Ten of us").await;
    let (status, body) = add_people(&app, &alice, ten, &[member(others[10])]).await;
    assert_eq!(status, 422, "an eleventh: {body}");
    assert!(field_message(&body, "to").is_some(), "{body}");

    let nine = start(&app, &alice, a, &tokens(&others[..8]), "Nine of us").await;
    let (status, body) = add_people(&app, &alice, nine, &[member(others[10])]).await;
    assert_eq!(status, 200, "a tenth fits: {body}");
}

// --- the moderators' queue and actions ---------------------------------------

/// A report in the middle of a ten-message conversation shows the message with two
/// before and two after, and nothing more of the conversation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_shows_a_reported_message_with_two_either_side_only() {
    let app = spawn_app().await;
    let (alice, bob, ngozi) = (
        app.member("alice").await,
        app.member("bob").await,
        app.member("ngozi").await,
    );
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    let words = [
        "apricot",
        "blueberry",
        "cherry",
        "damson",
        "elderberry",
        "fig",
        "guava",
        "huckleberry",
        "imbe",
        "jackfruit",
    ];
    let conversation = start(&app, &alice, a, &[member(b)], words[0]).await;
    let mut ids = vec![first_message(&app, conversation).await];
    for (i, word) in words.iter().enumerate().skip(1) {
        let client = if i % 2 == 0 { &alice } else { &bob };
        ids.push(reply(&app, client, conversation, word).await);
    }
    // The fifth message ("elderberry") is Alice's.
    let reported = report_ok(&app, &bob, ids[4]).await;

    let (status, q) = queue(&app, &ngozi).await;
    assert_eq!(status, 200);
    let reports = q.as_array().expect("reports");
    assert_eq!(reports.len(), 1, "{q}");
    let r = &reports[0];
    assert_eq!(r["id"], reported);
    assert_eq!(r["reason"], "harassment");
    assert_eq!(r["reporter"], "Bob Nakamura");
    assert_eq!(r["author"]["handle"], "alice");
    assert_eq!(r["other_reports"], 0);
    let context = r["context"].as_array().expect("context");
    let shown: Vec<i64> = context.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(shown, ids[2..7], "two before, the message, two after");
    let flagged: Vec<i64> = context
        .iter()
        .filter(|m| m["reported"] == true)
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(flagged, [ids[4]]);
    assert_eq!(context[2]["body"], "elderberry");
    assert_eq!(
        thread(&app, &ngozi, conversation).await.0,
        404,
        "the moderator cannot open the whole conversation either"
    );
    let text = q.to_string();
    for far in [0, 1, 7, 8, 9] {
        assert!(
            !text.contains(words[far]),
            "message {} ({}) is not shown to the moderator",
            far + 1,
            words[far]
        );
    }
}

/// Unknown actions are refused; a report can be handled once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_is_handled_once_and_unknown_actions_are_refused() {
    let app = spawn_app().await;
    let (alice, bob, ngozi, lars) = (
        app.member("alice").await,
        app.member("bob").await,
        app.member("ngozi").await,
        app.member("lars").await,
    );
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    let conversation = start(&app, &alice, a, &[member(b)], "Borderline").await;
    let id = report_ok(&app, &bob, first_message(&app, conversation).await).await;

    let (status, body) = moderate(&app, &ngozi, id, "ban", "").await;
    assert_eq!(status, 422);
    assert!(field_message(&body, "action").is_some(), "{body}");
    assert_eq!(
        queue(&app, &ngozi).await.1.as_array().map(Vec::len),
        Some(1),
        "still open"
    );

    moderate_ok(&app, &ngozi, id, "dismiss").await;
    let (status, body) = moderate(&app, &lars, id, "remove", "").await;
    assert_eq!(status, 409, "already handled: {body}");
    assert_eq!(body["kind"], "refused");
    assert_eq!(queue(&app, &ngozi).await.1, serde_json::json!([]));
    assert_eq!(
        open_thread(&app, &bob, conversation).await["messages"][0]["removed"],
        false,
        "the late removal did nothing"
    );
}

/// Removing a message: participants get a `removed` event, and the thread and list show
/// that it was removed without its text anywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_message_is_gone_for_the_participants_at_once() {
    let app = spawn_app().await;
    let (alice, bob, jose, ngozi) = (
        app.member("alice").await,
        app.member("bob").await,
        app.member("jose").await,
        app.member("ngozi").await,
    );
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    let conversation = start(&app, &alice, a, &[member(b)], "Hello Bob").await;
    let kept = first_message(&app, conversation).await;
    let offending = reply(&app, &alice, conversation, "Zanzibar-grade insult").await;
    let id = report_ok(&app, &bob, offending).await;
    let mut streams = [connect(&app, &alice).await, connect(&app, &bob).await];
    let mut joses = connect(&app, &jose).await;

    moderate_ok(&app, &ngozi, id, "remove").await;
    for stream in &mut streams {
        let event = stream.next().await;
        assert_eq!(
            event,
            serde_json::json!({"type": "removed", "conversation_id": conversation, "message_id": offending})
        );
    }
    joses.assert_quiet().await;

    for client in [&alice, &bob] {
        let t = open_thread(&app, client, conversation).await;
        assert_eq!(entry(&t, offending)["removed"], true, "{t}");
        assert_eq!(entry(&t, offending)["body"], "");
        assert_eq!(entry(&t, kept)["removed"], false);
        assert_eq!(entry(&t, kept)["body"], "Hello Bob", "other messages stay");
        assert!(!t.to_string().contains("Zanzibar"), "{t}");
        let list = inbox(&app, client).await;
        assert_eq!(
            list["conversations"][0]["snippet"],
            "Removed by a moderator"
        );
        assert!(!list.to_string().contains("Zanzibar"), "{list}");
    }
    let (status, _) = report(&app, &bob, offending, "spam", "").await;
    assert_eq!(status, 404, "a removed message can no longer be reported");
}

/// A warning is shown to its author until they acknowledge it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warning_is_shown_to_the_author_until_acknowledged() {
    let app = spawn_app().await;
    let (alice, bob, ngozi) = (
        app.member("alice").await,
        app.member("bob").await,
        app.member("ngozi").await,
    );
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    let conversation = start(&app, &alice, a, &[member(b)], "Mind your own business").await;
    let id = report_ok(&app, &bob, first_message(&app, conversation).await).await;
    let warnings = |client: reqwest::Client| {
        let app = &app;
        async move {
            let (status, body) = answer(app.call_with(&client, "my_warnings", &[]).await).await;
            assert_eq!(status, 200, "{body}");
            body.as_array().expect("warnings").clone()
        }
    };
    assert_eq!(warnings(alice.clone()).await, Vec::<Value>::new());

    moderate_ok(&app, &ngozi, id, "warn").await;
    let shown = warnings(alice.clone()).await;
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0]["excerpt"], "Mind your own business");
    assert_eq!(
        warnings(bob.clone()).await,
        Vec::<Value>::new(),
        "only Alice"
    );

    let (status, _) = answer(app.call_with(&alice, "acknowledge_warnings", &[]).await).await;
    assert_eq!(status, 200);
    assert_eq!(warnings(alice.clone()).await, Vec::<Value>::new());
    assert_eq!(
        open_thread(&app, &bob, conversation).await["messages"][0]["body"],
        "Mind your own business",
        "a warning leaves the message in place"
    );
}

/// Suspending ends the author's sessions at once and keeps them from signing in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_member_is_signed_out_and_cannot_sign_in() {
    let app = spawn_app().await;
    let (alice, bob, lars) = (
        app.member("alice").await,
        app.member("bob").await,
        app.member("lars").await,
    );
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    let conversation = start(&app, &alice, a, &[member(b)], "Spam spam spam").await;
    let id = report_ok(&app, &bob, first_message(&app, conversation).await).await;
    assert_eq!(app.current_handle(&alice).await.as_deref(), Some("alice"));

    moderate_ok(&app, &lars, id, "suspend").await;
    let (status, body) = answer(app.call_with(&alice, "list_conversations", &[]).await).await;
    assert_eq!(status, 401, "the old session no longer works: {body}");
    assert_eq!(app.current_handle(&alice).await, None);
    let (status, body) = try_reply(&app, &alice, conversation, "Still here?").await;
    assert_eq!(status, 401, "{body}");

    let response = app
        .call_with(
            &client(),
            "sign_in",
            &[("email", "alice@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_ne!(response.status(), 200, "signing in again fails");
    assert_eq!(error_kind(response).await.1["kind"], "bad_credentials");

    // Bob is untouched: his session works and he can sign in (`member` checks).
    assert_eq!(app.current_handle(&bob).await.as_deref(), Some("bob"));
    app.member("bob").await;
}

/// A page the suspended member still has open stops receiving their conversations:
/// suspension ends every session, the live stream included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_members_open_page_stops_receiving_messages() {
    let app = spawn_app().await;
    let (alice, bob, lars) = (
        app.member("alice").await,
        app.member("bob").await,
        app.member("lars").await,
    );
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    let conversation = start(&app, &alice, a, &[member(b)], "Spam spam spam").await;
    let id = report_ok(&app, &bob, first_message(&app, conversation).await).await;
    let mut alices = connect(&app, &alice).await;
    // The control: while Alice may use the portal, Bob's reply reaches her page.
    reply(&app, &bob, conversation, "Please stop").await;
    assert_eq!(alices.next().await["message"]["body"], "Please stop");

    moderate_ok(&app, &lars, id, "suspend").await;
    assert_eq!(app.current_handle(&alice).await, None, "signed out");
    reply(
        &app,
        &bob,
        conversation,
        "A private message after the suspension",
    )
    .await;
    if let Some(event) = alices.next_within(QUIET).await {
        panic!("the suspended member's open page still receives: {event}");
    }
}

/// Moderators and administrators cannot be suspended from the queue; the report stays
/// open and another action still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_and_administrators_cannot_be_suspended() {
    let app = spawn_app().await;
    let (bob, ngozi, lars) = (
        app.member("bob").await,
        app.member("ngozi").await,
        app.member("lars").await,
    );
    let (b, n, l) = (
        app.id_of("bob").await,
        app.id_of("ngozi").await,
        app.id_of("lars").await,
    );
    let from_ngozi = start(&app, &ngozi, n, &[member(b)], "Please behave").await;
    let from_lars = start(&app, &lars, l, &[member(b)], "Admin here").await;
    let about_ngozi = report_ok(&app, &bob, first_message(&app, from_ngozi).await).await;
    let about_lars = report_ok(&app, &bob, first_message(&app, from_lars).await).await;

    for (report, moderator, who) in [(about_ngozi, &lars, "ngozi"), (about_lars, &ngozi, "lars")] {
        let (status, body) = moderate(&app, moderator, report, "suspend", "").await;
        assert_eq!(status, 409, "suspending {who}: {body}");
        assert_eq!(body["kind"], "refused");
        assert_eq!(
            app.current_handle(&app.member(who).await).await.as_deref(),
            Some(who)
        );
    }
    assert_eq!(
        queue(&app, &ngozi).await.1.as_array().map(Vec::len),
        Some(2),
        "both reports are still open"
    );
    assert_eq!(
        audit_log(&app, &ngozi).await,
        Vec::<Value>::new(),
        "nothing logged"
    );
    moderate_ok(&app, &lars, about_ngozi, "warn").await;
    assert_eq!(audit_log(&app, &ngozi).await.len(), 1);
}

/// Every action is in the audit log, newest first, with who did what to whom and why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_action_is_logged_newest_first() {
    let app = spawn_app().await;
    let (alice, bob, ngozi, lars) = (
        app.member("alice").await,
        app.member("bob").await,
        app.member("ngozi").await,
        app.member("lars").await,
    );
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    let conversation = start(&app, &alice, a, &[member(b)], "one").await;
    let mut reports = vec![report_ok(&app, &bob, first_message(&app, conversation).await).await];
    for body in ["two", "three", "four"] {
        let message = reply(&app, &alice, conversation, body).await;
        reports.push(report_ok(&app, &bob, message).await);
    }
    let steps = [
        (&ngozi, "dismiss", "Not a problem"),
        (&lars, "remove", "Insulting"),
        (&ngozi, "warn", "Second time"),
        (&lars, "suspend", "Third strike"),
    ];
    for (report, (moderator, action, note)) in reports.iter().zip(steps) {
        let (status, body) = moderate(&app, moderator, *report, action, note).await;
        assert_eq!(status, 200, "{action}: {body}");
    }

    let log = audit_log(&app, &ngozi).await;
    let seen: Vec<(&str, &str, &str, &str, &str)> = log
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default(),
                e["moderator"].as_str().unwrap_or_default(),
                e["member"].as_str().unwrap_or_default(),
                e["report_reason"].as_str().unwrap_or_default(),
                e["note"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "suspend",
                "Lars Eriksson",
                "Alice Martin",
                "harassment",
                "Third strike"
            ),
            (
                "warn",
                "Ngozi Okafor",
                "Alice Martin",
                "harassment",
                "Second time"
            ),
            (
                "remove",
                "Lars Eriksson",
                "Alice Martin",
                "harassment",
                "Insulting"
            ),
            (
                "dismiss",
                "Ngozi Okafor",
                "Alice Martin",
                "harassment",
                "Not a problem"
            ),
        ],
        "{log:?}"
    );
    let ids: Vec<i64> = log.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    assert_eq!(
        audit_log(&app, &lars).await,
        log,
        "the same log for every moderator"
    );
}

/// Who reaches the moderation functions: signed out 401, member 403, moderator and
/// administrator 200, a suspended member's old session 401.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_moderators_and_administrators_reach_moderation() {
    let app = spawn_app().await;
    let (alice, bob, jose, ngozi, lars) = (
        app.member("alice").await,
        app.member("bob").await,
        app.member("jose").await,
        app.member("ngozi").await,
        app.member("lars").await,
    );
    let (a, b, j) = (
        app.id_of("alice").await,
        app.id_of("bob").await,
        app.id_of("jose").await,
    );
    // José is suspended through the API; his old client is kept.
    let from_jose = start(&app, &jose, j, &[member(b)], "Buy now").await;
    let about_jose = report_ok(&app, &bob, first_message(&app, from_jose).await).await;
    moderate_ok(&app, &lars, about_jose, "suspend").await;
    // Two open reports: one for each moderator to dismiss.
    let conversation = start(&app, &alice, a, &[member(b)], "first").await;
    let for_ngozi = report_ok(&app, &bob, first_message(&app, conversation).await).await;
    let second = reply(&app, &alice, conversation, "second").await;
    let for_lars = report_ok(&app, &bob, second).await;

    let signed_out = client();
    let roles: [(&str, &reqwest::Client, u16, i64); 5] = [
        ("signed out", &signed_out, 401, for_ngozi),
        ("member", &alice, 403, for_ngozi),
        ("suspended member", &jose, 401, for_ngozi),
        ("moderator", &ngozi, 200, for_ngozi),
        ("administrator", &lars, 200, for_lars),
    ];
    let mut cells = 0;
    let mut failures = Vec::new();
    for endpoint in ["moderation_queue", "moderate", "moderation_log"] {
        for (who, client, expected, report) in &roles {
            let report = report.to_string();
            let form: Vec<(&str, &str)> = if endpoint == "moderate" {
                vec![("report", report.as_str()), ("action", "dismiss")]
            } else {
                vec![]
            };
            let status = app.call_with(client, endpoint, &form).await.status();
            cells += 1;
            if status != *expected {
                failures.push(format!(
                    "{endpoint} as {who}: {status}, expected {expected}"
                ));
            }
        }
    }
    println!(
        "authorization matrix: {} of {cells} cells as expected",
        cells - failures.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
    // Only the moderators' dismissals took effect.
    let log = audit_log(&app, &ngozi).await;
    let actions: Vec<(&str, &str)> = log
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default(),
                e["moderator"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("dismiss", "Lars Eriksson"),
            ("dismiss", "Ngozi Okafor"),
            ("suspend", "Lars Eriksson"),
        ]
    );
}
