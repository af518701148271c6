//! The recipient picker's search: members and groups by name, never the viewer.

use super::{group_view, member_view};
use crate::error::AppError;
use crate::model::conversation::PartyView;
use sqlx::PgPool;

/// Queries shorter than this match the start of a word, or a character of a name
/// written without spaces (a trigram index needs three characters); longer ones
/// match anywhere in the name or handle.
pub(super) const CONTAINS_MIN_CHARS: usize = 3;
/// Matches considered before ranking: keeps a very common query as fast as a rare one.
pub(super) const SEARCH_CANDIDATES: i64 = 100;

pub async fn search_parties(
    pool: &PgPool,
    viewer_id: i64,
    query: &str,
) -> Result<Vec<PartyView>, AppError> {
    let query = crate::domain::account::normalize_query(query);
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let escaped = crate::backend::members::like_escape(&query.to_lowercase());
    // Planned with the actual text: how many names contain "ngu" or "zzq" differs by
    // orders of magnitude, and so does the best plan (scan until enough, or trigram index).
    let mut tx = pool.begin().await?;
    sqlx::query!("SET LOCAL plan_cache_mode = force_custom_plan")
        .execute(&mut *tx)
        .await?;
    // Ranked: names starting with the query first, then alphabetical.
    let members = if query.chars().count() >= CONTAINS_MIN_CHARS {
        sqlx::query!(
            r#"WITH candidates AS MATERIALIZED (
                 SELECT id, handle, display_name, search_name FROM members
                 WHERE search_name LIKE '%' || fold_name($1) || '%'
                   AND id <> $2 AND suspended_at IS NULL AND deleted_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = $2 AND b.blocked_id = members.id)
                 LIMIT $3)
               SELECT id AS "id!", handle AS "handle!", display_name AS "name!" FROM candidates
               ORDER BY search_name LIKE fold_name($1) || '%' DESC, search_name, id LIMIT 8"#,
            escaped,
            viewer_id,
            SEARCH_CANDIDATES
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| member_view(r.id, r.handle, r.name))
        .collect::<Vec<_>>()
    } else {
        // One or two characters: the start of any word of the name or handle, or
        // anywhere in a name of a script without spaces (`search_grams`).
        sqlx::query!(
            r#"WITH candidates AS MATERIALIZED (
                 SELECT id, handle, display_name, search_name FROM members
                 WHERE search_grams @> ARRAY[fold_name($1)]
                   AND id <> $2 AND suspended_at IS NULL AND deleted_at IS NULL
                   AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = $2 AND b.blocked_id = members.id)
                 LIMIT $3)
               SELECT id AS "id!", handle AS "handle!", display_name AS "name!" FROM candidates
               ORDER BY search_name LIKE fold_name($4) || '%' DESC, search_name, id LIMIT 8"#,
            query.to_lowercase(),
            viewer_id,
            SEARCH_CANDIDATES,
            escaped
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| member_view(r.id, r.handle, r.name))
        .collect::<Vec<_>>()
    };
    let groups = sqlx::query!(
        "SELECT id, slug, name FROM groups
         WHERE search_name LIKE '%' || fold_name($1) || '%' AND closed_at IS NULL
         ORDER BY search_name LIKE fold_name($1) || '%' DESC, search_name, id LIMIT 5",
        escaped
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut found = members;
    found.extend(groups.into_iter().map(|g| group_view(g.id, g.slug, g.name)));
    Ok(found)
}
