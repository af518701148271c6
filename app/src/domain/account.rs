//! Account rules: handles, display names, email addresses, passwords.
//!
//! "Parse, don't validate": each newtype can only be built through `parse`,
//! so a value of that type is known to follow the rules.

use super::text::{has_forbidden_control, has_overlong_cluster, visible_length};
use super::FieldErrors;
use crate::i18n::{k, Key, Problem};
use serde::{Deserialize, Serialize};

pub const HANDLE_MIN: usize = 3;
pub const HANDLE_MAX: usize = 30;
pub const DISPLAY_NAME_MAX: usize = 60;
pub const EMAIL_MAX: usize = 254;
pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 256;

/// A member's unique, URL-safe name: `alice_m` in `/members/alice_m`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handle(String);

/// What is wrong with a name shaped like a handle (a member's handle, a
/// group's address): each says it in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameFault {
    Empty,
    Length,
    Characters,
    Start,
}

impl NameFault {
    /// The problem, in the words `keys` gives (empty, length, characters, start).
    pub(crate) fn problem(self, keys: [Key; 4]) -> Problem {
        match self {
            NameFault::Empty => Problem::new(keys[0]),
            NameFault::Length => Problem::new(keys[1])
                .with("min", HANDLE_MIN)
                .with("max", HANDLE_MAX),
            NameFault::Characters => Problem::new(keys[2]),
            NameFault::Start => Problem::new(keys[3]),
        }
    }
}

/// A handle's rules, whatever the name is for: lower case, 3 to 30 of a–z,
/// digits, '-' and '_', starting with a letter or digit.
pub(crate) fn handle_shaped(raw: &str) -> Result<String, NameFault> {
    let handle = raw.trim().trim_start_matches('@').to_lowercase();
    if handle.is_empty() {
        return Err(NameFault::Empty);
    }
    let len = handle.chars().count();
    if !(HANDLE_MIN..=HANDLE_MAX).contains(&len) {
        return Err(NameFault::Length);
    }
    if !handle
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        return Err(NameFault::Characters);
    }
    if !handle.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(NameFault::Start);
    }
    Ok(handle)
}

impl Handle {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        handle_shaped(raw).map(Self).map_err(|fault| {
            fault.problem([
                k::error_handle_empty,
                k::error_handle_length,
                k::error_handle_characters,
                k::error_handle_start,
            ])
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name shown to other members. Any script is welcome; control characters are not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(Problem::new(k::error_display_name_empty));
        }
        if visible_length(name) > DISPLAY_NAME_MAX {
            return Err(Problem::new(k::error_display_name_too_long).with("max", DISPLAY_NAME_MAX));
        }
        if has_forbidden_control(name, false) {
            return Err(Problem::new(k::error_display_name_control));
        }
        if has_overlong_cluster(name) {
            return Err(Problem::new(k::error_display_name_marks));
        }
        Ok(Self(name.split_whitespace().collect::<Vec<_>>().join(" ")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address, lower-cased so that one mailbox is one account.
///
/// Only the shape is checked (one `@`, a dotted domain, no spaces): the real
/// test of an address is mail reaching it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(Problem::new(k::error_email_empty));
        }
        let invalid = || Problem::new(k::error_email_invalid);
        if email.len() > EMAIL_MAX || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err(invalid());
        };
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if local.is_empty() || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that passed the strength rules. Never serialized back to a client.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

/// Passwords attackers try first; refused whatever their length.
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "passw0rd",
    "1234567890",
    "12345678910",
    "0123456789",
    "qwertyuiop",
    "qwerty1234",
    "iloveyou12",
    "letmein123",
    "welcome123",
    "administrator",
    "abcdefghij",
    "aaaaaaaaaa",
    "mautic1234",
    "community1",
];

impl Password {
    /// Checks a new password; `handle` and `email` may not be reused as the password.
    pub fn parse_new(raw: &str, handle: &str, email: &str) -> Result<Self, Problem> {
        let len = raw.chars().count();
        if len < PASSWORD_MIN {
            return Err(Problem::new(k::error_password_too_short).with("min", PASSWORD_MIN));
        }
        if len > PASSWORD_MAX {
            return Err(Problem::new(k::error_password_too_long).with("max", PASSWORD_MAX));
        }
        let lower = raw.to_lowercase();
        let distinct = {
            let mut chars: Vec<char> = lower.chars().collect();
            chars.sort_unstable();
            chars.dedup();
            chars.len()
        };
        let reuses_identity = (!handle.is_empty() && lower.contains(&handle.to_lowercase()))
            || (!email.is_empty() && lower == email.to_lowercase());
        if COMMON_PASSWORDS.contains(&lower.as_str()) || distinct < 4 || reuses_identity {
            return Err(Problem::new(k::error_password_guessable));
        }
        #[cfg(feature = "ssr")]
        strong_enough(raw, &[handle, email])?;
        Ok(Self(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The server's estimate of how guessable a password is (zxcvbn: dictionaries,
/// keyboard patterns, dates, l33t; score 3 of 4, at least 10^10 guesses), with its
/// advice. Its dictionaries are too large for the WASM client, which keeps the
/// cheap rules above; the server decides. zxcvbn reads only the first 100
/// characters, so the work is bounded.
///
/// The advice is the estimate's warning and the suggestions that go with it, in
/// the reader's language: a sentence of the catalogue for each warning.
#[cfg(feature = "ssr")]
fn strong_enough(raw: &str, identity: &[&str]) -> Result<(), Problem> {
    use zxcvbn::feedback::Warning;
    let estimate = zxcvbn::zxcvbn(raw, identity);
    if estimate.score() >= zxcvbn::Score::Three {
        return Ok(());
    }
    let warning = estimate.feedback().and_then(|feedback| feedback.warning());
    let key = match warning {
        None => k::error_password_weak,
        Some(Warning::StraightRowsOfKeysAreEasyToGuess) => k::error_password_weak_keyboard_row,
        Some(Warning::ShortKeyboardPatternsAreEasyToGuess) => {
            k::error_password_weak_keyboard_pattern
        }
        Some(Warning::RepeatsLikeAaaAreEasyToGuess) => k::error_password_weak_repeated_characters,
        Some(Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess) => {
            k::error_password_weak_repeated_groups
        }
        Some(Warning::ThisIsATop10Password) => k::error_password_weak_top10,
        Some(Warning::ThisIsATop100Password) => k::error_password_weak_top100,
        Some(Warning::ThisIsACommonPassword) => k::error_password_weak_common,
        Some(Warning::ThisIsSimilarToACommonlyUsedPassword) => k::error_password_weak_similar,
        Some(Warning::SequencesLikeAbcAreEasyToGuess) => k::error_password_weak_sequence,
        Some(Warning::RecentYearsAreEasyToGuess) => k::error_password_weak_recent_year,
        Some(Warning::AWordByItselfIsEasyToGuess) => k::error_password_weak_word,
        Some(Warning::DatesAreOftenEasyToGuess) => k::error_password_weak_date,
        Some(Warning::NamesAndSurnamesByThemselvesAreEasyToGuess) => k::error_password_weak_names,
        Some(Warning::CommonNamesAndSurnamesAreEasyToGuess) => k::error_password_weak_common_names,
    };
    Err(Problem::new(key))
}

/// A registration that follows every rule.
#[derive(Debug, Clone)]
pub struct Registration {
    pub display_name: DisplayName,
    pub handle: Handle,
    pub email: Email,
    pub password: Password,
}

impl Registration {
    /// Checks every field and reports every problem at once, keyed by field name.
    pub fn parse(
        display_name: &str,
        handle: &str,
        email: &str,
        password: &str,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let display_name = errors.check("display_name", DisplayName::parse(display_name));
        let handle = errors.check("handle", Handle::parse(handle));
        let email = errors.check("email", Email::parse(email));
        let password = errors.check(
            "password",
            Password::parse_new(
                password,
                handle.as_ref().map(Handle::as_str).unwrap_or_default(),
                email.as_ref().map(Email::as_str).unwrap_or_default(),
            ),
        );
        match (display_name, handle, email, password) {
            (Some(display_name), Some(handle), Some(email), Some(password))
                if errors.is_empty() =>
            {
                Ok(Self {
                    display_name,
                    handle,
                    email,
                    password,
                })
            }
            _ => Err(errors),
        }
    }
}

/// A password change: the current password present, the new one following the
/// rules for a new password and different from the current one.
pub fn check_password_change(
    current: &str,
    new: &str,
    handle: &str,
    email: &str,
) -> Result<Password, FieldErrors> {
    let mut errors = FieldErrors::new();
    if current.is_empty() {
        errors.add("current_password", k::error_current_password_empty);
    }
    let new = errors.check("new_password", Password::parse_new(new, handle, email));
    if new.as_ref().is_some_and(|n| n.expose() == current) {
        errors.add("new_password", k::error_password_unchanged);
    }
    match new {
        Some(new) if errors.is_empty() => Ok(new),
        _ => Err(errors),
    }
}

/// Sign-in input: only checked for presence, since a wrong address or password
/// must get the same answer whatever is wrong with it.
pub fn check_sign_in(email: &str, password: &str) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if email.trim().is_empty() {
        errors.add("email", k::error_email_empty);
    }
    if password.is_empty() {
        errors.add("password", k::error_password_empty);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A search query for the member and group directories.
/// Control characters go first (so "a \0 b" is "a b"); then runs of white space
/// become one space; at most 100 characters, never ending in a space.
pub fn normalize_query(raw: &str) -> String {
    let visible: String = raw.chars().filter(|c| !c.is_control()).collect();
    let joined = visible.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut: String = joined.chars().take(100).collect();
    cut.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_lowercased_and_limited_to_url_safe_characters() {
        assert_eq!(
            Handle::parse(" @Alice_M ").map(|h| h.0),
            Ok("alice_m".into())
        );
        assert!(Handle::parse("al").is_err());
        assert!(Handle::parse("josé").is_err());
        assert!(Handle::parse("_alice").is_err());
        assert!(Handle::parse(&"a".repeat(31)).is_err());
    }

    #[test]
    fn display_names_accept_any_script_but_not_control_characters() {
        assert!(DisplayName::parse("王芳").is_ok());
        assert!(DisplayName::parse("محمد الأحمد").is_ok());
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("Eve\u{202E}").is_err());
        assert_eq!(
            DisplayName::parse(" Zoë   Müller ").map(|n| n.0),
            Ok("Zoë Müller".into())
        );
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert_eq!(
            Email::parse(" Alice@Example.org ").map(|e| e.0),
            Ok("alice@example.org".into())
        );
        for bad in [
            "alice",
            "alice@",
            "@example.org",
            "alice@example",
            "a b@example.org",
            "a@b@c.org",
            "a@.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn weak_passwords_are_refused() {
        assert!(Password::parse_new("short", "alice", "a@example.org").is_err());
        assert!(Password::parse_new("password123", "alice", "a@example.org").is_err());
        assert!(Password::parse_new("aaaaaaaaaaaa", "alice", "a@example.org").is_err());
        assert!(Password::parse_new("alice-is-great", "alice", "a@example.org").is_err());
        assert!(Password::parse_new("correct horse battery", "alice", "a@example.org").is_ok());
    }

    /// What the cheap rules let through and the server's estimate refuses, with
    /// its advice; and the passwords the test suites register with.
    #[cfg(feature = "ssr")]
    #[test]
    fn the_server_refuses_guessable_passwords_with_advice() {
        for weak in [
            "Password123!",
            "qwerty12345",
            "Alice2024!!",
            "monkey123456",
            "1q2w3e4r5t6y",
        ] {
            let refusal = Password::parse_new(weak, "alice", "alice@example.org")
                .expect_err(weak)
                .to_string();
            assert!(
                refusal.starts_with("That password is too easy to guess."),
                "{weak}: {refusal}"
            );
        }
        let refusal = Password::parse_new("Password123!", "alice", "a@example.org")
            .unwrap_err()
            .to_string();
        assert!(
            refusal.len() > "That password is too easy to guess.".len() + 10,
            "{refusal}"
        );
        for strong in [
            "three unrelated words",
            "quiet-harbour-lantern-97",
            "a long and unguessable passphrase",
            "another long passphrase here",
        ] {
            assert!(
                Password::parse_new(strong, "someone", "someone@example.org").is_ok(),
                "{strong}"
            );
        }
    }

    /// Problems travel as codes: English says them as it always has, and each
    /// language in its own words.
    #[test]
    fn problems_are_coded_and_worded_in_each_language() {
        use crate::domain::language::Language;
        use crate::i18n::Words;
        let english = Words::of(Language::En);
        let said = |result: Result<(), Problem>| result.unwrap_err().words(english);
        assert_eq!(
            said(Handle::parse("al").map(drop)),
            "A handle is 3 to 30 characters long."
        );
        assert_eq!(
            said(Email::parse("alice@").map(drop)),
            "Enter an email address like name@example.org."
        );
        assert_eq!(
            said(Password::parse_new("short", "", "").map(drop)),
            "Use at least 10 characters for your password."
        );
        assert_eq!(
            said(DisplayName::parse(&"n".repeat(61)).map(drop)),
            "A name is at most 60 characters long."
        );
        let refusal = Email::parse("").unwrap_err();
        assert_eq!(refusal.code, "error_email_empty");
        assert_eq!(
            refusal.words(Words::of(Language::De)),
            "Gib deine E-Mail-Adresse ein."
        );
        assert_eq!(
            refusal.words(Words::of(Language::Fr)),
            "Saisissez votre adresse e-mail."
        );
        let errors = check_sign_in(" ", "").unwrap_err();
        assert_eq!(
            errors.get("email").as_deref(),
            Some("Enter your email address.")
        );
        assert_eq!(
            errors.get("password").as_deref(),
            Some("Enter your password.")
        );
    }

    #[test]
    fn registration_reports_every_field_at_once() {
        let errors = Registration::parse("", "x", "nope", "short").unwrap_err();
        for field in ["display_name", "handle", "email", "password"] {
            assert!(errors.get(field).is_some(), "{field} should have an error");
        }
    }
}
