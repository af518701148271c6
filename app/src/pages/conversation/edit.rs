//! Editing one's own message in place: the same message box as a reply, with Save
//! and Cancel. Without JavaScript, `?edit=<id>` renders it on the server's page.

use super::actions::{asked, CancelLink};
use super::{ThreadContext, EDIT_QUERY};
use crate::api::conversations::EditMessage;
use crate::components::field::typed;
use crate::components::message_field::{MessageField, MessageFieldIds};
use crate::domain::conversation::MessageBody;
use crate::i18n::{k, use_words};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// A refused edit posted without JavaScript, for this message: what was typed.
fn refused_edit(message_id: i64) -> Option<String> {
    (typed(EditMessage::PATH, "message") == Some(message_id.to_string()))
        .then(|| typed(EditMessage::PATH, "body"))
        .flatten()
}

#[component]
pub(super) fn EditForm(
    message_id: i64,
    original: String,
    editing: RwSignal<bool>,
) -> impl IntoView {
    let thread = expect_context::<ThreadContext>();
    let words = use_words();
    let body = RwSignal::new(refused_edit(message_id).unwrap_or(original));
    let client_error = RwSignal::new(None::<String>);
    let edit = ServerAction::<EditMessage>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match MessageBody::parse(&body.get_untracked()) {
            Err(reason) => client_error.set(Some(reason.words(words))),
            Ok(_) => {
                client_error.set(None);
                edit.dispatch(EditMessage {
                    message: message_id,
                    body: body.get_untracked(),
                });
            }
        }
    };
    // Only a confirmed edit closes the form; after a refusal the new text stays.
    Effect::new(move |_| {
        if let Some(Ok(change)) = edit.value().get() {
            thread.apply_edit(change);
            editing.set(false);
        }
    });
    let error = move || {
        client_error.get().or_else(|| {
            edit.value()
                .get()
                .and_then(Result::err)
                .map(|e| e.field("body").unwrap_or_else(|| e.to_string()))
        })
    };
    let ids = MessageFieldIds::new(&format!("edit-{message_id}"));
    view! {
        <form class="edit-form" action=EditMessage::url() method="post" on:submit=on_submit novalidate>
            <input type="hidden" name="message" value=message_id.to_string()/>
            <MessageField ids label=words.t(k::thread_edit_label) rows=3 body error=Signal::derive(error)/>
            <button type="submit" class="button" disabled=move || edit.pending().get()>
                {move || if edit.pending().get() { words.t(k::thread_saving) } else { words.t(k::thread_save) }}
            </button>
            " "
            <CancelLink message_id closes=editing/>
        </form>
    }
}

/// Whether the page asks for this message's edit form (`?edit=<id>`, or a
/// refused edit posted without JavaScript).
pub(super) fn edit_asked_for(message_id: i64) -> bool {
    asked(EDIT_QUERY, message_id) || refused_edit(message_id).is_some()
}
