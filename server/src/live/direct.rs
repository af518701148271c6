//! A live stream served straight on its socket, when it is the first request of
//! its connection (as a browser's EventSource and a proxy's fresh upstream
//! connection make it).
//!
//! An idle stream is most of what an instance holds, and through hyper each one
//! keeps a read buffer and a header buffer of 8 KB each (hyper's minimum), the
//! middleware's state and the body's: about 30 KB. Here the request's head is read
//! into a buffer freed before the stream starts, and an idle stream is its socket,
//! its queue and one small task. A stream asked for later on a kept-alive
//! connection still goes through the router (`stream::endpoint`), which sends the
//! same events.

use super::frame::Frame;
use super::stream::{last_seen, open};
use super::{Hub, HEARTBEAT};
use app::model::live::LIVE_PATH;
use http::{HeaderMap, HeaderName, HeaderValue};
use sqlx::PgPool;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// The longest request head a live stream may send (its cookies, mostly).
const MAX_HEAD: usize = 16 * 1024;
/// Headers a live stream's request may carry.
const MAX_HEADERS: usize = 64;
/// How long a client may leave an event unread before its stream is dropped (it
/// reconnects and catches up from the database).
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// What the direct streams need from the instance.
#[derive(Clone)]
pub struct Direct {
    pub pool: PgPool,
    pub hub: Arc<Hub>,
}

/// Whether the connection's first request asks for the live stream: looks at
/// what has arrived without taking it, so hyper can still read it all otherwise.
pub async fn asks_for_stream(stream: &TcpStream) -> io::Result<bool> {
    let mut start = [0u8; 4 + LIVE_PATH.len() + 1];
    let read = stream.peek(&mut start).await?;
    Ok(read == start.len()
        && start.starts_with(b"GET ")
        && start[4..4 + LIVE_PATH.len()] == *LIVE_PATH.as_bytes()
        && matches!(start[start.len() - 1], b' ' | b'?'))
}

/// Serves the live stream asked for on `stream` until either side ends it.
pub async fn serve(stream: TcpStream, direct: Direct, header_timeout: Duration) {
    let started = Instant::now();
    let request = match tokio::time::timeout(header_timeout, read_request(&stream)).await {
        Ok(Ok(request)) => request,
        Ok(Err(Malformed::TooLarge)) => {
            let _ = answer_refusal(
                &stream,
                http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "Request headers too large.",
                None,
            )
            .await;
            return;
        }
        Ok(Err(Malformed::Invalid)) => {
            let _ =
                answer_refusal(&stream, http::StatusCode::BAD_REQUEST, "Bad request.", None).await;
            return;
        }
        Ok(Err(Malformed::Closed)) | Err(_) => return,
    };
    let token = app::backend::auth::token_from_headers(&request.headers);
    let last_seen = last_seen(
        request
            .headers
            .get("last-event-id")
            .and_then(|v| v.to_str().ok()),
        request.query.as_deref(),
    );
    drop(request);
    let mut connection = match open(&direct.pool, &direct.hub, token, last_seen).await {
        Ok(connection) => connection,
        Err(refusal) => {
            count(refusal.status, started);
            let _ = answer_refusal(
                &stream,
                refusal.status,
                refusal.message,
                refusal.retry_after,
            )
            .await;
            return;
        }
    };
    count(http::StatusCode::OK, started);
    if write_all(&stream, STREAM_HEAD).await.is_err() {
        return;
    }
    let mut heartbeat =
        tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    loop {
        let frame = {
            let next = connection.next_event();
            tokio::pin!(next);
            loop {
                tokio::select! {
                    frame = &mut next => break frame,
                    _ = heartbeat.tick() => {
                        // A comment line: keeps proxies from cutting an idle stream.
                        if write_all(&stream, b":\n\n").await.is_err() {
                            return;
                        }
                    }
                    () = client_gone(&stream) => return,
                }
            }
        };
        let Some(frame) = frame else {
            return;
        };
        if send(&stream, &frame).await.is_err() {
            return;
        }
        heartbeat.reset();
    }
}

/// The response's head: the body is the stream, until the connection closes.
const STREAM_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\n\
content-type: text/event-stream\r\n\
cache-control: no-cache\r\n\
x-accel-buffering: no\r\n\
x-content-type-options: nosniff\r\n\
connection: close\r\n\r\n";

async fn send(stream: &TcpStream, frame: &Frame) -> io::Result<()> {
    write_all(stream, &frame.encode()).await
}

/// The request's headers the live stream reads, and its query.
struct Request {
    headers: HeaderMap,
    query: Option<String>,
}

enum Malformed {
    TooLarge,
    Invalid,
    Closed,
}

async fn read_request(stream: &TcpStream) -> Result<Request, Malformed> {
    let mut head = Vec::with_capacity(1024);
    loop {
        if head.len() >= MAX_HEAD {
            return Err(Malformed::TooLarge);
        }
        stream.readable().await.map_err(|_| Malformed::Closed)?;
        let mut chunk = [0u8; 2048];
        let want = chunk.len().min(MAX_HEAD - head.len());
        match stream.try_read(&mut chunk[..want]) {
            Ok(0) => return Err(Malformed::Closed),
            Ok(read) => head.extend_from_slice(&chunk[..read]),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => continue,
            Err(_) => return Err(Malformed::Closed),
        }
        let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut slots);
        match parsed.parse(&head) {
            Ok(httparse::Status::Complete(_)) => {
                let query = parsed
                    .path
                    .and_then(|path| path.split_once('?'))
                    .map(|(_, query)| query.to_string());
                let mut headers = HeaderMap::new();
                for header in parsed.headers.iter() {
                    let name = header.name.to_ascii_lowercase();
                    if !matches!(name.as_str(), "cookie" | "last-event-id") {
                        continue;
                    }
                    let (Ok(name), Ok(value)) = (
                        HeaderName::from_bytes(name.as_bytes()),
                        HeaderValue::from_bytes(header.value),
                    ) else {
                        return Err(Malformed::Invalid);
                    };
                    headers.append(name, value);
                }
                return Ok(Request { headers, query });
            }
            Ok(httparse::Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => return Err(Malformed::TooLarge),
            Err(_) => return Err(Malformed::Invalid),
        }
    }
}

async fn answer_refusal(
    stream: &TcpStream,
    status: http::StatusCode,
    message: &str,
    retry_after: Option<&str>,
) -> io::Result<()> {
    let retry = retry_after
        .map(|seconds| format!("retry-after: {seconds}\r\n"))
        .unwrap_or_default();
    let answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\ncache-control: no-store\r\nx-content-type-options: nosniff\r\n{retry}connection: close\r\n\r\n{message}",
        message.len()
    );
    write_all(stream, answer.as_bytes()).await
}

/// Writes `bytes`, or fails if the client has not taken them within the timeout.
async fn write_all(stream: &TcpStream, bytes: &[u8]) -> io::Result<()> {
    let writing = async {
        let mut rest = bytes;
        while !rest.is_empty() {
            stream.writable().await?;
            match stream.try_write(rest) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(written) => rest = &rest[written..],
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    };
    tokio::time::timeout(WRITE_TIMEOUT, writing)
        .await
        .unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into()))
}

/// Resolves when the client closes the connection (or sends anything more: a
/// request after an endless response is not one to answer).
async fn client_gone(stream: &TcpStream) {
    loop {
        if stream.readable().await.is_err() {
            return;
        }
        let mut byte = [0u8; 1];
        match stream.try_read(&mut byte) {
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => continue,
            _ => return,
        }
    }
}

/// Counts the request as the router's metrics layer would.
fn count(status: http::StatusCode, started: Instant) {
    metrics::histogram!("portal_http_request_duration_seconds", "route" => LIVE_PATH)
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(
        "portal_http_requests_total",
        "route" => LIVE_PATH,
        "method" => "GET",
        "status" => status.as_u16().to_string()
    )
    .increment(1);
}
