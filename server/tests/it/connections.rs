//! Connections as an attacker holds them: many live streams for one member, more
//! than an instance keeps, half-sent requests, and many idle sockets from one
//! address. The server is the real accept loop (`server::serve`).

use crate::common;

use common::sse::{connect, listen, live_request, WAIT};
use common::*;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// A raw connection to the portal from `source` (any 127.x.y.z is this machine).
async fn raw_from(app: &TestApp, source: [u8; 4]) -> TcpStream {
    let addr: std::net::SocketAddr = app.url.trim_start_matches("http://").parse().unwrap();
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind((std::net::Ipv4Addr::from(source), 0).into())
        .unwrap();
    socket.connect(addr).await.expect("connects")
}

/// Whether the server closes `stream` within `within` (reads end of file).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buffer = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_members_eleventh_stream_closes_the_oldest_which_is_told_so() {
    let app = spawn_app().await;
    let bob = app.member("bob").await;
    let mut streams = Vec::new();
    for _ in 0..server::live::STREAMS_PER_MEMBER {
        streams.push(listen(&app, &bob).await);
    }
    let _newest = listen(&app, &bob).await;
    // The oldest hears why, then ends; the next oldest stays open.
    let last = streams[0].next().await;
    assert_eq!(last.data["type"], "replaced", "{:?}", last.data);
    assert!(streams[0].ends_within(WAIT).await);
    assert!(!streams[1].ends_within(Duration::from_millis(500)).await);
    assert_eq!(app.hub.connections(), server::live::STREAMS_PER_MEMBER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_the_instances_streams_a_new_one_is_refused_with_a_retry_time() {
    let app = spawn_app_with_options(Options {
        max_live_streams: Some(2),
        ..Options::default()
    })
    .await;
    let [alice, bob, carol] = app.members(["alice", "bob", "jose"]).await;
    let _a = listen(&app, &alice).await;
    let b = listen(&app, &bob).await;
    let refused = live_request(&app, &carol).send().await.unwrap();
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    // And a closed stream frees its place.
    drop(b);
    let deadline = Instant::now() + WAIT;
    loop {
        let status = live_request(&app, &carol).send().await.unwrap().status();
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the place was never freed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_sent_request_and_an_idle_connection_are_closed_but_a_live_stream_stays() {
    let app = spawn_app_with_options(Options {
        header_timeout_seconds: Some(1),
        ..Options::default()
    })
    .await;
    let bob = app.member("bob").await;
    let mut stream = connect(&app, &bob, None).await;
    stream.hello().await;
    let mut half_sent = raw_from(&app, [127, 0, 0, 1]).await;
    half_sent
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let mut idle = raw_from(&app, [127, 0, 0, 1]).await;
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert!(closed_within(&mut half_sent, Duration::from_secs(5)).await);
    assert!(closed_within(&mut idle, Duration::from_secs(5)).await);
    // The live stream, open for longer than the timeout, still delivers.
    let [alice] = app.members(["alice"]).await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    start(&app, &alice, a, &[member(b)], "still there?").await;
    let event = stream.next().await;
    assert_eq!(event.data["type"], "message", "{:?}", event.data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_take_every_connection() {
    let app = spawn_app_with_options(Options {
        connections_per_address: Some(3),
        ..Options::default()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(raw_from(&app, [127, 0, 0, 2]).await);
    }
    let mut fourth = raw_from(&app, [127, 0, 0, 2]).await;
    assert!(closed_within(&mut fourth, Duration::from_secs(2)).await);
    // Someone at another address is served.
    let response = reqwest::get(format!("{}/healthz", app.url)).await.unwrap();
    assert_eq!(response.status(), 200);
    // A closed connection frees a place for its address.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut again = raw_from(&app, [127, 0, 0, 2]).await;
    again
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    again.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// Sends `request` on `stream` and reads until `needle` has arrived.
async fn read_until(stream: &mut TcpStream, needle: &str) -> String {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    let deadline = Instant::now() + WAIT;
    while !String::from_utf8_lossy(&seen).contains(needle) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(read)) if read > 0 => seen.extend_from_slice(&buffer[..read]),
            other => panic!(
                "{needle:?} did not arrive ({other:?}); got {:?}",
                String::from_utf8_lossy(&seen)
            ),
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}

/// A new session of Bob's, as its cookie carries it.
async fn bobs_session(app: &TestApp) -> String {
    cookie_value(
        &session_cookie(app.sign_in("bob@example.org", PASSWORD).await.headers())
            .expect("bob signs in"),
    )
}

fn live_get(token: &str, extra: &str) -> String {
    format!(
        "GET /api/live HTTP/1.1\r\nHost: portal.test\r\nAccept: text/event-stream\r\nCookie: theme=dark; portal_session={token}\r\n{extra}\r\n"
    )
}

/// A stream asked for as a connection's first request is served without the
/// router (for its memory); it must behave as every other stream does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_as_a_connections_first_request_delivers_and_resumes() {
    let app = spawn_app().await;
    let alice = app.member("alice").await;
    let [a, b] = app.ids(["alice", "bob"]).await;
    let token = bobs_session(&app).await;

    let mut stream = raw_from(&app, [127, 0, 0, 1]).await;
    stream
        .write_all(live_get(&token, "").as_bytes())
        .await
        .unwrap();
    let hello = read_until(&mut stream, "retry: 1000\n\n").await;
    assert!(hello.starts_with("HTTP/1.1 200 OK\r\n"), "{hello}");
    assert!(
        hello.contains("content-type: text/event-stream\r\n"),
        "{hello}"
    );
    assert!(hello.contains(r#""type":"hello""#), "{hello}");
    assert_eq!(app.hub.connections(), 1);

    let id = start(&app, &alice, a, &[member(b)], "Over a bare socket").await;
    let event = read_until(&mut stream, "Over a bare socket").await;
    assert!(
        event.contains(&format!(r#""conversation_id":{id}"#)),
        "{event}"
    );
    let last_id: i64 = event
        .lines()
        .filter_map(|line| line.strip_prefix("id: "))
        .next_back()
        .and_then(|id| id.parse().ok())
        .expect("the message is numbered");

    // Closing the page ends the stream on the server.
    drop(stream);
    let deadline = Instant::now() + WAIT;
    while app.hub.connections() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(app.hub.connections(), 0, "the closed stream is let go");

    // A reconnect says the last event it saw and gets what came after, as on a
    // stream through the router.
    reply(&app, &alice, id, "While you were away").await;
    let mut again = raw_from(&app, [127, 0, 0, 1]).await;
    again
        .write_all(live_get(&token, &format!("Last-Event-ID: {last_id}\r\n")).as_bytes())
        .await
        .unwrap();
    let missed = read_until(&mut again, "While you were away").await;
    assert!(
        missed.contains(&format!("id: {}\n", last_id + 1)),
        "{missed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_request_stream_refuses_strangers_and_oversized_heads() {
    let app = spawn_app().await;
    let mut stranger = raw_from(&app, [127, 0, 0, 1]).await;
    stranger
        .write_all(live_get("not-a-session", "").as_bytes())
        .await
        .unwrap();
    let answer = read_until(&mut stranger, "Please sign in.").await;
    assert!(
        answer.starts_with("HTTP/1.1 401 Unauthorized\r\n"),
        "{answer}"
    );
    assert!(closed_within(&mut stranger, WAIT).await);

    let mut huge = raw_from(&app, [127, 0, 0, 1]).await;
    let padding = "x".repeat(20 * 1024);
    huge.write_all(live_get("t", &format!("X-Padding: {padding}\r\n")).as_bytes())
        .await
        .unwrap();
    let answer = read_until(&mut huge, "\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");

    let mut garbled = raw_from(&app, [127, 0, 0, 1]).await;
    garbled
        .write_all(b"GET /api/live HTTP/1.1\r\nBad Header\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until(&mut garbled, "\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    assert_eq!(app.hub.connections(), 0);
}

/// The same stream asked for after another request on a kept-alive connection
/// goes through the router, and says the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_after_another_request_on_the_connection_is_served_too() {
    let app = spawn_app().await;
    let token = bobs_session(&app).await;
    let mut stream = raw_from(&app, [127, 0, 0, 1]).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: portal.test\r\n\r\n")
        .await
        .unwrap();
    read_until(&mut stream, "ok").await;
    stream
        .write_all(live_get(&token, "").as_bytes())
        .await
        .unwrap();
    let hello = read_until(&mut stream, "retry: 1000").await;
    assert!(hello.contains("text/event-stream"), "{hello}");
    assert!(hello.contains(r#""type":"hello""#), "{hello}");
    assert_eq!(app.hub.connections(), 1);
}
