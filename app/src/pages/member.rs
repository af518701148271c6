use crate::api::members::get_member_profile;
use crate::api::moderation::SetBlock;
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
                                <Avatar name=p.display_name.clone() seed=p.handle.clone() large=true image=p.avatar.clone()/>
                                <div class="profile-title">
                                    <h1>{p.display_name.clone()}</h1>
                                    <p class="handle">{format!("@{}", p.handle)}</p>
                                    {p.role.label().map(|label| view! { <p class="badge">{label}</p> })}
                                </div>
                                <div class="profile-actions">
                                    <ContactButton
                                        label=format!("Message {}", p.display_name)
                                        text="Message"
                                        to=format!("member:{}", p.handle)
                                    />
                                    {p.viewer_blocked.map(|blocked| view! {
                                        <MoreActions handle=p.handle.clone() name=p.display_name.clone() blocked/>
                                    })}
                                </div>
                            </header>
                            {p.viewer_is_member.then(|| view! {
                                <p><a class="button button-quiet" href="/settings/profile">"Edit profile"</a></p>
                            })}
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

/// The "⋯" menu beside Message: the actions a member rarely takes. A
/// `<details>` disclosure, so it opens without JavaScript too.
#[component]
fn MoreActions(handle: String, name: String, blocked: bool) -> impl IntoView {
    view! {
        <details class="more-actions">
            <summary aria-label=format!("More actions for {name}") title="More actions">"⋯"</summary>
            <div class="more-actions-menu">
                <BlockToggle handle name=name.clone() blocked/>
                // Reports are about a message (the moderators see it in context):
                // this leads to how to report one. A full load (`rel="external"`) so
                // the browser scrolls to the section.
                <a href="/code-of-conduct#reporting" rel="external">{format!("Report {name}")}</a>
                <p class="hint">"Report one of their messages from its ⋯ menu."</p>
            </div>
        </details>
    }
}

/// Block or unblock this member. A blocked member can no longer start a
/// conversation with the viewer or add them to one.
#[component]
fn BlockToggle(handle: String, name: String, blocked: bool) -> impl IntoView {
    let toggle = ServerAction::<SetBlock>::new();
    let blocked_now = RwSignal::new(blocked);
    Effect::new(move |_| {
        if let Some(Ok(now)) = toggle.value().get() {
            blocked_now.set(now);
        }
    });
    let status_name = name.clone();
    let status = move || {
        toggle.value().get().map(|result| match result {
            Ok(true) => {
                format!("You blocked {status_name}. They can't start conversations with you.")
            }
            Ok(false) => format!("You unblocked {status_name}."),
            Err(error) => error.to_string(),
        })
    };
    view! {
        <ActionForm action=toggle attr:class="block-form">
            <input type="hidden" name="handle" value=handle/>
            <input type="hidden" name="blocked" value=move || (!blocked_now.get()).to_string()/>
            <button type="submit" class="button button-quiet">
                {move || if blocked_now.get() { format!("Unblock {name}") } else { format!("Block {name}") }}
            </button>
            <p role="status" class="meta">{status}</p>
        </ActionForm>
    }
}
