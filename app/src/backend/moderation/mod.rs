//! Code of conduct enforcement (server only): reports, blocks, "who may message
//! me", the moderators' queue, actions and audit log, warnings, and the spam limits
//! on sending (counted from the database so they hold across every server
//! instance). Who may do each of these is decided in `permissions`.

mod act;
mod audit_log;
mod blocks;
mod limits;
mod privacy;
mod queue;
mod reports;
mod suspension;

pub use act::act;
pub use audit_log::log;
pub use blocks::{has_blocked, set_block};
pub use limits::{check_action_rate, check_send_rate};
pub use privacy::{acknowledge, privacy, save_policy, save_read_receipts, warnings};
pub use queue::queue;
pub use reports::report;
pub use suspension::{lift_suspension, suspend_member};
