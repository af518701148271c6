//! Small pieces of UI used by several pages.

pub mod attachments;
pub mod avatar;
pub mod compose;
pub mod contact;
pub mod draft;
pub mod field;
pub mod header;
pub mod live;
pub mod message_field;
pub mod message_text;
pub mod notifications;
pub mod party;
pub mod push;
pub mod recipient_picker;
pub mod search;
pub mod session;
pub mod time;
