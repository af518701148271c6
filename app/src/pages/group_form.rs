//! `/groups/new` and `/groups/<slug>/edit`: one form for a group's name, address
//! (set once, at creation), description and who may join.

use crate::api::groups::{get_group_details, CreateGroup, EditGroup, Membership};
use crate::components::field::{typed, FormErrors, TextArea, TextField};
use crate::components::session::use_session;
use crate::domain::account::{HANDLE_MAX, HANDLE_MIN};
use crate::domain::group::{GroupProfile, NewGroup, GROUP_DESCRIPTION_MAX};
use crate::error::AppError;
use crate::i18n::{k, use_words};
use crate::pages::error_view;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn NewGroupPage() -> impl IntoView {
    let session = use_session();
    let words = use_words();
    view! {
        <Title text=words.t(k::group_form_create_title)/>
        <Suspense fallback=move || view! { <p>{words.t(k::group_form_loading)}</p> }>
            {move || Suspend::new(async move {
                match session.viewer.await {
                    Some(_) => Either::Left(view! { <NewGroupForm/> }),
                    None => Either::Right(error_view(AppError::Unauthenticated)),
                }
            })}
        </Suspense>
    }
}

#[component]
fn NewGroupForm() -> impl IntoView {
    let create = ServerAction::<CreateGroup>::new();
    let typed = |name| typed(CreateGroup::PATH, name).unwrap_or_default();
    let fields = GroupFields {
        name: RwSignal::new(typed("name")),
        slug: RwSignal::new(typed("slug")),
        description: RwSignal::new(typed("description")),
        access: RwSignal::new(
            Some(typed("access"))
                .filter(|a| !a.is_empty())
                .unwrap_or("open".into()),
        ),
    };
    let errors = FormErrors::new(create.value());
    let picture = NodeRef::<leptos::html::Input>::new();
    let words = use_words();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        let f = fields.values();
        if !errors.check(NewGroup::parse(&f.0, &f.1, &f.2, &f.3).map(|_| ())) {
            ev.prevent_default();
            return;
        }
        // A chosen picture goes with the form as the browser posts it (multipart).
        if has_file(picture) {
            return;
        }
        ev.prevent_default();
        create.dispatch(CreateGroup {
            name: f.0,
            slug: f.1,
            description: f.2,
            access: f.3,
        });
    };
    view! {
        <section class="panel form-panel">
            <h1>{words.t(k::group_form_create_title)}</h1>
            <p class="hint">{words.t(k::group_form_first_manager)}</p>
            <form action=NEW_GROUP_PATH method="post" enctype="multipart/form-data" on:submit=on_submit novalidate>
                <GroupFieldset fields errors with_slug=true/>
                <div class="field">
                    <label for="group-picture">{words.t(k::group_form_picture_field)}</label>
                    <input id="group-picture" type="file" name="avatar" accept="image/jpeg,image/png,image/webp" node_ref=picture/>
                </div>
                <button type="submit" class="button" disabled=move || create.pending().get()>{words.t(k::group_form_create)}</button>
            </form>
        </section>
    }
}

/// Where the creation form posts: with a picture it is multipart, which the
/// server answers itself and hands the other fields to `create_group`.
pub const NEW_GROUP_PATH: &str = "/groups/new";

/// Whether the file input has a file chosen (never, before hydration).
fn has_file(input: NodeRef<leptos::html::Input>) -> bool {
    #[cfg(feature = "hydrate")]
    {
        input
            .get_untracked()
            .and_then(|input| input.files())
            .is_some_and(|files| files.length() > 0)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = input;
        false
    }
}

#[component]
pub fn EditGroupPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let group = Resource::new(slug, |slug| get_group_details(slug, None));
    let words = use_words();
    view! {
        <Title text=words.t(k::group_form_edit_title)/>
        <Suspense fallback=move || view! { <p>{words.t(k::group_form_loading_group)}</p> }>
            {move || Suspend::new(async move {
                match group.await {
                    Ok(g) if g.viewer == Membership::Manager && !g.closed_by_admin => Either::Left(view! {
                        <section class="panel form-panel">
                            <h2>{words.t(k::group_form_picture)}</h2>
                            <crate::components::avatar::AvatarUpload
                                name=g.name.clone()
                                seed=g.slug.clone()
                                image=g.avatar.clone()
                                action=format!("/groups/{}/avatar", g.slug)
                                group=true
                            />
                        </section>
                        <EditGroupForm slug=g.slug name=g.name description=g.description is_open=g.is_open/>
                    }),
                    Ok(g) if g.viewer == Membership::SignedOut => Either::Right(error_view(AppError::Unauthenticated)),
                    Ok(_) => Either::Right(error_view(AppError::Forbidden)),
                    Err(error) => Either::Right(error_view(error)),
                }
            })}
        </Suspense>
    }
}

#[component]
fn EditGroupForm(slug: String, name: String, description: String, is_open: bool) -> impl IntoView {
    let edit = ServerAction::<EditGroup>::new();
    let typed = |field, saved: String| typed(EditGroup::PATH, field).unwrap_or(saved);
    let fields = GroupFields {
        name: RwSignal::new(typed("name", name)),
        slug: RwSignal::new(slug.clone()),
        description: RwSignal::new(typed("description", description)),
        access: RwSignal::new(typed(
            "access",
            if is_open { "open" } else { "closed" }.into(),
        )),
    };
    let errors = FormErrors::new(edit.value());
    let words = use_words();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let f = fields.values();
        if errors.check(GroupProfile::parse(&f.0, &f.2, &f.3).map(|_| ())) {
            edit.dispatch(EditGroup {
                slug: f.1,
                name: f.0,
                description: f.2,
                access: f.3,
            });
        }
    };
    view! {
        <section class="panel form-panel">
            <h1>{words.t(k::group_form_edit_title)}</h1>
            <form action=EditGroup::url() method="post" on:submit=on_submit novalidate>
                <input type="hidden" name="slug" value=slug.clone()/>
                <GroupFieldset fields errors with_slug=false/>
                <div class="form-actions">
                    <button type="submit" class="button" disabled=move || edit.pending().get()>{words.t(k::group_form_save)}</button>
                    <a class="button button-quiet" href=format!("/groups/{slug}")>{words.t(k::group_form_cancel)}</a>
                </div>
            </form>
        </section>
    }
}

/// The form's values, each posted under its argument's name.
#[derive(Clone, Copy)]
struct GroupFields {
    name: RwSignal<String>,
    slug: RwSignal<String>,
    description: RwSignal<String>,
    access: RwSignal<String>,
}

impl GroupFields {
    /// (name, slug, description, access)
    fn values(&self) -> (String, String, String, String) {
        (
            self.name.get_untracked(),
            self.slug.get_untracked(),
            self.description.get_untracked(),
            self.access.get_untracked(),
        )
    }
}

#[component]
fn GroupFieldset(fields: GroupFields, errors: FormErrors, with_slug: bool) -> impl IntoView {
    let description = fields.description;
    let access = fields.access;
    let words = use_words();
    let choice = move |value: &'static str, label: &'static str| {
        view! {
            <label class="choice">
                <input
                    type="radio"
                    name="access"
                    value=value
                    checked=access.get_untracked() == value
                    on:change=move |_| access.set(value.to_string())
                />
                " " {label}
            </label>
        }
    };
    view! {
        <TextField label=words.t(k::group_form_name) name="name" value=fields.name error=errors.field("name")/>
        {with_slug.then(|| view! {
            <TextField
                label=words.t(k::group_form_address)
                name="slug"
                value=fields.slug
                error=errors.field("slug")
                hint=words.f(k::group_form_address_hint, &[("min", &HANDLE_MIN), ("max", &HANDLE_MAX)])
            />
        })}
        <TextArea
            label=words.t(k::group_form_description)
            name="description"
            value=description
            error=errors.field("description")
            hint=words.f(k::group_form_description_hint, &[("max", &GROUP_DESCRIPTION_MAX)])
        />
        <fieldset class="field">
            <legend>{words.t(k::group_form_who)}</legend>
            {choice("open", words.t(k::group_form_open))}
            {choice("closed", words.t(k::group_form_closed))}
            <p class="field-error">{move || errors.field("access").get()}</p>
        </fieldset>
        <p class="form-error" role="alert">{errors.form()}</p>
    }
}
