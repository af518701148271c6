//! The member's own security: the sessions they are signed in with (see them,
//! end one or all the others) and changing their password.

#[cfg(feature = "ssr")]
use crate::api::context::{self, signed_in};
use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::account::SessionView;

/// The viewer's sessions, most recently used first.
#[server(endpoint = "list_sessions")]
pub async fn list_sessions() -> Result<Vec<SessionView>, AppError> {
    signed_in(|viewer, state| async move {
        let current = context::request_token();
        crate::backend::auth::list_sessions(&state.pool, viewer.id, current.as_deref()).await
    })
    .await
}

/// Signs out one of the viewer's sessions (its browser is signed out at once, live
/// streams included). Ending the current one is signing out.
#[server(endpoint = "end_session")]
pub async fn end_session(id: i64) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        let current = context::request_token();
        let was_current =
            crate::backend::auth::end_session(&state.pool, viewer.id, id, current.as_deref())
                .await?;
        if was_current {
            context::clear_session_cookie(&state.settings);
            leptos_axum::redirect("/");
        }
        Ok(())
    })
    .await
}

/// Signs out every session of the viewer's but this one; how many ended.
#[server(endpoint = "end_other_sessions")]
pub async fn end_other_sessions() -> Result<usize, AppError> {
    signed_in(|viewer, state| async move {
        let current = context::request_token();
        let mut conn = state.pool.acquire().await?;
        crate::backend::auth::end_other_sessions(&mut conn, viewer.id, current.as_deref()).await
    })
    .await
}

/// Changes the viewer's password (the current one required) and signs out every
/// other session; how many ended.
#[server(endpoint = "change_password")]
pub async fn change_password(
    #[server(default)] current_password: String,
    #[server(default)] new_password: String,
) -> Result<usize, AppError> {
    signed_in(|viewer, state| async move {
        let email = crate::backend::auth::account_email(&state.pool, viewer.id).await?;
        let new = crate::domain::account::check_password_change(
            &current_password,
            &new_password,
            &viewer.handle,
            &email,
        )?;
        let address = context::client_address(&state.settings);
        let keys = crate::backend::auth::keys_for(&email, &address, None);
        let current = context::request_token();
        let ended = crate::backend::auth::change_password(
            &state.pool,
            &state.passwords,
            viewer.id,
            &keys,
            current_password,
            &new,
            current.as_deref(),
        )
        .await?;
        context::after_plain_form("/settings/security?changed=1");
        Ok(ended)
    })
    .await
}
