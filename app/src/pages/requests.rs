//! `/conversations/requests`: first messages from members the viewer shares no
//! group with (when they chose "only members who share a group with me").

use crate::api::conversations::{list_requests, AnswerRequest, RequestView};
use crate::components::live::use_live;
use crate::components::party::PartyName;
use crate::components::time::Time;
use crate::i18n::{k, use_words, Words};
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
    let words = use_words();
    view! {
        <Title text=words.t(k::requests_title)/>
        <div class="page-head">
            <h1>{words.t(k::requests_title)}</h1>
            <a class="button button-quiet" href="/conversations">{words.t(k::requests_back)}</a>
        </div>
        <p class="hint">{words.t(k::requests_hint)}</p>
        <Transition fallback=move || view! { <p>{words.t(k::requests_loading)}</p> }>
            {move || Suspend::new(async move {
                match requests.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(list) if list.is_empty() => Either::Right(Either::Left(view! { <p class="empty">{words.t(k::requests_empty)}</p> })),
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
    let words = use_words();
    let id = request.id;
    let common = if request.shared_groups.is_empty() {
        words.t(k::requests_no_common_groups).to_string()
    } else {
        words.f(
            k::requests_common_groups,
            &[("groups", &request.shared_groups.join(", "))],
        )
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
                {(request.others.len() > 1).then(|| words.p(k::requests_and_others, request.others.len() as i64 - 1, &[]))}
            </p>
            <p class="meta">
                {words.f(
                    k::requests_meta,
                    &[
                        ("sender", &request.sender),
                        ("since", &request.sender_since.format("%B %-d, %Y")),
                        ("age", &account_age(words, request.sender_age_days)),
                        ("common", &common),
                    ],
                )}
            </p>
            <p class="request-snippet">{request.snippet} " · " <span class="meta"><Time at=request.last_message_at/></span></p>
            <div class="request-actions">
                <a class="button button-quiet" href=format!("/conversations/{id}")>{words.t(k::requests_open)}</a>
                {button("accept", words.t(k::requests_accept))}
                {button("decline", words.t(k::requests_decline))}
                {button("decline_and_report", words.t(k::requests_decline_report))}
            </div>
        </li>
    }
}

/// "a new account, less than a day old", "1 day old", "12 days old".
fn account_age(words: Words, days: i64) -> String {
    match days {
        ..=0 => words.t(k::requests_age_new).to_string(),
        n => words.p(k::requests_age_days, n, &[]),
    }
}
