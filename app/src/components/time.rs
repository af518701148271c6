use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// A timestamp shown the same way on the server and in the browser (UTC), so the
/// hydrated page matches the rendered one.
#[component]
pub fn Time(at: DateTime<Utc>) -> impl IntoView {
    view! { <time datetime=at.to_rfc3339()>{at.format("%b %-d, %H:%M UTC").to_string()}</time> }
}

/// The current time: the browser's clock in the browser, the server's on the server.
pub fn now() -> DateTime<Utc> {
    #[cfg(feature = "hydrate")]
    {
        DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
    }
    #[cfg(all(feature = "ssr", not(feature = "hydrate")))]
    {
        Utc::now()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        DateTime::<Utc>::default()
    }
}
