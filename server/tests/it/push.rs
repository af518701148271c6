//! Web push, end to end against a push service started by the test: browsers
//! subscribe (with keys the test holds, as a browser would), the portal's worker
//! encrypts (RFC 8291) and signs (VAPID, RFC 8292) each push, and the test's push
//! service receives it and decrypts it as the browser would. The rules are
//! email's: nothing to the author, nothing muted, turned off or read by the time
//! it goes out; a gone subscription is removed.

use crate::common;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::*;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use web_push_native::jwt_simple::prelude::*;
use web_push_native::{p256, Auth};

/// One request the push service received.
#[derive(Debug, Clone)]
struct Received {
    browser: String,
    authorization: String,
    body: Vec<u8>,
}

#[derive(Clone, Default)]
struct Service {
    received: Arc<Mutex<Vec<Received>>>,
    /// Browsers whose subscription the service says is gone (410).
    gone: Arc<Mutex<HashSet<String>>>,
}

async fn receive(
    State(service): State<Service>,
    Path(browser): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    if service.gone.lock().unwrap().contains(&browser) {
        return StatusCode::GONE;
    }
    service.received.lock().unwrap().push(Received {
        browser,
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        body: body.to_vec(),
    });
    StatusCode::CREATED
}

/// A push service on a port of its own.
async fn push_service() -> (Service, String) {
    let service = Service::default();
    let router = axum::Router::new()
        .route("/push/{browser}", axum::routing::post(receive))
        .with_state(service.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let origin = format!("127.0.0.1:{}", listener.local_addr().expect("addr").port());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (service, origin)
}

/// A portal with a VAPID key that sends to the test's push service; answers
/// it, the service, the service's origin and the portal's public key. Pushes
/// wait until the test lets them go (`due_now`): what happens meanwhile (a
/// read) is then certain to come first.
async fn push_portal() -> (TestApp, Service, String, String) {
    let (service, origin) = push_service().await;
    let (private, public) = server::pusher::new_vapid_key();
    let app = spawn_app_with_options(Options {
        vapid_private_key: Some(private),
        push_services: vec![format!("http://{origin}")],
        push_delay_seconds: 3600,
        ..Options::default()
    })
    .await;
    (app, service, origin, public)
}

/// A browser's side of a subscription: its keys.
struct Browser {
    name: String,
    secret: p256::SecretKey,
    auth: [u8; 16],
}

impl Browser {
    fn new(name: &str) -> Self {
        let mut auth = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut auth);
        Self {
            name: name.into(),
            secret: p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng),
            auth,
        }
    }

    async fn subscribe(
        &self,
        app: &TestApp,
        client: &reqwest::Client,
        origin: &str,
    ) -> (u16, Value) {
        let p256dh = URL_SAFE_NO_PAD.encode(self.secret.public_key().to_sec1_bytes());
        let auth = URL_SAFE_NO_PAD.encode(self.auth);
        let endpoint = format!("http://{origin}/push/{}", self.name);
        answer(
            app.call_with(
                client,
                "subscribe_push",
                &[
                    ("endpoint", &endpoint),
                    ("p256dh", &p256dh),
                    ("auth", &auth),
                ],
            )
            .await,
        )
        .await
    }

    /// The push as the browser reads it.
    fn open(&self, received: &Received) -> Value {
        let plain = web_push_native::decrypt(
            received.body.clone(),
            &self.secret,
            &Auth::clone_from_slice(&self.auth),
        )
        .expect("the push decrypts with the browser's keys");
        serde_json::from_slice(&plain).expect("JSON")
    }
}

/// The pushes received so far for `browser`.
fn pushes_to(service: &Service, browser: &str) -> Vec<Received> {
    let all = service.received.lock().unwrap();
    all.iter()
        .filter(|r| r.browser == browser)
        .cloned()
        .collect()
}

/// Lets every waiting push go now.
async fn due_now(app: &TestApp) {
    sqlx::query("UPDATE push_outbox SET due_at = now()")
        .execute(&app.pool)
        .await
        .expect("set-up SQL");
}

/// Waits until `browser` has `count` pushes; then a little more, to catch extra ones.
async fn wait_for(service: &Service, browser: &str, count: usize) -> Vec<Received> {
    for _ in 0..100 {
        if pushes_to(service, browser).len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    pushes_to(service, browser)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_follow_the_email_rules_and_reach_each_browser_once() {
    let (app, service, origin, public) = push_portal().await;
    let [alice, bob, jose] = app.members(["alice", "bob", "jose"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;

    let settings: Value = app
        .call_with(&bob, "get_push_settings", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(settings["available"], true);
    assert_eq!(settings["public_key"], public.as_str());
    let (phone, laptop, alices) = (
        Browser::new("phone"),
        Browser::new("laptop"),
        Browser::new("alices"),
    );
    for (browser, client) in [(&phone, &bob), (&laptop, &bob), (&alices, &alice)] {
        let (status, id) = browser.subscribe(&app, client, &origin).await;
        assert_eq!(status, 200, "{id}");
    }
    // Somewhere the portal does not send to, or not a subscription at all.
    let elsewhere = answer(
        app.call_with(
            &bob,
            "subscribe_push",
            &[
                ("endpoint", "https://internal.example/admin"),
                (
                    "p256dh",
                    &URL_SAFE_NO_PAD.encode(phone.secret.public_key().to_sec1_bytes()),
                ),
                ("auth", &URL_SAFE_NO_PAD.encode(phone.auth)),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(elsewhere.0, 422, "{}", elsewhere.1);
    let garbage = answer(
        app.call_with(
            &bob,
            "subscribe_push",
            &[("endpoint", "javascript:x"), ("p256dh", "x"), ("auth", "y")],
        )
        .await,
    )
    .await;
    assert_eq!(garbage.0, 422);

    // A message: one push to each of Bob's browsers, none to its author.
    let conversation = start(&app, &alice, a, &[member(b)], "Hello Bob, **lunch**?").await;
    due_now(&app).await;
    let to_phone = wait_for(&service, "phone", 1).await;
    assert_eq!(to_phone.len(), 1, "exactly one push per browser");
    assert_eq!(wait_for(&service, "laptop", 1).await.len(), 1);
    assert!(
        pushes_to(&service, "alices").is_empty(),
        "nothing to the author"
    );
    let push = phone.open(&to_phone[0]);
    assert_eq!(push["title"], "Alice Martin wrote to you");
    assert_eq!(
        push["body"], "Hello Bob, lunch?",
        "the text, without its formatting"
    );
    assert_eq!(push["url"], format!("/conversations/{conversation}"));
    assert_eq!(push["tag"], format!("conversation-{conversation}"));
    // Signed with the portal's key, for this push service.
    let vapid = &to_phone[0].authorization;
    let token = vapid
        .strip_prefix("vapid t=")
        .and_then(|rest| rest.split_once(", k="))
        .expect("a VAPID authorization");
    assert_eq!(token.1, public);
    let key = ES256PublicKey::from_bytes(&URL_SAFE_NO_PAD.decode(token.1).expect("base64"))
        .expect("a P-256 key");
    // For this push service only: its origin is the audience (written without
    // the port, which real push services never need: they are on 443).
    let for_this_service = VerificationOptions {
        allowed_audiences: Some(HashSet::from(["http://127.0.0.1".to_string()])),
        ..Default::default()
    };
    key.verify_token::<NoCustomClaims>(token.0, Some(for_this_service))
        .expect("the signature holds, for this push service");
    let for_another = VerificationOptions {
        allowed_audiences: Some(HashSet::from(["https://fcm.googleapis.com".to_string()])),
        ..Default::default()
    };
    assert!(key
        .verify_token::<NoCustomClaims>(token.0, Some(for_another))
        .is_err());

    // Read before its push goes out (Bob is looking at the thread), or sent
    // while muted: nothing. Each is followed by a message that does push, so
    // the worker has handled the earlier one when the later arrives.
    reply(&app, &alice, conversation, "Are you there?").await;
    open_thread(&app, &bob, conversation).await;
    let mute = |muted: &'static str| {
        let conversation = conversation.to_string();
        let (app, bob) = (&app, &bob);
        async move {
            app.call_with(
                bob,
                "set_muted",
                &[("conversation", &conversation), ("muted", muted)],
            )
            .await
            .status()
        }
    };
    assert_eq!(mute("true").await, 200);
    reply(&app, &alice, conversation, "Muted?").await;
    assert_eq!(mute("false").await, 200);
    // The text hidden from lock screens.
    let saved = app
        .call_with(&bob, "save_push_choices", &[("enabled", "on")])
        .await;
    assert_eq!(saved.status(), 200);
    reply(&app, &alice, conversation, "A secret").await;
    due_now(&app).await;
    let to_phone = wait_for(&service, "phone", 2).await;
    assert_eq!(to_phone.len(), 2, "nothing for the read or the muted one");
    let push = phone.open(&to_phone[1]);
    assert_eq!(push["body"], "New message", "{push}");
    assert_eq!(push["title"], "Alice Martin wrote to you");

    // The laptop's subscription is gone at its push service: forgotten.
    service.gone.lock().unwrap().insert("laptop".into());
    reply(&app, &alice, conversation, "Still there?").await;
    due_now(&app).await;
    assert_eq!(wait_for(&service, "phone", 3).await.len(), 3);
    let settings: Value = app
        .call_with(&bob, "get_push_settings", &[])
        .await
        .json()
        .await
        .expect("json");
    let devices = settings["devices"].as_array().expect("devices");
    assert_eq!(devices.len(), 1, "the gone one is removed: {settings}");
    let phone_id = devices[0]["id"].as_i64().expect("id");

    // Pushes off: nothing, until they are on again.
    let choose = |form: &'static [(&'static str, &'static str)]| {
        let (app, bob) = (&app, &bob);
        async move { app.call_with(bob, "save_push_choices", form).await.status() }
    };
    assert_eq!(choose(&[("shows_text", "on")]).await, 200);
    reply(&app, &alice, conversation, "Off?").await;
    assert_eq!(
        choose(&[("enabled", "on"), ("shows_text", "on")]).await,
        200
    );
    reply(&app, &alice, conversation, "Back on").await;
    due_now(&app).await;
    let to_phone = wait_for(&service, "phone", 4).await;
    assert_eq!(to_phone.len(), 4, "nothing while turned off");
    assert_eq!(phone.open(&to_phone[3])["body"], "Back on");

    // Someone else cannot remove Bob's browser; Bob can.
    let theirs = app
        .call_with(
            &jose,
            "remove_push_device",
            &[("device", &phone_id.to_string())],
        )
        .await;
    assert_eq!(theirs.status(), 404);
    let removed = app
        .call_with(
            &bob,
            "remove_push_device",
            &[("device", &phone_id.to_string())],
        )
        .await;
    assert_eq!(removed.status(), 200);
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM push_subscriptions WHERE member_id = $1")
            .bind(b)
            .fetch_one(&app.pool)
            .await
            .expect("count");
    assert_eq!(left, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_vapid_key_there_is_no_push() {
    let app = spawn_app().await;
    let bob = app.member("bob").await;
    let settings: Value = app
        .call_with(&bob, "get_push_settings", &[])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(settings["available"], false);
    let browser = Browser::new("phone");
    let (status, body) = browser.subscribe(&app, &bob, "fcm.googleapis.com").await;
    assert_eq!(status, 409, "{body}");
}

/// A worker that claimed pushes and stopped (a crash, a deploy) loses none: once
/// its lease runs out, another sends each of them, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_a_stopped_worker_held_go_out_once_its_lease_ends() {
    let (app, service, origin, _) = push_portal().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let phone = Browser::new("phone");
    assert_eq!(phone.subscribe(&app, &bob, &origin).await.0, 200);
    let conversation = start(&app, &alice, a, &[member(b)], "One").await;
    reply(&app, &alice, conversation, "Two").await;
    reply(&app, &alice, conversation, "Three").await;
    due_now(&app).await;
    // Another instance's worker claims them (a two-second lease) and stops there.
    let held = app::backend::notifications::push::claim_due_pushes(&app.pool, 10, 2)
        .await
        .expect("claim");
    let held = held.len();
    if held < 3 {
        // The portal's own worker was quicker for some: those went out already.
        assert_eq!(wait_for(&service, "phone", 3 - held).await.len(), 3 - held);
    }
    let to_phone = wait_for(&service, "phone", 3).await;
    assert_eq!(to_phone.len(), 3, "each push once, after the lease ended");
    let mut bodies: Vec<String> = to_phone
        .iter()
        .map(|r| {
            phone.open(r)["body"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    bodies.sort();
    assert_eq!(bodies, ["One", "Three", "Two"]);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM push_outbox")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(left, 0, "the outbox is empty");
}

/// A push speaks its recipient's language, as their emails do: the sender and
/// the group named in it, the hidden text's stand-in too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_speaks_its_recipients_language() {
    let (app, service, origin, _) = push_portal().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    sqlx::query("UPDATE members SET language = 'es' WHERE id = $1")
        .bind(b)
        .execute(&app.pool)
        .await
        .expect("set-up SQL");
    let phone = Browser::new("phone");
    assert_eq!(phone.subscribe(&app, &bob, &origin).await.0, 200);
    let conversation = start(&app, &alice, a, &[member(b)], "¿Comemos?").await;
    due_now(&app).await;
    let pushes = wait_for(&service, "phone", 1).await;
    assert_eq!(pushes.len(), 1);
    let push = phone.open(&pushes[0]);
    assert_eq!(push["title"], "Alice Martin te ha escrito");
    assert_eq!(push["body"], "¿Comemos?");

    // With the text hidden on lock screens, its stand-in is in Spanish too.
    sqlx::query(
        "INSERT INTO notification_settings (member_id, push_shows_text) VALUES ($1, false)
         ON CONFLICT (member_id) DO UPDATE SET push_shows_text = false",
    )
    .bind(b)
    .execute(&app.pool)
    .await
    .expect("set-up SQL");
    reply(&app, &alice, conversation, "Otro").await;
    due_now(&app).await;
    let pushes = wait_for(&service, "phone", 2).await;
    assert_eq!(pushes.len(), 2);
    let push = phone.open(&pushes[1]);
    assert_eq!(push["body"], "Mensaje nuevo");
}
