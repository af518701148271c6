//! Account rules: handles, display names, email addresses, passwords.
//!
//! "Parse, don't validate": each newtype can only be built through `parse`,
//! so a value of that type is known to follow the rules.

use super::text::{has_forbidden_control, has_overlong_cluster, visible_length};
use super::FieldErrors;
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

impl Handle {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let handle = raw.trim().trim_start_matches('@').to_lowercase();
        if handle.is_empty() {
            return Err("Choose a handle.".into());
        }
        let len = handle.chars().count();
        if !(HANDLE_MIN..=HANDLE_MAX).contains(&len) {
            return Err(format!(
                "A handle is {HANDLE_MIN} to {HANDLE_MAX} characters long."
            ));
        }
        if !handle
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        {
            return Err("A handle may use only letters a–z, digits, '-' and '_'.".into());
        }
        if !handle.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err("A handle starts with a letter or a digit.".into());
        }
        Ok(Self(handle))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name shown to other members. Any script is welcome; control characters are not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("Enter the name other members will see.".into());
        }
        if visible_length(name) > DISPLAY_NAME_MAX {
            return Err(format!(
                "A name is at most {DISPLAY_NAME_MAX} characters long."
            ));
        }
        if has_forbidden_control(name, false) {
            return Err("A name cannot contain control characters.".into());
        }
        if has_overlong_cluster(name) {
            return Err("A name cannot stack that many accents or marks on one letter.".into());
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
    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("Enter your email address.".into());
        }
        let invalid = || "Enter an email address like name@example.org.".to_string();
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
    pub fn parse_new(raw: &str, handle: &str, email: &str) -> Result<Self, String> {
        let len = raw.chars().count();
        if len < PASSWORD_MIN {
            return Err(format!(
                "Use at least {PASSWORD_MIN} characters for your password."
            ));
        }
        if len > PASSWORD_MAX {
            return Err(format!(
                "A password is at most {PASSWORD_MAX} characters long."
            ));
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
            return Err(
                "That password is too easy to guess. Try a few unrelated words together.".into(),
            );
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
#[cfg(feature = "ssr")]
fn strong_enough(raw: &str, identity: &[&str]) -> Result<(), String> {
    let estimate = zxcvbn::zxcvbn(raw, identity);
    if estimate.score() >= zxcvbn::Score::Three {
        return Ok(());
    }
    let mut message = String::from("That password is too easy to guess.");
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            message.push(' ');
            message.push_str(&warning.to_string());
        }
        for suggestion in feedback.suggestions() {
            message.push(' ');
            message.push_str(&suggestion.to_string());
        }
    }
    if !message.ends_with("words together.") {
        message.push_str(" A few unrelated words together work well.");
    }
    Err(message)
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
        errors.add("current_password", "Enter your current password.");
    }
    let new = errors.check("new_password", Password::parse_new(new, handle, email));
    if new.as_ref().is_some_and(|n| n.expose() == current) {
        errors.add(
            "new_password",
            "The new password is the current one. Choose another.",
        );
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
        errors.add("email", "Enter your email address.");
    }
    if password.is_empty() {
        errors.add("password", "Enter your password.");
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
            let refusal = Password::parse_new(weak, "alice", "alice@example.org").expect_err(weak);
            assert!(
                refusal.starts_with("That password is too easy to guess."),
                "{weak}: {refusal}"
            );
        }
        let refusal = Password::parse_new("Password123!", "alice", "a@example.org").unwrap_err();
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

    #[test]
    fn registration_reports_every_field_at_once() {
        let errors = Registration::parse("", "x", "nope", "short").unwrap_err();
        for field in ["display_name", "handle", "email", "password"] {
            assert!(errors.get(field).is_some(), "{field} should have an error");
        }
    }
}
