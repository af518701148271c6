//! Searching one's messages: full text over the conversations a member can see
//! now, accent-insensitive, with a path for scripts written without spaces,
//! filtered by sender, newest first, paged by keyset; deleted, removed and
//! no-longer-visible messages are never found.

use crate::common;

use common::*;
use serde_json::Value;

async fn find(app: &TestApp, client: &reqwest::Client, form: &[(&str, &str)]) -> Value {
    let response = app.call_with(client, "find_messages", form).await;
    let status = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(status, 200, "{form:?}: {text}");
    serde_json::from_str(&text).expect("json")
}

/// The found messages' ids, in order.
fn ids(page: &Value) -> Vec<i64> {
    page["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["message_id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_finds_words_in_the_conversations_they_can_see_and_nothing_else() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b, j] = app.ids(["alice", "bob", "jose"]).await;
    let with_bob = start(&app, &alice, a, &[member(b)], "Un café demain ?").await;
    let bobs = reply(
        &app,
        &bob,
        with_bob,
        "Yes, **CAFE** at ten, then 東京都に行きます",
    )
    .await;
    let deleted = reply(&app, &alice, with_bob, "a cafe I will take back").await;
    let removed = reply(&app, &bob, with_bob, "a cafe a moderator removes").await;
    let with_jose = start(&app, &alice, a, &[member(j)], "Another café question").await;
    // Bob and José, without Alice: never hers to find.
    let secret = start(&app, &bob, b, &[member(j)], "A secret café").await;
    let mut firsts = Vec::new();
    for conversation in [with_bob, with_jose, secret] {
        firsts.push(
            scalar::<i64>(
                &app,
                "SELECT min(id) FROM messages WHERE conversation_id = $1",
                conversation,
            )
            .await,
        );
    }
    let [opening, jose_opening, secret_opening] = [firsts[0], firsts[1], firsts[2]];
    let response = app
        .call_with(
            &alice,
            "delete_message",
            &[("message", &deleted.to_string())],
        )
        .await;
    assert_eq!(response.status(), 200);
    sqlx::query("UPDATE messages SET removed_at = now() WHERE id = $1")
        .bind(removed)
        .execute(&app.pool)
        .await
        .expect("remove");

    // Accents and case do not matter; newest first; formatting marks are not text.
    let page = find(&app, &alice, &[("q", "Cafe")]).await;
    assert_eq!(ids(&page), vec![jose_opening, bobs, opening]);
    assert!(
        !ids(&page).contains(&secret_opening),
        "Bob and José's conversation"
    );
    let hit = &page["hits"][1];
    assert_eq!(hit["conversation_id"], with_bob);
    assert_eq!(hit["author"], "Bob Nakamura");
    assert_eq!(
        hit["with"], "Bob Nakamura",
        "the others in the conversation"
    );
    let marked: Vec<(String, bool)> = hit["snippet"]
        .as_array()
        .expect("snippet")
        .iter()
        .map(|p| {
            (
                p["text"].as_str().unwrap_or("").to_string(),
                p["hit"] == true,
            )
        })
        .collect();
    assert!(marked.contains(&("CAFE".to_string(), true)), "{marked:?}");
    assert!(!marked.iter().any(|(t, _)| t.contains("**")), "{marked:?}");
    // Scripts without spaces: any two characters of a run, or one.
    assert_eq!(ids(&find(&app, &alice, &[("q", "東京")]).await), vec![bobs]);
    assert_eq!(ids(&find(&app, &alice, &[("q", "京都")]).await), vec![bobs]);
    assert_eq!(ids(&find(&app, &alice, &[("q", "京")]).await), vec![bobs]);
    // Every word must be there.
    assert_eq!(
        ids(&find(&app, &alice, &[("q", "café question")]).await),
        vec![jose_opening]
    );
    // Only what one sender wrote.
    let from_bob = format!("member:{b}");
    assert_eq!(
        ids(&find(&app, &alice, &[("q", "cafe"), ("from", &from_bob)]).await),
        vec![bobs]
    );
    // Bob finds his own conversation with José, and not Alice's with José.
    let bobs_page = find(&app, &bob, &[("q", "cafe")]).await;
    assert_eq!(ids(&bobs_page), vec![secret_opening, bobs, opening]);

    // A member who blocks Bob no longer finds what he wrote.
    let response = app
        .call_with(
            &alice,
            "set_block",
            &[("handle", "bob"), ("blocked", "true")],
        )
        .await;
    assert_eq!(response.status(), 200, "Alice blocks Bob");
    assert_eq!(
        ids(&find(&app, &alice, &[("q", "cafe")]).await),
        vec![jose_opening, opening]
    );

    // The page, without JavaScript: the hits marked, linked to their message.
    let html = app.page_as(&alice, "/conversations/search?q=cafe").await;
    assert!(
        html.contains("<mark>café</mark>"),
        "the hit is marked on the page"
    );
    assert!(
        html.contains(&format!(
            "href=\"/conversations/{with_jose}?at={jose_opening}#message-{jose_opening}\""
        )),
        "each hit links to its message"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_come_a_page_at_a_time_and_leaving_takes_a_conversation_out() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b, j] = app.ids(["alice", "bob", "jose"]).await;
    let three = start(&app, &alice, a, &[member(b), member(j)], "zebra one").await;
    for n in 2..=25 {
        reply(&app, &alice, three, &format!("zebra {n}")).await;
    }
    let page = find(&app, &bob, &[("q", "zebra")]).await;
    assert_eq!(ids(&page).len(), 20);
    let before = page["before"].as_i64().expect("another page");
    assert_eq!(before, *ids(&page).last().expect("last"));
    let next = find(
        &app,
        &bob,
        &[("q", "zebra"), ("before", &before.to_string())],
    )
    .await;
    assert_eq!(ids(&next).len(), 5);
    assert!(next["before"].is_null(), "no page after the last");
    let mut all = ids(&page);
    all.extend(ids(&next));
    let mut sorted = all.clone();
    sorted.sort_unstable_by(|x, y| y.cmp(x));
    sorted.dedup();
    assert_eq!(all, sorted, "newest first, none twice");

    let response = app
        .call_with(
            &bob,
            "leave_conversation",
            &[("conversation", &three.to_string())],
        )
        .await;
    assert_eq!(response.status(), 200, "Bob leaves");
    assert!(ids(&find(&app, &bob, &[("q", "zebra")]).await).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_must_have_a_word_and_is_for_members() {
    let app = spawn_app().await;
    let alice = app.member("alice").await;
    for (q, from) in [("", ""), ("%_'", ""), (&*"a".repeat(101), "")] {
        let response = app
            .call_with(&alice, "find_messages", &[("q", q), ("from", from)])
            .await;
        let (status, body) = error_kind(response).await;
        assert_eq!(
            (status, body["kind"].as_str()),
            (422, Some("invalid")),
            "{q:?}: {body}"
        );
    }
    let response = app
        .call_with(
            &alice,
            "find_messages",
            &[("q", "hello"), ("from", "someone")],
        )
        .await;
    assert_eq!(error_kind(response).await.0, 422);
    let response = app.call("find_messages", &[("q", "hello")]).await;
    assert_eq!(response.status(), 401);
}

/// A hit older than the thread's first page opens the thread reaching back to
/// it (with everything newer below), not at a page that lacks it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hit_older_than_the_first_page_opens_the_thread_reaching_back_to_it() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "The old plan: marmalade").await;
    for n in 0..40 {
        reply(&app, &alice, conversation, &format!("Later message {n}")).await;
    }
    let found = find(&app, &bob, &[("q", "marmalade")]).await;
    let hit = found["hits"][0]["message_id"].as_i64().expect("a hit");
    let ids = |thread: &Value| -> Vec<i64> {
        thread["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .filter_map(|m| m["id"].as_i64())
            .collect()
    };
    let newest = open_thread(&app, &bob, conversation).await;
    assert!(
        !ids(&newest).contains(&hit),
        "the first page is the newest 30"
    );
    let response = app
        .call_with(
            &bob,
            "get_thread",
            &[("id", &conversation.to_string()), ("at", &hit.to_string())],
        )
        .await;
    assert_eq!(response.status(), 200);
    let reaching: Value = response.json().await.expect("json");
    let shown = ids(&reaching);
    assert!(shown.contains(&hit), "{shown:?}");
    assert_eq!(shown.len(), 41, "the hit and the 40 after it");
    assert_eq!(shown.last(), ids(&newest).last(), "down to the newest");
    // Someone else's conversation stays NotFound, whatever `at` says.
    let jose = app.member("jose").await;
    let response = app
        .call_with(
            &jose,
            "get_thread",
            &[("id", &conversation.to_string()), ("at", &hit.to_string())],
        )
        .await;
    assert_eq!(response.status(), 404);
}

/// One search does a bounded amount of work: one that cannot finish in its two
/// seconds (here: waiting on a table another transaction holds) is refused with
/// words the member can act on, and the next search runs as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_that_would_run_too_long_is_stopped_and_says_so() {
    let app = spawn_app().await;
    let alice = app.member("alice").await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    start(&app, &alice, a, &[member(b)], "The quarterly figures").await;

    let mut holder = app.pool.begin().await.expect("a transaction");
    sqlx::query("LOCK TABLE blocks IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *holder)
        .await
        .expect("the lock");
    // Without the bound the search would wait for as long as the lock is held:
    // the client gives up at 30 s, far past the 2 s the search may take.
    let response = alice
        .post(format!("{}/api/find_messages", app.url))
        .form(&[("q", "figures")])
        .timeout(std::time::Duration::from_secs(30))
        .send()
        .await
        .expect("an answer before the client gives up");
    let (status, body) = error_kind(response).await;
    holder.rollback().await.expect("released");
    assert_eq!(status, 409, "{body}");
    assert!(
        said(&body).contains("This search would take too long"),
        "{body}"
    );
    let page = find(&app, &alice, &[("q", "figures")]).await;
    assert_eq!(ids(&page).len(), 1, "the next search runs: {page}");
}
