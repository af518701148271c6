//! A reply by email, from the SMTP listener to the thread: the reply address
//! names the member and the conversation, the sender must be that member, and the
//! text is posted by the same function as the thread's form (the same checks,
//! spam limits and live delivery). A refusal is answered by one short email to
//! the member, with their text; machines, strangers and forgers get nothing.

use super::address::{read_reply_address, site_key, ReplyToken};
use super::read::{read_email, InboundEmail};
use crate::backend::conversations::{reply, Reply};
use crate::backend::state::Settings;
use crate::error::AppError;
use crate::model::account::{Role, Viewer};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

/// What the SMTP conversation carried besides the email.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// `MAIL FROM`; empty for bounces.
    pub mail_from: String,
    pub recipients: Vec<String>,
}

/// What became of an email (for the log and the tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Posted in the conversation (or had been, for a redelivery).
    Posted {
        conversation_id: i64,
        message_id: i64,
    },
    /// Not posted; the member was told why (unless told already).
    Refused { conversation_id: i64 },
    /// Seen before (same Message-ID): nothing done again.
    Duplicate,
    /// Dropped without an answer: why, for the log.
    Ignored(&'static str),
}

/// Most reply addresses one email may answer at once.
const RECIPIENTS: usize = 3;
/// Refusal emails one member gets in an hour: a flood of bad replies (or of
/// forgeries through a leaked address) cannot turn the portal into a mail cannon.
const REFUSALS_PER_HOUR: i64 = 5;
/// Their text, sent back with a refusal, is cut here.
const RETURNED_TEXT_CHARS: usize = 5_000;

pub async fn receive_email(
    pool: &PgPool,
    settings: &Settings,
    envelope: &Envelope,
    raw: &[u8],
) -> Result<Vec<Received>, AppError> {
    let Some(base) = settings.reply_address.as_deref() else {
        return Ok(vec![Received::Ignored("replies by email are off")]);
    };
    let Some(email) = read_email(raw) else {
        return Ok(vec![Received::Ignored("not an email")]);
    };
    if email.automatic || envelope.mail_from.trim().is_empty() {
        return Ok(vec![Received::Ignored("sent by a machine")]);
    }
    let key = site_key(pool).await?;
    let mut tokens: Vec<ReplyToken> = Vec::new();
    for recipient in &envelope.recipients {
        if let Some(token) = read_reply_address(&key, base, recipient) {
            if !tokens.contains(&token) && tokens.len() < RECIPIENTS {
                tokens.push(token);
            }
        }
    }
    if tokens.is_empty() {
        return Ok(vec![Received::Ignored("no valid reply address")]);
    }
    // Without a Message-ID, the email itself identifies a redelivery.
    let message_id = email
        .message_id
        .clone()
        .unwrap_or_else(|| hex::encode(Sha256::digest(raw)));
    let mut outcomes = Vec::new();
    for token in tokens {
        outcomes.push(receive_one(pool, settings, &email, &message_id, token).await?);
    }
    Ok(outcomes)
}

/// The member a reply address names, if they can still use the portal.
struct Member {
    viewer: Viewer,
    email: String,
    generation: i32,
}

async fn member(pool: &PgPool, member_id: i64) -> Result<Option<Member>, AppError> {
    Ok(sqlx::query!(
        "SELECT id, handle, display_name, role, avatar, email, reply_generation
         FROM members WHERE id = $1 AND suspended_at IS NULL AND deleted_at IS NULL",
        member_id
    )
    .fetch_optional(pool)
    .await?
    .map(|m| Member {
        viewer: Viewer {
            id: m.id,
            handle: m.handle,
            display_name: m.display_name,
            role: Role::from_db(&m.role),
            avatar: m.avatar,
        },
        email: m.email,
        generation: m.reply_generation,
    }))
}

async fn receive_one(
    pool: &PgPool,
    settings: &Settings,
    email: &InboundEmail,
    message_id: &str,
    token: ReplyToken,
) -> Result<Received, AppError> {
    let Some(member) = member(pool, token.member_id).await? else {
        return Ok(Received::Ignored("the member cannot use the portal"));
    };
    // The address is the secret; the sender is checked as well, so an address
    // that leaked (a forwarded notification) is useless to anyone else.
    if email.from.as_deref() != Some(member.email.to_lowercase().as_str()) {
        return Ok(Received::Ignored("the sender is not the member"));
    }
    let email_key = hex::encode(Sha256::digest(format!(
        "{message_id}\n{}",
        token.conversation_id
    )));
    let seen = sqlx::query_scalar!(
        "SELECT outcome FROM email_replies WHERE email_key = $1",
        email_key
    )
    .fetch_optional(pool)
    .await?;
    if seen.is_some() {
        return Ok(Received::Duplicate);
    }
    let refuse = |why: Why| Refusal {
        member: &member,
        conversation_id: token.conversation_id,
        email_key: &email_key,
        why,
        text: &email.text,
    };
    if token.generation != member.generation {
        return refuse(Why::AddressOff).send(pool, settings).await;
    }
    if email.text.trim().is_empty() {
        return refuse(Why::NoText).send(pool, settings).await;
    }
    let idempotency_key = format!("email-{}", &email_key[..40]);
    let posted = reply(
        pool,
        &member.viewer,
        token.conversation_id,
        Reply {
            body: &email.text,
            key: &idempotency_key,
            reply_to: None,
            attachments: "",
        },
        settings,
    )
    .await;
    match posted {
        Ok(message) => {
            sqlx::query!(
                "INSERT INTO email_replies (email_key, member_id, conversation_id, outcome)
                 VALUES ($1, $2, $3, 'posted') ON CONFLICT (email_key) DO NOTHING",
                email_key,
                member.viewer.id,
                token.conversation_id
            )
            .execute(pool)
            .await?;
            Ok(Received::Posted {
                conversation_id: token.conversation_id,
                message_id: message.id,
            })
        }
        Err(AppError::Invalid(errors)) => {
            let why = match errors
                .problem("body")
                .or_else(|| errors.problem("reply_to"))
            {
                Some(problem) => Why::Error(AppError::Refused(problem.clone())),
                None => Why::NotPosted,
            };
            refuse(why).send(pool, settings).await
        }
        Err(AppError::NotFound) => refuse(Why::CannotWrite).send(pool, settings).await,
        Err(refused @ (AppError::Refused(_) | AppError::TooFast(_) | AppError::Forbidden)) => {
            refuse(Why::Error(refused)).send(pool, settings).await
        }
        // The database or the like: the SMTP listener answers "try later", and
        // the sending server keeps the email and delivers it again.
        Err(other) => Err(other),
    }
}

/// Why a reply was not posted, worded in the member's language when the email
/// that says so is written.
enum Why {
    AddressOff,
    NoText,
    CannotWrite,
    NotPosted,
    Error(AppError),
}

impl Why {
    fn words(&self, words: crate::i18n::Words) -> String {
        use crate::i18n::k;
        match self {
            Why::AddressOff => words.t(k::sent_refused_address_off).into(),
            Why::NoText => words.t(k::sent_refused_no_text).into(),
            Why::CannotWrite => words.t(k::sent_refused_cannot_write).into(),
            Why::NotPosted => words.t(k::sent_refused_not_posted).into(),
            Why::Error(error) => error.words(words),
        }
    }
}

/// A reply that was not posted, and the email that says why.
struct Refusal<'a> {
    member: &'a Member,
    conversation_id: i64,
    email_key: &'a str,
    why: Why,
    text: &'a str,
}

impl Refusal<'_> {
    /// Records the refusal and, the first time and within the hourly bound,
    /// queues the email that says why, in one transaction: a redelivered email is
    /// never answered twice.
    async fn send(self, pool: &PgPool, settings: &Settings) -> Result<Received, AppError> {
        let mut tx = pool.begin().await?;
        let recorded = sqlx::query!(
            r#"WITH recorded AS (
                 INSERT INTO email_replies (email_key, member_id, conversation_id, outcome)
                 SELECT $1, $2, $3, 'refused'
                 WHERE EXISTS (SELECT 1 FROM conversations WHERE id = $3)
                 ON CONFLICT (email_key) DO NOTHING
                 RETURNING 1
               )
               SELECT (SELECT count(*) FROM email_replies
                       WHERE member_id = $2 AND outcome = 'refused'
                         AND received_at > now() - interval '1 hour') AS "earlier!",
                      EXISTS (SELECT 1 FROM recorded) AS "new!""#,
            self.email_key,
            self.member.viewer.id,
            self.conversation_id
        )
        .fetch_one(&mut *tx)
        .await?;
        if recorded.new && recorded.earlier < REFUSALS_PER_HOUR {
            let text: String = self.text.chars().take(RETURNED_TEXT_CHARS).collect();
            crate::backend::notifications::queue_reply_refused(
                &mut tx,
                (&self.member.email, &self.member.viewer.display_name),
                |words| self.why.words(words),
                &text,
                &format!(
                    "{}/conversations/{}",
                    settings.public_url.trim_end_matches('/'),
                    self.conversation_id
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Received::Refused {
            conversation_id: self.conversation_id,
        })
    }
}
