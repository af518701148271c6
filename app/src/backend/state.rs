//! What every request handler on the server can reach.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;
use std::sync::Arc;

/// Settings the request handlers need; read from the environment by the server binary.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The address members use to reach the portal, e.g. `https://community.example.org`.
    /// Its scheme decides whether cookies are marked `Secure`, and its origin is the
    /// only one allowed to make state-changing requests.
    pub public_url: String,
    /// Whether to believe `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_proxy: bool,
    /// How long a session lasts after sign-in.
    pub session_days: i64,
    /// Batched email: at most one email per conversation per this many seconds.
    pub email_batch_seconds: i64,
    /// Spam limits on sending.
    pub limits: crate::domain::limits::Limits,
    /// Accounts one address (an IPv6 /64) may make in an hour.
    pub registrations_per_address_hour: i64,
    /// Whether a new account must confirm its email before it can sign in.
    pub verify_email: bool,
    /// How long after sending a member may edit their message, in seconds.
    pub edit_seconds: i64,
    /// How many files a message carries, how large, and each member's quota.
    pub attachments: crate::domain::attachment::AttachmentRules,
}

impl Settings {
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// `scheme://host[:port]` of the public URL, without path or trailing slash.
    pub fn public_origin(&self) -> String {
        let url = self.public_url.trim_end_matches('/');
        match url.split_once("://") {
            Some((scheme, rest)) => {
                let host = rest.split('/').next().unwrap_or_default();
                format!("{scheme}://{host}")
            }
            None => url.to_string(),
        }
    }
}

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub settings: Arc<Settings>,
    /// This process's password-hashing capacity.
    pub passwords: Arc<crate::backend::auth::Passwords>,
    /// How often each member last announced typing through this process.
    pub typing: Arc<crate::backend::live::TypingGate>,
}
