//! Pictures and files attached to messages (server only).
//!
//! An upload is checked (name, size, then content), a picture re-encoded
//! (`prepare`), and stored pending for its uploader in one conversation
//! (`upload`) until the message it goes with takes it (`claim`). Only the
//! conversation's current participants read it (`permissions::readable_file`),
//! and a deleted or removed message's files go with it (`erase`). The bytes live
//! behind one interface (`store`).

mod claim;
mod erase;
mod prepare;
mod read;
mod store;
mod upload;

pub use claim::claim;
pub use erase::{discard_pending, erase_with_message};
pub use prepare::{prepare, Prepared};
pub use read::{attachments_of, files_for_review, pending_of};
pub use store::FileStore;
pub use upload::store_upload;

/// Why an upload was refused: the problem, worded in the member's language
/// where it is answered, and a short code for a page reached without
/// JavaScript (`?attach=<code>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: crate::i18n::Problem,
}

impl Refusal {
    pub fn new(code: &'static str, message: impl Into<crate::i18n::Problem>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}
