//! A member creating a group.

use crate::domain::group::{NewGroup, GROUPS_PER_DAY};
use crate::domain::FieldErrors;
use crate::error::AppError;
use sqlx::PgPool;

/// Creates the group with its creator as its first manager. A member creates at
/// most `GROUPS_PER_DAY` groups a day: counted under a per-member lock, so a burst
/// of parallel requests cannot slip past the count. A taken address is a field error.
pub async fn create(pool: &PgPool, creator_id: i64, group: &NewGroup) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(7002, hashint8($1))",
        creator_id
    )
    .execute(&mut *tx)
    .await?;
    let oldest_of_day = sqlx::query_scalar!(
        r#"SELECT EXTRACT(EPOCH FROM (created_at + interval '1 day' - now()))::bigint AS "wait!"
           FROM groups WHERE created_by = $1 AND created_at > now() - interval '1 day'
           ORDER BY created_at DESC OFFSET $2 LIMIT 1"#,
        creator_id,
        GROUPS_PER_DAY - 1
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(wait) = oldest_of_day {
        return Err(AppError::TooManyGroups(wait.max(1) as u64));
    }
    let inserted = sqlx::query_scalar!(
        "INSERT INTO groups (slug, name, description, is_open, created_by)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        group.slug.as_str(),
        group.profile.name.as_str(),
        group.profile.description.as_str(),
        group.profile.is_open,
        creator_id
    )
    .fetch_one(&mut *tx)
    .await;
    let group_id = match inserted {
        Ok(id) => id,
        Err(sqlx::Error::Database(error)) if error.constraint() == Some("groups_slug_key") => {
            let mut errors = FieldErrors::new();
            errors.add("slug", crate::i18n::k::error_slug_taken);
            return Err(errors.into());
        }
        Err(error) => return Err(error.into()),
    };
    sqlx::query!(
        "INSERT INTO group_memberships (group_id, member_id, role) VALUES ($1, $2, 'manager')",
        group_id,
        creator_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
