//! A member's language: kept for what the portal writes to them away from a
//! page (emails, pushes) and for their next sign-in on another browser.

use crate::domain::language::Language;
use crate::error::AppError;
use sqlx::PgPool;

pub async fn choose_language(
    pool: &PgPool,
    member_id: i64,
    language: Language,
) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE members SET language = $2 WHERE id = $1",
        member_id,
        language.code()
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The member's chosen language, if any.
pub async fn language_of(pool: &PgPool, member_id: i64) -> Result<Option<Language>, AppError> {
    Ok(
        sqlx::query_scalar!("SELECT language FROM members WHERE id = $1", member_id)
            .fetch_optional(pool)
            .await?
            .flatten()
            .and_then(|code| Language::from_code(&code)),
    )
}
