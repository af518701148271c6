//! The one message box: a textarea with its live counter ("12 / 1,000", marked
//! past the limit, counted as the server counts) and its error.

use crate::components::message_text::MessageText;
use crate::domain::conversation::{counter_label, MESSAGE_MAX};
use crate::domain::text::visible_length;
use crate::i18n::{k, use_words};
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
///
/// "Preview" shows the text as it will look (the same renderer as the thread),
/// updated as one types. Without JavaScript it posts the form to `preview_form`
/// instead, which saves the text and opens the page again with `?preview`; a box
/// without one offers the preview only once the page is interactive.
#[component]
pub fn MessageField(
    ids: MessageFieldIds,
    #[prop(into)] label: String,
    rows: u32,
    body: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional, into)] preview_form: Option<String>,
) -> impl IntoView {
    let words = use_words();
    let over_limit = move || body.with(|b| visible_length(b.trim()) > MESSAGE_MAX);
    let asked = preview_form.is_some()
        && leptos_router::hooks::use_query_map().with_untracked(|q| q.get("preview").is_some());
    let previewing = RwSignal::new(asked);
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    let offered = preview_form.is_some();
    let preview_id = format!("{}-preview", ids.body);
    view! {
        <label for=ids.body.clone()>{label}</label>
        <textarea
            id=ids.body
            name="body"
            // Right to left as soon as the member types Arabic or Hebrew.
            dir="auto"
            rows=rows.to_string()
            aria-describedby=format!("{} {}", ids.counter, ids.error)
            aria-invalid=move || (error.get().is_some() || over_limit()).then_some("true")
            // The server renders the text (a refused form keeps it); the property
            // follows the signal in the browser.
            inner_html=body.with_untracked(|b| crate::components::field::escape_html(b))
            prop:value=body
            on:input=move |ev| body.set(event_target_value(&ev))
        ></textarea>
        <div class="preview" id=preview_id.clone() hidden=move || !previewing.get()>
            <p class="preview-label meta">{words.t(k::field_preview)}</p>
            <div class="preview-body">
                {move || previewing.get().then(|| view! { <MessageText body=body.get()/> })}
            </div>
        </div>
        <div class="field-tools">
            // Only a box with `preview_form` makes it a submit button: elsewhere it
            // must not be the form's default button (Enter in a field would preview).
            <button
                type=if offered { "submit" } else { "button" }
                class="link-button preview-toggle"
                name="preview"
                value="true"
                formaction=preview_form
                formnovalidate
                hidden=move || !offered && !interactive.get()
                aria-controls=preview_id
                aria-expanded=move || previewing.get().to_string()
                on:click=move |ev| {
                    ev.prevent_default();
                    previewing.update(|p| *p = !*p);
                }
            >
                {move || if previewing.get() { words.t(k::field_hide_preview) } else { words.t(k::field_preview) }}
            </button>
            <p id=ids.counter class="counter" class:over-limit=over_limit>{move || counter_label(&body.get(), words.language)}</p>
        </div>
        <p class="field-error" id=ids.error role="alert">{move || error.get()}</p>
    }
}
