use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// A timestamp: rendered in UTC on the server (which does not know the reader's
/// time zone), then, once the page runs, in the reader's own time zone and
/// language, with the full date and time on hover.
#[component]
pub fn Time(at: DateTime<Utc>) -> impl IntoView {
    let text = RwSignal::new(at.format("%b %-d, %H:%M UTC").to_string());
    let full = RwSignal::new(at.format("%A, %B %-d, %Y, %H:%M:%S UTC").to_string());
    // After hydration, so the first rendering matches the server's.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some((short, long)) = local::format(at) {
            text.set(short);
            full.set(long);
        }
    });
    view! { <time datetime=at.to_rfc3339() title=full>{text}</time> }
}

#[cfg(feature = "hydrate")]
mod local {
    use chrono::{DateTime, Utc};
    use js_sys::{Array, Date, Intl, Object, Reflect};
    use leptos::wasm_bindgen::JsValue;

    /// `Intl.DateTimeFormat` options from name/value pairs.
    fn options(pairs: &[(&str, &str)]) -> Object {
        let options = Object::new();
        for (name, value) in pairs {
            let _ = Reflect::set(
                &options,
                &JsValue::from_str(name),
                &JsValue::from_str(value),
            );
        }
        options
    }

    fn with(date: &Date, pairs: &[(&str, &str)]) -> Option<String> {
        let formatter = Intl::DateTimeFormat::new(&Array::new(), &options(pairs));
        formatter
            .format()
            .call1(&JsValue::NULL, date)
            .ok()?
            .as_string()
    }

    /// ("Dec 7, 14:02", "Monday, December 7, 2026 at 14:02:09 CET") in the
    /// browser's language and time zone.
    pub fn format(at: DateTime<Utc>) -> Option<(String, String)> {
        let date = Date::new(&JsValue::from_f64(at.timestamp_millis() as f64));
        let short = with(
            &date,
            &[
                ("month", "short"),
                ("day", "numeric"),
                ("hour", "2-digit"),
                ("minute", "2-digit"),
            ],
        )?;
        let long = with(&date, &[("dateStyle", "full"), ("timeStyle", "long")])?;
        Some((short, long))
    }
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
