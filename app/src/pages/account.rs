//! `/settings/account`: the member takes their data with them or deletes their
//! account; `/account-deleted` is where deleting lands.

use crate::api::account::{DeleteAccount, DATA_EXPORT_PATH};
use crate::components::field::{FormErrors, TextField};
use crate::error::AppError;
use crate::model::member::DELETED_MEMBER_NAME;
use crate::pages::error_view;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    let session = crate::components::session::use_session();
    view! {
        <Title text="Your account and data"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match session.viewer.await {
                    Some(_) => Either::Left(view! { <AccountSections/> }),
                    None => Either::Right(error_view(AppError::Unauthenticated)),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AccountSections() -> impl IntoView {
    view! {
        <section class="panel form-panel">
            <h1>"Your account and data"</h1>
            <h2>"Download your data"</h2>
            <p>
                "A ZIP file with one JSON document: your profile, settings, groups, the members you \
                 blocked, where you are signed in, the conversations you can open with their messages, \
                 and the reports you filed."
            </p>
            <p><a class="button" href=DATA_EXPORT_PATH download="">"Download my data"</a></p>
            <DeleteAccountForm/>
        </section>
    }
}

/// Posted by the browser itself (not through the client), with or without
/// JavaScript: success signs this browser out, which a full page load shows
/// everywhere on the page at once.
#[component]
fn DeleteAccountForm() -> impl IntoView {
    let delete = ServerAction::<DeleteAccount>::new();
    let errors = FormErrors::new(delete.value());
    let password = RwSignal::new(String::new());
    // A refusal opens the disclosure again, so the member sees why.
    let refused = move || delete.value().with(|v| matches!(v, Some(Err(_))));
    view! {
        <h2>"Delete your account"</h2>
        <p>
            {format!(
                "Your profile disappears and nobody can find you or start a conversation with you. \
                 Your messages stay in the others' conversations under \u{201c}{DELETED_MEMBER_NAME}\u{201d}, \
                 and one-to-one conversations with you become read-only. This cannot be undone."
            )}
        </p>
        <details class="confirm" open=refused>
            <summary class="button button-danger">"Delete my account…"</summary>
            <div class="confirm-body">
                <form action=DeleteAccount::url() method="post" novalidate>
                    <TextField
                        label="Your password, to confirm"
                        name="current_password"
                        kind="password"
                        autocomplete="current-password"
                        value=password
                        error=errors.field("current_password")
                    />
                    <p class="form-error" role="alert">{errors.form()}</p>
                    <button type="submit" class="button button-danger">"Delete my account for good"</button>
                </form>
            </div>
        </details>
    }
}

#[component]
pub fn AccountDeletedPage() -> impl IntoView {
    view! {
        <Title text="Account deleted"/>
        <section class="panel form-panel">
            <h1>"Your account is deleted"</h1>
            <p>"Your profile is gone and you are signed out. Thank you for having been part of the community."</p>
            <p><a href="/">"Back to the home page"</a></p>
        </section>
    }
}
