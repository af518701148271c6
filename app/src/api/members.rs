#[cfg(feature = "ssr")]
use crate::api::context::public;
use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::member::*;

/// The member directory, alphabetical, optionally filtered by name or handle
/// (case- and accent-insensitive), paged by keyset.
#[server(endpoint = "list_members")]
pub async fn list_members(
    #[server(default)] query: String,
    #[server(default)] after: Option<i64>,
) -> Result<MemberPage, AppError> {
    public(|state| async move {
        let query = crate::domain::account::normalize_query(&query);
        crate::backend::members::directory(&state.pool, &query, after, DIRECTORY_PAGE_SIZE).await
    })
    .await
}

#[server(endpoint = "get_member_profile")]
pub async fn get_member_profile(handle: String) -> Result<MemberProfile, AppError> {
    public(|state| async move {
        let mut profile = crate::backend::members::profile(&state.pool, &handle.to_lowercase())
            .await?
            .ok_or(AppError::NotFound)?;
        if let Some(viewer) = crate::api::context::current_viewer().await? {
            if viewer.id != profile.id {
                profile.viewer_blocked = Some(
                    crate::backend::moderation::has_blocked(&state.pool, viewer.id, profile.id)
                        .await?,
                );
            }
        }
        Ok(profile)
    })
    .await
}
