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
    /// Seconds a client may take to send a request's headers, and an idle
    /// connection stays open (PORTAL_HEADER_TIMEOUT_SECONDS, default 10).
    pub header_timeout_seconds: u64,
    /// Open connections from one address (PORTAL_MAX_CONNECTIONS_PER_ADDRESS, default
    /// 256); not counted behind a trusted proxy, whose own limits apply.
    pub connections_per_address: usize,
    /// Live streams on this instance (PORTAL_MAX_LIVE_STREAMS, default 10,000).
    pub max_live_streams: usize,
    /// Accounts one address may make in an hour (PORTAL_REGISTRATIONS_PER_ADDRESS_HOUR, 10).
    pub registrations_per_address_hour: i64,
    /// New accounts confirm their email before they can sign in (PORTAL_VERIFY_EMAIL, true).
    pub verify_email: bool,
    /// Minutes after sending during which a member may edit a message
    /// (PORTAL_EDIT_MINUTES, default 15; 0 turns editing off).
    pub edit_minutes: i64,
    /// Files per message (PORTAL_ATTACHMENTS_PER_MESSAGE, 5), the largest file
    /// (PORTAL_ATTACHMENT_MB, 10) and each member's storage (PORTAL_STORAGE_QUOTA_MB, 500).
    pub attachments: app::domain::attachment::AttachmentRules,
    /// The VAPID private key (PORTAL_VAPID_PRIVATE_KEY, base64url of 32 bytes):
    /// web push is on with one. `server --vapid-key` makes one.
    pub vapid_private_key: Option<String>,
    /// Who runs the portal, for push services (PORTAL_VAPID_SUBJECT, default the public URL).
    pub vapid_subject: String,
    /// Seconds a push waits, so a message read at once sends none (PORTAL_PUSH_DELAY_SECONDS, 5).
    pub push_delay_seconds: i64,
    /// The push services the portal sends to (PORTAL_PUSH_SERVICES, comma-separated).
    pub push_services: Vec<String>,
    /// The address replies by email go to (PORTAL_REPLY_ADDRESS, `reply@example.org`):
    /// notification emails carry `reply+<token>@example.org` as their Reply-To.
    pub reply_address: Option<String>,
    /// Where this instance's SMTP listener for replies listens (PORTAL_INBOUND_SMTP_ADDR).
    pub inbound_smtp_addr: Option<SocketAddr>,
    /// The languages offered, the fallback first (PORTAL_LANGUAGES, default all four).
    pub languages: Vec<app::domain::language::Language>,
    /// Where Prometheus reads the metrics without a token (PORTAL_METRICS_ADDR).
    pub metrics_addr: Option<SocketAddr>,
    /// The bearer token for `/metrics` on the portal's own port (PORTAL_METRICS_TOKEN).
    pub metrics_token: Option<String>,
}

/// Every setting: name, default, meaning. `server --help` prints this table (the
/// README's has the same rows).
pub const SETTINGS: &[(&str, &str, &str)] = &[
    ("DATABASE_URL", "(required)", "PostgreSQL to use; migrations are applied at start. Or DATABASE_URL_FILE: a file holding it"),
    ("PORTAL_ADDR", "127.0.0.1:3000", "address and port to listen on"),
    ("PORTAL_PUBLIC_URL", "http://localhost:<port>", "the address members use (http or https, no path); https marks cookies Secure and turns on HSTS"),
    ("PORTAL_TRUST_PROXY", "false", "believe the last hop of X-Forwarded-For (true/false); only behind a proxy that sets it"),
    ("PORTAL_SESSION_DAYS", "30", "a session ends after this many days without use, and after 90 days in any case"),
    ("PORTAL_HEADER_TIMEOUT_SECONDS", "10", "how long a client may take to send a request's headers; also the keep-alive idle time"),
    ("PORTAL_MAX_CONNECTIONS_PER_ADDRESS", "256", "open connections from one client address (not counted behind a trusted proxy)"),
    ("PORTAL_MAX_LIVE_STREAMS", "10000", "live streams one instance holds; beyond, 503 with Retry-After"),
    ("PORTAL_HASH_CONCURRENCY", "the number of cores", "passwords hashed at once (19 MiB each); beyond, a short queue, then 503"),
    ("PORTAL_SITE_ROOT", "target/site", "the built client and public files"),
    ("PORTAL_SMTP_URL", "(none)", "where email goes (smtp://, smtps://); unset, the outbox waits. Or PORTAL_SMTP_URL_FILE"),
    ("PORTAL_MAIL_FROM", "Conversations <no-reply@localhost>", "the From of notification emails"),
    ("PORTAL_EMAIL_BATCH_SECONDS", "600", "batched email: the window of one email per conversation"),
    ("PORTAL_EMAIL_POLL_MS", "1000", "how often an idle email worker checks the outbox"),
    ("PORTAL_EMAIL_MAX_BACKOFF_SECONDS", "300", "longest wait between retries of an email"),
    ("PORTAL_EMAIL_LEASE_SECONDS", "120", "how long an email worker's claim on a batch lasts"),
    ("PORTAL_LIMIT_MESSAGES_PER_MINUTE", "20", "spam limit: messages per member a minute"),
    ("PORTAL_LIMIT_CONVERSATIONS_PER_HOUR", "10", "spam limit: new conversations per member an hour"),
    ("PORTAL_REGISTRATIONS_PER_ADDRESS_HOUR", "10", "accounts one client address (an IPv6 /64) may make in an hour; beyond, 429 with Retry-After"),
    ("PORTAL_EDIT_MINUTES", "15", "minutes after sending during which a member may edit their message (0: never); deleting has no limit"),
    ("PORTAL_ATTACHMENTS_PER_MESSAGE", "5", "files one message may carry (0 turns attaching off)"),
    ("PORTAL_ATTACHMENT_MB", "10", "the largest file a member may attach, in MB (pictures are re-encoded and scaled to 2,560 pixels at most)"),
    ("PORTAL_STORAGE_QUOTA_MB", "500", "what all of one member's files may take, in MB"),
    ("PORTAL_VAPID_PRIVATE_KEY", "(none: no web push)", "the key web pushes are signed with (base64url of a P-256 private key; `server --vapid-key` prints a new one); the same on every instance. Or PORTAL_VAPID_PRIVATE_KEY_FILE"),
    ("PORTAL_VAPID_SUBJECT", "the public URL", "how push services reach whoever runs the portal: a mailto: or https: address"),
    ("PORTAL_PUSH_DELAY_SECONDS", "5", "how long a push waits: a message read meanwhile (in an open tab) sends none"),
    ("PORTAL_PUSH_SERVICES", "fcm.googleapis.com,.push.services.mozilla.com,.notify.windows.com,.push.apple.com", "the push services the portal sends to: hosts, .domains (with their subdomains) or http://host:port origins (tests); a browser subscribed elsewhere is refused"),
    ("PORTAL_REPLY_ADDRESS", "(none: no replies by email)", "members answer notification emails by replying: the emails' Reply-To is reply+<signed token>@ this address's domain; route those to PORTAL_INBOUND_SMTP_ADDR"),
    ("PORTAL_INBOUND_SMTP_ADDR", "(none)", "address and port of this instance's SMTP listener for replies (e.g. 127.0.0.1:2525; your mail server forwards reply+* to it)"),
    ("PORTAL_LANGUAGES", "en,fr,de,es", "the languages the portal offers, comma-separated, the fallback first (en, fr, de, es); a reader gets their choice, else their browser's, else the first; a member's emails and pushes speak theirs"),
    ("PORTAL_VERIFY_EMAIL", "true", "new accounts confirm their email (a link, needs PORTAL_SMTP_URL) before they can sign in; false only for trials and tests"),
    ("PORTAL_METRICS_ADDR", "(none)", "serve Prometheus metrics at http://<this>/metrics, without a token (keep it private)"),
    ("PORTAL_METRICS_TOKEN", "(none)", "serve /metrics on the portal's port to `Authorization: Bearer <token>` (16+ characters). Or PORTAL_METRICS_TOKEN_FILE"),
    ("PORTAL_LOG_FORMAT", "text", "text, or json: one JSON object per line"),
    ("RUST_LOG", "warn,server=info,app=info", "log filter"),
];

/// The command line's help: what the binary takes and every setting.
pub fn help() -> String {
    let mut text = String::from(
        "The Conversations portal server.\n\n\
         Usage: server [--demo] [migrate] | --vapid-key\n\n\
         \x20 --demo    load the demo data (published passwords: never on the internet)\n\
         \x20 migrate   apply the database migrations (and --demo), then exit\n\
         \x20 --vapid-key  print a new key for PORTAL_VAPID_PRIVATE_KEY, then exit\n\
         \x20 --help    this text\n\n\
         Settings (environment variables):\n",
    );
    for (name, default, meaning) in SETTINGS {
        text.push_str(&format!("  {name}\n      {meaning} (default: {default})\n"));
    }
    text
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A secret from `NAME`, or from the file `NAME_FILE` names (systemd credentials,
/// container secrets), so it never has to sit in the environment of a shell.
fn secret(name: &str) -> Result<Option<String>, StartupError> {
    if let Some(value) = var(name) {
        return Ok(Some(value));
    }
    let file_var = format!("{name}_FILE");
    let Some(path) = var(&file_var) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| StartupError::Config(format!("{file_var}: cannot read {path}: {e}")))?;
    Ok(Some(text.trim().to_string()).filter(|v| !v.is_empty()))
}

/// `true`/`false` (also 1/0, yes/no, on/off); anything else is refused.
fn boolean(name: &str) -> Result<bool, StartupError> {
    parse_boolean(name, var(name).as_deref())
}

fn parse_boolean(name: &str, value: Option<&str>) -> Result<bool, StartupError> {
    match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None => Ok(false),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(other) => Err(StartupError::Config(format!(
            "{name}: {other:?} is not true or false"
        ))),
    }
}

/// The public URL: http or https, a host, no path, query or fragment; kept without
/// a trailing slash.
fn public_url(raw: &str) -> Result<String, StartupError> {
    let invalid = |why: &str| {
        StartupError::Config(format!(
            "PORTAL_PUBLIC_URL: {raw:?} {why} (expected e.g. https://portal.example.org)"
        ))
    };
    let url = url::Url::parse(raw.trim()).map_err(|e| invalid(&format!("does not parse: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("is not http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("has no host"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "has a path, query or fragment; the portal is served from the root",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("holds a user name or password"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// The settings this server knows; a `PORTAL_` variable outside them is most
/// likely a typo, and is named in the log.
pub fn unknown_settings() -> Vec<String> {
    let known: Vec<String> = SETTINGS
        .iter()
        .flat_map(|(name, _, _)| [name.to_string(), format!("{name}_FILE")])
        .collect();
    let mut unknown: Vec<String> = std::env::vars()
        .map(|(name, _)| name)
        .filter(|name| name.starts_with("PORTAL_") && !known.contains(name))
        .collect();
    unknown.sort();
    unknown
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
        let database_url = secret("DATABASE_URL")?.ok_or_else(|| {
            StartupError::Config("DATABASE_URL (or DATABASE_URL_FILE) is not set".into())
        })?;
        let addr: SocketAddr = var("PORTAL_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| StartupError::Config(format!("PORTAL_ADDR: {e}")))?;
        let public_url = match var("PORTAL_PUBLIC_URL") {
            Some(raw) => public_url(&raw)?,
            None => {
                let host = if addr.ip().is_loopback() || addr.ip().is_unspecified() {
                    "localhost".to_string()
                } else {
                    addr.ip().to_string()
                };
                format!("http://{host}:{}", addr.port())
            }
        };
        let public_url_for_vapid = public_url.clone();
        let metrics_addr = var("PORTAL_METRICS_ADDR")
            .map(|v| v.parse::<SocketAddr>())
            .transpose()
            .map_err(|e| StartupError::Config(format!("PORTAL_METRICS_ADDR: {e}")))?;
        let metrics_token = secret("PORTAL_METRICS_TOKEN")?;
        let inbound_smtp_addr = var("PORTAL_INBOUND_SMTP_ADDR")
            .map(|v| v.parse::<SocketAddr>())
            .transpose()
            .map_err(|e| StartupError::Config(format!("PORTAL_INBOUND_SMTP_ADDR: {e}")))?;
        let reply_address = var("PORTAL_REPLY_ADDRESS")
            .map(|v| reply_address(&v))
            .transpose()?;
        let languages = match var("PORTAL_LANGUAGES") {
            None => app::domain::language::Language::ALL.to_vec(),
            Some(list) => languages(&list)?,
        };
        if inbound_smtp_addr.is_some() && reply_address.is_none() {
            return Err(StartupError::Config(
                "PORTAL_INBOUND_SMTP_ADDR needs PORTAL_REPLY_ADDRESS (the address replies go to)"
                    .into(),
            ));
        }
        if metrics_token.as_ref().is_some_and(|t| t.len() < 16) {
            return Err(StartupError::Config(
                "PORTAL_METRICS_TOKEN: use at least 16 characters".into(),
            ));
        }
        match var("PORTAL_LOG_FORMAT").as_deref() {
            None | Some("text") | Some("json") => {}
            Some(other) => {
                return Err(StartupError::Config(format!(
                    "PORTAL_LOG_FORMAT: {other:?} is not text or json"
                )))
            }
        }
        let session_days = var("PORTAL_SESSION_DAYS")
            .map(|v| v.parse::<i64>())
            .transpose()
            .map_err(|e| StartupError::Config(format!("PORTAL_SESSION_DAYS: {e}")))?
            .unwrap_or(30);
        if session_days < 1 {
            return Err(StartupError::Config(
                "PORTAL_SESSION_DAYS: at least 1".into(),
            ));
        }
        let email_batch_seconds = number::<i64>("PORTAL_EMAIL_BATCH_SECONDS")?
            .unwrap_or(600)
            .max(0);
        Ok(Self {
            database_url,
            email_batch_seconds,
            smtp_url: secret("PORTAL_SMTP_URL")?,
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
            header_timeout_seconds: number("PORTAL_HEADER_TIMEOUT_SECONDS")?
                .unwrap_or(10)
                .max(1),
            connections_per_address: number("PORTAL_MAX_CONNECTIONS_PER_ADDRESS")?.unwrap_or(256),
            max_live_streams: number("PORTAL_MAX_LIVE_STREAMS")?.unwrap_or(10_000),
            addr,
            public_url,
            site_root: var("PORTAL_SITE_ROOT").unwrap_or_else(|| "target/site".into()),
            trust_proxy: boolean("PORTAL_TRUST_PROXY")?,
            verify_email: var("PORTAL_VERIFY_EMAIL").is_none() || boolean("PORTAL_VERIFY_EMAIL")?,
            edit_minutes: number::<i64>("PORTAL_EDIT_MINUTES")?
                .unwrap_or(15)
                .clamp(0, 7 * 24 * 60),
            attachments: app::domain::attachment::AttachmentRules {
                per_message: number::<usize>("PORTAL_ATTACHMENTS_PER_MESSAGE")?
                    .unwrap_or(5)
                    .min(20),
                file_bytes: number::<u64>("PORTAL_ATTACHMENT_MB")?
                    .unwrap_or(10)
                    .clamp(1, 100)
                    * 1000
                    * 1000,
                quota_bytes: number::<u64>("PORTAL_STORAGE_QUOTA_MB")?
                    .unwrap_or(500)
                    .min(1_000_000)
                    * 1000
                    * 1000,
            },
            registrations_per_address_hour: number::<i64>("PORTAL_REGISTRATIONS_PER_ADDRESS_HOUR")?
                .unwrap_or(10)
                .max(1),
            session_days,
            vapid_private_key: secret("PORTAL_VAPID_PRIVATE_KEY")?,
            vapid_subject: var("PORTAL_VAPID_SUBJECT")
                .unwrap_or_else(|| public_url_for_vapid.clone()),
            push_delay_seconds: number::<i64>("PORTAL_PUSH_DELAY_SECONDS")?
                .unwrap_or(5)
                .clamp(0, 3600),
            push_services: var("PORTAL_PUSH_SERVICES").map_or_else(
                || {
                    app::backend::state::PUSH_SERVICES
                        .iter()
                        .map(|s| s.to_string())
                        .collect()
                },
                |list| {
                    list.split(',')
                        .map(|s| s.trim().to_ascii_lowercase())
                        .filter(|s| !s.is_empty())
                        .collect()
                },
            ),
            reply_address,
            inbound_smtp_addr,
            languages,
            metrics_addr,
            metrics_token,
        })
    }

    /// The client's file names: the site build (`.ci/portal.sh`) puts them in a folder
    /// named after a hash of their content, `pkg/app-<hash>/app.js`, `…_bg.wasm`,
    /// `….css` and the parts loaded on demand, and writes `app-<hash>/app` to
    /// `pkg/output-name`, so browsers may cache them for a year. A site
    /// built without it (by hand, for development) keeps the plain name `app`.
    pub fn output_name(&self) -> String {
        std::fs::read_to_string(Path::new(&self.site_root).join("pkg/output-name"))
            .ok()
            .map(|name| name.trim().to_owned())
            .filter(|name| is_client_name(name))
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
            reply_address: self.reply_address.clone(),
            language: self.languages.first().copied().unwrap_or_default(),
        })
    }

    /// What the accept loop allows, under the process's open-file limit.
    pub fn serve_limits(&self, file_limit: u64, pool_size: u32) -> crate::serve::ServeLimits {
        crate::serve::ServeLimits {
            header_timeout: std::time::Duration::from_secs(self.header_timeout_seconds),
            per_address: (!self.trust_proxy).then_some(self.connections_per_address),
            total: crate::serve::connections_under(file_limit, pool_size),
        }
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

    /// The push worker's settings, when web push is configured.
    pub fn pusher(&self) -> Result<Option<crate::pusher::PusherConfig>, StartupError> {
        let Some(private) = &self.vapid_private_key else {
            return Ok(None);
        };
        let key = crate::pusher::vapid_key(private)
            .map_err(|e| StartupError::Config(format!("PORTAL_VAPID_PRIVATE_KEY: {e}")))?;
        Ok(Some(crate::pusher::PusherConfig {
            key,
            subject: self.vapid_subject.clone(),
            poll: std::time::Duration::from_millis(self.email_poll_ms.clamp(10, 1000)),
            lease_seconds: self.email_lease_seconds,
            max_backoff_seconds: self.email_max_backoff_seconds,
            push: self.push_config(),
            language: self.languages.first().copied().unwrap_or_default(),
        }))
    }

    fn push_config(&self) -> app::backend::state::PushConfig {
        app::backend::state::PushConfig {
            public_key: self
                .vapid_private_key
                .as_deref()
                .and_then(|private| crate::pusher::vapid_key(private).ok())
                .map(|key| crate::pusher::public_key(&key)),
            delay_seconds: self.push_delay_seconds,
            services: self.push_services.clone(),
        }
    }

    pub fn settings(&self) -> Settings {
        Settings {
            public_url: self.public_url.clone(),
            trust_proxy: self.trust_proxy,
            session_days: self.session_days,
            email_batch_seconds: self.email_batch_seconds,
            limits: self.limits,
            registrations_per_address_hour: self.registrations_per_address_hour,
            verify_email: self.verify_email,
            edit_seconds: self.edit_minutes * 60,
            attachments: self.attachments,
            push: self.push_config(),
            reply_address: self.reply_address.clone(),
            languages: self.languages.clone(),
        }
    }
}

/// `en,fr`: known codes, none twice, at least one.
fn languages(list: &str) -> Result<Vec<app::domain::language::Language>, StartupError> {
    let mut found = Vec::new();
    for code in list.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let language = app::domain::language::Language::from_code(code)
            .filter(|l| l.code() == code.to_ascii_lowercase())
            .ok_or_else(|| {
                StartupError::Config(format!(
                    "PORTAL_LANGUAGES: {code:?} is not one of en, fr, de, es"
                ))
            })?;
        if !found.contains(&language) {
            found.push(language);
        }
    }
    if found.is_empty() {
        return Err(StartupError::Config(
            "PORTAL_LANGUAGES: name at least one language".into(),
        ));
    }
    Ok(found)
}

/// The reply address: a plain `local@domain`, without a `+` (the portal adds its own).
fn reply_address(raw: &str) -> Result<String, StartupError> {
    let raw = raw.trim();
    let ok = raw.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.is_empty()
            && !domain.contains('@')
            && raw.len() <= 200
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
    });
    if ok {
        Ok(raw.to_ascii_lowercase())
    } else {
        Err(StartupError::Config(format!(
            "PORTAL_REPLY_ADDRESS: {raw:?} is not a plain address like reply@portal.example.org (no +, no name)"
        )))
    }
}

/// `app-<hash>/app` or `app`: at most one folder, no way out of pkg/.
fn is_client_name(name: &str) -> bool {
    name.split('/').count() <= 2
        && name.split('/').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_name_stays_inside_its_folder() {
        for good in ["app", "app-0123456789abcdef/app"] {
            assert!(is_client_name(good), "{good}");
        }
        for bad in [
            "",
            "/app",
            "app/",
            "../app",
            "a/b/app",
            "app-1/../app",
            "app x",
            "app-1//app",
        ] {
            assert!(!is_client_name(bad), "{bad} should be refused");
        }
    }

    #[test]
    fn a_public_url_is_an_http_or_https_origin() {
        assert_eq!(
            public_url("https://portal.example.org/").unwrap(),
            "https://portal.example.org"
        );
        assert_eq!(
            public_url("http://127.0.0.1:3000").unwrap(),
            "http://127.0.0.1:3000"
        );
        for bad in [
            "portal.example.org",
            "ftp://portal.example.org",
            "https://",
            "https://portal.example.org/community",
            "https://portal.example.org/?x=1",
            "https://user:pass@portal.example.org",
            "https://portal example.org",
        ] {
            assert!(public_url(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn booleans_are_words_not_guesses() {
        for yes in ["1", "true", "TRUE", "yes", "on"] {
            assert!(parse_boolean("X", Some(yes)).unwrap(), "{yes}");
        }
        for no in ["0", "false", "no", "off"] {
            assert!(!parse_boolean("X", Some(no)).unwrap(), "{no}");
        }
        assert!(!parse_boolean("X", None).unwrap());
        assert!(parse_boolean("X", Some("ture")).is_err());
    }

    #[test]
    fn the_help_names_every_setting() {
        let help = help();
        for (name, _, _) in SETTINGS {
            assert!(help.contains(name), "{name}");
        }
    }
}
