//! Pictures and files on messages: uploaded, checked and re-encoded, stored,
//! sent with a message, served only to the conversation's participants (and to
//! moderators for a reported message), erased with their message, bounded by a
//! quota that two uploads at once cannot both slip past; with and without
//! JavaScript.

use crate::common;

use common::sse::listen;
use common::*;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use std::io::Cursor;

const SECRET: &[u8] = b"GPS 48.8584 N 2.2945 E, camera serial 12345";

/// A JPEG carrying `SECRET` in an EXIF segment and an HTML page after its end.
fn photo(width: u32, height: u32) -> Vec<u8> {
    let mut out = photo_with_exif(width, height, SECRET);
    out.extend_from_slice(b"<html><script>alert(1)</script></html>");
    out
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF";

/// One file sent as the page's script sends it, to a conversation or to the
/// start dialog (`"new"`); the status and the JSON answer.
async fn attach(
    app: &TestApp,
    client: &reqwest::Client,
    conversation: impl std::fmt::Display,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()));
    let response = client
        .post(format!("{}/conversations/{conversation}/files", app.url))
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .expect("request");
    answer(response).await
}

/// The reply box with its files, posted as a browser without JavaScript does.
async fn upload_form(
    app: &TestApp,
    client: &reqwest::Client,
    conversation: impl std::fmt::Display,
    form: Form,
) -> reqwest::Response {
    client
        .post(format!("{}/conversations/{conversation}/files", app.url))
        .header("accept", "text/html")
        .multipart(form)
        .send()
        .await
        .expect("request")
}

async fn attach_ok(
    app: &TestApp,
    client: &reqwest::Client,
    conversation: impl std::fmt::Display,
    name: &str,
    bytes: Vec<u8>,
) -> i64 {
    let (status, answer) = attach(app, client, conversation, name, bytes).await;
    assert_eq!(status, 200, "{name} is attached: {answer}");
    answer["id"].as_i64().expect("an id")
}

async fn send_with(
    app: &TestApp,
    client: &reqwest::Client,
    conversation: i64,
    body: &str,
    files: &[i64],
) -> (u16, Value) {
    let ids = joined(files);
    let response = app
        .call_with(
            client,
            "send_message",
            &[
                ("conversation", &conversation.to_string()),
                ("body", body),
                ("key", &fresh_key()),
                ("attachments", &ids),
            ],
        )
        .await;
    answer(response).await
}

/// File ids as a form names them (`12,13`).
fn joined(files: &[i64]) -> String {
    files
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The names of a message's files, in order.
fn file_names(message: &Value) -> Vec<&str> {
    message["attachments"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect()
}

async fn fetch(client: &reqwest::Client, app: &TestApp, path: &str) -> reqwest::Response {
    client
        .get(format!("{}{path}", app.url))
        .send()
        .await
        .expect("request")
}

async fn stored_files(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM stored_files")
        .fetch_one(&app.pool)
        .await
        .expect("count")
}

/// A phone's photo is stored without its metadata or what was hidden after
/// it, sent with no text, reaches the other side live with its thumbnail, and
/// is served to the two of them only, as a picture that never runs as a page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_is_reencoded_sent_live_and_served_only_to_participants() {
    let app = spawn_app().await;
    let [alice, bob, jose] = app.members(["alice", "bob", "jose"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Photos from Sunday").await;

    let (status, uploaded) =
        attach(&app, &alice, conversation, "IMG_0042.JPG", photo(900, 600)).await;
    assert_eq!(status, 200, "{uploaded}");
    let file = uploaded["id"].as_i64().expect("id");
    assert_eq!(uploaded["name"], "IMG_0042.jpg");
    assert_eq!(uploaded["picture"], serde_json::json!([900, 600]));
    let path = format!("/files/{file}/IMG_0042.jpg");
    // Not sent yet: only Alice sees it (in her reply box, on any device).
    assert_eq!(
        open_thread(&app, &alice, conversation).await["pending"][0]["id"],
        file
    );
    assert!(open_thread(&app, &bob, conversation).await["pending"]
        .as_array()
        .is_some_and(Vec::is_empty));
    assert_eq!(fetch(&bob, &app, &path).await.status(), 404, "not sent yet");

    let mut bobs = listen(&app, &bob).await;
    let (status, sent) = send_with(&app, &alice, conversation, "", &[file]).await;
    assert_eq!(status, 200, "a message of one picture and no text: {sent}");
    assert_eq!(sent["attachments"][0]["id"], file);
    let event = bobs.next().await.data;
    assert_eq!(event["type"], "message", "{event}");
    assert_eq!(event["message"]["attachments"][0]["name"], "IMG_0042.jpg");
    let thread = open_thread(&app, &bob, conversation).await;
    let last = last_message(&thread);
    assert_eq!(last["attachments"][0]["id"], file, "{last}");
    assert!(thread["pending"].as_array().is_some_and(Vec::is_empty));
    assert!(
        open_thread(&app, &alice, conversation).await["pending"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "sending took it"
    );

    let served = fetch(&bob, &app, &path).await;
    assert_eq!(served.status(), 200);
    let headers = served.headers().clone();
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap_or_default()
        .starts_with("sandbox"));
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap_or_default()
        .starts_with("inline"));
    assert!(headers["cache-control"]
        .to_str()
        .unwrap_or_default()
        .contains("private"));
    let bytes = served.bytes().await.expect("bytes");
    assert!(
        !bytes.windows(SECRET.len()).any(|w| w == SECRET),
        "no EXIF survives"
    );
    assert!(
        !bytes.windows(6).any(|w| w == b"script"),
        "nothing after the picture survives"
    );
    let decoded = image::load_from_memory(&bytes).expect("a picture");
    assert_eq!((decoded.width(), decoded.height()), (900, 600));
    let thumbnail = fetch(&bob, &app, &format!("/files/{file}/thumbnail")).await;
    assert_eq!(thumbnail.status(), 200);
    let thumbnail =
        image::load_from_memory(&thumbnail.bytes().await.expect("bytes")).expect("a picture");
    assert_eq!((thumbnail.width(), thumbnail.height()), (480, 320));
    // Asked again with what the browser kept: not modified, after the same check.
    let again = bob
        .get(format!("{}{path}", app.url))
        .header("if-none-match", headers["etag"].clone())
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), 304);

    // Nobody else: another member, someone signed out, a made-up id.
    assert_eq!(fetch(&jose, &app, &path).await.status(), 404);
    assert_eq!(fetch(&bare_client(), &app, &path).await.status(), 404);
    assert_eq!(
        fetch(&bob, &app, &format!("/files/{}/x.jpg", file + 1000))
            .await
            .status(),
        404
    );
    // Jose cannot attach in a conversation he is not in, nor take Alice's upload.
    assert_eq!(
        attach(&app, &jose, conversation, "a.pdf", PDF.to_vec())
            .await
            .0,
        404
    );
    let [j] = app.ids(["jose"]).await;
    let other = start(&app, &alice, a, &[member(j)], "Hello Jose").await;
    let alices = attach_ok(&app, &alice, other, "plan.pdf", PDF.to_vec()).await;
    let (status, refused) = send_with(&app, &jose, other, "Mine now", &[alices]).await;
    assert_eq!(status, 422, "{refused}");
    assert!(said(&refused).contains("no longer there"), "{refused}");
    // The same upload named from another conversation does not go either.
    let (status, _) = send_with(&app, &alice, conversation, "Wrong place", &[alices]).await;
    assert_eq!(status, 422);
}

/// Documents are downloads; hostile files are refused with their reason and
/// store nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_download_and_hostile_files_are_refused() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "The minutes").await;
    let before = stored_files(&app).await;

    let page = b"<html><body><script>alert(document.cookie)</script></body></html>".to_vec();
    let mut bomb = Vec::new();
    image::RgbImage::new(1, 1)
        .write_to(&mut Cursor::new(&mut bomb), image::ImageFormat::Png)
        .expect("png");
    bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    for (name, bytes, status, code) in [
        ("cat.png", page.clone(), 415, "mismatch"),
        ("bomb.png", bomb, 400, "unreadable"),
        ("big.txt", vec![b'a'; 10_001_000], 413, "too_large"),
        ("setup.exe", b"MZ\x90\0".to_vec(), 415, "kind"),
        ("paper.pdf", page.clone(), 415, "mismatch"),
        ("empty.txt", Vec::new(), 400, "empty"),
    ] {
        let (got, answer) = attach(&app, &alice, conversation, name, bytes).await;
        assert_eq!(
            (got, answer["code"].as_str()),
            (status, Some(code)),
            "{name}: {answer}"
        );
        assert!(
            answer["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{answer}"
        );
    }
    assert_eq!(
        stored_files(&app).await,
        before,
        "nothing refused is stored"
    );

    // An HTML page in a .txt file is text: it downloads, and would never run.
    let text = attach_ok(&app, &alice, conversation, "page.txt", page).await;
    let pdf = attach_ok(&app, &alice, conversation, "minutes.pdf", PDF.to_vec()).await;
    let (status, _) = send_with(&app, &alice, conversation, "Both files", &[pdf, text]).await;
    assert_eq!(status, 200);
    let thread = open_thread(&app, &bob, conversation).await;
    let last = last_message(&thread);
    let names = file_names(&last);
    assert_eq!(
        names,
        ["minutes.pdf", "page.txt"],
        "in the order they were named"
    );
    for (id, name, media_type) in [
        (pdf, "minutes.pdf", "application/pdf"),
        (text, "page.txt", "text/plain; charset=utf-8"),
    ] {
        let served = fetch(&bob, &app, &format!("/files/{id}/{name}")).await;
        assert_eq!(served.status(), 200);
        let headers = served.headers();
        assert_eq!(headers["content-type"], media_type);
        assert_eq!(
            headers["content-disposition"],
            format!("attachment; filename*=UTF-8''{name}").as_str()
        );
        assert!(headers["content-security-policy"]
            .to_str()
            .unwrap_or_default()
            .starts_with("sandbox"));
        assert_eq!(headers["x-content-type-options"], "nosniff");
    }

    // Five files a message: a sixth waiting upload is refused.
    let waiting: Vec<i64> = {
        let mut ids = Vec::new();
        for n in 0..5 {
            ids.push(
                attach_ok(
                    &app,
                    &alice,
                    conversation,
                    &format!("n{n}.txt"),
                    b"note".to_vec(),
                )
                .await,
            );
        }
        ids
    };
    let (status, answer) = attach(&app, &alice, conversation, "n5.txt", b"note".to_vec()).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("too_many")),
        "{answer}"
    );
    // Removing one makes room; someone else cannot remove it.
    let id = waiting[0].to_string();
    assert_eq!(
        app.call_with(&bob, "discard_attachment", &[("attachment", &id)])
            .await
            .status(),
        404
    );
    assert_eq!(
        app.call_with(&alice, "discard_attachment", &[("attachment", &id)])
            .await
            .status(),
        200
    );
    attach_ok(&app, &alice, conversation, "n5.txt", b"note".to_vec()).await;
}

/// Deleting a message erases its files' bytes at once; a reported message
/// keeps them for the moderators only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_message_takes_its_files_and_a_reported_one_keeps_them_for_moderators() {
    let app = spawn_app().await;
    let [alice, bob, ngozi] = app.members(["alice", "bob", "ngozi"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Files").await;
    let before = stored_files(&app).await;

    let picture = attach_ok(&app, &alice, conversation, "a.jpg", photo(60, 40)).await;
    assert_eq!(
        stored_files(&app).await,
        before + 2,
        "the picture and its thumbnail"
    );
    let (_, sent) = send_with(&app, &alice, conversation, "Look", &[picture]).await;
    let message = sent["id"].as_i64().expect("id");
    let delete = app
        .call_with(
            &alice,
            "delete_message",
            &[("message", &message.to_string())],
        )
        .await;
    assert_eq!(delete.status(), 200);
    assert_eq!(stored_files(&app).await, before, "erased with the message");
    assert_eq!(
        fetch(&bob, &app, &format!("/files/{picture}/a.jpg"))
            .await
            .status(),
        404
    );

    let pdf = attach_ok(&app, &alice, conversation, "rude.pdf", PDF.to_vec()).await;
    let (_, sent) = send_with(&app, &alice, conversation, "Rude", &[pdf]).await;
    let message = sent["id"].as_i64().expect("id");
    let reported = app
        .call_with(
            &bob,
            "report_message",
            &[
                ("message", &message.to_string()),
                ("reason", "harassment"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(reported.status(), 200);
    let path = format!("/files/{pdf}/rude.pdf");
    assert_eq!(
        fetch(&ngozi, &app, &path).await.status(),
        200,
        "a moderator reviews it"
    );
    app.call_with(
        &alice,
        "delete_message",
        &[("message", &message.to_string())],
    )
    .await;
    assert_eq!(
        fetch(&bob, &app, &path).await.status(),
        404,
        "gone for the participants"
    );
    assert_eq!(
        fetch(&ngozi, &app, &path).await.status(),
        200,
        "kept with the report"
    );
}

/// The quota is checked and recorded in one step: of many uploads at once,
/// exactly as many as fit are stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_at_once_never_pass_the_quota_together() {
    let app = spawn_app_with_options(Options {
        attachments: Some(app::domain::attachment::AttachmentRules {
            per_message: 20,
            file_bytes: 10_000,
            quota_bytes: 3_500,
        }),
        ..Default::default()
    })
    .await;
    let [alice] = app.members(["alice"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Quota").await;
    let uploads = (0..8).map(|n| {
        let (app, alice) = (&app, &alice);
        async move {
            attach(
                app,
                alice,
                conversation,
                &format!("f{n}.txt"),
                vec![b'x'; 1000],
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(uploads).await;
    let stored = answers.iter().filter(|(status, _)| *status == 200).count();
    let over: Vec<&Value> = answers
        .iter()
        .filter(|(_, answer)| answer["code"] == "quota")
        .map(|(_, answer)| answer)
        .collect();
    let busy = answers
        .iter()
        .filter(|(_, answer)| answer["code"] == "busy")
        .count();
    assert_eq!(stored + over.len() + busy, 8, "{answers:?}");
    assert!(stored <= 3, "{stored} stored past the quota: {answers:?}");
    let used: i64 = scalar(
        &app,
        "SELECT coalesce(sum(size), 0)::bigint FROM attachments WHERE uploader_id = $1",
        a,
    )
    .await;
    assert!(used <= 3_500, "{used} bytes stored");
    // Whatever was busy, the quota still ends the uploads at three.
    while attach(&app, &alice, conversation, "more.txt", vec![b'x'; 1000])
        .await
        .0
        == 200
    {}
    let used: i64 = scalar(
        &app,
        "SELECT coalesce(sum(size), 0)::bigint FROM attachments WHERE uploader_id = $1",
        a,
    )
    .await;
    assert_eq!(used, 3_000);
    let (status, answer) = attach(&app, &alice, conversation, "last.txt", vec![b'x'; 1000]).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (429, Some("quota")),
        "{answer}"
    );
}

/// Without JavaScript: "Upload files" posts the reply box with its files; the
/// thread comes back with them waiting and the text kept; "Send" takes them,
/// "Remove" drops one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_javascript_files_travel_with_the_reply_box() {
    let app = spawn_app().await;
    let [alice, bob] = app.members(["alice", "bob"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let conversation = start(&app, &alice, a, &[member(b)], "Plain forms").await;
    let form = Form::new()
        .text("conversation", conversation.to_string())
        .text("key", fresh_key())
        .text("attachments", "")
        .text("body", "Here is the agenda")
        .part("file", Part::bytes(PDF.to_vec()).file_name("agenda.pdf"))
        .part(
            "file",
            Part::bytes(b"notes".to_vec()).file_name("notes.txt"),
        );
    let response = upload_form(&app, &alice, conversation, form).await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        location,
        format!("/conversations/{conversation}?attach=attached#reply-files")
    );
    let page = alice
        .get(format!(
            "{}{}",
            app.url,
            location.split('#').next().unwrap_or_default()
        ))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let thread = open_thread(&app, &alice, conversation).await;
    assert_eq!(thread["draft"], "Here is the agenda", "the text is kept");
    let ids: Vec<i64> = thread["pending"]
        .as_array()
        .expect("pending")
        .iter()
        .filter_map(|f| f["id"].as_i64())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(
        page.contains("agenda.pdf") && page.contains("notes.txt"),
        "the page lists them"
    );
    let joined = format!("{},{}", ids[0], ids[1]);
    assert!(
        page.contains(&format!("name=\"attachments\" value=\"{joined}\"")),
        "posted with the box"
    );

    // "Remove" on one: the whole box posts there; the text stays.
    let removed = app
        .post_form(
            &alice,
            "discard_attachment",
            &[
                ("attachment".to_string(), ids[1].to_string()),
                ("body".to_string(), "Here is the agenda!".to_string()),
                ("conversation".to_string(), conversation.to_string()),
            ],
        )
        .await;
    assert_eq!(removed.status(), 200);
    let thread = open_thread(&app, &alice, conversation).await;
    assert_eq!(thread["pending"].as_array().map(Vec::len), Some(1));

    // An oversized file in the form: refused by name, the text kept.
    let form = Form::new().text("body", "Still here").part(
        "file",
        Part::bytes(vec![b'a'; 10_000_001]).file_name("huge.txt"),
    );
    let response = upload_form(&app, &alice, conversation, form).await;
    assert_eq!(
        response.headers()["location"],
        format!("/conversations/{conversation}?attach=too_large#reply-files").as_str()
    );
    assert_eq!(
        open_thread(&app, &alice, conversation).await["draft"],
        "Still here"
    );

    // A text field far over any reply (the request may be 50 MB for its files):
    // refused, not read into memory.
    let form = Form::new()
        .text("body", "x".repeat(200_000))
        .part("file", Part::bytes(PDF.to_vec()).file_name("late.pdf"));
    let response = upload_form(&app, &alice, conversation, form).await;
    assert_eq!(
        response.headers()["location"],
        format!("/conversations/{conversation}?attach=unreadable#reply-files").as_str()
    );
    let pending = open_thread(&app, &alice, conversation).await["pending"].clone();
    assert_eq!(pending.as_array().map(Vec::len), Some(1), "{pending}");

    let (status, sent) =
        send_with(&app, &alice, conversation, "Here is the agenda", &ids[..1]).await;
    assert_eq!(status, 200, "{sent}");
    let shown = open_thread(&app, &bob, conversation).await;
    let last = last_message(&shown);
    assert_eq!(last["attachments"][0]["name"], "agenda.pdf");
}

/// Starts a conversation from Alice to `to` with the start dialog's files `files`.
async fn start_with(
    app: &TestApp,
    client: &reqwest::Client,
    (from, to): (i64, &[String]),
    body: &str,
    files: &[i64],
    key: &str,
) -> (u16, Value) {
    let mut form = start_form(&member(from), to, body, key);
    form.push(("attachments".to_string(), joined(files)));
    let response = app.post_form(client, "start_conversation", &form).await;
    answer(response).await
}

async fn compose_pending(app: &TestApp, client: &reqwest::Client) -> Vec<i64> {
    let info: Value = app
        .call_with(client, "get_compose_info", &[])
        .await
        .json()
        .await
        .expect("json");
    info["pending"]
        .as_array()
        .expect("pending")
        .iter()
        .filter_map(|f| f["id"].as_i64())
        .collect()
}

/// Files chosen in the start dialog wait for the conversation it starts (on
/// any device, for their uploader alone) and go with its first message; a
/// reply box's upload cannot be taken there. Without JavaScript the start page
/// comes back with its recipients, its text and its files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_chosen_when_starting_go_with_the_first_message() {
    let app = spawn_app().await;
    let [alice, bob, jose] = app.members(["alice", "bob", "jose"]).await;
    let [a, b, j] = app.ids(["alice", "bob", "jose"]).await;

    let picture = attach_ok(&app, &alice, "new", "sunday.jpg", photo(640, 480)).await;
    let document = attach_ok(&app, &alice, "new", "plan.pdf", PDF.to_vec()).await;
    assert_eq!(compose_pending(&app, &alice).await, vec![picture, document]);
    assert!(compose_pending(&app, &bob).await.is_empty());
    let path = format!("/files/{document}/plan.pdf");
    assert_eq!(fetch(&alice, &app, &path).await.status(), 200, "her own");
    assert_eq!(fetch(&bob, &app, &path).await.status(), 404, "not sent yet");

    // A reply box's upload is not the start dialog's.
    let other = start(&app, &alice, a, &[member(j)], "Hello Jose").await;
    let in_thread = attach_ok(&app, &alice, other, "other.pdf", PDF.to_vec()).await;
    let (status, refused) = start_with(
        &app,
        &alice,
        (a, &[member(b)]),
        "Mixed",
        &[picture, in_thread],
        &fresh_key(),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert!(said(&refused).contains("no longer there"), "{refused}");
    assert_eq!(
        compose_pending(&app, &alice).await,
        vec![picture, document],
        "a refused start takes nothing"
    );
    // Nor can Bob take Alice's.
    let (status, _) = start_with(
        &app,
        &bob,
        (b, &[member(a)]),
        "Mine",
        &[document],
        &fresh_key(),
    )
    .await;
    assert_eq!(status, 422);

    // Files and no text start the conversation; Bob sees them in order.
    let key = fresh_key();
    let (status, started) = start_with(
        &app,
        &alice,
        (a, &[member(b)]),
        "",
        &[document, picture],
        &key,
    )
    .await;
    assert_eq!(status, 200, "{started}");
    let conversation = started.as_i64().expect("a conversation id");
    let first = open_thread(&app, &bob, conversation).await["messages"][0].clone();
    let names = file_names(&first);
    assert_eq!(names, ["plan.pdf", "sunday.jpg"], "{first}");
    assert_eq!(fetch(&bob, &app, &path).await.status(), 200);
    assert_eq!(fetch(&jose, &app, &path).await.status(), 404);
    assert!(compose_pending(&app, &alice).await.is_empty(), "sent");
    // The same send again (a retry) answers the same conversation.
    let (status, again) = start_with(
        &app,
        &alice,
        (a, &[member(b)]),
        "",
        &[document, picture],
        &key,
    )
    .await;
    assert_eq!((status, again.as_i64()), (200, Some(conversation)));

    // Without JavaScript: the start form posts its files, and comes back.
    let form = Form::new()
        .text("send_as", member(a))
        .text("to[0]", member(j))
        .text("key", fresh_key())
        .text("attachments", "")
        .text("body", "The agenda, Jose")
        .part("file", Part::bytes(PDF.to_vec()).file_name("agenda.pdf"));
    let response = upload_form(&app, &alice, "new", form).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/conversations/new?to=member:jose&attach=attached#start-files"
    );
    let page = alice
        .get(format!("{}/conversations/new?to=member:jose", app.url))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let pending = compose_pending(&app, &alice).await;
    assert_eq!(pending.len(), 1);
    assert!(page.contains("agenda.pdf"), "the page lists it");
    assert!(
        page.contains(&format!("name=\"attachments\" value=\"{}\"", pending[0])),
        "posted with the form"
    );
    assert!(page.contains("The agenda, Jose"), "the text is kept");
    assert!(page.contains("name=\"to[0]\""), "Jose is chosen again");
}
