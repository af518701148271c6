use crate::api::conversations::{get_thread, MessageView, SendMessage, ThreadView};
use crate::api::notifications::SetMuted;
use crate::components::avatar::Avatar;
use crate::components::compose::{new_message_key, CodeOfConductLine};
use crate::components::live::use_live;
use crate::components::message_text::MessageText;
use crate::components::party::PartyName;
use crate::components::time::Time;
use crate::domain::conversation::{counter_label, MessageBody, MESSAGE_MAX};
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
                    {thread.others.into_iter().map(|p| view! { <PartyName party=p link=true/> }).collect_view()}
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
            </header>
            <p class="older" hidden=move || older.get().is_none()>
                <button type="button" class="button button-quiet" on:click=load_older disabled=move || loading_older.get()>
                    "Load older messages"
                </button>
            </p>
            <ol class="messages" aria-label="Messages">
                <For each=move || messages.get() key=|m| m.id let:message>
                    <Message message/>
                </For>
            </ol>
            <ReplyBox conversation messages/>
        </article>
    }
}

#[component]
fn Message(message: MessageView) -> impl IntoView {
    let is_group = message.author.kind == crate::api::conversations::PartyKind::Group;
    view! {
        <li class="message" class:mine=message.mine id=format!("message-{}", message.id)>
            <Avatar name=message.author.name.clone() seed=message.author.handle.clone() group=is_group/>
            <div class="message-main">
                <p class="message-head">
                    <a class="message-author" href=message.author.path()>{message.author.name.clone()}</a>
                    {message.written_by.map(|by| view! { <span class="meta">{format!(" (written by {by})")}</span> })}
                    " · "
                    <span class="meta"><Time at=message.created_at/></span>
                </p>
                <p class="message-body"><MessageText body=message.body/></p>
            </div>
        </li>
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
