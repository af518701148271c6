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
    /// Web push: on when the portal has a VAPID key.
    pub push: PushConfig,
    /// Replies by email: the address whose `+` variants notification emails
    /// carry as their Reply-To (`reply@example.org`); off without one.
    pub reply_address: Option<String>,
    /// The languages the portal offers, the fallback first (PORTAL_LANGUAGES).
    pub languages: Vec<crate::domain::language::Language>,
}

/// Web push as configured (the private VAPID key stays with the server's worker).
#[derive(Debug, Clone, Default)]
pub struct PushConfig {
    /// The VAPID public key (base64url, an uncompressed P-256 point) browsers
    /// subscribe with; pushes are off without one.
    pub public_key: Option<String>,
    /// Seconds a push waits (a message read meanwhile sends none).
    pub delay_seconds: i64,
    /// The push services the portal sends to: a host (`fcm.googleapis.com`), a
    /// domain and its subdomains (`.push.apple.com`), or an `http://` origin
    /// (for a test's own push service); anything else is refused, so a
    /// subscription cannot make the server post elsewhere.
    pub services: Vec<String>,
}

/// The push services of Chrome, Firefox, Edge and Safari.
pub const PUSH_SERVICES: &[&str] = &[
    "fcm.googleapis.com",
    ".push.services.mozilla.com",
    ".notify.windows.com",
    ".push.apple.com",
];

impl PushConfig {
    /// Whether the portal sends to this endpoint.
    pub fn accepts(&self, endpoint: &str) -> bool {
        let Ok(url) = url::Url::parse(endpoint) else {
            return false;
        };
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        self.services
            .iter()
            .any(|service| match service.strip_prefix("http://") {
                Some(origin) => {
                    url.scheme() == "http"
                        && format!("{host}:{}", url.port_or_known_default().unwrap_or(80)) == origin
                }
                None if url.scheme() != "https" => false,
                None => match service.strip_prefix('.') {
                    Some(domain) => host.ends_with(&format!(".{domain}")),
                    None => host == *service,
                },
            })
    }
}

impl Settings {
    pub fn waits(&self) -> crate::backend::notifications::Waits {
        crate::backend::notifications::Waits {
            email_batch_seconds: self.email_batch_seconds,
            push_delay_seconds: self.push.delay_seconds,
        }
    }

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
