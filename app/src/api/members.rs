#[cfg(feature = "ssr")]
use crate::api::context::{public, signed_in};
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
    // The redirect below is set after awaits: through the request's owner, taken
    // now, since the context is not always reachable once the future has moved on
    // (an old address then sometimes rendered without leading on).
    let owner = leptos::prelude::Owner::current();
    public(|state| async move {
        let viewer = crate::api::context::current_viewer();
        let handle = handle.to_lowercase();
        let mut profile = match crate::backend::members::profile(&state.pool, &handle).await? {
            Some(profile) => profile,
            None => {
                // A handle the member had before leads to their profile.
                let now = crate::backend::members::current_handle_of(&state.pool, &handle)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let profile = crate::backend::members::profile(&state.pool, &now)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let to = format!("/members/{now}");
                match &owner {
                    Some(owner) => owner.with(|| leptos_axum::redirect(&to)),
                    None => leptos_axum::redirect(&to),
                }
                profile
            }
        };
        if let Some(viewer) = viewer.await? {
            profile.viewer_is_member = viewer.id == profile.id;
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

/// The signed-in member's profile, for its edit form.
#[server(endpoint = "get_own_profile")]
pub async fn get_own_profile() -> Result<OwnProfile, AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::members::own_profile(&state.pool, viewer.id).await
    })
    .await
}

/// Saves the member's name, handle and bio; lands on their profile.
#[server(endpoint = "edit_profile")]
pub async fn edit_profile(
    display_name: String,
    handle: String,
    #[server(default)] bio: String,
) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        let edit = crate::domain::profile::ProfileEdit::parse(&display_name, &handle, &bio)?;
        crate::backend::members::edit_profile(&state.pool, viewer.id, &edit).await?;
        leptos_axum::redirect(&format!("/members/{}", edit.handle.as_str()));
        Ok(())
    })
    .await
}
