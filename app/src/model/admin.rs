//! What the administration pages show.

use super::account::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A member as an administrator sees them in the members list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminMember {
    pub id: i64,
    pub handle: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub joined: DateTime<Utc>,
    pub suspended: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminMemberPage {
    pub members: Vec<AdminMember>,
    /// Pass as `after` for the next page.
    pub next: Option<i64>,
}

/// A group as an administrator sees it in the groups list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminGroup {
    pub slug: String,
    pub name: String,
    pub is_open: bool,
    pub member_count: i64,
    /// "Ana (@ana), Bo (@bo)": who answers for it.
    pub managers: Vec<String>,
    pub closed: Option<DateTime<Utc>>,
}

/// The site's settings as they apply now, and the values the server was started
/// with (what "use the default" returns to).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteSettingsView {
    pub registration_by_invitation: bool,
    pub messages_per_minute: i64,
    pub conversations_per_hour: i64,
    pub email_batch_seconds: i64,
    pub default_messages_per_minute: i64,
    pub default_conversations_per_hour: i64,
    pub default_email_batch_seconds: i64,
}

/// How long an invitation link to register works.
pub const INVITATION_DAYS: i64 = 14;
