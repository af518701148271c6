//! `/admin`, `/admin/groups`, `/admin/settings`: administrators look after
//! members, groups and the site's settings. Every form posts without JavaScript
//! too; every action lands in the audit log (`/moderation/log`).

use crate::api::admin::{
    admin_groups, admin_members, get_site_settings, AdminAppointManager, AdminCloseGroup,
    AdminCreateInvitation, AdminGroup, AdminLiftSuspension, AdminMember, AdminSetRole,
    AdminSuspend, SaveSiteSettings, SiteSettingsView,
};
use crate::components::field::{FormErrors, TextField};
use crate::components::search::SearchForm;
use crate::components::time::Time;
use crate::domain::admin::{role_name, SiteSettingsInput};
use crate::i18n::{k, use_words, Words};
use crate::model::account::Role;
use crate::pages::error_view;
use crate::pages::members::encode_query;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
fn AdminNav(current: &'static str) -> impl IntoView {
    let words = use_words();
    let link = move |href: &'static str, label: &'static str| {
        view! { <a href=href aria-current=(current == href).then_some("page")>{label}</a> }
    };
    view! {
        <nav class="tabs" aria-label=words.t(k::admin_nav)>
            {link("/admin", words.t(k::admin_nav_members))}
            {link("/admin/groups", words.t(k::admin_nav_groups))}
            {link("/admin/settings", words.t(k::admin_nav_settings))}
            <a href="/moderation/log">{words.t(k::admin_nav_log)}</a>
        </nav>
    }
}

/// A role as the administrators' list names it.
fn role_label(words: Words, role: Role) -> &'static str {
    match role {
        Role::Member => words.t(k::admin_role_member),
        Role::Moderator => words.t(k::member_role_moderator),
        Role::Admin => words.t(k::member_role_admin),
    }
}

/// The first error of any of these actions, for the page's alert line.
fn first_error(errors: Vec<Option<String>>) -> Option<String> {
    errors.into_iter().flatten().next()
}

#[component]
pub fn AdminMembersPage() -> impl IntoView {
    let words = use_words();
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let after = move || {
        query
            .read()
            .get("after")
            .and_then(|a| a.parse::<i64>().ok())
    };
    let set_role = ServerAction::<AdminSetRole>::new();
    let suspend = ServerAction::<AdminSuspend>::new();
    let lift = ServerAction::<AdminLiftSuspension>::new();
    let page = Resource::new(
        move || {
            (
                search(),
                after(),
                set_role.version().get(),
                suspend.version().get(),
                lift.version().get(),
            )
        },
        |(q, after, ..)| admin_members(q, after),
    );
    let error = move || {
        first_error(vec![
            set_role
                .value()
                .get()
                .and_then(Result::err)
                .map(|e| e.to_string()),
            suspend
                .value()
                .get()
                .and_then(Result::err)
                .map(|e| e.to_string()),
            lift.value()
                .get()
                .and_then(Result::err)
                .map(|e| e.to_string()),
        ])
    };
    view! {
        <Title text=words.t(k::admin_members_title)/>
        <h1>{words.t(k::admin_heading)}</h1>
        <AdminNav current="/admin"/>
        <SearchForm action="/admin" label=words.t(k::admin_members_search) id="admin-member-search" query=Signal::derive(search)/>
        <p class="form-error" role="alert">{error}</p>
        <Suspense fallback=move || view! { <p>{words.t(k::admin_members_loading)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(page) => Either::Right(view! {
                        {page.members.is_empty().then(|| view! { <p>{words.t(k::admin_members_none)}</p> })}
                        <ul class="admin-list" aria-label=words.t(k::admin_members_list)>
                            {page.members.into_iter().map(|m| view! { <AdminMemberRow m set_role suspend lift/> }).collect_view()}
                        </ul>
                        {page.next.map(|next| {
                            let href = format!("/admin?q={}&after={next}", encode_query(&search()));
                            view! { <p class="pager"><a class="button button-quiet" href=href rel="next">{words.t(k::admin_members_next)}</a></p> }
                        })}
                    }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AdminMemberRow(
    m: AdminMember,
    set_role: ServerAction<AdminSetRole>,
    suspend: ServerAction<AdminSuspend>,
    lift: ServerAction<AdminLiftSuspension>,
) -> impl IntoView {
    let words = use_words();
    // Everything the forms show, computed once (each form's body owns its copy).
    let name = m.display_name.clone();
    let role_field = format!("role-{}", m.id);
    let role_of = words.f(k::admin_role_of, &[("name", &name)]);
    let save_label = words.f(k::admin_role_save_of, &[("name", &name)]);
    let lift_label = words.f(k::admin_lift_of, &[("name", &name)]);
    let suspend_label = words.f(k::admin_suspend_of, &[("name", &name)]);
    let suspend_now = words.f(k::admin_suspend_now, &[("name", &name)]);
    let note_field = format!("suspend-note-{}", m.id);
    let (handle_role, handle_lift, handle_suspend) =
        (m.handle.clone(), m.handle.clone(), m.handle.clone());
    let role = m.role;
    let status = role_label(words, m.role);
    view! {
        <li class="admin-row" aria-label=format!("{} (@{})", m.display_name, m.handle)>
            <div class="admin-row-who">
                <a href=format!("/members/{}", m.handle)>{m.display_name.clone()}</a>
                " " <span class="handle">{format!("@{}", m.handle)}</span>
                <p class="meta">
                    {m.email.clone()} " · " {status} {words.t(k::admin_joined)} <Time at=m.joined/>
                    {m.suspended.then(|| view! { " · " <span class="badge badge-danger">{words.t(k::admin_suspended)}</span> })}
                </p>
            </div>
            <div class="admin-row-actions">
                <ActionForm action=set_role attr:class="inline-form">
                    <input type="hidden" name="handle" value=handle_role/>
                    <label class="visually-hidden" for=role_field.clone()>{role_of}</label>
                    <select id=role_field name="role">
                        {[Role::Member, Role::Moderator, Role::Admin].into_iter().map(|r| view! {
                            <option value=role_name(r) selected=r == role>{role_label(words, r)}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class="button button-quiet" aria-label=save_label>{words.t(k::admin_role_save)}</button>
                </ActionForm>
                {if m.suspended {
                    Either::Left(view! {
                        <ActionForm action=lift attr:class="inline-form">
                            <input type="hidden" name="handle" value=handle_lift/>
                            <button type="submit" class="button button-quiet" aria-label=lift_label>{words.t(k::admin_lift)}</button>
                        </ActionForm>
                    })
                } else {
                    Either::Right(view! {
                        <details class="confirm">
                            <summary class="button button-danger" aria-label=suspend_label>{words.t(k::admin_suspend)}</summary>
                            <div class="confirm-body">
                                <ActionForm action=suspend attr:class="stack-form">
                                    <input type="hidden" name="handle" value=handle_suspend/>
                                    <label for=note_field.clone()>{words.t(k::admin_audit_note)}</label>
                                    <input id=note_field name="note" type="text" maxlength="500"/>
                                    <button type="submit" class="button button-danger">{suspend_now}</button>
                                </ActionForm>
                            </div>
                        </details>
                    })
                }}
            </div>
        </li>
    }
}

#[component]
pub fn AdminGroupsPage() -> impl IntoView {
    let words = use_words();
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let close = ServerAction::<AdminCloseGroup>::new();
    let appoint = ServerAction::<AdminAppointManager>::new();
    let groups = Resource::new(
        move || (search(), close.version().get(), appoint.version().get()),
        |(q, ..)| admin_groups(q),
    );
    let errors = FormErrors::new(appoint.value());
    let close_error = move || {
        close
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <Title text=words.t(k::admin_groups_title)/>
        <h1>{words.t(k::admin_heading)}</h1>
        <AdminNav current="/admin/groups"/>
        <SearchForm action="/admin/groups" label=words.t(k::admin_groups_search) id="admin-group-search" query=Signal::derive(search)/>
        <p class="form-error" role="alert">{close_error} {errors.form()}</p>
        <p class="field-error" role="alert">{errors.field("handle")}</p>
        <Suspense fallback=move || view! { <p>{words.t(k::admin_groups_loading)}</p> }>
            {move || Suspend::new(async move {
                match groups.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(list) => Either::Right(view! {
                        {list.is_empty().then(|| view! { <p>{words.t(k::admin_groups_none)}</p> })}
                        <ul class="admin-list" aria-label=words.t(k::admin_groups_list)>
                            {list.into_iter().map(|g| view! { <AdminGroupRow g close appoint/> }).collect_view()}
                        </ul>
                    }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AdminGroupRow(
    g: AdminGroup,
    close: ServerAction<AdminCloseGroup>,
    appoint: ServerAction<AdminAppointManager>,
) -> impl IntoView {
    let words = use_words();
    let managers = if g.managers.is_empty() {
        words.t(k::admin_group_no_manager).to_string()
    } else {
        words.f(
            k::admin_group_managed_by,
            &[("names", &g.managers.join(", "))],
        )
    };
    let actions = g.closed.is_none().then(|| {
        let name = &g.name;
        let appoint_field = format!("appoint-{}", g.slug);
        let appoint_label = words.f(k::admin_group_appoint_field, &[("name", name)]);
        let appoint_button = words.f(k::admin_group_appoint_of, &[("name", name)]);
        let close_label = words.f(k::admin_group_close_of, &[("name", name)]);
        let close_now = words.f(k::admin_group_close_now, &[("name", name)]);
        let note_field = format!("close-note-{}", g.slug);
        let (slug_appoint, slug_close) = (g.slug.clone(), g.slug.clone());
        view! {
            <div class="admin-row-actions">
                <ActionForm action=appoint attr:class="inline-form">
                    <input type="hidden" name="slug" value=slug_appoint/>
                    <label class="visually-hidden" for=appoint_field.clone()>{appoint_label}</label>
                    <input id=appoint_field name="handle" type="text" placeholder=words.t(k::admin_group_appoint_placeholder) autocomplete="off"/>
                    <button type="submit" class="button button-quiet" aria-label=appoint_button>{words.t(k::admin_group_appoint)}</button>
                </ActionForm>
                <details class="confirm">
                    <summary class="button button-danger" aria-label=close_label>{words.t(k::admin_group_close)}</summary>
                    <div class="confirm-body">
                        <p>{words.t(k::admin_group_close_text)}</p>
                        <ActionForm action=close attr:class="stack-form">
                            <input type="hidden" name="slug" value=slug_close/>
                            <label for=note_field.clone()>{words.t(k::admin_audit_note)}</label>
                            <input id=note_field name="note" type="text" maxlength="500"/>
                            <button type="submit" class="button button-danger">{close_now}</button>
                        </ActionForm>
                    </div>
                </details>
            </div>
        }
    });
    view! {
        <li class="admin-row" aria-label=g.name.clone()>
            <div class="admin-row-who">
                <a href=format!("/groups/{}", g.slug)>{g.name.clone()}</a>
                " " <span class="handle">{format!("@{}", g.slug)}</span>
                <p class="meta">
                    {words.t(if g.is_open { k::admin_group_open } else { k::admin_group_by_approval })}
                    {format!(" · {} · {managers}", words.p(k::admin_group_member_count, g.member_count, &[]))}
                    {g.closed.map(|at| view! { " · " <span class="badge badge-danger">{words.t(k::admin_group_closed)}</span> " " <Time at/> })}
                </p>
            </div>
            {actions}
        </li>
    }
}

#[component]
pub fn AdminSettingsPage() -> impl IntoView {
    let words = use_words();
    let save = ServerAction::<SaveSiteSettings>::new();
    let settings = Resource::new(move || save.version().get(), |_| get_site_settings());
    view! {
        <Title text=words.t(k::admin_settings_title)/>
        <h1>{words.t(k::admin_heading)}</h1>
        <AdminNav current="/admin/settings"/>
        <Suspense fallback=move || view! { <p>{words.t(k::admin_settings_loading)}</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(current) => Either::Right(view! {
                        <SettingsForm current save/>
                        <InvitationForm/>
                    }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SettingsForm(current: SiteSettingsView, save: ServerAction<SaveSiteSettings>) -> impl IntoView {
    let words = use_words();
    let per_minute = RwSignal::new(current.messages_per_minute.to_string());
    let per_hour = RwSignal::new(current.conversations_per_hour.to_string());
    let batch = RwSignal::new(((current.email_batch_seconds + 59) / 60).to_string());
    let by_invitation = RwSignal::new(current.registration_by_invitation);
    let errors = FormErrors::new(save.value());
    let saved_before = use_query_map().with_untracked(|q| q.get("saved").is_some());
    let done = move || match save.value().get() {
        Some(Ok(())) => Some(words.t(k::admin_settings_saved)),
        Some(Err(_)) => None,
        None => saved_before.then(|| words.t(k::admin_settings_saved)),
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let registration = if by_invitation.get_untracked() {
            "invitation"
        } else {
            "open"
        };
        let input = (
            per_minute.get_untracked(),
            per_hour.get_untracked(),
            batch.get_untracked(),
        );
        if errors
            .check(SiteSettingsInput::parse(registration, &input.0, &input.1, &input.2).map(|_| ()))
        {
            save.dispatch(SaveSiteSettings {
                registration: registration.into(),
                messages_per_minute: input.0,
                conversations_per_hour: input.1,
                email_batch_minutes: input.2,
            });
        }
    };
    view! {
        <section class="panel form-panel">
            <h2>{words.t(k::admin_settings_heading)}</h2>
            <form action=SaveSiteSettings::url() method="post" on:submit=on_submit novalidate>
                <fieldset>
                    <legend>{words.t(k::admin_registration)}</legend>
                    <label class="choice">
                        <input type="radio" name="registration" value="open" prop:checked=move || !by_invitation.get() on:change=move |_| by_invitation.set(false)/>
                        {words.t(k::admin_registration_open)}
                    </label>
                    <label class="choice">
                        <input type="radio" name="registration" value="invitation" prop:checked=move || by_invitation.get() on:change=move |_| by_invitation.set(true)/>
                        {words.t(k::admin_registration_invitation)}
                    </label>
                </fieldset>
                <TextField label=words.t(k::admin_messages_per_minute) name="messages_per_minute" kind="number" value=per_minute error=errors.field("messages_per_minute")
                    hint=words.f(k::admin_messages_per_minute_hint, &[("default", &words.number(current.default_messages_per_minute))])/>
                <TextField label=words.t(k::admin_conversations_per_hour) name="conversations_per_hour" kind="number" value=per_hour error=errors.field("conversations_per_hour")
                    hint=words.f(k::admin_conversations_per_hour_hint, &[("default", &words.number(current.default_conversations_per_hour))])/>
                <TextField label=words.t(k::admin_email_batch) name="email_batch_minutes" kind="number" value=batch error=errors.field("email_batch_minutes")
                    hint=words.f(k::admin_email_batch_hint, &[("default", &words.number((current.default_email_batch_seconds + 59) / 60))])/>
                <p class="form-error" role="alert">{errors.form()}</p>
                <p class="form-success" role="status">{done}</p>
                <button type="submit" class="button" disabled=move || save.pending().get()>{words.t(k::admin_settings_save)}</button>
            </form>
        </section>
    }
}

/// A link to hand to someone while registration is by invitation (shown once:
/// only its hash is stored).
#[component]
fn InvitationForm() -> impl IntoView {
    let words = use_words();
    let invite = ServerAction::<AdminCreateInvitation>::new();
    let link = move || invite.value().get().and_then(Result::ok);
    let error = move || {
        invite
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    view! {
        <section class="panel form-panel">
            <h2>{words.t(k::admin_invitations_heading)}</h2>
            <p>{words.p(k::admin_invitations_text, crate::model::admin::INVITATION_DAYS, &[])}</p>
            <ActionForm action=invite attr:class="stack-form">
                <label for="invitation-note">{words.t(k::admin_invitation_note)}</label>
                <input id="invitation-note" name="note" type="text" maxlength="500"/>
                <button type="submit" class="button">{words.t(k::admin_invitation_make)}</button>
            </ActionForm>
            <p class="form-error" role="alert">{error}</p>
            {move || link().map(|link| view! {
                <p role="status">{words.t(k::admin_invitation_copy)} <code class="invitation-link">{link}</code></p>
            })}
        </section>
    }
}
