//! Notifications (server only): who hears about a new message and how
//! (`fan_out`), each member's settings (`settings`), the in-app menu (`in_app`),
//! and the email outbox (`outbox`) whose rows the server's mail worker turns into
//! emails (`email`).
//!
//! Every decision about one recipient of one message is made once, in `fan_out`,
//! inside the transaction that stores the message; the email is checked again
//! when it goes out (`email::compose`).

mod access;
mod account_email;
mod email;
mod fan_out;
mod in_app;
mod outbox;
pub mod push;
mod settings;

pub use account_email::{
    account_email_done, account_email_later, claim_account_emails, queue_account_deleted,
    queue_already_registered, queue_email_change_asked, queue_email_change_link,
    queue_email_changed, queue_join_request, queue_password_reset, queue_reply_refused,
    queue_verification, AccountEmail,
};
pub use email::{compose, render_email, Email, EmailMessage, RenderInput};
pub use fan_out::fan_out;

/// How long notifications of a message wait: batched email gathers messages for
/// `email_batch_seconds`; a push waits `push_delay_seconds`, so a message read at
/// once in an open tab buzzes no phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waits {
    pub email_batch_seconds: i64,
    pub push_delay_seconds: i64,
}
pub use in_app::in_app_list;
pub use outbox::{claim_due, finish, retry_later, Claimed};
pub use settings::{save_settings, set_muted, settings};
