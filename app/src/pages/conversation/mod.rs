//! A conversation's page: the thread, live, with its reply box.

mod actions;
mod add_people;
mod banners;
mod edit;
mod live;
mod message;
mod reactions;
mod reply_box;
mod typing;

use crate::api::conversations::{
    get_thread, MessageEdit, MessageKind, MessageView, Quote, Reaction, Seen, ThreadView,
};
use crate::components::party::PartyName;
use crate::i18n::{k, use_words};
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
    // `?at=<message>` (a search hit): the thread opens reaching back to it.
    let query = leptos_router::hooks::use_query_map();
    let at = move || query.read().get("at").and_then(|at| at.parse::<i64>().ok());
    let thread = Resource::new(move || (id(), at()), |(id, at)| get_thread(id, None, at));
    let words = use_words();
    view! {
        <Suspense fallback=move || view! { <p>{words.t(k::thread_loading)}</p> }>
            {move || Suspend::new(async move {
                match thread.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(thread) => Either::Right(view! { <Thread thread/> }),
                }
            })}
        </Suspense>
    }
}

/// The query that opens a message's edit form on the server's page (`?edit=<id>`).
const EDIT_QUERY: &str = "edit";

/// What the messages of an open thread share: its list, the reply being written,
/// and the rules the menu follows.
#[derive(Clone, Copy)]
struct ThreadContext {
    messages: RwSignal<Vec<MessageView>>,
    /// The message the reply box answers, if any.
    replying: RwSignal<Option<Quote>>,
    /// How long a message stays editable, in seconds.
    edit_seconds: i64,
    /// The conversation takes new messages (and edits).
    writable: bool,
    /// The viewer's side (`member:<id>` or `group:<id>`): their reactions are theirs.
    acting_as: StoredValue<String>,
    /// A message request not answered yet: nothing to react with until it is.
    request: RwSignal<bool>,
    /// How far each of the others has read.
    seen: RwSignal<Vec<Seen>>,
}

impl ThreadContext {
    /// A message's new text, wherever it shows: itself and the replies quoting it.
    fn apply_edit(&self, edit: MessageEdit) {
        self.messages.update(|all| {
            for m in all.iter_mut() {
                // The same text again (a retry, or Save without a change) is no edit.
                if m.id == edit.message_id && m.body != edit.body {
                    m.body = edit.body.clone();
                    m.edited_at = Some(edit.edited_at);
                }
                if let Some(quote) = m.reply_to.as_mut().filter(|q| q.id == edit.message_id) {
                    quote.excerpt = crate::domain::markdown::excerpt(
                        &edit.body,
                        crate::api::conversations::QUOTE_LENGTH,
                    );
                }
            }
        });
    }

    /// A message deleted by its author (or removed by a moderator): its text goes,
    /// and the replies quoting it say so.
    fn mark_gone(&self, message_id: i64, removed: bool) {
        self.messages.update(|all| {
            for m in all.iter_mut() {
                if m.id == message_id {
                    m.body.clear();
                    m.reactions.clear();
                    if removed {
                        m.removed = true;
                    } else {
                        m.deleted = true;
                    }
                }
                if let Some(quote) = m.reply_to.as_mut().filter(|q| q.id == message_id) {
                    quote.excerpt.clear();
                    quote.gone = true;
                }
            }
        });
        self.replying.update(|r| {
            if r.as_ref().is_some_and(|q| q.id == message_id) {
                if let Some(q) = r.as_mut() {
                    q.gone = true;
                    q.excerpt.clear();
                }
            }
        });
    }

    fn mark_deleted(&self, message_id: i64) {
        self.mark_gone(message_id, false);
    }

    /// Someone read further (or, marking unread, less far).
    fn apply_seen(&self, seen: Seen) {
        self.seen.update(|all| {
            all.retain(|s| s.token != seen.token);
            all.push(seen);
        });
    }

    /// Who has read up to `message_id` and no further among the messages shown:
    /// "Seen by" goes under it.
    fn seen_at(&self, message_id: i64) -> Vec<String> {
        self.seen.with(|seen| {
            self.messages.with(|all| {
                seen.iter()
                    .filter(|s| {
                        all.iter()
                            .filter(|m| {
                                m.id <= s.up_to && m.kind == MessageKind::Text && !m.is_gone()
                            })
                            .map(|m| m.id)
                            .max()
                            == Some(message_id)
                    })
                    .map(|s| s.name.clone())
                    .collect()
            })
        })
    }

    /// A message's reactions now.
    fn apply_reactions(&self, message_id: i64, reactions: Vec<Reaction>) {
        self.messages.update(|all| {
            if let Some(m) = all.iter_mut().find(|m| m.id == message_id) {
                m.reactions = reactions;
            }
        });
    }
}

/// How an entry of the thread sits among the ones before it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Placement {
    /// A day line above it ("Today", "Monday, December 7"), when it starts a day.
    day: Option<String>,
    /// It follows a message of the same author within `GROUP_SECONDS` on the same
    /// day: drawn without their picture and name again.
    continued: bool,
}

/// Messages of one author closer together than this read as one group.
const GROUP_SECONDS: i64 = 300;

fn placements(
    messages: &[MessageView],
    first_unread: Option<i64>,
    in_reader_zone: bool,
) -> Vec<Placement> {
    let day_of = |m: &MessageView| crate::components::time::day_of(m.created_at, in_reader_zone);
    let mut out = Vec::with_capacity(messages.len());
    let mut previous: Option<&MessageView> = None;
    for m in messages {
        let day = day_of(m);
        let new_day = previous.is_none_or(|p| day_of(p) != day);
        let continued = previous.is_some_and(|p| {
            !new_day
                && p.kind == MessageKind::Text
                && m.kind == MessageKind::Text
                && !p.is_gone()
                && p.author.token == m.author.token
                && p.written_by == m.written_by
                && (m.created_at - p.created_at).num_seconds() < GROUP_SECONDS
                && Some(m.id) != first_unread
        });
        out.push(Placement {
            day: new_day
                .then(|| crate::components::time::day_label(m.created_at, day, in_reader_zone)),
            continued,
        });
        previous = Some(m);
    }
    out
}

#[component]
fn Thread(thread: ThreadView) -> impl IntoView {
    let words = use_words();
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
            if let Ok(page) = get_thread(conversation, Some(before), None).await {
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
    let context = ThreadContext {
        messages,
        replying: RwSignal::new(None),
        edit_seconds: thread.edit_seconds,
        writable: thread.read_only.is_none(),
        acting_as: StoredValue::new(thread.acting_as.token.clone()),
        request,
        seen: RwSignal::new(thread.seen.clone()),
    };
    provide_context(context);
    follow_live(conversation, context);
    let first_unread = thread.first_unread;
    // Days are the server's (UTC) until the page runs, then the reader's.
    let in_reader_zone = RwSignal::new(false);
    Effect::new(move |_| in_reader_zone.set(true));
    // Opened with unread messages: the first of them is where reading resumes.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if first_unread.is_some() {
            if let Some(divider) = document().get_element_by_id("new-messages") {
                // Only as far as needed: a divider already in view stays put.
                let options = web_sys::ScrollIntoViewOptions::new();
                options.set_block(web_sys::ScrollLogicalPosition::Nearest);
                divider.scroll_into_view_with_scroll_into_view_options(&options);
            }
        }
    });
    view! {
        <Title text=title.clone()/>
        <article class="thread panel">
            <header class="thread-head">
                <a class="back-to-list" href="/conversations">
                    <span aria-hidden="true">"‹ "</span>{words.t(k::thread_all_conversations)}
                </a>
                <h1 class="visually-hidden">{words.f(k::thread_heading, &[("names", &title)])}</h1>
                <div class="thread-title">
                    <p class="thread-parties">
                        {move || others.get().into_iter().map(|p| view! { <PartyName party=p link=true/> }).collect_view()}
                    </p>
                    // Mute, Leave and Add people: in a row on a wide screen, behind one
                    // "⋯" on a phone (the stylesheet decides; without JavaScript too).
                    <details class="thread-menu">
                        <summary aria-label=words.t(k::thread_options)>
                            <span aria-hidden="true">"⋯"</span>
                        </summary>
                        <div class="thread-menu-items">
                            <MuteButton conversation muted=thread.muted/>
                            {thread.may_leave.then(|| view! { <LeaveButton conversation/> })}
                            {(thread.multi_person && thread.read_only.is_none()).then(|| view! { <AddPeoplePanel conversation others acting_as=thread.acting_as.clone()/> })}
                        </div>
                    </details>
                </div>
                {(acting_as.kind == crate::api::conversations::PartyKind::Group).then(|| view! {
                    <p class="meta">{words.f(k::thread_answering_as, &[("name", &acting_as.name)])}</p>
                })}
            </header>
            {move || request.get().then(|| view! { <RequestBanner conversation request/> })}
            {first_unread.map(|id| view! {
                <p class="skip-to-new"><a href=format!("#message-{id}")>{words.t(k::thread_jump_to_new)}</a></p>
            })}
            <p class="older" hidden=move || older.get().is_none()>
                <button type="button" class="button button-quiet" on:click=load_older disabled=move || loading_older.get()>
                    {words.t(k::thread_load_older)}
                </button>
            </p>
            <ol class="messages" aria-label=words.t(k::thread_messages)>
                // Keyed by what can change, so an edited, deleted or removed message
                // (or one quoting it) is drawn again.
                // Where each sits among its neighbours is part of the key too: a
                // message loaded before it, or the reader's own time zone once the
                // page runs, can change its day line or its grouping.
                <For
                    each=move || {
                        let all = messages.get();
                        let placed = placements(&all, first_unread, in_reader_zone.get());
                        all.into_iter().zip(placed).collect::<Vec<_>>()
                    }
                    key=|(m, placed)| (m.id, m.removed, m.deleted, m.edited_at, m.reply_to.clone(), placed.clone())
                    let:entry
                >
                    {
                        let (message, placed) = entry;
                        view! {
                            {placed.day.map(|day| view! {
                                <li class="day-line"><span>{day}</span></li>
                            })}
                            {(Some(message.id) == first_unread).then(|| view! {
                                <li class="unread-divider" id="new-messages">{words.t(k::thread_new_messages)}</li>
                            })}
                            <Message message continued=placed.continued/>
                        }
                    }
                </For>
            </ol>
            {match thread.read_only {
                None => leptos::either::Either::Left(view! { <ReplyBox conversation messages draft=thread.draft.clone() pending=thread.pending.clone() rules=thread.attach/> }),
                Some(why) => leptos::either::Either::Right(view! { <p class="read-only-note" role="status">{why}</p> }),
            }}
        </article>
    }
}
