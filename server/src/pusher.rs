//! The push worker: turns due rows of the push outbox into Web Push requests
//! (encrypted for the browser, RFC 8291; signed with the portal's VAPID key,
//! RFC 8292) and hands them to each browser's push service. Runs in every
//! instance; rows are claimed with a lease, so instances share the work.

use app::backend::notifications::push::{self, ClaimedPush};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sqlx::PgPool;
use std::time::Duration;
use tokio::sync::watch;
use web_push_native::jwt_simple::algorithms::{ECDSAP256KeyPairLike as _, ES256KeyPair};
use web_push_native::{p256, Auth, WebPushBuilder};

/// Pushes claimed per round, and sent at once.
const BATCH: i64 = 32;

pub struct PusherConfig {
    pub key: ES256KeyPair,
    /// Who runs the portal, for the push services (`mailto:` or `https:`).
    pub subject: String,
    pub poll: Duration,
    pub lease_seconds: i64,
    pub max_backoff_seconds: i64,
    /// Which push services to send to, checked again at sending.
    pub push: app::backend::state::PushConfig,
    /// The language of a member who has none (the portal's first).
    pub language: app::domain::language::Language,
}

/// The VAPID key pair from its private key (base64url of the 32-byte scalar).
pub fn vapid_key(private: &str) -> Result<ES256KeyPair, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(private.trim().trim_end_matches('='))
        .map_err(|_| "not base64url".to_string())?;
    ES256KeyPair::from_bytes(&bytes).map_err(|_| "not a P-256 private key".to_string())
}

/// A new VAPID key: (private, public), base64url.
pub fn new_vapid_key() -> (String, String) {
    let key = ES256KeyPair::generate();
    (URL_SAFE_NO_PAD.encode(key.to_bytes()), public_key(&key))
}

/// What browsers subscribe with: the public key, an uncompressed point, base64url.
pub fn public_key(key: &ES256KeyPair) -> String {
    URL_SAFE_NO_PAD.encode(key.key_pair().public_key().to_bytes_uncompressed())
}

pub struct Pusher {
    config: PusherConfig,
    client: reqwest::Client,
}

/// What became of one push.
enum Outcome {
    Sent,
    /// Nothing to send any more (read, muted, left…).
    Skipped,
    /// The push service says the subscription is no more.
    Gone,
    Retry,
}

impl Pusher {
    pub fn new(config: PusherConfig) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self { config, client })
    }

    pub async fn run(self, pool: PgPool, closing: watch::Receiver<bool>) {
        let poll = self.config.poll;
        crate::outbox_worker::run_rounds("push", poll, BATCH as usize, closing, || {
            self.round(&pool)
        })
        .await
    }

    /// Claims one batch of due pushes and sends them together; returns how many.
    pub async fn round(&self, pool: &PgPool) -> Result<usize, app::error::AppError> {
        let claimed = push::claim_due_pushes(pool, BATCH, self.config.lease_seconds).await?;
        let outcomes = futures_util::future::join_all(claimed.iter().map(|row| async move {
            let outcome = match push::compose_push(pool, row, self.config.language).await {
                Ok(Some(message)) => self.send(row, &message).await,
                Ok(None) => Outcome::Skipped,
                Err(error) => {
                    tracing::warn!(%error, "composing a push failed");
                    Outcome::Retry
                }
            };
            (row, outcome)
        }))
        .await;
        for (row, outcome) in outcomes {
            match outcome {
                Outcome::Sent => push::push_done(pool, row, true).await?,
                Outcome::Skipped => push::push_done(pool, row, false).await?,
                Outcome::Gone => push::forget_subscription(pool, row.subscription_id).await?,
                Outcome::Retry => {
                    push::push_later(pool, row, self.config.max_backoff_seconds).await?
                }
            }
        }
        Ok(claimed.len())
    }

    async fn send(&self, row: &ClaimedPush, message: &push::Push) -> Outcome {
        if !self.config.push.accepts(&row.endpoint) {
            return Outcome::Gone;
        }
        let request = match self.request(row, message) {
            Ok(request) => request,
            Err(error) => {
                // A subscription whose keys cannot be used will never work.
                tracing::warn!(%error, subscription = row.subscription_id, "unusable push subscription");
                return Outcome::Gone;
            }
        };
        let (parts, body) = request.into_parts();
        let mut call = self
            .client
            .post(parts.uri.to_string())
            .body(body)
            // Urgent enough to wake a phone; one topic per conversation, so a
            // push service replaces an undelivered one with the newer.
            .header("Urgency", "high")
            .header("Topic", format!("c{}", row.conversation_id));
        for (name, value) in &parts.headers {
            call = call.header(name, value);
        }
        match call.send().await {
            Ok(answer) => match answer.status().as_u16() {
                200..=299 => Outcome::Sent,
                404 | 410 => Outcome::Gone,
                429 | 500..=599 => Outcome::Retry,
                status => {
                    tracing::warn!(
                        status,
                        subscription = row.subscription_id,
                        "a push service refused a push"
                    );
                    Outcome::Skipped
                }
            },
            Err(error) => {
                tracing::info!(%error, "a push service could not be reached; will retry");
                Outcome::Retry
            }
        }
    }

    fn request(
        &self,
        row: &ClaimedPush,
        message: &push::Push,
    ) -> Result<http::Request<Vec<u8>>, String> {
        let ua_public = URL_SAFE_NO_PAD
            .decode(&row.p256dh)
            .ok()
            .and_then(|bytes| p256::PublicKey::from_sec1_bytes(&bytes).ok())
            .ok_or("the browser's key is not a P-256 point")?;
        let auth = URL_SAFE_NO_PAD
            .decode(&row.auth)
            .ok()
            .filter(|bytes| bytes.len() == 16)
            .map(|bytes| Auth::clone_from_slice(&bytes))
            .ok_or("the browser's secret is not 16 bytes")?;
        let endpoint = row.endpoint.parse().map_err(|_| "not an address")?;
        let payload = serde_json::to_vec(message).map_err(|e| e.to_string())?;
        WebPushBuilder::new(endpoint, ua_public, auth)
            .with_valid_duration(Duration::from_secs(24 * 3600))
            .with_vapid(&self.config.key, &self.config.subject)
            .build(payload)
            .map_err(|e| e.to_string())
    }
}
