//! `/settings/privacy`: who may start a conversation with the member, and the
//! members they blocked.

use crate::api::moderation::{
    get_privacy, PrivacySettings, SaveMessagePolicy, SaveReadReceipts, SetBlock,
};
use crate::domain::moderation::MessagePolicy;
use crate::i18n::{k, use_words};
use crate::pages::error_view;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn PrivacyPage() -> impl IntoView {
    let words = use_words();
    let save = ServerAction::<SaveMessagePolicy>::new();
    let unblock = ServerAction::<SetBlock>::new();
    let settings = Resource::new(move || unblock.version().get(), |_| get_privacy());
    view! {
        <Title text=words.t(k::privacy_title)/>
        <section class="panel form-panel">
            <h1>{words.t(k::privacy_title)}</h1>
            <Suspense fallback=move || view! { <p>{words.t(k::privacy_loading)}</p> }>
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
    let words = use_words();
    // `?saved` is where a form saved without JavaScript lands.
    let saved_before = use_query_map().with_untracked(|q| q.get("saved").is_some());
    let status = move || {
        save.value()
            .get()
            .map(|result| match result {
                Ok(_) => words.t(k::privacy_saved).to_string(),
                Err(error) => error.to_string(),
            })
            .or_else(|| saved_before.then(|| words.t(k::privacy_saved).to_string()))
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
        Either::Left(view! { <p>{words.t(k::privacy_none_blocked)}</p> })
    } else {
        Either::Right(view! {
            <ul class="blocked-list">
                {settings.blocked.into_iter().map(|member| view! {
                    <li>
                        <a href=member.path()>{member.name.clone()}</a>
                        <ActionForm action=unblock attr:class="inline-form">
                            <input type="hidden" name="handle" value=member.handle.clone()/>
                            <input type="hidden" name="blocked" value="false"/>
                            <button type="submit" class="button button-quiet">{words.f(k::privacy_unblock, &[("name", &member.name)])}</button>
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
        })
    };
    view! {
        <ActionForm action=save>
            <fieldset>
                <legend>{words.t(k::privacy_who_may_start)}</legend>
                {option(MessagePolicy::Everyone, words.t(k::privacy_everyone))}
                {option(MessagePolicy::SharedGroups, words.t(k::privacy_shared_groups))}
                <p class="hint">{words.t(k::privacy_requests_hint)}</p>
            </fieldset>
            <button type="submit" class="button">{words.t(k::privacy_save)}</button>
            <p role="status">{status}</p>
        </ActionForm>
        <ReadReceipts sharing=settings.share_read_state/>
        <section>
            <h2>{words.t(k::privacy_blocked_heading)}</h2>
            <p class="hint">{words.t(k::privacy_blocked_hint)}</p>
            {blocked}
        </section>
    }
}

/// Whether others see how far the member has read: a form that works without
/// JavaScript too (the hidden field holds the state to switch to).
#[component]
fn ReadReceipts(sharing: bool) -> impl IntoView {
    let words = use_words();
    let sharing = RwSignal::new(sharing);
    let save = ServerAction::<SaveReadReceipts>::new();
    Effect::new(move |_| {
        if let Some(Ok(now)) = save.value().get() {
            sharing.set(now);
        }
    });
    view! {
        <section aria-labelledby="read-receipts">
            <h2 id="read-receipts">{words.t(k::privacy_receipts_heading)}</h2>
            <p class="hint">
                {move || if sharing.get() {
                    words.t(k::privacy_receipts_on)
                } else {
                    words.t(k::privacy_receipts_off)
                }}
            </p>
            <ActionForm action=save>
                <input type="hidden" name="share" value=move || (!sharing.get()).to_string()/>
                <button type="submit" class="button button-quiet">
                    {move || if sharing.get() { words.t(k::privacy_receipts_stop) } else { words.t(k::privacy_receipts_share) }}
                </button>
            </ActionForm>
        </section>
    }
}
