//! One message of a thread, with its report and block menu.

use crate::api::conversations::{MessageKind, MessageView, PartyKind, PartyView};
use crate::api::moderation::{ReportMessage, SetBlock};
use crate::components::avatar::Avatar;
use crate::components::field::{escape_html, typed};
use crate::components::message_text::MessageText;
use crate::components::time::Time;
use crate::domain::moderation::ReportReason;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

#[component]
pub(super) fn Message(message: MessageView) -> impl IntoView {
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
                <Avatar name=author.clone() seed=message.author.handle.clone() group=is_group image=message.author.avatar.clone()/>
                <div class="message-main">
                    <p class="message-head">
                        <a class="message-author" href=message.author.link()>{author.clone()}</a>
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
                    <Avatar name=author.clone() seed=message.author.handle.clone() group=is_group image=message.author.avatar.clone()/>
                    <div class="message-main">
                        <p class="message-head">
                            <a class="message-author" href=message.author.link()>{author.clone()}</a>
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
pub(super) fn MessageActions(message_id: i64, author: PartyView) -> impl IntoView {
    // `?report=<id>` opens the report form on the server's page (the menu's link,
    // without JavaScript); `?reported=<id>` is where a report sent without it lands.
    let query = use_query_map();
    let asked = |name: &str| {
        query.with_untracked(|q| q.get(name).and_then(|v| v.parse::<i64>().ok()))
            == Some(message_id)
    };
    let reported = asked("reported");
    let reporting = RwSignal::new(asked("report") || reported);
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
                    // A link to the form without JavaScript; with it, a button
                    // that opens the form in place.
                    <a
                        class="link-button"
                        role="button"
                        href=format!("?report={message_id}#message-{message_id}")
                        on:click=move |ev| {
                            ev.prevent_default();
                            reporting.set(true);
                        }
                    >
                        "Report message"
                    </a>
                    {member_author}
                </div>
            </details>
            <p role="status" class="meta">{blocked_note}</p>
            {move || reporting.get().then(|| view! { <ReportForm message_id reported/> })}
        </div>
    }
}

#[component]
pub(super) fn ReportForm(message_id: i64, reported: bool) -> impl IntoView {
    let report = ServerAction::<ReportMessage>::new();
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
                <ActionForm action=report attr:class="report-form" attr:aria-label="Report this message">
                    <input type="hidden" name="message" value=message_id.to_string()/>
                    <fieldset>
                        <legend>"Why are you reporting this message?"</legend>
                        {ReportReason::ALL.iter().map(|reason| view! {
                            <label class="choice">
                                <input
                                    type="radio"
                                    name="reason"
                                    value=reason.as_str()
                                    required=true
                                    checked=chosen.as_deref() == Some(reason.as_str())
                                />
                                " " {reason.label()}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <label for=format!("report-note-{message_id}")>"Note for the moderators (optional)"</label>
                    <textarea
                        id=format!("report-note-{message_id}")
                        name="note"
                        rows="2"
                        maxlength="2000"
                        inner_html=note
                    ></textarea>
                    <p class="field-error" role="alert">{error}</p>
                    <button type="submit" class="button" disabled=move || report.pending().get()>"Send report"</button>
                </ActionForm>
                }
            }
        >
            <p role="status" class="report-done">"Thank you. A moderator will review this message."</p>
        </Show>
    }
}
