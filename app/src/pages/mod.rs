//! One module per page.

pub mod account;
pub mod admin;
pub mod code_of_conduct;
pub mod conversation;
pub mod conversations;
pub mod group;
pub mod group_form;
pub mod groups;
pub mod home;
pub mod member;
pub mod members;
pub mod moderation;
pub mod new_conversation;
pub mod not_found;
pub mod notification_settings;
pub mod password_reset;
pub mod privacy;
pub mod profile_edit;
pub mod register;
pub mod requests;
pub mod search;
pub mod security;
pub mod sign_in;

use crate::error::AppError;
use crate::i18n::{k, use_words};
use leptos::either::EitherOf3;
use leptos::prelude::*;

/// Renders a failed page load: a real 404 page for `NotFound`, a short message
/// otherwise; on the server the page's status is the error's (401, 403, 404...).
pub fn error_view(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let _ = crate::error::respond::<()>(Err(error.clone()));
    let words = use_words();
    match error {
        AppError::NotFound => EitherOf3::A(view! { <not_found::NotFound/> }),
        AppError::Unauthenticated => EitherOf3::B(view! {
            <section class="panel">
                <h1>{words.t(k::pages_sign_in_title)}</h1>
                <p>
                    {words.t(k::pages_members_only)} <a href="/sign-in">{words.t(k::pages_sign_in)}</a> {words.t(k::pages_or)}
                    <a href="/register">{words.t(k::pages_create_account)}</a> {words.t(k::pages_after)}
                </p>
            </section>
        }),
        other => EitherOf3::C(view! {
            <section class="panel">
                <h1>{words.t(k::pages_error_title)}</h1>
                <p role="alert">{other.to_string()}</p>
            </section>
        }),
    }
}
