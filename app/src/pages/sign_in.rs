use crate::api::auth::SignIn;
use crate::components::field::{typed, FormErrors, TextField};
use crate::components::session::use_session;
use crate::domain::account::check_sign_in;
use crate::i18n::{k, use_words};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = use_session().sign_in;
    let words = use_words();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    // A refused post without JavaScript comes back with the email typed.
    let email = RwSignal::new(typed(SignIn::PATH, "email").unwrap_or_default());
    let password = RwSignal::new(String::new());
    let errors = FormErrors::new(action.value());
    let field_error = move |field: &'static str| errors.field(field);
    let form_error = errors.form();

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // The same presence check as the server's; what was typed stays in the fields.
        if errors.check(check_sign_in(
            &email.get_untracked(),
            &password.get_untracked(),
        )) {
            let next = next();
            action.dispatch(SignIn {
                email: email.get_untracked(),
                password: password.get_untracked(),
                next: (!next.is_empty()).then_some(next),
            });
        }
    };

    view! {
        <Title text=words.t(k::signin_title)/>
        <section class="panel form-panel">
            <h1>{words.t(k::signin_title)}</h1>
            <form action=SignIn::url() method="post" on:submit=on_submit novalidate>
                <input type="hidden" name="next" value=next/>
                <TextField label=words.t(k::signin_email) name="email" kind="email" autocomplete="email" value=email error=field_error("email")/>
                <TextField
                    label=words.t(k::signin_password)
                    name="password"
                    kind="password"
                    autocomplete="current-password"
                    value=password
                    error=field_error("password")
                />
                <p class="form-error" role="alert">{form_error}</p>
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { words.t(k::signin_submitting) } else { words.t(k::signin_submit) }}
                </button>
            </form>
            <p><a href="/forgot-password">{words.t(k::signin_forgot)}</a></p>
            <p>{words.t(k::signin_new_here)} <a href="/register">{words.t(k::signin_create_account)}</a> {words.t(k::signin_new_here_after)}</p>
        </section>
    }
}
