use crate::domain::text::initials;
use leptos::prelude::*;

/// Initials on a colour derived from the member's handle, so each member keeps
/// the same colour everywhere. Decorative: the name is always shown next to it.
#[component]
pub fn Avatar(
    #[prop(into)] name: String,
    #[prop(into)] seed: String,
    #[prop(optional)] large: bool,
    /// Groups get a rounded square instead of a circle.
    #[prop(optional)]
    group: bool,
) -> impl IntoView {
    let hue = seed
        .bytes()
        .fold(7u32, |acc, b| acc.wrapping_mul(31).wrapping_add(b as u32))
        % 360;
    let class = match (large, group) {
        (true, _) => "avatar avatar-large",
        (false, true) => "avatar avatar-group",
        (false, false) => "avatar",
    };
    view! {
        <span class=class aria-hidden="true" style=format!("--avatar-hue: {hue}")>
            {initials(&name)}
        </span>
    }
}
