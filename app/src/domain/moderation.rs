//! Code-of-conduct rules shared by the server and the WASM client: report reasons
//! and notes, moderator actions, who may message a member, and adding people.

use super::conversation::{Party, MAX_OTHERS};
use super::text::{has_forbidden_control, has_overlong_cluster, visible_length};
use crate::i18n::{k, Problem};
use serde::{Deserialize, Serialize};

/// The longest note a reporter or moderator may add.
pub const NOTE_MAX: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportReason {
    Harassment,
    Spam,
    Other,
}

impl ReportReason {
    pub const ALL: [ReportReason; 3] = [
        ReportReason::Harassment,
        ReportReason::Spam,
        ReportReason::Other,
    ];

    pub fn parse(value: &str) -> Result<Self, Problem> {
        match value {
            "harassment" => Ok(Self::Harassment),
            "spam" => Ok(Self::Spam),
            "other" => Ok(Self::Other),
            _ => Err(Problem::new(k::error_report_reason)),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Harassment => "harassment",
            Self::Spam => "spam",
            Self::Other => "other",
        }
    }

    /// The reason as the reader's language says it.
    pub fn label(self, words: crate::i18n::Words) -> &'static str {
        words.t(match self {
            Self::Harassment => k::moderation_reason_harassment,
            Self::Spam => k::moderation_reason_spam,
            Self::Other => k::moderation_reason_other,
        })
    }
}

/// An optional note (from a reporter or a moderator): at most 500 characters, one
/// style of line ending, no hidden control characters.
pub fn parse_note(raw: &str) -> Result<String, Problem> {
    let normalized = raw.replace("\r\n", "\n");
    let text = normalized.trim();
    if has_forbidden_control(text, true) {
        return Err(Problem::new(k::error_note_control));
    }
    if has_overlong_cluster(text) {
        return Err(Problem::new(k::error_note_marks));
    }
    let length = visible_length(text);
    if length > NOTE_MAX {
        return Err(Problem::new(k::error_note_too_long)
            .with("max", NOTE_MAX)
            .with("length", length));
    }
    Ok(text.to_string())
}

/// What a moderator can do about a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModAction {
    /// Nothing breaks the code of conduct: the report is closed.
    Dismiss,
    /// The message is replaced by "removed by a moderator" for everyone.
    Remove,
    /// The author is shown a warning until they acknowledge it.
    Warn,
    /// The author can no longer sign in or send; their sessions end.
    Suspend,
}

impl ModAction {
    pub const ALL: [ModAction; 4] = [
        ModAction::Dismiss,
        ModAction::Remove,
        ModAction::Warn,
        ModAction::Suspend,
    ];

    pub fn parse(value: &str) -> Result<Self, Problem> {
        match value {
            "dismiss" => Ok(Self::Dismiss),
            "remove" => Ok(Self::Remove),
            "warn" => Ok(Self::Warn),
            "suspend" => Ok(Self::Suspend),
            _ => Err(Problem::new(k::error_mod_action)),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dismiss => "dismiss",
            Self::Remove => "remove",
            Self::Warn => "warn",
            Self::Suspend => "suspend",
        }
    }
}

/// Who may start a conversation with a member (Decidim's "allow private messages
/// from"): anyone else's first message becomes a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessagePolicy {
    Everyone,
    SharedGroups,
}

impl MessagePolicy {
    pub fn parse(value: &str) -> Result<Self, Problem> {
        match value {
            "everyone" => Ok(Self::Everyone),
            "shared_groups" => Ok(Self::SharedGroups),
            _ => Err(Problem::new(k::error_message_policy)),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Everyone => "everyone",
            Self::SharedGroups => "shared_groups",
        }
    }
}

/// How a member answers a message request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestAnswer {
    Accept,
    Decline,
    /// Decline and report the request's first message as spam, in one step.
    DeclineAndReport,
}

impl RequestAnswer {
    pub fn parse(value: &str) -> Result<Self, Problem> {
        match value {
            "accept" => Ok(Self::Accept),
            "decline" => Ok(Self::Decline),
            "decline_and_report" => Ok(Self::DeclineAndReport),
            _ => Err(Problem::new(k::error_request_answer)),
        }
    }
}

/// A conversation with this many parties (the author's side included) is a
/// multi-person one: people can leave it and be added to it.
pub const MULTI_PERSON: usize = 3;

/// Checks people to add to a conversation that has `present` parties: at least one
/// new one, nobody twice, and the conversation stays within nine others.
/// Members already in it are refused by name on the server.
pub fn check_additions(present: &[Party], adding: &[Party]) -> Result<(), Problem> {
    if present.len() < MULTI_PERSON {
        return Err(Problem::new(k::error_add_too_few_people));
    }
    if adding.is_empty() {
        return Err(Problem::new(k::error_add_none));
    }
    let mut seen = adding.to_vec();
    seen.sort_unstable();
    seen.dedup();
    if seen.len() != adding.len() || adding.iter().any(|p| present.contains(p)) {
        return Err(Problem::new(k::error_add_twice));
    }
    let total_others = present.len() + adding.len() - 1;
    if total_others > MAX_OTHERS {
        let room = (MAX_OTHERS + 1).saturating_sub(present.len());
        return Err(Problem::new(k::error_add_too_many)
            .with("max", MAX_OTHERS)
            .with("room", room));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(ids: &[i64]) -> Vec<Party> {
        ids.iter().map(|&id| Party::Member(id)).collect()
    }

    #[test]
    fn additions_keep_within_nine_others() {
        let present = members(&[1, 2, 3]);
        assert!(check_additions(&present, &members(&[4, 5, 6, 7, 8, 9, 10])).is_ok());
        let error = check_additions(&present, &members(&[4, 5, 6, 7, 8, 9, 10, 11]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("room for 7 more"), "{error}");
        assert!(check_additions(&present, &[]).is_err());
        assert!(check_additions(&present, &members(&[2])).is_err());
        assert!(check_additions(&present, &members(&[4, 4])).is_err());
        assert!(check_additions(&members(&[1, 2]), &members(&[3])).is_err());
    }

    #[test]
    fn notes_are_limited_and_cleaned() {
        assert_eq!(parse_note("  hi\r\nthere ").unwrap(), "hi\nthere");
        assert!(parse_note(&"é".repeat(NOTE_MAX)).is_ok());
        assert!(parse_note(&"é".repeat(NOTE_MAX + 1)).is_err());
        assert!(parse_note("a\u{202E}b").is_err());
    }

    #[test]
    fn choices_parse_from_their_form_values() {
        for reason in ReportReason::ALL {
            assert_eq!(ReportReason::parse(reason.as_str()), Ok(reason));
        }
        for action in ModAction::ALL {
            assert_eq!(ModAction::parse(action.as_str()), Ok(action));
        }
        assert!(ReportReason::parse("rude").is_err());
        assert!(ModAction::parse("ban").is_err());
        assert!(MessagePolicy::parse("friends").is_err());
    }
}
