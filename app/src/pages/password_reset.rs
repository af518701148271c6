//! A forgotten password: `/forgot-password` asks for the address, the email's
//! link opens `/reset-password?token=…`, where the new password is chosen.

use crate::api::auth::{RequestPasswordReset, ResetPassword};
use crate::components::field::{typed, FormErrors, TextField};
use crate::domain::account::{Email, PASSWORD_MIN};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let request = ServerAction::<RequestPasswordReset>::new();
    let email = RwSignal::new(typed(RequestPasswordReset::PATH, "email").unwrap_or_default());
    let errors = FormErrors::new(request.value());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let address = email.get_untracked();
        let checked = Email::parse(&address).map(|_| ()).map_err(|message| {
            let mut errors = crate::domain::FieldErrors::new();
            errors.add("email", message);
            errors
        });
        if errors.check(checked) {
            request.dispatch(RequestPasswordReset { email: address });
        }
    };
    view! {
        <Title text="Forgot your password?"/>
        <section class="panel form-panel">
            <h1>"Forgot your password?"</h1>
            <p>"Enter the address you signed up with: we send a link to choose a new password."</p>
            <form action=RequestPasswordReset::url() method="post" on:submit=on_submit novalidate>
                <TextField label="Email" name="email" kind="email" autocomplete="email" value=email error=errors.field("email")/>
                <p class="form-error" role="alert">{errors.form()}</p>
                <button type="submit" class="button" disabled=move || request.pending().get()>"Send the link"</button>
            </form>
            <p><a href="/sign-in">"Back to sign in"</a></p>
        </section>
    }
}

/// The same words whoever holds the address.
#[component]
pub fn ResetSentPage() -> impl IntoView {
    view! {
        <Title text="Check your email"/>
        <section class="panel form-panel">
            <h1>"Check your email"</h1>
            <p>
                "If an account uses that address, we sent it a link. Open it within an hour to \
                 choose a new password."
            </p>
            <p class="hint">"No email after a few minutes? Look in your spam folder, or " <a href="/forgot-password">"ask again"</a> "."</p>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let reset = ServerAction::<ResetPassword>::new();
    let password = RwSignal::new(String::new());
    let errors = FormErrors::new(reset.value());
    // Signed in by the answer's cookie: a fresh load of the home page shows it
    // everywhere on the page (the header's session was read signed out).
    Effect::new(move |_| {
        if let Some(Ok(())) = reset.value().get() {
            #[cfg(feature = "hydrate")]
            let _ = leptos::prelude::window().location().set_href("/");
        }
    });
    view! {
        <Title text="Choose a new password"/>
        <section class="panel form-panel">
            <h1>"Choose a new password"</h1>
            <p>"Setting it signs you out everywhere else."</p>
            <ActionForm action=reset>
                <input type="hidden" name="token" value=token/>
                <TextField
                    label="New password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    value=password
                    error=errors.field("password")
                    hint=format!("At least {PASSWORD_MIN} characters; a few unrelated words work well.")
                />
                <p class="form-error" role="alert">{errors.form()}</p>
                <button type="submit" class="button" disabled=move || reset.pending().get()>"Set password and sign in"</button>
            </ActionForm>
        </section>
    }
}
