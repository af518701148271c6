//! A member's language: kept for what the portal writes to them away from a
//! page (emails, pushes) and for their next sign-in on another browser.

use crate::domain::language::Language;
use crate::error::AppError;
use crate::i18n::Words;
use sqlx::{PgConnection, PgPool};

pub async fn choose_language(
    pool: &PgPool,
    member_id: i64,
    language: Language,
) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE members SET language = $2, language_chosen = true WHERE id = $1",
        member_id,
        language.code()
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The language the member chose, if they did (what follows them to another browser).
pub async fn language_of(pool: &PgPool, member_id: i64) -> Result<Option<Language>, AppError> {
    Ok(sqlx::query_scalar!(
        "SELECT language FROM members WHERE id = $1 AND language_chosen",
        member_id
    )
    .fetch_optional(pool)
    .await?
    .flatten()
    .and_then(|code| Language::from_code(&code)))
}

/// Keeps the language a member reads the portal in, unless they chose one (at
/// registration and sign-in), so their emails and pushes speak it too.
pub async fn note_language(
    conn: &mut PgConnection,
    member_id: i64,
    language: Language,
) -> Result<(), AppError> {
    sqlx::query!(
        "UPDATE members SET language = $2 WHERE id = $1 AND NOT language_chosen",
        member_id,
        language.code()
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The words of what the portal sends to `address`: its member's language,
/// else `fallback` (an address no member has yet, a member who has none).
pub async fn words_for_address(
    conn: &mut PgConnection,
    address: &str,
    fallback: Language,
) -> Result<Words, AppError> {
    let chosen = sqlx::query_scalar!(
        "SELECT language FROM members WHERE email = lower($1)",
        address
    )
    .fetch_optional(&mut *conn)
    .await?
    .flatten()
    .and_then(|code| Language::from_code(&code));
    Ok(Words::of(chosen.unwrap_or(fallback)))
}

/// A member's language for what the portal sends them, from the stored code.
pub fn words_of(code: Option<&str>, fallback: Language) -> Words {
    Words::of(code.and_then(Language::from_code).unwrap_or(fallback))
}
