use crate::domain::text::initials;
use leptos::prelude::*;

/// Initials on a colour derived from the member's handle, so each member keeps
/// the same colour everywhere. Decorative: the name is always shown next to it.
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
    view! {
        <span class=format!("avatar hue-{hue}{shape}") aria-hidden="true">
            {initials(&name)}
        </span>
    }
}
