//! Text rules: what counts as a character, and which characters are refused.

use unicode_segmentation::UnicodeSegmentation;

/// Characters as a person sees them: extended grapheme clusters, so one emoji
/// or one accented letter counts as one, whatever its encoding.
pub fn visible_length(text: &str) -> usize {
    text.graphemes(true).count()
}

/// Control characters other than newline and tab hide text or break layouts
/// (for example a bidi override or a NUL) and are never accepted.
pub fn has_forbidden_control(text: &str, allow_newlines: bool) -> bool {
    text.chars().any(|c| {
        let allowed = c == '\t' || (allow_newlines && c == '\n');
        let bidi_override = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        (c.is_control() && !allowed) || bidi_override
    })
}

/// The most code points one visible character may carry: the longest emoji
/// sequences have 10; more is marks stacked to smear over other lines ("Zalgo"),
/// and it would let a 1,000-character message grow without bound.
pub const MAX_CLUSTER_CODE_POINTS: usize = 16;

/// A visible character made of more than `MAX_CLUSTER_CODE_POINTS` code points.
pub fn has_overlong_cluster(text: &str) -> bool {
    text.graphemes(true)
        .any(|g| g.chars().nth(MAX_CLUSTER_CODE_POINTS).is_some())
}

/// Initials for an avatar: the first visible character of the first two words,
/// or only one for a single word (as for most CJK names).
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .take(2)
        .filter_map(|word| word.graphemes(true).next())
        .collect::<String>()
        .to_uppercase()
}

/// Text for HTML: `&`, `<`, `>` and both quotes as entities, safe in element
/// content and in quoted attributes (emails, the text of a `<textarea>` rendered
/// through `inner_html`, pages written without Leptos).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The start of a text on one line: whitespace runs become one space, and beyond
/// `max` visible characters it ends with "…".
pub fn excerpt(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let graphemes: Vec<&str> = line.graphemes(true).collect();
    if graphemes.len() > max {
        format!("{}…", graphemes[..max.saturating_sub(1)].concat())
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_emoji_and_an_accented_letter_count_as_one_character_each() {
        assert_eq!(visible_length("👍🏽"), 1);
        assert_eq!(visible_length("e\u{301}"), 1);
        assert_eq!(visible_length("José"), 4);
    }

    #[test]
    fn control_characters_are_refused_but_tabs_are_not() {
        assert!(has_forbidden_control("a\u{0}b", true));
        assert!(has_forbidden_control("a\u{202E}b", true));
        assert!(!has_forbidden_control("a\tb", false));
        assert!(has_forbidden_control("a\nb", false));
        assert!(!has_forbidden_control("a\nb", true));
    }

    #[test]
    fn initials_take_the_first_letter_of_two_words() {
        assert_eq!(initials("Alice Martin"), "AM");
        assert_eq!(initials("王芳"), "王");
        assert_eq!(initials("Ørjan"), "Ø");
    }
}
