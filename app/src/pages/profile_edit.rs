//! `/settings/profile`: the member edits the name others see, their handle and bio.

use crate::api::members::{get_own_profile, EditProfile, OwnProfile};
use crate::components::avatar::AvatarUpload;
use crate::components::field::{typed, FormErrors, TextArea, TextField};
use crate::domain::account::{HANDLE_MAX, HANDLE_MIN};
use crate::domain::profile::{ProfileEdit, BIO_MAX, HANDLE_CHANGE_DAYS};
use crate::i18n::{k, use_words};
use crate::pages::error_view;
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

#[component]
pub fn ProfileEditPage() -> impl IntoView {
    let words = use_words();
    let profile = Resource::new(|| (), |_| get_own_profile());
    view! {
        <Title text=words.t(k::profile_title)/>
        <Suspense fallback=move || view! { <p>{words.t(k::profile_loading)}</p> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(profile) => Either::Left(view! { <ProfileForm profile/> }),
                    Err(error) => Either::Right(error_view(error)),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ProfileForm(profile: OwnProfile) -> impl IntoView {
    let words = use_words();
    let edit = ServerAction::<EditProfile>::new();
    // A refused post without JavaScript comes back with what was typed.
    let typed = |field, saved: String| typed(EditProfile::PATH, field).unwrap_or(saved);
    let picture = (
        profile.display_name.clone(),
        profile.handle.clone(),
        profile.avatar.clone(),
    );
    let display_name = RwSignal::new(typed("display_name", profile.display_name));
    let handle = RwSignal::new(typed("handle", profile.handle.clone()));
    let bio = RwSignal::new(typed("bio", profile.bio));
    let errors = FormErrors::new(edit.value());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = (
            display_name.get_untracked(),
            handle.get_untracked(),
            bio.get_untracked(),
        );
        if errors.check(ProfileEdit::parse(&input.0, &input.1, &input.2).map(|_| ())) {
            edit.dispatch(EditProfile {
                display_name: input.0,
                handle: input.1,
                bio: input.2,
            });
        }
    };
    let handle_hint = match profile.handle_change_on {
        Some(day) => words.f(
            k::profile_handle_hint_recent,
            &[
                ("handle", &profile.handle),
                ("date", &day.format("%B %-d, %Y")),
            ],
        ),
        None => words.f(
            k::profile_handle_hint,
            &[
                ("min", &HANDLE_MIN),
                ("max", &HANDLE_MAX),
                ("days", &HANDLE_CHANGE_DAYS),
            ],
        ),
    };
    view! {
        <section class="panel form-panel">
            <h1>{words.t(k::profile_title)}</h1>
            <AvatarUpload name=picture.0 seed=picture.1 image=picture.2 action="/settings/avatar"/>
            <form action=EditProfile::url() method="post" on:submit=on_submit novalidate>
                <TextField label=words.t(k::profile_display_name) name="display_name" autocomplete="name" value=display_name error=errors.field("display_name")/>
                <TextField label=words.t(k::profile_handle) name="handle" autocomplete="username" value=handle error=errors.field("handle") hint=handle_hint/>
                <TextArea
                    label=words.t(k::profile_bio)
                    name="bio"
                    value=bio
                    rows=5
                    error=errors.field("bio")
                    hint=words.f(k::profile_bio_hint, &[("max", &BIO_MAX)])
                />
                <p class="form-error" role="alert">{errors.form()}</p>
                <button type="submit" class="button" disabled=move || edit.pending().get()>{words.t(k::profile_save)}</button>
            </form>
        </section>
    }
}
