use crate::api::groups::list_groups;
use crate::components::search::SearchForm;
use crate::pages::error_view;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn GroupsPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let groups = Resource::new(search, list_groups);

    view! {
        <Title text="Groups"/>
        <div class="page-head">
            <h1>"Groups"</h1>
            <a class="button" href="/groups/new">"Create a group"</a>
        </div>
        <SearchForm action="/groups" label="Search groups by name" id="group-search" query=Signal::derive(search)/>
        <Suspense fallback=|| view! { <p>"Loading groups…"</p> }>
            {move || Suspend::new(async move {
                match groups.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(groups) => Either::Right(view! {
                        {groups.is_empty().then(|| view! { <p>"No group matches that search."</p> })}
                        <ul class="card-grid">
                            {groups.into_iter().map(|g| view! {
                                <li class="card">
                                    <crate::components::avatar::Avatar name=g.name.clone() seed=g.slug.clone() group=true image=g.avatar.clone()/>
                                    <div class="card-body">
                                        <a class="card-title" href=format!("/groups/{}", g.slug)>{g.name}</a>
                                        <span class="meta">
                                            {format!("{} members", g.member_count)}
                                            {(!g.is_open).then_some(" · closed")}
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
