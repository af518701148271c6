//! The one message box: a textarea with its live counter ("12 / 1,000", marked
//! past the limit, counted as the server counts) and its error.

use crate::domain::conversation::{counter_label, MESSAGE_MAX};
use crate::domain::text::visible_length;
use leptos::prelude::*;

/// The element ids a message box uses (the browser tests and `aria-describedby`
/// name them).
#[derive(Clone)]
pub struct MessageFieldIds {
    pub body: String,
    pub counter: String,
    pub error: String,
}

impl MessageFieldIds {
    /// `<prefix>-body`, `<prefix>-counter`, `<prefix>-error`.
    pub fn new(prefix: &str) -> Self {
        Self {
            body: format!("{prefix}-body"),
            counter: format!("{prefix}-counter"),
            error: format!("{prefix}-error"),
        }
    }
}

/// Posted as `body`; `error` is shown under the counter and marks the box invalid.
#[component]
pub fn MessageField(
    ids: MessageFieldIds,
    #[prop(into)] label: String,
    rows: u32,
    body: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let over_limit = move || body.with(|b| visible_length(b.trim()) > MESSAGE_MAX);
    view! {
        <label for=ids.body.clone()>{label}</label>
        <textarea
            id=ids.body
            name="body"
            rows=rows.to_string()
            aria-describedby=format!("{} {}", ids.counter, ids.error)
            aria-invalid=move || (error.get().is_some() || over_limit()).then_some("true")
            // The server renders the text (a refused form keeps it); the property
            // follows the signal in the browser.
            inner_html=body.with_untracked(|b| crate::components::field::escape_html(b))
            prop:value=body
            on:input=move |ev| body.set(event_target_value(&ev))
        ></textarea>
        <p id=ids.counter class="counter" class:over-limit=over_limit>{move || counter_label(&body.get())}</p>
        <p class="field-error" id=ids.error role="alert">{move || error.get()}</p>
    }
}
