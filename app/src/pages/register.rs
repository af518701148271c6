use crate::api::auth::{Register, VerifyEmail};
use crate::components::field::{typed, FormErrors, TextField};
use crate::components::session::use_session;
use crate::domain::account::{Registration, HANDLE_MAX, HANDLE_MIN, PASSWORD_MIN};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let action = use_session().register;
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
        <Title text="Create an account"/>
        <section class="panel form-panel">
            <h1>"Create an account"</h1>
            <form action=Register::url() method="post" on:submit=on_submit novalidate>
                <input type="hidden" name="invitation" value=invitation_field/>
                <TextField label="Display name" name="display_name" autocomplete="name" value=display_name error=field_error("display_name")/>
                <TextField
                    label="Handle"
                    name="handle"
                    autocomplete="username"
                    value=handle
                    error=field_error("handle")
                    hint=format!("Your address on the portal: {HANDLE_MIN}–{HANDLE_MAX} letters a–z, digits, '-' or '_'.")
                />
                <TextField label="Email" name="email" kind="email" autocomplete="email" value=email error=field_error("email")/>
                <TextField
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    value=password
                    error=field_error("password")
                    hint=format!("At least {PASSWORD_MIN} characters; a few unrelated words work well.")
                />
                <p class="form-error" role="alert">{form_error}</p>
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Creating your account…" } else { "Create account" }}
                </button>
            </form>
            <p>"Already a member? " <a href="/sign-in">"Sign in"</a> "."</p>
        </section>
    }
}

/// Where registering lands when the email must be confirmed: the same words
/// whoever holds the address (the owner of an address already in use is told
/// by email instead).
#[component]
pub fn CheckEmailPage() -> impl IntoView {
    view! {
        <Title text="Check your email"/>
        <section class="panel form-panel">
            <h1>"Check your email"</h1>
            <p>
                "We sent a link to the address you gave. Open it within 24 hours to finish \
                 creating your account; until then nobody can sign in with it."
            </p>
            <p class="hint">
                "No email after a few minutes? Look in your spam folder, or "
                <a href="/register">"register again"</a> " for a new link."
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
    let error = move || {
        verify
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <Title text="Confirm your email"/>
        <section class="panel form-panel">
            <h1>"Confirm your email"</h1>
            <ActionForm action=verify>
                <input type="hidden" name="token" value=token/>
                <p>"Confirm that this address is yours, and start using the portal."</p>
                <p class="form-error" role="alert">{error}</p>
                <button type="submit" class="button" disabled=move || verify.pending().get()>
                    "Confirm and sign in"
                </button>
            </ActionForm>
        </section>
    }
}
