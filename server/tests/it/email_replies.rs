//! Replies by email, end to end: the portal's notification email (through a real
//! SMTP server) carries a reply address; the tests answer it as a mail program
//! would, over SMTP to the portal's own listener, and read the thread, the live
//! stream and the refusal emails.

use crate::common;

use common::smtp::{ReceivedEmail, SmtpServer};
use common::sse::listen;
use common::*;
use lettre::address::Envelope;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

const PUBLIC_URL: &str = "https://portal.example.test";
const WAIT: Duration = Duration::from_secs(15);
const REFUSED: &str = "Your reply was not posted";

/// A portal that sends notifications at once and takes replies by email.
async fn portal() -> (TestApp, SmtpServer) {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with_options(Options {
        public_url: Some(PUBLIC_URL.into()),
        smtp_url: Some(smtp.url()),
        batch_seconds: Some(0),
        reply_address: Some("reply@portal.example.test".into()),
        inbound_smtp: true,
        ..Options::default()
    })
    .await;
    (app, smtp)
}

/// Sends `raw` to the portal's SMTP listener as a mail server forwarding it would.
async fn deliver(app: &TestApp, mail_from: Option<&str>, to: &str, raw: &str) {
    let addr = app.inbound_smtp.expect("the portal listens for replies");
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(addr.ip().to_string())
        .port(addr.port())
        .build();
    let from: Option<Address> = mail_from.map(|f| f.parse().expect("an address"));
    let envelope =
        Envelope::new(from, vec![to.parse().expect("a reply address")]).expect("envelope");
    transport
        .send_raw(&envelope, raw.replace('\n', "\r\n").as_bytes())
        .await
        .expect("the portal's listener accepts the email");
}

/// A reply as a mail program writes it: `body` is the whole text part.
fn plain_reply(from: &str, to: &str, message_id: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "From: Bob <{from}>\nTo: {to}\nSubject: Re: Alice wrote to you\nMessage-ID: <{message_id}>\n\
         Date: Mon, 7 Dec 2026 14:05:00 +0100\nMIME-Version: 1.0\n{extra_headers}\
         Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{body}\n"
    )
}

/// Alice writes to Bob; Bob's notification email arrives. Returns the
/// conversation, Bob's reply address and the email.
async fn bob_is_notified(
    app: &TestApp,
    smtp: &SmtpServer,
) -> (i64, String, ReceivedEmail, [reqwest::Client; 2]) {
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(app, &alice, a, &[member(b)], "Lunch at noon on Thursday?").await;
    let emails = smtp.wait_for(1, WAIT).await;
    let email = emails[0].clone();
    let reply_to = email
        .reply_to
        .clone()
        .expect("the email carries a reply address");
    (conversation, reply_to, email, [alice, bob])
}

async fn messages_in(app: &TestApp, conversation: i64) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT body FROM messages WHERE conversation_id = $1 AND kind = 'text' ORDER BY id",
    )
    .bind(conversation)
    .fetch_all(&app.pool)
    .await
    .expect("messages")
}

/// Refusal emails queued or sent so far.
async fn refusals(app: &TestApp, smtp: &SmtpServer) -> usize {
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM account_emails WHERE subject = $1")
        .bind(REFUSED)
        .fetch_one(&app.pool)
        .await
        .expect("count queued refusals");
    let sent = smtp
        .messages()
        .iter()
        .filter(|e| e.subject == REFUSED)
        .count();
    queued as usize + sent
}

async fn wait_for_refusal(smtp: &SmtpServer, n: usize) -> ReceivedEmail {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let refused: Vec<ReceivedEmail> = smtp
            .messages()
            .into_iter()
            .filter(|e| e.subject == REFUSED)
            .collect();
        if refused.len() >= n {
            return refused[n - 1].clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no refusal email came"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_to_a_notification_email_is_posted_live_once_without_its_quote() {
    let (app, smtp) = portal().await;
    let (conversation, reply_to, email, [alice, bob]) = bob_is_notified(&app, &smtp).await;
    assert!(
        reply_to.starts_with(&format!("reply+{conversation}-"))
            && reply_to.ends_with("@portal.example.test"),
        "{reply_to}"
    );
    assert!(
        email.text.starts_with("— Reply above this line"),
        "{}",
        email.text
    );
    let mut live = listen(&app, &alice).await;

    // Plain text, with the notification quoted below an attribution line and a signature.
    let quoted: String = email.text.lines().map(|l| format!("> {l}\n")).collect();
    let body = format!(
        "Yes, noon works.\nSee you there!\n\n-- \nBob Example\nMautic community\n\nOn Mon, Dec 7, 2026 at 2:02 PM Conversations <\nno-reply@portal.test> wrote:\n{quoted}"
    );
    let raw = plain_reply(
        "bob@example.org",
        &reply_to,
        "r1@mail.example.org",
        "",
        &body,
    );
    deliver(&app, Some("bob@example.org"), &reply_to, &raw).await;
    assert_eq!(
        messages_in(&app, conversation).await,
        [
            "Lunch at noon on Thursday?",
            "Yes, noon works.\nSee you there!"
        ]
    );
    // Live, as Bob's, for Alice.
    let event = live.next().await;
    assert_eq!(event.data["type"], "message", "{event:?}");
    assert_eq!(
        event.data["message"]["body"],
        "Yes, noon works.\nSee you there!"
    );
    assert_eq!(event.data["message"]["mine"], false);
    let thread = open_thread(&app, &alice, conversation).await;
    assert_eq!(last_message(&thread)["author"]["name"], "Bob Nakamura");
    let _ = bob;

    // The same email again (a mail server retrying): posted once.
    deliver(&app, Some("bob@example.org"), &reply_to, &raw).await;
    assert_eq!(messages_in(&app, conversation).await.len(), 2);

    // HTML-only, Latin-1, quoted-printable, Gmail's quote: the text of it.
    let html = format!(
        "From: bob@example.org\nTo: {reply_to}\nSubject: Re: x\nMessage-ID: <r2@mail.example.org>\nMIME-Version: 1.0\n\
         Content-Type: text/html; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n\
         <div dir=3D\"ltr\">Caf=E9 first, <b>then</b> lunch?</div><br><div class=3D\"gmail_quote\">\
         <div class=3D\"gmail_attr\">On Mon, Dec 7, 2026 at 2:02 PM Conversations wrote:<br></div>\
         <blockquote>Lunch at noon on Thursday?</blockquote></div>\n"
    );
    deliver(&app, Some("bob@example.org"), &reply_to, &html).await;
    assert_eq!(
        messages_in(&app, conversation)
            .await
            .last()
            .map(String::as_str),
        Some("Café first, **then** lunch?")
    );
    assert_eq!(refusals(&app, &smtp).await, 0, "nothing was refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn machines_strangers_and_forgers_get_nothing_posted_and_no_answer() {
    let (app, smtp) = portal().await;
    let (conversation, reply_to, _, _) = bob_is_notified(&app, &smtp).await;
    // An out-of-office answer.
    let auto = plain_reply(
        "bob@example.org",
        &reply_to,
        "auto1@mail.example.org",
        "Auto-Submitted: auto-replied\n",
        "I am away until Monday.",
    );
    deliver(&app, Some("bob@example.org"), &reply_to, &auto).await;
    // A list's or a bulk sender's.
    let bulk = plain_reply(
        "bob@example.org",
        &reply_to,
        "bulk1@x",
        "Precedence: bulk\n",
        "Newsletter",
    );
    deliver(&app, Some("bob@example.org"), &reply_to, &bulk).await;
    // A bounce: empty return path.
    let bounce = plain_reply(
        "bob@example.org",
        &reply_to,
        "bounce1@x",
        "",
        "Delivery failed",
    );
    deliver(&app, None, &reply_to, &bounce).await;
    // Someone else sending to Bob's address (it leaked, say, in a forward).
    let forged = plain_reply(
        "mallory@example.org",
        &reply_to,
        "forged1@x",
        "",
        "Send me your password",
    );
    deliver(&app, Some("mallory@example.org"), &reply_to, &forged).await;
    // An address of the right shape that the portal never signed.
    let made_up = reply_to.replacen(
        &format!("reply+{conversation}-"),
        &format!("reply+{}-", conversation + 1),
        1,
    );
    let guessed = plain_reply("bob@example.org", &made_up, "guess1@x", "", "Let me in");
    deliver(&app, Some("bob@example.org"), &made_up, &guessed).await;

    assert_eq!(
        messages_in(&app, conversation).await.len(),
        1,
        "nothing was posted"
    );
    assert_eq!(refusals(&app, &smtp).await, 0, "nobody was answered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_reply_is_answered_once_with_the_reason_and_the_text() {
    let (app, smtp) = portal().await;
    let (conversation, reply_to, _, [_, bob]) = bob_is_notified(&app, &smtp).await;
    // 1,001 characters.
    let long = "a".repeat(1001);
    let raw = plain_reply("bob@example.org", &reply_to, "long1@x", "", &long);
    deliver(&app, Some("bob@example.org"), &reply_to, &raw).await;
    assert_eq!(messages_in(&app, conversation).await.len(), 1);
    let refusal = wait_for_refusal(&smtp, 1).await;
    assert!(refusal.to.contains("bob@example.org"), "{}", refusal.to);
    assert!(
        refusal
            .text
            .contains("at most 1,000 characters; this one has 1,001"),
        "{}",
        refusal.text
    );
    assert!(refusal.text.contains(&long), "their text comes back");
    assert!(refusal
        .text
        .contains(&format!("{PUBLIC_URL}/conversations/{conversation}")));
    // Delivered again: no second answer.
    deliver(&app, Some("bob@example.org"), &reply_to, &raw).await;
    assert_eq!(refusals(&app, &smtp).await, 1);

    // Exactly 1,000 is a message.
    let full = "b".repeat(1000);
    deliver(
        &app,
        Some("bob@example.org"),
        &reply_to,
        &plain_reply("bob@example.org", &reply_to, "full1@x", "", &full),
    )
    .await;
    assert_eq!(messages_in(&app, conversation).await.len(), 2);

    // Bob turns off the addresses of the emails he has (the settings page offers
    // it as a form that works without JavaScript): the old one is refused.
    let page = app.page_as(&bob, "/settings/notifications").await;
    assert!(page.contains("Replies by email"), "{page}");
    assert!(page.contains("Turn off the reply addresses of emails I already have"));
    assert!(page.contains("/api/revoke_reply_addresses"));
    let response = app.call_with(&bob, "revoke_reply_addresses", &[]).await;
    assert_eq!(response.status(), 200);
    let raw = plain_reply("bob@example.org", &reply_to, "old1@x", "", "Still there?");
    deliver(&app, Some("bob@example.org"), &reply_to, &raw).await;
    assert_eq!(messages_in(&app, conversation).await.len(), 2);
    let refusal = wait_for_refusal(&smtp, 2).await;
    assert!(refusal.text.contains("was turned off"), "{}", refusal.text);
    assert!(refusal.text.contains("Still there?"));

    // The next notification carries a new address, and it works.
    let [alice] = app.members(["alice"]).await;
    reply(&app, &alice, conversation, "Are you coming?").await;
    let deadline = std::time::Instant::now() + WAIT;
    let new_address = loop {
        let fresh = smtp
            .messages()
            .into_iter()
            .filter(|e| e.to.contains("bob@example.org"))
            .filter_map(|e| e.reply_to)
            .find(|r| *r != reply_to);
        if let Some(address) = fresh {
            break address;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no second notification"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let raw = plain_reply("bob@example.org", &new_address, "new1@x", "", "Yes!");
    deliver(&app, Some("bob@example.org"), &new_address, &raw).await;
    assert_eq!(
        messages_in(&app, conversation)
            .await
            .last()
            .map(String::as_str),
        Some("Yes!")
    );
}

/// One SMTP exchange over a raw connection: each command's answer code.
async fn smtp_codes(app: &TestApp, commands: &[&[u8]]) -> Vec<u16> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let stream = tokio::net::TcpStream::connect(app.inbound_smtp.expect("listener"))
        .await
        .expect("connect");
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut codes = Vec::new();
    // The greeting, then one (possibly multi-line) answer per command.
    for command in std::iter::once(&b""[..]).chain(commands.iter().copied()) {
        if !command.is_empty() {
            write.write_all(command).await.expect("send");
        }
        loop {
            let line = tokio::time::timeout(WAIT, lines.next_line())
                .await
                .expect("an answer in time")
                .expect("read")
                .unwrap_or_default();
            if line.len() < 4 || line.as_bytes()[3] == b' ' {
                codes.push(line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0));
                break;
            }
        }
    }
    codes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_smtp_listener_takes_bounces_and_bounds_size_and_recipients() {
    let (app, _smtp) = portal().await;
    // A bounce (null return path) is taken, then dropped.
    let codes = smtp_codes(
        &app,
        &[
            b"EHLO mx.example.org\r\n",
            b"MAIL FROM:<> SIZE=100\r\n",
            b"RCPT TO:<reply+1-2-0-00@portal.example.test>\r\n",
            b"DATA\r\n",
            b"From: MAILER-DAEMON@mx.example.org\r\n\r\nUndeliverable\r\n.\r\n",
            b"QUIT\r\n",
        ],
    )
    .await;
    assert_eq!(codes, [220, 250, 250, 250, 354, 250, 221]);
    // Out of order, and too many recipients.
    let mut commands: Vec<Vec<u8>> = vec![
        b"RCPT TO:<a@b>\r\n".to_vec(),
        b"HELO mx\r\n".to_vec(),
        b"DATA\r\n".to_vec(),
        b"MAIL FROM:<a@example.org>\r\n".to_vec(),
    ];
    commands
        .extend((0..11).map(|i| format!("RCPT TO:<r{i}@portal.example.test>\r\n").into_bytes()));
    let refs: Vec<&[u8]> = commands.iter().map(Vec::as_slice).collect();
    let codes = smtp_codes(&app, &refs).await;
    assert_eq!(codes[..5], [220, 503, 250, 503, 250]);
    assert_eq!(codes[5..15], [250; 10]);
    assert_eq!(codes[15], 452, "the eleventh recipient is refused");
    // An email over 2 MB is refused after its end; the connection goes on.
    let mut data = Vec::new();
    data.extend_from_slice(b"Subject: big\r\n\r\n");
    for _ in 0..2_200 {
        data.extend_from_slice(&[b'x'; 998]);
        data.extend_from_slice(b"\r\n");
    }
    data.extend_from_slice(b".\r\n");
    let codes = smtp_codes(
        &app,
        &[
            b"EHLO mx\r\n",
            b"MAIL FROM:<bob@example.org>\r\n",
            b"RCPT TO:<reply+1-2-0-00@portal.example.test>\r\n",
            b"DATA\r\n",
            &data,
            b"NOOP\r\n",
        ],
    )
    .await;
    assert_eq!(codes, [220, 250, 250, 250, 354, 552, 250]);
    // A line beyond 8 KB ends the connection.
    let long_line = [b"NOOP ".to_vec(), vec![b'x'; 9000], b"\r\n".to_vec()].concat();
    let codes = smtp_codes(&app, &[b"EHLO mx\r\n", &long_line]).await;
    assert_eq!(codes, [220, 250, 500]);
}
