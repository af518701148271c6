//! The email worker: drains the outbox that message sends fill (see
//! `app::backend::notifications`). Every instance runs one; rows are claimed with
//! `FOR UPDATE SKIP LOCKED` and a lease, so two instances never send the same email,
//! and an email whose SMTP server is down stays in the outbox and is retried with
//! growing waits until it goes out.

use app::backend::notifications::{self, AccountEmail, Claimed, Email};
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::PgPool;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Clone)]
pub struct MailerConfig {
    pub smtp_url: String,
    pub from: String,
    pub public_url: String,
    pub batch_seconds: i64,
    /// How often the outbox is checked when it was empty.
    pub poll: Duration,
    /// Longest wait between two attempts at one email.
    pub max_backoff_seconds: i64,
    /// A claim on a batch lasts this long: longer than the batch's SMTP
    /// conversations may take, so a live worker never loses its claim.
    pub lease_seconds: i64,
    /// Replies by email: the base reply address (see `app::backend::email_replies`).
    pub reply_address: Option<String>,
    /// The language of a member who has none (the portal's first).
    pub language: app::domain::language::Language,
}

/// Rows claimed per round.
const BATCH: i64 = 20;
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("SMTP URL: {0}")]
    Url(#[from] lettre::transport::smtp::Error),
    #[error("From address: {0}")]
    From(#[from] lettre::address::AddressError),
}

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    config: MailerConfig,
}

impl Mailer {
    pub fn new(config: MailerConfig) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.smtp_url)?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Self {
            transport,
            from: config.from.parse()?,
            config,
        })
    }

    /// Runs until `closing` turns true.
    pub async fn run(self, pool: PgPool, closing: watch::Receiver<bool>) {
        let poll = self.config.poll;
        crate::outbox_worker::run_rounds("email", poll, BATCH as usize, closing, || {
            self.round(&pool)
        })
        .await
    }

    /// Claims and handles one batch of due rows (account emails first: someone
    /// is waiting for their link); returns how many.
    pub async fn round(&self, pool: &PgPool) -> Result<usize, app::error::AppError> {
        let account =
            notifications::claim_account_emails(pool, BATCH, self.config.lease_seconds).await?;
        for email in &account {
            self.send_account_email(pool, email).await?;
        }
        let claimed = notifications::claim_due(pool, BATCH, self.config.lease_seconds).await?;
        for row in &claimed {
            self.handle(pool, row).await?;
        }
        Ok(claimed.len() + account.len())
    }

    async fn send_account_email(
        &self,
        pool: &PgPool,
        email: &AccountEmail,
    ) -> Result<(), app::error::AppError> {
        let message = match self.build_account_email(email) {
            Ok(message) => message,
            Err(error) => {
                tracing::warn!(%error, account_email = email.id, "could not build an account email; dropped");
                return notifications::account_email_done(pool, email).await;
            }
        };
        match self.transport.send(message).await {
            Ok(_) => notifications::account_email_done(pool, email).await,
            Err(error) if error.is_permanent() => {
                tracing::warn!(%error, account_email = email.id, "the SMTP server refused an account email for good; dropped");
                notifications::account_email_done(pool, email).await
            }
            Err(error) => {
                tracing::info!(%error, account_email = email.id, "account email not sent yet; will retry");
                notifications::account_email_later(pool, email, self.config.max_backoff_seconds)
                    .await
            }
        }
    }

    fn build_account_email(
        &self,
        email: &AccountEmail,
    ) -> Result<Message, Box<dyn std::error::Error + Send + Sync>> {
        let to = Mailbox::new(Some(email.to_name.clone()), email.to_address.parse()?);
        Ok(Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))?)
    }

    async fn handle(&self, pool: &PgPool, row: &Claimed) -> Result<(), app::error::AppError> {
        let email = match notifications::compose(
            pool,
            row,
            (&self.config.public_url, self.config.language),
            self.config.reply_address.as_deref(),
        )
        .await
        {
            Ok(email) => email,
            Err(error) => {
                tracing::warn!(%error, outbox = row.id, "could not compose an email; will retry");
                return notifications::retry_later(pool, row, self.config.max_backoff_seconds)
                    .await;
            }
        };
        let Some(email) = email else {
            // Read meanwhile, muted, turned off, or no longer theirs to see.
            return notifications::finish(pool, row, self.config.batch_seconds).await;
        };
        let message = match self.build(&email) {
            Ok(message) => message,
            Err(error) => {
                tracing::warn!(%error, outbox = row.id, "could not build an email; dropped");
                return notifications::finish(pool, row, self.config.batch_seconds).await;
            }
        };
        match self.transport.send(message).await {
            Ok(_) => notifications::finish(pool, row, self.config.batch_seconds).await,
            Err(error) if error.is_permanent() => {
                tracing::warn!(%error, outbox = row.id, "the SMTP server refused an email for good; dropped");
                notifications::finish(pool, row, self.config.batch_seconds).await
            }
            Err(error) => {
                tracing::info!(%error, outbox = row.id, attempts = row.attempts, "email not sent yet; will retry");
                notifications::retry_later(pool, row, self.config.max_backoff_seconds).await
            }
        }
    }

    fn build(&self, email: &Email) -> Result<Message, Box<dyn std::error::Error + Send + Sync>> {
        let to = Mailbox::new(Some(email.to_name.clone()), email.to_address.parse()?);
        let mut builder = Message::builder().from(self.from.clone());
        if let Some(reply_to) = &email.reply_to {
            builder = builder.reply_to(Mailbox::new(None, reply_to.parse()?));
        }
        Ok(builder
            .to(to)
            .subject(email.subject.clone())
            .message_id(Some(email.message_id.clone()))
            .header(ListUnsubscribe(format!("<{}>", email.settings_url)))
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))?)
    }
}

/// `List-Unsubscribe`: mail programs show an unsubscribe button that opens the
/// notification settings.
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}
