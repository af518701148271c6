//! One entry of a thread: a message (with the message it answers, its "edited"
//! mark and its menu), a deleted or removed one, or a note.

use super::actions::MessageActions;
use super::edit::{edit_asked_for, EditForm};
use super::reactions::{follow_reactions, ReactionBar};
use super::ThreadContext;
use crate::api::conversations::{MessageKind, MessageView, PartyKind, Quote, React};
use crate::components::attachments::AttachmentList;
use crate::components::avatar::Avatar;
use crate::components::message_text::MessageText;
use crate::components::time::Time;
use crate::i18n::{k, use_words};
use leptos::prelude::*;

/// `continued`: it follows its author's previous message closely (see `Placement`).
#[component]
pub(super) fn Message(message: MessageView, #[prop(optional)] continued: bool) -> impl IntoView {
    let words = use_words();
    let id = format!("message-{}", message.id);
    let author = message.author.name.clone();
    match message.kind {
        MessageKind::Left => view! {
            <li class="note" id=id>{words.f(k::thread_left, &[("name", &author)])}</li>
        }
        .into_any(),
        MessageKind::Added => view! {
            <li class="note" id=id>{words.f(k::thread_added, &[("name", &author), ("names", &message.body)])}</li>
        }
        .into_any(),
        MessageKind::Text if message.is_gone() => {
            let note = if message.removed {
                words.t(k::thread_removed)
            } else {
                words.t(k::thread_deleted)
            };
            let removed = message.removed;
            let byline = message.clone();
            view! {
                <li class="message gone" class:removed=removed id=id>
                    <Byline message=byline/>
                    <div class="message-main">
                        <Head message/>
                        <p class="message-body removed-note">{note}</p>
                    </div>
                </li>
            }
            .into_any()
        }
        MessageKind::Text => view! { <TextMessage message continued/> }.into_any(),
    }
}

/// A message with text: its body, or its edit form while its author edits it.
#[component]
fn TextMessage(message: MessageView, continued: bool) -> impl IntoView {
    let thread = expect_context::<ThreadContext>();
    let words = use_words();
    let id = message.id;
    let editing = RwSignal::new(edit_asked_for(id));
    let body = message.body.clone();
    let collapsed = message.collapsed;
    let text = move || {
        let body = body.clone();
        if collapsed {
            view! {
                <details class="collapsed-message">
                    <summary>{words.t(k::thread_from_blocked)}</summary>
                    <div class="message-body" dir="auto"><MessageText body/></div>
                </details>
            }
            .into_any()
        } else {
            view! { <div class="message-body" dir="auto"><MessageText body/></div> }.into_any()
        }
    };
    let original = message.body.clone();
    let files =
        (!collapsed).then(|| view! { <AttachmentList attachments=message.attachments.clone()/> });
    let mine = message.mine;
    let quote = message
        .reply_to
        .clone()
        .map(|quote| view! { <QuoteLink quote/> });
    let (byline, head) = (message.clone(), message.clone());
    let react = ServerAction::<React>::new();
    let react_error = follow_reactions(id, react);
    view! {
        <li class="message" class:mine=mine class:continued=continued id=format!("message-{id}")>
            <Byline message=byline/>
            <div class="message-main">
                <Head message=head/>
                {quote}
                <Show when=move || editing.get() fallback=text.clone()>
                    <EditForm message_id=id original=original.clone() editing/>
                </Show>
                {files}
                <ReactionBar message_id=id action=react/>
                <p class="meta" role="status">{react_error}</p>
                <SeenBy message_id=id/>
            </div>
            <MessageActions message editing writable=thread.writable react/>
        </li>
    }
}

/// "Seen by Alice and Bob" under the last message they read.
#[component]
fn SeenBy(message_id: i64) -> impl IntoView {
    let thread = expect_context::<ThreadContext>();
    let words = use_words();
    let names = Memo::new(move |_| thread.seen_at(message_id));
    let text = move || {
        names.with(|n| match n.as_slice() {
            [] => String::new(),
            [one] => words.f(k::thread_seen_by, &[("name", one)]),
            [rest @ .., last] => words.f(
                k::thread_seen_by_several,
                &[("names", &rest.join(", ")), ("last", last)],
            ),
        })
    };
    view! { <p class="seen-by meta" hidden=move || names.with(Vec::is_empty)>{text}</p> }
}

#[component]
fn Byline(message: MessageView) -> impl IntoView {
    view! {
        <Avatar
            name=message.author.name.clone()
            seed=message.author.handle.clone()
            group=message.author.kind == PartyKind::Group
            image=message.author.avatar.clone()
        />
    }
}

/// "Alice (written by Bob) · 14:02 · edited".
#[component]
fn Head(message: MessageView) -> impl IntoView {
    let words = use_words();
    view! {
        <p class="message-head">
            <a class="message-author" href=message.author.link()><bdi>{message.author.name.clone()}</bdi></a>
            {message.written_by.map(|by| view! { <span class="meta written-by">{format!(" {}", words.f(k::thread_written_by, &[("name", &by)]))}</span> })}
            <span class="head-sep">" · "</span>
            <span class="meta"><Time at=message.created_at/></span>
            {message.edited_at.filter(|_| !message.deleted).map(|at| view! {
                " · "
                <span class="meta edited" title=words.f(k::thread_edited_at, &[("when", &crate::components::time::written(at))])>{words.t(k::thread_edited)}</span>
            })}
        </p>
    }
}

/// The start of the message a reply answers; following it jumps there.
#[component]
fn QuoteLink(quote: Quote) -> impl IntoView {
    let words = use_words();
    let text = if quote.gone {
        words.t(k::thread_deleted).to_string()
    } else {
        quote.excerpt.clone()
    };
    view! {
        <a class="reply-quote" class:gone=quote.gone href=format!("#message-{}", quote.id)>
            <span class="visually-hidden">{format!("{} ", words.t(k::thread_in_reply_to))}</span>
            <span class="reply-quote-author">{quote.author.clone()}</span>
            " "
            <span class="reply-quote-text">{text}</span>
        </a>
    }
}
