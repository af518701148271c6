//! Each member's time zone: what their browser reports (kept for emails and
//! pushes, which have no browser to ask), unless they chose one themselves.

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

/// "Dec 7, 14:02" and "Monday, December 7, 2026, 14:02:09 CET" in `zone`
/// (in UTC, saying so, when the zone is not known).
pub fn written_in(at: DateTime<Utc>, zone: Option<Tz>) -> (String, String) {
    match zone {
        Some(zone) => {
            let local = at.with_timezone(&zone);
            (
                local.format("%b %-d, %H:%M").to_string(),
                local.format("%A, %B %-d, %Y, %H:%M:%S %Z").to_string(),
            )
        }
        None => (
            at.format("%b %-d, %H:%M UTC").to_string(),
            at.format("%A, %B %-d, %Y, %H:%M:%S UTC").to_string(),
        ),
    }
}

/// "2026-12-07 14:02 CET" (or UTC when the zone is not known), as an email writes a time.
pub fn email_time(at: DateTime<Utc>, zone: Option<Tz>) -> String {
    match zone {
        Some(zone) => at
            .with_timezone(&zone)
            .format("%Y-%m-%d %H:%M %Z")
            .to_string(),
        None => at.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
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
