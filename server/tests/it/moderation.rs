//! The code of conduct in practice: reporting a message, blocking a member, "who may
//! message me" and message requests, leaving and adding people, and the moderators'
//! queue, actions and audit log, each checked the way a member or a client sees it.

use crate::common;

use common::sse::{listen, QUIET};
use common::*;
use serde_json::Value;

// --- calling the portal ------------------------------------------------------

/// Calls a server function; its status and JSON body.
async fn call(
    app: &TestApp,
    client: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (u16, Value) {
    answer(app.call_with(client, endpoint, form).await).await
}

/// Calls a server function, which must succeed; its JSON body.
async fn call_ok(
    app: &TestApp,
    client: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> Value {
    let (status, body) = call(app, client, endpoint, form).await;
    assert_eq!(status, 200, "{endpoint}: {body}");
    body
}

/// The message for `field` in an `invalid` answer (`detail` is `[[field, message], …]`).
fn field_message(body: &Value, field: &str) -> Option<String> {
    assert_eq!(body["kind"], "invalid", "an invalid answer: {body}");
    field_messages(&body["detail"])
        .into_iter()
        .find_map(|(f, message)| (f == field).then_some(message))
}

/// The message for `field` in an answer that must be a 422 `invalid`.
#[track_caller]
fn invalid_field(answer: &(u16, Value), field: &str) -> String {
    let (status, body) = answer;
    assert_eq!(*status, 422, "an invalid answer: {body}");
    field_message(body, field).unwrap_or_else(|| panic!("a message on {field}: {body}"))
}

/// Asserts that an answer is a 409 `refused`; `what` says what was refused.
#[track_caller]
fn assert_refused(answer: &(u16, Value), what: &str) {
    let (status, body) = answer;
    assert_eq!(*status, 409, "{what}: {body}");
    assert_eq!(body["kind"], "refused", "{what}: {body}");
}

async fn try_reply(
    app: &TestApp,
    client: &reqwest::Client,
    conversation: i64,
    body: &str,
) -> (u16, Value) {
    let conversation = conversation.to_string();
    let key = fresh_key();
    let form = [
        ("conversation", &*conversation),
        ("body", body),
        ("key", &*key),
    ];
    call(app, client, "send_message", &form).await
}

async fn thread(app: &TestApp, client: &reqwest::Client, id: i64) -> (u16, Value) {
    call(app, client, "get_thread", &[("id", &id.to_string())]).await
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
    call_ok(app, client, "list_conversations", &[]).await
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
    let body = call_ok(app, client, "unread_conversations", &[]).await;
    body.as_i64().expect("a count")
}

/// The conversations the in-app notifications menu lists.
async fn notices(app: &TestApp, client: &reqwest::Client) -> Vec<i64> {
    let body = call_ok(app, client, "list_notifications", &[]).await;
    body.as_array()
        .expect("notifications")
        .iter()
        .map(|n| n["conversation_id"].as_i64().expect("conversation id"))
        .collect()
}

async fn requests(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    let body = call_ok(app, client, "list_requests", &[]).await;
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
    let conversation = conversation.to_string();
    let form = [("conversation", &*conversation), ("answer", how)];
    call(app, client, "answer_request", &form).await
}

async fn report(
    app: &TestApp,
    client: &reqwest::Client,
    message: i64,
    reason: &str,
    note: &str,
) -> (u16, Value) {
    let message = message.to_string();
    let form = [("message", &*message), ("reason", reason), ("note", note)];
    call(app, client, "report_message", &form).await
}

/// Reports a message, which must succeed; returns the report's id.
async fn report_ok(app: &TestApp, client: &reqwest::Client, message: i64) -> i64 {
    let (status, body) = report(app, client, message, "harassment", "").await;
    assert_eq!(status, 200, "the report is received: {body}");
    scalar(
        app,
        "SELECT max(id) FROM reports WHERE message_id = $1",
        message,
    )
    .await
}

/// Reports the first message of a conversation, which must succeed; the report's id.
async fn report_opening(app: &TestApp, client: &reqwest::Client, conversation: i64) -> i64 {
    report_ok(app, client, first_message(app, conversation).await).await
}

async fn set_block(
    app: &TestApp,
    client: &reqwest::Client,
    handle: &str,
    blocked: bool,
) -> (u16, Value) {
    let blocked = blocked.to_string();
    let form = [("handle", handle), ("blocked", &*blocked)];
    call(app, client, "set_block", &form).await
}

async fn block(app: &TestApp, client: &reqwest::Client, handle: &str) {
    let (status, body) = set_block(app, client, handle, true).await;
    assert_eq!(
        (status, &body),
        (200, &Value::Bool(true)),
        "{handle} blocked"
    );
}

/// The privacy settings: the message policy and the blocked members.
async fn privacy(app: &TestApp, client: &reqwest::Client) -> Value {
    call_ok(app, client, "get_privacy", &[]).await
}

async fn save_policy(app: &TestApp, client: &reqwest::Client, policy: &str) -> (u16, Value) {
    call(app, client, "save_message_policy", &[("policy", policy)]).await
}

/// The handles of the parties a search for `query` offers.
async fn search(app: &TestApp, client: &reqwest::Client, query: &str) -> Vec<String> {
    let body = call_ok(app, client, "search_parties", &[("query", query)]).await;
    body.as_array()
        .expect("parties")
        .iter()
        .map(|p| p["handle"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn add_people(
    app: &TestApp,
    client: &reqwest::Client,
    conversation: i64,
    to: &[String],
) -> (u16, Value) {
    let mut form = vec![("conversation".to_string(), conversation.to_string())];
    form.extend(to_fields(to));
    answer(app.post_form(client, "add_people", &form).await).await
}

async fn leave(app: &TestApp, client: &reqwest::Client, conversation: i64) -> (u16, Value) {
    let conversation = conversation.to_string();
    call(
        app,
        client,
        "leave_conversation",
        &[("conversation", &conversation)],
    )
    .await
}

/// The open reports in the moderators' queue.
async fn open_reports(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    let body = call_ok(app, client, "moderation_queue", &[]).await;
    body.as_array().expect("reports").clone()
}

async fn moderate(
    app: &TestApp,
    client: &reqwest::Client,
    report: i64,
    action: &str,
    note: &str,
) -> (u16, Value) {
    let report = report.to_string();
    let form = [("report", &*report), ("action", action), ("note", note)];
    call(app, client, "moderate", &form).await
}

async fn moderate_ok(app: &TestApp, client: &reqwest::Client, report: i64, action: &str) {
    let (status, body) = moderate(app, client, report, action, "").await;
    assert_eq!(status, 200, "{action} on report {report}: {body}");
}

/// The moderators' entries of the audit log (not the role changes of `/admin`,
/// such as the demo's administrator making Ngozi a moderator: `admin.rs`).
async fn audit_log(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    let body = call_ok(app, client, "moderation_log", &[]).await;
    let entries = body.as_array().expect("log entries");
    entries
        .iter()
        .filter(|e| e["action"] != "set_role")
        .cloned()
        .collect()
}

/// The warnings shown to this member.
async fn warnings(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    let body = call_ok(app, client, "my_warnings", &[]).await;
    body.as_array().expect("warnings").clone()
}

// --- members and requests ------------------------------------------------------

/// Bob, who takes new conversations only from members he shares a group with.
async fn choosy_bob(app: &TestApp) -> (reqwest::Client, i64) {
    let bob = app.member("bob").await;
    assert_eq!(
        save_policy(app, &bob, "shared_groups").await,
        (200, Value::from("shared_groups")),
        "Bob's message policy is saved"
    );
    (bob, app.id_of("bob").await)
}

/// A stranger's first message to choosy Bob: a request waiting for his answer.
struct Request {
    bob: reqwest::Client,
    b: i64,
    /// The first ordinary demo member who shares no group with Bob, signed in.
    stranger: reqwest::Client,
    s: i64,
    /// The stranger's handle.
    handle: String,
    conversation: i64,
}

async fn request_to_bob(app: &TestApp, body: &str) -> Request {
    let (bob, b) = choosy_bob(app).await;
    let (s, handle) = members_sharing(app, "bob", false).await[0].clone();
    let stranger = app.member(&handle).await;
    let conversation = start(app, &stranger, s, &[member(b)], body).await;
    Request {
        bob,
        b,
        stranger,
        s,
        handle,
        conversation,
    }
}

// --- looking at the database ---------------------------------------------------

async fn reports_about(app: &TestApp, message: i64) -> i64 {
    let sql = "SELECT count(*) FROM reports WHERE message_id = $1";
    scalar(app, sql, message).await
}

async fn reports_by(app: &TestApp, reporter: i64) -> i64 {
    let sql = "SELECT count(*) FROM reports WHERE reporter_id = $1";
    scalar(app, sql, reporter).await
}

async fn messages_by(app: &TestApp, author: i64) -> i64 {
    let sql = "SELECT count(*) FROM messages WHERE author_id = $1";
    scalar(app, sql, author).await
}

async fn first_message(app: &TestApp, conversation: i64) -> i64 {
    let sql = "SELECT min(id) FROM messages WHERE conversation_id = $1";
    scalar(app, sql, conversation).await
}

async fn last_message(app: &TestApp, conversation: i64) -> i64 {
    let sql = "SELECT max(id) FROM messages WHERE conversation_id = $1";
    scalar(app, sql, conversation).await
}

async fn name_of(app: &TestApp, id: i64) -> String {
    scalar(app, "SELECT display_name FROM members WHERE id = $1", id).await
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

// --- reports -----------------------------------------------------------------

/// Reporting a message twice is one report, and both answers are the same plain success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reporting_a_message_twice_files_one_report_and_both_calls_succeed() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "You are hopeless.").await;
    let message = first_message(&app, conversation).await;

    let first = report(&app, &bob, message, "harassment", "Not the first time.").await;
    let second = report(&app, &bob, message, "spam", "").await;
    assert_eq!(first, (200, Value::Null), "the first report is received");
    assert_eq!(second, first, "the second report gets the same answer");
    assert_eq!(
        reports_about(&app, message).await,
        1,
        "one report row for the message"
    );
}

/// Only a message in one of the reporter's conversations can be reported, and never
/// one's own: someone else's message answers exactly like a missing id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_others_messages_in_ones_own_conversations_can_be_reported() {
    let app = spawn_app().await;
    let [alice, bob, jose] = app.members(["alice", "bob", "jose"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Between the two of us").await;
    let message = first_message(&app, conversation).await;

    let outsider = report(&app, &jose, message, "harassment", "").await;
    let missing = report(&app, &jose, message + 1_000_000, "harassment", "").await;
    assert_eq!(outsider.0, 404, "a message in someone else's conversation");
    assert_eq!(
        outsider, missing,
        "indistinguishable from a missing message"
    );

    let own = report(&app, &alice, message, "spam", "").await;
    assert_refused(&own, "one's own message");

    assert_eq!(
        report(&app, &bob, message, "harassment", "").await.0,
        200,
        "the recipient may report it"
    );
    assert_eq!(
        reports_about(&app, message).await,
        1,
        "only the recipient's report is stored"
    );
}

/// The reason must be one of the three offered, and the note at most 500 characters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_reasons_and_notes_are_checked() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Buy cheap followers!").await;
    let message = first_message(&app, conversation).await;

    invalid_field(&report(&app, &bob, message, "rude", "").await, "reason");
    // No reason at all.
    invalid_field(&report(&app, &bob, message, "", "").await, "reason");

    let too_long = "é".repeat(501);
    invalid_field(
        &report(&app, &bob, message, "spam", &too_long).await,
        "note",
    );
    assert_eq!(
        reports_about(&app, message).await,
        0,
        "refused reports are not stored"
    );

    for reason in ["harassment", "spam", "other"] {
        let conversation = start(&app, &alice, a, &[member(b)], reason).await;
        let last = last_message(&app, conversation).await;
        let (status, body) = report(&app, &bob, last, reason, &"é".repeat(500)).await;
        assert_eq!(status, 200, "{reason} with a 500-character note: {body}");
    }
}

/// The reported author learns nothing: their thread, list and envelope read the same
/// before and after the report, and no live event reaches them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_changes_nothing_the_reported_author_can_see() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Something rude").await;
    reply(&app, &bob, conversation, "That was rude.").await;
    let message = first_message(&app, conversation).await;

    // Opened once first: opening reads it, and a thread read shows no "New messages".
    open_thread(&app, &alice, conversation).await;
    let thread_before = open_thread(&app, &alice, conversation).await;
    let inbox_before = inbox(&app, &alice).await;
    let unread_before = unread(&app, &alice).await;
    let mut alices = listen(&app, &alice).await;

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
    let reports = open_reports(&app, &app.member("ngozi").await).await;
    assert_eq!(reports.len(), 1, "{reports:?}");
}

// --- blocking ----------------------------------------------------------------

/// A blocked member cannot start a conversation with the blocker and is told so
/// without the word "block"; others are unaffected, and unblocking restores it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_member_cannot_start_a_conversation_until_unblocked() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b, j] = app.ids(["alice", "bob", "jose"]).await;
    let (status, body) = set_block(&app, &alice, "alice", true).await;
    assert_eq!(status, 409, "blocking oneself: {body}");
    block(&app, &alice, "bob").await;

    let refused = answer(try_start(&app, &bob, b, &[member(a)], "Hi Alice").await).await;
    let message = invalid_field(&refused, "to");
    assert!(
        message.contains("You can't message Alice Martin"),
        "{message}"
    );
    let body = &refused.1;
    assert!(
        !body.to_string().to_lowercase().contains("block"),
        "the answer does not say that Alice blocked Bob: {body}"
    );
    let (status, _) =
        answer(try_start(&app, &bob, b, &[member(a), member(j)], "Hi all").await).await;
    assert_eq!(status, 422, "not in a group conversation either");
    assert_eq!(messages_by(&app, b).await, 0, "nothing was stored");

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
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b, j] = app.ids(["alice", "bob", "jose"]).await;
    let others = members_sharing(&app, "bob", true).await;
    let conversation = start(&app, &bob, b, &[member(j), member(others[0].0)], "Team").await;
    block(&app, &alice, "bob").await;

    let message = invalid_field(
        &add_people(&app, &bob, conversation, &[member(a)]).await,
        "to",
    );
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
    let [alice, jose] = app.members(["alice", "jose"]).await;
    let b = app.id_of("bob").await;
    assert!(
        search(&app, &alice, "Bob")
            .await
            .contains(&"bob".to_string()),
        "before blocking, Alice finds Bob"
    );
    block(&app, &alice, "bob").await;
    let found = search(&app, &alice, "Bob").await;
    assert!(!found.contains(&"bob".to_string()), "{found:?}");
    assert!(
        search(&app, &jose, "Bob")
            .await
            .contains(&"bob".to_string()),
        "José still finds Bob"
    );

    let privacy = privacy(&app, &alice).await;
    assert_eq!(privacy["blocked"][0]["token"], member(b), "{privacy}");
    assert_eq!(privacy["blocked"][0]["name"], "Bob Nakamura");
}

/// In a conversation they already share, Bob's new reply is accepted, but for Alice it
/// arrives collapsed and quietly: no unread envelope, no notice, no email.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_members_reply_arrives_collapsed_and_quietly() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Hi Bob").await;
    let mut alices = listen(&app, &alice).await;

    // The control, before blocking: Bob's reply is news to Alice.
    reply(&app, &bob, conversation, "Hi Alice").await;
    let event = alices.next().await.data;
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

    let event = alices.next().await.data;
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
    let [alice, bob, jose] = app.members(["alice", "bob", "jose"]).await;
    let [a, b, j] = app.ids(["alice", "bob", "jose"]).await;
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
    let before = privacy(&app, &bob).await;
    assert_eq!(before["policy"], "everyone", "the default: {before}");
    assert_eq!(before["blocked"], serde_json::json!([]));

    invalid_field(&save_policy(&app, &bob, "friends").await, "policy");

    assert_eq!(
        save_policy(&app, &bob, "shared_groups").await,
        (200, Value::from("shared_groups"))
    );
    assert_eq!(privacy(&app, &bob).await["policy"], "shared_groups");
}

/// With "shared groups only", a stranger's first message becomes a request: the sender
/// sees an ordinary success, Bob sees it under Requests and nowhere else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strangers_first_message_becomes_a_request_the_sender_cannot_tell() {
    let app = spawn_app().await;
    let (bob, b) = choosy_bob(&app).await;
    let (s, stranger_handle) = members_sharing(&app, "bob", false).await[0].clone();
    let (f, friend_handle) = members_sharing(&app, "bob", true).await[0].clone();
    let [stranger, friend] = app
        .members([stranger_handle.as_str(), friend_handle.as_str()])
        .await;

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
    let Request {
        bob,
        stranger,
        conversation: request,
        ..
    } = request_to_bob(&app, "A question for you").await;

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
    let Request {
        bob,
        conversation: request,
        ..
    } = request_to_bob(&app, "Got a minute?").await;
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
    let Request {
        bob,
        b,
        stranger,
        s,
        conversation: request,
        ..
    } = request_to_bob(&app, "Special offer").await;

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
        reports_by(&app, b).await,
        0,
        "a plain decline reports nothing"
    );
}

/// "Decline and report" also files a spam report about the request's first message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decline_and_report_files_a_spam_report_about_the_first_message() {
    let app = spawn_app().await;
    let Request {
        bob,
        b,
        stranger,
        handle,
        conversation: request,
        ..
    } = request_to_bob(&app, "Cheap watches here").await;
    let ngozi = app.member("ngozi").await;
    reply(&app, &stranger, request, "Still interested?").await;
    let first = first_message(&app, request).await;

    assert_eq!(
        answer_request(&app, &bob, request, "decline_and_report").await,
        (200, Value::Null)
    );
    assert_eq!(thread(&app, &bob, request).await.0, 404);
    assert_eq!(reports_by(&app, b).await, 1);
    let row: (i64, i64, String) =
        sqlx::query_as("SELECT message_id, reporter_id, reason FROM reports")
            .fetch_one(&app.pool)
            .await
            .expect("exactly one report");
    assert_eq!(row, (first, b, "spam".to_string()));
    let reports = open_reports(&app, &ngozi).await;
    assert_eq!(reports[0]["reason"], "spam", "{reports:?}");
    assert_eq!(reports[0]["author"]["handle"], handle.as_str());
}

// --- leaving and adding people -----------------------------------------------

/// Leaving a three-person conversation: it is gone for the leaver, the others see a
/// "left" note, and the same three people starting again get a new conversation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_a_three_person_conversation() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b, j] = app.ids(["alice", "bob", "jose"]).await;
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

    let mut alices = listen(&app, &alice).await;
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
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b, j] = app.ids(["alice", "bob", "jose"]).await;
    let candidates = members_sharing(&app, "alice", true).await;
    let (c, carol_handle) = candidates[0].clone();
    let (_, outsider_handle) = candidates[1].clone();
    let [carol, outsider] = app
        .members([carol_handle.as_str(), outsider_handle.as_str()])
        .await;
    let trio = start(&app, &alice, a, &[member(b), member(j)], "Before Carol").await;
    reply(&app, &bob, trio, "Also before Carol").await;
    assert_eq!(thread(&app, &carol, trio).await.0, 404, "not yet added");

    let (status, body) = add_people(&app, &outsider, trio, &[member(c)]).await;
    assert_eq!(status, 404, "a non-participant cannot add anyone: {body}");
    // Bob is already in it.
    invalid_field(&add_people(&app, &alice, trio, &[member(b)]).await, "to");
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
    let [a, b] = app.ids(["alice", "bob"]).await;
    let others: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM members WHERE id <> $1 AND role = 'member' ORDER BY id LIMIT 11",
    )
    .bind(a)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let tokens = |ids: &[i64]| ids.iter().map(|id| member(*id)).collect::<Vec<_>>();

    let pair = start(&app, &alice, a, &[member(b)], "Two of us").await;
    invalid_field(
        &add_people(&app, &alice, pair, &[member(others[5])]).await,
        "to",
    );

    let ten = start(&app, &alice, a, &tokens(&others[..9]), "Ten of us").await;
    // An eleventh.
    invalid_field(
        &add_people(&app, &alice, ten, &[member(others[10])]).await,
        "to",
    );

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
    let [alice, bob, ngozi] = app.members(["alice", "bob", "ngozi"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
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

    let reports = open_reports(&app, &ngozi).await;
    assert_eq!(reports.len(), 1, "{reports:?}");
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
    let text = serde_json::to_string(&reports).expect("JSON");
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
    let [alice, bob, ngozi, lars] = app.members(["alice", "bob", "ngozi", "lars"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Borderline").await;
    let id = report_opening(&app, &bob, conversation).await;

    invalid_field(&moderate(&app, &ngozi, id, "ban", "").await, "action");
    assert_eq!(open_reports(&app, &ngozi).await.len(), 1, "still open");

    moderate_ok(&app, &ngozi, id, "dismiss").await;
    let late = moderate(&app, &lars, id, "remove", "").await;
    assert_refused(&late, "already handled");
    assert_eq!(open_reports(&app, &ngozi).await, Vec::<Value>::new());
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
    let [alice, bob, jose, ngozi] = app.members(["alice", "bob", "jose", "ngozi"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Hello Bob").await;
    let kept = first_message(&app, conversation).await;
    let offending = reply(&app, &alice, conversation, "Zanzibar-grade insult").await;
    let id = report_ok(&app, &bob, offending).await;
    let mut streams = [listen(&app, &alice).await, listen(&app, &bob).await];
    let mut joses = listen(&app, &jose).await;

    moderate_ok(&app, &ngozi, id, "remove").await;
    for stream in &mut streams {
        let event = stream.next().await.data;
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
    let [alice, bob, ngozi] = app.members(["alice", "bob", "ngozi"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Mind your own business").await;
    let id = report_opening(&app, &bob, conversation).await;
    assert_eq!(warnings(&app, &alice).await, Vec::<Value>::new());

    moderate_ok(&app, &ngozi, id, "warn").await;
    let shown = warnings(&app, &alice).await;
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0]["excerpt"], "Mind your own business");
    assert_eq!(
        warnings(&app, &bob).await,
        Vec::<Value>::new(),
        "only Alice"
    );

    call_ok(&app, &alice, "acknowledge_warnings", &[]).await;
    assert_eq!(warnings(&app, &alice).await, Vec::<Value>::new());
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
    let [alice, bob, lars] = app.members(["alice", "bob", "lars"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Spam spam spam").await;
    let id = report_opening(&app, &bob, conversation).await;
    assert_eq!(app.current_handle(&alice).await.as_deref(), Some("alice"));

    moderate_ok(&app, &lars, id, "suspend").await;
    let (status, body) = call(&app, &alice, "list_conversations", &[]).await;
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
    let [alice, bob, lars] = app.members(["alice", "bob", "lars"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Spam spam spam").await;
    let id = report_opening(&app, &bob, conversation).await;
    let mut alices = listen(&app, &alice).await;
    // The control: while Alice may use the portal, Bob's reply reaches her page.
    reply(&app, &bob, conversation, "Please stop").await;
    assert_eq!(alices.next().await.data["message"]["body"], "Please stop");

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
        panic!("the suspended member's open page still receives: {event:?}");
    }
}

/// Moderators and administrators cannot be suspended from the queue; the report stays
/// open and another action still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_and_administrators_cannot_be_suspended() {
    let app = spawn_app().await;
    let [bob, ngozi, lars] = app.members(["bob", "ngozi", "lars"]).await;
    let [b, n, l] = app.ids(["bob", "ngozi", "lars"]).await;
    let from_ngozi = start(&app, &ngozi, n, &[member(b)], "Please behave").await;
    let from_lars = start(&app, &lars, l, &[member(b)], "Admin here").await;
    let about_ngozi = report_opening(&app, &bob, from_ngozi).await;
    let about_lars = report_opening(&app, &bob, from_lars).await;

    for (report, moderator, who) in [(about_ngozi, &lars, "ngozi"), (about_lars, &ngozi, "lars")] {
        let suspend = moderate(&app, moderator, report, "suspend", "").await;
        assert_refused(&suspend, &format!("suspending {who}"));
        assert_eq!(
            app.current_handle(&app.member(who).await).await.as_deref(),
            Some(who)
        );
    }
    assert_eq!(
        open_reports(&app, &ngozi).await.len(),
        2,
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
    let [alice, bob, ngozi, lars] = app.members(["alice", "bob", "ngozi", "lars"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "one").await;
    let mut reports = vec![report_opening(&app, &bob, conversation).await];
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
    let [alice, bob, jose, ngozi, lars] =
        app.members(["alice", "bob", "jose", "ngozi", "lars"]).await;
    let [a, b, j] = app.ids(["alice", "bob", "jose"]).await;
    // José is suspended through the API; his old client is kept.
    let from_jose = start(&app, &jose, j, &[member(b)], "Buy now").await;
    let about_jose = report_opening(&app, &bob, from_jose).await;
    moderate_ok(&app, &lars, about_jose, "suspend").await;
    // Two open reports: one for each moderator to dismiss.
    let conversation = start(&app, &alice, a, &[member(b)], "first").await;
    let for_ngozi = report_opening(&app, &bob, conversation).await;
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

/// Joining one of choosy Bob's open groups just to write to him does not make it a
/// shared group: an open group's membership counts after a week.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_membership_made_for_the_occasion_does_not_count_as_a_shared_group() {
    let app = spawn_app().await;
    let (bob, b) = choosy_bob(&app).await;
    let strangers = members_sharing(&app, "bob", false).await;
    let slug: String = sqlx::query_scalar(
        "SELECT g.slug FROM groups g JOIN group_memberships gm ON gm.group_id = g.id
         WHERE gm.member_id = $1 AND g.is_open ORDER BY g.id LIMIT 1",
    )
    .bind(b)
    .fetch_one(&app.pool)
    .await
    .expect("an open group of Bob's");
    // Two strangers join that group; the second has been in it for over a week.
    let mut clients = Vec::new();
    for (_, handle) in &strangers[..2] {
        let client = app.member(handle).await;
        let joined = app
            .call_with(&client, "join_group", &[("slug", &slug)])
            .await;
        assert_eq!(joined.status(), 200, "{handle} joins {slug}");
        clients.push(client);
    }
    sqlx::query(
        "UPDATE group_memberships SET joined_at = now() - interval '8 days'
         WHERE member_id = $1 AND group_id = (SELECT id FROM groups WHERE slug = $2)",
    )
    .bind(strangers[1].0)
    .bind(&slug)
    .execute(&app.pool)
    .await
    .unwrap();

    let fresh = start(
        &app,
        &clients[0],
        strangers[0].0,
        &[member(b)],
        "Joined just now",
    )
    .await;
    assert_eq!(
        open_thread(&app, &bob, fresh).await["request"],
        true,
        "a membership of minutes: still a request"
    );
    let settled = start(&app, &clients[1], strangers[1].0, &[member(b)], "A week on").await;
    assert_eq!(
        open_thread(&app, &bob, settled).await["request"],
        false,
        "a membership of a week: shared"
    );
}
