use crate::api::conversations::{list_conversations, ConversationSummary, InboxPage};
use crate::api::moderation::{my_warnings, AcknowledgeWarnings};
use crate::components::compose::use_compose;
use crate::components::live::use_live;
use crate::components::party::PartyName;
use crate::components::time::Time;
use crate::i18n::{k, use_words};
use crate::pages::{error_view, members::encode_query};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The inbox: the member's conversations (or, with `?group=slug`, a managed
/// group's), most recent activity first, paged by keyset.
#[component]
pub fn ConversationsPage() -> impl IntoView {
    let query = use_query_map();
    let group = move || query.read().get("group").filter(|g| !g.is_empty());
    let before = move || query.read().get("before").filter(|b| !b.is_empty());
    // Read again whenever something happens in the member's conversations.
    let live = use_live();
    let page = Resource::new(
        move || (group(), before(), live.activity.get()),
        |(group, before, _)| list_conversations(group, before),
    );
    let compose = use_compose();
    let acknowledge = ServerAction::<AcknowledgeWarnings>::new();
    let warnings = Resource::new(move || acknowledge.version().get(), |_| my_warnings());
    let words = use_words();

    view! {
        <Title text=words.t(k::list_title)/>
        <Suspense>
            {move || Suspend::new(async move {
                let warnings = warnings.await.unwrap_or_default();
                (!warnings.is_empty()).then(|| view! {
                    <section class="warning panel" role="alert" aria-label=words.t(k::list_warning_label)>
                        <p>{words.t(k::list_warning_before)}
                            <a href="/code-of-conduct">{words.t(k::list_warning_link)}</a> {words.t(k::list_warning_after)}</p>
                        <ul>
                            {warnings.into_iter().map(|w| view! { <li><q>{w.excerpt}</q></li> }).collect_view()}
                        </ul>
                        <ActionForm action=acknowledge>
                            <button type="submit" class="button">{words.t(k::list_warning_understood)}</button>
                        </ActionForm>
                    </section>
                })
            })}
        </Suspense>
        <div class="page-head">
            <h1>{words.t(k::list_title)}</h1>
            <a
                class="button"
                id="start-conversation"
                href="/conversations/new"
                role="button"
                on:click=move |ev| {
                    ev.prevent_default();
                    compose.open.set(Some(Vec::new()));
                }
                on:keydown=move |ev| crate::components::contact::on_space(&ev, || compose.open.set(Some(Vec::new())))
            >
                {words.t(k::list_start)}
            </a>
        </div>
        <form method="get" action="/conversations/search" role="search" class="search-row inbox-search">
            <label for="inbox-search" class="visually-hidden">{words.t(k::list_search_label)}</label>
            <input id="inbox-search" type="search" name="q" placeholder=words.t(k::list_search_label)
                maxlength=crate::domain::search::SEARCH_MAX.to_string() autocomplete="off"/>
            <button type="submit" class="button button-quiet">{words.t(k::search_submit)}</button>
        </form>
        // A transition: the list stays on screen while it is read again.
        <Transition fallback=move || view! { <p>{words.t(k::list_loading)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(page) => Either::Right(view! { <Inbox page/> }),
                }
            })}
        </Transition>
    }
}

#[component]
fn Inbox(page: InboxPage) -> impl IntoView {
    let words = use_words();
    let current = page.group.as_ref().map(|g| g.handle.clone());
    let tabs = (!page.managed_groups.is_empty()).then(|| {
        let current = current.clone();
        view! {
            <nav class="tabs" aria-label=words.t(k::list_tabs_label)>
                <a href="/conversations" aria-current=current.is_none().then_some("page")>{words.t(k::list_tab_yours)}</a>
                {page.managed_groups.iter().map(|g| {
                    let is_current = current.as_deref() == Some(g.handle.as_str());
                    view! {
                        <a href=format!("/conversations?group={}", g.handle) aria-current=is_current.then_some("page")>
                            {words.f(k::list_tab_group, &[("name", &g.name)])}
                        </a>
                    }
                }).collect_view()}
            </nav>
        }
    });
    let next = page.next.clone().map(|next| {
        let href = match &current {
            Some(group) => format!("/conversations?group={group}&before={}", encode_query(&next)),
            None => format!("/conversations?before={}", encode_query(&next)),
        };
        view! { <p class="pager"><a class="button button-quiet" href=href rel="next">{words.t(k::list_older)}</a></p> }
    });
    let empty = page.conversations.is_empty();
    let requests = (page.requests > 0).then(|| view! {
        <p class="requests-link">
            <a href="/conversations/requests">{words.f(k::list_requests_link, &[("count", &words.number(page.requests))])}</a>
        </p>
    });
    view! {
        {tabs}
        {requests}
        {empty.then(|| view! { <p class="empty">{words.t(k::list_empty)}</p> })}
        <ul class="conversation-list">
            {page.conversations.into_iter().map(|c| view! { <ConversationRow conversation=c/> }).collect_view()}
        </ul>
        {next}
    }
}

#[component]
fn ConversationRow(conversation: ConversationSummary) -> impl IntoView {
    let words = use_words();
    let names = conversation
        .others
        .iter()
        .map(|p| p.name.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let label = if conversation.unread {
        words.f(k::list_row_unread, &[("names", &names)])
    } else {
        names
    };
    view! {
        <li class="conversation-row" class:unread=conversation.unread>
            <a class="conversation-link" href=format!("/conversations/{}", conversation.id) aria-label=label>
                <span class="conversation-parties">
                    {conversation.others.into_iter().take(4).map(|p| view! { <PartyName party=p/> }).collect_view()}
                </span>
                <span class="conversation-snippet">
                    <strong>{if conversation.mine { words.t(k::list_you).to_string() } else { conversation.last_author }} {words.t(k::list_colon)}</strong>
                    {conversation.snippet}
                </span>
                <span class="conversation-meta">
                    <Time at=conversation.last_message_at/>
                    {conversation.unread.then(|| view! { <span class="unread-dot" aria-hidden="true"></span> <span class="visually-hidden">{words.t(k::list_unread)}</span> })}
                </span>
            </a>
        </li>
    }
}
