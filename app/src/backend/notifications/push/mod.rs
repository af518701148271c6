//! Web push (issue 18): the browsers a member turned notifications on in
//! (`subscriptions`), the pushes written by the fan-out in the send's
//! transaction (`outbox`), and what one says, decided again when it goes out by
//! the rules email follows (`compose`). The server's push worker encrypts and
//! signs each (RFC 8291, RFC 8292) and hands it to the browser's push service.

mod compose;
mod outbox;
mod subscriptions;

pub use compose::{compose_push, Push};
pub use outbox::{claim_due_pushes, push_done, push_later, ClaimedPush};
pub use subscriptions::{
    forget_subscription, push_choices, push_devices, remove_device, save_push_choices, subscribe,
};
