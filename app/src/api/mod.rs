//! Server function declarations, by resource. Their bodies run on the server;
//! the client gets generated stubs that call them over HTTP.

pub mod auth;
pub mod conversations;
pub mod groups;
pub mod live;
pub mod members;
pub mod moderation;
pub mod notifications;
