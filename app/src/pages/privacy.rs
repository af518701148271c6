//! `/settings/privacy`: who may start a conversation with the member, and the
//! members they blocked.

use crate::api::moderation::{
    get_privacy, PrivacySettings, SaveMessagePolicy, SaveReadReceipts, SetBlock,
};
use crate::domain::moderation::MessagePolicy;
use crate::pages::error_view;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn PrivacyPage() -> impl IntoView {
    let save = ServerAction::<SaveMessagePolicy>::new();
    let unblock = ServerAction::<SetBlock>::new();
    let settings = Resource::new(move || unblock.version().get(), |_| get_privacy());
    view! {
        <Title text="Privacy and blocking"/>
        <section class="panel form-panel">
            <h1>"Privacy and blocking"</h1>
            <Suspense fallback=|| view! { <p>"Loading your settings…"</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Err(error) => Either::Left(error_view(error)),
                        Ok(settings) => Either::Right(view! { <PrivacyForm settings save unblock/> }),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn PrivacyForm(
    settings: PrivacySettings,
    save: ServerAction<SaveMessagePolicy>,
    unblock: ServerAction<SetBlock>,
) -> impl IntoView {
    // `?saved` is where a form saved without JavaScript lands.
    let saved_before = use_query_map().with_untracked(|q| q.get("saved").is_some());
    let status = move || {
        save.value()
            .get()
            .map(|result| match result {
                Ok(_) => "Saved.".to_string(),
                Err(error) => error.to_string(),
            })
            .or_else(|| saved_before.then(|| "Saved.".to_string()))
    };
    let option = move |policy: MessagePolicy, label: &'static str| {
        view! {
            <label class="choice">
                <input type="radio" name="policy" value=policy.as_str() checked=settings.policy == policy/>
                " " {label}
            </label>
        }
    };
    let blocked = if settings.blocked.is_empty() {
        Either::Left(view! { <p>"You have not blocked anyone."</p> })
    } else {
        Either::Right(view! {
            <ul class="blocked-list">
                {settings.blocked.into_iter().map(|member| view! {
                    <li>
                        <a href=member.path()>{member.name.clone()}</a>
                        <ActionForm action=unblock attr:class="inline-form">
                            <input type="hidden" name="handle" value=member.handle.clone()/>
                            <input type="hidden" name="blocked" value="false"/>
                            <button type="submit" class="button button-quiet">{format!("Unblock {}", member.name)}</button>
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
        })
    };
    view! {
        <ActionForm action=save>
            <fieldset>
                <legend>"Who may start a conversation with you"</legend>
                {option(MessagePolicy::Everyone, "Everyone")}
                {option(MessagePolicy::SharedGroups, "Only members who share a group with me")}
                <p class="hint">"Anyone else's first message waits in your message requests, where you can accept or decline it. They are not told."</p>
            </fieldset>
            <button type="submit" class="button">"Save"</button>
            <p role="status">{status}</p>
        </ActionForm>
        <ReadReceipts sharing=settings.share_read_state/>
        <section>
            <h2>"Blocked members"</h2>
            <p class="hint">"A member you block cannot start a conversation with you or add you to one. In conversations you already share, their messages are collapsed and do not notify you."</p>
            {blocked}
        </section>
    }
}

/// Whether others see how far the member has read: a form that works without
/// JavaScript too (the hidden field holds the state to switch to).
#[component]
fn ReadReceipts(sharing: bool) -> impl IntoView {
    let sharing = RwSignal::new(sharing);
    let save = ServerAction::<SaveReadReceipts>::new();
    Effect::new(move |_| {
        if let Some(Ok(now)) = save.value().get() {
            sharing.set(now);
        }
    });
    view! {
        <section aria-labelledby="read-receipts">
            <h2 id="read-receipts">"Read receipts"</h2>
            <p class="hint">
                {move || if sharing.get() {
                    "Others in a conversation see \u{201c}Seen by\u{201d} under the last message you read, and you see theirs."
                } else {
                    "You do not share how far you have read, and you do not see how far others have read."
                }}
            </p>
            <ActionForm action=save>
                <input type="hidden" name="share" value=move || (!sharing.get()).to_string()/>
                <button type="submit" class="button button-quiet">
                    {move || if sharing.get() { "Stop sharing read receipts" } else { "Share read receipts" }}
                </button>
            </ActionForm>
        </section>
    }
}
