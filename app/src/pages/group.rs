//! `/groups/<slug>`: a group's page. Members join, ask to join or leave; its
//! managers also answer requests to join, appoint managers and remove members.

use crate::api::conversations::PartyView;
use crate::api::groups::{
    get_group_details, AnswerJoinRequest, GroupDetails, InviteToGroup, JoinGroup, JoinRequest,
    LeaveGroup, MemberLink, Membership, RemoveFromGroup, RequestToJoinGroup, SetGroupRole,
};
use crate::components::compose::parties;
use crate::components::recipient_picker::{PickerText, RecipientPicker};
use crate::components::time::Time;
use crate::components::{avatar::Avatar, contact::ContactButton};
use crate::domain::group::check_invitees;
use crate::error::AppError;
use crate::i18n::{k, use_words};
use crate::pages::error_view;
use leptos::either::{Either, EitherOf6};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Every action a group's page offers; the page reloads the group after each.
#[derive(Clone, Copy)]
struct GroupActions {
    join: ServerAction<JoinGroup>,
    ask: ServerAction<RequestToJoinGroup>,
    leave: ServerAction<LeaveGroup>,
    answer: ServerAction<AnswerJoinRequest>,
    role: ServerAction<SetGroupRole>,
    remove: ServerAction<RemoveFromGroup>,
    invite: ServerAction<InviteToGroup>,
}

impl GroupActions {
    fn new() -> Self {
        Self {
            join: ServerAction::new(),
            ask: ServerAction::new(),
            leave: ServerAction::new(),
            answer: ServerAction::new(),
            role: ServerAction::new(),
            remove: ServerAction::new(),
            invite: ServerAction::new(),
        }
    }

    /// Changes whenever an action that changes the page completes (an invitation
    /// changes nothing shown, and reloading would close its panel).
    fn version(&self) -> usize {
        self.join.version().get()
            + self.ask.version().get()
            + self.leave.version().get()
            + self.answer.version().get()
            + self.role.version().get()
            + self.remove.version().get()
    }

    /// The refusal of the last action that failed, in words.
    fn error(&self) -> Option<String> {
        fn failed<T>(v: Option<Result<T, AppError>>) -> Option<AppError> {
            v.and_then(Result::err)
        }
        failed(self.join.value().get())
            .or_else(|| failed(self.ask.value().get()))
            .or_else(|| failed(self.leave.value().get()))
            .or_else(|| failed(self.answer.value().get()))
            .or_else(|| failed(self.role.value().get()))
            .or_else(|| failed(self.remove.value().get()))
            .map(|e| e.to_string())
    }
}

#[component]
pub fn GroupPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let actions = GroupActions::new();
    let query = leptos_router::hooks::use_query_map();
    let members_after = move || {
        query
            .read()
            .get("members_after")
            .and_then(|a| a.parse::<i64>().ok())
    };
    let group = Resource::new(
        move || (slug(), members_after(), actions.version()),
        |(slug, after, _)| get_group_details(slug, after),
    );
    let words = use_words();
    view! {
        <Suspense fallback=move || view! { <p>{words.t(k::group_loading)}</p> }>
            {move || Suspend::new(async move {
                match group.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(g) => Either::Right(view! { <Group g actions/> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Group(g: GroupDetails, actions: GroupActions) -> impl IntoView {
    let closed = g.closed_by_admin;
    let manages = g.viewer == Membership::Manager && !closed;
    let slug = g.slug.clone();
    let words = use_words();
    view! {
        <Title text=g.name.clone()/>
        <article class="group panel">
            <header class="profile-header">
                <crate::components::avatar::Avatar name=g.name.clone() seed=g.slug.clone() large=true group=true image=g.avatar.clone()/>
                <div class="profile-title">
                    <h1>{g.name.clone()}</h1>
                    <p class="meta">
                        {words.p(k::group_member_count, g.member_count, &[])}
                        {if g.is_open { words.t(k::group_open) } else { words.t(k::group_closed) }}
                    </p>
                </div>
                {(!closed).then(|| view! {
                    <ContactButton label=words.f(k::group_message, &[("name", &g.name)]) to=format!("group:{}", g.slug)/>
                })}
            </header>
            <p class="bio">{g.description.clone()}</p>
            {closed.then(|| view! {
                <p class="read-only-note" role="status">{words.t(k::group_closed_by_admin)}</p>
            })}
            <div class="group-actions">
                {(!closed).then(|| view! { <ViewerActions slug=g.slug.clone() viewer=g.viewer is_open=g.is_open actions/> })}
                {manages.then(|| view! {
                    <a class="button button-quiet" href=format!("/groups/{}/edit", g.slug)>{words.t(k::group_edit)}</a>
                })}
                <p class="form-error" role="alert">{move || actions.error()}</p>
            </div>
            {(manages && !g.requests.is_empty()).then(|| view! {
                <Requests slug=slug.clone() requests=g.requests actions/>
            })}
            {manages.then(|| view! { <InvitePanel slug=slug.clone() actions/> })}
            <section>
                <h2>{words.t(k::group_managers)}</h2>
                <PeopleList slug=slug.clone() people=g.managers manager_list=true manages actions/>
            </section>
            <section>
                <h2>{words.t(k::group_members)}</h2>
                {if g.members.is_empty() {
                    Either::Left(view! { <p>{words.t(k::group_no_members)}</p> })
                } else {
                    Either::Right(view! { <PeopleList slug=slug.clone() people=g.members manager_list=false manages actions/> })
                }}
                {g.members_next.map(|next| view! {
                    <p class="pager">
                        <a class="button button-quiet" href=format!("/groups/{slug}?members_after={next}") rel="next">{words.t(k::group_more_members)}</a>
                    </p>
                })}
            </section>
        </article>
    }
}

/// A one-button form posting `fields` (name, value pairs) to `action`. A macro:
/// `ActionForm`'s bounds on the server function are long to spell out.
macro_rules! button_form {
    ($action:expr, $fields:expr, $label:expr, $class:expr) => {{
        let fields: Vec<(&'static str, String)> = $fields;
        let label = String::from($label);
        let inputs = fields
            .into_iter()
            .map(|(name, value)| view! { <input type="hidden" name=name value=value/> })
            .collect_view();
        view! {
            <ActionForm action=$action attr:class="inline-form">
                {inputs}
                <button type="submit" class=$class>{label}</button>
            </ActionForm>
        }
    }};
}

/// What the viewer can do about their own membership.
#[component]
fn ViewerActions(
    slug: String,
    viewer: Membership,
    is_open: bool,
    actions: GroupActions,
) -> impl IntoView {
    let field = vec![("slug", slug.clone())];
    let words = use_words();
    match (viewer, is_open) {
        (Membership::SignedOut, _) => EitherOf6::A(view! {
            <p><a href=format!("/sign-in?next=/groups/{slug}")>{words.t(k::group_sign_in)}</a> {words.t(k::group_sign_in_after)}</p>
        }),
        (Membership::Outsider, true) => EitherOf6::B(button_form!(
            actions.join,
            field,
            words.t(k::group_join),
            "button"
        )),
        (Membership::Outsider, false) => EitherOf6::C(view! {
            <p>{words.t(k::group_closed_hint)}</p>
            {button_form!(actions.ask, field, words.t(k::group_request), "button")}
        }),
        (Membership::Requested, _) => EitherOf6::D(view! {
            <p role="status">{words.t(k::group_requested)}</p>
            {button_form!(actions.leave, field, words.t(k::group_withdraw), "button button-quiet")}
        }),
        (Membership::Invited, _) => EitherOf6::E(view! {
            <p role="status">{words.t(k::group_invited)}</p>
            {button_form!(actions.join, field.clone(), words.t(k::group_accept), "button")}
            {button_form!(actions.leave, field, words.t(k::group_decline), "button button-quiet")}
        }),
        (Membership::Member | Membership::Manager, _) => EitherOf6::F(button_form!(
            actions.leave,
            field,
            words.t(k::group_leave),
            "button button-quiet"
        )),
    }
}

/// Requests to join, oldest first, each approved or declined by a manager.
#[component]
fn Requests(slug: String, requests: Vec<JoinRequest>, actions: GroupActions) -> impl IntoView {
    let words = use_words();
    view! {
        <section aria-labelledby="join-requests">
            <h2 id="join-requests">{words.f(k::group_requests, &[("count", &words.number(requests.len() as i64))])}</h2>
            <ul class="people join-requests">
                {requests.into_iter().map(|r| {
                    let fields = |answer: &str| vec![
                        ("slug", slug.clone()),
                        ("handle", r.member.handle.clone()),
                        ("answer", answer.to_string()),
                    ];
                    view! {
                        <li>
                            <Avatar name=r.member.display_name.clone() seed=r.member.handle.clone()/>
                            <a href=format!("/members/{}", r.member.handle)>{r.member.display_name.clone()}</a>
                            <span class="meta"><Time at=r.asked_at/></span>
                            {button_form!(actions.answer, fields("approve"), words.f(k::group_approve_member, &[("name", &r.member.display_name)]), "button")}
                            {button_form!(actions.answer, fields("decline"), words.f(k::group_decline_member, &[("name", &r.member.display_name)]), "button button-quiet")}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// Managers or members; a manager viewing gets the buttons that change each.
#[component]
fn PeopleList(
    slug: String,
    people: Vec<MemberLink>,
    manager_list: bool,
    manages: bool,
    actions: GroupActions,
) -> impl IntoView {
    let words = use_words();
    view! {
        <ul class="people">
            {people.into_iter().map(|p| {
                let fields = |extra: Option<(&'static str, &str)>| {
                    let mut f = vec![("slug", slug.clone()), ("handle", p.handle.clone())];
                    f.extend(extra.map(|(k, v)| (k, v.to_string())));
                    f
                };
                let name = p.display_name.clone();
                let buttons = manages.then(|| view! {
                    <span class="person-actions">
                        {if manager_list {
                            button_form!(actions.role, fields(Some(("role", "member"))), words.f(k::group_remove_manager, &[("name", &name)]), "button button-quiet")
                        } else {
                            button_form!(actions.role, fields(Some(("role", "manager"))), words.f(k::group_make_manager, &[("name", &name)]), "button button-quiet")
                        }}
                        {button_form!(actions.remove, fields(None), words.f(k::group_remove_member, &[("name", &name)]), "button button-quiet")}
                    </span>
                });
                view! {
                    <li>
                        <Avatar name=p.display_name.clone() seed=p.handle.clone()/>
                        <a href=format!("/members/{}", p.handle)>{p.display_name}</a>
                        <span class="handle">{format!("@{}", p.handle)}</span>
                        {buttons}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// Managers invite members with the recipient picker (members only, up to 20 at once).
#[component]
fn InvitePanel(slug: String, actions: GroupActions) -> impl IntoView {
    let invite = actions.invite;
    let words = use_words();
    let chosen = RwSignal::new(Vec::<PartyView>::new());
    let rule = move |candidate: Vec<PartyView>| {
        check_invitees(&parties(&candidate))
            .map(|_| ())
            .map_err(|problem| problem.words(words))
    };
    let excluded = move |()| Vec::<String>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = invite.value().get() {
            chosen.set(Vec::new());
        }
    });
    let error = Signal::derive(move || {
        invite
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.field("to").unwrap_or_else(|| e.to_string()))
    });
    let sent = move || {
        matches!(invite.value().get(), Some(Ok(()))).then_some(words.t(k::group_invited_sent))
    };
    let picker = PickerText {
        id: "invite",
        label: words.t(k::group_invite_find),
        chips_label: words.t(k::group_invite_chosen),
        hint: words.t(k::group_invite_hint),
    };
    view! {
        <details class="add-people">
            <summary>{words.t(k::group_invite_members)}</summary>
            <ActionForm action=invite attr:class="add-people-form">
                <input type="hidden" name="slug" value=slug/>
                <RecipientPicker text=picker chosen rule excluded error/>
                <button type="submit" class="button" disabled=move || chosen.with(Vec::is_empty) || invite.pending().get()>
                    {words.t(k::group_invite)}
                </button>
                <p role="status">{sent}</p>
            </ActionForm>
        </details>
    }
}
