//! The Conversations portal: everything the server and the browser share, and
//! the server-only part behind the `ssr` feature.
//!
//! - `model`: wire types both sides share (serde only).
//! - `domain`: input rules, compiled for both targets.
//! - `api`: server functions; thin policy over `backend`.
//! - `backend` (ssr only): SQL and rules by concern; never imports `api`.
//! - `pages`, `components`: the views; `app`: the shell and the routes.
//!
//! The WASM client is the `client` crate beside it (`app/client`), which only
//! calls `hydrate_body(App)`.
#![recursion_limit = "256"]

pub mod api;
mod app;
#[cfg(feature = "ssr")]
pub mod backend;
#[cfg(test)]
mod catalogue;
pub mod components;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod model;
pub mod pages;

#[cfg(split_client)]
pub use app::preload_page;
pub use app::{shell, App};
