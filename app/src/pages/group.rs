use crate::api::groups::{get_group_details, JoinGroup, LeaveGroup, MemberLink, Membership};
use crate::components::{avatar::Avatar, contact::ContactButton};
use crate::pages::error_view;
use leptos::either::{Either, EitherOf4};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn GroupPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let join = ServerAction::<JoinGroup>::new();
    let leave = ServerAction::<LeaveGroup>::new();
    let group = Resource::new(
        move || (slug(), join.version().get(), leave.version().get()),
        |(slug, _, _)| get_group_details(slug),
    );
    let action_error = move || {
        let failed = |v: Option<Result<(), crate::error::AppError>>| v.and_then(Result::err);
        failed(join.value().get())
            .or_else(|| failed(leave.value().get()))
            .map(|e| e.to_string())
    };

    view! {
        <Suspense fallback=|| view! { <p>"Loading group…"</p> }>
            {move || Suspend::new(async move {
                match group.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(g) => Either::Right(view! {
                        <Title text=g.name.clone()/>
                        <article class="group panel">
                            <header class="profile-header">
                                <div class="profile-title">
                                    <h1>{g.name.clone()}</h1>
                                    <p class="meta">
                                        {format!("{} members", g.member_count)}
                                        {if g.is_open { " · open group" } else { " · closed group" }}
                                    </p>
                                </div>
                                <ContactButton label=format!("Message the {} group", g.name) to=format!("group:{}", g.slug)/>
                            </header>
                            <p class="bio">{g.description.clone()}</p>
                            <div class="group-actions">
                                {match (g.viewer, g.is_open) {
                                    (Membership::SignedOut, _) => EitherOf4::A(view! {
                                        <p><a href=format!("/sign-in?next=/groups/{}", g.slug)>"Sign in"</a> " to join this group."</p>
                                    }),
                                    (Membership::Outsider, true) => EitherOf4::B(view! {
                                        <ActionForm action=join>
                                            <input type="hidden" name="slug" value=g.slug.clone()/>
                                            <button type="submit" class="button">"Join group"</button>
                                        </ActionForm>
                                    }),
                                    (Membership::Outsider, false) => EitherOf4::C(view! {
                                        <p>"This group is closed: its managers add new members."</p>
                                    }),
                                    (Membership::Member | Membership::Manager, _) => EitherOf4::D(view! {
                                        <ActionForm action=leave>
                                            <input type="hidden" name="slug" value=g.slug.clone()/>
                                            <button type="submit" class="button button-quiet">"Leave group"</button>
                                        </ActionForm>
                                    }),
                                }}
                                <p class="form-error" role="alert">{action_error}</p>
                            </div>
                            <section>
                                <h2>"Managers"</h2>
                                <PeopleList people=g.managers/>
                            </section>
                            <section>
                                <h2>"Members"</h2>
                                {if g.members.is_empty() {
                                    Either::Left(view! { <p>"No other members yet."</p> })
                                } else {
                                    Either::Right(view! { <PeopleList people=g.members/> })
                                }}
                            </section>
                        </article>
                    }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PeopleList(people: Vec<MemberLink>) -> impl IntoView {
    view! {
        <ul class="people">
            {people.into_iter().map(|p| view! {
                <li>
                    <Avatar name=p.display_name.clone() seed=p.handle.clone()/>
                    <a href=format!("/members/{}", p.handle)>{p.display_name}</a>
                </li>
            }).collect_view()}
        </ul>
    }
}
