//! A conversation's page: the thread, live, with its reply box.

mod add_people;
mod banners;
mod live;
mod message;
mod reply_box;

use crate::api::conversations::{get_thread, ThreadView};
use crate::components::party::PartyName;
use crate::pages::error_view;
use add_people::AddPeoplePanel;
use banners::{LeaveButton, MuteButton, RequestBanner};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use live::follow_live;
use message::Message;
use reply_box::ReplyBox;

#[component]
pub fn ConversationPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let thread = Resource::new(id, |id| get_thread(id, None));
    view! {
        <Suspense fallback=|| view! { <p>"Loading conversation…"</p> }>
            {move || Suspend::new(async move {
                match thread.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(thread) => Either::Right(view! { <Thread thread/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Thread(thread: ThreadView) -> impl IntoView {
    let conversation = thread.id;
    let title = thread
        .others
        .iter()
        .map(|p| p.name.clone())
        .collect::<Vec<_>>()
        .join(", ");
    // Older pages are prepended, replies appended; the server's page sits between.
    let messages = RwSignal::new(thread.messages.clone());
    let older = RwSignal::new(thread.older);
    let loading_older = RwSignal::new(false);
    let load_older = move |_| {
        let Some(before) = older.get_untracked() else {
            return;
        };
        loading_older.set(true);
        leptos::task::spawn_local(async move {
            if let Ok(page) = get_thread(conversation, Some(before)).await {
                older.set(page.older);
                messages.update(|m| {
                    let mut all = page.messages;
                    all.retain(|x| !m.iter().any(|y| y.id == x.id));
                    all.append(m);
                    *m = all;
                });
            }
            loading_older.set(false);
        });
    };
    let acting_as = thread.acting_as.clone();
    let others = RwSignal::new(thread.others.clone());
    let request = RwSignal::new(thread.request);
    follow_live(conversation, messages);
    view! {
        <Title text=title.clone()/>
        <article class="thread panel">
            <header class="thread-head">
                <h1 class="visually-hidden">{format!("Conversation with {title}")}</h1>
                <p class="thread-parties">
                    {move || others.get().into_iter().map(|p| view! { <PartyName party=p link=true/> }).collect_view()}
                </p>
                {(acting_as.kind == crate::api::conversations::PartyKind::Group).then(|| view! {
                    <p class="meta">{format!("You are answering as the {} group.", acting_as.name)}</p>
                })}
                <MuteButton conversation muted=thread.muted/>
                {thread.may_leave.then(|| view! { <LeaveButton conversation/> })}
                {(thread.multi_person && thread.read_only.is_none()).then(|| view! { <AddPeoplePanel conversation others acting_as=thread.acting_as.clone()/> })}
            </header>
            {move || request.get().then(|| view! { <RequestBanner conversation request/> })}
            <p class="older" hidden=move || older.get().is_none()>
                <button type="button" class="button button-quiet" on:click=load_older disabled=move || loading_older.get()>
                    "Load older messages"
                </button>
            </p>
            <ol class="messages" aria-label="Messages">
                // Keyed by removal too, so a message a moderator removes is drawn again.
                <For each=move || messages.get() key=|m| (m.id, m.removed) let:message>
                    <Message message/>
                </For>
            </ol>
            {match thread.read_only {
                None => leptos::either::Either::Left(view! { <ReplyBox conversation messages/> }),
                Some(why) => leptos::either::Either::Right(view! { <p class="read-only-note" role="status">{why}</p> }),
            }}
        </article>
    }
}
