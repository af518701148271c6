//! The reply box at the end of a thread, and marking the thread read.

use super::ThreadContext;
use crate::api::conversations::{MessageView, Quote, SendMessage, QUOTE_LENGTH};
use crate::components::attachments::{attachment_ids, AttachPicker};
use crate::components::compose::{new_message_key, CodeOfConductLine};
use crate::components::field::typed;
use crate::components::message_field::{MessageField, MessageFieldIds};
use crate::domain::attachment::AttachmentRules;
use crate::domain::conversation::MessageBody;
use crate::i18n::{k, use_words};
use crate::model::conversation::AttachmentView;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The message `?reply=<id>` (or a refused reply posted without JavaScript) answers,
/// if it is on the page.
fn asked_reply(messages: &[MessageView]) -> Option<Quote> {
    let id = typed(SendMessage::PATH, "reply_to")
        .or_else(|| leptos_router::hooks::use_query_map().with_untracked(|q| q.get("reply")))?
        .parse::<i64>()
        .ok()?;
    messages.iter().find(|m| m.id == id).map(|m| Quote {
        id,
        author: m.author.name.clone(),
        excerpt: crate::domain::markdown::excerpt(&m.body, QUOTE_LENGTH),
        gone: m.is_gone(),
    })
}

/// Puts the cursor in the reply box (after choosing "Reply" on a message).
pub(super) fn focus_reply() {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        if let Some(field) = document()
            .get_element_by_id("reply-body")
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = field.focus();
        }
    }
}

#[component]
pub(super) fn ReplyBox(
    conversation: i64,
    messages: RwSignal<Vec<MessageView>>,
    /// What the member typed here earlier, on this device or another.
    draft: Option<String>,
    /// Files they attached here and have not sent.
    pending: Vec<AttachmentView>,
    rules: AttachmentRules,
) -> impl IntoView {
    let words = use_words();
    let files = RwSignal::new(pending);
    let uploading = RwSignal::new(false);
    let thread = expect_context::<ThreadContext>();
    let replying = thread.replying;
    // A refused post without JavaScript comes back with what was typed and its key.
    let path = SendMessage::PATH;
    let body = RwSignal::new(typed(path, "body").or(draft).unwrap_or_default());
    crate::components::draft::keep_draft(Some(conversation), body);
    let key = RwSignal::new(typed(path, "key").unwrap_or_else(new_message_key));
    // Typing in the box tells the others, now and then.
    let announce = super::typing::typing_announcer(conversation);
    Effect::new(move |previous: Option<String>| {
        let now = body.get();
        if previous.is_some_and(|p| p != now) && !now.trim().is_empty() {
            announce();
        }
        now
    });
    if let Some(quote) = messages.with_untracked(|m| asked_reply(m)) {
        replying.set(Some(quote));
    }
    let client_error = RwSignal::new(None::<String>);
    let send = ServerAction::<SendMessage>::new();

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if uploading.get_untracked() {
            client_error.set(Some(words.t(k::thread_wait_for_files).into()));
            return;
        }
        let attached = files.with_untracked(Vec::len);
        match MessageBody::parse_with_files(&body.get_untracked(), attached) {
            Err(reason) => client_error.set(Some(reason.words(words))),
            Ok(_) => {
                client_error.set(None);
                send.dispatch(SendMessage {
                    conversation,
                    body: body.get_untracked(),
                    key: key.get_untracked(),
                    reply_to: replying.with_untracked(|r| r.as_ref().map(|q| q.id)),
                    attachments: files.with_untracked(|f| attachment_ids(f)),
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
            files.set(Vec::new());
            key.set(new_message_key());
            replying.set(None);
            // The Send button was disabled while sending, which drops focus: the
            // next reply is typed where the last one was.
            focus_reply();
        }
    });
    let error = move || {
        client_error.get().or_else(|| {
            send.value().get().and_then(Result::err).map(|e| {
                e.field("body")
                    .or_else(|| e.field("reply_to"))
                    .or_else(|| e.field("attachments"))
                    .unwrap_or_else(|| e.to_string())
            })
        })
    };
    let ids = MessageFieldIds {
        body: "reply-body".into(),
        counter: "reply-counter".into(),
        error: "reply-error".into(),
    };
    let answering = move || {
        replying.get().map(|quote| {
            let text = if quote.gone {
                words.t(k::thread_deleted).to_string()
            } else {
                quote.excerpt.clone()
            };
            view! {
                <div class="replying-to" role="status">
                    <input type="hidden" name="reply_to" value=quote.id.to_string()/>
                    <a class="reply-quote" href=format!("#message-{}", quote.id)>
                        {format!("{} ", words.t(k::thread_replying_to))} <span class="reply-quote-author">{quote.author.clone()}</span>
                        ": " <span class="reply-quote-text">{text}</span>
                    </a>
                    <a
                        class="link-button"
                        role="button"
                        href="?"
                        aria-label=words.t(k::thread_cancel_reply)
                        on:click=move |ev| {
                            ev.prevent_default();
                            replying.set(None);
                        }
                    >
                        {words.t(k::thread_cancel)}
                    </a>
                </div>
            }
        })
    };
    view! {
        <form class="reply" action=SendMessage::url() method="post" on:submit=on_submit novalidate>
            <input type="hidden" name="conversation" value=conversation.to_string()/>
            <input type="hidden" name="key" value=key/>
            {answering}
            <super::typing::TypingLine conversation/>
            <MessageField
                ids
                label=words.t(k::thread_reply_label)
                rows=3
                body
                error=Signal::derive(error)
                preview_form=crate::api::conversations::SaveDraft::url()
            />
            <AttachPicker conversation=Some(conversation) files rules uploading/>
            <CodeOfConductLine/>
            <button type="submit" class="button" disabled=move || send.pending().get() || uploading.get()>
                {move || if send.pending().get() { words.t(k::thread_sending) } else { words.t(k::thread_send) }}
            </button>
        </form>
    }
}

/// Marks the conversation read up to `newest` if this tab is being looked at.
pub(super) fn mark_read_if_visible(conversation: i64, newest: i64) {
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
