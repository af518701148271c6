//! Server only: the database and the rules, by concern. Nothing here reads the
//! HTTP request or imports `api`: server functions (`api`) call into it with a
//! pool and a `Viewer`, and the server binary uses it for the live endpoint, the
//! email worker and the demo data.

pub mod admin;
pub mod attachments;
pub mod auth;
pub mod avatars;
pub mod conversations;
pub mod email_replies;
pub mod groups;
pub mod live;
pub mod members;
pub mod moderation;
pub mod notifications;
pub mod permissions;
pub mod site;
pub mod state;
#[cfg(test)]
pub(crate) mod test_pictures;
