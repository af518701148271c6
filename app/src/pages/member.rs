use crate::api::members::get_member_profile;
use crate::api::moderation::SetBlock;
use crate::components::{avatar::Avatar, contact::ContactButton};
use crate::i18n::{k, use_words, Words};
use crate::model::account::Role;
use crate::pages::error_view;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn MemberPage() -> impl IntoView {
    let params = use_params_map();
    let handle = move || params.read().get("handle").unwrap_or_default();
    let profile = Resource::new(handle, get_member_profile);
    let words = use_words();

    view! {
        <Suspense fallback=move || view! { <p>{words.t(k::member_loading)}</p> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(p) => Either::Right(view! {
                        <Title text=p.display_name.clone()/>
                        <article class="profile panel">
                            <header class="profile-header">
                                <Avatar name=p.display_name.clone() seed=p.handle.clone() large=true image=p.avatar.clone()/>
                                <div class="profile-title">
                                    <h1>{p.display_name.clone()}</h1>
                                    <p class="handle">{format!("@{}", p.handle)}</p>
                                    {role_label(words, p.role).map(|label| view! { <p class="badge">{label}</p> })}
                                </div>
                                <div class="profile-actions">
                                    <ContactButton
                                        label=words.f(k::member_message_label, &[("name", &p.display_name)])
                                        text=words.t(k::member_message)
                                        to=format!("member:{}", p.handle)
                                    />
                                    {p.viewer_blocked.map(|blocked| view! {
                                        <MoreActions handle=p.handle.clone() name=p.display_name.clone() blocked/>
                                    })}
                                </div>
                            </header>
                            {p.viewer_is_member.then(|| view! {
                                <p><a class="button button-quiet" href="/settings/profile">{words.t(k::member_edit_profile)}</a></p>
                            })}
                            <p class="bio">
                                {if p.bio.is_empty() { words.t(k::member_no_bio).to_string() } else { p.bio.clone() }}
                            </p>
                            <p class="meta">
                                {words.t(k::member_since)}
                                <time datetime=p.member_since.to_string()>{long_date(words, p.member_since)}</time>
                            </p>
                            <section>
                                <h2>{words.t(k::member_groups)}</h2>
                                {if p.groups.is_empty() {
                                    Either::Left(view! { <p>{words.t(k::member_no_groups)}</p> })
                                } else {
                                    Either::Right(view! {
                                        <ul class="tag-list">
                                            {p.groups.into_iter().map(|g| view! {
                                                <li>
                                                    <a href=format!("/groups/{}", g.slug)>{g.name}</a>
                                                    {g.is_manager.then(|| view! { <span class="badge">{words.t(k::member_manager)}</span> })}
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    })
                                }}
                            </section>
                        </article>
                    }),
                }
            })}
        </Suspense>
    }
}

/// A member's role as their profile shows it (none for a plain member).
fn role_label(words: Words, role: Role) -> Option<&'static str> {
    match role {
        Role::Member => None,
        Role::Moderator => Some(words.t(k::member_role_moderator)),
        Role::Admin => Some(words.t(k::member_role_admin)),
    }
}

/// A date written out in the reader's language ("January 5, 2024").
fn long_date(words: Words, date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    const MONTHS: [crate::i18n::Key; 12] = [
        k::member_month_january,
        k::member_month_february,
        k::member_month_march,
        k::member_month_april,
        k::member_month_may,
        k::member_month_june,
        k::member_month_july,
        k::member_month_august,
        k::member_month_september,
        k::member_month_october,
        k::member_month_november,
        k::member_month_december,
    ];
    words.f(
        k::member_date,
        &[
            ("month", &words.t(MONTHS[date.month0() as usize])),
            ("day", &date.day()),
            ("year", &date.year()),
        ],
    )
}

/// The "⋯" menu beside Message: the actions a member rarely takes. A
/// `<details>` disclosure, so it opens without JavaScript too.
#[component]
fn MoreActions(handle: String, name: String, blocked: bool) -> impl IntoView {
    let words = use_words();
    view! {
        <details class="more-actions">
            <summary aria-label=words.f(k::member_more_actions_for, &[("name", &name)]) title=words.t(k::member_more_actions)>"⋯"</summary>
            <div class="more-actions-menu">
                <BlockToggle handle name=name.clone() blocked/>
                // Reports are about a message (the moderators see it in context):
                // this leads to how to report one. A full load (`rel="external"`) so
                // the browser scrolls to the section.
                <a href="/code-of-conduct#reporting" rel="external">{words.f(k::member_report, &[("name", &name)])}</a>
                <p class="hint">{words.t(k::member_report_hint)}</p>
            </div>
        </details>
    }
}

/// Block or unblock this member. A blocked member can no longer start a
/// conversation with the viewer or add them to one.
#[component]
fn BlockToggle(handle: String, name: String, blocked: bool) -> impl IntoView {
    let toggle = ServerAction::<SetBlock>::new();
    let words = use_words();
    let blocked_now = RwSignal::new(blocked);
    Effect::new(move |_| {
        if let Some(Ok(now)) = toggle.value().get() {
            blocked_now.set(now);
        }
    });
    let status_name = name.clone();
    let status = move || {
        toggle.value().get().map(|result| match result {
            Ok(true) => words.f(k::member_blocked, &[("name", &status_name)]),
            Ok(false) => words.f(k::member_unblocked, &[("name", &status_name)]),
            Err(error) => error.to_string(),
        })
    };
    view! {
        <ActionForm action=toggle attr:class="block-form">
            <input type="hidden" name="handle" value=handle/>
            <input type="hidden" name="blocked" value=move || (!blocked_now.get()).to_string()/>
            <button type="submit" class="button button-quiet">
                {move || if blocked_now.get() { words.f(k::member_unblock, &[("name", &name)]) } else { words.f(k::member_block, &[("name", &name)]) }}
            </button>
            <p role="status" class="meta">{status}</p>
        </ActionForm>
    }
}
