//! Replies by email (server only): the reply address each notification email
//! carries (`address`), reading a received email (`read`), and posting it or
//! saying why not (`receive`). The SMTP listener itself is the server binary's.

mod address;
mod read;
mod receive;

pub use address::{read_reply_address, reply_address, site_key, ReplyToken};
pub use read::{new_text, read_email, InboundEmail};
pub use receive::{receive_email, Envelope, Received};

use crate::error::AppError;
use sqlx::PgPool;

/// Turns off every reply address a member was ever sent.
pub async fn revoke_reply_addresses(pool: &PgPool, member_id: i64) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE members SET reply_generation = reply_generation + 1 WHERE id = $1",
        member_id
    )
    .execute(pool)
    .await?;
    Ok(())
}
