//! The languages the portal speaks, which one a reader gets, and each
//! language's rules for numbers and plurals (CLDR's, for whole numbers).
//!
//! The reader's language: the `lang` cookie (their choice, or their account's
//! setting, set at sign-in), else the browser's `Accept-Language`, else English;
//! only among the languages the portal offers.

use serde::{Deserialize, Serialize};

/// The cookie that carries the reader's chosen language.
pub const LANGUAGE_COOKIE: &str = "lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Language {
    #[default]
    En,
    Fr,
    De,
    Es,
}

/// A plural form, as the catalogue stores them (see `app/build.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluralForm {
    One = 0,
    Many = 1,
    Other = 2,
}

impl Language {
    pub const ALL: [Language; 4] = [Language::En, Language::Fr, Language::De, Language::Es];

    /// The BCP 47 code (`<html lang>`, the cookie, the setting).
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Fr => "fr",
            Language::De => "de",
            Language::Es => "es",
        }
    }

    /// The language's own name, for the chooser.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::Fr => "Français",
            Language::De => "Deutsch",
            Language::Es => "Español",
        }
    }

    /// `fr`, `FR`, `fr-CH`, `fr_CA` → French; anything else is not ours.
    pub fn from_code(code: &str) -> Option<Language> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Language::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The best of `offered` for an `Accept-Language` header (by its q-values,
    /// then its order); `None` when it names none of them.
    pub fn from_accept_language(header: &str, offered: &[Language]) -> Option<Language> {
        let mut best: Option<(u16, Language)> = None;
        for item in header.split(',').take(32) {
            let mut parts = item.split(';');
            let Some(language) = parts.next().and_then(Language::from_code) else {
                continue;
            };
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), |q| {
                    q.trim()
                        .parse::<f32>()
                        .ok()
                        .map(|q| (q.clamp(0.0, 1.0) * 1000.0) as u16)
                })
                .unwrap_or(0);
            if quality == 0 || !offered.contains(&language) {
                continue;
            }
            // An earlier one wins a tie: compared strictly.
            if best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, language));
            }
        }
        best.map(|(_, language)| language)
    }

    /// The reader's language: the cookie's if offered, else the browser's, else
    /// the first offered (English unless the operator left it out).
    pub fn for_reader(
        cookie: Option<&str>,
        accept: Option<&str>,
        offered: &[Language],
    ) -> Language {
        cookie
            .and_then(Language::from_code)
            .filter(|l| offered.contains(l))
            .or_else(|| accept.and_then(|a| Language::from_accept_language(a, offered)))
            .or_else(|| offered.first().copied())
            .unwrap_or_default()
    }

    /// The plural form of a whole number (CLDR: English, German and Spanish say
    /// "one" for 1 only, French for 0 and 1; French and Spanish have "many"
    /// for whole millions: "1 000 000 de messages").
    pub fn plural(self, n: i64) -> PluralForm {
        let n = n.unsigned_abs();
        match self {
            Language::Fr if n <= 1 => PluralForm::One,
            Language::En | Language::De | Language::Es if n == 1 => PluralForm::One,
            Language::Fr | Language::Es if n != 0 && n.is_multiple_of(1_000_000) => {
                PluralForm::Many
            }
            _ => PluralForm::Other,
        }
    }

    /// A whole number as the language writes it: 1,234 · 1 234 · 1.234 ·
    /// 1234 (Spanish groups from five digits on: 12.345).
    pub fn number(self, n: i64) -> String {
        let digits = n.unsigned_abs().to_string();
        let separator = match self {
            Language::En => ",",
            Language::Fr => "\u{202f}",
            Language::De | Language::Es => ".",
        };
        let group = !(self == Language::Es && digits.len() <= 4);
        let mut out = String::with_capacity(digits.len() + 8);
        if n < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if group && i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(separator);
            }
            out.push(c);
        }
        out
    }

    /// A file's size as file managers show it (decimal units): "12 bytes",
    /// "831 KB", "2.4 MB"; French "2,4 Mo", German "2,4 MB".
    pub fn size(self, bytes: u64) -> String {
        let whole = |n: u64| self.number(i64::try_from(n).unwrap_or(i64::MAX));
        let (bytes_unit, kilo, mega) = match self {
            Language::En | Language::Es => ("bytes", "KB", "MB"),
            Language::Fr => ("octets", "ko", "Mo"),
            Language::De => ("Byte", "KB", "MB"),
        };
        // A no-break space keeps the number and its unit on one line.
        match bytes {
            0..=999 => format!("{bytes}\u{a0}{bytes_unit}"),
            1_000..=999_999 => format!("{}\u{a0}{kilo}", whole(bytes.div_ceil(1000))),
            _ => {
                let tenths = bytes.div_ceil(100_000);
                let comma = if self == Language::En { "." } else { "," };
                if tenths.is_multiple_of(10) {
                    format!("{}\u{a0}{mega}", whole(tenths / 10))
                } else {
                    format!("{}{comma}{}\u{a0}{mega}", whole(tenths / 10), tenths % 10)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &[Language] = &Language::ALL;

    #[test]
    fn the_browser_language_is_chosen_by_quality_among_those_offered() {
        use Language::*;
        assert_eq!(
            Language::from_accept_language("fr-CH, fr;q=0.9, en;q=0.8", ALL),
            Some(Fr)
        );
        assert_eq!(
            Language::from_accept_language("it, de;q=0.5, es;q=0.7", ALL),
            Some(Es)
        );
        assert_eq!(Language::from_accept_language("de;q=0, en", ALL), Some(En));
        assert_eq!(Language::from_accept_language("it, pt", ALL), None);
        assert_eq!(Language::from_accept_language("de-AT", &[En]), None);
        assert_eq!(Language::from_accept_language("", ALL), None);
        assert_eq!(Language::from_accept_language("es;q=zz, de", ALL), Some(De));
        assert_eq!(Language::for_reader(Some("de"), Some("fr"), ALL), De);
        assert_eq!(Language::for_reader(Some("xx"), Some("fr"), ALL), Fr);
        assert_eq!(Language::for_reader(Some("fr"), Some("fr"), &[En, De]), En);
        assert_eq!(Language::for_reader(None, None, ALL), En);
    }

    #[test]
    fn numbers_and_plurals_follow_each_language() {
        use Language::*;
        assert_eq!(En.number(1234567), "1,234,567");
        assert_eq!(Fr.number(1000), "1\u{202f}000");
        assert_eq!(De.number(1000), "1.000");
        assert_eq!(Es.number(1000), "1000");
        assert_eq!(Es.number(12345), "12.345");
        assert_eq!(En.number(-5), "-5");
        assert_eq!(En.plural(0), PluralForm::Other);
        assert_eq!(Fr.plural(0), PluralForm::One);
        assert_eq!(Fr.plural(1), PluralForm::One);
        assert_eq!(Fr.plural(2), PluralForm::Other);
        assert_eq!(Fr.plural(2_000_000), PluralForm::Many);
        assert_eq!(De.plural(1), PluralForm::One);
        assert_eq!(Es.plural(1_000_000), PluralForm::Many);
        assert_eq!(En.plural(1_000_000), PluralForm::Other);
    }
}
