//! Notification settings and the in-app notifications menu.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a member wants email about new messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailMode {
    Off,
    /// One email per message.
    Each,
    /// At most one email per conversation per batching window, listing every new
    /// message (the default).
    Batched,
}

impl EmailMode {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailMode::Off => "off",
            EmailMode::Each => "each",
            EmailMode::Batched => "batched",
        }
    }

    pub fn parse(value: &str) -> Result<Self, crate::i18n::Problem> {
        match value {
            "off" => Ok(EmailMode::Off),
            "each" => Ok(EmailMode::Each),
            "batched" => Ok(EmailMode::Batched),
            _ => Err(crate::i18n::Problem::new(crate::i18n::k::error_email_mode)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupNotify {
    pub slug: String,
    pub name: String,
    pub notify: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MutedConversation {
    pub id: i64,
    /// The other people and groups in it.
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationSettings {
    pub in_app: bool,
    pub email: EmailMode,
    /// The batching window, for the explanation next to the option.
    pub batch_minutes: i64,
    /// Groups the member manages, and whether their conversations notify them.
    pub groups: Vec<GroupNotify>,
    pub muted: Vec<MutedConversation>,
    /// The portal takes replies to its notification emails.
    #[serde(default)]
    pub replies_by_email: bool,
}

/// One entry of the notifications menu: an unread conversation, or a request to
/// join a group the member manages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationItem {
    /// The unread conversation; `None` for a request to join a managed group.
    pub conversation_id: Option<i64>,
    /// Where the entry leads: the conversation, or the group's page.
    pub link: String,
    /// "Alice wrote to you" / "Alice wrote to the Marketing group" / "Alice asked
    /// to join Marketing".
    pub text: String,
    pub at: DateTime<Utc>,
}

/// One browser that receives the member's pushes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushDevice {
    pub id: i64,
    /// "Firefox on Linux".
    pub device: String,
    pub added: chrono::DateTime<chrono::Utc>,
    pub last_push: Option<chrono::DateTime<chrono::Utc>>,
    /// The browser's address at its push service: how a page knows its own entry.
    pub endpoint: String,
}

/// The settings page's push section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushSettings {
    /// The portal has a VAPID key; without one there are no pushes.
    pub available: bool,
    /// What browsers subscribe with (base64url).
    pub public_key: Option<String>,
    /// Pushes on (for the browsers listed).
    pub enabled: bool,
    /// A lock screen may show the message's text.
    pub shows_text: bool,
    pub devices: Vec<PushDevice>,
}
