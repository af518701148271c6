//! Each member's time zone: what their browser reports (kept for emails and
//! pushes, which have no browser to ask), unless they chose one themselves.

use crate::domain::language::Language;
use crate::domain::time_zone::{check_time_zone_name, TIME_ZONE_COOKIE};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::PgPool;

/// A zone the server knows by this name (shape first: the name may come from anyone).
pub fn known(name: &str) -> Option<Tz> {
    check_time_zone_name(name).ok()?.parse().ok()
}

/// The zone this request's page is written in: its `tz` cookie, when known.
pub fn of_request(headers: &http::HeaderMap) -> Option<Tz> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(cookie, _)| *cookie == TIME_ZONE_COOKIE)
        .and_then(|(_, value)| known(value))
}

/// How `language` writes a short time, a full one, an email's, and a day.
struct Patterns {
    locale: chrono::Locale,
    short: &'static str,
    long: &'static str,
    email: &'static str,
    day: &'static str,
}

fn patterns(language: Language) -> Patterns {
    match language {
        Language::En => Patterns {
            locale: chrono::Locale::en_US,
            short: "%b %-d, %H:%M",
            long: "%A, %B %-d, %Y, %H:%M:%S",
            email: "%b %-d, %Y, %H:%M",
            day: "%A, %B %-d, %Y",
        },
        Language::Fr => Patterns {
            locale: chrono::Locale::fr_FR,
            short: "%-d %b, %H:%M",
            long: "%A %-d %B %Y, %H:%M:%S",
            email: "%-d %b %Y, %H:%M",
            day: "%A %-d %B %Y",
        },
        Language::De => Patterns {
            locale: chrono::Locale::de_DE,
            short: "%-d. %b, %H:%M",
            long: "%A, %-d. %B %Y, %H:%M:%S",
            email: "%-d. %b %Y, %H:%M",
            day: "%A, %-d. %B %Y",
        },
        Language::Es => Patterns {
            locale: chrono::Locale::es_ES,
            short: "%-d %b, %H:%M",
            long: "%A, %-d de %B de %Y, %H:%M:%S",
            email: "%-d %b %Y, %H:%M",
            day: "%A, %-d de %B de %Y",
        },
    }
}

/// `at` in `zone` (UTC, saying so, when it is not known) with `pattern`, in
/// `language`'s names of months and days, followed by the zone's abbreviation.
fn write(at: DateTime<Utc>, zone: Option<Tz>, pattern: &str, locale: chrono::Locale) -> String {
    match zone {
        Some(zone) => {
            let local = at.with_timezone(&zone);
            format!(
                "{} {}",
                local.format_localized(pattern, locale),
                local.format("%Z")
            )
        }
        None => format!("{} UTC", at.format_localized(pattern, locale)),
    }
}

/// "Dec 7, 14:02" and "Monday, December 7, 2026, 14:02:09 CET" in `zone`
/// (in UTC, saying so, when the zone is not known), as `language` writes them.
pub fn written_in(at: DateTime<Utc>, zone: Option<Tz>, language: Language) -> (String, String) {
    let p = patterns(language);
    let short = match zone {
        Some(zone) => at
            .with_timezone(&zone)
            .format_localized(p.short, p.locale)
            .to_string(),
        None => format!("{} UTC", at.format_localized(p.short, p.locale)),
    };
    (short, write(at, zone, p.long, p.locale))
}

/// "Dec 7, 2026, 14:02 CET" (or UTC when the zone is not known), as an email
/// in `language` writes a time.
pub fn email_time(at: DateTime<Utc>, zone: Option<Tz>, language: Language) -> String {
    let p = patterns(language);
    write(at, zone, p.email, p.locale)
}

/// "Monday, December 7, 2026": a day line, as `language` writes it.
pub fn day_written(day: chrono::NaiveDate, language: Language) -> String {
    let p = patterns(language);
    day.format_localized(p.day, p.locale).to_string()
}

/// Records the zone the member's browser reports, unless they chose one, and
/// returns the zone their pages are written in.
pub async fn note_browser_zone(pool: &PgPool, member_id: i64, zone: Tz) -> Result<Tz, AppError> {
    let kept = sqlx::query_scalar!(
        r#"WITH noted AS (
             UPDATE members SET time_zone = $2 WHERE id = $1 AND NOT time_zone_chosen
             RETURNING time_zone)
           SELECT coalesce((SELECT time_zone FROM noted),
                           (SELECT time_zone FROM members WHERE id = $1)) AS "zone""#,
        member_id,
        zone.name()
    )
    .fetch_one(pool)
    .await?;
    Ok(kept.as_deref().and_then(known).unwrap_or(zone))
}

/// The member's own choice (`None`: follow the browser again, from its next report).
pub async fn choose_zone(pool: &PgPool, member_id: i64, zone: Option<Tz>) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE members SET time_zone = coalesce($2, time_zone), time_zone_chosen = $2 IS NOT NULL
         WHERE id = $1",
        member_id,
        zone.map(|z| z.name())
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The zone a member's emails are written in, and whether they chose it.
pub async fn zone_of(pool: &PgPool, member_id: i64) -> Result<(Option<Tz>, bool), AppError> {
    let row = sqlx::query!(
        "SELECT time_zone, time_zone_chosen FROM members WHERE id = $1",
        member_id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map_or((None, false), |r| {
        (r.time_zone.as_deref().and_then(known), r.time_zone_chosen)
    }))
}

/// The zones one may choose: UTC and every zone named after a place
/// (`Europe/Paris`), in alphabetical order; the old aliases left out.
pub fn choices() -> Vec<String> {
    const AREAS: [&str; 9] = [
        "Africa/",
        "America/",
        "Antarctica/",
        "Asia/",
        "Atlantic/",
        "Australia/",
        "Europe/",
        "Indian/",
        "Pacific/",
    ];
    let mut zones: Vec<String> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|zone| zone.name())
        .filter(|name| AREAS.iter().any(|area| name.starts_with(area)))
        .map(str::to_string)
        .collect();
    zones.sort();
    zones.insert(0, "UTC".into());
    zones
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_days_are_written_as_each_language_writes_them() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let paris = known("Europe/Paris");
        let short = |language| written_in(at, paris, language).0;
        assert_eq!(short(Language::En), "Nov 14, 23:13");
        assert_eq!(short(Language::Fr), "14 nov., 23:13");
        assert_eq!(short(Language::De), "14. Nov, 23:13");
        assert_eq!(short(Language::Es), "14 nov, 23:13");
        assert_eq!(
            written_in(at, None, Language::Fr).1,
            "mardi 14 novembre 2023, 22:13:20 UTC"
        );
        assert_eq!(
            written_in(at, paris, Language::De).1,
            "Dienstag, 14. November 2023, 23:13:20 CET"
        );
        let day = at.date_naive();
        assert_eq!(day_written(day, Language::En), "Tuesday, November 14, 2023");
        assert_eq!(
            day_written(day, Language::Es),
            "martes, 14 de noviembre de 2023"
        );
    }
}
