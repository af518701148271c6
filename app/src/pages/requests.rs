//! `/conversations/requests`: first messages from members the viewer shares no
//! group with (when they chose "only members who share a group with me").

use crate::api::conversations::{list_requests, AnswerRequest, RequestView};
use crate::components::live::use_live;
use crate::components::party::PartyName;
use crate::components::time::Time;
use crate::pages::error_view;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RequestsPage() -> impl IntoView {
    let answer = ServerAction::<AnswerRequest>::new();
    let live = use_live();
    let requests = Resource::new(
        move || (answer.version().get(), live.activity.get()),
        |_| list_requests(),
    );
    view! {
        <Title text="Message requests"/>
        <div class="page-head">
            <h1>"Message requests"</h1>
            <a class="button button-quiet" href="/conversations">"Back to conversations"</a>
        </div>
        <p class="hint">"Members you share no group with write here first. Nobody is told whether you accept or decline."</p>
        <Transition fallback=|| view! { <p>"Loading requests…"</p> }>
            {move || Suspend::new(async move {
                match requests.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(list) if list.is_empty() => Either::Right(Either::Left(view! { <p class="empty">"No message requests."</p> })),
                    Ok(list) => Either::Right(Either::Right(view! {
                        <ul class="request-list">
                            {list.into_iter().map(|r| view! { <Request request=r answer/> }).collect_view()}
                        </ul>
                    })),
                }
            })}
        </Transition>
    }
}

#[component]
fn Request(request: RequestView, answer: ServerAction<AnswerRequest>) -> impl IntoView {
    let id = request.id;
    let common = if request.shared_groups.is_empty() {
        "No groups in common".to_string()
    } else {
        format!("Groups in common: {}", request.shared_groups.join(", "))
    };
    let button = move |value: &'static str, label: &'static str| {
        view! {
            <ActionForm action=answer attr:class="inline-form">
                <input type="hidden" name="conversation" value=id.to_string()/>
                <input type="hidden" name="answer" value=value/>
                <button type="submit" class="button button-quiet">{label}</button>
            </ActionForm>
        }
    };
    view! {
        <li class="request panel">
            <p class="request-from">
                <PartyName party=request.from link=true/>
                {(request.others.len() > 1).then(|| format!(" and {} others", request.others.len() - 1))}
            </p>
            <p class="meta">
                {format!(
                    "Written by {} · member since {} ({}) · {}",
                    request.sender,
                    request.sender_since.format("%B %-d, %Y"),
                    account_age(request.sender_age_days),
                    common
                )}
            </p>
            <p class="request-snippet">{request.snippet} " · " <span class="meta"><Time at=request.last_message_at/></span></p>
            <div class="request-actions">
                <a class="button button-quiet" href=format!("/conversations/{id}")>"Open"</a>
                {button("accept", "Accept")}
                {button("decline", "Decline")}
                {button("decline_and_report", "Decline and report")}
            </div>
        </li>
    }
}

/// "a new account, less than a day old", "1 day old", "12 days old".
fn account_age(days: i64) -> String {
    match days {
        ..=0 => "a new account, less than a day old".to_string(),
        1 => "account 1 day old".to_string(),
        n => format!("account {n} days old"),
    }
}
