//! Forms without JavaScript: a browser that only reads HTML and posts the forms
//! as the server rendered them (hidden fields included), then follows the answer.
//! Success lands where the hydrated page would go; a refusal shows the form's page
//! again, with the message and what was typed, and stores nothing.

use crate::common::*;

/// The hidden and text fields of the first form posting to `/api/<endpoint>`, as
/// the server rendered them.
fn form_fields(html: &str, endpoint: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("action=\"/api/{endpoint}\""))
        .unwrap_or_else(|| panic!("a form posting to {endpoint}"));
    let form = &html[start..];
    let form = &form[..form.find("</form>").expect("the form ends")];
    let mut fields: Vec<(String, String)> = form
        .split("<input")
        .skip(1)
        .filter_map(|input| {
            let tag = &input[..input.find('>')?];
            if attribute(tag, "type").as_deref() == Some("radio") {
                return None;
            }
            Some((
                attribute(tag, "name")?,
                attribute(tag, "value").unwrap_or_default(),
            ))
        })
        .collect();
    // A select sends its first option unless another is chosen.
    for select in form.split("<select").skip(1) {
        let tag = &select[..select.find('>').unwrap_or(0)];
        let first = select
            .split("<option")
            .nth(1)
            .and_then(|option| attribute(&option[..option.find('>')?], "value"));
        if let (Some(name), Some(value)) = (attribute(tag, "name"), first) {
            fields.push((name, value));
        }
    }
    fields
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')? + start;
    Some(
        tag[start..end]
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    fields.retain(|(n, _)| n != name);
    fields.push((name.to_string(), value.to_string()));
}

/// A browser without JavaScript: pages as HTML, forms posted from them.
struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
}

impl Browser<'_> {
    async fn open(&self, path: &str) -> String {
        let response = self
            .client
            .get(format!("{}{path}", self.app.url))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        without_markers(&response.text().await.unwrap())
    }

    /// Posts `fields` to `/api/<endpoint>` from the page at `from`, as the form does.
    async fn post(
        &self,
        from: &str,
        endpoint: &str,
        fields: &[(String, String)],
    ) -> reqwest::Response {
        self.client
            .post(format!("{}/api/{endpoint}", self.app.url))
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", format!("{}{from}", self.app.url))
            .form(fields)
            .send()
            .await
            .unwrap()
    }
}

async fn browser<'a>(app: &'a TestApp, handle: &str) -> Browser<'a> {
    Browser {
        app,
        client: app.member(handle).await,
    }
}

fn location(response: &reqwest::Response) -> String {
    assert_eq!(
        response.status(),
        303,
        "a successful form is followed by a page"
    );
    response.headers()["location"].to_str().unwrap().to_string()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_from_a_profile_posts_the_rendered_form_and_lands_in_the_thread() {
    let app = spawn_app().await;
    let alice = browser(&app, "alice").await;
    let page = "/conversations/new?to=member:bob";
    let html = alice.open(page).await;
    let mut fields = form_fields(&html, "start_conversation");
    let key = fields
        .iter()
        .find(|(n, _)| n == "key")
        .map(|(_, v)| v.clone());
    assert!(
        key.is_some_and(|k| k.len() >= 16),
        "the key is rendered: {fields:?}"
    );
    assert!(
        fields
            .iter()
            .any(|(n, v)| n == "send_as" && v.starts_with("member:")),
        "send_as is rendered: {fields:?}"
    );
    assert!(
        fields.iter().any(|(n, _)| n.starts_with("to")),
        "the recipient is rendered: {fields:?}"
    );
    set(&mut fields, "body", "Hello without script");
    let to = location(&alice.post(page, "start_conversation", &fields).await);
    assert!(to.starts_with("/conversations/"), "{to}");
    let thread = alice.open(&to).await;
    assert!(
        thread.contains("Hello without script"),
        "the message is in the thread"
    );
    // Posting the same rendered form again (a reload) stores nothing more.
    alice.post(page, "start_conversation", &fields).await;
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM messages WHERE body = 'Hello without script'"
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_message_shows_the_form_again_with_the_reason_and_the_text() {
    let app = spawn_app().await;
    let alice = browser(&app, "alice").await;
    let page = "/conversations/new?to=member:bob";
    let mut fields = form_fields(&alice.open(page).await, "start_conversation");
    // Too long, and markup that must stay text.
    let typed = format!("</textarea><script>alert(1)</script> {}", "x".repeat(1_000));
    set(&mut fields, "body", &typed);
    let response = alice.post(page, "start_conversation", &fields).await;
    assert_eq!(response.status(), 422);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = without_markers(&response.text().await.unwrap());
    assert!(!html.contains("\"kind\""), "no raw JSON");
    assert!(html.contains("1,000"), "the reason is on the page");
    assert!(
        html.contains("&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt; xxx"),
        "the text is back in the box, escaped"
    );
    assert!(!html.contains("<script>alert(1)"), "never as markup");
    assert!(
        html.contains("Bob Nakamura"),
        "the recipient is still chosen"
    );
    // The same key comes back, so sending after a fix is still one message.
    let key = fields.iter().find(|(n, _)| n == "key").unwrap().1.clone();
    assert!(
        html.contains(&format!("value=\"{key}\"")),
        "the key is kept"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM messages WHERE body LIKE '</textarea>%'"
        )
        .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_is_sent_and_a_refused_one_keeps_its_text() {
    let app = spawn_app().await;
    let [alice_id, bob_id] = app.ids(["alice", "bob"]).await;
    let alice = browser(&app, "alice").await;
    let conversation = start(&app, &alice.client, alice_id, &[member(bob_id)], "First").await;
    let page = format!("/conversations/{conversation}");
    let mut fields = form_fields(&alice.open(&page).await, "send_message");
    set(&mut fields, "body", "A plain reply");
    assert_eq!(
        location(&alice.post(&page, "send_message", &fields).await),
        page
    );
    assert!(alice.open(&page).await.contains("A plain reply"));

    let mut fields = form_fields(&alice.open(&page).await, "send_message");
    set(&mut fields, "body", "   ");
    let response = alice.post(&page, "send_message", &fields).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("id=\"reply-error\""),
        "the reply box is on the page"
    );
    assert!(
        html.contains("Write a message before sending."),
        "the reason is said"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_shows_the_sign_in_page_with_the_email_kept_and_no_password() {
    let app = spawn_app().await;
    let browser = Browser {
        app: &app,
        client: client(),
    };
    let page = "/sign-in?next=/groups";
    let mut fields = form_fields(&browser.open(page).await, "sign_in");
    assert!(
        fields.contains(&("next".into(), "/groups".into())),
        "next is rendered: {fields:?}"
    );
    set(&mut fields, "email", "alice@example.org");
    set(&mut fields, "password", "not-her-password-at-all");
    let response = browser.post(page, "sign_in", &fields).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("do not match an account"),
        "the reason is on the page"
    );
    assert!(
        html.contains("value=\"alice@example.org\""),
        "the email is kept"
    );
    assert!(
        !html.contains("not-her-password-at-all"),
        "the password is never sent back"
    );
    assert!(html.contains("value=\"/groups\""), "next is kept");

    set(&mut fields, "password", PASSWORD);
    let response = browser.post(page, "sign_in", &fields).await;
    assert!(session_cookie(response.headers()).is_some(), "signed in");
    assert_eq!(location(&response), "/groups");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mute_and_block_post_the_state_they_switch_to() {
    let app = spawn_app().await;
    let [alice_id, bob_id] = app.ids(["alice", "bob"]).await;
    let alice = browser(&app, "alice").await;
    let conversation = start(&app, &alice.client, alice_id, &[member(bob_id)], "Hi").await;
    let page = format!("/conversations/{conversation}");
    let fields = form_fields(&alice.open(&page).await, "set_muted");
    assert!(
        fields.contains(&("muted".into(), "true".into())),
        "{fields:?}"
    );
    assert_eq!(
        location(&alice.post(&page, "set_muted", &fields).await),
        page
    );
    let fields = form_fields(&alice.open(&page).await, "set_muted");
    assert!(
        fields.contains(&("muted".into(), "false".into())),
        "now it unmutes: {fields:?}"
    );

    let page = "/members/bob";
    let fields = form_fields(&alice.open(page).await, "set_block");
    assert!(
        fields.contains(&("blocked".into(), "true".into())),
        "{fields:?}"
    );
    assert_eq!(
        location(&alice.post(page, "set_block", &fields).await),
        page
    );
    let blocks = count(&app, "SELECT count(*) FROM blocks").await;
    assert_eq!(blocks, 1, "bob is blocked");
    let fields = form_fields(&alice.open(page).await, "set_block");
    assert!(
        fields.contains(&("blocked".into(), "false".into())),
        "now it unblocks: {fields:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_opens_from_a_link_and_ends_with_the_thanks() {
    let app = spawn_app().await;
    let [alice_id, bob_id] = app.ids(["alice", "bob"]).await;
    let alice_client = app.member("alice").await;
    let conversation = start(
        &app,
        &alice_client,
        alice_id,
        &[member(bob_id)],
        "Spam spam",
    )
    .await;
    let message: i64 = scalar(
        &app,
        "SELECT max(id) FROM messages WHERE conversation_id = $1",
        conversation,
    )
    .await;
    let bob = browser(&app, "bob").await;
    let thread = format!("/conversations/{conversation}");
    let html = bob.open(&thread).await;
    assert!(
        html.contains(&format!("href=\"?report={message}#message-{message}\"")),
        "the menu links to the report form"
    );
    let page = format!("{thread}?report={message}");
    let mut fields = form_fields(&bob.open(&page).await, "report_message");
    // No reason chosen: refused, the note kept.
    set(&mut fields, "note", "Sells things");
    let response = bob.post(&page, "report_message", &fields).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(
        html.contains(">Sells things</textarea>"),
        "the note is kept"
    );
    set(&mut fields, "reason", "spam");
    let to = location(&bob.post(&page, "report_message", &fields).await);
    assert_eq!(to, format!("{thread}?reported={message}#message-{message}"));
    assert!(bob
        .open(&to)
        .await
        .contains("Thank you. A moderator will review this message."));
    assert_eq!(count(&app, "SELECT count(*) FROM reports").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_without_a_referer_is_a_page_of_its_own() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/api/sign_in", app.url))
        .header("accept", "text/html")
        .form(&[
            ("email", "alice@example.org"),
            ("password", "wrong-password-here"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("do not match an account"), "{html}");
    assert!(!html.contains("\"kind\""), "no raw JSON");
}
