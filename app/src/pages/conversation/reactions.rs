//! Reactions under a message, and the emoji to react with in its menu. Each is a
//! small form (message and emoji), so reacting works without JavaScript too.

use super::ThreadContext;
use crate::api::conversations::React;
use crate::domain::conversation::{reaction_name, REACTIONS};
use crate::error::AppError;
use crate::i18n::{k, use_words, Words};
use leptos::prelude::*;

/// The words for a refused reaction.
fn refusal(words: Words, error: AppError) -> String {
    match error {
        AppError::TooFast(seconds) => words.p(k::thread_too_many_reactions, seconds as i64, &[]),
        other => other.to_string(),
    }
}

/// Applies the answer of a reaction to the thread, and says why one was refused.
pub(super) fn follow_reactions(
    message_id: i64,
    action: ServerAction<React>,
) -> Signal<Option<String>> {
    let thread = expect_context::<ThreadContext>();
    let words = use_words();
    Effect::new(move |_| {
        if let Some(Ok(reactions)) = action.value().get() {
            thread.apply_reactions(message_id, reactions);
        }
    });
    Signal::derive(move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .map(move |e| refusal(words, e))
    })
}

/// One emoji's form: pressing it puts the reaction on, or takes it back.
#[component]
fn ReactionForm(
    message_id: i64,
    action: ServerAction<React>,
    emoji: &'static str,
    #[prop(into)] label: Signal<String>,
    #[prop(into)] pressed: Signal<bool>,
    /// Shown after the emoji (a count), if any.
    #[prop(into)]
    count: Signal<Option<usize>>,
) -> impl IntoView {
    view! {
        <ActionForm action attr:class="reaction-form">
            <input type="hidden" name="message" value=message_id.to_string()/>
            <input type="hidden" name="emoji" value=emoji/>
            // What pressing it makes the reaction: a retried post changes nothing more.
            <input type="hidden" name="on" value=move || (!pressed.get()).to_string()/>
            <button
                type="submit"
                class="reaction"
                aria-pressed=move || pressed.get().to_string()
                aria-label=move || label.get()
                title=move || label.get()
                disabled=move || action.pending().get()
                // Chosen from a message's menu: the menu closes, as after any choice.
                on:click=move |ev| super::actions::close_menu(&ev)
            >
                <span aria-hidden="true">{emoji}</span>
                {move || count.get().map(|n| view! { <span class="reaction-count" aria-hidden="true">{n}</span> })}
            </button>
        </ActionForm>
    }
}

/// The reactions a message has, each a toggle with its count; who reacted is in
/// its accessible name and its tooltip.
#[component]
pub(super) fn ReactionBar(message_id: i64, action: ServerAction<React>) -> impl IntoView {
    let thread = expect_context::<ThreadContext>();
    let words = use_words();
    let me = thread.acting_as;
    let reactions = Memo::new(move |_| {
        thread.messages.with(|all| {
            all.iter()
                .find(|m| m.id == message_id)
                .map(|m| m.reactions.clone())
                .unwrap_or_default()
        })
    });
    view! {
        <div class="reactions" role="group" aria-label=words.t(k::thread_reactions) hidden=move || reactions.with(Vec::is_empty)>
            {REACTIONS.iter().map(|(emoji, _)| {
                let emoji: &'static str = emoji;
                let this = move || reactions.with(|all| all.iter().find(|r| r.emoji == emoji).cloned());
                let label = Signal::derive(move || {
                    this().map(|r| me.with_value(|t| r.label(t, words))).unwrap_or_default()
                });
                let pressed = Signal::derive(move || this().is_some_and(|r| me.with_value(|t| r.includes(t))));
                let count = Signal::derive(move || this().map(|r| r.from.len()));
                view! {
                    <Show when=move || this().is_some()>
                        <ReactionForm message_id action emoji label pressed count/>
                    </Show>
                }
            }).collect_view()}
        </div>
    }
}

/// The six emoji to react with, in a message's menu.
#[component]
pub(super) fn ReactionPicker(message_id: i64, action: ServerAction<React>) -> impl IntoView {
    let thread = expect_context::<ThreadContext>();
    let words = use_words();
    let me = thread.acting_as;
    view! {
        <div class="reaction-picker" role="group" aria-label=words.t(k::thread_react)>
            {REACTIONS.iter().map(|(emoji, _)| {
                let emoji: &'static str = emoji;
                let pressed = Signal::derive(move || {
                    thread.messages.with(|all| {
                        all.iter()
                            .find(|m| m.id == message_id)
                            .and_then(|m| m.reactions.iter().find(|r| r.emoji == emoji))
                            .is_some_and(|r| me.with_value(|t| r.includes(t)))
                    })
                });
                let label = Signal::derive(move || words.f(k::thread_react_with, &[("name", &reaction_name(emoji, words))]));
                let count = Signal::stored(None::<usize>);
                view! { <ReactionForm message_id action emoji label pressed count/> }
            }).collect_view()}
        </div>
    }
}
