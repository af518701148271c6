use crate::components::compose::{start_href, use_compose};
use leptos::prelude::*;

/// The contact icon on member profiles and group pages. It opens the
/// start-conversation dialog with that member or group already chosen; without
/// JavaScript it is a plain link to the start page, which does the same.
#[component]
pub fn ContactButton(
    #[prop(into)] label: String,
    /// `member:<handle>` or `group:<slug>`.
    #[prop(into)]
    to: String,
    /// Shown beside the icon, making it a labelled button (the profile's primary
    /// action). The accessible name `label` starts with it, so speech users can say it.
    #[prop(optional, into)]
    text: Option<String>,
) -> impl IntoView {
    let compose = use_compose();
    let href = start_href(&to);
    let class = if text.is_some() {
        "button contact-labelled"
    } else {
        "contact-button"
    };
    view! {
        <a
            href=href
            role="button"
            class=class
            aria-label=label.clone()
            title=label
            on:click={
                let to = to.clone();
                move |ev| {
                    ev.prevent_default();
                    compose.open.set(Some(vec![to.clone()]));
                }
            }
            on:keydown=move |ev| on_space(&ev, || compose.open.set(Some(vec![to.clone()])))
        >
            <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
                <path
                    fill="currentColor"
                    d="M4 4h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm0 2v11.2L8.3 15H20V6H4zm3 3h10v2H7V9z"
                ></path>
            </svg>
            {text}
        </a>
    }
}

/// A link that looks and acts as a button (`role="button"`) opens on Space as a
/// button does; Enter already follows it.
pub fn on_space(ev: &leptos::ev::KeyboardEvent, open: impl FnOnce()) {
    if ev.key() == " " {
        ev.prevent_default();
        open();
    }
}
