//! Conversations: starting, replying, reading, and who may see them.

use crate::common;

use common::*;
use serde_json::Value;

static KEY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn fresh_key() -> String {
    format!(
        "test-key-{:08}",
        KEY.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    )
}

/// Starts a conversation; returns the response.
async fn start(
    app: &TestApp,
    client: &reqwest::Client,
    send_as: &str,
    to: &[String],
    body: &str,
    key: &str,
) -> reqwest::Response {
    app.post_form(
        client,
        "start_conversation",
        &start_form(send_as, to, body, key),
    )
    .await
}

async fn start_ok(
    app: &TestApp,
    client: &reqwest::Client,
    send_as: &str,
    to: &[String],
    body: &str,
) -> i64 {
    let response = start(app, client, send_as, to, body, &fresh_key()).await;
    assert_eq!(response.status(), 200, "start succeeds");
    response.json::<i64>().await.expect("conversation id")
}

async fn thread(app: &TestApp, client: &reqwest::Client, id: i64) -> (u16, Value) {
    let response = app
        .call_with(client, "get_thread", &[("id", &id.to_string())])
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

async fn reply(app: &TestApp, client: &reqwest::Client, id: i64, body: &str) -> (u16, Value) {
    let response = app
        .call_with(
            client,
            "send_message",
            &[
                ("conversation", &id.to_string()),
                ("body", body),
                ("key", &fresh_key()),
            ],
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

async fn inbox(app: &TestApp, client: &reqwest::Client, group: Option<&str>) -> Value {
    let mut form = vec![];
    if let Some(g) = group {
        form.push(("group", g));
    }
    let response = app.call_with(client, "list_conversations", &form).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

fn ids(inbox: &Value) -> Vec<i64> {
    inbox["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

fn member(id: i64) -> String {
    format!("member:{id}")
}

fn group(id: i64) -> String {
    format!("group:{id}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_starts_a_conversation_and_the_recipient_sees_it_unread() {
    let app = spawn_app().await;
    let (alice, bob) = (app.member("alice").await, app.member("bob").await);
    let (alice_id, bob_id) = (app.id_of("alice").await, app.id_of("bob").await);
    let id = start_ok(
        &app,
        &alice,
        &member(alice_id),
        &[member(bob_id)],
        "Hi Bob! 👋",
    )
    .await;

    let bobs = inbox(&app, &bob, None).await;
    assert_eq!(ids(&bobs), [id]);
    assert_eq!(bobs["conversations"][0]["unread"], true);
    assert_eq!(bobs["conversations"][0]["snippet"], "Hi Bob! 👋");
    assert_eq!(
        bobs["conversations"][0]["others"][0]["name"],
        "Alice Martin"
    );
    assert_eq!(
        inbox(&app, &alice, None).await["conversations"][0]["unread"],
        false,
        "own messages are read"
    );

    let (status, t) = thread(&app, &bob, id).await;
    assert_eq!(status, 200);
    assert_eq!(t["messages"][0]["body"], "Hi Bob! 👋");
    assert_eq!(t["messages"][0]["author"]["name"], "Alice Martin");
    assert_eq!(
        inbox(&app, &bob, None).await["conversations"][0]["unread"],
        false,
        "opening the thread reads it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_people_continue_their_existing_conversation() {
    let app = spawn_app().await;
    let (alice, bob) = (app.member("alice").await, app.member("bob").await);
    let (a, b, jose) = (
        app.id_of("alice").await,
        app.id_of("bob").await,
        app.id_of("jose").await,
    );
    let first = start_ok(&app, &alice, &member(a), &[member(b), member(jose)], "one").await;
    let again = start_ok(&app, &bob, &member(b), &[member(jose), member(a)], "two").await;
    assert_eq!(first, again, "same set of people, same conversation");
    let other = start_ok(&app, &alice, &member(a), &[member(b)], "three").await;
    assert_ne!(first, other, "a different set is a different conversation");
    let (_, t) = thread(&app, &alice, first).await;
    assert_eq!(t["messages"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_to_nine_others_and_a_tenth_is_refused() {
    let app = spawn_app().await;
    let alice = app.member("alice").await;
    let a = app.id_of("alice").await;
    let others: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM members WHERE id <> $1 ORDER BY id LIMIT 10")
            .bind(a)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let nine: Vec<String> = others[..9].iter().map(|id| member(*id)).collect();
    start_ok(&app, &alice, &member(a), &nine, "nine is fine").await;
    let ten: Vec<String> = others.iter().map(|id| member(*id)).collect();
    let (status, body) =
        error_kind(start(&app, &alice, &member(a), &ten, "ten is not", &fresh_key()).await).await;
    assert_eq!(status, 422);
    assert!(said(&body).contains("up to 9 others"), "{body}");
    let dup = vec![member(others[0]), member(others[0])];
    let (status, _) =
        error_kind(start(&app, &alice, &member(a), &dup, "twice", &fresh_key()).await).await;
    assert_eq!(status, 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_rules_refuse_empty_control_and_over_long_text() {
    let app = spawn_app().await;
    let alice = app.member("alice").await;
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    for bad in ["", "   \n ", "bell\u{7}", &"x".repeat(1001)] {
        let (status, body) =
            error_kind(start(&app, &alice, &member(a), &[member(b)], bad, &fresh_key()).await)
                .await;
        assert_eq!(status, 422, "{bad:?}");
        assert_eq!(body["kind"], "invalid");
    }
    // 1,000 emoji with skin tones are 1,000 characters as a person counts them.
    let emoji = "👍🏽".repeat(1000);
    let id = start_ok(&app, &alice, &member(a), &[member(b)], &emoji).await;
    let (_, t) = thread(&app, &alice, id).await;
    assert_eq!(t["messages"][0]["body"], emoji);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1, "refused messages are not stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retrying_a_send_with_the_same_key_stores_one_message() {
    let app = spawn_app().await;
    let alice = app.member("alice").await;
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    let key = fresh_key();
    let first: i64 = start(&app, &alice, &member(a), &[member(b)], "once", &key)
        .await
        .json()
        .await
        .unwrap();
    let second: i64 = start(&app, &alice, &member(a), &[member(b)], "once", &key)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first, second);
    let reply_key = fresh_key();
    let form = [
        ("conversation", first.to_string()),
        ("body", "again".into()),
        ("key", reply_key.clone()),
    ];
    let r1: Value = alice
        .post(format!("{}/api/send_message", app.url))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r2: Value = alice
        .post(format!("{}/api/send_message", app.url))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r1["id"], r2["id"]);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_suspended_or_foreign_ids_are_refused() {
    let app = spawn_app().await;
    let alice = app.member("alice").await;
    let (a, b, jose) = (
        app.id_of("alice").await,
        app.id_of("bob").await,
        app.id_of("jose").await,
    );
    sqlx::query("UPDATE members SET suspended_at = now() WHERE id = $1")
        .bind(jose)
        .execute(&app.pool)
        .await
        .unwrap();
    for to in [
        vec![member(999_999)],
        vec![member(jose)],
        vec![group(999_999)],
    ] {
        let (status, _) =
            error_kind(start(&app, &alice, &member(a), &to, "hello", &fresh_key()).await).await;
        assert_eq!(status, 422, "{to:?}");
    }
    // Writing as someone else, or as a group one does not manage, is refused.
    let (status, _) = error_kind(
        start(
            &app,
            &alice,
            &member(b),
            &[member(a)],
            "as bob",
            &fresh_key(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 403);
    let developers = app.group_id("developers").await;
    let (status, _) = error_kind(
        start(
            &app,
            &alice,
            &group(developers),
            &[member(b)],
            "as devs",
            &fresh_key(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 403);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM messages")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

/// A conversation between Carol (a member listed directly) and the Design group.
struct Matrix {
    app: TestApp,
    conversation: i64,
}

async fn matrix() -> Matrix {
    let app = spawn_app().await;
    let design = app.group_id("design").await;
    // Managers: alice and bob (bob will be demoted); ordinary member: jose.
    sqlx::query("DELETE FROM group_memberships WHERE group_id = $1")
        .bind(design)
        .execute(&app.pool)
        .await
        .unwrap();
    for (handle, role) in [("alice", "manager"), ("bob", "manager"), ("jose", "member")] {
        sqlx::query("INSERT INTO group_memberships (group_id, member_id, role) SELECT $1, id, $3 FROM members WHERE handle = $2")
            .bind(design)
            .bind(handle)
            .bind(role)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    let carol = app.member("ngozi").await;
    let carol_id = app.id_of("ngozi").await;
    let conversation = start_ok(
        &app,
        &carol,
        &member(carol_id),
        &[group(design)],
        "Hello designers",
    )
    .await;
    Matrix { app, conversation }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_participants_can_read_reply_or_list_a_conversation() {
    let Matrix { app, conversation } = matrix().await;
    let design = app.group_id("design").await;
    // bob stops being a manager: he loses the conversation at once.
    sqlx::query(
        "UPDATE group_memberships SET role = 'member' WHERE group_id = $1 AND member_id = $2",
    )
    .bind(design)
    .bind(app.id_of("bob").await)
    .execute(&app.pool)
    .await
    .unwrap();
    let cases = [
        ("ngozi", true, "direct participant"),
        ("alice", true, "manager of a participant group"),
        ("bob", false, "former manager"),
        ("jose", false, "ordinary member of the group"),
        ("lars", false, "outsider (even an administrator)"),
    ];
    for (handle, allowed, who) in cases {
        let client = app.member(handle).await;
        let (status, body) = thread(&app, &client, conversation).await;
        let (reply_status, _) = reply(&app, &client, conversation, "me too").await;
        let group_tab = app
            .call_with(&client, "list_conversations", &[("group", "design")])
            .await;
        let in_group_tab = group_tab.status() == 200
            && ids(&group_tab.json::<Value>().await.unwrap()).contains(&conversation);
        let listed = ids(&inbox(&app, &client, None).await).contains(&conversation) || in_group_tab;
        if allowed {
            assert_eq!((status, reply_status, listed), (200, 200, true), "{who}");
        } else {
            // The same answer as for a conversation that does not exist.
            let (missing, missing_body) = thread(&app, &client, 987_654).await;
            assert_eq!(
                (status, &body),
                (missing, &missing_body),
                "{who}: indistinguishable from missing"
            );
            assert_eq!((status, reply_status, listed), (404, 404, false), "{who}");
        }
    }
    // Signed out: asked to sign in.
    let anonymous = client();
    assert_eq!(thread(&app, &anonymous, conversation).await.0, 401);
    assert_eq!(reply(&app, &anonymous, conversation, "hi").await.0, 401);
    for (endpoint, form) in [
        ("list_conversations", vec![]),
        ("search_parties", vec![("query", "alice")]),
        ("get_compose_info", vec![]),
        (
            "start_conversation",
            vec![
                ("send_as", "member:1"),
                ("to[0]", "member:2"),
                ("body", "hi"),
                ("key", "anonymous-key"),
            ],
        ),
    ] {
        let response = app.call_with(&anonymous, endpoint, &form).await;
        assert_eq!(response.status(), 401, "{endpoint} asks to sign in");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbox_group_tab_is_only_for_that_groups_managers() {
    let Matrix { app, conversation } = matrix().await;
    let jose = app.member("jose").await;
    let response = app
        .call_with(&jose, "list_conversations", &[("group", "design")])
        .await;
    assert_eq!(response.status(), 404);
    let alice = app.member("alice").await;
    assert_eq!(
        ids(&inbox(&app, &alice, Some("design")).await),
        [conversation]
    );
    assert!(
        !ids(&inbox(&app, &alice, None).await).contains(&conversation),
        "group conversations have their own tab"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_manager_sees_the_groups_conversations_at_once() {
    let Matrix { app, conversation } = matrix().await;
    let jose = app.member("jose").await;
    assert_eq!(thread(&app, &jose, conversation).await.0, 404);
    sqlx::query("UPDATE group_memberships SET role = 'manager' WHERE member_id = $1")
        .bind(app.id_of("jose").await)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(thread(&app, &jose, conversation).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_reply_as_the_group_and_only_managers_see_who_wrote() {
    let Matrix { app, conversation } = matrix().await;
    let alice = app.member("alice").await;
    let (status, message) = reply(&app, &alice, conversation, "Thanks for writing!").await;
    assert_eq!(status, 200);
    assert_eq!(
        message["author"]["name"], "Design",
        "recipients see the group as the author"
    );
    let stored: (i64, Option<i64>) =
        sqlx::query_as("SELECT author_id, as_group_id FROM messages WHERE id = $1")
            .bind(message["id"].as_i64().unwrap())
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        stored.0,
        app.id_of("alice").await,
        "the manager who wrote it is recorded"
    );
    let (_, for_recipient) = thread(&app, &app.member("ngozi").await, conversation).await;
    let last = last_message(&for_recipient);
    assert_eq!(last["author"]["name"], "Design");
    assert_eq!(
        last["written_by"],
        Value::Null,
        "recipients do not see which manager wrote"
    );
    let (_, for_manager) = thread(&app, &app.member("bob").await, conversation).await;
    let last = last_message(&for_manager);
    assert_eq!(last["written_by"], "Alice Martin", "other managers do");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_starts_a_conversation_as_the_group() {
    let app = spawn_app().await;
    let alice = app.member("alice").await;
    let marketing = app.group_id("marketing").await;
    let (jose_id, lars_id) = (app.id_of("jose").await, app.id_of("lars").await);
    let id = start_ok(
        &app,
        &alice,
        &group(marketing),
        &[member(jose_id), member(lars_id)],
        "From the marketing team",
    )
    .await;
    let jose = app.member("jose").await;
    let (_, t) = thread(&app, &jose, id).await;
    assert_eq!(t["messages"][0]["author"]["name"], "Marketing");
    let names: Vec<&str> = t["others"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Marketing") && names.contains(&"Lars Eriksson"),
        "{names:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threads_and_inboxes_page_by_keyset_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let alice = app.member("alice").await;
    let a = app.id_of("alice").await;
    let others: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM members WHERE id <> $1 ORDER BY id LIMIT 25")
            .bind(a)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let mut started = vec![];
    for other in &others {
        started.push(start_ok(&app, &alice, &member(a), &[member(*other)], "hi").await);
    }
    let first = inbox(&app, &alice, None).await;
    assert_eq!(ids(&first).len(), 20);
    let cursor = first["next"].as_str().unwrap().to_string();
    let second: Value = app
        .call_with(&alice, "list_conversations", &[("before", &cursor)])
        .await
        .json()
        .await
        .unwrap();
    let mut all = ids(&first);
    all.extend(ids(&second));
    started.reverse();
    assert_eq!(all, started, "newest first, each once");
    assert!(second["next"].is_null());

    let id = started[0];
    for i in 0..34 {
        reply(&app, &alice, id, &format!("message {i}")).await;
    }
    let (_, page) = thread(&app, &alice, id).await;
    let newest: Vec<i64> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(newest.len(), 30);
    assert!(newest.windows(2).all(|w| w[0] < w[1]), "oldest first");
    let before = page["older"].as_i64().unwrap();
    let older: Value = app
        .call_with(
            &alice,
            "get_thread",
            &[("id", &id.to_string()), ("before", &before.to_string())],
        )
        .await
        .json()
        .await
        .unwrap();
    let older_ids: Vec<i64> = older["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(older_ids.len(), 5);
    assert!(older_ids.iter().all(|o| *o < newest[0]));
    assert!(older["older"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_thread_page_renders_escaped_text_with_safe_links() {
    let app = spawn_app().await;
    let alice = app.member("alice").await;
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    let id = start_ok(
        &app,
        &alice,
        &member(a),
        &[member(b)],
        "<script>alert(1)</script>\nSee https://mautic.org/docs",
    )
    .await;
    let html = alice
        .get(format!("{}/conversations/{id}", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "text is escaped"
    );
    assert!(!html.contains("<script>alert(1)"));
    assert!(
        html.contains(
            r#"<a href="https://mautic.org/docs" title="https://mautic.org/docs" rel="nofollow ugc noopener""#
        ),
        "links are safe, and say where they go"
    );
    assert!(html.contains("<br>"), "line breaks are kept");
    assert!(
        without_markers(&html).contains(r#"<p class="conduct-line">Messages here follow our <a href="/code-of-conduct">code of conduct</a>"#),
        "the reply box reminds of the code of conduct"
    );
    // An outsider gets the not-found page for the same address.
    let outsider = app.member("jose").await;
    let response = outsider
        .get(format!("{}/conversations/{id}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_works_as_a_plain_form_without_javascript() {
    let app = spawn_app().await;
    let alice = app.member("alice").await;
    let page = alice
        .get(format!("{}/conversations/new?to=member:bob", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Bob Nakamura"),
        "the start page shows the preselected member"
    );
    assert!(
        without_markers(&page)
            .contains(r#"Messages here follow our <a href="/code-of-conduct">code of conduct</a>"#),
        "the start form reminds of the code of conduct"
    );
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    let response = alice
        .post(format!("{}/api/start_conversation", app.url))
        .header("accept", "text/html")
        .form(&[
            ("send_as", member(a)),
            ("to[0]", member(b)),
            ("body", "No script needed".into()),
            ("key", fresh_key()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/conversations/"), "{location}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_members_and_groups_ignoring_accents_but_never_oneself() {
    let app = spawn_app().await;
    let jose = app.member("jose").await;
    let found: Value = app
        .call_with(&jose, "search_parties", &[("query", "jose")])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        found
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["handle"] != "jose"),
        "oneself is excluded"
    );
    let alice = app.member("alice").await;
    let found: Value = app
        .call_with(&alice, "search_parties", &[("query", "jose")])
        .await
        .json()
        .await
        .unwrap();
    assert!(found
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "José Álvarez"));
    let found: Value = app
        .call_with(&alice, "search_parties", &[("query", "MARKET")])
        .await
        .json()
        .await
        .unwrap();
    assert!(found
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["kind"] == "group" && p["name"] == "Marketing"));
    let found: Value = app
        .call_with(&alice, "search_parties", &[("query", "%")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        found.as_array().unwrap().len(),
        0,
        "LIKE wildcards are taken literally"
    );
}

#[tokio::test]
async fn the_list_says_you_for_ones_own_last_message() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [alice_id, bob_id] = app.ids(["alice", "bob"]).await;
    let id = start_ok(
        &app,
        &alice,
        &member(alice_id),
        &[member(bob_id)],
        "Hello Bob, it is me",
    )
    .await;
    let mine = |inbox: &Value| {
        inbox["conversations"]
            .as_array()
            .expect("list")
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["mine"].clone())
    };
    assert_eq!(
        mine(&inbox(&app, &alice, None).await),
        Some(Value::Bool(true))
    );
    assert_eq!(
        mine(&inbox(&app, &bob, None).await),
        Some(Value::Bool(false))
    );
    let page = app.page_as(&alice, "/conversations").await;
    assert!(
        page.contains("<strong>You: </strong>Hello Bob, it is me"),
        "{page}"
    );
}

#[tokio::test]
async fn a_one_or_two_character_search_finds_a_given_name_or_any_word_of_a_name() {
    let app = spawn_app().await;
    let alice = app.member("alice").await;
    let [bob, jose] = app.ids(["bob", "jose"]).await;
    for (id, name) in [(bob, "刘伟"), (jose, "Ana Zqwerty")] {
        sqlx::query("UPDATE members SET display_name = $2 WHERE id = $1")
            .bind(id)
            .bind(name)
            .execute(&app.pool)
            .await
            .expect("rename");
    }
    for (query, name) in [
        ("伟", "刘伟"),
        ("刘", "刘伟"),
        ("刘伟", "刘伟"),
        ("zq", "Ana Zqwerty"),
        ("Zq", "Ana Zqwerty"),
    ] {
        let found: Value = app
            .call_with(&alice, "search_parties", &[("query", query)])
            .await
            .json()
            .await
            .expect("json");
        let names: Vec<&str> = found
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert!(names.contains(&name), "{query:?} finds {name}: {names:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_envelope_is_gold_in_the_rendered_page_until_the_message_is_read() {
    let app = spawn_app().await;
    let (alice, bob) = (app.member("alice").await, app.member("bob").await);
    let (a, b) = (app.id_of("alice").await, app.id_of("bob").await);
    let page = |client: reqwest::Client| {
        let url = format!("{}/groups", app.url);
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    assert!(page(bob.clone())
        .await
        .contains(r#"aria-label="Conversations""#));
    let id = start_ok(&app, &alice, &member(a), &[member(b)], "Are you there?").await;
    let html = page(bob.clone()).await;
    assert!(
        html.contains(r#"aria-label="Conversations, 1 unread""#),
        "bob has one unread conversation"
    );
    assert!(html.contains("envelope has-unread"), "the envelope is gold");
    assert!(
        !page(alice.clone()).await.contains("has-unread"),
        "the author's own message is not unread"
    );
    thread(&app, &bob, id).await;
    let html = page(bob.clone()).await;
    assert!(
        !html.contains("has-unread") && html.contains(r#"aria-label="Conversations""#),
        "read: back to normal"
    );
}

/// The envelope's count is kept from indexed read marks (no longer read from
/// every conversation of the member): each way of coming to see a conversation
/// with messages must count it, and each way of reading it must stop counting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_envelope_counts_every_unread_conversation_however_the_member_came_to_see_it() {
    let app = spawn_app().await;
    let [alice, bob, jose] = app.members(["alice", "bob", "jose"]).await;
    let [alice_id, bob_id, jose_id] = app.ids(["alice", "bob", "jose"]).await;
    let count = |client: &reqwest::Client| {
        let (app, client) = (&app, client.clone());
        async move {
            let response = app.call_with(&client, "unread_conversations", &[]).await;
            assert_eq!(response.status(), 200);
            response.json::<i64>().await.expect("count")
        }
    };

    // A message, read, marked unread, read again.
    let direct = start_ok(&app, &alice, &member(alice_id), &[member(bob_id)], "Hello").await;
    assert_eq!(count(&bob).await, 1, "a new message");
    assert_eq!(count(&alice).await, 0, "the author's own message");
    let (_, t) = thread(&app, &bob, direct).await;
    assert_eq!(count(&bob).await, 0, "opening the thread reads it");
    let first = t["messages"][0]["id"].as_i64().expect("message id");
    let response = app
        .call_with(&bob, "mark_unread", &[("message", &first.to_string())])
        .await;
    assert!(response.status().is_success() || response.status().is_redirection());
    assert_eq!(count(&bob).await, 1, "marked unread");
    reply(&app, &bob, direct, "Hi Alice").await;
    assert_eq!(count(&bob).await, 0, "answering reads it");
    assert_eq!(
        count(&alice).await,
        1,
        "the answer is unread for the other side"
    );

    // Added to a conversation that already has messages.
    let three = start_ok(
        &app,
        &alice,
        &member(alice_id),
        &[member(bob_id), member(app.id_of("ngozi").await)],
        "The three of us",
    )
    .await;
    assert_eq!(count(&jose).await, 0);
    let response = app
        .call_with(
            &alice,
            "add_people",
            &[
                ("conversation", &three.to_string()),
                ("to[0]", &member(jose_id)),
            ],
        )
        .await;
    assert!(response.status().is_success() || response.status().is_redirection());
    assert_eq!(count(&jose).await, 1, "added with messages to read");

    // A group's conversation: its managers see it; a member made manager too.
    let response = app
        .call_with(
            &jose,
            "create_group",
            &[
                ("name", "Group helpers"),
                ("slug", "helpers"),
                ("description", "Made in a test."),
                ("access", "open"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200, "the group is made");
    let response = app
        .call_with(&bob, "join_group", &[("slug", "helpers")])
        .await;
    assert_eq!(response.status(), 200, "bob joins");
    let group_id = app.group_id("helpers").await;
    start_ok(
        &app,
        &alice,
        &member(alice_id),
        &[group(group_id)],
        "Helpers?",
    )
    .await;
    assert_eq!(count(&jose).await, 2, "the group's manager");
    let before = count(&bob).await;
    let response = app
        .call_with(
            &jose,
            "set_group_role",
            &[("slug", "helpers"), ("handle", "bob"), ("role", "manager")],
        )
        .await;
    assert_eq!(response.status(), 200, "bob is made a manager");
    assert_eq!(
        count(&bob).await,
        before + 1,
        "a new manager sees it unread"
    );
}
