//! Conversation rules shared by the server and the WASM client: message length,
//! who may be in a conversation, and how a message's text is shown.

use super::text::{has_forbidden_control, has_overlong_cluster, visible_length};
use crate::i18n::{k, Problem};
use serde::{Deserialize, Serialize};

/// The longest message, in characters as a person sees them.
pub const MESSAGE_MAX: usize = 1000;
/// How many others (members or groups) a conversation may have besides its author.
pub const MAX_OTHERS: usize = 9;

/// A message body that follows the rules: 1 to 1,000 visible characters after
/// trimming, newlines and tabs allowed, other control characters refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageBody(String);

impl MessageBody {
    /// The text of a message that carries `files`: it may be left empty then.
    pub fn parse_with_files(raw: &str, files: usize) -> Result<Self, Problem> {
        if files > 0 && raw.trim().is_empty() {
            return Ok(Self(String::new()));
        }
        Self::parse(raw)
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        // One line ending style first: a form posted without JavaScript sends CRLF.
        let normalized = raw.replace("\r\n", "\n");
        let text = normalized.trim();
        if text.is_empty() {
            return Err(Problem::new(k::error_message_empty));
        }
        if has_forbidden_control(text, true) {
            return Err(Problem::new(k::error_message_control));
        }
        if has_overlong_cluster(text) {
            return Err(Problem::new(k::error_message_marks));
        }
        let length = visible_length(text);
        if length > MESSAGE_MAX {
            return Err(Problem::new(k::error_message_too_long)
                .with("max", MESSAGE_MAX)
                .with("length", length)
                .with("over", length - MESSAGE_MAX));
        }
        Ok(Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The counter shown under a message box: "n / 1,000", counted like the server counts.
pub fn counter_label(raw: &str, language: crate::domain::language::Language) -> String {
    let count = |n: usize| language.number(i64::try_from(n).unwrap_or(i64::MAX));
    format!(
        "{} / {}",
        count(visible_length(raw.trim())),
        count(MESSAGE_MAX)
    )
}

/// A member or a group a conversation is with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Party {
    Member(i64),
    Group(i64),
}

impl Party {
    /// The form a party takes in forms and URLs: `member:12`, `group:3`.
    pub fn token(self) -> String {
        match self {
            Party::Member(id) => format!("member:{id}"),
            Party::Group(id) => format!("group:{id}"),
        }
    }

    pub fn parse_token(token: &str) -> Result<Self, Problem> {
        let invalid = || Problem::new(k::error_party_unknown).with("token", token);
        let (kind, id) = token.trim().split_once(':').ok_or_else(invalid)?;
        let id: i64 = id.parse().map_err(|_| invalid())?;
        match kind {
            "member" => Ok(Party::Member(id)),
            "group" => Ok(Party::Group(id)),
            _ => Err(invalid()),
        }
    }

    /// Part of a conversation's identity: one conversation per set of parties.
    pub fn key_part(self) -> String {
        match self {
            Party::Member(id) => format!("m{id}"),
            Party::Group(id) => format!("g{id}"),
        }
    }
}

/// The identity of a set of parties, whatever order they were picked in.
pub fn party_key(parties: &[Party]) -> String {
    let mut sorted = parties.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    sorted
        .into_iter()
        .map(Party::key_part)
        .collect::<Vec<_>>()
        .join(",")
}

/// How many times one message may be edited: with the edit window, this bounds
/// the live events one message can cause.
pub const MAX_EDITS: i16 = 20;

/// Whether a message sent at `sent_at` may still be edited at `now`, within a
/// window of `window_seconds` (the server decides; the page only hides "Edit").
pub fn within_edit_window(
    sent_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    window_seconds: i64,
) -> bool {
    now.signed_duration_since(sent_at).num_seconds() < window_seconds
}

/// The refusal once the window has passed: "… 15 minutes after sending."
pub fn edit_window_passed(window_seconds: i64) -> Problem {
    let minutes = (window_seconds / 60).max(1);
    if minutes == 1 {
        Problem::new(k::error_edit_window_minute)
    } else {
        Problem::new(k::error_edit_window).with("minutes", minutes)
    }
}

/// The reactions a member can put on a message, with the words a screen reader
/// says for each. A small fixed set, as Zulip and Discourse start with: enough to
/// acknowledge, nothing to moderate.
pub const REACTIONS: [(&str, crate::i18n::Key); 6] = [
    ("👍", k::reaction_thumbs_up),
    ("❤️", k::reaction_heart),
    ("😂", k::reaction_laughing),
    ("🎉", k::reaction_celebrating),
    ("😮", k::reaction_surprised),
    ("😢", k::reaction_sad),
];

/// One of `REACTIONS`, as posted.
pub fn parse_reaction(raw: &str) -> Result<&'static str, Problem> {
    REACTIONS
        .iter()
        .map(|(emoji, _)| *emoji)
        .find(|emoji| *emoji == raw.trim())
        .ok_or_else(|| Problem::new(k::error_reaction_unknown))
}

/// "thumbs up" for 👍; the emoji itself for anything else.
pub fn reaction_name(emoji: &str, words: crate::i18n::Words) -> &str {
    REACTIONS
        .iter()
        .find(|(e, _)| *e == emoji)
        .map_or(emoji, |(_, name)| words.t(*name))
}

/// Where an emoji sits in `REACTIONS` (reactions are shown in that order).
pub fn reaction_rank(emoji: &str) -> usize {
    REACTIONS
        .iter()
        .position(|(e, _)| *e == emoji)
        .unwrap_or(REACTIONS.len())
}

/// The most a draft may hold, in bytes: room for a message well over the limit
/// (it is not sent yet), not for anything else.
pub const DRAFT_MAX_BYTES: usize = 16 * 1024;

/// Draft saves a member may make a minute: the page saves a second after typing
/// stops, so two a second is more than anyone types.
pub const DRAFTS_PER_MINUTE: i64 = 120;

/// An idempotency key chosen by the client for one message.
pub fn check_idempotency_key(key: &str) -> Result<(), Problem> {
    let ok = (8..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Problem::new(k::error_form_outdated))
    }
}

/// Checks the chosen recipients: at least one, at most nine, no one twice,
/// and not the author themself.
pub fn check_recipients(author: Party, recipients: &[Party]) -> Result<(), Problem> {
    if recipients.is_empty() {
        return Err(Problem::new(k::error_recipients_none));
    }
    if recipients.len() > MAX_OTHERS {
        return Err(Problem::new(k::error_recipients_too_many)
            .with("max", MAX_OTHERS)
            .with("over", recipients.len() - MAX_OTHERS));
    }
    let mut seen = recipients.to_vec();
    seen.sort_unstable();
    seen.dedup();
    if seen.len() != recipients.len() {
        return Err(Problem::new(k::error_recipients_twice));
    }
    if recipients.contains(&author) {
        return Err(Problem::new(k::error_recipients_self));
    }
    Ok(())
}

/// A piece of a message as displayed: text, a link, or a line break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Text(String),
    Link(String),
    LineBreak,
}

/// Splits a message into text, links (http and https URLs) and line breaks, so a
/// view can render each safely: text is escaped by the renderer, never parsed as HTML.
pub fn segments(body: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    for (i, line) in body.split('\n').enumerate() {
        if i > 0 {
            out.push(Segment::LineBreak);
        }
        let mut rest = line;
        while let Some(start) = find_url_start(rest) {
            let (before, from_url) = rest.split_at(start);
            let end = from_url
                .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
                .unwrap_or(from_url.len());
            // Trailing punctuation usually ends the sentence, not the URL.
            let url = from_url[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'']);
            if !before.is_empty() {
                push_text(&mut out, before);
            }
            if url
                .split_once("://")
                .is_some_and(|(_, host)| !host.is_empty())
            {
                out.push(Segment::Link(url.to_string()));
            } else {
                push_text(&mut out, url);
            }
            rest = &from_url[url.len()..];
        }
        if !rest.is_empty() {
            push_text(&mut out, rest);
        }
    }
    out
}

fn find_url_start(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    match (lower.find("http://"), lower.find("https://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn push_text(out: &mut Vec<Segment>, text: &str) {
    if let Some(Segment::Text(previous)) = out.last_mut() {
        previous.push_str(text);
    } else {
        out.push(Segment::Text(text.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacked_marks_are_refused_but_long_emoji_sequences_are_not() {
        assert!(MessageBody::parse(&format!("e{}", "\u{301}".repeat(10_000))).is_err());
        assert!(MessageBody::parse(&format!("e{}", "\u{301}".repeat(15))).is_ok());
        // 👩🏽‍❤️‍💋‍👨🏿: a kiss with skin tones, 10 code points, one character.
        assert!(MessageBody::parse(
            "\u{1F469}\u{1F3FD}\u{200D}\u{2764}\u{FE0F}\u{200D}\u{1F48B}\u{200D}\u{1F468}\u{1F3FF}"
        )
        .is_ok());
    }

    #[test]
    fn crlf_from_a_plain_form_post_is_one_newline() {
        assert_eq!(MessageBody::parse("a\r\nb").unwrap().as_str(), "a\nb");
        assert!(MessageBody::parse("a\rb").is_err());
    }

    #[test]
    fn a_message_is_one_to_a_thousand_visible_characters() {
        assert!(MessageBody::parse("   \n\t ").is_err());
        assert!(MessageBody::parse(&"é".repeat(1000)).is_ok());
        assert!(
            MessageBody::parse(&"e\u{301}".repeat(1000)).is_ok(),
            "combining accents count once"
        );
        assert!(
            MessageBody::parse(&"👍🏽".repeat(1000)).is_ok(),
            "an emoji with a skin tone counts once"
        );
        assert!(MessageBody::parse(&"a".repeat(1001)).is_err());
        assert_eq!(MessageBody::parse("  hi  ").map(|b| b.0), Ok("hi".into()));
    }

    #[test]
    fn control_characters_other_than_newline_and_tab_are_refused() {
        assert!(MessageBody::parse("a\u{7}b").is_err());
        assert!(MessageBody::parse("line one\nline\ttwo").is_ok());
    }

    #[test]
    fn the_counter_matches_the_server_count() {
        use crate::domain::language::Language;
        assert_eq!(counter_label(" 👍🏽 ", Language::En), "1 / 1,000");
        assert_eq!(counter_label("", Language::De), "0 / 1.000");
    }

    #[test]
    fn recipients_are_at_most_nine_distinct_others() {
        let me = Party::Member(1);
        let nine: Vec<Party> = (2..11).map(Party::Member).collect();
        assert!(check_recipients(me, &nine).is_ok());
        let mut ten = nine.clone();
        ten.push(Party::Group(1));
        assert!(check_recipients(me, &ten).is_err());
        assert!(check_recipients(me, &[Party::Member(2), Party::Member(2)]).is_err());
        assert!(check_recipients(me, &[Party::Member(1)]).is_err());
        assert!(check_recipients(me, &[]).is_err());
        assert!(
            check_recipients(me, &[Party::Group(1)]).is_ok(),
            "a group id is not a member id"
        );
    }

    #[test]
    fn urls_become_links_and_line_breaks_are_kept() {
        assert_eq!(
            segments("See https://mautic.org/docs.\nThanks"),
            vec![
                Segment::Text("See ".into()),
                Segment::Link("https://mautic.org/docs".into()),
                Segment::Text(".".into()),
                Segment::LineBreak,
                Segment::Text("Thanks".into()),
            ]
        );
        assert_eq!(
            segments("<b>hi</b>"),
            vec![Segment::Text("<b>hi</b>".into())]
        );
        assert_eq!(
            segments("javascript:alert(1)"),
            vec![Segment::Text("javascript:alert(1)".into())]
        );
    }
}
