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
