//! `/settings/account`: the member takes their data with them or deletes their
//! account; `/account-deleted` is where deleting lands.

use crate::api::account::{
    get_account, get_time_zone, ChooseTimeZone, ConfirmEmailChange, DeleteAccount,
    RequestEmailChange, DATA_EXPORT_PATH,
};
use crate::components::field::{FormErrors, TextField};
use crate::error::AppError;
use crate::i18n::{k, use_words};
use crate::model::member::DELETED_MEMBER_NAME;
use crate::pages::error_view;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    let session = crate::components::session::use_session();
    let words = use_words();
    view! {
        <Title text=words.t(k::account_title)/>
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
    let words = use_words();
    view! {
        <section class="panel form-panel">
            <h1>{words.t(k::account_title)}</h1>
            <EmailSection/>
            <TimeZoneSection/>
            <h2>{words.t(k::account_download_heading)}</h2>
            <p>{words.t(k::account_download_text)}</p>
            <p><a class="button" href=DATA_EXPORT_PATH download="">{words.t(k::account_download_button)}</a></p>
            <DeleteAccountForm/>
        </section>
    }
}

/// Without JavaScript the browser posts it; with it, a refusal shows in place and
/// success loads the goodbye page afresh, so nothing of the signed-in page stays.
#[component]
fn DeleteAccountForm() -> impl IntoView {
    let words = use_words();
    let delete = ServerAction::<DeleteAccount>::new();
    let errors = FormErrors::new(delete.value());
    let password = RwSignal::new(String::new());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let current_password = password.get_untracked();
        let mut missing = crate::domain::FieldErrors::new();
        if current_password.is_empty() {
            missing.add("current_password", k::error_password_to_confirm);
        }
        if errors.check(missing.into_result()) {
            delete.dispatch(DeleteAccount { current_password });
        }
    };
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            #[cfg(feature = "hydrate")]
            let _ = leptos::prelude::window()
                .location()
                .set_href(crate::api::account::ACCOUNT_DELETED_PATH);
        }
    });
    // A refusal opens the disclosure again, so the member sees why.
    let refused = move || delete.value().with(|v| matches!(v, Some(Err(_))));
    view! {
        <h2>{words.t(k::account_delete_heading)}</h2>
        <p>{words.f(k::account_delete_text, &[("name", &DELETED_MEMBER_NAME)])}</p>
        <details class="confirm" open=refused>
            <summary class="button button-danger">{words.t(k::account_delete_open)}</summary>
            <div class="confirm-body">
                <form action=DeleteAccount::url() method="post" on:submit=on_submit novalidate>
                    <TextField
                        label=words.t(k::account_delete_password)
                        name="current_password"
                        scope="delete"
                        kind="password"
                        autocomplete="current-password"
                        value=password
                        error=errors.field("current_password")
                    />
                    <p class="form-error" role="alert">{errors.form()}</p>
                    <button type="submit" class="button button-danger" disabled=move || delete.pending().get()>
                        {words.t(k::account_delete_submit)}
                    </button>
                </form>
            </div>
        </details>
    }
}

#[component]
pub fn AccountDeletedPage() -> impl IntoView {
    let words = use_words();
    view! {
        <Title text=words.t(k::account_deleted_title)/>
        <section class="panel form-panel">
            <h1>{words.t(k::account_deleted_heading)}</h1>
            <p>{words.t(k::account_deleted_text)}</p>
            <p><a href="/">{words.t(k::account_deleted_home)}</a></p>
        </section>
    }
}

/// The member's email and changing it: the new address gets a link, and only
/// opening it changes anything.
#[component]
fn EmailSection() -> impl IntoView {
    let words = use_words();
    let change = ServerAction::<RequestEmailChange>::new();
    let account = Resource::new(move || change.version().get(), |_| get_account());
    let errors = FormErrors::new(change.value());
    let new_email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let sent_before =
        leptos_router::hooks::use_query_map().with_untracked(|q| q.get("email").is_some());
    let sent = move || {
        matches!(change.value().get(), Some(Ok(())))
            || (sent_before && change.value().get().is_none())
    };
    view! {
        <h2>{words.t(k::account_email_heading)}</h2>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                account.await.ok().map(|account| view! {
                    <p>{words.t(k::account_email_current)} <strong>{account.email}</strong></p>
                    {account.pending_email.map(|pending| view! {
                        <p class="meta">{words.f(k::account_email_pending, &[("email", &pending)])}</p>
                    })}
                })
            })}
        </Suspense>
        <ActionForm action=change>
            <TextField label=words.t(k::account_email_new) name="new_email" kind="email" autocomplete="email" value=new_email error=errors.field("new_email")/>
            <TextField
                label=words.t(k::account_email_password)
                name="current_password"
                kind="password"
                autocomplete="current-password"
                value=password
                error=errors.field("current_password")
            />
            <p class="form-error" role="alert">{errors.form()}</p>
            <p class="form-success" role="status">
                {move || sent().then_some(words.t(k::account_email_sent))}
            </p>
            <button type="submit" class="button" disabled=move || change.pending().get()>{words.t(k::account_email_submit)}</button>
        </ActionForm>
    }
}

/// The zone the member's times are written in: their browser's (the default),
/// or one they choose (UTC included).
#[component]
fn TimeZoneSection() -> impl IntoView {
    let words = use_words();
    let choose = ServerAction::<ChooseTimeZone>::new();
    let current = Resource::new(move || choose.version().get(), |_| get_time_zone());
    let errors = FormErrors::new(choose.value());
    let saved_before =
        leptos_router::hooks::use_query_map().with_untracked(|q| q.get("zone").is_some());
    let saved = move || {
        matches!(choose.value().get(), Some(Ok(())))
            || (saved_before && choose.value().get().is_none())
    };
    Effect::new(move |_| {
        if let Some(Ok(())) = choose.value().get() {
            crate::components::time::refresh_reader_zone();
        }
    });
    view! {
        <h2 id="time-zone">{words.t(k::account_zone_heading)}</h2>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                current.await.ok().map(|setting| {
                    let automatic = match (&setting.zone, setting.chosen) {
                        (Some(zone), false) => words.f(k::account_zone_automatic_known, &[("zone", zone)]),
                        _ => words.t(k::account_zone_automatic).to_string(),
                    };
                    let chosen = setting.zone.clone().filter(|_| setting.chosen);
                    let options = setting
                        .zones
                        .into_iter()
                        .map(|zone| {
                            let selected = chosen.as_deref() == Some(zone.as_str());
                            view! { <option value=zone.clone() selected=selected>{zone.replace('_', " ")}</option> }
                        })
                        .collect_view();
                    view! {
                        <ActionForm action=choose>
                            <div class="field">
                                <label for="time-zone-choice">{words.t(k::account_zone_label)}</label>
                                <select id="time-zone-choice" name="zone" aria-describedby="time-zone-error">
                                    <option value="" selected=chosen.is_none()>{automatic}</option>
                                    {options}
                                </select>
                                <p class="field-error" id="time-zone-error" role="alert">{errors.field("zone")}</p>
                            </div>
                            <p class="form-success" role="status">{move || saved().then_some(words.t(k::account_zone_saved))}</p>
                            <button type="submit" class="button" disabled=move || choose.pending().get()>{words.t(k::account_zone_submit)}</button>
                        </ActionForm>
                    }
                })
            })}
        </Suspense>
    }
}

/// `/confirm-email?token=…`: where the link to a new address lands.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let words = use_words();
    let query = leptos_router::hooks::use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let done_before = query.with_untracked(|q| q.get("done").is_some());
    let confirm = ServerAction::<ConfirmEmailChange>::new();
    let error = move || {
        confirm
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    let done = move || {
        matches!(confirm.value().get(), Some(Ok(())))
            || (done_before && confirm.value().get().is_none())
    };
    view! {
        <Title text=words.t(k::account_confirm_title)/>
        <section class="panel form-panel">
            <h1>{words.t(k::account_confirm_title)}</h1>
            {move || if done() {
                Either::Left(view! {
                    <p role="status">{words.t(k::account_confirm_done)}</p>
                    <p><a href="/settings/account">{words.t(k::account_confirm_back)}</a></p>
                })
            } else {
                Either::Right(view! {
                    <ActionForm action=confirm>
                        <input type="hidden" name="token" value=token/>
                        <p>{words.t(k::account_confirm_text)}</p>
                        <p class="form-error" role="alert">{error}</p>
                        <button type="submit" class="button" disabled=move || confirm.pending().get()>{words.t(k::account_confirm_submit)}</button>
                    </ActionForm>
                })
            }}
        </section>
    }
}
