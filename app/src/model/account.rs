//! Who is signed in and what they may do, as both sides see it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Member,
    Moderator,
    Admin,
}

impl Role {
    pub fn from_db(value: &str) -> Self {
        match value {
            "admin" => Role::Admin,
            "moderator" => Role::Moderator,
            _ => Role::Member,
        }
    }

    /// Moderators and administrators review reports (administrators moderate too,
    /// as in Decidim).
    pub fn moderates(self) -> bool {
        matches!(self, Role::Moderator | Role::Admin)
    }
}

/// The signed-in member, as the pages need to know them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub id: i64,
    pub handle: String,
    pub display_name: String,
    pub role: Role,
    /// The digest of their picture (`/avatars/<digest>/…`), if they chose one.
    #[serde(default)]
    pub avatar: Option<String>,
}

/// The account page's time zone setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeZoneView {
    /// The zone emails are written in: the browser's last report or the choice.
    pub zone: Option<String>,
    /// The member chose it (otherwise it follows their browser).
    pub chosen: bool,
    /// Every zone one may choose, by name.
    pub zones: Vec<String>,
}

/// One of the member's signed-in sessions, as the security page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// Names the session in "sign out" (a number, never the cookie or its hash).
    pub id: i64,
    /// "Firefox on Linux": the browser it was started from.
    pub device: String,
    pub started: chrono::DateTime<chrono::Utc>,
    pub last_used: chrono::DateTime<chrono::Utc>,
    /// The session of the browser looking at the list.
    pub current: bool,
}

/// The account page's view of the member's email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub email: String,
    /// A new address asked for and not confirmed yet.
    pub pending_email: Option<String>,
}
