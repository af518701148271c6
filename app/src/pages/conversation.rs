use crate::api::conversations::{
    get_thread, AddPeople, AnswerRequest, LeaveConversation, MessageKind, MessageView, PartyKind,
    PartyView, SendMessage, ThreadView,
};
use crate::api::moderation::{ReportMessage, SetBlock};
use crate::api::notifications::SetMuted;
use crate::components::avatar::Avatar;
use crate::components::compose::{
    new_message_key, parties, search_when_typing_pauses, CodeOfConductLine,
};
use crate::components::live::use_live;
use crate::components::message_text::MessageText;
use crate::components::party::PartyName;
use crate::components::time::Time;
use crate::domain::conversation::{counter_label, MessageBody, Party, MESSAGE_MAX};
use crate::domain::moderation::{check_additions, ReportReason};
use crate::domain::text::visible_length;
use crate::pages::error_view;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

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
    // Live: messages arriving in this conversation join the list, and are marked
    // read while the page is visible (the envelope in other tabs follows).
    let live = use_live();
    Effect::new(move |_| {
        let Some((id, message)) = live.message.get() else {
            return;
        };
        if id != conversation {
            return;
        }
        let newest = message.id;
        let mine = message.mine;
        messages.update(|m| {
            if !m.iter().any(|x| x.id == message.id) {
                m.push(message);
                m.sort_by_key(|x| x.id);
            }
        });
        if !mine {
            mark_read_if_visible(conversation, newest);
        }
    });
    // A moderator removed a message: it is replaced here at once.
    Effect::new(move |_| {
        if let Some((id, removed)) = live.removed.get() {
            if id == conversation {
                messages.update(|m| {
                    if let Some(x) = m.iter_mut().find(|x| x.id == removed) {
                        x.removed = true;
                        x.body.clear();
                    }
                });
            }
        }
    });
    // Fell behind (a long disconnection): read the newest page again.
    Effect::new(move |previous: Option<u64>| {
        let now = live.resync.get();
        if previous.is_some_and(|p| p != now) {
            leptos::task::spawn_local(async move {
                if let Ok(page) = get_thread(conversation, None).await {
                    messages.update(|m| {
                        m.retain(|x| !page.messages.iter().any(|y| y.id == x.id));
                        m.extend(page.messages);
                        m.sort_by_key(|x| x.id);
                    });
                }
            });
        }
        now
    });
    // Back to a tab that was hidden when messages arrived: they are read now.
    let _visible = window_event_listener(leptos::ev::visibilitychange, move |_| {
        if let Some(newest) = messages.with_untracked(|m| m.last().map(|x| x.id)) {
            mark_read_if_visible(conversation, newest);
        }
    });
    let muted = RwSignal::new(thread.muted);
    let mute = ServerAction::<SetMuted>::new();
    Effect::new(move |_| {
        if let Some(Ok(now)) = mute.value().get() {
            muted.set(now);
        }
    });
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
                <ActionForm action=mute attr:class="mute-form">
                    <input type="hidden" name="conversation" value=conversation.to_string()/>
                    <input type="hidden" name="muted" prop:value=move || (!muted.get()).to_string()/>
                    <button type="submit" class="button button-quiet" aria-pressed=move || muted.get().to_string()>
                        {move || if muted.get() { "Unmute" } else { "Mute" }}
                    </button>
                </ActionForm>
                {thread.may_leave.then(|| view! { <LeaveButton conversation/> })}
                {thread.multi_person.then(|| view! { <AddPeoplePanel conversation others acting_as=thread.acting_as.clone()/> })}
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
            <ReplyBox conversation messages/>
        </article>
    }
}

#[component]
fn Message(message: MessageView) -> impl IntoView {
    let is_group = message.author.kind == PartyKind::Group;
    let id = format!("message-{}", message.id);
    let author = message.author.name.clone();
    match message.kind {
        MessageKind::Left => view! {
            <li class="note" id=id>{format!("{author} left the conversation.")}</li>
        }
        .into_any(),
        MessageKind::Added => view! {
            <li class="note" id=id>{format!("{author} added {}.", message.body)}</li>
        }
        .into_any(),
        MessageKind::Text if message.removed => view! {
            <li class="message removed" id=id>
                <Avatar name=author.clone() seed=message.author.handle.clone() group=is_group/>
                <div class="message-main">
                    <p class="message-head">
                        <a class="message-author" href=message.author.path()>{author.clone()}</a>
                        " · "
                        <span class="meta"><Time at=message.created_at/></span>
                    </p>
                    <p class="message-body removed-note">"This message was removed by a moderator."</p>
                </div>
            </li>
        }
        .into_any(),
        MessageKind::Text => {
            let actions = (!message.mine).then(|| {
                view! { <MessageActions message_id=message.id author=message.author.clone()/> }
            });
            let body = if message.collapsed {
                view! {
                    <details class="collapsed-message">
                        <summary>"Message from a member you blocked"</summary>
                        <p class="message-body"><MessageText body=message.body/></p>
                    </details>
                }
                .into_any()
            } else {
                view! { <p class="message-body"><MessageText body=message.body/></p> }.into_any()
            };
            view! {
                <li class="message" class:mine=message.mine id=id>
                    <Avatar name=author.clone() seed=message.author.handle.clone() group=is_group/>
                    <div class="message-main">
                        <p class="message-head">
                            <a class="message-author" href=message.author.path()>{author.clone()}</a>
                            {message.written_by.map(|by| view! { <span class="meta">{format!(" (written by {by})")}</span> })}
                            " · "
                            <span class="meta"><Time at=message.created_at/></span>
                        </p>
                        {body}
                    </div>
                    {actions}
                </li>
            }
            .into_any()
        }
    }
}

/// Report and block, in a small menu on other people's messages.
#[component]
fn MessageActions(message_id: i64, author: PartyView) -> impl IntoView {
    let reporting = RwSignal::new(false);
    let block = ServerAction::<SetBlock>::new();
    let name = author.name.clone();
    let blocked_note = move || {
        block.value().get().map(|result| match result {
            Ok(_) => format!(
                "You blocked {}. They can't start conversations with you.",
                name
            ),
            Err(error) => error.to_string(),
        })
    };
    let member_author = (author.kind == PartyKind::Member).then(|| {
        let handle = author.handle.clone();
        let label = format!("Block {}", author.name);
        view! {
            <ActionForm action=block>
                <input type="hidden" name="handle" value=handle/>
                <input type="hidden" name="blocked" value="true"/>
                <button type="submit" class="link-button">{label}</button>
            </ActionForm>
        }
    });
    view! {
        <div class="message-tools">
            <details class="message-actions">
                <summary aria-label="Message actions">"⋯"</summary>
                <div class="message-actions-menu">
                    <button type="button" class="link-button" on:click=move |_| reporting.set(true)>
                        "Report message"
                    </button>
                    {member_author}
                </div>
            </details>
            <p role="status" class="meta">{blocked_note}</p>
            {move || reporting.get().then(|| view! { <ReportForm message_id/> })}
        </div>
    }
}

#[component]
fn ReportForm(message_id: i64) -> impl IntoView {
    let report = ServerAction::<ReportMessage>::new();
    let done = move || matches!(report.value().get(), Some(Ok(())));
    let error = move || {
        report.value().get().and_then(Result::err).map(|e| {
            e.field("reason")
                .or_else(|| e.field("note"))
                .unwrap_or_else(|| e.to_string())
        })
    };
    view! {
        <Show
            when=done
            fallback=move || view! {
                <ActionForm action=report attr:class="report-form" attr:aria-label="Report this message">
                    <input type="hidden" name="message" value=message_id.to_string()/>
                    <fieldset>
                        <legend>"Why are you reporting this message?"</legend>
                        {ReportReason::ALL.iter().map(|reason| view! {
                            <label class="choice">
                                <input type="radio" name="reason" value=reason.as_str() required=true/>
                                " " {reason.label()}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <label for=format!("report-note-{message_id}")>"Note for the moderators (optional)"</label>
                    <textarea id=format!("report-note-{message_id}") name="note" rows="2" maxlength="2000"></textarea>
                    <p class="field-error" role="alert">{error}</p>
                    <button type="submit" class="button" disabled=move || report.pending().get()>"Send report"</button>
                </ActionForm>
            }
        >
            <p role="status" class="report-done">"Thank you. A moderator will review this message."</p>
        </Show>
    }
}

/// Accept, decline, or decline and report, for a conversation that is a message request.
#[component]
fn RequestBanner(conversation: i64, request: RwSignal<bool>) -> impl IntoView {
    let answer = ServerAction::<AnswerRequest>::new();
    // Accepting keeps the member on this page: the banner goes once it is done.
    Effect::new(move |_| {
        if let Some(Ok(())) = answer.value().get() {
            request.set(false);
        }
    });
    let error = move || {
        answer
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    let button = move |value: &'static str, label: &'static str| {
        view! {
            <ActionForm action=answer>
                <input type="hidden" name="conversation" value=conversation.to_string()/>
                <input type="hidden" name="answer" value=value/>
                <button type="submit" class="button button-quiet">{label}</button>
            </ActionForm>
        }
    };
    view! {
        <section class="request-banner panel" aria-label="Message request">
            <p>"This is a message request: you do not share a group with whoever started it. Nobody is told what you decide."</p>
            <div class="request-actions">
                {button("accept", "Accept")}
                {button("decline", "Decline")}
                {button("decline_and_report", "Decline and report")}
            </div>
            <p class="field-error" role="alert">{error}</p>
        </section>
    }
}

#[component]
fn LeaveButton(conversation: i64) -> impl IntoView {
    let leave = ServerAction::<LeaveConversation>::new();
    let error = move || {
        leave
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <ActionForm action=leave attr:class="leave-form">
            <input type="hidden" name="conversation" value=conversation.to_string()/>
            <button type="submit" class="button button-quiet">"Leave conversation"</button>
            <p class="field-error" role="alert">{error}</p>
        </ActionForm>
    }
}

/// Adds members or groups to a conversation of three or more; the same nine-others
/// rule as the server, checked before sending.
#[component]
fn AddPeoplePanel(
    conversation: i64,
    others: RwSignal<Vec<PartyView>>,
    acting_as: PartyView,
) -> impl IntoView {
    let add = ServerAction::<AddPeople>::new();
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(Vec::<PartyView>::new());
    let chosen = RwSignal::new(Vec::<PartyView>::new());
    let problem = RwSignal::new(None::<String>);
    let generation = StoredValue::new(0u64);
    let acting_token = acting_as.token.clone();
    let present = move || {
        let mut all: Vec<Party> = others.with_untracked(|o| parties(o));
        if let Ok(me) = Party::parse_token(&acting_token) {
            all.push(me);
        }
        all
    };
    let present = StoredValue::new(present);
    let pick = move |party: PartyView| {
        let mut candidate = chosen.get_untracked();
        if candidate.iter().any(|p| p.token == party.token) {
            return;
        }
        candidate.push(party);
        match check_additions(&present.with_value(|f| f()), &parties(&candidate)) {
            Err(reason) => problem.set(Some(reason)),
            Ok(()) => {
                problem.set(None);
                chosen.set(candidate);
                query.set(String::new());
                results.set(Vec::new());
            }
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        query.set(value.clone());
        let searching = search_when_typing_pauses(generation, value, move |found| {
            let taken = present.with_value(|f| f());
            results.set(
                found
                    .into_iter()
                    .filter(|p| {
                        Party::parse_token(&p.token).is_ok_and(|party| !taken.contains(&party))
                    })
                    .collect(),
            );
        });
        if !searching {
            results.set(Vec::new());
        }
    };
    Effect::new(move |_| {
        if let Some(Ok(())) = add.value().get() {
            let added = chosen.get_untracked();
            others.update(|o| o.extend(added));
            chosen.set(Vec::new());
        }
    });
    let error = move || {
        problem.get().or_else(|| {
            add.value()
                .get()
                .and_then(Result::err)
                .map(|e| e.field("to").unwrap_or_else(|| e.to_string()))
        })
    };
    view! {
        <details class="add-people">
            <summary>"Add people"</summary>
            <ActionForm action=add attr:class="add-people-form">
                <input type="hidden" name="conversation" value=conversation.to_string()/>
                <label for="add-people-search">"Find members and groups"</label>
                <input id="add-people-search" type="search" autocomplete="off" prop:value=query on:input=on_input/>
                <ul class="add-results" aria-label="Matching members and groups">
                    {move || results.get().into_iter().map(|party| {
                        let label = format!("Add {}", party.name);
                        let picked = party.clone();
                        view! {
                            <li><button type="button" class="link-button" on:click=move |_| pick(picked.clone())>{label}</button></li>
                        }
                    }).collect_view()}
                </ul>
                <ul class="chips" aria-label="People to add">
                    {move || chosen.get().into_iter().enumerate().map(|(index, party)| {
                        let token = party.token.clone();
                        view! {
                            <li class="chip">
                                <input type="hidden" name=format!("to[{index}]") value=party.token.clone()/>
                                <span>{party.name.clone()}</span>
                                <button type="button" class="chip-remove" aria-label=format!("Remove {}", party.name)
                                    on:click=move |_| chosen.update(|c| c.retain(|p| p.token != token))>"×"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <p class="hint">"Whoever you add sees the whole conversation, including earlier messages. Up to 9 others in all."</p>
                <p class="field-error" role="alert">{error}</p>
                <button type="submit" class="button" disabled=move || chosen.with(Vec::is_empty) || add.pending().get()>
                    "Add to conversation"
                </button>
            </ActionForm>
        </details>
    }
}

#[component]
fn ReplyBox(conversation: i64, messages: RwSignal<Vec<MessageView>>) -> impl IntoView {
    let body = RwSignal::new(String::new());
    let key = RwSignal::new(new_message_key());
    let client_error = RwSignal::new(None::<String>);
    let send = ServerAction::<SendMessage>::new();

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match MessageBody::parse(&body.get_untracked()) {
            Err(reason) => client_error.set(Some(reason)),
            Ok(_) => {
                client_error.set(None);
                send.dispatch(SendMessage {
                    conversation,
                    body: body.get_untracked(),
                    key: key.get_untracked(),
                });
            }
        }
    };
    // Only a confirmed send clears the box; after an error the draft stays.
    Effect::new(move |_| {
        if let Some(Ok(message)) = send.value().get() {
            messages.update(|m| {
                if !m.iter().any(|x| x.id == message.id) {
                    m.push(message);
                }
            });
            body.set(String::new());
            key.set(new_message_key());
        }
    });
    let error = move || {
        client_error.get().or_else(|| {
            send.value()
                .get()
                .and_then(Result::err)
                .map(|e| e.field("body").unwrap_or_else(|| e.to_string()))
        })
    };
    let over_limit = move || body.with(|b| visible_length(b.trim()) > MESSAGE_MAX);
    view! {
        <form class="reply" action=SendMessage::url() method="post" on:submit=on_submit novalidate>
            <input type="hidden" name="conversation" value=conversation.to_string()/>
            <input type="hidden" name="key" prop:value=key/>
            <label for="reply-body">"Reply"</label>
            <textarea
                id="reply-body"
                name="body"
                rows="3"
                aria-describedby="reply-counter reply-error"
                aria-invalid=move || (error().is_some() || over_limit()).then_some("true")
                prop:value=body
                on:input=move |ev| body.set(event_target_value(&ev))
            ></textarea>
            <p id="reply-counter" class="counter" class:over-limit=over_limit>{move || counter_label(&body.get())}</p>
            <p class="field-error" id="reply-error" role="alert">{error}</p>
            <CodeOfConductLine/>
            <button type="submit" class="button" disabled=move || send.pending().get()>
                {move || if send.pending().get() { "Sending…" } else { "Send" }}
            </button>
        </form>
    }
}

/// Marks the conversation read up to `newest` if this tab is being looked at.
fn mark_read_if_visible(conversation: i64, newest: i64) {
    #[cfg(feature = "hydrate")]
    {
        let visible = web_sys::window()
            .and_then(|w| w.document())
            .map(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
            .unwrap_or(true);
        if visible {
            leptos::task::spawn_local(async move {
                let _ = crate::api::notifications::mark_read(conversation, newest).await;
            });
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (conversation, newest);
}
