//! The reply box at the end of a thread, and marking the thread read.

use crate::api::conversations::{MessageView, SendMessage};
use crate::components::compose::{new_message_key, CodeOfConductLine};
use crate::components::field::typed;
use crate::components::message_field::{MessageField, MessageFieldIds};
use crate::domain::conversation::MessageBody;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

#[component]
pub(super) fn ReplyBox(conversation: i64, messages: RwSignal<Vec<MessageView>>) -> impl IntoView {
    // A refused post without JavaScript comes back with what was typed and its key.
    let path = SendMessage::PATH;
    let body = RwSignal::new(typed(path, "body").unwrap_or_default());
    let key = RwSignal::new(typed(path, "key").unwrap_or_else(new_message_key));
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
            // The Send button was disabled while sending, which drops focus: the
            // next reply is typed where the last one was.
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
    });
    let error = move || {
        client_error.get().or_else(|| {
            send.value()
                .get()
                .and_then(Result::err)
                .map(|e| e.field("body").unwrap_or_else(|| e.to_string()))
        })
    };
    let ids = MessageFieldIds {
        body: "reply-body",
        counter: "reply-counter",
        error: "reply-error",
    };
    view! {
        <form class="reply" action=SendMessage::url() method="post" on:submit=on_submit novalidate>
            <input type="hidden" name="conversation" value=conversation.to_string()/>
            <input type="hidden" name="key" value=key/>
            <MessageField ids label="Reply" rows=3 body error=Signal::derive(error)/>
            <CodeOfConductLine/>
            <button type="submit" class="button" disabled=move || send.pending().get()>
                {move || if send.pending().get() { "Sending…" } else { "Send" }}
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
