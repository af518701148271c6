#[cfg(feature = "hydrate")]
use chrono::Datelike;
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

    /// "Monday, December 7" (with the year when it is not this one), in the
    /// browser's language and time zone.
    pub fn day(at: DateTime<Utc>, with_year: bool) -> Option<String> {
        let date = Date::new(&JsValue::from_f64(at.timestamp_millis() as f64));
        let mut pairs = vec![("weekday", "long"), ("month", "long"), ("day", "numeric")];
        if with_year {
            pairs.push(("year", "numeric"));
        }
        with(&date, &pairs)
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

/// The calendar day of `at`: in UTC, or (in the browser, once the page runs) in
/// the reader's time zone.
pub fn day_of(at: DateTime<Utc>, in_reader_zone: bool) -> chrono::NaiveDate {
    #[cfg(feature = "hydrate")]
    if in_reader_zone {
        let date = js_sys::Date::new(&leptos::wasm_bindgen::JsValue::from_f64(
            at.timestamp_millis() as f64,
        ));
        // Minutes from local time to UTC, for that instant (summer time included).
        let offset = chrono::Duration::minutes(date.get_timezone_offset() as i64);
        return (at - offset).date_naive();
    }
    let _ = in_reader_zone;
    at.date_naive()
}

/// What a day line says: "Today", "Yesterday" or the date, in the reader's
/// language once the page runs; the server writes the date in English (UTC).
pub fn day_label(at: DateTime<Utc>, day: chrono::NaiveDate, in_reader_zone: bool) -> String {
    #[cfg(feature = "hydrate")]
    if in_reader_zone {
        let today = day_of(now(), true);
        if day == today {
            return "Today".into();
        }
        if Some(day) == today.pred_opt() {
            return "Yesterday".into();
        }
        if let Some(label) = local::day(at, day.year_ce() != today.year_ce()) {
            return label;
        }
    }
    let _ = (day, in_reader_zone);
    at.format("%A, %B %-d, %Y").to_string()
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
