//! The code of conduct as the pages show it: reports, the queue, the audit log, privacy and warnings.

use super::conversation::PartyView;
use crate::domain::moderation::{MessagePolicy, ReportReason};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A message as a moderator sees it in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueMessage {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// The message the report is about (the others are its context).
    pub reported: bool,
    pub removed: bool,
    /// What its author did to it since: the reported message is shown as it
    /// was reported.
    #[serde(default)]
    pub since: Option<AuthorChange>,
}

/// What a message's author did to it after it was reported (or, for the
/// context, that it is gone); the page words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorChange {
    /// The reported message, deleted since: shown as it was reported.
    DeletedSince,
    /// The reported message, edited since: shown as it was reported.
    EditedSince,
    /// A message around it, deleted: not shown.
    Deleted,
}

/// Who wrote a reported message, when they deleted their account since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedAuthor {
    pub name: String,
    pub handle: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportView {
    pub id: i64,
    pub reason: ReportReason,
    pub note: String,
    pub reported_at: DateTime<Utc>,
    pub reporter: String,
    pub author: PartyView,
    /// The author's name and handle when they deleted their account since (a
    /// report keeps who wrote the message).
    #[serde(default)]
    pub author_deleted: Option<DeletedAuthor>,
    /// The reported message with up to two messages before and after it, oldest
    /// first: only that much of a private conversation is shown to a moderator.
    pub context: Vec<QueueMessage>,
    /// Other open reports about the same message.
    pub other_reports: i64,
    /// The reported message's pictures and files (kept for review even if its
    /// author deleted it since).
    #[serde(default)]
    pub files: Vec<crate::model::conversation::AttachmentView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub moderator: String,
    /// `moderation_log.action`: "suspend", "close_group", ... (the page words it).
    pub action: String,
    /// The member acted on (the reported message's author, the one given a role).
    pub member: Option<String>,
    /// The group acted on (closed, given a manager).
    pub group: Option<String>,
    pub report_reason: Option<ReportReason>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivacySettings {
    pub policy: MessagePolicy,
    pub blocked: Vec<PartyView>,
    /// Others see how far the member has read ("Seen by"), and they see theirs.
    #[serde(default)]
    pub share_read_state: bool,
}

/// A moderator's warning, shown to its member until acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningView {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The start of the message it was about.
    pub excerpt: String,
}
