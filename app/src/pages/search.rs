//! Searching one's messages (`/conversations/search?q=…`): a plain GET form, so it
//! works without JavaScript; results newest first, a page at a time.

use crate::api::conversations::{find_messages, FoundMessage, FoundPage};
use crate::components::time::Time;
use crate::i18n::{k, use_words};
use crate::pages::{error_view, members::encode_query};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let typed = move || query.read().get("q").unwrap_or_default();
    let from = move || query.read().get("from").filter(|f| !f.is_empty());
    let before = move || {
        query
            .read()
            .get("before")
            .and_then(|b| b.parse::<i64>().ok())
    };
    let words = use_words();
    let results = Resource::new(
        move || (typed(), from(), before()),
        |(typed, from, before)| async move {
            if typed.trim().is_empty() {
                return Ok(None);
            }
            find_messages(typed, from, before).await.map(Some)
        },
    );
    view! {
        <Title text=words.t(k::search_title)/>
        <section class="panel search-page">
            <h1>{words.t(k::search_title)}</h1>
            <form method="get" action="/conversations/search" role="search" class="search-form">
                <label for="search-q">{words.t(k::search_field)}</label>
                <div class="search-row">
                    <input
                        id="search-q"
                        type="search"
                        name="q"
                        value=typed
                        maxlength=crate::domain::search::SEARCH_MAX.to_string()
                        autocomplete="off"
                    />
                    <button type="submit" class="button">{words.t(k::search_submit)}</button>
                </div>
                {move || from().map(|from| view! {
                    <input type="hidden" name="from" value=from/>
                    <p class="meta">{words.t(k::search_only_one_sender)}
                        <a href=format!("/conversations/search?q={}", encode_query(&typed()))>{words.t(k::search_everyone)}</a>
                    </p>
                })}
            </form>
            <Suspense fallback=move || view! { <p>{words.t(k::search_searching)}</p> }>
                {move || Suspend::new(async move {
                    match results.await {
                        Err(error) => Either::Left(error_view(error)),
                        Ok(None) => Either::Right(None),
                        Ok(Some(page)) => Either::Right(Some(view! { <Results page typed=typed() from=from()/> })),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Results(page: FoundPage, typed: String, from: Option<String>) -> impl IntoView {
    let words = use_words();
    if page.hits.is_empty() {
        return Either::Left(view! {
            <p role="status">{words.t(k::search_none)}</p>
        });
    }
    let next = page.before.map(|before| {
        let from = from
            .as_deref()
            .map(|f| format!("&from={}", encode_query(f)))
            .unwrap_or_default();
        format!(
            "/conversations/search?q={}{from}&before={before}",
            encode_query(&typed)
        )
    });
    let typed_for_hits = typed.clone();
    Either::Right(view! {
        <ol class="search-results" aria-label=words.t(k::search_results_label)>
            {page.hits.into_iter().map(|hit| view! { <Hit hit typed=typed_for_hits.clone()/> }).collect_view()}
        </ol>
        {next.map(|href| view! { <p class="older"><a class="button button-quiet" href=href>{words.t(k::search_older)}</a></p> })}
    })
}

#[component]
fn Hit(hit: FoundMessage, typed: String) -> impl IntoView {
    let words = use_words();
    let only_from = format!(
        "/conversations/search?q={}&from={}",
        encode_query(&typed),
        encode_query(&hit.author_token)
    );
    view! {
        <li class="search-hit">
            <p class="search-hit-head">
                <a class="search-hit-link" href=format!("/conversations/{}?at={}#message-{}", hit.conversation_id, hit.message_id, hit.message_id)>
                    {if hit.with.is_empty() { words.t(k::search_with_nobody).to_string() } else { words.f(k::search_with, &[("names", &hit.with)]) }}
                </a>
                " · "
                <span class="meta"><Time at=hit.created_at/></span>
            </p>
            <p class="search-snippet">
                <a class="search-author" href=only_from title=words.f(k::search_only_from, &[("name", &hit.author)])>{hit.author.clone()}</a>
                {words.t(k::list_colon)}
                {hit.snippet.into_iter().map(|piece| if piece.hit {
                    Either::Left(view! { <mark>{piece.text}</mark> })
                } else {
                    Either::Right(piece.text)
                }).collect_view()}
            </p>
        </li>
    }
}
