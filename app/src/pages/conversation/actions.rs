//! The "⋯" menu of a message: reply to it; on one's own, edit (for a while) and
//! delete; on someone else's, report and block. Every item is a link to the same
//! page with a query (`?reply=`, `?edit=`, `?delete=`, `?report=`) that opens its
//! form on the server's page without JavaScript; with it, the form opens in place.

use super::reactions::ReactionPicker;
use super::{ThreadContext, EDIT_QUERY};
use crate::api::conversations::{
    DeleteMessage, MarkUnread, MessageView, PartyKind, PartyView, Quote, React,
};
use crate::api::moderation::{ReportMessage, SetBlock};
use crate::components::field::{escape_html, typed};
use crate::components::time::now;
use crate::domain::conversation::within_edit_window;
use crate::domain::moderation::ReportReason;
use crate::i18n::{k, use_words};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

/// `?<name>=<message_id>` on this page's address.
pub(super) fn asked(name: &str, message_id: i64) -> bool {
    let query = use_query_map();
    query.with_untracked(|q| q.get(name).and_then(|v| v.parse::<i64>().ok())) == Some(message_id)
}

/// Closes the menu an item was chosen from.
pub(super) fn close_menu(ev: &leptos::ev::MouseEvent) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        if let Some(menu) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("details").ok().flatten())
        {
            let _ = menu.remove_attribute("open");
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

#[component]
pub(super) fn MessageActions(
    message: MessageView,
    editing: RwSignal<bool>,
    writable: bool,
    react: ServerAction<React>,
) -> impl IntoView {
    let thread = expect_context::<ThreadContext>();
    let words = use_words();
    let id = message.id;
    let reported = asked("reported", id);
    let reporting = RwSignal::new(asked("report", id) || reported);
    let deleting = RwSignal::new(asked("delete", id));
    let within_window = move || within_edit_window(message.created_at, now(), thread.edit_seconds);
    // Checked again whenever the menu opens: the window closes while the page is open.
    let editable = RwSignal::new(message.own && writable && within_window());
    let own = message.own;
    let quote = Quote {
        id,
        author: message.author.name.clone(),
        excerpt: crate::domain::markdown::excerpt(
            &message.body,
            crate::api::conversations::QUOTE_LENGTH,
        ),
        gone: false,
    };
    let reply_item = writable.then(|| {
        view! {
            <a
                class="link-button"
                role="button"
                href=format!("?reply={id}#reply-body")
                on:click=move |ev| {
                    ev.prevent_default();
                    close_menu(&ev);
                    thread.replying.set(Some(quote.clone()));
                    super::reply_box::focus_reply();
                }
            >
                {words.t(k::thread_reply)}
            </a>
        }
    });
    let own_items = own.then(|| {
        view! {
            <span hidden=move || !editable.get()>
                <OpenItem query=EDIT_QUERY message_id=id label=words.t(k::thread_edit) opens=editing/>
            </span>
            <OpenItem query="delete" message_id=id label=words.t(k::thread_delete) opens=deleting/>
        }
    });
    let others_items = (!own && !message.mine).then(|| {
        view! {
            <OpenItem query="report" message_id=id label=words.t(k::thread_report) opens=reporting/>
            <BlockItem author=message.author.clone()/>
        }
    });
    let unread_item = (!message.mine).then(|| view! { <MarkUnreadItem message_id=id/> });
    // A group's message written by another manager, in a conversation closed to
    // replies, offers nothing.
    let has_items = writable || own || !message.mine;
    view! {
        <div class="message-tools" hidden=!has_items>
            <details
                class="message-actions"
                on:toggle=move |_| editable.set(own && writable && within_window())
            >
                <summary aria-label=words.t(k::thread_message_actions)>"⋯"</summary>
                <div class="message-actions-menu">
                    {writable.then(|| view! {
                        <div hidden=move || thread.request.get()>
                            <ReactionPicker message_id=id action=react/>
                        </div>
                    })}
                    {reply_item}
                    {unread_item}
                    {own_items}
                    {others_items}
                </div>
            </details>
            {move || deleting.get().then(|| view! { <DeleteConfirm message_id=id deleting/> })}
            {move || reporting.get().then(|| view! { <ReportForm message_id=id reported/> })}
        </div>
    }
}

/// A menu item that opens a form in place (`opens`); without JavaScript, a link to
/// this page with `?<query>=<message>`, where the server renders that form.
#[component]
fn OpenItem(
    query: &'static str,
    message_id: i64,
    label: &'static str,
    opens: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <a
            class="link-button"
            role="button"
            href=format!("?{query}={message_id}#message-{message_id}")
            on:click=move |ev| {
                ev.prevent_default();
                close_menu(&ev);
                opens.set(true);
            }
        >
            {label}
        </a>
    }
}

/// Closes a form opened from a message's menu (`closes`); without JavaScript, a
/// link back to the message.
#[component]
pub(super) fn CancelLink(message_id: i64, closes: RwSignal<bool>) -> impl IntoView {
    let words = use_words();
    view! {
        <a
            class="button button-quiet"
            role="button"
            href=format!("#message-{message_id}")
            on:click=move |ev| {
                ev.prevent_default();
                closes.set(false);
            }
        >
            {words.t(k::thread_cancel)}
        </a>
    }
}

/// "Mark as unread": back to the list, where this conversation shows unread from
/// this message on.
#[component]
fn MarkUnreadItem(message_id: i64) -> impl IntoView {
    let mark = ServerAction::<MarkUnread>::new();
    let words = use_words();
    let error = move || {
        mark.value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <ActionForm action=mark>
            <input type="hidden" name="message" value=message_id.to_string()/>
            <button type="submit" class="link-button">{words.t(k::thread_mark_unread)}</button>
        </ActionForm>
        <p role="status" class="meta">{error}</p>
    }
}

/// Blocking the author of a message (members only: a group is not blocked).
#[component]
fn BlockItem(author: PartyView) -> impl IntoView {
    let block = ServerAction::<SetBlock>::new();
    let words = use_words();
    let name = author.name.clone();
    let blocked_note = move || {
        block.value().get().map(|result| match result {
            Ok(_) => words.f(k::thread_blocked, &[("name", &name)]),
            Err(error) => error.to_string(),
        })
    };
    (author.kind == PartyKind::Member).then(|| {
        let label = words.f(k::thread_block, &[("name", &author.name)]);
        view! {
            <ActionForm action=block>
                <input type="hidden" name="handle" value=author.handle.clone()/>
                <input type="hidden" name="blocked" value="true"/>
                <button type="submit" class="link-button">{label}</button>
            </ActionForm>
            <p role="status" class="meta">{blocked_note}</p>
        }
    })
}

/// "Delete this message for everyone?" with Delete and Cancel.
#[component]
fn DeleteConfirm(message_id: i64, deleting: RwSignal<bool>) -> impl IntoView {
    let thread = expect_context::<ThreadContext>();
    let delete = ServerAction::<DeleteMessage>::new();
    let words = use_words();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            thread.mark_deleted(message_id);
            deleting.set(false);
        }
    });
    let error = move || {
        delete
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <ActionForm action=delete attr:class="delete-form" attr:aria-label=words.t(k::thread_delete_form)>
            <input type="hidden" name="message" value=message_id.to_string()/>
            <p>{words.t(k::thread_delete_confirm)}</p>
            <p class="field-error" role="alert">{error}</p>
            <button type="submit" class="button button-danger" disabled=move || delete.pending().get()>{words.t(k::thread_delete)}</button>
            " "
            <CancelLink message_id closes=deleting/>
        </ActionForm>
    }
}

#[component]
pub(super) fn ReportForm(message_id: i64, reported: bool) -> impl IntoView {
    let report = ServerAction::<ReportMessage>::new();
    let words = use_words();
    let done = move || reported || matches!(report.value().get(), Some(Ok(())));
    // A refusal of a report sent without JavaScript belongs to one message's form,
    // which keeps the reason and the note.
    let path = ReportMessage::PATH;
    let refused_here = typed(path, "message") == Some(message_id.to_string());
    let typed = move |name| refused_here.then(|| typed(path, name)).flatten();
    let (typed_reason, typed_note) = (typed("reason"), typed("note").unwrap_or_default());
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
            fallback=move || {
                let chosen = typed_reason.clone();
                let note = escape_html(&typed_note);
                view! {
                <ActionForm action=report attr:class="report-form" attr:aria-label=words.t(k::thread_report_form)>
                    <input type="hidden" name="message" value=message_id.to_string()/>
                    <fieldset>
                        <legend>{words.t(k::thread_report_why)}</legend>
                        {ReportReason::ALL.iter().map(|reason| view! {
                            <label class="choice">
                                <input
                                    type="radio"
                                    name="reason"
                                    value=reason.as_str()
                                    required=true
                                    checked=chosen.as_deref() == Some(reason.as_str())
                                />
                                " " {reason.label(words)}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <label for=format!("report-note-{message_id}")>{words.t(k::thread_report_note)}</label>
                    <textarea
                        id=format!("report-note-{message_id}")
                        name="note"
                        rows="2"
                        maxlength="2000"
                        inner_html=note
                    ></textarea>
                    <p class="field-error" role="alert">{error}</p>
                    <button type="submit" class="button" disabled=move || report.pending().get()>{words.t(k::thread_send_report)}</button>
                </ActionForm>
                }
            }
        >
            <p role="status" class="report-done">{words.t(k::thread_report_done)}</p>
        </Show>
    }
}
