//! One server-sent event as the live stream sends it, written either through
//! axum's `Sse` or straight onto a socket.

use axum::response::sse::Event;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Frame {
    /// The member's event number (`id:`), for the browser to resume after it.
    pub id: Option<i64>,
    /// The event as JSON, shared by every stream it is sent on.
    pub data: Arc<str>,
    /// How soon the browser reconnects (`retry:`), sent once with the first event.
    pub retry: Option<Duration>,
}

impl Frame {
    pub fn numbered(id: i64, data: Arc<str>) -> Self {
        Self {
            id: Some(id),
            data,
            retry: None,
        }
    }

    /// An event without a number (someone typing).
    pub fn transient(data: Arc<str>) -> Self {
        Self {
            id: None,
            data,
            retry: None,
        }
    }

    pub fn event(&self) -> Event {
        let mut event = Event::default().data(&*self.data);
        if let Some(id) = self.id {
            event = event.id(id.to_string());
        }
        if let Some(retry) = self.retry {
            event = event.retry(retry);
        }
        event
    }

    /// The event in the text/event-stream format.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 32);
        // Each of CR, LF and CRLF ends a line in this format (JSON has none).
        let unified;
        let data = if self.data.contains('\r') {
            unified = self.data.replace("\r\n", "\n");
            &unified
        } else {
            &*self.data
        };
        for line in data.split(['\n', '\r']) {
            out.extend_from_slice(b"data: ");
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
        if let Some(id) = self.id {
            out.extend_from_slice(format!("id: {id}\n").as_bytes());
        }
        if let Some(retry) = self.retry {
            out.extend_from_slice(format!("retry: {}\n", retry.as_millis()).as_bytes());
        }
        out.push(b'\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_is_written_as_event_stream_lines() {
        let mut frame = Frame::numbered(7, r#"{"type":"hello"}"#.into());
        frame.retry = Some(Duration::from_millis(1000));
        assert_eq!(
            String::from_utf8(frame.encode()).unwrap(),
            "data: {\"type\":\"hello\"}\nid: 7\nretry: 1000\n\n"
        );
        // A line break in the data cannot end the event early or forge a field.
        let forged = Frame::transient("a\nid: 99\r\nb\rretry: 1".into());
        assert_eq!(
            String::from_utf8(forged.encode()).unwrap(),
            "data: a\ndata: id: 99\ndata: b\ndata: retry: 1\n\n"
        );
    }
}
