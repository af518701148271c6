//! Conversations: starting one, the inbox, threads, replies and read state.
//!
//! Every function here asks `permissions` whether the signed-in member may see
//! the conversation; anyone else gets `NotFound`, exactly as for a missing id,
//! so nobody can learn that a conversation exists.

#[cfg(feature = "ssr")]
use crate::api::context::signed_in;
use crate::error::AppError;
use leptos::prelude::*;

pub use crate::model::conversation::*;

/// Members and groups whose name matches, for the recipient picker (never the viewer).
#[server(endpoint = "search_parties")]
pub async fn search_parties(query: String) -> Result<Vec<PartyView>, AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::conversations::search_parties(&state.pool, viewer.id, &query).await
    })
    .await
}

/// Messages matching `q` in the viewer's conversations, newest first; `from` (a
/// party token) keeps those sent by one member or group, `before` (a message id)
/// asks for the page after one that ended there.
#[server(endpoint = "find_messages")]
pub async fn find_messages(
    q: String,
    #[server(default)] from: Option<String>,
    #[server(default)] before: Option<i64>,
) -> Result<FoundPage, AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::conversations::find_messages(
            &state.pool,
            viewer.id,
            &q,
            from.as_deref(),
            before,
            state.settings.limits.searches_per_minute(),
        )
        .await
    })
    .await
}

/// Looks up the recipients named in a start link (`?to=member:alice`) and whom the
/// viewer can write as. Tokens here may name members by handle and groups by slug.
#[server(endpoint = "get_compose_info")]
pub async fn get_compose_info(#[server(default)] to: Vec<String>) -> Result<ComposeInfo, AppError> {
    signed_in(|viewer, state| async move {
        let mut info =
            crate::backend::conversations::compose_info(&state.pool, &viewer, &to).await?;
        info.attach = state.settings.attachments;
        Ok(info)
    })
    .await
}

/// Starts a conversation (or continues the one with exactly these people) and
/// returns its id. `send_as` is `member:<own id>` or `group:<id>` of a managed group;
/// `attachments` names the start dialog's uploads it carries (`12,13`).
#[server(endpoint = "start_conversation")]
pub async fn start_conversation(
    send_as: String,
    #[server(default)] to: Vec<String>,
    body: String,
    key: String,
    #[server(default)] attachments: String,
) -> Result<i64, AppError> {
    signed_in(|viewer, state| async move {
        let form = crate::backend::conversations::Start {
            send_as: &send_as,
            to: &to,
            body: &body,
            key: &key,
            attachments: &attachments,
        };
        let id = crate::backend::conversations::start(&state.pool, &viewer, form, &state.settings)
            .await?;
        leptos_axum::redirect(&format!("/conversations/{id}"));
        Ok(id)
    })
    .await
}

/// The viewer's conversations, most recent activity first; with `group` (a slug),
/// the conversations of a group the viewer manages.
#[server(endpoint = "list_conversations")]
pub async fn list_conversations(
    #[server(default)] group: Option<String>,
    #[server(default)] before: Option<String>,
) -> Result<InboxPage, AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::conversations::inbox(
            &state.pool,
            &viewer,
            group.as_deref(),
            before.as_deref(),
        )
        .await
    })
    .await
}

/// A thread's newest messages (or those before `before`). Opening the newest page
/// marks the conversation read up to the newest message shown.
/// With `at` (a message id, from a search), the newest page reaches back to it.
#[server(endpoint = "get_thread")]
pub async fn get_thread(
    id: i64,
    #[server(default)] before: Option<i64>,
    #[server(default)] at: Option<i64>,
) -> Result<ThreadView, AppError> {
    signed_in(|viewer, state| async move {
        let edit_seconds = state.settings.edit_seconds;
        let mut view = match (before, at) {
            (None, Some(message)) => {
                crate::backend::conversations::thread_reaching(
                    &state.pool,
                    &viewer,
                    id,
                    message,
                    edit_seconds,
                )
                .await?
            }
            _ => {
                crate::backend::conversations::thread(
                    &state.pool,
                    &viewer,
                    id,
                    before,
                    edit_seconds,
                )
                .await?
            }
        };
        view.attach = state.settings.attachments;
        Ok(view)
    })
    .await
}

/// Replies in a conversation, perhaps to one of its messages (`reply_to`). A retry
/// with the same `key` returns the first result.
#[server(endpoint = "send_message")]
pub async fn send_message(
    conversation: i64,
    body: String,
    key: String,
    #[server(default)] reply_to: Option<i64>,
    #[server(default)] attachments: String,
) -> Result<MessageView, AppError> {
    signed_in(|viewer, state| async move {
        let reply = crate::backend::conversations::Reply {
            body: &body,
            key: &key,
            reply_to,
            attachments: &attachments,
        };
        let message = crate::backend::conversations::reply(
            &state.pool,
            &viewer,
            conversation,
            reply,
            &state.settings,
        )
        .await?;
        // A plain form post (no JavaScript) goes back to the thread.
        leptos_axum::redirect(&format!("/conversations/{conversation}"));
        Ok(message)
    })
    .await
}

/// Changes the text of the viewer's own message, within the edit window
/// (`PORTAL_EDIT_MINUTES`). Everyone in the conversation sees the new text live.
#[server(endpoint = "edit_message")]
pub async fn edit_message(message: i64, body: String) -> Result<MessageEdit, AppError> {
    signed_in(|viewer, state| async move {
        let (conversation, edit) = crate::backend::conversations::edit_message(
            &state.pool,
            &viewer,
            message,
            &body,
            state.settings.edit_seconds,
        )
        .await?;
        // Without JavaScript, back to the thread (not to its `?edit=` form).
        crate::api::context::after_plain_form(&format!(
            "/conversations/{conversation}#message-{message}"
        ));
        Ok(edit)
    })
    .await
}

/// Deletes the viewer's own message: its text is erased, and everyone in the
/// conversation sees "Message deleted" live. Deleting it again changes nothing.
#[server(endpoint = "delete_message")]
pub async fn delete_message(message: i64) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        let conversation =
            crate::backend::conversations::delete_message(&state.pool, &viewer, message).await?;
        crate::api::context::after_plain_form(&format!(
            "/conversations/{conversation}#message-{message}"
        ));
        Ok(())
    })
    .await
}

/// Puts a reaction (one of `REACTIONS`) on a message for the viewer's side
/// (`on=true`) or takes it back (`on=false`); returns the message's reactions now.
/// Everyone in the conversation sees a change live; nobody is emailed.
#[server(endpoint = "react")]
pub async fn react(message: i64, emoji: String, on: bool) -> Result<Vec<Reaction>, AppError> {
    signed_in(|viewer, state| async move {
        let (conversation, reactions) = crate::backend::conversations::react(
            &state.pool,
            &viewer,
            (message, &emoji, on),
            state.settings.limits.reactions_per_minute(),
        )
        .await?;
        crate::api::context::after_plain_form(&format!(
            "/conversations/{conversation}#message-{message}"
        ));
        Ok(reactions)
    })
    .await
}

/// Marks a conversation unread from one of its messages on (the read mark goes
/// back to just before it), and goes back to the list, where it shows unread.
#[server(endpoint = "mark_unread")]
pub async fn mark_unread(message: i64) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::conversations::mark_unread(&state.pool, &viewer, message).await?;
        leptos_axum::redirect("/conversations");
        Ok(())
    })
    .await
}

/// Tells the others in the conversation, live, that the viewer is typing. Never
/// stored; passed on at most once every few seconds per member and conversation.
#[server(endpoint = "typing")]
pub async fn typing(conversation: i64) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::live::announce_typing(&state.pool, &state.typing, &viewer, conversation)
            .await
    })
    .await
}

/// Removes a file the viewer attached in the reply box (or the start form) and
/// has not sent. The "Remove" button posts the whole form here without
/// JavaScript: its text is kept as the draft and the thread (or the start page,
/// with its recipients, `to`) opens again without the file.
#[server(endpoint = "discard_attachment")]
pub async fn discard_attachment(
    attachment: i64,
    #[server(default)] body: Option<String>,
    #[server(default)] to: Vec<String>,
) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        let waited_in =
            crate::backend::attachments::discard_pending(&state.pool, viewer.id, attachment)
                .await?;
        if let Some(body) = body {
            let _ =
                crate::backend::conversations::save_draft(&state.pool, &viewer, waited_in, &body)
                    .await;
            let back = match waited_in {
                Some(conversation) => format!("/conversations/{conversation}#reply-files"),
                None => {
                    crate::backend::conversations::start_page_with(&state.pool, &to, None).await?
                        + "#start-files"
                }
            };
            crate::api::context::after_plain_form(&back);
        }
        Ok(())
    })
    .await
}

/// Keeps what the viewer typed and did not send, for `conversation` (the start
/// dialog when absent), so it is there on any device; an empty text removes it.
///
/// The reply box's "Preview" button posts here without JavaScript (`preview`):
/// the thread then opens again with the saved text shown formatted.
#[server(endpoint = "save_draft")]
pub async fn save_draft(
    #[server(default)] conversation: Option<i64>,
    #[server(default)] body: String,
    #[server(default)] preview: bool,
    #[server(default)] reply_to: Option<i64>,
) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::conversations::save_draft(&state.pool, &viewer, conversation, &body)
            .await?;
        if let (true, Some(conversation)) = (preview, conversation) {
            let reply = reply_to
                .map(|id| format!("&reply={id}"))
                .unwrap_or_default();
            crate::api::context::after_plain_form(&format!(
                "/conversations/{conversation}?preview=1{reply}#reply-body-preview"
            ));
        }
        Ok(())
    })
    .await
}

/// How many conversations have unread messages (0 when signed out): the envelope
/// turns gold while this is above zero.
#[server(endpoint = "unread_conversations")]
pub async fn unread_conversations() -> Result<i64, AppError> {
    let state = crate::api::context::app_state();
    let viewer = crate::api::context::current_viewer();
    let result = async {
        let Some(viewer) = viewer.await? else {
            return Ok(0);
        };
        crate::backend::conversations::unread_count(&state?.pool, viewer.id).await
    };
    crate::error::respond(result.await)
}

/// Leaves a conversation with three or more people (see `conversations::leave`).
#[server(endpoint = "leave_conversation")]
pub async fn leave_conversation(conversation: i64) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::conversations::leave(&state.pool, &viewer, conversation, &state.settings)
            .await?;
        leptos_axum::redirect("/conversations");
        Ok(())
    })
    .await
}

/// Adds members or groups (`member:<id>`, `group:<id>`) to a multi-person conversation.
#[server(endpoint = "add_people")]
pub async fn add_people(
    conversation: i64,
    #[server(default)] to: Vec<String>,
) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::conversations::add_people(
            &state.pool,
            &viewer,
            conversation,
            &to,
            &state.settings,
        )
        .await?;
        leptos_axum::redirect(&format!("/conversations/{conversation}"));
        Ok(())
    })
    .await
}

/// Message requests waiting for the viewer's answer.
#[server(endpoint = "list_requests")]
pub async fn list_requests() -> Result<Vec<RequestView>, AppError> {
    signed_in(|viewer, state| async move {
        crate::backend::conversations::requests(&state.pool, &viewer).await
    })
    .await
}

/// Answers a message request: `accept`, `decline` or `decline_and_report`.
#[server(endpoint = "answer_request")]
pub async fn answer_request(conversation: i64, answer: String) -> Result<(), AppError> {
    signed_in(|viewer, state| async move {
        let answer = crate::domain::moderation::RequestAnswer::parse(&answer).map_err(|e| {
            let mut errors = crate::domain::FieldErrors::new();
            errors.add("answer", e);
            AppError::Invalid(errors)
        })?;
        crate::backend::conversations::answer_request(&state.pool, &viewer, conversation, answer)
            .await?;
        let to = match answer {
            crate::domain::moderation::RequestAnswer::Accept => {
                format!("/conversations/{conversation}")
            }
            _ => "/conversations/requests".to_string(),
        };
        leptos_axum::redirect(&to);
        Ok(())
    })
    .await
}
