//! Server function declarations, by resource. Their bodies run on the server
//! and read as policy: who is asking, one call into `backend`, the answer. The
//! client gets generated stubs that call them over HTTP. The types they return
//! live in `model`, re-exported here for the pages.

pub mod account;
pub mod admin;
pub mod auth;
#[cfg(feature = "ssr")]
pub mod context;
pub mod conversations;
pub mod groups;
pub mod live;
pub mod members;
pub mod moderation;
pub mod notifications;
pub mod security;
