//! Administration input: roles to grant and the site's settings.

use super::FieldErrors;
use crate::i18n::{k, Problem};
use crate::model::account::Role;

/// A role an administrator grants from the members list.
pub fn parse_role(raw: &str) -> Result<Role, Problem> {
    match raw {
        "member" => Ok(Role::Member),
        "moderator" => Ok(Role::Moderator),
        "admin" => Ok(Role::Admin),
        _ => Err(Problem::new(k::error_role_choose)),
    }
}

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Member => "member",
        Role::Moderator => "moderator",
        Role::Admin => "admin",
    }
}

/// The settings form, checked. Numbers come as the form's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteSettingsInput {
    pub registration_by_invitation: bool,
    pub messages_per_minute: i32,
    pub conversations_per_hour: i32,
    pub email_batch_minutes: i32,
}

pub const LIMIT_MAX: i32 = 1000;
pub const BATCH_MINUTES_MAX: i32 = 1440;

impl SiteSettingsInput {
    pub fn parse(
        registration: &str,
        messages_per_minute: &str,
        conversations_per_hour: &str,
        email_batch_minutes: &str,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let by_invitation = match registration {
            "open" => Some(false),
            "invitation" => Some(true),
            _ => {
                errors.add("registration", k::error_registration_choose);
                None
            }
        };
        let number =
            |errors: &mut FieldErrors, field: &str, raw: &str, min: i32, max: i32| match raw
                .trim()
                .parse::<i32>(
            ) {
                Ok(n) if (min..=max).contains(&n) => Some(n),
                _ => {
                    errors.add(
                        field,
                        Problem::new(k::error_whole_number)
                            .with("min", i64::from(min))
                            .with("max", i64::from(max)),
                    );
                    None
                }
            };
        let per_minute = number(
            &mut errors,
            "messages_per_minute",
            messages_per_minute,
            1,
            LIMIT_MAX,
        );
        let per_hour = number(
            &mut errors,
            "conversations_per_hour",
            conversations_per_hour,
            1,
            LIMIT_MAX,
        );
        let batch = number(
            &mut errors,
            "email_batch_minutes",
            email_batch_minutes,
            0,
            BATCH_MINUTES_MAX,
        );
        match (by_invitation, per_minute, per_hour, batch) {
            (Some(registration_by_invitation), Some(a), Some(b), Some(c)) if errors.is_empty() => {
                Ok(Self {
                    registration_by_invitation,
                    messages_per_minute: a,
                    conversations_per_hour: b,
                    email_batch_minutes: c,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_accept_bounds_and_refuse_the_rest_per_field() {
        let ok = SiteSettingsInput::parse("invitation", "1", "1000", "0").unwrap();
        assert!(ok.registration_by_invitation);
        assert_eq!(ok.email_batch_minutes, 0);
        let errors = SiteSettingsInput::parse("closed", "0", "1001", "-1").unwrap_err();
        for field in [
            "registration",
            "messages_per_minute",
            "conversations_per_hour",
            "email_batch_minutes",
        ] {
            assert!(errors.get(field).is_some(), "{field} should be refused");
        }
        assert!(SiteSettingsInput::parse("open", " 20 ", "10", "x").is_err());
    }
}
