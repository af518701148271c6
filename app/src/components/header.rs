use crate::api::auth::Viewer;
use crate::api::conversations::unread_conversations;
use crate::components::avatar::Avatar;
use crate::components::live::use_live;
use crate::components::notifications::NotificationsMenu;
use crate::components::session::use_session;
use crate::i18n::{k, use_words};
use crate::model::PORTAL_NAME;
use leptos::either::Either;
use leptos::prelude::*;

#[component]
pub fn Header() -> impl IntoView {
    let session = use_session();
    let words = use_words();
    // Unread conversations, read again on every navigation and session change.
    let location = leptos_router::hooks::use_location();
    let unread = Resource::new(
        move || {
            (
                location.pathname.get(),
                session.sign_in.version().get(),
                session.sign_out.version().get(),
            )
        },
        |_| async move { unread_conversations().await.unwrap_or(0) },
    );
    view! {
        <header class="site-header">
            <div class="header-inner">
                <a class="brand" href="/">{PORTAL_NAME}</a>
                <MainNav/>
                <div class="account">
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            // Both awaited in one Suspend: nested boundaries here broke hydration.
                            let count = unread.await;
                            match session.viewer.await {
                                Some(viewer) => Either::Left(view! {
                                    <NotificationsMenu/>
                                    <Envelope count/>
                                    <MemberMenu viewer/>
                                }),
                                None => Either::Right(view! {
                                    <a class="button button-quiet" href="/sign-in">{words.t(k::header_sign_in)}</a>
                                    <a class="button" href="/register">{words.t(k::header_register)}</a>
                                }),
                            }
                        })}
                    </Transition>
                </div>
            </div>
        </header>
    }
}

/// The main navigation. On a phone it folds into a "Menu" disclosure, so the
/// header stays one row; `<details>` opens without script, as the member menu
/// does. From 48rem on, the stylesheet shows the links inline and hides the
/// summary (style/main.css, `::details-content`).
#[component]
fn MainNav() -> impl IntoView {
    let words = use_words();
    let menu = NodeRef::<leptos::html::Details>::new();
    // Following a link closes the menu, as it would close on a new page.
    let close_menu = move |_| {
        if let Some(menu) = menu.get_untracked() {
            menu.set_open(false);
        }
    };
    view! {
        <nav class="main-nav" aria-label=words.t(k::header_main_nav)>
            <details class="nav-menu" node_ref=menu>
                <summary title=words.t(k::header_menu)>
                    <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
                        <path fill="currentColor" d="M3 6h18v2H3zm0 5h18v2H3zm0 5h18v2H3z"></path>
                    </svg>
                    <span class="visually-hidden">{words.t(k::header_menu)}</span>
                </summary>
                <ul on:click=close_menu>
                    <li><a href="/members">{words.t(k::header_members)}</a></li>
                    <li><a href="/groups">{words.t(k::header_groups)}</a></li>
                    <li><a href="/code-of-conduct">{words.t(k::header_code_of_conduct)}</a></li>
                </ul>
            </details>
        </nav>
    }
}

/// The envelope: opens Conversations; gold while any conversation has unread
/// messages, with the count in a badge beside it (hidden from screen readers:
/// the accessible name says how many). The server renders the count
/// it read; once the live stream is connected, the live count takes over.
#[component]
fn Envelope(count: i64) -> impl IntoView {
    let live = use_live();
    let words = use_words();
    let count = move || {
        live.unread
            .with(|u| u.as_ref().map(|set| set.len() as i64))
            .unwrap_or(count)
    };
    let class = move || match count() {
        0 => "envelope",
        _ => "envelope has-unread",
    };
    let label = move || match count() {
        0 => words.t(k::header_conversations).to_string(),
        n => words.p(k::header_unread, n, &[]),
    };
    view! {
        <a
            class=class
            href="/conversations"
            aria-label=label
            title=label
            data-live=move || live.connected.get().then_some("connected")
        >
            <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
                <path
                    fill="currentColor"
                    d="M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm1 2.4V17h16V7.4l-8 5.1-8-5.1zM5.3 7l6.7 4.3L18.7 7H5.3z"
                ></path>
            </svg>
            {move || {
                let n = count();
                (n > 0).then(|| {
                    let text = if n > 99 { "99+".to_string() } else { n.to_string() };
                    view! { <span class="count-badge" aria-hidden="true">{text}</span> }
                })
            }}
        </a>
    }
}

/// The signed-in member's menu. A `<details>` element opens and closes without
/// any script, so the menu works before hydration and without JavaScript.
#[component]
fn MemberMenu(viewer: Viewer) -> impl IntoView {
    let session = use_session();
    let words = use_words();
    let profile = format!("/members/{}", viewer.handle);
    let menu = NodeRef::<leptos::html::Details>::new();
    let close_menu = move || {
        if let Some(menu) = menu.get_untracked() {
            menu.set_open(false);
        }
    };
    view! {
        <details class="member-menu" node_ref=menu>
            // On a phone only the avatar shows (style/main.css); the name stays in
            // the accessible name and the tooltip.
            <summary aria-label=words.f(k::header_account_menu, &[("name", &viewer.display_name)]) title=viewer.display_name.clone()>
                <Avatar name=viewer.display_name.clone() seed=viewer.handle.clone() image=viewer.avatar.clone()/>
                <bdi class="member-menu-name">{viewer.display_name.clone()}</bdi>
            </summary>
            // Following a link closes the menu, as it would close on a new page.
            <ul class="member-menu-items" on:click=move |_| close_menu()>
                <li><a href=profile>{words.t(k::header_your_profile)}</a></li>
                <li><a href="/settings/profile">{words.t(k::header_edit_profile)}</a></li>
                <li><a href="/settings/notifications">{words.t(k::header_notification_settings)}</a></li>
                <li><a href="/settings/privacy">{words.t(k::header_privacy)}</a></li>
                <li><a href="/settings/security">{words.t(k::header_security)}</a></li>
                <li><a href="/settings/account">{words.t(k::header_account)}</a></li>
                {viewer.role.moderates().then(|| view! { <li><a href="/moderation">{words.t(k::header_moderation)}</a></li> })}
                {(viewer.role == crate::model::account::Role::Admin).then(|| view! { <li><a href="/admin">{words.t(k::header_administration)}</a></li> })}
                <li>
                    <ActionForm action=session.sign_out>
                        <button type="submit" class="link-button">{words.t(k::header_sign_out)}</button>
                    </ActionForm>
                </li>
            </ul>
        </details>
    }
}
