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

/// A group's page; its members a page at a time, alphabetical, from after the
/// member `members_after` (the previous page's `members_next`).
#[server(endpoint = "get_group_details")]
pub async fn get_group_details(
    slug: String,
    #[server(default)] members_after: Option<i64>,
) -> Result<GroupDetails, AppError> {
    public(|state| async move {
        let viewer = crate::api::context::current_viewer().await?;
        crate::backend::groups::details(
            &state.pool,
            &slug.to_lowercase(),
            viewer.map(|v| v.id),
            members_after,
        )
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

/// Creates a group; its creator is its first manager. Lands on the group's page.
#[server(endpoint = "create_group")]
pub async fn create_group(
    name: String,
    slug: String,
    #[server(default)] description: String,
    #[server(default)] access: String,
) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        let group = crate::domain::group::NewGroup::parse(&name, &slug, &description, &access)?;
        crate::backend::groups::create(&state.pool, viewer.id, &group).await?;
        leptos_axum::redirect(&format!("/groups/{}", group.slug.as_str()));
        Ok(())
    })
    .await
}

/// Saves a group's name, description and who may join (its managers only).
#[server(endpoint = "edit_group")]
pub async fn edit_group(
    slug: String,
    name: String,
    #[server(default)] description: String,
    #[server(default)] access: String,
) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        let profile = crate::domain::group::GroupProfile::parse(&name, &description, &access)?;
        crate::backend::groups::edit(&state.pool, &slug, viewer.id, &profile).await?;
        leptos_axum::redirect(&format!("/groups/{}", slug.to_lowercase()));
        Ok(())
    })
    .await
}

/// Asks to join a closed group (an open one, or one that invited the member, is joined at once).
#[server(endpoint = "request_to_join_group")]
pub async fn request_to_join_group(slug: String) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::groups::request_to_join(
            &state.pool,
            &state.settings.public_url,
            &slug,
            viewer.id,
        )
        .await
    })
    .await
}

/// A manager approves or declines a member's request to join (`answer`: `approve` or `decline`).
#[server(endpoint = "answer_join_request")]
pub async fn answer_join_request(
    slug: String,
    handle: String,
    answer: String,
) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        let approve = parse_choice(&answer, "approve", "decline")?;
        crate::backend::groups::answer_request(&state.pool, &slug, viewer.id, &handle, approve)
            .await
    })
    .await
}

/// A manager makes a member a manager (`role`: `manager`) or a manager a member again (`member`).
#[server(endpoint = "set_group_role")]
pub async fn set_group_role(slug: String, handle: String, role: String) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        let manager = parse_choice(&role, "manager", "member")?;
        crate::backend::groups::set_manager(&state.pool, &slug, viewer.id, &handle, manager).await
    })
    .await
}

/// A manager removes someone from the group.
#[server(endpoint = "remove_from_group")]
pub async fn remove_from_group(slug: String, handle: String) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::groups::remove_member(&state.pool, &slug, viewer.id, &handle).await
    })
    .await
}

/// `true` for `yes`, `false` for `no`; anything else is a form that was tampered with.
#[cfg(feature = "ssr")]
fn parse_choice(value: &str, yes: &str, no: &str) -> Result<bool, AppError> {
    match value {
        v if v == yes => Ok(true),
        v if v == no => Ok(false),
        _ => {
            let mut errors = crate::domain::FieldErrors::new();
            errors.add("form", crate::i18n::k::error_form_incomplete);
            Err(errors.into())
        }
    }
}

/// A manager invites members (`to[i]`: `member:<id>`, as the recipient picker posts them).
#[server(endpoint = "invite_to_group")]
pub async fn invite_to_group(
    slug: String,
    #[server(default)] to: Vec<String>,
) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        let parties = to
            .iter()
            .map(|t| crate::domain::conversation::Party::parse_token(t))
            .collect::<Result<Vec<_>, _>>()
            .and_then(|parties| crate::domain::group::check_invitees(&parties))
            .map_err(|message| {
                let mut errors = crate::domain::FieldErrors::new();
                errors.add("to", message);
                AppError::Invalid(errors)
            })?;
        crate::backend::groups::invite(&state.pool, &slug, viewer.id, &parties).await
    })
    .await
}

/// Invitations waiting for the member and requests waiting in the groups they manage.
#[server(endpoint = "get_community_news")]
pub async fn get_community_news() -> Result<CommunityNews, AppError> {
    signed_in(
        |viewer, state| async move { crate::backend::groups::news(&state.pool, viewer.id).await },
    )
    .await
}
