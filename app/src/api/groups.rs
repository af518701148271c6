#[cfg(feature = "ssr")]
use crate::api::context::{public, signed_in};
use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::group::*;

#[server(endpoint = "list_groups")]
pub async fn list_groups(#[server(default)] query: String) -> Result<Vec<GroupSummary>, AppError> {
    public(|state| async move {
        let query = crate::domain::account::normalize_query(&query);
        crate::backend::groups::list(&state.pool, &query).await
    })
    .await
}

#[server(endpoint = "get_group_details")]
pub async fn get_group_details(slug: String) -> Result<GroupDetails, AppError> {
    public(|state| async move {
        let viewer = crate::api::context::current_viewer().await?;
        crate::backend::groups::details(&state.pool, &slug.to_lowercase(), viewer.map(|v| v.id))
            .await?
            .ok_or(AppError::NotFound)
    })
    .await
}

/// Joins an open group as a member.
#[server(endpoint = "join_group")]
pub async fn join_group(slug: String) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::groups::join(&state.pool, &slug, viewer.id).await
    })
    .await
}

/// Leaves a group. The last manager cannot leave: a group always has someone to look after it.
#[server(endpoint = "leave_group")]
pub async fn leave_group(slug: String) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::groups::leave(&state.pool, &slug, viewer.id).await
    })
    .await
}
