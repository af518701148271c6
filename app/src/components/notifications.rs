//! The notifications menu in the header and the live toasts.

use crate::api::notifications::{list_notifications, NotificationItem};
use crate::components::live::use_live;
use crate::components::time::Time;
use crate::error::AppError;
use crate::i18n::{k, use_words};
use leptos::either::EitherOf4;
use leptos::prelude::*;

/// "Alice wrote to you" for each unread conversation, newest first. Read once
/// the page is live, on opening, and whenever something changes, so the bell's
/// dot says whether there are any without opening it.
#[component]
pub fn NotificationsMenu() -> impl IntoView {
    let live = use_live();
    let words = use_words();
    let items = RwSignal::new(None::<Result<Vec<NotificationItem>, AppError>>);
    let open = RwSignal::new(false);
    let details = NodeRef::<leptos::html::Details>::new();
    // Not while the page hydrates: a list arriving mid-hydration changed the DOM
    // under the hydration walk (a panic on a slow phone). The first list comes when
    // the live stream connects (as the envelope's count does), or on opening.
    Effect::new(move |_| {
        live.activity.track();
        if live.connected.get() || open.get() {
            leptos::task::spawn_local(async move {
                items.set(Some(list_notifications().await));
            });
        }
    });
    let has_entries = move || items.with(|i| matches!(i, Some(Ok(list)) if !list.is_empty()));
    let on_toggle = move |_| {
        if let Some(element) = details.get_untracked() {
            open.set(element.open());
        }
    };
    // Following a link inside closes the menu (the page changes in place).
    let close_on_link = move |ev: leptos::ev::MouseEvent| {
        let on_link = ev
            .target()
            .and_then(|t| {
                leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::Element>(t).ok()
            })
            .and_then(|e| e.closest("a").ok().flatten())
            .is_some();
        if on_link {
            if let Some(element) = details.get_untracked() {
                element.set_open(false);
            }
            open.set(false);
        }
    };
    view! {
        <details class="notifications-menu" node_ref=details on:toggle=on_toggle on:click=close_on_link>
            // The name stays "Notifications"; the dot, when there are entries, is its description.
            <summary
                aria-label=words.t(k::notice_title)
                title=words.t(k::notice_title)
                aria-describedby=move || has_entries().then_some("notifications-new")
            >
                <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
                    <path
                        fill="currentColor"
                        d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2zm-2 1H7v-6a5 5 0 0 1 10 0v6z"
                    ></path>
                </svg>
                <Show when=has_entries>
                    <span class="bell-dot" id="notifications-new" aria-hidden="true">
                        <span class="visually-hidden">{words.t(k::notice_new)}</span>
                    </span>
                </Show>
            </summary>
            <div class="notifications-panel">
                <h2 class="notifications-title">{words.t(k::notice_title)}</h2>
                {move || match items.get() {
                    None => EitherOf4::A(view! { <p class="meta">{words.t(k::notice_loading)}</p> }),
                    Some(Err(error)) => EitherOf4::B(view! { <p class="field-error">{error.to_string()}</p> }),
                    Some(Ok(list)) if list.is_empty() => EitherOf4::C(view! { <p class="meta">{words.t(k::notice_nothing)}</p> }),
                    Some(Ok(list)) => EitherOf4::D(view! {
                        <ul class="notifications-list">
                            {list.into_iter().map(|item| view! {
                                <li>
                                    <a href=item.link>{item.text}</a>
                                    <span class="meta"><Time at=item.at/></span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }),
                }}
                <p><a href="/settings/notifications">{words.t(k::notice_settings)}</a></p>
            </div>
        </details>
    }
}

/// Short notices of new messages, shown for a few seconds.
#[component]
pub fn Toasts() -> impl IntoView {
    let live = use_live();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || live.toasts.get() key=|t| t.id let:toast>
                <a class="toast" href=format!("/conversations/{}", toast.conversation_id)>{toast.text}</a>
            </For>
        </div>
    }
}
