//! `/settings/notifications`: how the member hears about new messages.

use crate::api::notifications::{
    get_notification_settings, EmailMode, NotificationSettings, RevokeReplyAddresses,
    SaveNotificationSettings, SetMuted,
};
use crate::i18n::{k, use_words};
use crate::pages::error_view;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn NotificationSettingsPage() -> impl IntoView {
    let words = use_words();
    let save = ServerAction::<SaveNotificationSettings>::new();
    let unmute = ServerAction::<SetMuted>::new();
    let settings = Resource::new(
        move || (save.version().get(), unmute.version().get()),
        |_| get_notification_settings(),
    );
    let query = use_query_map();
    let saved = move || {
        query.read().get("saved").is_some() || save.value().get().is_some_and(|r| r.is_ok())
    };
    view! {
        <Title text=words.t(k::notify_title)/>
        <section class="panel form-panel">
            <h1>{words.t(k::notify_title)}</h1>
            <Suspense fallback=move || view! { <p>{words.t(k::notify_loading)}</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Err(error) => Either::Left(error_view(error)),
                        Ok(settings) => Either::Right(view! { <SettingsForm settings save unmute saved/> }),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn SettingsForm(
    settings: NotificationSettings,
    save: ServerAction<SaveNotificationSettings>,
    unmute: ServerAction<SetMuted>,
    saved: impl Fn() -> bool + Send + Sync + 'static,
) -> impl IntoView {
    let words = use_words();
    let error = move || {
        save.value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    let email_option = move |mode: EmailMode, label: String| {
        view! {
            <label class="choice">
                <input type="radio" name="email" value=mode.as_str() checked=settings.email == mode/>
                {label}
            </label>
        }
    };
    let batch = settings.batch_minutes;
    let groups = settings.groups.clone();
    let muted = settings.muted.clone();
    let replies_by_email = settings.replies_by_email;
    view! {
        <ActionForm action=save>
            <fieldset>
                <legend>{words.t(k::notify_in_portal)}</legend>
                <label class="choice">
                    <input type="checkbox" name="in_app" value="on" checked=settings.in_app/>
                    {words.t(k::notify_in_app)}
                </label>
            </fieldset>
            <fieldset>
                <legend>{words.t(k::notify_by_email)}</legend>
                {email_option(EmailMode::Off, words.t(k::notify_email_off).to_string())}
                {email_option(EmailMode::Each, words.t(k::notify_email_each).to_string())}
                {email_option(
                    EmailMode::Batched,
                    words.p(k::notify_email_batched, batch, &[]),
                )}
                <p class="hint">{words.t(k::notify_email_read_hint)}</p>
            </fieldset>
            {(!groups.is_empty()).then(|| view! {
                <fieldset>
                    <legend>{words.t(k::notify_groups)}</legend>
                    {groups.into_iter().enumerate().map(|(i, g)| view! {
                        <label class="choice">
                            <input type="checkbox" name=format!("groups_notify[{i}]") value=g.slug.clone() checked=g.notify/>
                            {words.f(k::notify_group, &[("name", &g.name)])}
                        </label>
                    }).collect_view()}
                </fieldset>
            })}
            <p class="form-error" role="alert">{error}</p>
            <p class="form-success" role="status">{move || saved().then_some(words.t(k::notify_saved))}</p>
            <button type="submit" class="button" disabled=move || save.pending().get()>{words.t(k::notify_save)}</button>
        </ActionForm>
        {replies_by_email.then(|| view! { <EmailReplies/> })}
        <crate::components::push::PushSection/>
        <h2>{words.t(k::notify_muted_heading)}</h2>
        {if muted.is_empty() {
            Either::Left(view! { <p class="meta">{words.t(k::notify_muted_none)}</p> })
        } else {
            Either::Right(view! {
                <ul class="muted-list">
                    {muted.into_iter().map(|m| view! {
                        <li>
                            <a href=format!("/conversations/{}", m.id)>{m.title.clone()}</a>
                            <ActionForm action=unmute>
                                <input type="hidden" name="conversation" value=m.id.to_string()/>
                                <input type="hidden" name="muted" value="false"/>
                                <button type="submit" class="button button-quiet">{words.t(k::notify_unmute)}</button>
                            </ActionForm>
                        </li>
                    }).collect_view()}
                </ul>
            })
        }}
    }
}

/// Replies by email: what they do, and turning off the reply addresses of the
/// emails a member already has.
#[component]
fn EmailReplies() -> impl IntoView {
    let words = use_words();
    let revoke = ServerAction::<RevokeReplyAddresses>::new();
    let query = use_query_map();
    let done = move || {
        query.read().get("replies").is_some() || revoke.value().get().is_some_and(|r| r.is_ok())
    };
    let error = move || {
        revoke
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <h2 id="email-replies">{words.t(k::notify_replies_heading)}</h2>
        <p class="hint">
            {words.t(k::notify_replies_hint)}
        </p>
        <ActionForm action=revoke>
            <button type="submit" class="button button-quiet" disabled=move || revoke.pending().get()>
                {words.t(k::notify_replies_revoke)}
            </button>
        </ActionForm>
        <p class="form-error" role="alert">{error}</p>
        <p class="form-success" role="status">
            {move || done().then_some(words.t(k::notify_replies_revoked))}
        </p>
    }
}
