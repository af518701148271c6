//! Groups as the directory and group pages show them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub is_open: bool,
    pub member_count: i64,
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
    Member,
    Manager,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDetails {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub is_open: bool,
    pub managers: Vec<MemberLink>,
    /// Members who are not managers, alphabetical, at most `GROUP_MEMBERS_SHOWN`.
    pub members: Vec<MemberLink>,
    pub member_count: i64,
    pub viewer: Membership,
}

pub const GROUP_MEMBERS_SHOWN: i64 = 120;
