use crate::api::auth::Register;
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
            });
        }
    };

    view! {
        <Title text="Create an account"/>
        <section class="panel form-panel">
            <h1>"Create an account"</h1>
            <form action=Register::url() method="post" on:submit=on_submit novalidate>
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
