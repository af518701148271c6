//! Property tests of the shared input rules: whatever the text, they never panic,
//! what they accept satisfies the rule, and the browser's counter counts exactly
//! as the server does.

use super::account::{normalize_query, DisplayName, Email, Handle};
use super::conversation::{check_recipients, counter_label, MessageBody, Party};
use super::language::Language;
use super::moderation::{check_additions, parse_note, NOTE_MAX};
use super::redirect::local_path;
use super::text::{has_forbidden_control, visible_length};
use proptest::prelude::*;

/// Text with what breaks naive code: combining marks, emoji with joiners, CR/LF,
/// bidi overrides, NUL, and plenty of ordinary letters.
fn tricky_text(max: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-zA-Zé 0-9]{1,8}",
        1 => Just("\u{301}".to_string()),
        1 => Just("👨‍👩‍👧‍👦".to_string()),
        1 => Just("\r\n".to_string()),
        1 => Just("\n".to_string()),
        1 => Just("\r".to_string()),
        1 => Just("\u{202E}".to_string()),
        1 => Just("\0".to_string()),
        1 => Just("\t".to_string()),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..max).prop_map(|parts| parts.concat())
}

/// The number the counter under a message box shows.
fn counted(raw: &str) -> String {
    counter_label(raw, Language::En)
        .split(" / ")
        .next()
        .unwrap_or_default()
        .to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn a_message_is_accepted_exactly_within_the_rule(raw in tricky_text(400)) {
        match MessageBody::parse(&raw) {
            Ok(body) => {
                let text = body.as_str();
                prop_assert!(!text.is_empty());
                prop_assert!(visible_length(text) <= 1000);
                prop_assert!(!has_forbidden_control(text, true));
                prop_assert!(!text.contains('\r'));
                // Parsing what was stored changes nothing.
                prop_assert_eq!(MessageBody::parse(text).map(|b| b.into_inner()), Ok(text.to_string()));
                // The counter the browser shows is the length the server accepted.
                prop_assert_eq!(counted(&raw), Language::En.number(visible_length(text) as i64));
            }
            Err(reason) => prop_assert!(!reason.to_string().is_empty()),
        }
    }

    #[test]
    fn the_counter_and_the_server_agree_at_the_limit(extra in 0usize..3, emoji in any::<bool>()) {
        let unit = if emoji { "👩🏽‍💻" } else { "e\u{301}" };
        let raw = unit.repeat(999 + extra);
        let accepted = MessageBody::parse(&raw).is_ok();
        prop_assert_eq!(accepted, 999 + extra <= 1000);
        prop_assert_eq!(counted(&raw), Language::En.number((999 + extra) as i64));
    }

    #[test]
    fn notes_never_exceed_their_limit(raw in tricky_text(250)) {
        if let Ok(note) = parse_note(&raw) {
            prop_assert!(visible_length(&note) <= NOTE_MAX);
            prop_assert!(!has_forbidden_control(&note, true));
        }
    }

    #[test]
    fn names_handles_emails_and_queries_never_panic(raw in tricky_text(80)) {
        let _ = Handle::parse(&raw);
        let _ = DisplayName::parse(&raw);
        let _ = Email::parse(&raw);
        let query = normalize_query(&raw);
        prop_assert!(!query.starts_with(' ') && !query.ends_with(' ') && !query.contains("  "));
        prop_assert!(query.chars().count() <= 100 && !query.chars().any(char::is_control));
    }

    #[test]
    fn party_tokens_round_trip(raw in ".{0,30}", id in any::<i64>(), group in any::<bool>()) {
        let _ = Party::parse_token(&raw);
        let party = if group { Party::Group(id) } else { Party::Member(id) };
        prop_assert_eq!(Party::parse_token(&party.token()), Ok(party));
    }

    #[test]
    fn a_conversation_never_grows_past_nine_others(
        present in prop::collection::vec(0i64..40, 0..12),
        adding in prop::collection::vec(0i64..40, 0..12),
    ) {
        let present: Vec<Party> = present.into_iter().map(Party::Member).collect();
        let adding: Vec<Party> = adding.into_iter().map(Party::Member).collect();
        if check_additions(&present, &adding).is_ok() {
            prop_assert!(present.len() + adding.len() <= 10);
            prop_assert!(adding.iter().all(|p| !present.contains(p)));
        }
        if let Some((author, recipients)) = adding.split_first() {
            if check_recipients(*author, recipients).is_ok() {
                prop_assert!(recipients.len() <= 9 && !recipients.contains(author));
            }
        }
    }

    /// Whatever `next` is (slashes, dots, escapes, controls, any character), the
    /// answer is nothing or a path a browser resolves on the portal's own origin.
    #[test]
    fn next_never_leaves_the_portal(
        parts in prop::collection::vec(prop_oneof![
            3 => Just("/".to_string()),
            2 => Just("\\".to_string()),
            2 => Just(".".to_string()),
            1 => Just("..".to_string()),
            1 => Just("%2f".to_string()),
            1 => Just("%5C".to_string()),
            1 => Just("%09".to_string()),
            1 => Just("@".to_string()),
            1 => Just(":".to_string()),
            1 => Just("?".to_string()),
            1 => Just("#".to_string()),
            2 => "[a-z.]{1,6}",
            2 => tricky_text(3),
        ], 0..10),
    ) {
        let next = parts.concat();
        if let Some(path) = local_path(&next) {
            prop_assert!(path.starts_with('/') && !path.starts_with("//"), "{path:?}");
            prop_assert!(!path.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\'));
            let base = url::Url::parse("https://portal.example/sign-in").unwrap();
            let resolved = base.join(&path).expect("a path resolves");
            prop_assert_eq!(resolved.host_str(), Some("portal.example"));
        }
    }
}
