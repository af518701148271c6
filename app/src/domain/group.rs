//! Group rules: the name, address and description a manager gives a group.
//!
//! The same functions check the form in the browser and on the server.

use super::account::{handle_shaped, DisplayName};
use super::text::{has_forbidden_control, has_overlong_cluster, visible_length};
use super::FieldErrors;
use crate::i18n::{k, Problem};
use serde::{Deserialize, Serialize};

pub const GROUP_DESCRIPTION_MAX: usize = 500;

/// Groups one member may create in a day (against a flood of throwaway groups).
pub const GROUPS_PER_DAY: i64 = 3;

/// Members one invitation form may name at once.
pub const INVITEES_MAX: usize = 20;

/// Addresses that pages under `/groups/` use for themselves.
const RESERVED_SLUGS: [&str; 3] = ["new", "edit", "requests"];

/// A group's address: `/groups/<slug>`. The rules of a member's handle, since
/// both are names in one search; fixed once the group exists, so links to it
/// never break.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSlug(String);

impl GroupSlug {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let slug = handle_shaped(raw).map_err(|fault| {
            fault.problem([
                k::error_slug_empty,
                k::error_slug_length,
                k::error_slug_characters,
                k::error_slug_start,
            ])
        })?;
        if RESERVED_SLUGS.contains(&slug.as_str()) {
            return Err(Problem::new(k::error_slug_reserved));
        }
        Ok(Self(slug))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a group says about itself; line breaks are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDescription(String);

impl GroupDescription {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let text = raw.trim().replace("\r\n", "\n");
        if visible_length(&text) > GROUP_DESCRIPTION_MAX {
            return Err(
                Problem::new(k::error_description_too_long).with("max", GROUP_DESCRIPTION_MAX)
            );
        }
        if has_forbidden_control(&text, true) {
            return Err(Problem::new(k::error_description_control));
        }
        if has_overlong_cluster(&text) {
            return Err(Problem::new(k::error_description_marks));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A group's settings as its managers edit them (the slug is set once, at creation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupProfile {
    pub name: DisplayName,
    pub description: GroupDescription,
    pub is_open: bool,
}

impl GroupProfile {
    pub fn parse(name: &str, description: &str, access: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let is_open = errors.check("access", parse_access(access));
        let name = errors.check(
            "name",
            DisplayName::parse(name).map_err(|problem| {
                if problem == Problem::new(k::error_display_name_empty) {
                    Problem::new(k::error_group_name_empty)
                } else {
                    problem
                }
            }),
        );
        let description = errors.check("description", GroupDescription::parse(description));
        match (name, description, is_open) {
            (Some(name), Some(description), Some(is_open)) => Ok(Self {
                name,
                description,
                is_open,
            }),
            _ => Err(errors),
        }
    }
}

/// A new group: its settings and its address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroup {
    pub slug: GroupSlug,
    pub profile: GroupProfile,
}

impl NewGroup {
    pub fn parse(
        name: &str,
        slug: &str,
        description: &str,
        access: &str,
    ) -> Result<Self, FieldErrors> {
        let profile = GroupProfile::parse(name, description, access);
        let slug = GroupSlug::parse(slug);
        match (profile, slug) {
            (Ok(profile), Ok(slug)) => Ok(Self { slug, profile }),
            (profile, slug) => {
                let mut errors = profile.err().unwrap_or_default();
                if let Err(message) = slug {
                    errors.add("slug", message);
                }
                Err(errors)
            }
        }
    }
}

/// Who may join, as the form's two choices say it: `open` (anyone, at once) or
/// `closed` (members ask; managers approve). True for open.
pub fn parse_access(value: &str) -> Result<bool, Problem> {
    match value {
        "open" => Ok(true),
        "closed" => Ok(false),
        _ => Err(Problem::new(k::error_group_access)),
    }
}

/// The members a manager invites: members only (a group cannot join a group),
/// at least one and at most `INVITEES_MAX` at once.
pub fn check_invitees(parties: &[super::conversation::Party]) -> Result<Vec<i64>, Problem> {
    use super::conversation::Party;
    if parties.is_empty() {
        return Err(Problem::new(k::error_invitees_none));
    }
    if parties.len() > INVITEES_MAX {
        return Err(Problem::new(k::error_invitees_too_many).with("max", INVITEES_MAX));
    }
    parties
        .iter()
        .map(|p| match p {
            Party::Member(id) => Ok(*id),
            Party::Group(_) => Err(Problem::new(k::error_invitees_group)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_address_follows_the_handle_rules_and_keeps_the_pages_own_names() {
        assert_eq!(
            GroupSlug::parse(" Rust-Users ").unwrap().as_str(),
            "rust-users"
        );
        assert!(GroupSlug::parse("ab")
            .unwrap_err()
            .to_string()
            .starts_with("An address is 3"));
        assert!(GroupSlug::parse("new").is_err());
        assert!(GroupSlug::parse("a/b").is_err());
        assert_eq!(
            GroupSlug::parse("").unwrap_err().to_string(),
            "Choose the group's address."
        );
        assert_eq!(
            GroupSlug::parse("a/b").unwrap_err().to_string(),
            "An address may use only letters a–z, digits, '-' and '_'."
        );
    }

    #[test]
    fn a_new_group_reports_every_field_at_once() {
        let errors = NewGroup::parse("", "x", &"d".repeat(501), "open").unwrap_err();
        assert_eq!(errors.get("name").as_deref(), Some("Name the group."));
        assert!(errors.get("slug").is_some());
        assert!(errors.get("description").unwrap().contains("500"));
    }

    #[test]
    fn a_description_keeps_its_lines_and_refuses_control_characters() {
        let group =
            NewGroup::parse("Rust  users", "rust", "Line one\r\nLine two", "closed").unwrap();
        assert_eq!(group.profile.name.as_str(), "Rust users");
        assert_eq!(group.profile.description.as_str(), "Line one\nLine two");
        assert!(!group.profile.is_open);
        assert!(GroupDescription::parse("a\u{202E}b").is_err());
        assert!(GroupDescription::parse("").is_ok());
    }

    #[test]
    fn invitations_name_one_to_twenty_members_and_no_group() {
        use crate::domain::conversation::Party;
        assert_eq!(check_invitees(&[Party::Member(4)]), Ok(vec![4]));
        assert!(check_invitees(&[]).is_err());
        assert!(check_invitees(&[Party::Member(4), Party::Group(2)]).is_err());
        let many: Vec<Party> = (0..21).map(Party::Member).collect();
        assert!(check_invitees(&many)
            .unwrap_err()
            .to_string()
            .contains("20"));
    }

    #[test]
    fn access_is_open_or_closed_and_nothing_else() {
        assert_eq!(parse_access("open"), Ok(true));
        assert_eq!(parse_access("closed"), Ok(false));
        assert!(parse_access("").is_err());
        assert!(parse_access("Open").is_err());
    }
}
