use crate::domain::text::initials;
use leptos::prelude::*;

/// Initials on a colour derived from the member's handle, so each member keeps
/// the same colour everywhere. Decorative: the name is always shown next to it.
#[component]
pub fn Avatar(
    #[prop(into)] name: String,
    #[prop(into)] seed: String,
    #[prop(optional)] large: bool,
) -> impl IntoView {
    let hue = seed
        .bytes()
        .fold(7u32, |acc, b| acc.wrapping_mul(31).wrapping_add(b as u32))
        % 360;
    let class = if large {
        "avatar avatar-large"
    } else {
        "avatar"
    };
    view! {
        <span class=class aria-hidden="true" style=format!("--avatar-hue: {hue}")>
            {initials(&name)}
        </span>
    }
}
