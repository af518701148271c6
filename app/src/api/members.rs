use crate::error::AppError;
use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A member as listed in the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSummary {
    pub id: i64,
    pub handle: String,
    pub display_name: String,
    pub bio: String,
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
    pub role: crate::api::auth::Role,
    pub member_since: NaiveDate,
    pub groups: Vec<GroupLink>,
    /// Whether the signed-in viewer blocked this member (`None` when signed out or
    /// on their own profile).
    pub viewer_blocked: Option<bool>,
}

pub const DIRECTORY_PAGE_SIZE: i64 = 48;

/// The member directory, alphabetical, optionally filtered by name or handle
/// (case- and accent-insensitive), paged by keyset.
#[server(endpoint = "list_members")]
pub async fn list_members(
    #[server(default)] query: String,
    #[server(default)] after: Option<i64>,
) -> Result<MemberPage, AppError> {
    let result = async {
        let state = crate::state::app_state()?;
        let query = crate::domain::account::normalize_query(&query);
        crate::members::directory(&state.pool, &query, after, DIRECTORY_PAGE_SIZE).await
    };
    crate::error::respond(result.await)
}

#[server(endpoint = "get_member_profile")]
pub async fn get_member_profile(handle: String) -> Result<MemberProfile, AppError> {
    let result = async {
        let state = crate::state::app_state()?;
        let mut profile = crate::members::profile(&state.pool, &handle.to_lowercase())
            .await?
            .ok_or(AppError::NotFound)?;
        if let Some(viewer) = crate::auth::current_viewer().await? {
            if viewer.id != profile.id {
                profile.viewer_blocked =
                    Some(crate::moderation::has_blocked(&state.pool, viewer.id, profile.id).await?);
            }
        }
        Ok(profile)
    };
    crate::error::respond(result.await)
}
