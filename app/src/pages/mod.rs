//! One module per page.

pub mod code_of_conduct;
pub mod group;
pub mod groups;
pub mod home;
pub mod member;
pub mod members;
pub mod not_found;
pub mod register;
pub mod sign_in;

use crate::error::AppError;
use leptos::either::Either;
use leptos::prelude::*;

/// Renders a failed page load: a real 404 page for `NotFound`, a short message otherwise.
pub fn error_view(error: AppError) -> impl IntoView {
    match error {
        AppError::NotFound => Either::Left(view! { <not_found::NotFound/> }),
        other => Either::Right(view! {
            <section class="panel">
                <h1>"This page could not be shown"</h1>
                <p role="alert">{other.to_string()}</p>
            </section>
        }),
    }
}
