use crate::api::conversations::{PartyKind, PartyView};
use crate::components::avatar::Avatar;
use crate::i18n::{k, use_words};
use leptos::prelude::*;

/// A member or group: avatar and name, with groups marked as such. The name is
/// isolated (`<bdi>`): one in Arabic or Hebrew never reorders the line around it.
#[component]
pub fn PartyName(party: PartyView, #[prop(optional)] link: bool) -> impl IntoView {
    let is_group = party.kind == PartyKind::Group;
    let name = party.name.clone();
    let words = use_words();
    view! {
        <span class="party">
            <Avatar name=party.name.clone() seed=party.handle.clone() group=is_group image=party.avatar.clone()/>
            {if link && !party.is_deleted() {
                leptos::either::Either::Left(view! { <a href=party.path()><bdi>{name}</bdi></a> })
            } else {
                leptos::either::Either::Right(view! { <bdi>{name}</bdi> })
            }}
            {is_group.then(|| view! { <span class="badge">{words.t(k::picker_group)}</span> })}
        </span>
    }
}
