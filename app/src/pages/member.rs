use crate::api::members::get_member_profile;
use crate::components::{avatar::Avatar, contact::ContactButton};
use crate::pages::error_view;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn MemberPage() -> impl IntoView {
    let params = use_params_map();
    let handle = move || params.read().get("handle").unwrap_or_default();
    let profile = Resource::new(handle, get_member_profile);

    view! {
        <Suspense fallback=|| view! { <p>"Loading profile…"</p> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(p) => Either::Right(view! {
                        <Title text=p.display_name.clone()/>
                        <article class="profile panel">
                            <header class="profile-header">
                                <Avatar name=p.display_name.clone() seed=p.handle.clone() large=true/>
                                <div class="profile-title">
                                    <h1>{p.display_name.clone()}</h1>
                                    <p class="handle">{format!("@{}", p.handle)}</p>
                                    {p.role.label().map(|label| view! { <p class="badge">{label}</p> })}
                                </div>
                                <ContactButton label=format!("Message {}", p.display_name) to=format!("member:{}", p.handle)/>
                            </header>
                            <p class="bio">
                                {if p.bio.is_empty() { "No bio yet.".to_string() } else { p.bio.clone() }}
                            </p>
                            <p class="meta">
                                "Member since "
                                <time datetime=p.member_since.to_string()>{p.member_since.format("%B %-d, %Y").to_string()}</time>
                            </p>
                            <section>
                                <h2>"Groups"</h2>
                                {if p.groups.is_empty() {
                                    Either::Left(view! { <p>"Not in any group yet."</p> })
                                } else {
                                    Either::Right(view! {
                                        <ul class="tag-list">
                                            {p.groups.into_iter().map(|g| view! {
                                                <li>
                                                    <a href=format!("/groups/{}", g.slug)>{g.name}</a>
                                                    {g.is_manager.then(|| view! { <span class="badge">"Manager"</span> })}
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    })
                                }}
                            </section>
                        </article>
                    }),
                }
            })}
        </Suspense>
    }
}
