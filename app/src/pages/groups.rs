use crate::api::groups::list_groups;
use crate::components::search::SearchForm;
use crate::i18n::{k, use_words};
use crate::pages::error_view;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn GroupsPage() -> impl IntoView {
    let query = use_query_map();
    let words = use_words();
    let search = move || query.read().get("q").unwrap_or_default();
    let groups = Resource::new(search, list_groups);

    view! {
        <Title text=words.t(k::groups_title)/>
        <div class="page-head">
            <h1>{words.t(k::groups_title)}</h1>
            <a class="button" href="/groups/new">{words.t(k::groups_create)}</a>
        </div>
        <SearchForm action="/groups" label=words.t(k::groups_search) id="group-search" query=Signal::derive(search)/>
        <Suspense fallback=move || view! { <p>{words.t(k::groups_loading)}</p> }>
            {move || Suspend::new(async move {
                match groups.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(groups) => Either::Right(view! {
                        {groups.is_empty().then(|| view! { <p>{words.t(k::groups_none)}</p> })}
                        <ul class="card-grid">
                            {groups.into_iter().map(|g| view! {
                                <li class="card">
                                    <crate::components::avatar::Avatar name=g.name.clone() seed=g.slug.clone() group=true image=g.avatar.clone()/>
                                    <div class="card-body">
                                        <a class="card-title" href=format!("/groups/{}", g.slug)>{g.name}</a>
                                        <span class="meta">
                                            {words.p(k::groups_member_count, g.member_count, &[])}
                                            {(!g.is_open).then_some(words.t(k::groups_closed))}
                                        </span>
                                        <p class="card-text">{g.description}</p>
                                    </div>
                                </li>
                            }).collect_view()}
                        </ul>
                    }),
                }
            })}
        </Suspense>
    }
}
