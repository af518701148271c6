//! `/settings/notifications`: how the member hears about new messages.

use crate::api::notifications::{
    get_notification_settings, EmailMode, NotificationSettings, RevokeReplyAddresses,
    SaveNotificationSettings, SetMuted,
};
use crate::pages::error_view;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn NotificationSettingsPage() -> impl IntoView {
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
        <Title text="Notification settings"/>
        <section class="panel form-panel">
            <h1>"Notification settings"</h1>
            <Suspense fallback=|| view! { <p>"Loading your settings…"</p> }>
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
                <legend>"In the portal"</legend>
                <label class="choice">
                    <input type="checkbox" name="in_app" value="on" checked=settings.in_app/>
                    "Show notifications of new messages in the portal"
                </label>
            </fieldset>
            <fieldset>
                <legend>"By email"</legend>
                {email_option(EmailMode::Off, "No emails".into())}
                {email_option(EmailMode::Each, "An email for each new message".into())}
                {email_option(
                    EmailMode::Batched,
                    format!("At most one email per conversation every {batch} minutes, listing every new message (recommended)"),
                )}
                <p class="hint">"No email is sent for messages you have already read."</p>
            </fieldset>
            {(!groups.is_empty()).then(|| view! {
                <fieldset>
                    <legend>"Groups you manage"</legend>
                    {groups.into_iter().enumerate().map(|(i, g)| view! {
                        <label class="choice">
                            <input type="checkbox" name=format!("groups_notify[{i}]") value=g.slug.clone() checked=g.notify/>
                            {format!("Notify me of the {} group's conversations", g.name)}
                        </label>
                    }).collect_view()}
                </fieldset>
            })}
            <p class="form-error" role="alert">{error}</p>
            <p class="form-success" role="status">{move || saved().then_some("Your settings are saved.")}</p>
            <button type="submit" class="button" disabled=move || save.pending().get()>"Save settings"</button>
        </ActionForm>
        {replies_by_email.then(|| view! { <EmailReplies/> })}
        <crate::components::push::PushSection/>
        <h2>"Muted conversations"</h2>
        {if muted.is_empty() {
            Either::Left(view! { <p class="meta">"None. Mute a conversation from its page to stop its notifications."</p> })
        } else {
            Either::Right(view! {
                <ul class="muted-list">
                    {muted.into_iter().map(|m| view! {
                        <li>
                            <a href=format!("/conversations/{}", m.id)>{m.title.clone()}</a>
                            <ActionForm action=unmute>
                                <input type="hidden" name="conversation" value=m.id.to_string()/>
                                <input type="hidden" name="muted" value="false"/>
                                <button type="submit" class="button button-quiet">"Unmute"</button>
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
        <h2 id="email-replies">"Replies by email"</h2>
        <p class="hint">
            "Reply to a notification email to answer in its conversation. Only your new text is posted: the quoted email, your signature and any attachments are left out. Each email's reply address works only for you, sent from your account's email address."
        </p>
        <ActionForm action=revoke>
            <button type="submit" class="button button-quiet" disabled=move || revoke.pending().get()>
                "Turn off the reply addresses of emails I already have"
            </button>
        </ActionForm>
        <p class="form-error" role="alert">{error}</p>
        <p class="form-success" role="status">
            {move || done().then_some("Replies to your earlier emails are no longer accepted; new emails carry new addresses.")}
        </p>
    }
}
