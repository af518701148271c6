//! Times as the reader reads them: in their time zone, which the server learns
//! from the `tz` cookie (`domain::time_zone`; set once the browser has said
//! which zone it is in, or to the member's own choice). Until it knows, the
//! server writes UTC and says so, and the page puts the browser's zone in once
//! it runs.

#[cfg(feature = "hydrate")]
use chrono::Datelike;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// The zone the reader's times are written in, when known (an IANA name).
#[derive(Clone, Copy)]
pub struct ReaderZone(pub RwSignal<Option<String>>);

/// For the whole app (in `App`): the zone of the request's cookie on the
/// server, the same cookie's in the browser, so both write the same page.
/// Once the page runs, the browser tells the server its zone, which answers
/// with the zone to use (the member may have chosen another).
pub fn provide_reader_zone() {
    #[cfg(feature = "ssr")]
    let zone = crate::api::context::request_headers()
        .and_then(|headers| crate::backend::members::time_zone::of_request(&headers))
        .map(|zone| zone.name().to_string());
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    let zone = local::cookie_zone();
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let zone = None;
    let reader = ReaderZone(RwSignal::new(zone));
    provide_context(reader);
    Effect::new(move |_| refresh_reader_zone());
}

/// Tells the server the browser's zone and takes the zone it answers (the
/// member's choice, if they made one) for the page's times. Once a page runs,
/// and after the member changes the setting.
pub fn refresh_reader_zone() {
    #[cfg(feature = "hydrate")]
    {
        let (Some(reader), Some(browser)) = (use_context::<ReaderZone>(), local::browser_zone())
        else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Ok(zone) = crate::api::account::note_time_zone(browser).await {
                if reader.0.get_untracked().as_deref() != Some(zone.as_str()) {
                    reader.0.set(Some(zone));
                }
            }
        });
    }
}

/// The reader's zone, tracked (a view that uses it follows a change).
fn reader_zone() -> Option<String> {
    use_context::<ReaderZone>().and_then(|z| z.0.get())
}

fn reader_zone_untracked() -> Option<String> {
    use_context::<ReaderZone>().and_then(|z| z.0.get_untracked())
}

/// A timestamp, in the reader's zone and (once the page runs) language, with
/// the full date and time on hover.
#[component]
pub fn Time(at: DateTime<Utc>) -> impl IntoView {
    let zone = use_context::<ReaderZone>();
    let (short, long) = server_written(at, zone.and_then(|z| z.0.get_untracked()));
    let text = RwSignal::new(short);
    let full = RwSignal::new(long);
    // After hydration, so the first rendering matches the server's.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let zone = zone.and_then(|z| z.0.get());
        if let Some((short, long)) = local::format(at, zone.as_deref()) {
            text.set(short);
            full.set(long);
        }
    });
    view! { <time datetime=at.to_rfc3339() title=full>{text}</time> }
}

/// "Dec 7, 14:02" in the reader's zone, for text that is not a `Time` (a title):
/// as the server writes it, and in the page's language both ways.
pub fn written(at: DateTime<Utc>) -> String {
    let zone = reader_zone_untracked();
    #[cfg(feature = "hydrate")]
    if let Some((short, _)) = local::format(at, zone.as_deref()) {
        return short;
    }
    server_written(at, zone).0
}

/// What the server writes: in the reader's zone when it knows it, else UTC.
fn server_written(at: DateTime<Utc>, zone: Option<String>) -> (String, String) {
    #[cfg(feature = "ssr")]
    {
        let zone = zone
            .as_deref()
            .and_then(crate::backend::members::time_zone::known);
        crate::backend::members::time_zone::written_in(at, zone, crate::i18n::use_words().language)
    }
    #[cfg(not(feature = "ssr"))]
    {
        // In the browser this text is replaced before it is seen (see `Time`).
        let _ = zone;
        (
            at.format("%b %-d, %H:%M UTC").to_string(),
            at.format("%A, %B %-d, %Y, %H:%M:%S UTC").to_string(),
        )
    }
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

    /// `date` written with these options, in `zone` (the browser's when `None`)
    /// and in `locale` (the browser's language when empty).
    fn with(
        date: &Date,
        zone: Option<&str>,
        locale: &[&str],
        pairs: &[(&str, &str)],
    ) -> Option<String> {
        let mut pairs = pairs.to_vec();
        if let Some(zone) = zone {
            pairs.push(("timeZone", zone));
        }
        let locales: Array = locale.iter().map(|l| JsValue::from_str(l)).collect();
        // An unknown zone throws: nothing is written then.
        let formatter = js_sys::Reflect::construct(
            &Intl::DateTimeFormat::new(&Array::new(), &Object::new()).constructor(),
            &Array::of2(&locales, &options(&pairs)),
        )
        .ok()?;
        let formatter: Intl::DateTimeFormat =
            leptos::wasm_bindgen::JsCast::unchecked_into(formatter);
        formatter
            .format()
            .call1(&JsValue::NULL, date)
            .ok()?
            .as_string()
    }

    fn date_of(at: DateTime<Utc>) -> Date {
        Date::new(&JsValue::from_f64(at.timestamp_millis() as f64))
    }

    /// The zone the browser is in (`Europe/Paris`).
    pub fn browser_zone() -> Option<String> {
        let options = Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
        Reflect::get(&options, &JsValue::from_str("timeZone"))
            .ok()?
            .as_string()
    }

    /// The zone of the `tz` cookie, when the browser knows it too.
    pub fn cookie_zone() -> Option<String> {
        use leptos::wasm_bindgen::JsCast;
        let document = web_sys::window()?.document()?;
        let cookies = document
            .dyn_into::<web_sys::HtmlDocument>()
            .ok()?
            .cookie()
            .ok()?;
        let zone = cookies
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == crate::domain::time_zone::TIME_ZONE_COOKIE)
            .map(|(_, value)| value.to_string())?;
        crate::domain::time_zone::check_time_zone_name(&zone).ok()?;
        with(&Date::new_0(), Some(&zone), &[], &[("year", "numeric")]).map(|_| zone)
    }

    /// The page's language, as `Intl` names it.
    fn page_locale() -> [&'static str; 1] {
        [crate::i18n::use_words().language.code()]
    }

    /// "Monday, December 7" (with the year when it is not this one), in the
    /// page's language and `zone`.
    pub fn day(at: DateTime<Utc>, zone: Option<&str>, with_year: bool) -> Option<String> {
        let mut pairs = vec![("weekday", "long"), ("month", "long"), ("day", "numeric")];
        if with_year {
            pairs.push(("year", "numeric"));
        }
        with(&date_of(at), zone, &page_locale(), &pairs)
    }

    /// The calendar day of `at` in `zone` ("2026-12-07", as Canadian English writes it).
    pub fn day_in(at: DateTime<Utc>, zone: &str) -> Option<chrono::NaiveDate> {
        let written = with(
            &date_of(at),
            Some(zone),
            &["en-CA"],
            &[
                ("year", "numeric"),
                ("month", "2-digit"),
                ("day", "2-digit"),
            ],
        )?;
        chrono::NaiveDate::parse_from_str(&written, "%Y-%m-%d").ok()
    }

    /// ("Dec 7, 14:02", "Monday, December 7, 2026 at 14:02:09 CET") in the
    /// page's language and `zone`.
    pub fn format(at: DateTime<Utc>, zone: Option<&str>) -> Option<(String, String)> {
        let date = date_of(at);
        let short = with(
            &date,
            zone,
            &page_locale(),
            &[
                ("month", "short"),
                ("day", "numeric"),
                ("hour", "2-digit"),
                ("minute", "2-digit"),
            ],
        )?;
        let long = with(
            &date,
            zone,
            &page_locale(),
            &[("dateStyle", "full"), ("timeStyle", "long")],
        )?;
        Some((short, long))
    }
}

/// The calendar day of `at`: in the reader's zone when it is known (on the
/// server and in the browser alike, so both place day lines the same), else
/// in UTC, or in the browser's own zone once the page runs.
pub fn day_of(at: DateTime<Utc>, in_reader_zone: bool) -> chrono::NaiveDate {
    let zone = reader_zone();
    #[cfg(feature = "ssr")]
    if let Some(zone) = zone
        .as_deref()
        .and_then(crate::backend::members::time_zone::known)
    {
        return at.with_timezone(&zone).date_naive();
    }
    #[cfg(feature = "hydrate")]
    {
        if let Some(day) = zone.as_deref().and_then(|zone| local::day_in(at, zone)) {
            return day;
        }
        if in_reader_zone {
            let date = js_sys::Date::new(&leptos::wasm_bindgen::JsValue::from_f64(
                at.timestamp_millis() as f64,
            ));
            // Minutes from local time to UTC, for that instant (summer time included).
            let offset = chrono::Duration::minutes(date.get_timezone_offset() as i64);
            return (at - offset).date_naive();
        }
    }
    let _ = (in_reader_zone, zone);
    at.date_naive()
}

/// What a day line says: "Today", "Yesterday" or the date, in the reader's
/// language (the server names the day, the browser says "Today" once it runs).
pub fn day_label(at: DateTime<Utc>, day: chrono::NaiveDate, in_reader_zone: bool) -> String {
    #[cfg(feature = "hydrate")]
    if in_reader_zone {
        let today = day_of(now(), true);
        let words = crate::i18n::use_words();
        if day == today {
            return words.t(crate::i18n::k::time_today).into();
        }
        if Some(day) == today.pred_opt() {
            return words.t(crate::i18n::k::time_yesterday).into();
        }
        let zone = reader_zone();
        if let Some(label) = local::day(at, zone.as_deref(), day.year_ce() != today.year_ce()) {
            return label;
        }
    }
    let _ = (at, in_reader_zone);
    #[cfg(feature = "ssr")]
    {
        crate::backend::members::time_zone::day_written(day, crate::i18n::use_words().language)
    }
    #[cfg(not(feature = "ssr"))]
    {
        day.format("%A, %B %-d, %Y").to_string()
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
