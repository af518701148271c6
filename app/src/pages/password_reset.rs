//! A forgotten password: `/forgot-password` asks for the address, the email's
//! link opens `/reset-password?token=…`, where the new password is chosen.

use crate::api::auth::{RequestPasswordReset, ResetPassword};
use crate::components::field::{typed, FormErrors, TextField};
use crate::domain::account::{Email, PASSWORD_MIN};
use crate::i18n::{k, use_words};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let request = ServerAction::<RequestPasswordReset>::new();
    let words = use_words();
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
        <Title text=words.t(k::reset_forgot_title)/>
        <section class="panel form-panel">
            <h1>{words.t(k::reset_forgot_title)}</h1>
            <p>{words.t(k::reset_forgot_text)}</p>
            <form action=RequestPasswordReset::url() method="post" on:submit=on_submit novalidate>
                <TextField label=words.t(k::reset_email) name="email" kind="email" autocomplete="email" value=email error=errors.field("email")/>
                <p class="form-error" role="alert">{errors.form()}</p>
                <button type="submit" class="button" disabled=move || request.pending().get()>{words.t(k::reset_send)}</button>
            </form>
            <p><a href="/sign-in">{words.t(k::reset_back)}</a></p>
        </section>
    }
}

/// The same words whoever holds the address.
#[component]
pub fn ResetSentPage() -> impl IntoView {
    let words = use_words();
    view! {
        <Title text=words.t(k::reset_sent_title)/>
        <section class="panel form-panel">
            <h1>{words.t(k::reset_sent_title)}</h1>
            <p>{words.t(k::reset_sent_text)}</p>
            <p class="hint">
                {words.t(k::reset_sent_hint_before)} <a href="/forgot-password">{words.t(k::reset_sent_hint_link)}</a>
                {words.t(k::reset_sent_hint_after)}
            </p>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let reset = ServerAction::<ResetPassword>::new();
    let words = use_words();
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
        <Title text=words.t(k::reset_choose_title)/>
        <section class="panel form-panel">
            <h1>{words.t(k::reset_choose_title)}</h1>
            <p>{words.t(k::reset_choose_text)}</p>
            <ActionForm action=reset>
                <input type="hidden" name="token" value=token/>
                <TextField
                    label=words.t(k::reset_new_password)
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    value=password
                    error=errors.field("password")
                    hint=words.f(k::reset_password_hint, &[("min", &PASSWORD_MIN)])
                />
                <p class="form-error" role="alert">{errors.form()}</p>
                <button type="submit" class="button" disabled=move || reset.pending().get()>{words.t(k::reset_submit)}</button>
            </ActionForm>
        </section>
    }
}
