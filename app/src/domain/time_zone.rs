//! Time zones as browsers name them (IANA names: `Europe/Paris`), checked by
//! their shape on both sides; the server also checks that it knows the zone.

use crate::i18n::{k, Problem};

/// The cookie that tells the server which zone to write a page's times in
/// (set by the server once it knows the zone; not secret, read by the client too).
pub const TIME_ZONE_COOKIE: &str = "tz";

/// A time zone name as a browser reports it, or as the settings form sends it.
pub fn check_time_zone_name(raw: &str) -> Result<&str, Problem> {
    let name = raw.trim();
    let shaped = (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b));
    if shaped {
        Ok(name)
    } else {
        Err(Problem::new(k::error_time_zone_choose))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_names_are_checked_by_shape() {
        for good in [
            "Europe/Paris",
            "UTC",
            "America/Argentina/Buenos_Aires",
            "Etc/GMT+5",
        ] {
            assert_eq!(check_time_zone_name(good), Ok(good));
        }
        for bad in [
            "",
            "/etc/passwd",
            "Europe/Paris; Path=/",
            "../x",
            "Zone\u{0}",
            &"A".repeat(65),
        ] {
            assert!(check_time_zone_name(bad).is_err(), "{bad:?}");
        }
    }
}
