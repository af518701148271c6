use crate::api::auth::{Register, VerifyEmail};
use crate::components::field::{typed, FormErrors, TextField};
use crate::components::session::use_session;
use crate::domain::account::{Registration, HANDLE_MAX, HANDLE_MIN, PASSWORD_MIN};
use crate::i18n::{k, use_words};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = use_session().register;
    let words = use_words();
    // A refused post without JavaScript comes back with what was typed (not the password).
    let typed = |name| typed(Register::PATH, name).unwrap_or_default();
    let display_name = RwSignal::new(typed("display_name"));
    let handle = RwSignal::new(typed("handle"));
    let email = RwSignal::new(typed("email"));
    let password = RwSignal::new(String::new());
    // While registration is by invitation, the link an administrator handed out.
    let invitation = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("invitation"))
        .unwrap_or_else(|| typed("invitation"));
    let invitation_field = invitation.clone();
    let errors = FormErrors::new(action.value());
    let field_error = move |field: &'static str| errors.field(field);
    let form_error = errors.form();

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = (
            display_name.get_untracked(),
            handle.get_untracked(),
            email.get_untracked(),
            password.get_untracked(),
        );
        // The very function the server runs: mistakes show before any round trip.
        if errors.check(Registration::parse(&input.0, &input.1, &input.2, &input.3).map(|_| ())) {
            action.dispatch(Register {
                display_name: input.0,
                handle: input.1,
                email: input.2,
                password: input.3,
                invitation: invitation.clone(),
            });
        }
    };

    view! {
        <Title text=words.t(k::register_title)/>
        <section class="panel form-panel">
            <h1>{words.t(k::register_title)}</h1>
            <form action=Register::url() method="post" on:submit=on_submit novalidate>
                <input type="hidden" name="invitation" value=invitation_field/>
                <TextField label=words.t(k::register_display_name) name="display_name" autocomplete="name" value=display_name error=field_error("display_name")/>
                <TextField
                    label=words.t(k::register_handle)
                    name="handle"
                    autocomplete="username"
                    value=handle
                    error=field_error("handle")
                    hint=words.f(k::register_handle_hint, &[("min", &HANDLE_MIN), ("max", &HANDLE_MAX)])
                />
                <TextField label=words.t(k::register_email) name="email" kind="email" autocomplete="email" value=email error=field_error("email")/>
                <TextField
                    label=words.t(k::register_password)
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    value=password
                    error=field_error("password")
                    hint=words.f(k::register_password_hint, &[("min", &PASSWORD_MIN)])
                />
                <p class="form-error" role="alert">{form_error}</p>
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { words.t(k::register_submitting) } else { words.t(k::register_submit) }}
                </button>
            </form>
            <p>{words.t(k::register_already)} <a href="/sign-in">{words.t(k::register_sign_in)}</a> {words.t(k::register_already_after)}</p>
        </section>
    }
}

/// Where registering lands when the email must be confirmed: the same words
/// whoever holds the address (the owner of an address already in use is told
/// by email instead).
#[component]
pub fn CheckEmailPage() -> impl IntoView {
    let words = use_words();
    view! {
        <Title text=words.t(k::register_check_title)/>
        <section class="panel form-panel">
            <h1>{words.t(k::register_check_title)}</h1>
            <p>{words.t(k::register_check_text)}</p>
            <p class="hint">
                {words.t(k::register_check_hint_before)}
                <a href="/register">{words.t(k::register_check_hint_link)}</a> {words.t(k::register_check_hint_after)}
            </p>
        </section>
    }
}

/// The page a verification link opens: one button confirms (a mail scanner that
/// fetches the link confirms nothing) and signs the new member in.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let verify = ServerAction::<VerifyEmail>::new();
    let words = use_words();
    let error = move || {
        verify
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <Title text=words.t(k::register_confirm_title)/>
        <section class="panel form-panel">
            <h1>{words.t(k::register_confirm_title)}</h1>
            <ActionForm action=verify>
                <input type="hidden" name="token" value=token/>
                <p>{words.t(k::register_confirm_text)}</p>
                <p class="form-error" role="alert">{error}</p>
                <button type="submit" class="button" disabled=move || verify.pending().get()>
                    {words.t(k::register_confirm_submit)}
                </button>
            </ActionForm>
        </section>
    }
}
