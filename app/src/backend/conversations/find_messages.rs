//! Searching the messages a member can see (full text, see the migration
//! `message_search`), newest first, a page at a time.

use crate::backend::moderation::check_action_rate;
use crate::domain::conversation::Party;
use crate::domain::search::{check_search, SEARCH_PAGE};
use crate::error::AppError;
use crate::i18n::k;
use crate::model::conversation::{FoundMessage, FoundPage, Highlight};
use sqlx::PgPool;
use unicode_segmentation::UnicodeSegmentation;

/// Characters of text shown around the first hit.
const SNIPPET_CHARS: usize = 160;

/// The messages matching `typed` in the conversations `viewer` can see now (the
/// same view that decides who reads a thread), sent by `from` if given, older than
/// `before` if given. Deleted and removed messages, notes, and messages of members
/// the viewer blocked are never found. At most `searches_per_minute` a minute.
pub async fn find_messages(
    pool: &PgPool,
    viewer: i64,
    typed: &str,
    from: Option<&str>,
    before: Option<i64>,
    searches_per_minute: i64,
) -> Result<FoundPage, AppError> {
    let typed = check_search(typed).map_err(|e| super::field_error("q", e))?;
    let from = match from.map(str::trim).filter(|f| !f.is_empty()) {
        Some(token) => Some(Party::parse_token(token).map_err(|e| super::field_error("from", e))?),
        None => None,
    };
    let (from_member, from_group) = match from {
        Some(Party::Member(id)) => (Some(id), None),
        Some(Party::Group(id)) => (None, Some(id)),
        None => (None, None),
    };
    let mut conn = pool.acquire().await?;
    check_action_rate(&mut conn, viewer, "search", searches_per_minute).await?;
    // A word in nearly every message, for a member whose conversations are all old,
    // reads far back: the work one search may do is bounded.
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    // Planned for the words searched, as the name search is: a generic plan cannot
    // tell a word in every message (read the newest backwards) from a rare one (ask
    // the index), and the wrong one for a rare word reads every message.
    sqlx::query(
        "SELECT set_config('statement_timeout', '2s', true),
                set_config('plan_cache_mode', 'force_custom_plan', true)",
    )
    .execute(&mut *tx)
    .await?;
    let rows = sqlx::query!(
        r#"SELECT m.id, m.conversation_id, m.body, m.created_at,
                  coalesce(g.name, a.display_name) AS "author!",
                  CASE WHEN m.as_group_id IS NULL THEN 'member:' || m.author_id
                       ELSE 'group:' || m.as_group_id END AS "author_token!",
                  (SELECT string_agg(coalesce(pg.name, pm.display_name), ', '
                                     ORDER BY coalesce(pg.name, pm.display_name))
                   FROM conversation_parties cp
                   LEFT JOIN members pm ON pm.id = cp.member_id
                   LEFT JOIN groups pg ON pg.id = cp.group_id
                   WHERE cp.conversation_id = m.conversation_id
                     AND cp.member_id IS DISTINCT FROM $1
                     AND (cp.group_id IS NULL
                          OR cp.group_id IS DISTINCT FROM (SELECT via_group_id FROM conversation_viewers
                                                           WHERE conversation_id = m.conversation_id
                                                             AND member_id = $1 LIMIT 1))) AS "with"
           FROM messages m
           JOIN members a ON a.id = m.author_id
           LEFT JOIN groups g ON g.id = m.as_group_id
           WHERE m.search @@ message_query($2)
             -- Asked per row (a subquery the planner keeps as one), so the newest
             -- messages are read backwards until 21 match: with a semi-join it
             -- compared each against all of a member's conversations (1,000: 420 ms).
             AND coalesce((SELECT true FROM conversation_viewers v
                           WHERE v.conversation_id = m.conversation_id AND v.member_id = $1
                           LIMIT 1), false)
             AND m.kind = 'text' AND m.deleted_at IS NULL AND m.removed_at IS NULL
             AND ($3::bigint IS NULL OR m.id < $3)
             AND ($4::bigint IS NULL OR (m.author_id = $4 AND m.as_group_id IS NULL))
             AND ($5::bigint IS NULL OR m.as_group_id = $5)
             AND NOT EXISTS (SELECT 1 FROM blocks b
                             WHERE b.blocker_id = $1 AND b.blocked_id = m.author_id)
           ORDER BY m.id DESC
           LIMIT $6"#,
        viewer,
        typed,
        before,
        from_member,
        from_group,
        SEARCH_PAGE + 1
    )
    .fetch_all(&mut *tx)
    .await;
    let mut rows = match rows {
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("57014") => {
            return Err(AppError::Refused(k::error_search_too_slow.into()))
        }
        other => other?,
    };
    tx.commit().await?;
    let more = rows.len() as i64 > SEARCH_PAGE;
    rows.truncate(SEARCH_PAGE as usize);
    let before = more.then(|| rows.last().map(|r| r.id)).flatten();
    let terms = Terms::of(&typed);
    Ok(FoundPage {
        hits: rows
            .into_iter()
            .map(|r| FoundMessage {
                message_id: r.id,
                conversation_id: r.conversation_id,
                with: r.with.unwrap_or_default(),
                author: r.author,
                author_token: r.author_token,
                created_at: r.created_at,
                snippet: terms.snippet(&crate::domain::markdown::plain_text(&r.body)),
            })
            .collect(),
        before,
    })
}

/// Scripts written without spaces: matched inside words, as the index does.
fn unspaced(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}'
        | '\u{ac00}'..='\u{d7af}' | '\u{f900}'..='\u{faff}')
}

/// A word as the index keeps it: lower case, without accents (as `fold_name`).
fn fold(word: &str) -> String {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    word.nfd()
        .filter(|c| !is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
}

/// What a search looks for in a text, to mark it.
struct Terms {
    words: Vec<String>,
    runs: Vec<String>,
}

impl Terms {
    fn of(typed: &str) -> Self {
        let mut runs = Vec::new();
        let mut run = String::new();
        for c in typed.chars() {
            if unspaced(c) {
                run.push(c);
            } else if !run.is_empty() {
                runs.push(std::mem::take(&mut run));
            }
        }
        if !run.is_empty() {
            runs.push(run);
        }
        let spaced: String = typed
            .chars()
            .map(|c| if unspaced(c) { ' ' } else { c })
            .collect();
        let words = spaced.unicode_words().map(fold).collect();
        Terms { words, runs }
    }

    /// The text split into what was searched for and the rest, cut to about
    /// `SNIPPET_CHARS` around the first hit (with "…" where cut).
    fn snippet(&self, text: &str) -> Vec<Highlight> {
        let mut pieces: Vec<Highlight> = Vec::new();
        let mut push = |text: &str, hit: bool| match pieces.last_mut() {
            Some(last) if last.hit == hit => last.text.push_str(text),
            _ => pieces.push(Highlight {
                text: text.to_string(),
                hit,
            }),
        };
        let mark_words = |part: &str, push: &mut dyn FnMut(&str, bool)| {
            for segment in part.split_word_bounds() {
                push(segment, self.words.iter().any(|w| *w == fold(segment)));
            }
        };
        // Runs of unspaced script anywhere (as the index matches them), then words.
        let mut rest = text;
        while let Some((at, run)) = self
            .runs
            .iter()
            .filter_map(|run| rest.find(run.as_str()).map(|at| (at, run)))
            .min_by_key(|(at, _)| *at)
        {
            mark_words(&rest[..at], &mut push);
            push(run, true);
            rest = &rest[at + run.len()..];
        }
        mark_words(rest, &mut push);
        pieces.retain(|p| !p.text.is_empty());
        cut_around_first_hit(pieces)
    }
}

/// Keeps about `SNIPPET_CHARS` characters, starting a little before the first hit.
fn cut_around_first_hit(pieces: Vec<Highlight>) -> Vec<Highlight> {
    const LEAD: usize = 40;
    let before_hit: usize = pieces
        .iter()
        .take_while(|p| !p.hit)
        .map(|p| p.text.chars().count())
        .sum();
    let mut skip = before_hit.saturating_sub(LEAD);
    let mut budget = SNIPPET_CHARS;
    let mut out = Vec::new();
    if skip > 0 {
        out.push(Highlight {
            text: "…".into(),
            hit: false,
        });
    }
    for piece in pieces {
        let len = piece.text.chars().count();
        if skip >= len {
            skip -= len;
            continue;
        }
        let available = len - skip;
        let text: String = piece.text.chars().skip(skip).take(budget).collect();
        skip = 0;
        budget -= text.chars().count();
        let cut = text.chars().count() < available;
        out.push(Highlight {
            text,
            hit: piece.hit,
        });
        if budget == 0 || cut {
            out.push(Highlight {
                text: "…".into(),
                hit: false,
            });
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(pieces: &[Highlight]) -> String {
        pieces
            .iter()
            .map(|p| {
                if p.hit {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn hits_are_marked_as_the_index_matches_them() {
        let terms = Terms::of("cafe resume");
        assert_eq!(
            marked(&terms.snippet("Un Café? Résumé, cafeteria.")),
            "Un [Café]? [Résumé], cafeteria."
        );
        let terms = Terms::of("東京");
        assert_eq!(
            marked(&terms.snippet("明日東京都に行きます")),
            "明日[東京]都に行きます"
        );
    }

    #[test]
    fn a_long_text_is_cut_around_the_first_hit() {
        let text = format!("{} needle {}", "word ".repeat(100), "tail ".repeat(100));
        let snippet = marked(&Terms::of("needle").snippet(&text));
        assert!(
            snippet.starts_with('…') && snippet.ends_with('…'),
            "{snippet}"
        );
        assert!(snippet.contains("[needle]"), "{snippet}");
        assert!(snippet.chars().count() <= SNIPPET_CHARS + 4, "{snippet}");
    }
}
