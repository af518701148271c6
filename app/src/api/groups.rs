use crate::error::AppError;
use leptos::prelude::*;
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

#[server(endpoint = "list_groups")]
pub async fn list_groups(#[server(default)] query: String) -> Result<Vec<GroupSummary>, AppError> {
    let result = async {
        let state = crate::state::app_state()?;
        let query = crate::domain::account::normalize_query(&query);
        crate::groups::list(&state.pool, &query).await
    };
    crate::error::respond(result.await)
}

#[server(endpoint = "get_group_details")]
pub async fn get_group_details(slug: String) -> Result<GroupDetails, AppError> {
    let result = async {
        let state = crate::state::app_state()?;
        let viewer = crate::auth::current_viewer().await?;
        crate::groups::details(&state.pool, &slug.to_lowercase(), viewer.map(|v| v.id))
            .await?
            .ok_or(AppError::NotFound)
    };
    crate::error::respond(result.await)
}

/// Joins an open group as a member.
#[server(endpoint = "join_group")]
pub async fn join_group(slug: String) -> Result<(), AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        crate::groups::join(&state.pool, &slug, viewer.id).await
    };
    crate::error::respond(result.await)
}

/// Leaves a group. The last manager cannot leave: a group always has someone to look after it.
#[server(endpoint = "leave_group")]
pub async fn leave_group(slug: String) -> Result<(), AppError> {
    let result = async {
        let viewer = crate::auth::require_viewer().await?;
        let state = crate::state::app_state()?;
        crate::groups::leave(&state.pool, &slug, viewer.id).await
    };
    crate::error::respond(result.await)
}
