//! `/settings/security`: changing one's password, and the sessions one is signed
//! in with, each of which can be signed out (or all but this one).

use crate::api::security::{
    list_sessions, ChangePassword, EndOtherSessions, EndSession, SessionView,
};
use crate::components::field::{FormErrors, TextField};
use crate::components::time::Time;
use crate::domain::account::check_password_change;
use crate::i18n::{k, use_words};
use crate::pages::error_view;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SecurityPage() -> impl IntoView {
    let words = use_words();
    let change = ServerAction::<ChangePassword>::new();
    let end_one = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let sessions = Resource::new(
        move || {
            (
                change.version().get(),
                end_one.version().get(),
                end_others.version().get(),
            )
        },
        |_| list_sessions(),
    );
    view! {
        <Title text=words.t(k::security_title)/>
        <section class="panel form-panel">
            <h1>{words.t(k::security_title)}</h1>
            <PasswordForm change/>
            <h2 id="sessions-title">{words.t(k::security_sessions_heading)}</h2>
            <Suspense fallback=move || view! { <p>{words.t(k::security_sessions_loading)}</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Err(error) => Either::Left(error_view(error)),
                        Ok(list) => Either::Right(view! { <SessionList list end_one end_others/> }),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn PasswordForm(change: ServerAction<ChangePassword>) -> impl IntoView {
    let words = use_words();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let errors = FormErrors::new(change.value());
    // `?changed` is where a change made without JavaScript lands.
    let changed_before = use_query_map().with_untracked(|q| q.get("changed").is_some());
    let done = move || match change.value().get() {
        Some(Ok(0)) => Some(words.t(k::security_password_changed).to_string()),
        Some(Ok(n)) => Some(words.p(k::security_password_changed_others, n as i64, &[])),
        Some(Err(_)) => None,
        None => changed_before.then(|| words.t(k::security_password_changed_before).to_string()),
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = change.value().get() {
            current.set(String::new());
            new.set(String::new());
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // The server has the handle and email too; here only the shape is checked.
        let checked = check_password_change(&current.get_untracked(), &new.get_untracked(), "", "");
        if errors.check(checked.map(|_| ())) {
            change.dispatch(ChangePassword {
                current_password: current.get_untracked(),
                new_password: new.get_untracked(),
            });
        }
    };
    view! {
        <h2>{words.t(k::security_change_heading)}</h2>
        <form action=ChangePassword::url() method="post" on:submit=on_submit novalidate>
            <TextField
                label=words.t(k::security_current_password)
                name="current_password"
                kind="password"
                autocomplete="current-password"
                value=current
                error=errors.field("current_password")
            />
            <TextField
                label=words.t(k::security_new_password)
                name="new_password"
                kind="password"
                autocomplete="new-password"
                value=new
                error=errors.field("new_password")
                hint=words.t(k::security_new_password_hint)
            />
            <p class="form-error" role="alert">{errors.form()}</p>
            <p class="form-success" role="status">{done}</p>
            <button type="submit" class="button" disabled=move || change.pending().get()>
                {words.t(k::security_change_submit)}
            </button>
        </form>
    }
}

#[component]
fn SessionList(
    list: Vec<SessionView>,
    end_one: ServerAction<EndSession>,
    end_others: ServerAction<EndOtherSessions>,
) -> impl IntoView {
    let words = use_words();
    let others = list.iter().filter(|s| !s.current).count();
    let error = move || {
        end_one
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| end_others.value().get().and_then(Result::err))
            .map(|e| e.to_string())
    };
    view! {
        <ul class="session-list" aria-labelledby="sessions-title">
            {list.into_iter().map(|session| {
                let label = if session.current {
                    words.f(k::security_sign_out_this_browser, &[("device", &session.device)])
                } else {
                    words.f(k::security_sign_out_device, &[("device", &session.device)])
                };
                view! {
                    <li class="session-row">
                        <p>
                            <strong>{session.device.clone()}</strong>
                            {session.current.then(|| view! { " " <span class="badge">{words.t(k::security_this_browser)}</span> })}
                        </p>
                        <p class="meta">
                            {words.t(k::security_signed_in)} <Time at=session.started/>
                            {words.t(k::security_last_used)} <Time at=session.last_used/>
                        </p>
                        <ActionForm action=end_one attr:class="inline-form">
                            <input type="hidden" name="id" value=session.id.to_string()/>
                            <button type="submit" class="button button-quiet" aria-label=label>{words.t(k::security_sign_out)}</button>
                        </ActionForm>
                    </li>
                }
            }).collect_view()}
        </ul>
        <p class="field-error" role="alert">{error}</p>
        {(others > 0).then(|| view! {
            <ActionForm action=end_others>
                <button type="submit" class="button">
                    {words.p(k::security_sign_out_others, others as i64, &[])}
                </button>
            </ActionForm>
        })}
    }
}
