//! What a conversation's page offers besides its messages: muting, the
//! message-request banner and leaving.

use crate::api::conversations::{AnswerRequest, LeaveConversation};
use crate::api::notifications::SetMuted;
use crate::i18n::{k, use_words};
use leptos::prelude::*;

/// Accept, decline, or decline and report, for a conversation that is a message request.
#[component]
pub(super) fn RequestBanner(conversation: i64, request: RwSignal<bool>) -> impl IntoView {
    let answer = ServerAction::<AnswerRequest>::new();
    let words = use_words();
    // Accepting keeps the member on this page: the banner goes once it is done.
    Effect::new(move |_| {
        if let Some(Ok(())) = answer.value().get() {
            request.set(false);
        }
    });
    let error = move || {
        answer
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    let button = move |value: &'static str, label: &'static str| {
        view! {
            <ActionForm action=answer>
                <input type="hidden" name="conversation" value=conversation.to_string()/>
                <input type="hidden" name="answer" value=value/>
                <button type="submit" class="button button-quiet">{label}</button>
            </ActionForm>
        }
    };
    view! {
        <section class="request-banner panel" aria-label=words.t(k::thread_request)>
            <p>{words.t(k::thread_request_text)}</p>
            <div class="request-actions">
                {button("accept", words.t(k::thread_accept))}
                {button("decline", words.t(k::thread_decline))}
                {button("decline_and_report", words.t(k::thread_decline_report))}
            </div>
            <p class="field-error" role="alert">{error}</p>
        </section>
    }
}

#[component]
pub(super) fn LeaveButton(conversation: i64) -> impl IntoView {
    let leave = ServerAction::<LeaveConversation>::new();
    let words = use_words();
    let error = move || {
        leave
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <ActionForm action=leave attr:class="leave-form">
            <input type="hidden" name="conversation" value=conversation.to_string()/>
            <button type="submit" class="button button-quiet">{words.t(k::thread_leave)}</button>
            <p class="field-error" role="alert">{error}</p>
        </ActionForm>
    }
}

/// Mute or unmute: a form that works without JavaScript too (the hidden field
/// holds the state to switch to).
#[component]
pub(super) fn MuteButton(conversation: i64, muted: bool) -> impl IntoView {
    let muted = RwSignal::new(muted);
    let mute = ServerAction::<SetMuted>::new();
    let words = use_words();
    Effect::new(move |_| {
        if let Some(Ok(now)) = mute.value().get() {
            muted.set(now);
        }
    });
    view! {
        <ActionForm action=mute attr:class="mute-form">
            <input type="hidden" name="conversation" value=conversation.to_string()/>
            <input type="hidden" name="muted" value=move || (!muted.get()).to_string()/>
            <button type="submit" class="button button-quiet" aria-pressed=move || muted.get().to_string()>
                {move || if muted.get() { words.t(k::thread_unmute) } else { words.t(k::thread_mute) }}
            </button>
        </ActionForm>
    }
}
