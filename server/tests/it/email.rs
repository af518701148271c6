//! Notification emails, end to end: the portal's worker sends to a real SMTP server
//! (aiosmtpd, see `.ci/smtp.sh`) and the tests read what it received.

use crate::common;

use common::smtp::{ReceivedEmail, SmtpServer};
use common::*;
use std::collections::HashSet;
use std::time::{Duration, Instant};

const PUBLIC_URL: &str = "https://portal.example.test";
/// How long a test waits for an email that should come.
const WAIT: Duration = Duration::from_secs(15);

fn options(smtp: &SmtpServer, batch_seconds: i64) -> Options {
    Options {
        public_url: Some(PUBLIC_URL.into()),
        smtp_url: Some(smtp.url()),
        batch_seconds: Some(batch_seconds),
        ..Options::default()
    }
}

/// A portal whose worker sends to a fresh SMTP server.
async fn portal(batch_seconds: i64) -> (TestApp, SmtpServer) {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with_options(options(&smtp, batch_seconds)).await;
    (app, smtp)
}

/// Another manager of `group` than Alice: the first by id.
async fn other_manager(app: &TestApp, group: i64) -> String {
    sqlx::query_scalar(
        "SELECT m.handle FROM group_memberships gm JOIN members m ON m.id = gm.member_id
         WHERE gm.group_id = $1 AND gm.role = 'manager' AND m.handle <> 'alice'
         ORDER BY m.id LIMIT 1",
    )
    .bind(group)
    .fetch_one(&app.pool)
    .await
    .expect("the group has a second manager")
}

async fn outbox_len(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM email_outbox")
        .fetch_one(&app.pool)
        .await
        .expect("count the outbox")
}

/// Waits until the worker has handled every outbox row (sent or dropped).
async fn wait_for_empty_outbox(app: &TestApp, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        let left = outbox_len(app).await;
        if left == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{left} outbox rows still waiting after {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn addressed_to<'a>(emails: &'a [ReceivedEmail], handle: &str) -> Vec<&'a ReceivedEmail> {
    let address = format!("{handle}@example.org");
    emails.iter().filter(|e| e.to.contains(&address)).collect()
}

/// Every email has its own Message-ID: nothing was sent twice.
fn assert_no_duplicates(emails: &[ReceivedEmail]) {
    let ids: HashSet<&str> = emails.iter().map(|e| e.message_id.as_str()).collect();
    assert_eq!(ids.len(), emails.len(), "duplicate emails: {emails:#?}");
    assert!(
        emails
            .iter()
            .all(|e| e.message_id.ends_with("@portal.example.test>")),
        "Message-IDs name the portal's host: {emails:#?}"
    );
}

/// After the expected emails arrived: a little longer, to catch extra ones.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_mode_sends_one_email_per_message() {
    let (app, smtp) = portal(600).await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    settings(&app, &bob, "each", &["developers"]).await;

    let first = "Hi Bob <script>alert('x')</script> & welcome";
    let id = start(&app, &alice, a, &[member(b)], first).await;
    reply(&app, &alice, id, "Second message\non two lines").await;

    let emails = smtp.wait_for(2, WAIT).await;
    settle().await;
    let emails_now = smtp.messages();
    assert_eq!(
        emails_now.len(),
        2,
        "exactly one email per message: {emails_now:#?}"
    );
    assert_no_duplicates(&emails);
    let thread = format!("{PUBLIC_URL}/conversations/{id}");
    for email in &emails {
        assert!(email.to.contains("bob@example.org"), "{}", email.to);
        assert!(email.to.contains("Bob Nakamura"), "{}", email.to);
        assert_eq!(email.subject, "Alice Martin wrote to you");
        assert!(email.text.contains(&thread), "{}", email.text);
        assert!(
            email.html.contains(&format!("href=\"{thread}\"")),
            "{}",
            email.html
        );
        assert_eq!(
            email.list_unsubscribe.as_deref(),
            Some("<https://portal.example.test/settings/notifications>")
        );
        assert!(
            !email.html.contains("<script"),
            "HTML escapes bodies: {}",
            email.html
        );
    }
    // Each email shows its own message, not the other, and is named after it.
    let find = |needle: &str| {
        emails
            .iter()
            .find(|e| e.text.contains(needle))
            .unwrap_or_else(|| panic!("no email shows {needle:?}: {emails:#?}"))
    };
    let (one, two) = (find("welcome"), find("Second message"));
    let message_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM messages ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .expect("message ids");
    for (email, message) in [(one, message_ids[0]), (two, message_ids[1])] {
        assert!(
            email.message_id.starts_with("<n")
                && email
                    .message_id
                    .ends_with(&format!(".{message}.{b}@portal.example.test>")),
            "Message-ID <n{{outbox}}.{{message}}.{{member}}@host>: {}",
            email.message_id
        );
    }
    assert!(one.text.contains(first), "{}", one.text);
    assert!(!one.text.contains("Second message"), "{}", one.text);
    assert!(
        one.html
            .contains("Hi Bob &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; welcome"),
        "{}",
        one.html
    );
    assert!(
        two.text.contains("> Second message\n> on two lines"),
        "{}",
        two.text
    );
    assert!(!two.text.contains("welcome"), "{}", two.text);
    wait_for_empty_outbox(&app, WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_mode_sends_one_email_listing_the_window_s_messages() {
    let (app, smtp) = portal(2).await;
    let alice = app.member("alice").await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    // Batched is the default: Bob changes nothing.
    let sent_at = Instant::now();
    let id = start(&app, &alice, a, &[member(b)], "Batch one").await;
    reply(&app, &alice, id, "Batch two").await;
    reply(&app, &alice, id, "Batch three").await;

    let emails = smtp.wait_for(1, WAIT).await;
    assert!(
        sent_at.elapsed() >= Duration::from_millis(1500),
        "the email waits for the batching window ({:?})",
        sent_at.elapsed()
    );
    settle().await;
    settle().await;
    let emails_now = smtp.messages();
    assert_eq!(
        emails_now.len(),
        1,
        "one email for the batch: {emails_now:#?}"
    );
    let email = &emails[0];
    assert!(email.to.contains("bob@example.org"), "{}", email.to);
    assert_eq!(email.subject, "3 new messages from Alice Martin to you");
    let positions: Vec<usize> = ["Batch one", "Batch two", "Batch three"]
        .iter()
        .map(|body| {
            email
                .text
                .find(&format!("> {body}\n"))
                .unwrap_or_else(|| panic!("{body} missing from {}", email.text))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "oldest first");
    assert!(email
        .text
        .contains(&format!("{PUBLIC_URL}/conversations/{id}")));
    assert!(email.html.contains("Batch three"));
    assert!(email.list_unsubscribe.is_some());
    wait_for_empty_outbox(&app, WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_off_sends_nothing() {
    let (app, smtp) = portal(600).await;
    let [alice, bob, jose] = app.members(["alice", "bob", "jose"]).await;
    let [a, b, j] = app.ids(["alice", "bob", "jose"]).await;
    settings(&app, &bob, "off", &["developers"]).await;
    // José, in the same conversation, shows that the worker does send.
    settings(&app, &jose, "each", &[]).await;

    let id = start(&app, &alice, a, &[member(b), member(j)], "To Bob and José").await;
    reply(&app, &alice, id, "Again").await;
    smtp.wait_for(2, WAIT).await;
    wait_for_empty_outbox(&app, WAIT).await;
    settle().await;
    let emails = smtp.messages();
    assert_eq!(addressed_to(&emails, "bob").len(), 0, "{emails:#?}");
    assert_eq!(addressed_to(&emails, "jose").len(), 2, "{emails:#?}");
    assert_eq!(emails.len(), 2, "{emails:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_muted_conversation_sends_nothing() {
    let (app, smtp) = portal(2).await;
    let [alice, bob, jose] = app.members(["alice", "bob", "jose"]).await;
    let [a, b, j] = app.ids(["alice", "bob", "jose"]).await;
    settings(&app, &jose, "each", &[]).await;

    // Bob (batched) mutes the conversation within the window of its first message.
    let id = start(&app, &alice, a, &[member(b), member(j)], "Weekly digest").await;
    set_muted(&app, &bob, id, true).await;
    reply(&app, &alice, id, "Weekly digest, part two").await;

    smtp.wait_for(2, WAIT).await;
    // Past the batching window: Bob's email would have gone out by now.
    tokio::time::sleep(Duration::from_secs(2)).await;
    wait_for_empty_outbox(&app, WAIT).await;
    settle().await;
    let emails = smtp.messages();
    assert_eq!(addressed_to(&emails, "bob").len(), 0, "{emails:#?}");
    assert_eq!(addressed_to(&emails, "jose").len(), 2, "{emails:#?}");
    assert_eq!(emails.len(), 2);

    // Muted in each mode too.
    settings(&app, &bob, "each", &["developers"]).await;
    reply(&app, &alice, id, "Part three").await;
    smtp.wait_for(3, WAIT).await;
    wait_for_empty_outbox(&app, WAIT).await;
    settle().await;
    let emails = smtp.messages();
    assert_eq!(addressed_to(&emails, "bob").len(), 0, "{emails:#?}");
    assert_eq!(emails.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_read_before_the_batch_goes_out_are_not_emailed() {
    let (app, smtp) = portal(2).await;
    let [alice, bob, jose] = app.members(["alice", "bob", "jose"]).await;
    let [a, b, j] = app.ids(["alice", "bob", "jose"]).await;

    // Two batched conversations for Bob; he opens only the first in time.
    let read = start(&app, &alice, a, &[member(b)], "Read this soon").await;
    reply(&app, &alice, read, "And this").await;
    let unread = start(&app, &jose, j, &[member(b)], "Nobody reads this").await;
    open_thread(&app, &bob, read).await;

    let emails = smtp.wait_for(1, WAIT).await;
    wait_for_empty_outbox(&app, WAIT).await;
    settle().await;
    let emails_now = smtp.messages();
    assert_eq!(
        emails_now.len(),
        1,
        "only the unread conversation: {emails_now:#?}"
    );
    assert_eq!(emails[0].subject, "José Álvarez wrote to you");
    assert!(emails[0].text.contains("Nobody reads this"));
    assert!(emails[0].text.contains(&format!("/conversations/{unread}")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_who_silenced_a_group_gets_no_email_for_it() {
    let (app, smtp) = portal(600).await;
    let [alice, jose] = app.members(["alice", "jose"]).await;
    let j = app.id_of("jose").await;
    let marketing = app.group_id("marketing").await;
    // The other manager of Marketing keeps its notifications on.
    let other = other_manager(&app, marketing).await;
    let other_client = app.member(&other).await;
    settings(&app, &other_client, "each", &["marketing"]).await;
    // Alice wants every email, but not about Marketing's conversations.
    settings(&app, &alice, "each", &[]).await;

    let id = start(
        &app,
        &jose,
        j,
        &[group(marketing)],
        "Question for Marketing",
    )
    .await;
    let emails = smtp.wait_for(1, WAIT).await;
    wait_for_empty_outbox(&app, WAIT).await;
    settle().await;
    let emails_now = smtp.messages();
    assert_eq!(emails_now.len(), 1, "{emails_now:#?}");
    assert_eq!(addressed_to(&emails, &other).len(), 1, "{emails:#?}");
    assert_eq!(
        emails[0].subject,
        "José Álvarez wrote to the Marketing group"
    );
    assert!(emails[0].text.contains("Question for Marketing"));

    // Direct messages still reach Alice: only the group was silenced.
    reply(&app, &jose, id, "Follow-up for Marketing").await;
    let a = app.id_of("alice").await;
    start(&app, &jose, j, &[member(a)], "Just for Alice").await;
    let emails = smtp.wait_for(3, WAIT).await;
    wait_for_empty_outbox(&app, WAIT).await;
    settle().await;
    assert_eq!(smtp.messages().len(), 3);
    let to_alice = addressed_to(&emails, "alice");
    assert_eq!(to_alice.len(), 1, "{emails:#?}");
    assert_eq!(to_alice[0].subject, "José Álvarez wrote to you");
    assert!(to_alice[0].text.contains("Just for Alice"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_author_is_never_emailed_about_their_own_messages() {
    let (app, smtp) = portal(600).await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    settings(&app, &alice, "each", &["marketing"]).await;
    settings(&app, &bob, "each", &["developers"]).await;

    let id = start(&app, &alice, a, &[member(b)], "From Alice").await;
    smtp.wait_for(1, WAIT).await;
    reply(&app, &bob, id, "From Bob").await;
    let emails = smtp.wait_for(2, WAIT).await;
    wait_for_empty_outbox(&app, WAIT).await;
    settle().await;
    assert_eq!(smtp.messages().len(), 2, "{emails:#?}");
    let (to_alice, to_bob) = (addressed_to(&emails, "alice"), addressed_to(&emails, "bob"));
    assert_eq!(to_bob.len(), 1, "{emails:#?}");
    assert_eq!(to_bob[0].subject, "Alice Martin wrote to you");
    assert!(to_bob[0].text.contains("From Alice") && !to_bob[0].text.contains("From Bob"));
    assert_eq!(to_alice.len(), 1, "{emails:#?}");
    assert_eq!(to_alice[0].subject, "Bob Nakamura wrote to you");
    assert!(to_alice[0].text.contains("From Bob") && !to_alice[0].text.contains("From Alice"));

    // Writing as a group: the recipient is told; the group's side (the writer and
    // its other manager) is not.
    let marketing = app.group_id("marketing").await;
    let co_manager = other_manager(&app, marketing).await;
    let co_client = app.member(&co_manager).await;
    settings(&app, &co_client, "each", &["marketing"]).await;
    let response = app
        .call_with(
            &alice,
            "start_conversation",
            &[
                ("send_as", &group(marketing)),
                ("to[0]", &member(b)),
                ("body", "From the Marketing group"),
                ("key", &fresh_key()),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let emails = smtp.wait_for(3, WAIT).await;
    wait_for_empty_outbox(&app, WAIT).await;
    settle().await;
    assert_eq!(smtp.messages().len(), 3, "{emails:#?}");
    assert_eq!(addressed_to(&emails, "alice").len(), 1, "{emails:#?}");
    assert_eq!(addressed_to(&emails, &co_manager).len(), 0, "{emails:#?}");
    let last = &emails[2];
    assert!(last.to.contains("bob@example.org"));
    assert_eq!(last.subject, "Marketing wrote to you");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_due_during_an_smtp_outage_go_out_once_it_is_back() {
    let (app, mut smtp) = portal(600).await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    settings(&app, &bob, "each", &["developers"]).await;

    // One email before the outage: the worker holds a connection to the old server.
    let id = start(&app, &alice, a, &[member(b)], "Before the outage").await;
    smtp.wait_for(1, WAIT).await;

    smtp.stop();
    reply(&app, &alice, id, "Outage one").await;
    reply(&app, &alice, id, "Outage two").await;
    reply(&app, &alice, id, "Outage three").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(outbox_len(&app).await, 3, "the emails wait in the outbox");
    let attempts: i64 =
        sqlx::query_scalar("SELECT coalesce(min(attempts), 0)::bigint FROM email_outbox")
            .fetch_one(&app.pool)
            .await
            .expect("attempts");
    assert!(attempts >= 1, "the worker tried while the server was down");

    smtp.restart().await;
    smtp.wait_for(4, WAIT).await;
    wait_for_empty_outbox(&app, WAIT).await;
    settle().await;
    let emails = {
        let now = smtp.messages();
        assert_eq!(now.len(), 4, "each email exactly once: {now:#?}");
        now
    };
    assert_no_duplicates(&emails);
    for body in [
        "Before the outage",
        "Outage one",
        "Outage two",
        "Outage three",
    ] {
        let with = emails
            .iter()
            .filter(|e| e.text.contains(&format!("> {body}\n")))
            .count();
        assert_eq!(with, 1, "{body}: {emails:#?}");
    }
    assert_eq!(outbox_len(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_never_send_the_same_email_twice() {
    let (app, smtp) = portal(600).await;
    let other = app.another_instance(&options(&smtp, 600)).await;
    let handles = ["bob", "jose", "ngozi", "lars"];
    let mut ids = Vec::new();
    for handle in handles {
        let client = app.member(handle).await;
        settings(&app, &client, "each", &[]).await;
        ids.push(member(app.id_of(handle).await));
    }
    let a = app.id_of("alice").await;
    let alice_on_a = app.member("alice").await;
    let alice_on_b = other.member("alice").await;

    // 4 recipients × 6 messages, sent through both instances.
    let id = start(&app, &alice_on_a, a, &ids, "Message 1").await;
    for n in 2..=6 {
        let (instance, client) = if n % 2 == 0 {
            (&other, &alice_on_b)
        } else {
            (&app, &alice_on_a)
        };
        reply(instance, client, id, &format!("Message {n}")).await;
    }

    let emails = smtp.wait_for(24, WAIT).await;
    wait_for_empty_outbox(&app, WAIT).await;
    settle().await;
    let now = smtp.messages();
    assert_eq!(now.len(), 24, "each email exactly once: {now:#?}");
    assert_no_duplicates(&emails);
    for handle in handles {
        let theirs = addressed_to(&emails, handle);
        assert_eq!(theirs.len(), 6, "{handle}: {theirs:#?}");
        for n in 1..=6 {
            let body = format!("> Message {n}\n");
            assert_eq!(
                theirs.iter().filter(|e| e.text.contains(&body)).count(),
                1,
                "{handle} gets message {n} once"
            );
        }
    }
}

/// Emails speak their recipient's language (the one they chose, or the one they
/// last signed in with), whoever caused them: notifications and account emails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_speak_their_recipients_language() {
    let (app, smtp) = portal(600).await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    settings(&app, &bob, "each", &[]).await;
    let chosen = bob
        .post(format!("{}/api/choose_language", app.url))
        .header(reqwest::header::ACCEPT, "text/html")
        .form(&[("language", "fr"), ("back", "/")])
        .send()
        .await
        .expect("the chooser posts");
    assert!(chosen.status().is_redirection(), "{}", chosen.status());

    let id = start(&app, &alice, a, &[member(b)], "Un message").await;
    let emails = smtp.wait_for(1, WAIT).await;
    let email = &emails[0];
    assert_eq!(email.subject, "Alice Martin vous a écrit");
    assert!(
        email.text.contains("Bonjour Bob Nakamura,"),
        "{}",
        email.text
    );
    assert!(email.text.contains("> Un message"));
    assert!(
        email.text.contains(&format!(
            "Lire et répondre: {PUBLIC_URL}/conversations/{id}"
        )),
        "{}",
        email.text
    );
    assert!(email.html.contains(r#"<html lang="fr">"#), "{}", email.html);

    // Alice reads the portal in German: the reset link she asks for says so,
    // though the request itself came from a browser in English.
    sqlx::query("UPDATE members SET language = 'de' WHERE id = $1")
        .bind(a)
        .execute(&app.pool)
        .await
        .expect("set-up SQL");
    let asked = client()
        .post(format!("{}/api/request_password_reset", app.url))
        .header(reqwest::header::ACCEPT_LANGUAGE, "en")
        .form(&[("email", "alice@example.org")])
        .send()
        .await
        .expect("request");
    assert_eq!(asked.status(), 200);
    let emails = smtp.wait_for(2, WAIT).await;
    let reset = emails
        .iter()
        .find(|e| e.to.contains("alice@example.org"))
        .expect("the reset email");
    assert_eq!(
        reset.subject,
        "Neues Passwort für das Mautic Community Portal festlegen"
    );
    assert!(
        reset.text.starts_with("Hallo Alice Martin,"),
        "{}",
        reset.text
    );
    assert!(
        reset.html.contains(">Neues Passwort wählen</a>"),
        "{}",
        reset.html
    );
}
