use crate::api::conversations::unread_conversations;
use crate::api::groups::{get_community_news, CommunityNews, JoinGroup, LeaveGroup};
use crate::components::session::use_session;
use crate::i18n::{k, use_words};
use crate::model::PORTAL_NAME;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    let words = use_words();
    view! {
        <Title text=PORTAL_NAME/>
        <section class="hero">
            <h1>{PORTAL_NAME}</h1>
            <p class="lead">{words.t(k::home_lead)}</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match session.viewer.await {
                        Some(viewer) => Either::Left(view! {
                            <p>{words.f(k::home_welcome_back, &[("name", &viewer.display_name)])}</p>
                            <WhatIsNew/>
                        }),
                        None => Either::Right(view! {
                            <p>
                                <a class="button" href="/register">{words.t(k::home_join)}</a>
                                {words.t(k::home_or)}
                                <a href="/sign-in">{words.t(k::home_sign_in)}</a>
                                {words.t(k::home_sign_in_after)}
                            </p>
                        }),
                    }
                })}
            </Suspense>
            <ul class="home-links">
                <li><a href="/members">{words.t(k::home_browse_members)}</a></li>
                <li><a href="/groups">{words.t(k::home_browse_groups)}</a></li>
                <li><a href="/code-of-conduct">{words.t(k::home_read_conduct)}</a></li>
            </ul>
        </section>
    }
}

/// What waits for the member: unread conversations, invitations to groups (to
/// accept or decline here), and requests to join the groups they manage.
#[component]
fn WhatIsNew() -> impl IntoView {
    let accept = ServerAction::<JoinGroup>::new();
    let decline = ServerAction::<LeaveGroup>::new();
    let words = use_words();
    let news = Resource::new(
        move || (accept.version().get(), decline.version().get()),
        // Both at once: on the server each reads the request's context as it starts,
        // and a page rendered again drops the first rendering's owner (and context)
        // while a call started after the other's answer would still be to come.
        |_| futures::future::join(unread_conversations(), get_community_news()),
    );
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (unread, news) = news.await;
                let unread = unread.unwrap_or(0);
                let news = news.unwrap_or_default();
                let nothing = unread == 0 && news.invitations.is_empty() && news.requests.is_empty();
                view! {
                    <section class="whats-new panel" aria-labelledby="whats-new">
                        <h2 id="whats-new">{words.t(k::home_whats_new)}</h2>
                        {nothing.then(|| view! { <p>{words.t(k::home_nothing_new)}</p> })}
                        <ul>
                            {(unread > 0).then(|| view! {
                                <li><a href="/conversations">{words.p(k::home_unread, unread, &[])}</a></li>
                            })}
                            <Invitations news=news.clone() accept decline/>
                            {news.requests.into_iter().map(|r| view! {
                                <li>
                                    <a href=format!("/groups/{}", r.slug)>
                                        {words.p(k::home_join_requests, r.count, &[("name", &r.name)])}
                                    </a>
                                </li>
                            }).collect_view()}
                        </ul>
                    </section>
                }
            })}
        </Suspense>
    }
}

#[component]
fn Invitations(
    news: CommunityNews,
    accept: ServerAction<JoinGroup>,
    decline: ServerAction<LeaveGroup>,
) -> impl IntoView {
    let words = use_words();
    news.invitations
        .into_iter()
        .map(|i| {
            let (slug, name) = (i.slug.clone(), i.name.clone());
            let (join_label, decline_label) = (
                words.f(k::home_join_group, &[("name", &name)]),
                words.f(k::home_decline_group, &[("name", &name)]),
            );
            let (join_slug, decline_slug) = (slug.clone(), slug.clone());
            let said = match &i.invited_by {
                Some(manager) => words.f(k::home_invited_by, &[("manager", manager)]),
                None => words.t(k::home_invited).to_string(),
            };
            view! {
                <li>
                    {said} <a href=format!("/groups/{slug}")>{name}</a> {words.t(k::home_invited_after)}
                    <ActionForm action=accept attr:class="inline-form">
                        <input type="hidden" name="slug" value=join_slug/>
                        <button type="submit" class="button">{join_label}</button>
                    </ActionForm>
                    " "
                    <ActionForm action=decline attr:class="inline-form">
                        <input type="hidden" name="slug" value=decline_slug/>
                        <button type="submit" class="button button-quiet">{decline_label}</button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view()
}
