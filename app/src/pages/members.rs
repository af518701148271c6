use crate::api::members::list_members;
use crate::components::avatar::Avatar;
use crate::components::search::SearchForm;
use crate::i18n::{k, use_words};
use crate::pages::error_view;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The member directory: a plain GET search form, so it works with or without script.
#[component]
pub fn MembersPage() -> impl IntoView {
    let query = use_query_map();
    let words = use_words();
    let search = move || query.read().get("q").unwrap_or_default();
    let after = move || {
        query
            .read()
            .get("after")
            .and_then(|a| a.parse::<i64>().ok())
    };
    let page = Resource::new(
        move || (search(), after()),
        |(q, after)| list_members(q, after),
    );

    view! {
        <Title text=words.t(k::members_title)/>
        <h1>{words.t(k::members_title)}</h1>
        <SearchForm
            action="/members"
            label=words.t(k::members_search)
            id="member-search"
            placeholder=words.t(k::members_search_example)
            query=Signal::derive(search)
        />
        <Suspense fallback=move || view! { <p>{words.t(k::members_loading)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(page) => Either::Right(view! {
                        {page.members.is_empty().then(|| view! { <p>{words.t(k::members_none)}</p> })}
                        <ul class="card-grid">
                            {page.members.into_iter().map(|m| view! {
                                <li class="card">
                                    <Avatar name=m.display_name.clone() seed=m.handle.clone() image=m.avatar.clone()/>
                                    <div class="card-body">
                                        <a class="card-title" href=format!("/members/{}", m.handle)>{m.display_name}</a>
                                        <span class="handle">{format!("@{}", m.handle)}</span>
                                        <p class="card-text">{m.bio}</p>
                                    </div>
                                </li>
                            }).collect_view()}
                        </ul>
                        {page.next.map(|next| {
                            let q = search();
                            let href = if q.is_empty() {
                                format!("/members?after={next}")
                            } else {
                                format!("/members?q={}&after={next}", encode_query(&q))
                            };
                            view! { <p class="pager"><a class="button button-quiet" href=href rel="next">{words.t(k::members_next)}</a></p> }
                        })}
                    }),
                }
            })}
        </Suspense>
    }
}

/// Percent-encodes a query value for a link.
pub fn encode_query(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
