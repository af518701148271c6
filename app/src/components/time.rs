use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// A timestamp shown the same way on the server and in the browser (UTC), so the
/// hydrated page matches the rendered one.
#[component]
pub fn Time(at: DateTime<Utc>) -> impl IntoView {
    view! { <time datetime=at.to_rfc3339()>{at.format("%b %-d, %H:%M UTC").to_string()}</time> }
}
