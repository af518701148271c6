//! The wire types both sides share: what server functions return and what the
//! live stream carries. Serde only: no SQL, no server functions, no views, so
//! `api`, `backend` and the pages can all depend on it and it depends on none of
//! them.

pub mod account;
pub mod admin;
pub mod conversation;
pub mod group;
pub mod live;
pub mod member;
pub mod moderation;
pub mod notification;

/// The portal's name, in page titles, the header and emails.
pub const PORTAL_NAME: &str = "Mautic Community Portal";
