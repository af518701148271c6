//! Groups run by their members: creating and editing a group, asking to join a
//! closed one, and managers deciding who is in it and who manages it.

use crate::common;

use common::*;
use serde_json::Value;

async fn details(app: &TestApp, client: &reqwest::Client, slug: &str) -> Value {
    let response = app
        .call_with(client, "get_group_details", &[("slug", slug)])
        .await;
    assert_eq!(response.status(), 200, "the group {slug} is shown");
    response.json().await.expect("json")
}

fn handles(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|p| p["handle"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn create(
    app: &TestApp,
    client: &reqwest::Client,
    slug: &str,
    access: &str,
) -> reqwest::Response {
    app.call_with(
        client,
        "create_group",
        &[
            ("name", &format!("Group {slug}")),
            ("slug", slug),
            ("description", "Made in a test.\nSecond line."),
            ("access", access),
        ],
    )
    .await
}

async fn expect_status(response: reqwest::Response, status: u16, what: &str) -> Value {
    let got = response.status().as_u16();
    let body = response.text().await.expect("body");
    assert_eq!(got, status, "{what}: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_member_creates_a_group_and_is_its_first_manager() {
    let app = spawn_app().await;
    let jose = app.member("jose").await;
    let created = create(&app, &jose, "Rust-Users", "closed").await;
    assert_eq!(created.status(), 200);
    assert_eq!(
        created
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/groups/rust-users"),
        "the client goes on to the group's page"
    );
    let group = details(&app, &jose, "rust-users").await;
    assert_eq!(group["name"], "Group Rust-Users");
    assert_eq!(group["description"], "Made in a test.\nSecond line.");
    assert_eq!(group["is_open"], false);
    assert_eq!(group["viewer"], "manager");
    assert_eq!(handles(&group["managers"]), ["jose"]);
    assert_eq!(group["member_count"], 1);

    // Its address is taken now; a bad one is said per field.
    let bob = app.member("bob").await;
    let (status, body) = error_kind(create(&app, &bob, "rust-users", "open").await).await;
    assert_eq!(status, 422);
    assert!(
        field_messages(&body["detail"])
            .iter()
            .any(|(_, m)| m.contains("already has that address")),
        "{body}"
    );
    let (status, body) = error_kind(create(&app, &bob, "new", "sometimes").await).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = body["detail"]
        .as_array()
        .expect("field errors")
        .iter()
        .filter_map(|pair| pair[0].as_str())
        .collect();
    assert_eq!(fields, ["access", "slug"], "{body}");
}

#[tokio::test]
async fn a_member_creates_at_most_three_groups_a_day_even_all_at_once() {
    let app = spawn_app().await;
    let jose = app.member("jose").await;
    let attempts = (0..10).map(|i| {
        let (app, jose) = (&app, &jose);
        async move { create(app, jose, &format!("burst-{i}"), "open").await }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let created = answers.iter().filter(|r| r.status() == 200).count();
    let refused: Vec<_> = answers.iter().filter(|r| r.status() == 429).collect();
    assert_eq!(created, 3, "three groups a day");
    assert_eq!(refused.len(), 7, "the rest wait");
    let retry: u64 = refused[0].headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((86_000..=86_400).contains(&retry), "about a day: {retry}");
    let stored: i64 = scalar(
        &app,
        "SELECT count(*) FROM groups WHERE created_by = $1",
        app.id_of("jose").await,
    )
    .await;
    assert_eq!(stored, 3);
}

#[tokio::test]
async fn only_a_groups_managers_edit_it_and_opening_it_lets_those_who_asked_in() {
    let app = spawn_app().await;
    let [jose, bob, alice] = app.members(["jose", "bob", "alice"]).await;
    expect_status(
        create(&app, &jose, "quiet-room", "closed").await,
        200,
        "create",
    )
    .await;
    expect_status(
        app.call_with(&bob, "request_to_join_group", &[("slug", "quiet-room")])
            .await,
        200,
        "bob asks to join",
    )
    .await;
    let edit = |name: &'static str, access: &'static str| {
        [
            ("slug", "quiet-room"),
            ("name", name),
            ("description", "Now open to all."),
            ("access", access),
        ]
    };
    expect_status(
        app.call_with(&alice, "edit_group", &edit("Taken over", "open"))
            .await,
        403,
        "a non-member edits",
    )
    .await;
    expect_status(
        app.call_with(&bob, "edit_group", &edit("Taken over", "open"))
            .await,
        403,
        "someone who asked to join edits",
    )
    .await;
    assert_eq!(
        details(&app, &alice, "quiet-room").await["name"],
        "Group quiet-room"
    );

    expect_status(
        app.call_with(&jose, "edit_group", &edit("Quiet room", "open"))
            .await,
        200,
        "the manager edits",
    )
    .await;
    let group = details(&app, &bob, "quiet-room").await;
    assert_eq!(group["name"], "Quiet room");
    assert_eq!(group["is_open"], true);
    assert_eq!(
        group["viewer"], "member",
        "bob's request was granted by opening the group"
    );
}

#[tokio::test]
async fn a_manager_approves_or_declines_requests_to_join_a_closed_group() {
    let app = spawn_app().await;
    let [jose, bob, alice] = app.members(["jose", "bob", "alice"]).await;
    expect_status(
        create(&app, &jose, "inner-circle", "closed").await,
        200,
        "create",
    )
    .await;

    let (status, _) = error_kind(
        app.call_with(&bob, "join_group", &[("slug", "inner-circle")])
            .await,
    )
    .await;
    assert_eq!(
        status, 409,
        "a closed group is not joined without a manager"
    );
    for client in [&bob, &alice] {
        expect_status(
            app.call_with(client, "request_to_join_group", &[("slug", "inner-circle")])
                .await,
            200,
            "asks to join",
        )
        .await;
    }
    // Asking twice changes nothing.
    expect_status(
        app.call_with(&bob, "request_to_join_group", &[("slug", "inner-circle")])
            .await,
        200,
        "asks again",
    )
    .await;
    assert_eq!(
        details(&app, &bob, "inner-circle").await["viewer"],
        "requested"
    );
    assert_eq!(
        details(&app, &bob, "inner-circle").await["requests"],
        Value::Array(vec![]),
        "only managers see requests"
    );
    let requests = &details(&app, &jose, "inner-circle").await["requests"];
    let requesters: Vec<&str> = requests
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["member"]["handle"].as_str())
        .collect();
    assert_eq!(requesters, ["bob", "alice"], "oldest first");

    let answer = |handle: &'static str, answer: &'static str| {
        [
            ("slug", "inner-circle"),
            ("handle", handle),
            ("answer", answer),
        ]
    };
    expect_status(
        app.call_with(&alice, "answer_join_request", &answer("bob", "approve"))
            .await,
        403,
        "a requester answers another's request",
    )
    .await;
    expect_status(
        app.call_with(&jose, "answer_join_request", &answer("bob", "approve"))
            .await,
        200,
        "approve",
    )
    .await;
    expect_status(
        app.call_with(&jose, "answer_join_request", &answer("alice", "decline"))
            .await,
        200,
        "decline",
    )
    .await;
    expect_status(
        app.call_with(&jose, "answer_join_request", &answer("alice", "approve"))
            .await,
        404,
        "a declined request is gone",
    )
    .await;
    assert_eq!(
        details(&app, &bob, "inner-circle").await["viewer"],
        "member"
    );
    assert_eq!(
        details(&app, &alice, "inner-circle").await["viewer"],
        "outsider"
    );
    assert_eq!(
        details(&app, &jose, "inner-circle").await["requests"],
        Value::Array(vec![])
    );

    // A withdrawn request is gone too.
    expect_status(
        app.call_with(&alice, "request_to_join_group", &[("slug", "inner-circle")])
            .await,
        200,
        "asks again",
    )
    .await;
    expect_status(
        app.call_with(&alice, "leave_group", &[("slug", "inner-circle")])
            .await,
        200,
        "withdraws",
    )
    .await;
    assert_eq!(
        details(&app, &alice, "inner-circle").await["viewer"],
        "outsider"
    );
    expect_status(
        app.call_with(&jose, "answer_join_request", &answer("alice", "approve"))
            .await,
        404,
        "a withdrawn request",
    )
    .await;
}

#[tokio::test]
async fn a_new_manager_answers_the_groups_conversations_and_a_former_one_no_longer_can() {
    let app = spawn_app().await;
    let [jose, bob, alice] = app.members(["jose", "bob", "alice"]).await;
    expect_status(create(&app, &jose, "helpers", "open").await, 200, "create").await;
    expect_status(
        app.call_with(&bob, "join_group", &[("slug", "helpers")])
            .await,
        200,
        "bob joins",
    )
    .await;
    let group_id = app.group_id("helpers").await;
    let alice_id = app.id_of("alice").await;
    let conversation = start(
        &app,
        &alice,
        alice_id,
        &[group(group_id)],
        "Can the helpers help?",
    )
    .await;
    let read = |client: &reqwest::Client| {
        let id = conversation.to_string();
        let app = &app;
        let client = client.clone();
        async move {
            app.call_with(&client, "get_thread", &[("id", &id)])
                .await
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        read(&bob).await,
        404,
        "an ordinary member does not read the group's conversations"
    );

    let role = |handle: &'static str, role: &'static str| {
        [("slug", "helpers"), ("handle", handle), ("role", role)]
    };
    expect_status(
        app.call_with(&bob, "set_group_role", &role("bob", "manager"))
            .await,
        403,
        "a member appoints themself",
    )
    .await;
    expect_status(
        app.call_with(&jose, "set_group_role", &role("alice", "manager"))
            .await,
        409,
        "someone outside the group",
    )
    .await;
    expect_status(
        app.call_with(&jose, "set_group_role", &role("bob", "manager"))
            .await,
        200,
        "appoint",
    )
    .await;
    assert_eq!(read(&bob).await, 200, "the new manager reads it at once");
    reply(&app, &bob, conversation, "The helpers are here.").await;

    expect_status(
        app.call_with(&bob, "set_group_role", &role("jose", "member"))
            .await,
        200,
        "bob demotes jose",
    )
    .await;
    assert_eq!(
        read(&jose).await,
        404,
        "the former manager no longer reads it"
    );
    // The last manager neither steps down nor leaves nor is removed.
    expect_status(
        app.call_with(&bob, "set_group_role", &role("bob", "member"))
            .await,
        409,
        "last manager steps down",
    )
    .await;
    expect_status(
        app.call_with(&bob, "leave_group", &[("slug", "helpers")])
            .await,
        409,
        "last manager leaves",
    )
    .await;
    expect_status(
        app.call_with(
            &bob,
            "remove_from_group",
            &[("slug", "helpers"), ("handle", "bob")],
        )
        .await,
        409,
        "last manager removes themself",
    )
    .await;

    expect_status(
        app.call_with(
            &jose,
            "remove_from_group",
            &[("slug", "helpers"), ("handle", "bob")],
        )
        .await,
        403,
        "a member removes the manager",
    )
    .await;
    expect_status(
        app.call_with(
            &bob,
            "remove_from_group",
            &[("slug", "helpers"), ("handle", "jose")],
        )
        .await,
        200,
        "the manager removes a member",
    )
    .await;
    assert_eq!(details(&app, &jose, "helpers").await["viewer"], "outsider");
    assert_eq!(
        handles(&details(&app, &jose, "helpers").await["managers"]),
        ["bob"]
    );
}

#[tokio::test]
async fn two_managers_stepping_down_at_once_leave_one_manager() {
    let app = spawn_app().await;
    let [jose, bob] = app.members(["jose", "bob"]).await;
    for round in 0..5 {
        let slug = format!("pair-{round}");
        expect_status(create(&app, &jose, &slug, "open").await, 200, "create").await;
        expect_status(
            app.call_with(&bob, "join_group", &[("slug", &slug)]).await,
            200,
            "join",
        )
        .await;
        expect_status(
            app.call_with(
                &jose,
                "set_group_role",
                &[("slug", &slug), ("handle", "bob"), ("role", "manager")],
            )
            .await,
            200,
            "appoint",
        )
        .await;
        let demote_bob = [
            ("slug", slug.as_str()),
            ("handle", "bob"),
            ("role", "member"),
        ];
        let demote_jose = [
            ("slug", slug.as_str()),
            ("handle", "jose"),
            ("role", "member"),
        ];
        let (a, b) = tokio::join!(
            app.call_with(&jose, "set_group_role", &demote_bob),
            app.call_with(&bob, "set_group_role", &demote_jose),
        );
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort();
        assert_eq!(
            statuses,
            [200, 403],
            "one demotes the other, who may then no longer: {statuses:?}"
        );
        let group = details(&app, &jose, &slug).await;
        assert_eq!(
            group["managers"].as_array().map(Vec::len),
            Some(1),
            "{group}"
        );
        // Only three groups a day: start the next day for the next round.
        sqlx::query("UPDATE groups SET created_at = created_at - interval '2 days'")
            .execute(&app.pool)
            .await
            .expect("age the groups");
    }
}

#[tokio::test]
async fn a_manager_invites_members_who_accept_or_decline_and_sees_requests_on_the_home_page() {
    let app = spawn_app().await;
    let [jose, bob, alice, lars] = app.members(["jose", "bob", "alice", "lars"]).await;
    let [bob_id, alice_id, lars_id] = app.ids(["bob", "alice", "lars"]).await;
    expect_status(
        create(&app, &jose, "by-invitation", "closed").await,
        200,
        "create",
    )
    .await;
    expect_status(
        app.call_with(
            &alice,
            "request_to_join_group",
            &[("slug", "by-invitation")],
        )
        .await,
        200,
        "alice asks",
    )
    .await;
    let news: Value = app
        .call_with(&jose, "get_community_news", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(news["requests"][0]["slug"], "by-invitation");
    assert_eq!(news["requests"][0]["count"], 1);

    let invite = |ids: &[i64]| {
        let mut form = vec![("slug".to_string(), "by-invitation".to_string())];
        form.extend(
            ids.iter()
                .enumerate()
                .map(|(i, id)| (format!("to[{i}]"), member(*id))),
        );
        form
    };
    expect_status(
        app.post_form(&bob, "invite_to_group", &invite(&[lars_id]))
            .await,
        403,
        "an outsider invites",
    )
    .await;
    let (status, body) = error_kind(
        app.post_form(
            &jose,
            "invite_to_group",
            &[
                ("slug".into(), "by-invitation".into()),
                ("to[0]".into(), group(app.group_id("marketing").await)),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "a group is not invited: {body}");
    // Lars blocked José: José is told only that he can't invite him.
    let blocked = app
        .call_with(
            &lars,
            "set_block",
            &[("handle", "jose"), ("blocked", "true")],
        )
        .await;
    assert_eq!(blocked.status(), 200);
    let (status, body) = error_kind(
        app.post_form(&jose, "invite_to_group", &invite(&[bob_id, lars_id]))
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(!body.to_string().to_lowercase().contains("block"), "{body}");
    assert_eq!(
        details(&app, &bob, "by-invitation").await["viewer"],
        "outsider",
        "nothing of a refused invitation is kept"
    );

    expect_status(
        app.post_form(&jose, "invite_to_group", &invite(&[bob_id, alice_id]))
            .await,
        200,
        "invite",
    )
    .await;
    assert_eq!(
        details(&app, &alice, "by-invitation").await["viewer"],
        "member",
        "who asked is let in"
    );
    assert_eq!(
        details(&app, &bob, "by-invitation").await["viewer"],
        "invited"
    );
    let news: Value = app
        .call_with(&bob, "get_community_news", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(news["invitations"][0]["slug"], "by-invitation");
    assert_eq!(news["invitations"][0]["invited_by"], "José Álvarez");
    expect_status(
        app.call_with(&bob, "join_group", &[("slug", "by-invitation")])
            .await,
        200,
        "bob accepts",
    )
    .await;
    assert_eq!(
        details(&app, &bob, "by-invitation").await["viewer"],
        "member"
    );
    let news: Value = app
        .call_with(&bob, "get_community_news", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(news["invitations"], Value::Array(vec![]));
}

#[tokio::test]
async fn a_large_groups_members_page_by_name_and_follow_a_rename() {
    let app = spawn_app().await;
    let alice = app.member("alice").await;
    expect_status(
        create(&app, &alice, "big-room", "open").await,
        200,
        "created",
    )
    .await;
    // Everyone else joins (as the demo's members are about two hundred).
    let total = sqlx::query(
        "INSERT INTO group_memberships (group_id, member_id, role)
         SELECT g.id, m.id, 'member' FROM groups g, members m
         WHERE g.slug = 'big-room' AND m.handle <> 'alice'",
    )
    .execute(&app.pool)
    .await
    .expect("members join")
    .rows_affected() as i64;
    assert!(total > 120, "{total} members: more than a page");
    let mut seen: Vec<String> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut after: Option<i64> = None;
    let mut pages = 0;
    loop {
        let mut form = vec![("slug", "big-room".to_string())];
        if let Some(after) = after {
            form.push(("members_after", after.to_string()));
        }
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page: Value = app
            .call_with(&alice, "get_group_details", &form)
            .await
            .json()
            .await
            .expect("json");
        pages += 1;
        let list = page["members"].as_array().expect("members").clone();
        assert!(list.len() <= 120, "a page holds at most 120");
        seen.extend(handles(&page["members"]));
        names.extend(
            list.iter()
                .map(|m| m["display_name"].as_str().unwrap_or_default().to_string()),
        );
        match page["members_next"].as_i64() {
            Some(next) => after = Some(next),
            None => break,
        }
        assert!(pages < 10, "paging ends");
    }
    assert_eq!(pages, 2);
    assert_eq!(seen.len() as i64, total, "every member once");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no member twice");
    let folded: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    // Byte order of lower-case names (accents aside, which fold_name drops).
    let ascii: Vec<&String> = folded.iter().filter(|n| n.is_ascii()).collect();
    let mut ascii_sorted = ascii.clone();
    ascii_sorted.sort();
    assert_eq!(ascii, ascii_sorted, "alphabetical");

    // A member renamed to the front of the alphabet comes first at once.
    let last = seen.last().expect("a member").clone();
    let renamed = app.member(&last).await;
    let edited = app
        .call_with(
            &renamed,
            "edit_profile",
            &[
                ("display_name", "Aaaa First"),
                ("handle", &last),
                ("bio", ""),
            ],
        )
        .await;
    assert_eq!(edited.status(), 200);
    let first = details(&app, &alice, "big-room").await;
    assert_eq!(handles(&first["members"])[0], last);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_hear_of_requests_to_join_in_the_bell_and_by_one_email_an_hour() {
    let smtp = common::smtp::SmtpServer::start().await;
    let app = spawn_app_with_options(Options {
        public_url: Some("https://portal.example.test".into()),
        smtp_url: Some(smtp.url()),
        ..Options::default()
    })
    .await;
    let [alice, jose, bob] = app.members(["alice", "jose", "bob"]).await;
    // Alice's closed group, with Bob as a second manager who silenced it.
    expect_status(
        create(&app, &alice, "quiet-room", "closed").await,
        200,
        "created",
    )
    .await;
    sqlx::query(
        "INSERT INTO group_memberships (group_id, member_id, role, notify)
         SELECT g.id, m.id, 'manager', false FROM groups g, members m
         WHERE g.slug = 'quiet-room' AND m.handle = 'bob'",
    )
    .execute(&app.pool)
    .await
    .expect("bob manages it");

    let asked = app
        .call_with(&jose, "request_to_join_group", &[("slug", "quiet-room")])
        .await;
    assert_eq!(asked.status(), 200);
    let emails = smtp.wait_for(1, std::time::Duration::from_secs(15)).await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert!(emails[0].to.contains("alice@example.org"));
    assert!(
        emails[0]
            .text
            .contains("José Álvarez asked to join Group quiet-room"),
        "{}",
        emails[0].text
    );
    assert!(emails[0]
        .text
        .contains("https://portal.example.test/groups/quiet-room"));

    // The bell: Alice sees it, linking to the group's page; Bob silenced the group.
    let bell: Value = app
        .call_with(&alice, "list_notifications", &[])
        .await
        .json()
        .await
        .expect("json");
    let entry = bell
        .as_array()
        .expect("a list")
        .iter()
        .find(|n| n["link"] == "/groups/quiet-room")
        .unwrap_or_else(|| panic!("a join request in {bell}"));
    assert!(entry["text"]
        .as_str()
        .unwrap_or_default()
        .contains("asked to join"));
    assert_eq!(entry["conversation_id"], Value::Null);
    let bobs: Value = app
        .call_with(&bob, "list_notifications", &[])
        .await
        .json()
        .await
        .expect("json");
    assert!(!bobs.to_string().contains("quiet-room"), "{bobs}");

    // Withdrawing and asking again, or another member asking, within the hour
    // sends no more email: the page lists every request.
    let [ngozi] = app.members(["ngozi"]).await;
    app.call_with(&jose, "leave_group", &[("slug", "quiet-room")])
        .await;
    app.call_with(&jose, "request_to_join_group", &[("slug", "quiet-room")])
        .await;
    app.call_with(&ngozi, "request_to_join_group", &[("slug", "quiet-room")])
        .await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(smtp.messages().len(), 1, "one email an hour per group");
    let bell: Value = app
        .call_with(&alice, "list_notifications", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        bell.as_array()
            .expect("a list")
            .iter()
            .filter(|n| n["link"] == "/groups/quiet-room")
            .count(),
        2,
        "{bell}"
    );
}
