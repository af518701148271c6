//! Pages render their content on the server; unknown things get a real 404.

use crate::common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_page_shows_the_member_and_a_contact_button_in_the_html() {
    let app = spawn_app().await;
    let (status, html) = app.page("/members/alice").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<h1>Alice Martin</h1>"),
        "the name is rendered server-side"
    );
    assert!(
        html.contains("@<!-- -->alice") || html.contains("@alice"),
        "the handle is shown"
    );
    assert!(
        html.contains("Marketing automation consultant in Lyon"),
        "the bio is shown"
    );
    assert!(
        html.contains(r#"aria-label="Message Alice Martin""#),
        "the contact icon is labelled"
    );
    assert!(html.contains("Member since"));
    assert!(
        html.contains(r#"href="/groups/marketing""#),
        "her groups are listed"
    );
    assert!(
        !html.contains("alice@example.org"),
        "email addresses are never published"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_page_shows_its_managers_members_and_contact_button() {
    let app = spawn_app().await;
    let (status, html) = app.page("/groups/marketing").await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Marketing</h1>"));
    assert!(html.contains(r#"aria-label="Message the Marketing group""#));
    let managers = html.find("<h2>Managers</h2>").expect("a managers section");
    let members = html.find("<h2>Members</h2>").expect("a members section");
    let alice = html[managers..]
        .find("Alice Martin")
        .map(|i| i + managers)
        .expect("alice is listed");
    assert!(
        managers < alice && alice < members,
        "alice is listed among the managers"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_member_or_group_gets_a_real_404_page() {
    let app = spawn_app().await;
    for path in [
        "/members/no-such-member",
        "/groups/no-such-group",
        "/no/such/page",
    ] {
        let (status, html) = app.page(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("Page not found"), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_search_ignores_accents_and_case() {
    let app = spawn_app().await;
    let (status, html) = app.page("/members?q=jose").await;
    assert_eq!(status, 200);
    assert!(html.contains("José Álvarez"), "jose finds José");
    assert!(!html.contains("Alice Martin"), "the filter applies");
    let (_, html) = app.page("/members?q=%E7%8E%8B").await; // 王
    assert!(html.contains("王"), "CJK names are found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_pages_through_every_member_once() {
    let app = spawn_app().await;
    let mut seen = std::collections::HashSet::new();
    let mut after: Option<i64> = None;
    loop {
        let mut form = vec![("query", String::new())];
        if let Some(a) = after {
            form.push(("after", a.to_string()));
        }
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page: serde_json::Value = app.call("list_members", &form).await.json().await.unwrap();
        for m in page["members"].as_array().unwrap() {
            assert!(
                seen.insert(m["handle"].as_str().unwrap().to_string()),
                "no member twice"
            );
        }
        match page["next"].as_i64() {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), server::demo::MEMBER_COUNT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_shows_the_signed_in_member_menu() {
    let app = spawn_app().await;
    let (_, html) = app.page("/groups").await;
    assert!(html.contains(r#"href="/sign-in""#));
    app.sign_in("alice@example.org", PASSWORD).await;
    let (_, html) = app.page("/groups").await;
    assert!(html.contains("Account menu for Alice Martin"));
    assert!(html.contains("Sign out"));
    assert!(html.contains(r#"href="/code-of-conduct""#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_join_and_leave_open_groups_but_not_closed_ones() {
    let app = spawn_app().await;
    app.sign_in("jose@example.org", PASSWORD).await;
    let in_group = |slug: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, bool>(
                "SELECT EXISTS (SELECT 1 FROM group_memberships gm JOIN groups g ON g.id = gm.group_id
                 JOIN members m ON m.id = gm.member_id WHERE g.slug = $1 AND m.handle = 'jose')",
            )
            .bind(slug)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    sqlx::query("DELETE FROM group_memberships WHERE member_id = (SELECT id FROM members WHERE handle = 'jose')")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        app.call("join_group", &[("slug", "design")]).await.status(),
        200
    );
    assert!(in_group("design").await);
    assert_eq!(
        app.call("leave_group", &[("slug", "design")])
            .await
            .status(),
        200
    );
    assert!(!in_group("design").await);
    let (status, body) = error_kind(app.call("join_group", &[("slug", "security")]).await).await;
    assert_eq!(status, 409);
    assert!(said(&body).contains("closed"), "{body}");
    assert!(!in_group("security").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_manager_cannot_leave_a_group() {
    let app = spawn_app().await;
    sqlx::query(
        "DELETE FROM group_memberships WHERE role = 'manager' AND group_id = (SELECT id FROM groups WHERE slug = 'marketing')
         AND member_id <> (SELECT id FROM members WHERE handle = 'alice')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    app.sign_in("alice@example.org", PASSWORD).await;
    let (status, body) = error_kind(app.call("leave_group", &[("slug", "marketing")]).await).await;
    assert_eq!(status, 409);
    assert!(said(&body).contains("only manager"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_a_group_requires_signing_in() {
    let app = spawn_app().await;
    let (status, body) = error_kind(app.call("join_group", &[("slug", "design")]).await).await;
    assert_eq!(status, 401);
    assert_eq!(body["kind"], "unauthenticated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loading_the_demo_data_twice_changes_nothing() {
    let app = spawn_app().await;
    let count = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT (SELECT count(*) FROM members) * 1000000 + (SELECT count(*) FROM groups) * 10000
                    + (SELECT count(*) FROM group_memberships)",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    let before = count().await;
    server::demo::load(&app.pool).await.unwrap();
    assert_eq!(count().await, before);
    let (members, groups): (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM members), (SELECT count(*) FROM groups)")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(members >= 200 && groups == 12);
    let roles: Vec<String> = sqlx::query_scalar("SELECT DISTINCT role FROM members ORDER BY role")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(roles, ["admin", "member", "moderator"]);
}

/// A thread reads like a messenger's: a line above each day's first message, and an
/// author's messages in a row (within five minutes, the same day) drawn as one group,
/// their name kept for screen readers. Days are UTC on the server's page (the page
/// shows the reader's own once it runs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_has_a_line_for_each_day_and_groups_an_authors_messages() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "first, day one").await;
    let second = reply(&app, &alice, conversation, "second, day one, same minute").await;
    let third = reply(&app, &bob, conversation, "third, Bob, day one").await;
    let fourth = reply(&app, &bob, conversation, "fourth, Bob, the next day").await;
    let fifth = reply(&app, &bob, conversation, "fifth, Bob, ten minutes on").await;
    for (id, at) in [
        (second, "2026-03-02 09:00:30+00"),
        (third, "2026-03-02 09:01:00+00"),
        (fourth, "2026-03-03 08:00:00+00"),
        (fifth, "2026-03-03 08:10:00+00"),
    ] {
        sqlx::query("UPDATE messages SET created_at = $2::timestamptz WHERE id = $1")
            .bind(id)
            .bind(at)
            .execute(&app.pool)
            .await
            .expect("date the message");
    }
    sqlx::query(
        "UPDATE messages SET created_at = '2026-03-02 09:00:00+00'
         WHERE conversation_id = $1 AND id < $2",
    )
    .bind(conversation)
    .bind(second)
    .execute(&app.pool)
    .await
    .expect("date the first message");

    let response = alice
        .get(format!("{}/conversations/{conversation}", app.url))
        .send()
        .await
        .expect("thread");
    let html = without_markers(&response.text().await.expect("page"));
    let list = &html[html
        .find("class=\"messages\"")
        .unwrap_or_else(|| panic!("the message list: {html}"))..];
    let days: Vec<&str> = list
        .match_indices("<li class=\"day-line\"><span>")
        .map(|(at, tag)| {
            let rest = &list[at + tag.len()..];
            &rest[..rest.find('<').unwrap_or(0)]
        })
        .collect();
    assert_eq!(days, ["Monday, March 2, 2026", "Tuesday, March 3, 2026"]);
    let classes = |id: i64| {
        let at = list
            .find(&format!("id=\"message-{id}\""))
            .unwrap_or_else(|| panic!("message {id} is listed"));
        let start = list[..at].rfind("<li").expect("its item");
        let end = start + list[start..].find('>').expect("the tag ends");
        list[start..end].to_string()
    };
    assert!(
        classes(second).contains("continued"),
        "Alice's second message joins her first"
    );
    for (id, why) in [
        (third, "another author"),
        (fourth, "another day"),
        (fifth, "ten minutes later"),
    ] {
        assert!(
            !classes(id).contains("continued"),
            "message {id} starts a group: {why}"
        );
    }
    let second_item = &list[list.find(&format!("id=\"message-{second}\"")).unwrap_or(0)..];
    assert!(
        second_item[..second_item.find("</li>").unwrap_or(0)].contains("Alice Martin"),
        "a grouped message still names its author (for screen readers)"
    );
}

/// Names and message text from right-to-left scripts are isolated, so an Arabic
/// name never reorders the line around it, and the box one types in turns right
/// to left with the text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_and_messages_in_other_scripts_are_isolated() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    sqlx::query("UPDATE members SET display_name = 'سارة أحمد' WHERE id = $1")
        .bind(a)
        .execute(&app.pool)
        .await
        .expect("set-up SQL");
    let conversation = start(&app, &alice, a, &[member(b)], "مرحبا Bob, see you at 10").await;
    let html = app
        .page_as(&bob, &format!("/conversations/{conversation}"))
        .await;
    assert!(
        html.contains("<bdi>سارة أحمد</bdi>"),
        "the author's name is isolated"
    );
    let body_at = html.find("مرحبا Bob").expect("the message");
    let opening = &html[html[..body_at].rfind("<div").expect("its element")..body_at];
    assert!(
        opening.contains(r#"dir="auto""#),
        "the text takes its own direction: {opening}"
    );
    assert!(
        html.contains(r#"name="body" dir="auto""#),
        "so does the reply box"
    );
}
