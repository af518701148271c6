use crate::domain::profile::{AVATAR_LARGE_PX, AVATAR_SMALL_PX};
use crate::domain::text::initials;
use crate::i18n::{k, use_words};
use leptos::prelude::*;

/// The picture a member or group chose, else initials on a colour derived from
/// the handle, so each keeps the same colour everywhere. Decorative: the name is always shown next to it.
/// The colour is one of 24 hue classes (style/main.css), not a `style` attribute,
/// which the Content-Security-Policy refuses.
#[component]
pub fn Avatar(
    #[prop(into)] name: String,
    #[prop(into)] seed: String,
    #[prop(optional)] large: bool,
    /// Groups get a rounded square instead of a circle.
    #[prop(optional)]
    group: bool,
    /// The digest of the picture they chose; initials without one.
    #[prop(default = None)]
    image: Option<String>,
) -> impl IntoView {
    let hue = seed
        .bytes()
        .fold(7u32, |acc, b| acc.wrapping_mul(31).wrapping_add(b as u32))
        % 24;
    let shape = match (large, group) {
        (true, _) => " avatar-large",
        (false, true) => " avatar-group",
        (false, false) => "",
    };
    let size = if large {
        AVATAR_LARGE_PX
    } else {
        AVATAR_SMALL_PX
    };
    match image {
        Some(digest) => leptos::either::Either::Left(view! {
            <img
                class=format!("avatar avatar-picture{shape}")
                src=format!("/avatars/{digest}/{size}.jpg")
                alt=""
                width=size
                height=size
                loading="lazy"
                decoding="async"
            />
        }),
        None => leptos::either::Either::Right(view! {
            <span class=format!("avatar hue-{hue}{shape}") aria-hidden="true">
                {initials(&name)}
            </span>
        }),
    }
}

/// The picture of a member or group with the forms that change it: plain
/// multipart posts to `action` (the server answers with a redirect back here
/// saying how it went, `?avatar=…`), so they work without JavaScript too.
#[component]
pub fn AvatarUpload(
    #[prop(into)] name: String,
    #[prop(into)] seed: String,
    image: Option<String>,
    #[prop(into)] action: String,
    #[prop(optional)] group: bool,
) -> impl IntoView {
    use crate::domain::profile::avatar_outcome;
    let words = use_words();
    let outcome = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("avatar"))
        .and_then(|code| avatar_outcome(&code))
        .map(|(ok, said)| (ok, words.t(said)));
    let has_image = image.is_some();
    let remove_action = action.clone();
    view! {
        <div class="avatar-upload">
            <Avatar name=name seed=seed large=true group=group image=image/>
            <form action=action method="post" enctype="multipart/form-data">
                <label for="avatar-file">{words.t(k::picker_picture_label)}</label>
                <input id="avatar-file" type="file" name="avatar" accept="image/jpeg,image/png,image/webp" required/>
                <button type="submit" class="button button-quiet">{words.t(k::picker_picture_upload)}</button>
            </form>
            {has_image.then(|| view! {
                <form action=remove_action method="post" enctype="multipart/form-data">
                    <input type="hidden" name="remove" value="1"/>
                    <button type="submit" class="button button-quiet">{words.t(k::picker_picture_remove)}</button>
                </form>
            })}
            {outcome.map(|(ok, said)| if ok {
                leptos::either::Either::Left(view! { <p class="form-success" role="status">{said}</p> })
            } else {
                leptos::either::Either::Right(view! { <p class="form-error" role="alert">{said}</p> })
            })}
        </div>
    }
}
