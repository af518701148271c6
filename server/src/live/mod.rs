//! The live endpoint: server-sent events for each signed-in member's open pages.
//!
//! Every instance LISTENs on one PostgreSQL channel and passes each announced event
//! to the members connected to it, so a message sent through any instance reaches
//! every open page on every instance. Nothing lives only here: each member's events
//! are numbered in the database, so a page that reconnects (to any instance) says
//! the last number it saw and gets exactly the ones after it.
//!
//! Memory stays bounded: each connection has a small queue; a client too slow to
//! drain it is disconnected, and its browser reconnects and catches up from the
//! database.

pub mod direct;
mod frame;
mod hub;
mod listen;
mod stream;

pub use direct::Direct;
pub use hub::{Hub, STREAMS_PER_MEMBER};
pub use listen::listen;
pub use stream::endpoint;

use std::sync::Arc;
use std::time::Duration;

/// Events queued for one connection before it counts as too slow and is dropped.
pub const QUEUE: usize = 64;
/// Comment lines on idle streams, so proxies do not cut them.
pub const HEARTBEAT: Duration = Duration::from_secs(15);
/// How soon a browser reconnects after the stream ends.
const RETRY: Duration = Duration::from_millis(1000);

#[derive(Debug, Clone)]
enum Delivery {
    /// The member's event number and the event, as JSON.
    Event(i64, Arc<str>),
    /// An event that is not numbered (someone typing): sent as it is, if at all.
    Transient(Arc<str>),
    /// Events may have been missed: read them from the database.
    Gap,
    /// The member opened a newer stream and this one, the oldest, is closed.
    Replaced,
}
