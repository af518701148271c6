use leptos::prelude::*;

/// The contact icon on member profiles and group pages: starts a conversation
/// with that member or group. Its accessible name says whom it messages.
#[component]
pub fn ContactButton(#[prop(into)] label: String) -> impl IntoView {
    let (notice, set_notice) = signal(false);
    view! {
        <span class="contact">
            <button
                type="button"
                class="contact-button"
                aria-label=label.clone()
                title=label
                on:click=move |_| set_notice.set(true)
            >
                <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
                    <path
                        fill="currentColor"
                        d="M4 4h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm0 2v11.2L8.3 15H20V6H4zm3 3h10v2H7V9z"
                    ></path>
                </svg>
            </button>
            <span class="contact-notice" role="status">
                {move || notice.get().then_some("Conversations open here soon.")}
            </span>
        </span>
    }
}
