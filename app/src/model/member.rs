//! Members as the directory and profile pages show them. No email: addresses are never published.

use super::account::Role;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A member as listed in the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSummary {
    pub id: i64,
    pub handle: String,
    pub display_name: String,
    pub bio: String,
    /// The digest of their picture (`/avatars/<digest>/…`), if they chose one.
    #[serde(default)]
    pub avatar: Option<String>,
}

/// One page of the directory; `next` is the cursor of the following page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberPage {
    pub members: Vec<MemberSummary>,
    pub next: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupLink {
    pub slug: String,
    pub name: String,
    pub is_manager: bool,
}

/// Everything a profile page shows. No email: addresses are never published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberProfile {
    pub id: i64,
    pub handle: String,
    pub display_name: String,
    pub bio: String,
    pub role: Role,
    pub member_since: NaiveDate,
    pub groups: Vec<GroupLink>,
    /// Whether the signed-in viewer blocked this member (`None` when signed out or
    /// on their own profile).
    pub viewer_blocked: Option<bool>,
    /// The signed-in viewer is this member (their profile offers "Edit profile").
    pub viewer_is_member: bool,
    /// The digest of their picture (`/avatars/<digest>/…`), if they chose one.
    #[serde(default)]
    pub avatar: Option<String>,
}

pub const DIRECTORY_PAGE_SIZE: i64 = 48;

/// The signed-in member's own profile, as its edit form shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnProfile {
    pub handle: String,
    pub display_name: String,
    pub bio: String,
    /// While the handle cannot change again yet: the first day it may.
    pub handle_change_on: Option<NaiveDate>,
    /// The digest of their picture (`/avatars/<digest>/…`), if they chose one.
    #[serde(default)]
    pub avatar: Option<String>,
}

/// What a deleted account shows as, wherever its messages remain.
pub const DELETED_MEMBER_NAME: &str = "Deleted member";

/// A deleted account's handle: it starts with `_`, which no chosen handle may
/// (see `domain::account::Handle`), so it never collides and is never linked.
pub fn deleted_handle(member_id: i64) -> String {
    format!("_deleted-{member_id}")
}

pub fn is_deleted_handle(handle: &str) -> bool {
    handle.starts_with("_deleted-")
}
