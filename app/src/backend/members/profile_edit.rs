//! A member editing their own profile: name, bio and handle.

use crate::domain::profile::{ProfileEdit, HANDLE_CHANGE_DAYS};
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::i18n::{k, Problem};
use crate::model::member::OwnProfile;
use sqlx::PgPool;

/// The member's profile as the edit form shows it.
pub async fn own_profile(pool: &PgPool, member_id: i64) -> Result<OwnProfile, AppError> {
    let row = sqlx::query!(
        r#"SELECT handle, display_name, bio, avatar,
                  (handle_changed_at + make_interval(days => $2::int))::date AS handle_free_on
           FROM members WHERE id = $1"#,
        member_id,
        HANDLE_CHANGE_DAYS as i32
    )
    .fetch_one(pool)
    .await?;
    Ok(OwnProfile {
        handle: row.handle,
        display_name: row.display_name,
        bio: row.bio,
        avatar: row.avatar,
        handle_change_on: row
            .handle_free_on
            .filter(|day| *day > chrono::Utc::now().date_naive()),
    })
}

/// The handle a member had under `former` and has now, for old links to lead on.
pub async fn current_handle_of(pool: &PgPool, former: &str) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar!(
        "SELECT m.handle FROM former_handles f JOIN members m ON m.id = f.member_id
         WHERE f.handle = $1 AND m.suspended_at IS NULL AND m.deleted_at IS NULL",
        former
    )
    .fetch_optional(pool)
    .await?)
}

/// Saves the profile. A new handle must be free (nobody's now, and nobody else's
/// before) and the last change `HANDLE_CHANGE_DAYS` ago; the old one stays the
/// member's, so links to it lead to the new one and nobody else can take it.
pub async fn edit_profile(
    pool: &PgPool,
    member_id: i64,
    edit: &ProfileEdit,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let current = sqlx::query!(
        r#"SELECT handle,
                  coalesce(handle_changed_at > now() - make_interval(days => $2::int), false) AS "recent!"
           FROM members WHERE id = $1 FOR UPDATE"#,
        member_id,
        HANDLE_CHANGE_DAYS as i32
    )
    .fetch_one(&mut *tx)
    .await?;
    let new_handle = edit.handle.as_str();
    if new_handle != current.handle {
        let field = |message: Problem| {
            let mut errors = FieldErrors::new();
            errors.add("handle", message);
            AppError::Invalid(errors)
        };
        if current.recent {
            return Err(field(
                Problem::new(k::error_handle_changed_recently).with("days", HANDLE_CHANGE_DAYS),
            ));
        }
        let taken = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM members WHERE handle = $1)
                      OR EXISTS (SELECT 1 FROM former_handles WHERE handle = $1 AND member_id <> $2) AS "taken!""#,
            new_handle,
            member_id
        )
        .fetch_one(&mut *tx)
        .await?;
        if taken {
            return Err(field(k::error_handle_taken.into()));
        }
        sqlx::query!(
            "DELETE FROM former_handles WHERE handle = $1 AND member_id = $2",
            new_handle,
            member_id
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "INSERT INTO former_handles (handle, member_id) VALUES ($1, $2)",
            current.handle,
            member_id
        )
        .execute(&mut *tx)
        .await?;
        let renamed = sqlx::query!(
            "UPDATE members SET handle = $2, handle_changed_at = now() WHERE id = $1",
            member_id,
            new_handle
        )
        .execute(&mut *tx)
        .await;
        match renamed {
            Err(sqlx::Error::Database(e)) if e.constraint() == Some("members_handle_key") => {
                return Err(field(k::error_handle_taken.into()));
            }
            other => {
                other?;
            }
        }
    }
    sqlx::query!(
        "UPDATE members SET display_name = $2, bio = $3 WHERE id = $1",
        member_id,
        edit.display_name.as_str(),
        edit.bio.as_str()
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
