//! The group directory: every group, filtered by a search.

use crate::error::AppError;
use crate::model::group::GroupSummary;
use sqlx::PgPool;

pub async fn list(pool: &PgPool, query: &str) -> Result<Vec<GroupSummary>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT g.slug, g.name, g.description, g.is_open, g.avatar,
                  (SELECT count(*) FROM group_memberships gm WHERE gm.group_id = g.id) AS "member_count!"
           FROM groups g
           WHERE g.closed_at IS NULL AND ($1 = '' OR g.search_name LIKE '%' || fold_name($1) || '%')
           ORDER BY fold_name(g.name)"#,
        crate::backend::members::like_escape(query)
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| GroupSummary {
            slug: r.slug,
            name: r.name,
            description: r.description,
            is_open: r.is_open,
            member_count: r.member_count,
            avatar: r.avatar,
        })
        .collect())
}
