//! Configuration from environment variables, each with a default that works
//! on a developer machine. The README lists them.

use crate::StartupError;
use app::backend::state::Settings;
use leptos::prelude::LeptosOptions;
use std::net::SocketAddr;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub addr: SocketAddr,
    pub public_url: String,
    pub site_root: String,
    pub trust_proxy: bool,
    pub session_days: i64,
    /// Batched email window (PORTAL_EMAIL_BATCH_SECONDS, default 600).
    pub email_batch_seconds: i64,
    /// Where email goes (PORTAL_SMTP_URL, e.g. `smtp://user:pass@mail.example.org:587?tls=required`
    /// or `smtps://…`); without it no email is sent and the outbox waits.
    pub smtp_url: Option<String>,
    /// The From address (PORTAL_MAIL_FROM).
    pub mail_from: String,
    /// How often an idle email worker looks at the outbox (PORTAL_EMAIL_POLL_MS, default 1000).
    pub email_poll_ms: u64,
    /// Longest wait between retries of one email (PORTAL_EMAIL_MAX_BACKOFF_SECONDS, default 300).
    pub email_max_backoff_seconds: i64,
    /// How long a worker's claim on outbox rows lasts (PORTAL_EMAIL_LEASE_SECONDS,
    /// default 120): after a crash, its unsent rows wait this long for another worker.
    pub email_lease_seconds: i64,
    /// Spam limits (PORTAL_LIMIT_MESSAGES_PER_MINUTE, default 20;
    /// PORTAL_LIMIT_CONVERSATIONS_PER_HOUR, default 10).
    pub limits: app::domain::limits::Limits,
    /// Passwords hashed at once by this process (PORTAL_HASH_CONCURRENCY, default the
    /// number of cores): each argon2id hash holds 19 MiB while it runs.
    pub hash_concurrency: usize,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn number<T: std::str::FromStr>(name: &str) -> Result<Option<T>, StartupError>
where
    T::Err: std::fmt::Display,
{
    var(name)
        .map(|v| v.parse::<T>())
        .transpose()
        .map_err(|e| StartupError::Config(format!("{name}: {e}")))
}

impl Config {
    pub fn from_env() -> Result<Self, StartupError> {
        let database_url = var("DATABASE_URL")
            .ok_or_else(|| StartupError::Config("DATABASE_URL is not set".into()))?;
        let addr: SocketAddr = var("PORTAL_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| StartupError::Config(format!("PORTAL_ADDR: {e}")))?;
        let public_url = var("PORTAL_PUBLIC_URL").unwrap_or_else(|| {
            let host = if addr.ip().is_loopback() || addr.ip().is_unspecified() {
                "localhost".to_string()
            } else {
                addr.ip().to_string()
            };
            format!("http://{host}:{}", addr.port())
        });
        let session_days = var("PORTAL_SESSION_DAYS")
            .map(|v| v.parse::<i64>())
            .transpose()
            .map_err(|e| StartupError::Config(format!("PORTAL_SESSION_DAYS: {e}")))?
            .unwrap_or(30);
        let email_batch_seconds = number::<i64>("PORTAL_EMAIL_BATCH_SECONDS")?
            .unwrap_or(600)
            .max(0);
        Ok(Self {
            database_url,
            email_batch_seconds,
            smtp_url: var("PORTAL_SMTP_URL"),
            mail_from: var("PORTAL_MAIL_FROM")
                .unwrap_or_else(|| "Conversations <no-reply@localhost>".into()),
            email_poll_ms: number("PORTAL_EMAIL_POLL_MS")?.unwrap_or(1000),
            email_max_backoff_seconds: number("PORTAL_EMAIL_MAX_BACKOFF_SECONDS")?.unwrap_or(300),
            email_lease_seconds: number::<i64>("PORTAL_EMAIL_LEASE_SECONDS")?
                .unwrap_or(120)
                .max(5),
            limits: app::domain::limits::Limits {
                messages_per_minute: number("PORTAL_LIMIT_MESSAGES_PER_MINUTE")?.unwrap_or(20),
                conversations_per_hour: number("PORTAL_LIMIT_CONVERSATIONS_PER_HOUR")?
                    .unwrap_or(10),
            },
            hash_concurrency: number("PORTAL_HASH_CONCURRENCY")?.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
            }),
            addr,
            public_url,
            site_root: var("PORTAL_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            trust_proxy: var("PORTAL_TRUST_PROXY").is_some_and(|v| v == "1" || v == "true"),
            session_days,
        })
    }

    /// The client's file names: the site build (`.ci/portal.sh`) names them after a
    /// hash of their content, `pkg/app-<hash>.js`, `…_bg.wasm` and `….css`, and writes
    /// that name to `pkg/output-name`, so browsers may cache them for a year. A site
    /// built without it (by hand, for development) keeps the plain name `app`.
    pub fn output_name(&self) -> String {
        std::fs::read_to_string(Path::new(&self.site_root).join("pkg/output-name"))
            .ok()
            .map(|name| name.trim().to_owned())
            .filter(|name| {
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            })
            .unwrap_or_else(|| "app".into())
    }

    pub fn leptos_options(&self) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name(self.output_name())
            .site_root(self.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(self.addr)
            .build()
    }

    pub fn mailer(&self) -> Option<crate::mailer::MailerConfig> {
        Some(crate::mailer::MailerConfig {
            smtp_url: self.smtp_url.clone()?,
            from: self.mail_from.clone(),
            public_url: self.public_url.clone(),
            batch_seconds: self.email_batch_seconds,
            poll: std::time::Duration::from_millis(self.email_poll_ms.max(10)),
            max_backoff_seconds: self.email_max_backoff_seconds,
            lease_seconds: self.email_lease_seconds,
        })
    }

    /// Hashing capacity: beyond `hash_concurrency` at once, 32 per permit wait up
    /// to 3 s for a turn, and further requests are told to come back (503).
    pub fn passwords(&self) -> app::backend::auth::Passwords {
        app::backend::auth::Passwords::new(
            self.hash_concurrency,
            self.hash_concurrency * 32,
            std::time::Duration::from_secs(3),
        )
    }

    pub fn settings(&self) -> Settings {
        Settings {
            public_url: self.public_url.clone(),
            trust_proxy: self.trust_proxy,
            session_days: self.session_days,
            email_batch_seconds: self.email_batch_seconds,
            limits: self.limits,
        }
    }
}
