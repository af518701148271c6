//! A member's open `GET /api/live` stream, read as a browser's EventSource would.

use super::TestApp;
use serde_json::Value;
use std::time::{Duration, Instant};

/// How long a test waits for an event that should come.
pub const WAIT: Duration = Duration::from_secs(10);
/// How long a test listens to be sure that no (further) event comes.
pub const QUIET: Duration = Duration::from_millis(800);

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub id: Option<i64>,
    pub data: Value,
}

/// A member's open `GET /api/live` stream.
pub struct LiveStream {
    response: reqwest::Response,
    buffer: Vec<u8>,
}

/// The request a page makes for its live stream (not sent yet).
pub fn live_request(app: &TestApp, client: &reqwest::Client) -> reqwest::RequestBuilder {
    client
        .get(format!("{}/api/live", app.url))
        .header("accept", "text/event-stream")
}

/// Opens the stream, which must answer 200 with `text/event-stream`; nothing is read
/// yet. `last_event_id` is what a reconnecting EventSource sends.
pub async fn connect(
    app: &TestApp,
    client: &reqwest::Client,
    last_event_id: Option<i64>,
) -> LiveStream {
    let mut request = live_request(app, client);
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id.to_string());
    }
    let response = request.send().await.expect("request");
    assert_eq!(response.status(), 200, "the live stream opens");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap_or_default();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    LiveStream {
        response,
        buffer: Vec::new(),
    }
}

/// Opens the stream and reads its hello: every event from now on reaches it.
pub async fn listen(app: &TestApp, client: &reqwest::Client) -> LiveStream {
    let mut stream = connect(app, client, None).await;
    stream.hello().await;
    stream
}

impl LiveStream {
    /// The next event within `timeout`; `None` when none came (or the stream ended).
    pub async fn next_within(&mut self, timeout: Duration) -> Option<SseEvent> {
        let deadline = Instant::now() + timeout;
        loop {
            while let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
                if let Some(event) = parse_block(&String::from_utf8_lossy(&block)) {
                    return Some(event);
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.response.chunk()).await {
                Ok(Ok(Some(chunk))) => self.buffer.extend_from_slice(&chunk),
                Ok(Ok(None)) | Ok(Err(_)) | Err(_) => return None,
            }
        }
    }

    /// The next event; fails the test when none comes in time.
    pub async fn next(&mut self) -> SseEvent {
        match self.next_within(WAIT).await {
            Some(event) => event,
            None => panic!("no live event within {WAIT:?}"),
        }
    }

    /// The first event of a connection, which must be the hello; returns it.
    pub async fn hello(&mut self) -> SseEvent {
        let event = self.next().await;
        assert_eq!(event.data["type"], "hello", "{:?}", event.data);
        assert!(event.id.is_some(), "the hello carries the event number");
        event
    }

    /// Whether the server ends the stream within `timeout` (events before the end are
    /// passed over).
    pub async fn ends_within(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.response.chunk()).await {
                Ok(Ok(Some(_))) => continue,
                Ok(Ok(None)) | Ok(Err(_)) => return true,
                Err(_) => return false,
            }
        }
    }

    /// Asserts that nothing more arrives for a while.
    pub async fn assert_quiet(&mut self) {
        if let Some(event) = self.next_within(QUIET).await {
            panic!("unexpected live event: {event:?}");
        }
    }
}

/// Parses one SSE block (`id:` and `data:` lines; `:` comments and `retry:` ignored).
pub fn parse_block(block: &str) -> Option<SseEvent> {
    let mut id = None;
    let mut data: Vec<&str> = Vec::new();
    for line in block.lines() {
        if line.is_empty() || line.starts_with(':') {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "id" => id = Some(value.parse::<i64>().expect("numeric event id")),
            "data" => data.push(value),
            _ => {}
        }
    }
    if data.is_empty() {
        return None;
    }
    let data = serde_json::from_str(&data.join("\n")).expect("event data is JSON");
    Some(SseEvent { id, data })
}
