use crate::api::conversations::unread_conversations;
use crate::api::groups::{get_community_news, CommunityNews, JoinGroup, LeaveGroup};
use crate::components::session::use_session;
use crate::model::PORTAL_NAME;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    view! {
        <Title text=PORTAL_NAME/>
        <section class="hero">
            <h1>{PORTAL_NAME}</h1>
            <p class="lead">
                "Meet the people and groups of the Mautic community, and talk with them privately."
            </p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match session.viewer.await {
                        Some(viewer) => Either::Left(view! {
                            <p>"Welcome back, " {viewer.display_name} "."</p>
                            <WhatIsNew/>
                        }),
                        None => Either::Right(view! {
                            <p>
                                <a class="button" href="/register">"Join the community"</a>
                                " or "
                                <a href="/sign-in">"sign in"</a>
                                "."
                            </p>
                        }),
                    }
                })}
            </Suspense>
            <ul class="home-links">
                <li><a href="/members">"Browse members"</a></li>
                <li><a href="/groups">"Browse groups"</a></li>
                <li><a href="/code-of-conduct">"Read the code of conduct"</a></li>
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
                        <h2 id="whats-new">"What is new"</h2>
                        {nothing.then(|| view! { <p>"Nothing waits for you. Start a conversation, or find a group to join."</p> })}
                        <ul>
                            {(unread > 0).then(|| view! {
                                <li><a href="/conversations">{if unread == 1 { "1 conversation has unread messages".to_string() } else { format!("{unread} conversations have unread messages") }}</a></li>
                            })}
                            <Invitations news=news.clone() accept decline/>
                            {news.requests.into_iter().map(|r| view! {
                                <li>
                                    <a href=format!("/groups/{}", r.slug)>
                                        {if r.count == 1 { format!("1 request to join {}", r.name) } else { format!("{} requests to join {}", r.count, r.name) }}
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
    news.invitations
        .into_iter()
        .map(|i| {
            let (slug, name) = (i.slug.clone(), i.name.clone());
            let (join_label, decline_label) = (format!("Join {name}"), format!("Decline {name}"));
            let (join_slug, decline_slug) = (slug.clone(), slug.clone());
            let said = match &i.invited_by {
                Some(manager) => format!("{manager} invited you to "),
                None => "You are invited to ".to_string(),
            };
            view! {
                <li>
                    {said} <a href=format!("/groups/{slug}")>{name}</a> ". "
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
