//! Searching one's messages: what a search may be.

use super::text::{has_forbidden_control, visible_length};
use crate::i18n::{k, Problem};

/// The longest search, in characters.
pub const SEARCH_MAX: usize = 100;
/// Results a page shows; the next page starts below the last one.
pub const SEARCH_PAGE: i64 = 20;

/// The text to search for, trimmed: at least one letter or digit (punctuation
/// alone finds nothing), at most `SEARCH_MAX` characters, no control characters.
pub fn check_search(typed: &str) -> Result<String, Problem> {
    let typed = typed.trim();
    if !typed.chars().any(char::is_alphanumeric) {
        return Err(Problem::new(k::error_search_empty));
    }
    if visible_length(typed) > SEARCH_MAX {
        return Err(Problem::new(k::error_search_too_long).with("max", SEARCH_MAX));
    }
    if has_forbidden_control(typed, false) {
        return Err(Problem::new(k::error_search_control));
    }
    Ok(typed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_needs_a_word_and_has_a_length() {
        assert!(check_search("  ").is_err());
        assert!(check_search("%_'").is_err());
        assert_eq!(check_search(" café ").as_deref(), Ok("café"));
        assert!(check_search("東").is_ok());
        assert!(check_search(&"a".repeat(101)).is_err());
        assert!(check_search("a\u{0}b").is_err());
    }
}
