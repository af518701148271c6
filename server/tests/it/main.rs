//! The integration tests, one binary: each suite starts the real router on a random
//! port over a fresh database of its own (see `common`). One binary links `app` and
//! `server` once instead of once per suite.

mod common;

mod accounts;
mod admin;
mod attachments;
mod auth;
mod authz;
mod avatars;
mod bad_input;
mod connections;
mod conversations;
mod edits;
mod email;
mod email_replies;
mod groups;
mod languages;
mod limits;
mod live;
mod message_search;
mod moderation;
mod observability;
mod pages;
mod password_reset;
mod plain_forms;
mod profiles;
mod push;
mod registration;
mod revocation;
mod security;
mod sessions;
mod static_files;
mod throttle;
mod time_zones;
mod verification;
