//! "Alice is typing…" under the thread, and announcing one's own typing.

use crate::components::live::use_live;
use crate::i18n::{k, use_words};
use crate::model::live::{TYPING_EVERY, TYPING_SHOWN};
use leptos::prelude::*;

/// Milliseconds on the page's clock (0 on the server, which never shows typing).
fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

/// "Alice is typing…", "Alice and Bob are typing…": whoever announced it in this
/// conversation within `TYPING_SHOWN`, until their message arrives.
#[component]
pub(super) fn TypingLine(conversation: i64) -> impl IntoView {
    let live = use_live();
    let words = use_words();
    // (name, when last announced)
    let typing = RwSignal::new(Vec::<(String, f64)>::new());
    let shown_ms = TYPING_SHOWN.as_millis() as f64;
    Effect::new(move |_| {
        if let Some((id, who)) = live.typing.get() {
            if id != conversation {
                return;
            }
            let now = now_ms();
            typing.update(|t| {
                t.retain(|(name, _)| *name != who);
                t.push((who, now));
            });
            // Gone again unless announced anew.
            set_timeout(
                move || typing.update(|t| t.retain(|(_, at)| now_ms() - at < shown_ms)),
                TYPING_SHOWN,
            );
        }
    });
    // Their message arrived: they stopped typing it.
    Effect::new(move |_| {
        if let Some((id, message)) = live.message.get() {
            if id == conversation {
                typing.update(|t| t.retain(|(name, _)| *name != message.author.name));
            }
        }
    });
    let line = move || {
        typing.with(|t| {
            let names: Vec<&str> = t.iter().map(|(name, _)| name.as_str()).collect();
            match names.as_slice() {
                [] => String::new(),
                [one] => words.f(k::thread_typing_one, &[("name", one)]),
                [a, b] => words.f(k::thread_typing_two, &[("first", a), ("second", b)]),
                _ => words.t(k::thread_typing_several).to_string(),
            }
        })
    };
    view! { <p class="typing meta" aria-live="polite">{line}</p> }
}

/// Announces that the member is typing in the conversation, at most once every
/// `TYPING_EVERY`; call it on every keystroke.
pub(super) fn typing_announcer(conversation: i64) -> impl Fn() + Copy {
    let last = StoredValue::new(f64::MIN);
    move || {
        let now = now_ms();
        if now - last.get_value() < TYPING_EVERY.as_millis() as f64 {
            return;
        }
        last.set_value(now);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let _ = crate::api::conversations::typing(conversation).await;
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = conversation;
    }
}
