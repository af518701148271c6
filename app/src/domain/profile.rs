//! A member's profile as they edit it: the name others see, their handle and bio.

use super::account::{DisplayName, Handle};
use super::text::{has_forbidden_control, has_overlong_cluster, visible_length};
use super::FieldErrors;
use crate::i18n::{k, Key, Problem};
use serde::{Deserialize, Serialize};

pub const BIO_MAX: usize = 500;

/// How long a member waits between two changes of their handle: links and
/// mentions of the old one keep working (they lead to the new one), but a handle
/// that changes every day would make a member hard to recognise.
pub const HANDLE_CHANGE_DAYS: i64 = 30;

/// A few lines about the member; line breaks are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bio(String);

impl Bio {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let text = raw.trim().replace("\r\n", "\n");
        if visible_length(&text) > BIO_MAX {
            return Err(Problem::new(k::error_bio_too_long).with("max", BIO_MAX));
        }
        if has_forbidden_control(&text, true) {
            return Err(Problem::new(k::error_bio_control));
        }
        if has_overlong_cluster(&text) {
            return Err(Problem::new(k::error_bio_marks));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileEdit {
    pub display_name: DisplayName,
    pub handle: Handle,
    pub bio: Bio,
}

impl ProfileEdit {
    pub fn parse(display_name: &str, handle: &str, bio: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let display_name = errors.check("display_name", DisplayName::parse(display_name));
        let handle = errors.check("handle", Handle::parse(handle));
        let bio = errors.check("bio", Bio::parse(bio));
        match (display_name, handle, bio) {
            (Some(display_name), Some(handle), Some(bio)) => Ok(Self {
                display_name,
                handle,
                bio,
            }),
            _ => Err(errors),
        }
    }
}

/// An avatar upload: JPEG, PNG or WebP up to 5 MB (the server re-encodes it).
pub const AVATAR_MAX_BYTES: usize = 5 * 1024 * 1024;
/// The two sizes an avatar is kept in: the profile's, and lists' and threads'.
pub const AVATAR_LARGE_PX: u32 = 256;
pub const AVATAR_SMALL_PX: u32 = 64;

/// What the profile form says after an avatar upload (`?avatar=…`, set by the
/// upload route): whether it worked, and the sentence (for `Words::t`).
pub fn avatar_outcome(code: &str) -> Option<(bool, Key)> {
    Some(match code {
        "saved" => (true, k::avatar_saved),
        "removed" => (true, k::avatar_removed),
        "too_large" => (false, k::avatar_too_large),
        "format" => (false, k::avatar_format),
        "unreadable" => (false, k::avatar_unreadable),
        "missing" => (false, k::avatar_missing),
        "busy" => (false, k::avatar_busy),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_reports_each_field_and_keeps_the_lines_of_a_bio() {
        let errors = ProfileEdit::parse(" ", "a b", &"b".repeat(BIO_MAX + 1)).unwrap_err();
        assert!(errors.get("display_name").is_some());
        assert!(errors.get("handle").is_some());
        assert!(errors.get("bio").unwrap().contains("500"));
        let edit = ProfileEdit::parse("Zoë  Li", "@Zoe_Li", "Line one\r\nLine two ").unwrap();
        assert_eq!(edit.display_name.as_str(), "Zoë Li");
        assert_eq!(edit.handle.as_str(), "zoe_li");
        assert_eq!(edit.bio.as_str(), "Line one\nLine two");
        assert!(Bio::parse("a\u{0}b").is_err());
    }
}
