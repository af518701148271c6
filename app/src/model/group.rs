//! Groups as the directory and group pages show them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub is_open: bool,
    pub member_count: i64,
    /// The digest of their picture (`/avatars/<digest>/…`), if they chose one.
    #[serde(default)]
    pub avatar: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberLink {
    pub handle: String,
    pub display_name: String,
}

/// How the viewer relates to a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Membership {
    SignedOut,
    Outsider,
    /// Asked to join a closed group; its managers have not answered yet.
    Requested,
    /// Invited by a manager; has not answered yet.
    Invited,
    Member,
    Manager,
}

/// A member's request to join a closed group, as its managers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequest {
    pub member: MemberLink,
    pub asked_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDetails {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub is_open: bool,
    pub managers: Vec<MemberLink>,
    /// Members who are not managers, alphabetical, a page of `GROUP_MEMBERS_SHOWN`.
    pub members: Vec<MemberLink>,
    pub member_count: i64,
    pub viewer: Membership,
    /// Requests to join, oldest first: only for the group's managers, else empty.
    pub requests: Vec<JoinRequest>,
    /// An administrator closed it: shown, but nobody joins, manages or writes to it.
    pub closed_by_admin: bool,
    /// Pass as `members_after` for the next page of members.
    pub members_next: Option<i64>,
    /// The digest of their picture (`/avatars/<digest>/…`), if they chose one.
    #[serde(default)]
    pub avatar: Option<String>,
}

pub const GROUP_MEMBERS_SHOWN: i64 = 120;

/// Requests to join shown to managers on the group's page.
pub const GROUP_REQUESTS_SHOWN: i64 = 100;

/// An invitation to a group, as its invitee sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInvitation {
    pub slug: String,
    pub name: String,
    /// The manager who invited (gone if they deleted their account since).
    pub invited_by: Option<String>,
}

/// Requests to join one of the member's groups, waiting for a manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestsWaiting {
    pub slug: String,
    pub name: String,
    pub count: i64,
}

/// What waits for the member in the community (the home page lists it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityNews {
    pub invitations: Vec<GroupInvitation>,
    pub requests: Vec<RequestsWaiting>,
}
